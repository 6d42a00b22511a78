// Console "#/webhooks": the webhooks (list, create — the signing secret is shown once, right
// after — delete) and "#/webhooks/:id": one webhook's delivery log.
import { api, withQuery } from '../api.js';
import { formatDate, t } from '../i18n.js';
import { render as rerender } from '../router.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError } from '../ui.js';

const EVENTS = ['reservation.requested', 'reservation.approved', 'reservation.declined',
  'reservation.cancelled', 'reservation.expired', 'reservation.reminder', 'reservation.overdue',
  'reservation.incident', 'booking.requested', 'booking.accepted', 'booking.declined',
  'booking.cancelled', 'booking.completed', 'booking.confirmed', 'need.answered'];

let detail = false;

export function title() {
  return detail ? t('webhooks.deliveries') : t('webhooks.title');
}

// The secret of the webhook just created: kept only until the next navigation.
let justCreated = null;

function createForm() {
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('webhooks.create'));
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'webhook-new' }, formError(),
    field({ label: t('webhooks.url'), name: 'url', type: 'url', required: true, hint: t('webhooks.url_hint') }),
    h('fieldset', { 'data-field': '/events' }, h('legend', {}, t('webhooks.events')),
      h('div', { class: 'events-grid' }, EVENTS.map((event, i) => h('div', { class: 'check' },
        h('input', { type: 'checkbox', id: `wh-event-${i}`, name: 'events', value: event }),
        h('label', { for: `wh-event-${i}` }, h('code', {}, event))))),
      h('p', { class: 'field-error' })),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const events = [...form.querySelectorAll('input[name="events"]:checked')].map((el) => el.value);
    busy(submit, async () => {
      try {
        justCreated = await api('POST', '/v1/admin/webhooks', { url: form.elements.url.value.trim(), events });
        announce(t('webhooks.created'));
        await rerender(false);
        const secret = document.getElementById('webhook-secret');
        if (secret) {
          secret.focus();
        }
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return h('section', { 'aria-labelledby': 'webhook-new' }, h('h2', { id: 'webhook-new' }, t('webhooks.new')), form);
}

async function deliveries(main, id) {
  main.appendChild(h('p', { class: 'breadcrumb' }, h('a', { href: '#/webhooks' }, t('webhooks.back'))));
  main.appendChild(h('h1', {}, t('webhooks.deliveries')));
  main.appendChild(h('p', {}, h('code', {}, id)));
  const page = await api('GET', `/v1/admin/webhooks/${encodeURIComponent(id)}/deliveries?limit=50`);
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('webhooks.no_delivery')));
    return;
  }
  main.appendChild(h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
    h('caption', { class: 'visually-hidden' }, t('webhooks.deliveries')),
    h('thead', {}, h('tr', {}, ['webhooks.event', 'webhooks.status', 'webhooks.attempts', 'webhooks.last']
      .map((k) => h('th', { scope: 'col' }, t(k))))),
    h('tbody', {}, page.items.map((d) => h('tr', {},
      h('td', {}, h('code', {}, d.event)),
      h('td', {}, t(`dstatus.${d.status}`)),
      h('td', { class: 'number' }, String(d.attempts)),
      h('td', {}, d.sent_at ? formatDate(d.sent_at, true) : d.last_error || (d.next_attempt_at
        ? t('webhooks.next', { date: formatDate(d.next_attempt_at, true) }) : ''))))))));
}

export async function render(main, ctx) {
  detail = Boolean(ctx.params.id);
  if (detail) {
    justCreated = null;
    await deliveries(main, ctx.params.id);
    return;
  }
  main.appendChild(h('h1', {}, t('webhooks.title')));
  if (justCreated) {
    main.appendChild(h('div', { class: 'notice secret', id: 'webhook-secret', tabindex: '-1', role: 'status' },
      h('p', {}, t('webhooks.secret_once')),
      h('p', {}, h('code', { class: 'secret-value' }, justCreated.secret))));
    justCreated = null;
  }
  const page = await api('GET', withQuery('/v1/admin/webhooks', { limit: 100 }));
  if (page.items.length === 0) {
    main.appendChild(h('p', { class: 'notice' }, t('webhooks.none')));
  } else {
    main.appendChild(h('ul', { class: 'rows' }, page.items.map((w) => {
      const remove = h('button', { type: 'button', class: 'button danger',
        'aria-label': t('webhooks.delete_named', { url: w.url }) }, t('webhooks.delete'));
      remove.addEventListener('click', () => {
        if (!window.confirm(t('webhooks.delete_confirm', { url: w.url }))) {
          return;
        }
        busy(remove, async () => {
          try {
            await api('DELETE', `/v1/admin/webhooks/${encodeURIComponent(w.id)}`);
            announce(t('webhooks.deleted'));
            await rerender(false);
          } catch (error) {
            announce(error.detail);
          }
        });
      });
      return h('li', { class: 'row-item' }, h('code', {}, w.url),
        h('span', { class: 'row-meta' }, w.events.join(', '), ' · ', formatDate(w.created_at)),
        h('div', { class: 'actions' },
          h('a', { class: 'button', href: `#/webhooks/${encodeURIComponent(w.id)}` }, t('webhooks.deliveries')),
          remove));
    })));
  }
  main.appendChild(createForm());
}
