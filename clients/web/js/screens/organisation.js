// Screen "#/me": our account and our organisation (GET /v1/me, GET /v1/members/{id} with the
// colleagues), the download of all our data (GET /v1/me/export) and the deletion of our
// account (DELETE /v1/me), after an explicit confirmation.
import { api } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { getSession, loadSession } from '../session.js';
import { announce, busy, clearFormErrors, formError, h, showFormError } from '../ui.js';

export function title() {
  return t('org.title');
}

function dl(rows) {
  return h('dl', { class: 'details' }, rows.filter((r) => r[1]).map(([k, v]) =>
    h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

function deleteForm() {
  const submit = h('button', { type: 'submit', class: 'button danger' }, t('org.delete_submit'));
  const form = h('form', { class: 'form narrow', novalidate: true, 'aria-labelledby': 'delete-title' },
    formError(),
    h('p', {}, t('org.delete_explain')),
    h('div', { class: 'check', 'data-field': '/confirm' },
      h('input', { type: 'checkbox', id: 'delete-confirm', name: 'confirm' }),
      h('label', { for: 'delete-confirm' }, t('org.delete_confirm'))),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    if (!form.elements.confirm.checked) {
      showFormError(form, { detail: t('org.delete_check_first') });
      return;
    }
    busy(submit, async () => {
      try {
        await api('DELETE', '/v1/me');
        announce(t('org.deleted'));
        window.location.hash = '#/deleted';
        window.location.reload();
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return h('section', { 'aria-labelledby': 'delete-title' }, h('h2', { id: 'delete-title' }, t('org.delete_title')), form);
}

export async function render(main) {
  main.appendChild(h('h1', {}, t('org.title')));
  if (!getSession()) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  const me = await loadSession();
  const { account, member } = me;
  main.appendChild(h('h2', {}, t('org.account')));
  main.appendChild(dl([
    [t('field.name'), account.name],
    [t('field.email'), account.email],
    [t('org.role'), t(`role.${account.member_role}`)],
  ]));
  if (member) {
    const full = await api('GET', `/v1/members/${encodeURIComponent(member.id)}`);
    main.appendChild(h('h2', {}, t('org.organisation')));
    main.appendChild(dl([
      [t('field.org_name'), full.name],
      [t('field.kind'), t(`kind.${full.kind}`)],
      [t('listing.where'), full.territory ? `${full.territory.commune || ''} (${full.territory.departement || ''})` : ''],
      [t('org.status'), t(`mstatus.${full.status}`)],
      [t('org.status_reason'), full.status_reason],
      [t('publish.description'), full.description],
    ]));
    const colleagues = full.accounts || [];
    main.appendChild(h('h2', {}, t('org.colleagues')));
    main.appendChild(h('ul', { class: 'rows' }, colleagues.map((c) => h('li', { class: 'row-item' },
      h('strong', {}, c.name), c.id === account.id ? ` (${t('org.you')})` : '',
      h('span', { class: 'row-meta' }, c.email, ' · ', t(`role.${c.member_role}`), ' · ',
        t(`astatus.${c.status}`), c.created_at ? ` · ${formatDate(c.created_at)}` : '')))));
  }
  main.appendChild(h('h2', {}, t('org.data')));
  main.appendChild(h('p', {}, t('org.export_explain')));
  main.appendChild(h('p', {}, h('a', { class: 'button', href: '/v1/me/export', download: '' }, t('org.export'))));
  main.appendChild(deleteForm());
}
