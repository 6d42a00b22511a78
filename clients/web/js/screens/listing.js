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
    if (listing.credit_price_per_day) {
      rows.push([t('publish.credit_price_per_day'), String(listing.credit_price_per_day)]);
    }
  } else {
    if (listing.format) {
      rows.push([t('publish.format'), t(`format.${listing.format}`)]);
    }
    if (listing.duration_minutes) {
      rows.push([t('publish.duration_minutes'), String(listing.duration_minutes)]);
    }
    if (listing.credit_rate_per_hour) {
      rows.push([t('publish.credit_rate_per_hour'), String(listing.credit_rate_per_hour)]);
    }
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

// The booking form of a service: a start (date and time), a duration, a message.
function bookingForm(listing) {
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('book.submit'));
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'book-title' },
    formError(),
    field({ label: t('book.start'), name: 'start', type: 'datetime-local', required: true }),
    field({ label: t('book.duration'), name: 'duration_minutes', type: 'number', min: '15',
      inputmode: 'numeric', value: String(listing.duration_minutes || 60), hint: t('book.duration_hint') }),
    field({ label: t('book.message'), name: 'message', type: 'textarea', maxlength: 4000 }),
    h('div', { class: 'actions' }, submit));
  let key = crypto.randomUUID();
  form.addEventListener('input', () => {
    key = crypto.randomUUID();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const el = form.elements;
    const start = new Date(el.start.value);
    if (!el.start.value || Number.isNaN(start.getTime())) {
      showFormError(form, { detail: t('book.start_required'), path: '/start' });
      return;
    }
    const body = { listing_id: listing.id, start: start.toISOString() };
    const minutes = el.duration_minutes.value.trim();
    if (minutes) {
      body.duration_minutes = /^\d+$/.test(minutes) ? Number(minutes) : minutes;
    }
    if (el.message.value.trim()) {
      body.message = el.message.value.trim();
    }
    busy(submit, async () => {
      try {
        const booking = await api('POST', '/v1/bookings', body, { 'Idempotency-Key': key });
        announce(t('book.done'));
        window.location.hash = `#/bookings/${encodeURIComponent(booking.id)}`;
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return form;
}

// Who may do what from a listing's page: sign in, edit one's own, wait for approval, or @form.
function actionFor(listing, form) {
  const me = getSession();
  if (!me) {
    return h('p', {}, h('a', { href: withQuery('#/login', { next: `#/listings/${listing.id}` }) },
      t('reserve.login_first')));
  }
  if (me.member && me.member.id === listing.owner_id) {
    return h('p', {}, t(listing.kind === 'good' ? 'reserve.own' : 'book.own'), ' ',
      h('a', { href: `#/listings/${encodeURIComponent(listing.id)}/edit` }, t('mylistings.edit')));
  }
  if (!isActiveMember()) {
    return h('p', {}, t('reserve.pending'));
  }
  return form();
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
    layout.appendChild(h('section', { 'aria-labelledby': 'book-title' },
      h('h2', { id: 'book-title' }, t('book.title')),
      listing.credit_rate_per_hour ? h('p', { class: 'hint' },
        t('book.rate', { n: listing.credit_rate_per_hour })) : null,
      actionFor(listing, () => bookingForm(listing))));
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
  reserve.appendChild(actionFor(listing, () => reservationForm(listing)));
}
