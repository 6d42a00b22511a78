// Screen "#/login": sign in with e-mail and password (the server sets the session cookie).
import { t } from '../i18n.js';
import { getSession, login } from '../session.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError } from '../ui.js';

export function title() {
  return t('login.title');
}

export async function render(main, ctx) {
  main.appendChild(h('h1', {}, t('login.title')));
  const me = getSession();
  if (me) {
    main.appendChild(h('p', {}, t('login.already', { name: me.account.name }), ' ',
      h('a', { href: '#/' }, t('nav.search'))));
    return;
  }
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('login.submit'));
  const form = h('form', { class: 'form narrow', novalidate: true },
    formError(),
    field({ label: t('field.email'), name: 'email', type: 'email', required: true,
      autocomplete: 'username' }),
    field({ label: t('field.password'), name: 'password', type: 'password', required: true,
      autocomplete: 'current-password' }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    busy(submit, async () => {
      try {
        const who = await login(form.elements.email.value.trim(), form.elements.password.value);
        announce(t('login.done', { name: who.account.name }));
        window.location.hash = ctx.query.get('next') || '#/';
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  main.appendChild(form);
  main.appendChild(h('p', {}, t('login.no_account'), ' ', h('a', { href: '#/signup' }, t('nav.signup'))));
}
