// charts.js: bar charts as inline SVG built with DOM APIs (no library, no inline style: the
// colours are classes of app.css). Each chart is a <figure> whose SVG is an image with a
// title and a description for screen readers, followed by the same figures as a table.
import { h } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
let chartCounter = 0;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined) {
      el.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined) {
      continue;
    }
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

// A round maximum for the axis: 1, 2 or 5 times a power of ten, at least @max.
function niceMax(max) {
  if (max <= 0) {
    return 1;
  }
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= max) {
      return step * power;
    }
  }
  return 10 * power;
}

function dataTable(caption, items, labelHead, valueHead, format) {
  return h('details', { class: 'chart-data' },
    h('summary', {}, caption),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, labelHead), h('th', { scope: 'col', class: 'number' }, valueHead))),
      h('tbody', {}, items.map((item) => h('tr', {}, h('th', { scope: 'row' }, item.label),
        h('td', { class: 'number' }, format(item.value)))))));
}

// barChart({title, description, items: [{label, value}], orientation: 'vertical' |
// 'horizontal', labelHead, valueHead, tableCaption, format}) -> <figure class="chart">.
export function barChart(spec) {
  chartCounter += 1;
  const id = `chart-${chartCounter}`;
  const format = spec.format || ((v) => String(v));
  const items = spec.items;
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const svg = s('svg', { class: `chart-svg chart-${spec.orientation || 'vertical'}`, role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`, focusable: 'false' },
  s('title', { id: `${id}-title` }, spec.title),
  s('desc', { id: `${id}-desc` }, spec.description ||
    items.map((i) => `${i.label} : ${format(i.value)}`).join(' ; ')));
  if (spec.orientation === 'horizontal') {
    const labelWidth = 220;
    const barArea = 340;
    const row = 30;
    const height = items.length * row + 10;
    svg.setAttribute('viewBox', `0 0 ${labelWidth + barArea + 60} ${height}`);
    items.forEach((item, i) => {
      const y = i * row + 5;
      const width = Math.round((item.value / max) * barArea);
      svg.appendChild(s('text', { class: 'chart-label', x: labelWidth - 8, y: y + row / 2 + 4, 'text-anchor': 'end' },
        item.label.length > 30 ? `${item.label.slice(0, 29)}…` : item.label));
      svg.appendChild(s('rect', { class: 'chart-bar', x: labelWidth, y: y + 4, width: Math.max(width, item.value ? 2 : 0),
        height: row - 10, rx: 3 }));
      svg.appendChild(s('text', { class: 'chart-value', x: labelWidth + width + 6, y: y + row / 2 + 4 }, format(item.value)));
    });
  } else {
    const left = 40;
    const top = 20;
    const plotHeight = 180;
    const slot = Math.max(36, Math.min(70, 560 / Math.max(items.length, 1)));
    const width = left + slot * items.length + 10;
    svg.setAttribute('viewBox', `0 0 ${width} ${top + plotHeight + 40}`);
    for (const fraction of [0, 0.5, 1]) {
      const y = top + plotHeight - fraction * plotHeight;
      svg.appendChild(s('line', { class: 'chart-grid', x1: left, x2: width - 5, y1: y, y2: y }));
      if (Number.isInteger(max * fraction)) {
        svg.appendChild(s('text', { class: 'chart-axis', x: left - 6, y: y + 4, 'text-anchor': 'end' },
          format(max * fraction)));
      }
    }
    items.forEach((item, i) => {
      const barHeight = Math.round((item.value / max) * plotHeight);
      const x = left + i * slot + slot * 0.15;
      svg.appendChild(s('rect', { class: 'chart-bar', x, y: top + plotHeight - barHeight, width: slot * 0.7,
        height: barHeight, rx: 3 }));
      if (item.value) {
        svg.appendChild(s('text', { class: 'chart-value', x: x + slot * 0.35, y: top + plotHeight - barHeight - 4,
          'text-anchor': 'middle' }, format(item.value)));
      }
      svg.appendChild(s('text', { class: 'chart-label', x: x + slot * 0.35, y: top + plotHeight + 16,
        'text-anchor': 'middle' }, item.short || item.label));
    });
  }
  return h('figure', { class: 'chart' },
    h('figcaption', { class: 'chart-title' }, spec.title),
    svg,
    dataTable(spec.tableCaption, items, spec.labelHead, spec.valueHead, format));
}
