// header.js: the header shared by the members' app and the console: the brand, the
// navigation links given by the page, the language switch and the account (name and sign
// out, or sign in and sign up).
import { getLang, onLangChange, setLang, t } from './i18n.js';
import { getSession, logout, onSessionChange } from './session.js';
import { announce, clear, h } from './ui.js';
import { onUnreadChange, unreadCount } from './unread.js';

// The unread count next to the notifications link: a number for the eye, words for screen
// readers; nothing when all is read.
function unreadBadge() {
  const { count, more } = unreadCount();
  if (!count) {
    return null;
  }
  const shown = more ? `${count}+` : String(count);
  return h('span', { class: 'unread-count' },
    h('span', { 'aria-hidden': 'true' }, ` ${shown}`),
    h('span', { class: 'visually-hidden' }, ` (${t('notifications.unread', { n: shown })})`));
}

// links: [{href, key, unread?, admin?}] (key: a string key of the nav link; unread: the link
// shows the number of unread notifications; admin: only for administrators), shown to
// signed-in accounts;
// home: the brand's link; app: where the members' app is ('' on it, '/' from the console),
// for the sign-in and sign-up links.
export function mountHeader(links, home, app) {
  const header = document.getElementById('site-header');
  // The skip link moves the focus without touching the address (which holds the route).
  document.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    document.getElementById('main').focus();
  });
  const draw = () => {
    const me = getSession();
    const other = getLang() === 'fr' ? 'en' : 'fr';
    const current = (window.location.hash || '#/').split('?')[0];
    clear(header).appendChild(h('div', { class: 'header-inner' },
      h('a', { class: 'brand', href: home }, 'mutua'),
      me ? h('nav', { 'aria-label': t('nav.label') },
        h('ul', {}, links.filter((link) => !link.admin || me.account.platform_role === 'admin').map((link) => h('li', {},
          h('a', { href: link.href, 'aria-current': current === link.href ? 'page' : null },
            t(link.key), link.unread ? unreadBadge() : null))))) : null,
      h('div', { class: 'header-tools' },
        h('button', {
          type: 'button',
          class: 'link-button lang-switch',
          lang: other,
          'aria-label': t('lang.switch_label'),
          on: {
            click: () => {
              setLang(other);
              announce(t('lang.changed'));
            },
          },
        }, other === 'en' ? 'English' : 'Français'),
        me ? h('span', { class: 'account' },
          h('span', { class: 'account-name' }, me.account.name),
          h('button', {
            type: 'button',
            class: 'link-button',
            on: {
              click: async () => {
                await logout();
                window.location.assign(`${app}#/login`);
              },
            },
          }, t('nav.logout'))) : h('span', { class: 'account' },
          h('a', { href: `${app}#/login` }, t('nav.login')),
          h('a', { href: `${app}#/signup` }, t('nav.signup'))))));
    document.querySelector('.skip-link').textContent = t('skip');
  };
  draw();
  onUnreadChange(draw);
  onLangChange(draw);
  onSessionChange(draw);
  window.addEventListener('hashchange', draw);
}
