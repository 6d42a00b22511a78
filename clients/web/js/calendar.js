// calendar.js: an availability calendar as month tables (one <table> per month, a caption
// with the month, a header row of weekdays, one cell per day). Each day says its state in
// words ("libre", "complet", "partiel", "fermé"), not by colour only.
import { locale, t } from './i18n.js';
import { addDays } from './dates.js';
import { h } from './ui.js';

// The state of [dayStart, dayEnd) given availability's busy periods and quantity.
function dayState(dayStart, dayEnd, busy, quantity) {
  let taken = 0;
  let blackout = false;
  for (const period of busy) {
    const start = new Date(period.start);
    const end = new Date(period.end);
    if (start < dayEnd && end > dayStart) {
      if (period.reason === 'blackout') {
        blackout = true;
      }
      taken = Math.max(taken, period.units);
    }
  }
  if (blackout) {
    return 'closed';
  }
  if (taken >= quantity) {
    return 'full';
  }
  return taken > 0 ? 'partial' : 'free';
}

// availability: GET /v1/listings/{id}/availability's answer over [from, to).
export function calendar(availability, from, to) {
  const weekdays = [];
  const monday = new Date(2024, 0, 1); // a Monday
  for (let i = 0; i < 7; i++) {
    const day = addDays(monday, i);
    weekdays.push({
      short: day.toLocaleDateString(locale(), { weekday: 'short' }),
      long: day.toLocaleDateString(locale(), { weekday: 'long' }),
    });
  }
  const months = [];
  let cursor = new Date(from.getFullYear(), from.getMonth(), 1);
  while (cursor < to) {
    const first = cursor;
    const next = new Date(first.getFullYear(), first.getMonth() + 1, 1);
    const rows = [];
    let row = [];
    const offset = (first.getDay() + 6) % 7; // Monday first
    for (let i = 0; i < offset; i++) {
      row.push(h('td', { class: 'day day-empty' }));
    }
    for (let day = first; day < next; day = addDays(day, 1)) {
      const inRange = day >= from && day < to;
      const state = inRange
        ? dayState(day, addDays(day, 1), availability.busy, availability.quantity) : 'out';
      row.push(h('td', { class: `day day-${state}` },
        h('span', { class: 'day-number' }, String(day.getDate())),
        h('span', { class: inRange ? 'day-state' : 'visually-hidden' }, t(`calendar.${state}`))));
      if (row.length === 7) {
        rows.push(h('tr', {}, row));
        row = [];
      }
    }
    if (row.length) {
      while (row.length < 7) {
        row.push(h('td', { class: 'day day-empty' }));
      }
      rows.push(h('tr', {}, row));
    }
    months.push(h('table', { class: 'calendar' },
      h('caption', {}, first.toLocaleDateString(locale(), { month: 'long', year: 'numeric' })),
      h('thead', {}, h('tr', {}, weekdays.map((w) =>
        h('th', { scope: 'col' }, h('abbr', { title: w.long }, w.short))))),
      h('tbody', {}, rows)));
    cursor = next;
  }
  return h('div', { class: 'calendars' }, months);
}
