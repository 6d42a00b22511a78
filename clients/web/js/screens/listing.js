// Screen "#/listings/:id": a listing's details and photos; for a good, its availability over
// the next weeks and the reservation form.
import { api, photoUrl, withQuery } from '../api.js';
import { calendar } from '../calendar.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { addDays, dayToInstant, instantToDay, today } from '../dates.js';
import { locale, t } from '../i18n.js';
import { getSession, isActiveMember } from '../session.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError } from '../ui.js';

const CALENDAR_DAYS = 42;

let currentTitle = '';

export function title() {
  return currentTitle || t('listing.title');
}

function details(listing, categories) {
  const rows = [
    [t('listing.category'), categoryLabel(categories, listing.category)],
    [t('listing.where'), listing.territory
      ? `${listing.territory.commune || ''} (${listing.territory.departement || ''})` : ''],
  ];
  if (listing.kind === 'good') {
    rows.push([t('listing.quantity'), String(listing.quantity)]);
    if (listing.condition) {
      rows.push([t('listing.condition'), t(`condition.${listing.condition}`)]);
    }
    if (listing.deposit_cents !== undefined) {
      rows.push([t('listing.deposit'), new Intl.NumberFormat(locale(), { style: 'currency', currency: 'EUR' })
        .format(listing.deposit_cents / 100)]);
    }
    if (listing.loan_rules) {
      rows.push([t('listing.max_days'), t('listing.days', { n: listing.loan_rules.max_days })]);
      rows.push([t('listing.notice'), t('listing.hours', { n: listing.loan_rules.min_notice_hours })]);
    }
    rows.push([t('listing.approval'), t(`approval.${listing.approval}`)]);
  }
  return h('dl', { class: 'details' }, rows.filter((r) => r[1]).map(([k, v]) =>
    h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

function reservationForm(listing) {
  const first = addDays(today(), 2);
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('reserve.submit'));
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'reserve-title' },
    formError(),
    h('div', { class: 'row' },
      field({ label: t('reserve.start'), name: 'start', type: 'date', required: true,
        min: instantToDay(first.toISOString()) }),
      field({ label: t('reserve.end'), name: 'end', type: 'date', required: true })),
    listing.quantity > 1
      ? field({ label: t('reserve.units'), name: 'units', type: 'number', value: '1', min: '1',
        max: String(listing.quantity), inputmode: 'numeric' }) : null,
    field({ label: t('reserve.message'), name: 'message', type: 'textarea', maxlength: 2000 }),
    h('div', { class: 'actions' }, submit));
  // One key per filled form: a retry after a network error is not a second reservation.
  let key = crypto.randomUUID();
  form.addEventListener('input', () => {
    key = crypto.randomUUID();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const el = form.elements;
    if (!el.start.value || !el.end.value) {
      showFormError(form, { detail: t('reserve.dates_required'), path: el.start.value ? '/end' : '/start' });
      return;
    }
    const body = {
      listing_id: listing.id,
      start: dayToInstant(el.start.value),
      end: dayToInstant(el.end.value),
    };
    if (el.units) {
      body.units = Number(el.units.value);
    }
    if (el.message.value.trim()) {
      body.message = el.message.value.trim();
    }
    busy(submit, async () => {
      try {
        const reservation = await api('POST', '/v1/reservations', body, { 'Idempotency-Key': key });
        announce(t('reserve.done'));
        window.location.hash = `#/reservations/${encodeURIComponent(reservation.id)}`;
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return form;
}

export async function render(main, ctx) {
  const id = ctx.params.id;
  const [listing, categories] = await Promise.all([
    api('GET', `/v1/listings/${encodeURIComponent(id)}`), loadCategories()]);
  currentTitle = listing.title;
  main.appendChild(h('p', { class: 'breadcrumb' }, h('a', { href: '#/' }, t('listing.back'))));
  main.appendChild(h('h1', {}, listing.title));
  main.appendChild(h('p', {},
    h('span', { class: `badge badge-kind-${listing.kind}` }, t(`kind_listing.${listing.kind}`))));
  const layout = h('div', { class: 'listing-layout' });
  main.appendChild(layout);
  const info = h('div', {});
  layout.appendChild(info);
  if (listing.photos && listing.photos.length) {
    info.appendChild(h('div', { class: 'photos' }, listing.photos.map((photo, i) =>
      h('img', { src: photoUrl(photo.id), alt: t('listing.photo_alt', { title: listing.title, n: i + 1 }),
        width: photo.width || null, height: photo.height || null }))));
  }
  if (listing.description) {
    info.appendChild(h('p', { class: 'description' }, listing.description));
  }
  info.appendChild(details(listing, categories));

  if (listing.kind !== 'good') {
    return;
  }
  const side = h('div', {});
  layout.appendChild(side);
  const from = today();
  const to = addDays(from, CALENDAR_DAYS);
  const calendarSection = h('section', { 'aria-labelledby': 'calendar-title' },
    h('h2', { id: 'calendar-title' }, t('calendar.title')),
    h('p', { class: 'hint' }, t('calendar.hint', { n: CALENDAR_DAYS })));
  side.appendChild(calendarSection);
  try {
    const availability = await api('GET', withQuery(
      `/v1/listings/${encodeURIComponent(id)}/availability`,
      { from: from.toISOString(), to: to.toISOString() }));
    calendarSection.appendChild(calendar(availability, from, to));
  } catch (error) {
    calendarSection.appendChild(h('p', { class: 'notice notice-error' }, error.detail));
  }

  const reserve = h('section', { 'aria-labelledby': 'reserve-title' },
    h('h2', { id: 'reserve-title' }, t('reserve.title')));
  side.appendChild(reserve);
  const me = getSession();
  if (!me) {
    reserve.appendChild(h('p', {}, h('a', { href: withQuery('#/login', { next: `#/listings/${id}` }) },
      t('reserve.login_first'))));
  } else if (me.member && me.member.id === listing.owner_id) {
    reserve.appendChild(h('p', {}, t('reserve.own')));
  } else if (!isActiveMember()) {
    reserve.appendChild(h('p', {}, t('reserve.pending')));
  } else {
    reserve.appendChild(reservationForm(listing));
  }
}
