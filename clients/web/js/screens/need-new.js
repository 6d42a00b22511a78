// Screen "#/needs/new": post a need (POST /v1/needs): what we look for, its kind and
// category, where and when.
import { api } from '../api.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { dayToInstant } from '../dates.js';
import { t } from '../i18n.js';
import { getSession, isActiveMember } from '../session.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError } from '../ui.js';

export function title() {
  return t('need_new.title');
}

export async function render(main) {
  main.appendChild(h('p', { class: 'breadcrumb' }, h('a', { href: '#/needs' }, t('need.back'))));
  main.appendChild(h('h1', {}, t('need_new.title')));
  const me = getSession();
  if (!me) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  if (!isActiveMember()) {
    main.appendChild(h('p', { class: 'notice' }, t('reserve.pending')));
    return;
  }
  const categories = await loadCategories();
  const territory = (me.member && me.member.territory) || {};
  const categoryField = field({ label: t('listing.category'), name: 'category', options: [] });
  const fill = (kind) => {
    const select = categoryField.querySelector('select');
    select.textContent = '';
    select.appendChild(h('option', { value: '' }, t('publish.none')));
    for (const c of categories.filter((c) => c.kind === kind)) {
      select.appendChild(h('option', { value: c.slug }, categoryLabel(categories, c.slug)));
    }
  };
  const kindField = field({ label: t('search.kind'), name: 'kind', value: 'good', options: [
    { value: 'good', label: t('kind_listing.good') }, { value: 'service', label: t('kind_listing.service') }] });
  kindField.querySelector('select').addEventListener('change', (event) => fill(event.target.value));
  fill('good');
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('need_new.submit'));
  const form = h('form', { class: 'form narrow', novalidate: true, 'aria-label': t('need_new.title') },
    formError(), kindField,
    field({ label: t('publish.field_title'), name: 'title', required: true, maxlength: 120,
      hint: t('need_new.title_hint') }),
    field({ label: t('publish.description'), name: 'description', type: 'textarea', rows: 4, maxlength: 4000 }),
    categoryField,
    h('div', { class: 'row' },
      field({ label: t('field.departement'), name: 'departement', path: '/territory/departement',
        maxlength: 3, value: territory.departement || '' }),
      field({ label: t('field.commune'), name: 'commune', path: '/territory/commune',
        value: territory.commune || '' })),
    h('div', { class: 'row' },
      field({ label: t('need.wanted_from'), name: 'wanted_from', type: 'date' }),
      field({ label: t('need.wanted_to'), name: 'wanted_to', type: 'date' })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const el = form.elements;
    const body = { kind: el.kind.value, title: el.title.value.trim() };
    if (el.description.value.trim()) {
      body.description = el.description.value.trim();
    }
    if (el.category.value) {
      body.category = el.category.value;
    }
    if (el.departement.value.trim() || el.commune.value.trim()) {
      body.territory = { departement: el.departement.value.trim(), commune: el.commune.value.trim() };
    }
    if (el.wanted_from.value) {
      body.wanted_from = dayToInstant(el.wanted_from.value);
    }
    if (el.wanted_to.value) {
      body.wanted_to = dayToInstant(el.wanted_to.value);
    }
    busy(submit, async () => {
      try {
        const need = await api('POST', '/v1/needs', body);
        announce(t('need_new.done'));
        window.location.hash = `#/needs/${encodeURIComponent(need.id)}`;
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  main.appendChild(form);
}
