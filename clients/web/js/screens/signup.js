// Screen "#/signup": an organisation and its first account (POST /v1/auth/signup). The
// member stays pending until an administrator approves it.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { announce, busy, clearFormErrors, field, focusFirst, formError, h,
  showFormError } from '../ui.js';

const KINDS = ['association', 'cooperative', 'company', 'public_body', 'individual'];

export function title() {
  return t('signup.title');
}

export async function render(main) {
  const networks = await api('GET', '/v1/networks');
  main.appendChild(h('h1', {}, t('signup.title')));
  main.appendChild(h('p', {}, t('signup.intro')));
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('signup.submit'));
  const form = h('form', { class: 'form narrow', novalidate: true },
    formError(),
    h('fieldset', {},
      h('legend', {}, t('signup.you')),
      field({ label: t('field.name'), name: 'name', required: true, autocomplete: 'name' }),
      field({ label: t('field.email'), name: 'email', type: 'email', required: true,
        autocomplete: 'email' }),
      field({ label: t('field.password'), name: 'password', type: 'password', required: true,
        autocomplete: 'new-password', minlength: 10, hint: t('signup.password_hint') })),
    h('fieldset', {},
      h('legend', {}, t('signup.organisation')),
      field({ label: t('field.org_name'), name: 'org_name', path: '/member/name', required: true,
        autocomplete: 'organization' }),
      field({ label: t('field.kind'), name: 'kind', path: '/member/kind',
        options: KINDS.map((kind) => ({ value: kind, label: t(`kind.${kind}`) })) }),
      field({ label: t('field.departement'), name: 'departement', required: true,
        path: '/member/territory/departement', hint: t('field.departement_hint'), maxlength: 3 }),
      field({ label: t('field.commune'), name: 'commune', required: true,
        path: '/member/territory/commune' })),
    h('fieldset', { class: 'field', 'data-field': '/member/networks' },
      h('legend', {}, t('signup.networks')),
      networks.items.map((network, i) => h('div', { class: 'check' },
        h('input', { type: 'checkbox', name: 'networks', value: network.id, id: `net-${i}` }),
        h('label', { for: `net-${i}` }, network.name))),
      h('p', { class: 'field-error' })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const el = form.elements;
    const body = {
      email: el.email.value.trim(),
      password: el.password.value,
      name: el.name.value.trim(),
      member: {
        name: el.org_name.value.trim(),
        kind: el.kind.value,
        territory: { departement: el.departement.value.trim(), commune: el.commune.value.trim() },
        networks: [...form.querySelectorAll('input[name="networks"]:checked')].map((c) => c.value),
      },
    };
    busy(submit, async () => {
      try {
        await api('POST', '/v1/auth/signup', body);
        main.textContent = '';
        main.appendChild(h('h1', {}, t('signup.done_title')));
        main.appendChild(h('p', { class: 'notice' }, t('signup.done')));
        main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
        announce(t('signup.done_title'));
        focusFirst();
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  main.appendChild(form);
}
