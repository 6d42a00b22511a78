// Screens "#/publish" (a new listing) and "#/listings/:id/edit" (one of ours): the listing's
// form (POST /v1/listings, or PATCH with If-Match), the fields of its kind only, and on the
// edit screen its photos (upload as the raw body, show, delete).
import { api, ifMatch, photoUrl, upload } from '../api.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { t } from '../i18n.js';
import { render as rerender } from '../router.js';
import { getSession, isActiveMember } from '../session.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError } from '../ui.js';

let editing = false;

export function title() {
  return editing ? t('edit.title') : t('publish.title');
}

function options(values, prefix, withEmpty) {
  const list = values.map((v) => ({ value: v, label: t(`${prefix}.${v}`) }));
  return withEmpty ? [{ value: '', label: t('publish.none') }].concat(list) : list;
}

function str(value) {
  return value === undefined || value === null ? '' : String(value);
}

// Integer from a text field; '' -> null; anything else that is not digits stays a string so
// that the server's validation names the field.
function integer(text) {
  const value = text.trim();
  if (!value) {
    return null;
  }
  return /^-?\d+$/.test(value) ? Number(value) : value;
}

function euroCents(text) {
  const value = text.trim().replace(',', '.');
  if (!value) {
    return null;
  }
  const number = Number(value);
  return Number.isFinite(number) ? Math.round(number * 100) : value;
}

