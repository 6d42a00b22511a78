// Console "#/exports": the CSV exports (members, listings, loans) as download links; the
// browser sends the session cookie with these GETs.
import { t } from '../i18n.js';
import { h } from '../ui.js';

const FILES = [
  ['members', '/v1/admin/export/members.csv'],
  ['listings', '/v1/admin/export/listings.csv'],
  ['loans', '/v1/admin/export/loans.csv'],
];

export function title() {
  return t('exports.title');
}

export function render(main) {
  main.appendChild(h('h1', {}, t('exports.title')));
  main.appendChild(h('p', {}, t('exports.intro')));
  main.appendChild(h('ul', { class: 'rows' }, FILES.map(([name, href]) => h('li', { class: 'row-item' },
    h('a', { href, download: '', class: 'button' }, t(`exports.${name}`)),
    h('span', { class: 'row-meta' }, t(`exports.${name}_hint`))))));
}
