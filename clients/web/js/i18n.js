// i18n.js: French first, English second. t('key', {name: 'x'}) reads the current language's
// table (strings.fr.js, strings.en.js) and replaces {name}; a key missing in English falls
// back to French, a key missing everywhere shows itself (so a forgotten string is visible).
// The choice is kept in localStorage and mirrored in <html lang>.
import fr from './strings.fr.js';
import en from './strings.en.js';

const tables = { fr, en };
const STORAGE_KEY = 'mutua.lang';
const listeners = new Set();
let current = 'fr';

try {
  const saved = window.localStorage.getItem(STORAGE_KEY);
  if (saved && tables[saved]) {
    current = saved;
  }
} catch (e) {
  // Storage may be disabled: French stays.
}
document.documentElement.lang = current;

export function getLang() {
  return current;
}

export function setLang(lang) {
  if (!tables[lang] || lang === current) {
    return;
  }
  current = lang;
  document.documentElement.lang = lang;
  try {
    window.localStorage.setItem(STORAGE_KEY, lang);
  } catch (e) {
    // Not kept across visits, still applied now.
  }
  for (const listener of listeners) {
    listener(lang);
  }
}

// Calls listener(lang) after every change of language.
export function onLangChange(listener) {
  listeners.add(listener);
}

export function t(key, params) {
  let text = tables[current][key];
  if (text === undefined) {
    text = tables.fr[key];
  }
  if (text === undefined) {
    return key;
  }
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) =>
      params[name] !== undefined ? String(params[name]) : whole);
  }
  return text;
}

// Dates and numbers in the current language.
export function formatDate(iso, withTime) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return '';
  }
  const options = { day: 'numeric', month: 'long', year: 'numeric' };
  if (withTime) {
    options.hour = '2-digit';
    options.minute = '2-digit';
  }
  return date.toLocaleString(current === 'fr' ? 'fr-FR' : 'en-GB', options);
}

export function locale() {
  return current === 'fr' ? 'fr-FR' : 'en-GB';
}
