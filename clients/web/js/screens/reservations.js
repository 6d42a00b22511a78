// Screen "#/reservations?role=borrower|lender": one's reservations as borrower (what we
// borrow) or lender (what others borrow from us), newest first, one page at a time.
import { api, withQuery } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { getSession } from '../session.js';
import { h, statusBadge } from '../ui.js';

export function title() {
  return t('reservations.title');
}

export async function render(main, ctx) {
  main.appendChild(h('h1', {}, t('reservations.title')));
  if (!getSession()) {
    main.appendChild(h('p', {}, h('a', { href: '#/login?next=%23%2Freservations' }, t('nav.login'))));
    return;
  }
  const role = ctx.query.get('role') === 'lender' ? 'lender' : 'borrower';
  main.appendChild(h('nav', { class: 'tabs', 'aria-label': t('reservations.roles') },
    h('ul', {}, ['borrower', 'lender'].map((r) => h('li', {},
      h('a', { href: `#/reservations?role=${r}`, 'aria-current': r === role ? 'page' : null },
        t(`reservations.as_${r}`)))))));
  const page = await api('GET', withQuery('/v1/reservations', {
    role, cursor: ctx.query.get('cursor'), limit: 20 }));
  main.appendChild(h('h2', {}, t(`reservations.as_${role}`)));
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('reservations.none')));
    return;
  }
  main.appendChild(h('ul', { class: 'rows' }, page.items.map((r) => h('li', { class: 'row-item' },
    h('a', { href: `#/reservations/${encodeURIComponent(r.id)}` }, r.listing_title),
    ' ', statusBadge(r.status),
    h('span', { class: 'row-meta' },
      t('reservation.period', { start: formatDate(r.start), end: formatDate(r.end) }),
      r.units > 1 ? ` · ${t('reservation.units', { n: r.units })}` : '')))));
  if (page.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/reservations', { role, cursor: page.next_cursor }) },
        t('search.next_page'))));
  }
}
