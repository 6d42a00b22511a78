// Screen "#/credits": our organisation's credits (GET /v1/me/ledger): the balance, the floor,
// and the statement (entries received and sent, newest first), when the deployment enables
// credits.
import { api, withQuery } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { getSession } from '../session.js';
import { h } from '../ui.js';

export function title() {
  return t('credits.title');
}

// Names of the other members of the entries (those we may see; the id otherwise).
async function names(ids) {
  const found = {};
  await Promise.all(ids.map(async (id) => {
    try {
      found[id] = (await api('GET', `/v1/members/${encodeURIComponent(id)}`)).name;
    } catch (error) {
      found[id] = id;
    }
  }));
  return found;
}

export async function render(main, ctx) {
  main.appendChild(h('h1', {}, t('credits.title')));
  const me = getSession();
  if (!me) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  const ledger = await api('GET', withQuery('/v1/me/ledger', { limit: 50, cursor: ctx.query.get('cursor') }));
  if (!ledger.enabled) {
    main.appendChild(h('p', { class: 'notice' }, t('credits.disabled')));
    return;
  }
  const mine = me.member.id;
  main.appendChild(h('p', { class: 'balance' }, t('credits.balance'), ' ',
    h('strong', { id: 'credits-balance' }, String(ledger.balance)),
    h('span', { class: 'row-meta' }, t('credits.floor', { n: ledger.floor }))));
  main.appendChild(h('h2', {}, t('credits.statement')));
  if (ledger.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('credits.none')));
    return;
  }
  const others = [...new Set(ledger.items.map((e) => (e.from === mine ? e.to : e.from))
    .filter((id) => id !== 'system'))];
  const who = await names(others);
  const table = h('table', { class: 'table' },
    h('caption', { class: 'visually-hidden' }, t('credits.statement')),
    h('thead', {}, h('tr', {}, [t('credits.date'), t('credits.what'), t('credits.with'), t('credits.amount')]
      .map((label) => h('th', { scope: 'col' }, label)))),
    h('tbody', {}, ledger.items.map((e) => {
      const received = e.to === mine;
      const other = received ? e.from : e.to;
      return h('tr', { class: received ? 'credit-in' : 'credit-out' },
        h('td', {}, h('time', { datetime: e.created_at }, formatDate(e.created_at))),
        h('td', {}, t(`ledger.${e.reason}`) === `ledger.${e.reason}` ? e.reason : t(`ledger.${e.reason}`)),
        h('td', {}, other === 'system' ? t('credits.system') : who[other] || other),
        h('td', { class: 'number' }, `${received ? '+' : '−'}${e.amount}`,
          h('span', { class: 'visually-hidden' }, ` (${received ? t('credits.received') : t('credits.sent')})`)));
    })));
  main.appendChild(h('div', { class: 'table-wrap' }, table));
  if (ledger.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/credits', { cursor: ledger.next_cursor }) }, t('search.next_page'))));
  }
}
