// Console "#/members?status=pending|active|suspended": organisations by status; approve a
// pending (or suspended) one, suspend (or refuse) with a reason.
import { api, withQuery } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { render as rerender } from '../router.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError } from '../ui.js';

const STATUSES = ['pending', 'active', 'suspended'];

export function title() {
  return t('amembers.title');
}

function afterChange(message) {
  announce(message);
  return rerender(false).then(() => {
    const heading = document.querySelector('main h1');
    if (heading) {
      heading.focus();
    }
  });
}

function approveButton(m) {
  const button = h('button', { type: 'button', class: 'button primary',
    'aria-label': t('amembers.approve_named', { name: m.name }) }, t('amembers.approve'));
  button.addEventListener('click', () => busy(button, async () => {
    try {
      await api('POST', `/v1/admin/members/${encodeURIComponent(m.id)}/approve`);
      await afterChange(t('amembers.approved', { name: m.name }));
    } catch (error) {
      announce(error.detail);
    }
  }));
  return button;
}

function suspendForm(m) {
  const label = m.status === 'pending' ? t('amembers.refuse') : t('amembers.suspend');
  const submit = h('button', { type: 'submit', class: 'button danger' }, label);
  const form = h('form', { class: 'form inline-form', novalidate: true,
    'aria-label': `${label} — ${m.name}` }, formError(),
    field({ label: t('amembers.reason'), name: 'reason', type: 'textarea', rows: 2, required: true,
      maxlength: 1000, hint: t('action.reason_hint') }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    busy(submit, async () => {
      try {
        await api('POST', `/v1/admin/members/${encodeURIComponent(m.id)}/suspend`,
          { reason: form.elements.reason.value.trim() });
        await afterChange(t('amembers.suspended', { name: m.name }));
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return form;
}

export async function render(main, ctx) {
  const status = STATUSES.includes(ctx.query.get('status')) ? ctx.query.get('status') : 'pending';
  main.appendChild(h('h1', {}, t('amembers.title')));
  main.appendChild(h('nav', { class: 'tabs', 'aria-label': t('amembers.statuses') },
    h('ul', {}, STATUSES.map((s) => h('li', {},
      h('a', { href: `#/members?status=${s}`, 'aria-current': s === status ? 'page' : null }, t(`amembers.tab_${s}`)))))));
  const page = await api('GET', withQuery('/v1/admin/members', { status, limit: 50, cursor: ctx.query.get('cursor') }));
  main.appendChild(h('h2', {}, t(`amembers.tab_${status}`)));
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('amembers.none')));
    return;
  }
  main.appendChild(h('ul', { class: 'rows' }, page.items.map((m) => h('li', { class: 'row-item member-item' },
    h('h3', {}, m.name),
    h('p', { class: 'row-meta' }, t(`kind.${m.kind}`),
      m.territory ? ` · ${m.territory.commune || ''} (${m.territory.departement || ''})` : '',
      ` · ${t('amembers.since', { date: formatDate(m.created_at) })}`),
    m.description ? h('p', {}, m.description) : null,
    m.status_reason ? h('p', { class: 'hint' }, t('amembers.reason'), ' : ', m.status_reason) : null,
    h('div', { class: 'member-actions' },
      m.status !== 'active' ? approveButton(m) : null,
      suspendForm(m))))));
  if (page.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/members', { status, cursor: page.next_cursor }) }, t('search.next_page'))));
  }
}
