// Console "#/stats?from=&to=&network=&departement=": the statistics of GET /v1/admin/stats
// over a period, with charts drawn as inline SVG (charts.js):
//   - loans over time: one stats query per month of the period (per year past 24 months),
//     each with the same filters: the "loans" of a period are the reservations checked out
//     in it, so the months add up to the whole period;
//   - loans by category: impact.by_category of the whole period;
//   - loans by territory: one stats query per département present among the listings
//     (GET /v1/admin/export/listings.csv lists every listing, whatever its status);
// and the impact estimate with its factors, sources and assumptions.
import { api, withQuery } from '../api.js';
import { barChart } from '../charts.js';
import { categoryLabel, loadCategories } from '../categories.js';
import { dayToInstant, instantToDay } from '../dates.js';
import { getLang, locale, t } from '../i18n.js';
import { field, formError, h, showFormError } from '../ui.js';

const MAX_MONTHS = 24;

export function title() {
  return t('stats.title');
}

// "FR text / EN text" (the factors' file is bilingual) -> the current language's half.
function bilingual(text) {
  if (!text) {
    return '';
  }
  const parts = text.split(' / ');
  if (parts.length !== 2) {
    return text;
  }
  return getLang() === 'en' ? parts[1] : parts[0];
}

function number(value, digits) {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits || 0 }).format(value || 0);
}

// The buckets of [from, to): calendar months, or years past MAX_MONTHS months.
function buckets(from, to) {
  const list = [];
  const months = (to.getFullYear() - from.getFullYear()) * 12 + to.getMonth() - from.getMonth() + 1;
  const byYear = months > MAX_MONTHS;
  let cursor = byYear ? new Date(from.getFullYear(), 0, 1) : new Date(from.getFullYear(), from.getMonth(), 1);
  while (cursor < to) {
    const next = byYear ? new Date(cursor.getFullYear() + 1, 0, 1)
      : new Date(cursor.getFullYear(), cursor.getMonth() + 1, 1);
    const start = cursor < from ? from : cursor;
    const end = next > to ? to : next;
    const label = byYear ? String(cursor.getFullYear())
      : cursor.toLocaleDateString(locale(), { month: 'long', year: 'numeric' });
    const short = byYear ? String(cursor.getFullYear())
      : cursor.toLocaleDateString(locale(), { month: 'short' }).replace('.', '');
    list.push({ start, end, label, short });
    cursor = next;
  }
  return list;
}

// Runs @tasks (functions returning promises) a few at a time.
async function limited(tasks, width) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

// RFC 4180 with ';' (the exports' format): rows of cells.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ';') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') {
        i++;
      }
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function departementsOfListings() {
  const response = await fetch('/v1/admin/export/listings.csv', { credentials: 'same-origin' });
  if (!response.ok) {
    return [];
  }
  const rows = parseCsv(await response.text());
  const column = rows.length ? rows[0].indexOf('departement') : -1;
  if (column < 0) {
    return [];
  }
  return [...new Set(rows.slice(1).map((r) => r[column]).filter(Boolean))].sort();
}

function figures(stats) {
  const rows = [
    [t('stats.loans'), number(stats.loans.count)],
    [t('stats.units'), number(stats.loans.units)],
    [t('stats.loan_days'), number(stats.loans.loan_days)],
    [t('stats.borrowers'), number(stats.loans.borrowers)],
    [t('stats.lenders'), number(stats.loans.lenders)],
    [t('stats.services'), number(stats.services.bookings)],
    [t('stats.service_hours'), number(stats.services.hours, 2)],
    [t('stats.listings_created'), number(stats.listings.created)],
    [t('stats.members_active'), number(stats.members.active)],
    [t('stats.members_status'), number(stats.members.with_active_status)],
  ];
  if (stats.credits && stats.credits.enabled) {
    rows.push([t('stats.credits_moved'), t('stats.credits_transfers', {
      n: number(stats.credits.transfers.count), amount: number(stats.credits.transfers.amount) })]);
  }
  return h('dl', { class: 'stat-figures' }, rows.map(([k, v]) => h('div', { class: 'stat' },
    h('dt', {}, k), h('dd', {}, v))));
}

