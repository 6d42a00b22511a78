// app.js: the members' app (GET /). Loads the session, mounts the header and the router, and
// renders the current screen again when the language or the session changes.
import { onLangChange, t } from './i18n.js';
import { mountHeader } from './header.js';
import { notFoundScreen, render, startRouter } from './router.js';
import { loadSession, onSessionChange } from './session.js';
import { h } from './ui.js';
import { refreshUnread } from './unread.js';
import * as login from './screens/login.js';
import * as signup from './screens/signup.js';
import * as search from './screens/search.js';
import * as listing from './screens/listing.js';
import * as listingEdit from './screens/listing-edit.js';
import * as myListings from './screens/mylistings.js';
import * as reservations from './screens/reservations.js';
import * as reservation from './screens/reservation.js';
import * as bookings from './screens/bookings.js';
import * as booking from './screens/booking.js';
import * as needs from './screens/needs.js';
import * as needNew from './screens/need-new.js';
import * as need from './screens/need.js';
import * as notifications from './screens/notifications.js';
import * as credits from './screens/credits.js';
import * as organisation from './screens/organisation.js';

// After DELETE /v1/me: the page was reloaded without a session.
const deleted = {
  title: () => t('org.deleted_title'),
  render(main) {
    main.appendChild(h('h1', {}, t('org.deleted_title')));
    main.appendChild(h('p', {}, t('org.deleted')));
  },
};

const routes = [
  { path: '/', screen: search },
  { path: '/login', screen: login },
  { path: '/signup', screen: signup },
  { path: '/publish', screen: listingEdit },
  { path: '/my-listings', screen: myListings },
  { path: '/listings/:id', screen: listing },
  { path: '/listings/:id/edit', screen: listingEdit },
  { path: '/reservations', screen: reservations },
  { path: '/reservations/:id', screen: reservation },
  { path: '/bookings', screen: bookings },
  { path: '/bookings/:id', screen: booking },
  { path: '/needs', screen: needs },
  { path: '/needs/new', screen: needNew },
  { path: '/needs/:id', screen: need },
  { path: '/notifications', screen: notifications },
  { path: '/credits', screen: credits },
  { path: '/me', screen: organisation },
  { path: '/deleted', screen: deleted },
];

const links = [
  { href: '#/', key: 'nav.search' },
  { href: '#/needs', key: 'nav.needs' },
  { href: '#/my-listings', key: 'nav.my_listings' },
  { href: '#/reservations', key: 'nav.reservations' },
  { href: '#/bookings', key: 'nav.bookings' },
  { href: '#/notifications', key: 'nav.notifications', unread: true },
  { href: '#/credits', key: 'nav.credits' },
  { href: '#/me', key: 'nav.me' },
  { href: '/admin#/', key: 'nav.admin', admin: true },
];

async function main() {
  try {
    await loadSession();
  } catch (error) {
    // The server is unreachable: the screens say so when they load.
  }
  mountHeader(links, '#/', '');
  onLangChange(() => render(false));
  onSessionChange(() => {
    render(false);
    refreshUnread();
  });
  document.addEventListener('mutua:rendered', () => refreshUnread());
  await startRouter(routes, notFoundScreen, {});
}

main();
