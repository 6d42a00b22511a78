// admin.js: the administration console (GET /admin): the shared header, the console's
// navigation and its screens (review queue, member approvals, audit log, statistics, CSV
// exports, webhooks), routed exactly as in app.js. Only administrators see the screens;
// anyone else gets a clear message instead.
import { onLangChange, t } from './i18n.js';
import { mountHeader } from './header.js';
import { render, startRouter } from './router.js';
import { getSession, loadSession, onSessionChange } from './session.js';
import { h } from './ui.js';
import * as reviews from './screens/admin-reviews.js';
import * as members from './screens/admin-members.js';
import * as audit from './screens/admin-audit.js';
import * as stats from './screens/admin-stats.js';
import * as exports from './screens/admin-exports.js';
import * as webhooks from './screens/admin-webhooks.js';

// The console's links are for administrators only (the header shows them to signed-in
// accounts, and filters those marked admin).
const links = [
  { href: '#/reviews', key: 'admin.nav.reviews', admin: true },
  { href: '#/members', key: 'admin.nav.members', admin: true },
  { href: '#/audit', key: 'admin.nav.audit', admin: true },
  { href: '#/stats', key: 'admin.nav.stats', admin: true },
  { href: '#/exports', key: 'admin.nav.exports', admin: true },
  { href: '#/webhooks', key: 'admin.nav.webhooks', admin: true },
  { href: '/', key: 'admin.nav.app' },
];

function isAdmin() {
  const me = getSession();
  return Boolean(me && me.account && me.account.platform_role === 'admin');
}

// Wraps a screen: administrators get it, others a message saying why not.
function guarded(screen) {
  return {
    title: () => (isAdmin() ? screen.title() : t('admin.title')),
    async render(main, ctx) {
      if (!isAdmin()) {
        main.appendChild(h('h1', {}, t('admin.title')));
        main.appendChild(h('p', { class: 'notice notice-error', role: 'alert' },
          getSession() ? t('admin.not_admin') : t('admin.sign_in')));
        main.appendChild(h('p', {}, getSession()
          ? h('a', { href: '/' }, t('admin.to_app'))
          : h('a', { href: '/#/login' }, t('nav.login'))));
        return;
      }
      await screen.render(main, ctx);
    },
  };
}

const home = {
  title: () => t('admin.title'),
  render(main) {
    main.appendChild(h('h1', {}, t('admin.title')));
    main.appendChild(h('ul', { class: 'cards admin-home' }, links.filter((link) => link.admin).map((link) => h('li', { class: 'card' },
      h('article', {}, h('div', { class: 'card-body' },
        h('h2', { class: 'card-title' }, h('a', { href: link.href }, t(link.key))),
        h('p', { class: 'card-meta' }, t(`${link.key}_hint`))))))));
  },
};

async function main() {
  try {
    await loadSession();
  } catch (error) {
    // Unreachable server: the title still shows.
  }
  mountHeader(links, '#/', '/');
  onLangChange(() => render(false));
  onSessionChange(() => render(false));
  const routes = [
    { path: '/', screen: guarded(home) },
    { path: '/reviews', screen: guarded(reviews) },
    { path: '/members', screen: guarded(members) },
    { path: '/audit', screen: guarded(audit) },
    { path: '/stats', screen: guarded(stats) },
    { path: '/exports', screen: guarded(exports) },
    { path: '/webhooks', screen: guarded(webhooks) },
    { path: '/webhooks/:id', screen: guarded(webhooks) },
  ];
  await startRouter(routes, guarded(home), {});
}

main();
