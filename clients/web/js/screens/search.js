// Screen "#/" (and "#/?q=...&kind=...&cursor=..."): search listings with filters; results as
// cards, one page at a time (next_cursor). The filters live in the address, so a search can
// be bookmarked and the browser's back button works.
import { api, photoUrl, withQuery } from '../api.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { dayToInstant } from '../dates.js';
import { t } from '../i18n.js';
import { field, formError, h, showFormError } from '../ui.js';

const FILTERS = ['q', 'kind', 'category', 'departement', 'from', 'to'];

export function title() {
  return t('search.title');
}

function card(listing, categories) {
  const photo = listing.photos && listing.photos[0];
  const where = listing.territory
    ? `${listing.territory.commune || ''} (${listing.territory.departement || ''})` : '';
  return h('li', { class: 'card' },
    h('article', {},
      photo
        ? h('img', { class: 'card-photo', src: photoUrl(photo.id), alt: '', loading: 'lazy',
          width: 320, height: 200 })
        : h('div', { class: 'card-photo card-photo-empty', 'aria-hidden': 'true' }),
      h('div', { class: 'card-body' },
        h('h3', { class: 'card-title' },
          h('a', { href: `#/listings/${encodeURIComponent(listing.id)}` }, listing.title)),
        h('p', { class: 'card-meta' },
          h('span', { class: `badge badge-kind-${listing.kind}` }, t(`kind_listing.${listing.kind}`)),
          ' ', categoryLabel(categories, listing.category)),
        where ? h('p', { class: 'card-meta' }, where) : null)));
}

export async function render(main, ctx) {
  const query = ctx.query;
  const categories = await loadCategories();
  const kind = query.get('kind') || '';
  main.appendChild(h('h1', {}, t('search.title')));

  const form = h('form', { class: 'form search-form', role: 'search', novalidate: true },
    formError(),
    h('div', { class: 'search-grid' },
      field({ label: t('search.q'), name: 'q', path: 'q', type: 'search', value: query.get('q') || '' }),
      field({ label: t('search.kind'), name: 'kind', path: 'kind', value: kind, options: [
        { value: '', label: t('search.any') },
        { value: 'good', label: t('kind_listing.good') },
        { value: 'service', label: t('kind_listing.service') }] }),
      field({ label: t('search.category'), name: 'category', path: 'category',
        value: query.get('category') || '',
        options: [{ value: '', label: t('search.any') }].concat(categories
          .filter((c) => !kind || c.kind === kind)
          .map((c) => ({ value: c.slug, label: categoryLabel(categories, c.slug) }))) }),
      field({ label: t('field.departement'), name: 'departement', path: 'departement',
        value: query.get('departement') || '', maxlength: 3, hint: t('field.departement_hint') }),
      field({ label: t('search.from'), name: 'from', path: 'available_from', type: 'date',
        value: query.get('from') || '' }),
      field({ label: t('search.to'), name: 'to', path: 'available_to', type: 'date',
        value: query.get('to') || '' })),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary' }, t('search.submit'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const params = {};
    for (const name of FILTERS) {
      const value = form.elements[name].value.trim();
      if (value) {
        params[name] = value;
      }
    }
    window.location.hash = withQuery('#/', params);
  });
  main.appendChild(form);

  const results = h('section', { 'aria-labelledby': 'results-title' },
    h('h2', { id: 'results-title' }, t('search.results')));
  main.appendChild(results);
  let page;
  try {
    page = await api('GET', withQuery('/v1/listings', {
      q: query.get('q'),
      kind: query.get('kind'),
      category: query.get('category'),
      departement: query.get('departement'),
      available_from: query.get('from') ? dayToInstant(query.get('from')) : null,
      available_to: query.get('to') ? dayToInstant(query.get('to')) : null,
      cursor: query.get('cursor'),
      limit: 12,
    }));
  } catch (error) {
    showFormError(form, error);
    return;
  }
  if (page.items.length === 0) {
    results.appendChild(h('p', { class: 'notice' }, t('search.none')));
  } else {
    results.appendChild(h('ul', { class: 'cards' }, page.items.map((l) => card(l, categories))));
  }
  const nav = [];
  if (query.get('cursor')) {
    const first = new URLSearchParams(query);
    first.delete('cursor');
    nav.push(h('a', { href: `#/?${first}` }, t('search.first_page')));
  }
  if (page.next_cursor) {
    const next = new URLSearchParams(query);
    next.set('cursor', page.next_cursor);
    nav.push(h('a', { href: `#/?${next}`, rel: 'next' }, t('search.next_page')));
  }
  if (nav.length) {
    results.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') }, nav));
  }
}
