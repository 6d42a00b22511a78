// Screen "#/reservations/:id": a reservation, its history, the actions the caller may take
// (lender: approve, decline, check out, return with an incident, cancel; borrower: cancel)
// and its messages.
import { api } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { getSession } from '../session.js';
import { render as rerender } from '../router.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError,
  statusBadge } from '../ui.js';

let currentTitle = '';

export function title() {
  return currentTitle || t('reservation.title');
}

// A small form for one action: fields, a submit button; posts {body} then re-renders.
function actionForm(reservation, action, fields, makeBody, primary) {
  const submit = h('button', { type: 'submit', class: primary ? 'button primary' : 'button' },
    t(`action.${action}`));
  const form = h('form', { class: 'form action-form', novalidate: true,
    'aria-label': t(`action.${action}`) }, formError(), fields, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    busy(submit, async () => {
      try {
        await api('POST', `/v1/reservations/${encodeURIComponent(reservation.id)}/${action}`,
          makeBody(form.elements), { 'If-Match': `W/"${reservation.version}"` });
        announce(t(`action.${action}_done`));
        await rerender(false);
        const heading = document.getElementById('reservation-status');
        if (heading) {
          heading.focus();
        }
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return form;
}

function optional(value) {
  const text = value.trim();
  return text ? text : undefined;
}

function lenderActions(r) {
  const forms = [];
  if (r.status === 'requested') {
    forms.push(actionForm(r, 'approve',
      field({ label: t('action.note'), name: 'note', type: 'textarea', rows: 2 }),
      (el) => ({ note: optional(el.note.value) }), true));
    forms.push(actionForm(r, 'decline',
      field({ label: t('action.reason_optional'), name: 'reason', type: 'textarea', rows: 2 }),
      (el) => ({ reason: optional(el.reason.value) })));
  }
  if (r.status === 'approved') {
    forms.push(actionForm(r, 'checkout',
      field({ label: t('action.condition_note'), name: 'condition_note', type: 'textarea',
        rows: 2, required: true }),
      (el) => ({ condition_note: el.condition_note.value.trim() }), true));
  }
  if (r.status === 'checked_out') {
    const incidentFields = h('fieldset', { class: 'incident' },
      h('legend', {}, t('action.incident')),
      field({ label: t('action.incident_type'), name: 'incident_type', path: '/incident/type',
        options: [{ value: '', label: t('action.no_incident') }].concat(
          ['damage', 'missing_part', 'loss'].map((v) => ({ value: v, label: t(`incident.${v}`) }))) }),
      field({ label: t('action.incident_text'), name: 'incident_text', path: '/incident/text',
        type: 'textarea', rows: 2 }));
    forms.push(actionForm(r, 'return', [
      field({ label: t('action.condition_note'), name: 'condition_note', type: 'textarea',
        rows: 2, required: true }),
      incidentFields], (el) => {
      const body = { condition_note: el.condition_note.value.trim() };
      if (el.incident_type.value) {
        body.incident = { type: el.incident_type.value, text: el.incident_text.value.trim() };
      }
      return body;
    }, true));
  }
  return forms;
}

function cancelForm(r) {
  return actionForm(r, 'cancel',
    field({ label: t('action.reason'), name: 'reason', type: 'textarea', rows: 2, required: true,
      hint: t('action.reason_hint') }),
    (el) => ({ reason: el.reason.value.trim() }));
}

function historyList(r) {
  return h('ol', { class: 'history' }, (r.history || []).map((item) => h('li', {},
    h('time', { datetime: item.at }, formatDate(item.at, true)), ' — ',
    item.from ? `${t(`status.${item.from}`)} → ` : '', t(`status.${item.to}`),
    item.reason ? ` (${item.reason})` : '')));
}

async function messagesSection(r, me) {
  const section = h('section', { 'aria-labelledby': 'messages-title' },
    h('h2', { id: 'messages-title' }, t('messages.title')));
  const list = h('ol', { class: 'messages', 'aria-live': 'polite' });
  section.appendChild(list);
  const load = async () => {
    const page = await api('GET', `/v1/reservations/${encodeURIComponent(r.id)}/messages?limit=100`);
    list.textContent = '';
    if (page.items.length === 0) {
      list.appendChild(h('li', { class: 'hint' }, t('messages.none')));
    }
    for (const m of page.items) {
      const mine = m.author_account_id === me.account.id;
      list.appendChild(h('li', { class: mine ? 'message mine' : 'message' },
        h('p', { class: 'message-meta' }, t(`messages.role_${m.author_role}`), ' · ',
          h('time', { datetime: m.created_at }, formatDate(m.created_at, true))),
        h('p', { class: 'message-text' }, m.text)));
    }
  };
  await load();
  const submit = h('button', { type: 'submit', class: 'button' }, t('messages.send'));
  const form = h('form', { class: 'form', novalidate: true }, formError(),
    field({ label: t('messages.new'), name: 'text', type: 'textarea', rows: 3, required: true,
      maxlength: 4000 }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    busy(submit, async () => {
      try {
        await api('POST', `/v1/reservations/${encodeURIComponent(r.id)}/messages`,
          { text: form.elements.text.value });
        form.elements.text.value = '';
        await load();
        announce(t('messages.sent'));
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  section.appendChild(form);
  return section;
}

export async function render(main, ctx) {
  const me = getSession();
  if (!me) {
    main.appendChild(h('h1', {}, t('reservation.title')));
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  const r = await api('GET', `/v1/reservations/${encodeURIComponent(ctx.params.id)}`);
  const lender = me.member && me.member.id === r.owner_member_id;
  const borrower = me.member && me.member.id === r.borrower_member_id;
  currentTitle = r.listing_title;
  main.appendChild(h('p', { class: 'breadcrumb' },
    h('a', { href: `#/reservations?role=${lender ? 'lender' : 'borrower'}` }, t('reservation.back'))));
  main.appendChild(h('h1', {}, r.listing_title));
  main.appendChild(h('p', { id: 'reservation-status', class: 'status-line', tabindex: '-1' },
    t('reservation.status'), ' ', statusBadge(r.status),
    r.overdue ? h('span', { class: 'badge badge-overdue' }, t('reservation.overdue')) : null));
  const rows = [
    [t('reservation.dates'), t('reservation.period', { start: formatDate(r.start), end: formatDate(r.end) })],
    [t('reserve.units'), String(r.units)],
    [t('reservation.listing'), h('a', { href: `#/listings/${encodeURIComponent(r.listing_id)}` }, r.listing_title)],
  ];
  if (r.message) {
    rows.push([t('reserve.message'), r.message]);
  }
  if (r.pickup) {
    rows.push([t('reservation.pickup'), [r.pickup.address, r.pickup.instructions].filter(Boolean).join(' — ')]);
  }
  if (r.return && r.return.incident) {
    rows.push([t('reservation.incident'),
      `${t(`incident.${r.return.incident.type}`)} : ${r.return.incident.text || ''}`]);
  }
  main.appendChild(h('dl', { class: 'details' }, rows.map(([k, v]) =>
    h('div', {}, h('dt', {}, k), h('dd', {}, v)))));

  const forms = lender ? lenderActions(r) : [];
  if ((lender || borrower) && (r.status === 'requested' || r.status === 'approved')) {
    forms.push(cancelForm(r));
  }
  if (forms.length) {
    main.appendChild(h('section', { 'aria-labelledby': 'actions-title', class: 'actions-section' },
      h('h2', { id: 'actions-title' }, lender ? t('reservation.lender_actions') : t('reservation.borrower_actions')),
      forms));
  }
  main.appendChild(h('section', { 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, t('reservation.history')), historyList(r)));
  main.appendChild(await messagesSection(r, me));
}
