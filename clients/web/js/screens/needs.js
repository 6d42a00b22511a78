// Screen "#/needs" (and "#/needs?q=...&kind=...&status=..."): search the needs members posted
// (what they look for), with a link to post one. The filters live in the address.
import { api, withQuery } from '../api.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { formatDate, t } from '../i18n.js';
import { getSession } from '../session.js';
import { field, formError, h, showFormError } from '../ui.js';

const FILTERS = ['q', 'kind', 'departement', 'status'];

export function title() {
  return t('needs.title');
}

export async function render(main, ctx) {
  const query = ctx.query;
  const categories = await loadCategories();
  main.appendChild(h('h1', {}, t('needs.title')));
  if (getSession()) {
    main.appendChild(h('p', {}, h('a', { class: 'button primary', href: '#/needs/new' }, t('need_new.title'))));
  }
  const form = h('form', { class: 'form search-form', role: 'search', novalidate: true },
    formError(),
    h('div', { class: 'search-grid' },
      field({ label: t('search.q'), name: 'q', path: 'q', type: 'search', value: query.get('q') || '' }),
      field({ label: t('search.kind'), name: 'kind', path: 'kind', value: query.get('kind') || '', options: [
        { value: '', label: t('search.any') },
        { value: 'good', label: t('kind_listing.good') },
        { value: 'service', label: t('kind_listing.service') }] }),
      field({ label: t('field.departement'), name: 'departement', path: 'departement',
        value: query.get('departement') || '', maxlength: 3 }),
      field({ label: t('needs.status'), name: 'status', path: 'status', value: query.get('status') || 'open',
        options: [{ value: 'open', label: t('nstatus.open') }, { value: 'closed', label: t('nstatus.closed') }] })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, t('search.submit'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = {};
    for (const name of FILTERS) {
      const value = form.elements[name].value.trim();
      if (value && !(name === 'status' && value === 'open')) {
        params[name] = value;
      }
    }
    window.location.hash = withQuery('#/needs', params);
  });
  main.appendChild(form);
  const results = h('section', { 'aria-labelledby': 'needs-results' },
    h('h2', { id: 'needs-results' }, t('search.results')));
  main.appendChild(results);
  let page;
  try {
    page = await api('GET', withQuery('/v1/needs', {
      q: query.get('q'), kind: query.get('kind'), departement: query.get('departement'),
      status: query.get('status'), cursor: query.get('cursor'), limit: 20 }));
  } catch (error) {
    showFormError(form, error);
    return;
  }
  if (page.items.length === 0) {
    results.appendChild(h('p', { class: 'notice' }, t('needs.none')));
  } else {
    results.appendChild(h('ul', { class: 'rows' }, page.items.map((n) => h('li', { class: 'row-item' },
      h('a', { href: `#/needs/${encodeURIComponent(n.id)}` }, n.title), ' ',
      h('span', { class: `badge badge-${n.status}` }, t(`nstatus.${n.status}`)),
      h('span', { class: 'row-meta' }, t(`kind_listing.${n.kind}`),
        n.category ? ` · ${categoryLabel(categories, n.category)}` : '',
        n.territory ? ` · ${n.territory.commune || ''} (${n.territory.departement || ''})` : '',
        ` · ${t('needs.answers', { n: n.answers_count || 0 })}`,
        ` · ${formatDate(n.created_at)}`)))));
  }
  if (page.next_cursor) {
    const next = new URLSearchParams(query);
    next.set('cursor', page.next_cursor);
    results.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { href: `#/needs?${next}`, rel: 'next' }, t('search.next_page'))));
  }
}
