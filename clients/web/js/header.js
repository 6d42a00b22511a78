// header.js: the header shared by the members' app and the console: the brand, the
// navigation links given by the page, the language switch and the account (name and sign
// out, or sign in and sign up).
import { getLang, onLangChange, setLang, t } from './i18n.js';
import { getSession, logout, onSessionChange } from './session.js';
import { announce, clear, h } from './ui.js';

// links: [{href, key}] (key: a string key of the nav link), shown to signed-in accounts;
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
        h('ul', {}, links.map((link) => h('li', {},
          h('a', { href: link.href, 'aria-current': current === link.href ? 'page' : null },
            t(link.key)))))) : null,
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
  onLangChange(draw);
  onSessionChange(draw);
  window.addEventListener('hashchange', draw);
}
