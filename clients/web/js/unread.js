// unread.js: the number of unread notifications shown in the header. Counted from the first
// page of GET /v1/me/notifications (at most 100: "99+" beyond), again after each navigation
// and after a notification is marked read.
import { api } from './api.js';
import { getSession } from './session.js';

const PAGE = 100;
let count = 0;
let more = false;
const listeners = new Set();

export function unreadCount() {
  return { count, more };
}

export function onUnreadChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) {
    listener(count);
  }
}

export async function refreshUnread() {
  let next = 0;
  let nextMore = false;
  if (getSession()) {
    try {
      const page = await api('GET', `/v1/me/notifications?limit=${PAGE}`);
      next = page.items.filter((n) => !n.read_at).length;
      nextMore = Boolean(page.next_cursor) && next === PAGE;
    } catch (error) {
      next = count;
      nextMore = more;
    }
  }
  if (next !== count || nextMore !== more) {
    count = next;
    more = nextMore;
    changed();
  }
  return count;
}
