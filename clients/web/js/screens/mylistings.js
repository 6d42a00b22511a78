// Screen "#/my-listings": our organisation's listings in every status (GET /v1/listings with
// owner = our member), each with its status and a link to edit it; a link to publish one.
import { api, withQuery } from '../api.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { t } from '../i18n.js';
import { getSession, isActiveMember } from '../session.js';
import { h } from '../ui.js';

export function title() {
  return t('mylistings.title');
}

export async function render(main, ctx) {
  main.appendChild(h('h1', {}, t('mylistings.title')));
  const me = getSession();
  if (!me) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  if (!isActiveMember()) {
    main.appendChild(h('p', { class: 'notice' }, t('reserve.pending')));
    return;
  }
  main.appendChild(h('p', {}, h('a', { class: 'button primary', href: '#/publish' }, t('publish.title'))));
  const [page, categories] = await Promise.all([
    api('GET', withQuery('/v1/listings', { owner: me.member.id, sort: 'recent', limit: 50,
      cursor: ctx.query.get('cursor') })),
    loadCategories()]);
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('mylistings.none')));
    return;
  }
  main.appendChild(h('ul', { class: 'rows' }, page.items.map((l) => h('li', { class: 'row-item' },
    h('a', { href: `#/listings/${encodeURIComponent(l.id)}` }, l.title), ' ',
    h('span', { class: `badge badge-${l.status}` }, t(`lstatus.${l.status}`)),
    h('span', { class: 'row-meta' }, t(`kind_listing.${l.kind}`), ' · ', categoryLabel(categories, l.category),
      ' · ', t('mylistings.photos', { n: (l.photos || []).length })),
    h('a', { href: `#/listings/${encodeURIComponent(l.id)}/edit`,
      'aria-label': t('mylistings.edit_named', { title: l.title }) }, t('mylistings.edit'))))));
  if (page.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/my-listings', { cursor: page.next_cursor }) },
        t('search.next_page'))));
  }
}
