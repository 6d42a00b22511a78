// Screen "#/bookings/:id": a service booking, its history and the actions the caller may take
// (provider: accept, decline, complete with the hours given; requester: confirm, which pays
// the provider when credits are enabled; both: cancel while requested or accepted).
import { api, ifMatch } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { render as rerender } from '../router.js';
import { getSession } from '../session.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError,
  statusBadge } from '../ui.js';

let currentTitle = '';

export function title() {
  return currentTitle || t('booking.title');
}

function actionForm(booking, action, fields, makeBody, primary) {
  const submit = h('button', { type: 'submit', class: primary ? 'button primary' : 'button' },
    t(`baction.${action}`));
  const form = h('form', { class: 'form action-form', novalidate: true,
    'aria-label': t(`baction.${action}`) }, formError(), fields, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    busy(submit, async () => {
      try {
        await api('POST', `/v1/bookings/${encodeURIComponent(booking.id)}/${action}`,
          makeBody(form.elements), ifMatch(booking));
        announce(t(`baction.${action}_done`));
        await rerender(false);
        const status = document.getElementById('booking-status');
        if (status) {
          status.focus();
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
  return text ? { reason: text } : {};
}

// A booking's price in credits for @minutes: ceil(minutes x rate / 60).
function price(minutes, rate) {
  return Math.ceil((minutes * rate) / 60);
}

function actions(b, provider, requester) {
  const forms = [];
  if (provider && b.status === 'requested') {
    forms.push(actionForm(b, 'accept', [], () => ({}), true));
    forms.push(actionForm(b, 'decline',
      field({ label: t('action.reason_optional'), name: 'reason', type: 'textarea', rows: 2 }),
      (el) => optional(el.reason.value)));
  }
  if (provider && b.status === 'accepted') {
    forms.push(actionForm(b, 'complete',
      field({ label: t('booking.hours'), name: 'hours', type: 'number', min: '0.25', inputmode: 'decimal',
        value: String(b.duration_minutes / 60), hint: t('booking.hours_hint') }),
      (el) => {
        const text = el.hours.value.trim().replace(',', '.');
        return text ? { hours: Number.isFinite(Number(text)) ? Number(text) : text } : {};
      }, true));
  }
  if (requester && b.status === 'completed') {
    forms.push(actionForm(b, 'confirm', b.rate
      ? h('p', { class: 'hint' }, t('booking.confirm_pays', { n: price((b.hours || 0) * 60, b.rate) })) : [],
    () => ({}), true));
  }
  if ((provider || requester) && (b.status === 'requested' || b.status === 'accepted')) {
    forms.push(actionForm(b, 'cancel',
      field({ label: t('action.reason'), name: 'reason', type: 'textarea', rows: 2, required: true,
        hint: t('action.reason_hint') }),
      (el) => ({ reason: el.reason.value.trim() })));
  }
  return forms;
}

export async function render(main, ctx) {
  const me = getSession();
  if (!me) {
    main.appendChild(h('h1', {}, t('booking.title')));
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  const b = await api('GET', `/v1/bookings/${encodeURIComponent(ctx.params.id)}`);
  const provider = me.member && me.member.id === b.provider_member_id;
  const requester = me.member && me.member.id === b.requester_member_id;
  currentTitle = b.listing_title;
  main.appendChild(h('p', { class: 'breadcrumb' },
    h('a', { href: `#/bookings?role=${provider ? 'provider' : 'requester'}` }, t('booking.back'))));
  main.appendChild(h('h1', {}, b.listing_title));
  main.appendChild(h('p', { id: 'booking-status', class: 'status-line', tabindex: '-1' },
    t('reservation.status'), ' ', statusBadge(b.status)));
  const rows = [
    [t('booking.start'), formatDate(b.start, true)],
    [t('booking.duration'), t('booking.minutes', { n: b.duration_minutes })],
    [t('reservation.listing'), h('a', { href: `#/listings/${encodeURIComponent(b.listing_id)}` }, b.listing_title)],
    [t('booking.side'), provider ? t('bookings.as_provider') : t('bookings.as_requester')],
  ];
  if (b.rate) {
    rows.push([t('booking.estimate'), t('booking.credits', { n: price(b.duration_minutes, b.rate), rate: b.rate })]);
  }
  if (b.message) {
    rows.push([t('book.message'), b.message]);
  }
  if (b.hours !== undefined) {
    rows.push([t('booking.hours'), String(b.hours)]);
  }
  if (b.payment) {
    rows.push([t('booking.paid'), t('booking.paid_amount', { n: b.payment.amount })]);
  }
  if (b.payment_refused) {
    rows.push([t('booking.refused'), t('booking.paid_amount', { n: b.payment_refused.amount })]);
  }
  if (b.decline_reason || b.cancel_reason) {
    rows.push([t('action.reason'), b.decline_reason || b.cancel_reason]);
  }
  main.appendChild(h('dl', { class: 'details' }, rows.map(([k, v]) =>
    h('div', {}, h('dt', {}, k), h('dd', {}, v)))));
  const forms = actions(b, provider, requester);
  if (forms.length) {
    main.appendChild(h('section', { 'aria-labelledby': 'actions-title', class: 'actions-section' },
      h('h2', { id: 'actions-title' }, t('reservation.borrower_actions')), forms));
  }
  main.appendChild(h('section', { 'aria-labelledby': 'history-title' },
    h('h2', { id: 'history-title' }, t('reservation.history')),
    h('ol', { class: 'history' }, (b.history || []).map((item) => h('li', {},
      h('time', { datetime: item.at }, formatDate(item.at, true)), ' — ',
      item.from ? `${t(`status.${item.from}`)} → ` : '', t(`status.${item.to}`),
      item.reason ? ` (${item.reason})` : '')))));
}
