// Console "#/audit?entity_id=...": every recorded change, newest first, filtered by the id of
// one object (a reservation, booking, need, member...).
import { api, withQuery } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { field, formError, h, showFormError } from '../ui.js';

export function title() {
  return t('audit.title');
}

function state(value) {
  if (value === null || value === undefined) {
    return '—';
  }
  const key = `status.${value}`;
  return t(key) === key ? value : t(key);
}

export async function render(main, ctx) {
  const entity = ctx.query.get('entity_id') || '';
  main.appendChild(h('h1', {}, t('audit.title')));
  const form = h('form', { class: 'form search-form', role: 'search', novalidate: true }, formError(),
    field({ label: t('audit.entity_id'), name: 'entity_id', path: 'entity_id', value: entity,
      hint: t('audit.entity_hint') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, t('audit.filter'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.location.hash = withQuery('#/audit', { entity_id: form.elements.entity_id.value.trim() });
  });
  main.appendChild(form);
  let page;
  try {
    page = await api('GET', withQuery('/v1/admin/audit', { entity_id: entity, limit: 50, cursor: ctx.query.get('cursor') }));
  } catch (error) {
    showFormError(form, error);
    return;
  }
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('audit.none')));
    return;
  }
  main.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table audit' },
    h('caption', { class: 'visually-hidden' }, t('audit.title')),
    h('thead', {}, h('tr', {}, ['audit.at', 'audit.entity', 'audit.change', 'audit.actor', 'audit.reason']
      .map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, page.items.map((e) => h('tr', {},
      h('td', {}, h('time', { datetime: e.at }, formatDate(e.at, true))),
      h('td', {}, e.entity, ' ', h('a', { href: withQuery('#/audit', { entity_id: e.entity_id }) }, h('code', {}, e.entity_id))),
      h('td', {}, `${state(e.from)} → ${state(e.to)}`),
      h('td', {}, e.actor === 'system' ? t('audit.system') : h('code', {}, e.actor)),
      h('td', {}, e.reason || '')))))));
  if (page.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/audit', { entity_id: entity, cursor: page.next_cursor }) }, t('search.next_page'))));
  }
}
