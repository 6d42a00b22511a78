// Screen "#/bookings?role=requester|provider": our service bookings, as requester (services
// we asked for) or provider (services we give), newest first, one page at a time.
import { api, withQuery } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { getSession, isActiveMember } from '../session.js';
import { h, statusBadge } from '../ui.js';

export function title() {
  return t('bookings.title');
}

export async function render(main, ctx) {
  main.appendChild(h('h1', {}, t('bookings.title')));
  if (!getSession()) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  if (!isActiveMember()) {
    main.appendChild(h('p', { class: 'notice' }, t('reserve.pending')));
    return;
  }
  const role = ctx.query.get('role') === 'provider' ? 'provider' : 'requester';
  main.appendChild(h('nav', { class: 'tabs', 'aria-label': t('reservations.roles') },
    h('ul', {}, ['requester', 'provider'].map((r) => h('li', {},
      h('a', { href: `#/bookings?role=${r}`, 'aria-current': r === role ? 'page' : null },
        t(`bookings.as_${r}`)))))));
  const page = await api('GET', withQuery('/v1/bookings', {
    role, cursor: ctx.query.get('cursor'), limit: 20 }));
  main.appendChild(h('h2', {}, t(`bookings.as_${role}`)));
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('bookings.none')));
    return;
  }
  main.appendChild(h('ul', { class: 'rows' }, page.items.map((b) => h('li', { class: 'row-item' },
    h('a', { href: `#/bookings/${encodeURIComponent(b.id)}` }, b.listing_title),
    ' ', statusBadge(b.status),
    h('span', { class: 'row-meta' }, formatDate(b.start, true), ' · ',
      t('booking.minutes', { n: b.duration_minutes }))))));
  if (page.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/bookings', { role, cursor: page.next_cursor }) },
        t('search.next_page'))));
  }
}
