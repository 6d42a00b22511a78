// app.js: the members' app (GET /). Loads the session, mounts the header and the router, and
// renders the current screen again when the language or the session changes.
import { onLangChange } from './i18n.js';
import { mountHeader } from './header.js';
import { notFoundScreen, render, startRouter } from './router.js';
import { loadSession, onSessionChange } from './session.js';
import * as login from './screens/login.js';
import * as signup from './screens/signup.js';
import * as search from './screens/search.js';
import * as listing from './screens/listing.js';
import * as reservations from './screens/reservations.js';
import * as reservation from './screens/reservation.js';

const routes = [
  { path: '/', screen: search },
  { path: '/login', screen: login },
  { path: '/signup', screen: signup },
  { path: '/listings/:id', screen: listing },
  { path: '/reservations', screen: reservations },
  { path: '/reservations/:id', screen: reservation },
];

const links = [
  { href: '#/', key: 'nav.search' },
  { href: '#/reservations', key: 'nav.reservations' },
];

async function main() {
  try {
    await loadSession();
  } catch (error) {
    // The server is unreachable: the screens say so when they load.
  }
  mountHeader(links, '#/', '');
  onLangChange(() => render(false));
  onSessionChange(() => render(false));
  await startRouter(routes, notFoundScreen, {});
}

main();
