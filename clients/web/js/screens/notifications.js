// Screen "#/notifications": our account's notifications, newest first, each with a link to
// what it is about, whether it was read (in words), and a button to mark it read.
import { api, withQuery } from '../api.js';
import { formatDate, getLang, t } from '../i18n.js';
import { render as rerender } from '../router.js';
import { getSession } from '../session.js';
import { announce, busy, h } from '../ui.js';
import { refreshUnread } from '../unread.js';

export function title() {
  return t('notifications.title');
}

// Where a notification leads: the reservation, booking or need it is about.
function target(n) {
  const id = encodeURIComponent(n.entity_id || '');
  if (n.kind.startsWith('booking_')) {
    return `#/bookings/${id}`;
  }
  if (n.kind.startsWith('need_')) {
    return `#/needs/${id}`;
  }
  return `#/reservations/${id}`;
}

async function markRead(ids) {
  for (const id of ids) {
    await api('POST', `/v1/me/notifications/${encodeURIComponent(id)}/read`);
  }
  await refreshUnread();
}

export async function render(main, ctx) {
  main.appendChild(h('h1', {}, t('notifications.title')));
  if (!getSession()) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  const page = await api('GET', withQuery('/v1/me/notifications', { limit: 50, cursor: ctx.query.get('cursor') }));
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('notifications.none')));
    return;
  }
  const unread = page.items.filter((n) => !n.read_at).map((n) => n.id);
  if (unread.length) {
    const all = h('button', { type: 'button', class: 'button' }, t('notifications.mark_all'));
    all.addEventListener('click', () => busy(all, async () => {
      try {
        await markRead(unread);
        announce(t('notifications.all_read'));
        await rerender(false);
      } catch (error) {
        announce(error.detail);
      }
    }));
    main.appendChild(h('div', { class: 'actions' }, all));
  }
  main.appendChild(h('ul', { class: 'rows notifications' }, page.items.map((n) => {
    const text = getLang() === 'en' ? n.text_en : n.text_fr;
    const item = h('li', { class: n.read_at ? 'row-item' : 'row-item unread' },
      h('a', { href: target(n) }, text),
      h('span', { class: 'row-meta' }, h('time', { datetime: n.created_at }, formatDate(n.created_at, true)),
        ' · ', n.read_at ? t('notifications.read') : h('strong', {}, t('notifications.new'))));
    if (!n.read_at) {
      const mark = h('button', { type: 'button', class: 'link-button' }, t('notifications.mark_read'));
      mark.setAttribute('aria-label', t('notifications.mark_read_named', { text }));
      mark.addEventListener('click', () => busy(mark, async () => {
        try {
          await markRead([n.id]);
          announce(t('notifications.marked'));
          await rerender(false);
        } catch (error) {
          announce(error.detail);
        }
      }));
      item.appendChild(mark);
    }
    return item;
  })));
  if (page.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/notifications', { cursor: page.next_cursor }) },
        t('search.next_page'))));
  }
}
