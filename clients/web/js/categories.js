// categories.js: GET /v1/categories once per page load, and a category's label in the
// current language.
import { api } from './api.js';
import { getLang } from './i18n.js';

let cache = null;

export async function loadCategories() {
  if (!cache) {
    cache = api('GET', '/v1/categories').then((answer) => answer.items).catch((error) => {
      cache = null;
      throw error;
    });
  }
  return cache;
}

export function categoryLabel(categories, slug) {
  const found = categories.find((c) => c.slug === slug);
  if (!found) {
    return slug || '';
  }
  return getLang() === 'en' ? found.label_en : found.label_fr;
}
