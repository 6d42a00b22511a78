// router.js: hash routes ("#/listings/lst_x?tab=photos"). A route is {path, screen} where
// path has literal segments and ":name" parameters, and screen is a module of js/screens/
// exporting render(main, ctx) (async; ctx = {params, query, session}) and title() for the
// document title. On each navigation the router empties <main>, renders the screen, sets
// the title and moves the focus to the screen's <h1> so that screen readers hear the change.
import { clear, errorBlock, focusFirst, h } from './ui.js';
import { t } from './i18n.js';

let routes = [];
let fallback = null;
let context = {};
let renderCount = 0;

export function startRouter(table, notFound, ctx) {
  routes = table.map((route) => ({ ...route, parts: route.path.split('/').filter(Boolean) }));
  fallback = notFound;
  context = ctx;
  window.addEventListener('hashchange', () => {
    // Only "#/..." is a route; "#main" (the skip link without script) is an in-page anchor.
    if (window.location.hash === '' || window.location.hash.startsWith('#/')) {
      render(true);
    }
  });
  return render(false);
}

// Current location as {path, query}.
export function currentLocation() {
  const raw = window.location.hash;
  const hash = raw.startsWith('#/') ? raw.slice(1) : '/';
  const [path, search] = hash.split('?');
  return { path, query: new URLSearchParams(search || '') };
}

export function navigate(hash) {
  if (window.location.hash === hash) {
    render(true);
  } else {
    window.location.hash = hash;
  }
}

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const route of routes) {
    if (route.parts.length !== parts.length) {
      continue;
    }
    const params = {};
    let ok = true;
    route.parts.forEach((part, i) => {
      if (part.startsWith(':')) {
        params[part.slice(1)] = decodeURIComponent(parts[i]);
      } else if (part !== parts[i]) {
        ok = false;
      }
    });
    if (ok) {
      return { route, params };
    }
  }
  return null;
}

// Renders the current screen again (after a change of language or session); @moveFocus is
// false then, so that the keyboard user stays where they were.
export async function render(moveFocus) {
  const main = document.getElementById('main');
  const { path, query } = currentLocation();
  const found = match(path);
  const screen = found ? found.route.screen : fallback;
  const ticket = ++renderCount;
  const staging = h('div', { class: 'screen' });
  try {
    await screen.render(staging, { ...context, params: found ? found.params : {}, query });
  } catch (error) {
    staging.appendChild(errorBlock(error));
  }
  if (ticket !== renderCount) {
    return; // a later navigation won
  }
  clear(main).appendChild(staging);
  document.title = `${screen.title ? screen.title() : ''} — mutua`.replace(/^ — /, '');
  if (moveFocus) {
    focusFirst();
    window.scrollTo(0, 0);
  }
  document.dispatchEvent(new CustomEvent('mutua:rendered', { detail: { path } }));
}

export const notFoundScreen = {
  title: () => t('notfound.title'),
  render(main) {
    main.appendChild(h('h1', {}, t('notfound.title')));
    main.appendChild(h('p', {}, h('a', { href: '#/' }, t('notfound.back'))));
  },
};
