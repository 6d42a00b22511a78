// Screen "#/needs/:id": a need, its answers (all of them for its author, ours for others),
// the answer form (one of our published listings and/or a message) and, for its author,
// closing it.
import { api, ifMatch, withQuery } from '../api.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { formatDate, t } from '../i18n.js';
import { render as rerender } from '../router.js';
import { getSession, isActiveMember } from '../session.js';
import { announce, busy, clearFormErrors, field, formError, h, showFormError } from '../ui.js';

let currentTitle = '';

export function title() {
  return currentTitle || t('need.title');
}

function afterChange(message) {
  announce(message);
  return rerender(false).then(() => {
    const heading = document.getElementById('answers-title');
    if (heading) {
      heading.focus();
    }
  });
}

async function answerForm(need, me) {
  const mine = await api('GET', withQuery('/v1/listings', { owner: me.member.id, status: 'published', limit: 100 }));
  const submit = h('button', { type: 'submit', class: 'button primary' }, t('need.answer_submit'));
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'answer-title' }, formError(),
    field({ label: t('need.answer_listing'), name: 'listing_id', options: [{ value: '', label: t('publish.none') }]
      .concat(mine.items.map((l) => ({ value: l.id, label: l.title }))) }),
    field({ label: t('need.answer_text'), name: 'text', type: 'textarea', rows: 3, maxlength: 4000 }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const el = form.elements;
    const body = {};
    if (el.listing_id.value) {
      body.listing_id = el.listing_id.value;
    }
    if (el.text.value.trim()) {
      body.text = el.text.value.trim();
    }
    if (!body.listing_id && !body.text) {
      showFormError(form, { detail: t('need.answer_empty'), path: '/text' });
      return;
    }
    busy(submit, async () => {
      try {
        await api('POST', `/v1/needs/${encodeURIComponent(need.id)}/answers`, body);
        await afterChange(t('need.answered'));
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return h('section', { 'aria-labelledby': 'answer-title' }, h('h2', { id: 'answer-title' }, t('need.answer')), form);
}

function closeForm(need) {
  const submit = h('button', { type: 'submit', class: 'button' }, t('need.close'));
  const form = h('form', { class: 'form', novalidate: true, 'aria-label': t('need.close') }, formError(),
    field({ label: t('action.reason_optional'), name: 'reason', type: 'textarea', rows: 2, maxlength: 1000 }),
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const reason = form.elements.reason.value.trim();
    busy(submit, async () => {
      try {
        await api('POST', `/v1/needs/${encodeURIComponent(need.id)}/close`, reason ? { reason } : {}, ifMatch(need));
        await afterChange(t('need.closed'));
      } catch (error) {
        showFormError(form, error);
      }
    });
  });
  return form;
}

export async function render(main, ctx) {
  const [need, categories] = await Promise.all([
    api('GET', `/v1/needs/${encodeURIComponent(ctx.params.id)}`), loadCategories()]);
  const me = getSession();
  const author = Boolean(me && me.member && me.member.id === need.owner_id);
  currentTitle = need.title;
  main.appendChild(h('p', { class: 'breadcrumb' }, h('a', { href: '#/needs' }, t('need.back'))));
  main.appendChild(h('h1', {}, need.title));
  main.appendChild(h('p', { class: 'status-line' },
    h('span', { class: `badge badge-kind-${need.kind}` }, t(`kind_listing.${need.kind}`)), ' ',
    h('span', { class: `badge badge-${need.status}` }, t(`nstatus.${need.status}`))));
  if (need.description) {
    main.appendChild(h('p', { class: 'description' }, need.description));
  }
  const rows = [];
  if (need.category) {
    rows.push([t('listing.category'), categoryLabel(categories, need.category)]);
  }
  if (need.territory) {
    rows.push([t('listing.where'), `${need.territory.commune || ''} (${need.territory.departement || ''})`]);
  }
  if (need.wanted_from || need.wanted_to) {
    rows.push([t('need.wanted'), [need.wanted_from ? formatDate(need.wanted_from) : '…',
      need.wanted_to ? formatDate(need.wanted_to) : '…'].join(' → ')]);
  }
  rows.push([t('need.posted'), formatDate(need.created_at)]);
  if (need.closed_reason) {
    rows.push([t('need.closed_reason'), need.closed_reason]);
  }
  main.appendChild(h('dl', { class: 'details' }, rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v)))));

  const answers = need.answers || [];
  main.appendChild(h('section', { 'aria-labelledby': 'answers-title' },
    h('h2', { id: 'answers-title', tabindex: '-1' }, t('need.answers_title', { n: answers.length })),
    answers.length === 0 ? h('p', { class: 'hint' }, t('need.no_answer')) : h('ol', { class: 'messages' },
      answers.map((a) => h('li', { class: 'message' },
        h('p', { class: 'message-meta' }, h('time', { datetime: a.created_at }, formatDate(a.created_at, true))),
        a.listing_id ? h('p', { class: 'message-text' }, t('need.offers'), ' ',
          h('a', { href: `#/listings/${encodeURIComponent(a.listing_id)}` }, t('need.see_listing'))) : null,
        a.text ? h('p', { class: 'message-text' }, a.text) : null)))));
  if (!me) {
    main.appendChild(h('p', {}, h('a', { href: '#/login' }, t('nav.login'))));
  } else if (author && need.status === 'open') {
    main.appendChild(closeForm(need));
  } else if (!author && need.status === 'open' && isActiveMember()) {
    main.appendChild(await answerForm(need, me));
  }
}
