// Console "#/reviews": the loans that need an administrator (GET /v1/admin/reviews), each
// with why and since when; a returned loan gets a note and a one-click decision (close, or
// keep for a follow-up: POST /v1/admin/reservations/{id}/review).
import { api, ifMatch, withQuery } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { render as rerender } from '../router.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError, statusBadge } from '../ui.js';

export function title() {
  return t('reviews.title');
}

function reviewForm(r) {
  const close = h('button', { type: 'submit', class: 'button primary', value: 'close' }, t('reviews.close'));
  const follow = h('button', { type: 'submit', class: 'button', value: 'follow_up' }, t('reviews.follow_up'));
  const form = h('form', { class: 'form review-form', novalidate: true,
    'aria-label': t('reviews.decide', { title: r.listing_title }) }, formError(),
    field({ label: t('reviews.note'), name: 'note', type: 'textarea', rows: 2, required: true, maxlength: 2000 }),
    h('div', { class: 'actions' }, close, follow));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const decision = event.submitter ? event.submitter.value : 'close';
    const note = form.elements.note.value.trim();
    if (!note) {
      showFormError(form, { detail: t('reviews.note_required'), path: '/note' });
      return;
    }
    busy(event.submitter || close, async () => {
      try {
        await api('POST', `/v1/admin/reservations/${encodeURIComponent(r.id)}/review`,
          { decision, note }, ifMatch(r));
        announce(t(decision === 'close' ? 'reviews.closed' : 'reviews.followed'));
        await rerender(false);
        const heading = document.querySelector('main h1');
        if (heading) {
          heading.focus();
        }
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return form;
}

function item(entry) {
  const r = entry.reservation;
  const b = entry.booking;
  const head = h('p', { class: 'review-head' },
    h('span', { class: `badge badge-reason-${entry.reason}` }, t(`reason.${entry.reason}`)), ' ',
    t('reviews.since', { date: formatDate(entry.since, true) }));
  if (b) {
    return h('li', { class: 'row-item review-item' }, head,
      h('h2', { class: 'review-title' }, h('a', { href: `/#/bookings/${encodeURIComponent(b.id)}` }, b.listing_title)),
      h('p', { class: 'row-meta' }, statusBadge(b.status), ' ',
        b.payment_refused ? t('booking.paid_amount', { n: b.payment_refused.amount }) : ''));
  }
  const incident = r.return && r.return.incident;
  return h('li', { class: 'row-item review-item', 'data-reservation': r.id }, head,
    h('h2', { class: 'review-title' }, h('a', { href: `/#/reservations/${encodeURIComponent(r.id)}` }, r.listing_title)),
    h('p', { class: 'row-meta' }, statusBadge(r.status), ' ',
      t('reservation.period', { start: formatDate(r.start), end: formatDate(r.end) })),
    incident ? h('p', { class: 'incident-text' }, h('strong', {}, t(`incident.${incident.type}`)), ' : ', incident.text || '') : null,
    r.return && r.return.condition_note ? h('p', {}, t('action.condition_note'), ' : ', r.return.condition_note) : null,
    r.review ? h('p', { class: 'hint' }, t('reviews.last', { decision: t(`reviews.${r.review.decision}`), note: r.review.note })) : null,
    r.status === 'returned' ? reviewForm(r) : null);
}

export async function render(main, ctx) {
  main.appendChild(h('h1', {}, t('reviews.title')));
  main.appendChild(h('p', { class: 'hint' }, t('reviews.intro')));
  const page = await api('GET', withQuery('/v1/admin/reviews', { limit: 20, cursor: ctx.query.get('cursor') }));
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('reviews.none')));
  } else {
    main.appendChild(h('ul', { class: 'rows reviews' }, page.items.map(item)));
  }
  if (page.next_cursor) {
    main.appendChild(h('nav', { class: 'pager', 'aria-label': t('search.pages') },
      h('a', { rel: 'next', href: withQuery('#/reviews', { cursor: page.next_cursor }) }, t('search.next_page'))));
  }
}