function impactSection(impact, categories) {
  const f = impact.factors;
  const labelOf = (slug) => categoryLabel(categories, slug);
  return h('section', { 'aria-labelledby': 'impact-title', class: 'impact' },
    h('h2', { id: 'impact-title' }, t('stats.impact')),
    h('dl', { class: 'stat-figures' },
      h('div', { class: 'stat' }, h('dt', {}, t('stats.purchases_avoided')), h('dd', {}, number(impact.purchases_avoided, 1))),
      h('div', { class: 'stat' }, h('dt', {}, t('stats.eur')), h('dd', {},
        new Intl.NumberFormat(locale(), { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 }).format(impact.eur || 0))),
      h('div', { class: 'stat' }, h('dt', {}, t('stats.kg_co2e')), h('dd', {}, `${number(impact.kg_co2e)} kg CO2e`)),
      h('div', { class: 'stat' }, h('dt', {}, t('stats.units_with_factor')), h('dd', {}, number(impact.units_with_factor))),
      h('div', { class: 'stat' }, h('dt', {}, t('stats.units_without_factor')), h('dd', {}, number(impact.units_without_factor)))),
    f.warning ? h('p', { class: 'notice' }, bilingual(f.warning)) : null,
    h('h3', {}, t('stats.method')),
    h('p', {}, bilingual(f.method)),
    h('h3', { id: 'assumptions-title' }, t('stats.assumptions')),
    h('div', { class: 'table-wrap' }, h('table', { class: 'table factors', 'aria-labelledby': 'assumptions-title' },
      h('thead', {}, h('tr', {}, ['stats.category', 'stats.item', 'stats.price', 'stats.kg', 'stats.share',
        'stats.assumption', 'stats.source'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, f.items.map((item) => h('tr', {},
        h('th', { scope: 'row' }, labelOf(item.category)),
        h('td', {}, bilingual(item.item)),
        h('td', { class: 'number' }, `${number(item.price_eur)} €`),
        h('td', { class: 'number' }, number(item.kg_co2e, 1)),
        h('td', { class: 'number' }, `${number(item.avoided_purchase_share * 100)} %`),
        h('td', { class: 'assumption' }, bilingual(item.assumption)),
        h('td', {}, bilingual(item.source))))))),
    f.without_factor && f.without_factor.length ? [
      h('h3', {}, t('stats.without_factor')),
      h('ul', {}, f.without_factor.map((w) => h('li', {}, labelOf(w.category), ' : ', bilingual(w.reason))))] : null,
    f.sources && f.sources.length ? [
      h('h3', {}, t('stats.sources')),
      h('ul', { class: 'sources' }, f.sources.map((s) => h('li', {}, bilingual(s))))] : null,
    f.version ? h('p', { class: 'hint' }, t('stats.version', { v: f.version })) : null);
}

export async function render(main, ctx) {
  const q = ctx.query;
  const now = new Date();
  const defaultTo = new Date(now.getFullYear(), now.getMonth() + 1, 1);
  const defaultFrom = new Date(defaultTo.getFullYear() - 1, defaultTo.getMonth(), 1);
  const fromDay = q.get('from') || instantToDay(defaultFrom.toISOString());
  const toDay = q.get('to') || instantToDay(defaultTo.toISOString());
  const network = q.get('network') || '';
  const departement = q.get('departement') || '';
  main.appendChild(h('h1', {}, t('stats.title')));
  const networks = await api('GET', '/v1/networks');
  const form = h('form', { class: 'form search-form', novalidate: true, 'aria-label': t('stats.filters') }, formError(),
    h('div', { class: 'search-grid stats-grid' },
      field({ label: t('stats.from'), name: 'from', path: 'from', type: 'date', value: fromDay }),
      field({ label: t('stats.to'), name: 'to', path: 'to', type: 'date', value: toDay }),
      field({ label: t('stats.network'), name: 'network', path: 'network', value: network,
        options: [{ value: '', label: t('search.any') }].concat(networks.items.map((n) => ({ value: n.id, label: n.name }))) }),
      field({ label: t('field.departement'), name: 'departement', path: 'departement', value: departement, maxlength: 3 })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, t('stats.show'))));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const el = form.elements;
    window.location.hash = withQuery('#/stats', { from: el.from.value, to: el.to.value,
      network: el.network.value, departement: el.departement.value.trim() });
  });
  main.appendChild(form);

  const from = new Date(`${fromDay}T00:00:00`);
  const to = new Date(`${toDay}T00:00:00`);
  const query = (start, end, dep) => api('GET', withQuery('/v1/admin/stats', {
    from: start.toISOString(), to: end.toISOString(), network, departement: dep }));
  let stats;
  try {
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) {
      throw Object.assign(new Error(t('stats.bad_dates')), { detail: t('stats.bad_dates'), path: 'from' });
    }
    stats = await api('GET', withQuery('/v1/admin/stats', {
      from: dayToInstant(fromDay), to: dayToInstant(toDay), network, departement }));
  } catch (error) {
    showFormError(form, error);
    return;
  }
  main.appendChild(h('h2', {}, t('stats.summary')));
  if (stats.limits && stats.limits.complete === false) {
    main.appendChild(h('p', { class: 'notice notice-error' }, t('stats.incomplete')));
  }
  main.appendChild(figures(stats));

  const charts = h('section', { 'aria-labelledby': 'charts-title', class: 'charts' },
    h('h2', { id: 'charts-title' }, t('stats.charts')));
  main.appendChild(charts);
  const periods = buckets(from, to);
  const monthly = await limited(periods.map((p) => () => query(p.start, p.end, departement)), 4);
  charts.appendChild(barChart({
    title: t('stats.chart_time'),
    items: periods.map((p, i) => ({ label: p.label, short: p.short, value: monthly[i].loans.count })),
    orientation: 'vertical', labelHead: t('stats.period'), valueHead: t('stats.loans'),
    tableCaption: t('stats.as_table'),
  }));
  const byCategory = stats.impact.by_category.filter((c) => c.loans > 0);
  charts.appendChild(byCategory.length ? barChart({
    title: t('stats.chart_category'),
    items: byCategory.map((c) => ({ label: getLang() === 'en' ? c.label_en : c.label_fr, value: c.loans })),
    orientation: 'horizontal', labelHead: t('stats.category'), valueHead: t('stats.loans'),
    tableCaption: t('stats.as_table'),
  }) : h('p', { class: 'notice' }, t('stats.no_loans')));
  const deps = departement ? [departement] : await departementsOfListings();
  const byDep = await limited(deps.map((d) => () => query(from, to, d)), 4);
  charts.appendChild(deps.length ? barChart({
    title: t('stats.chart_territory'),
    items: deps.map((d, i) => ({ label: t('stats.departement', { d }), value: byDep[i].loans.count })),
    orientation: 'horizontal', labelHead: t('field.departement'), valueHead: t('stats.loans'),
    tableCaption: t('stats.as_table'),
  }) : h('p', { class: 'notice' }, t('stats.no_loans')));
  main.appendChild(impactSection(stats.impact, await loadCategories()));
}