function listingForm(listing, categories, me) {
  const kind0 = listing ? listing.kind : 'good';
  const territory = (listing && listing.territory) || (me.member && me.member.territory) || {};
  const rules = (listing && listing.loan_rules) || {};
  const categoryField = field({ label: t('listing.category'), name: 'category', required: true,
    value: listing ? listing.category : '', options: [] });
  const fillCategories = (kind) => {
    const select = categoryField.querySelector('select');
    const chosen = select.value || (listing ? listing.category : '');
    select.textContent = '';
    for (const c of categories.filter((c) => c.kind === kind)) {
      select.appendChild(h('option', { value: c.slug, selected: c.slug === chosen },
        categoryLabel(categories, c.slug)));
    }
  };
  const goodPart = h('fieldset', { class: 'kind-part' }, h('legend', {}, t('publish.good_part')),
    h('div', { class: 'row' },
      field({ label: t('listing.quantity'), name: 'quantity', type: 'number', min: '1',
        value: str(listing ? listing.quantity : 1), inputmode: 'numeric' }),
      field({ label: t('listing.condition'), name: 'condition',
        value: str(listing && listing.condition),
        options: options(['new', 'good', 'fair', 'worn'], 'condition', true) })),
    h('div', { class: 'row' },
      field({ label: t('publish.deposit'), name: 'deposit', path: '/deposit_cents',
        inputmode: 'decimal',
        value: listing && listing.deposit_cents !== undefined ? String(listing.deposit_cents / 100) : '' }),
      field({ label: t('publish.max_days'), name: 'max_days', path: '/loan_rules/max_days',
        type: 'number', min: '1', inputmode: 'numeric', value: str(rules.max_days || 14) })),
    h('div', { class: 'row' },
      field({ label: t('listing.approval'), name: 'approval', value: (listing && listing.approval) || 'manual',
        options: options(['manual', 'auto'], 'approval') }),
      field({ label: t('publish.credit_price_per_day'), name: 'credit_price_per_day', type: 'number',
        min: '0', inputmode: 'numeric', value: str(listing && listing.credit_price_per_day) })));
  const servicePart = h('fieldset', { class: 'kind-part' }, h('legend', {}, t('publish.service_part')),
    field({ label: t('publish.format'), name: 'format', value: str(listing && listing.format),
      options: options(['on_site', 'remote', 'both'], 'format', true) }),
    h('div', { class: 'row' },
      field({ label: t('publish.duration_minutes'), name: 'duration_minutes', type: 'number',
        min: '15', inputmode: 'numeric', value: str(listing && listing.duration_minutes) }),
      field({ label: t('publish.credit_rate_per_hour'), name: 'credit_rate_per_hour', type: 'number',
        min: '0', inputmode: 'numeric', value: str(listing && listing.credit_rate_per_hour) })));
  const showKind = (kind) => {
    goodPart.hidden = kind !== 'good';
    servicePart.hidden = kind !== 'service';
    fillCategories(kind);
  };
  const submit = h('button', { type: 'submit', class: 'button primary' },
    listing ? t('edit.submit') : t('publish.submit'));
  const kindField = listing ? null : field({ label: t('search.kind'), name: 'kind', value: kind0,
    options: [{ value: 'good', label: t('kind_listing.good') }, { value: 'service', label: t('kind_listing.service') }] });
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'listing-form-title' },
    formError(),
    h('h2', { id: 'listing-form-title' }, t('publish.details')),
    kindField,
    field({ label: t('publish.field_title'), name: 'title', required: true, maxlength: 120,
      value: str(listing && listing.title), hint: t('publish.title_hint') }),
    field({ label: t('publish.description'), name: 'description', type: 'textarea', rows: 4,
      maxlength: 4000, value: str(listing && listing.description) }),
    categoryField,
    h('div', { class: 'row' },
      field({ label: t('field.departement'), name: 'departement', path: '/territory/departement',
        maxlength: 3, value: str(territory.departement), hint: t('field.departement_hint') }),
      field({ label: t('field.commune'), name: 'commune', path: '/territory/commune',
        value: str(territory.commune) })),
    h('div', { class: 'row' },
      field({ label: t('publish.visibility'), name: 'visibility',
        value: (listing && listing.visibility) || 'networks',
        options: options(['networks', 'public'], 'visibility') }),
      field({ label: t('publish.status'), name: 'status', value: (listing && listing.status) || 'published',
        options: options(['draft', 'published', 'paused', 'archived'], 'lstatus') })),
    goodPart, servicePart,
    h('div', { class: 'actions' }, submit));
  showKind(kind0);
  if (kindField) {
    kindField.querySelector('select').addEventListener('change', (event) => showKind(event.target.value));
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const el = form.elements;
    const kind = listing ? listing.kind : el.kind.value;
    const gone = listing ? null : undefined; // PATCH: null removes; POST: leave out
    const body = {
      title: el.title.value.trim(),
      description: el.description.value.trim() || gone,
      category: el.category.value,
      visibility: el.visibility.value,
      status: el.status.value,
    };
    if (!listing) {
      body.kind = kind;
    }
    if (el.departement.value.trim() || el.commune.value.trim()) {
      // The territory is replaced as a whole: coordinates are kept while the place is the same.
      const same = listing && listing.territory && listing.territory.departement === el.departement.value.trim()
        && listing.territory.commune === el.commune.value.trim();
      body.territory = same ? listing.territory
        : { departement: el.departement.value.trim(), commune: el.commune.value.trim() };
    }
    if (kind === 'good') {
      body.quantity = integer(el.quantity.value) ?? 1;
      body.condition = el.condition.value || gone;
      body.deposit_cents = euroCents(el.deposit.value) ?? gone;
      body.approval = el.approval.value;
      body.credit_price_per_day = integer(el.credit_price_per_day.value) ?? gone;
      body.loan_rules = { ...rules, max_days: integer(el.max_days.value) ?? 14 };
    } else {
      body.format = el.format.value || gone;
      body.duration_minutes = integer(el.duration_minutes.value) ?? gone;
      body.credit_rate_per_hour = integer(el.credit_rate_per_hour.value) ?? gone;
    }
    for (const key of Object.keys(body)) {
      if (body[key] === undefined) {
        delete body[key];
      }
    }
    busy(submit, async () => {
      try {
        if (listing) {
          await api('PATCH', `/v1/listings/${encodeURIComponent(listing.id)}`, body, ifMatch(listing));
          announce(t('edit.done'));
          await rerender(false);
        } else {
          const created = await api('POST', '/v1/listings', body);
          announce(t('publish.done'));
          window.location.hash = `#/listings/${encodeURIComponent(created.id)}/edit`;
        }
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return form;
}

function photosSection(listing) {
  const section = h('section', { 'aria-labelledby': 'photos-title' },
    h('h2', { id: 'photos-title' }, t('photos.title')));
  const photos = listing.photos || [];
  if (photos.length === 0) {
    section.appendChild(h('p', { class: 'hint' }, t('photos.none')));
  } else {
    section.appendChild(h('ul', { class: 'photo-list' }, photos.map((photo, i) => {
      const remove = h('button', { type: 'button', class: 'button' },
        t('photos.delete', { n: i + 1 }));
      remove.addEventListener('click', () => busy(remove, async () => {
        try {
          await api('DELETE', `/v1/listings/${encodeURIComponent(listing.id)}/photos/${encodeURIComponent(photo.id)}`);
          announce(t('photos.deleted'));
          await rerender(false);
        } catch (error) {
          announce(error.detail);
        }
      }));
      return h('li', {}, h('img', { src: photoUrl(photo.id), alt: t('listing.photo_alt', { title: listing.title, n: i + 1 }),
        width: photo.width || null, height: photo.height || null }), remove);
    })));
  }
  const submit = h('button', { type: 'submit', class: 'button' }, t('photos.upload'));
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': t('photos.upload') }, formError(),
    field({ label: t('photos.file'), name: 'photo', type: 'file', hint: t('photos.hint') }),
    h('div', { class: 'actions' }, submit));
  form.elements.photo.setAttribute('accept', 'image/jpeg,image/png,image/webp');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const file = form.elements.photo.files[0];
    if (!file) {
      showFormError(form, { detail: t('photos.choose'), path: '/photo' });
      return;
    }
    busy(submit, async () => {
      try {
        await upload(`/v1/listings/${encodeURIComponent(listing.id)}/photos`, file);
        announce(t('photos.uploaded'));
        await rerender(false);
      } catch (error) {
        showFormError(form, { detail: error.detail, path: '/photo' });
      }
    });
  });
  section.appendChild(form);
  return section;
}

export async function render(main, ctx) {
  editing = Boolean(ctx.params.id);
  const me = getSession();
  main.appendChild(h('h1', {}, title()));
  if (!me) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
    return;
  }
  if (!isActiveMember()) {
    main.appendChild(h('p', { class: 'notice' }, t('reserve.pending')));
    return;
  }
  const categories = await loadCategories();
  let listing = null;
  if (editing) {
    listing = await api('GET', `/v1/listings/${encodeURIComponent(ctx.params.id)}`);
    main.appendChild(h('p', { class: 'breadcrumb' },
      h('a', { href: `#/listings/${encodeURIComponent(listing.id)}` }, t('edit.view', { title: listing.title }))));
    if (listing.owner_id !== me.member.id && me.account.platform_role !== 'admin') {
      main.appendChild(h('p', { class: 'notice notice-error', role: 'alert' }, t('edit.not_ours')));
      return;
    }
  }
  main.appendChild(listingForm(listing, categories, me));
  if (listing) {
    main.appendChild(photosSection(listing));
  }
}
