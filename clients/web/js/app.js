// app.js: the members' app (GET /). Loads the session, mounts the header and the router, and
// renders the current screen again when the language or the session changes.
import { onLangChange } from './i18n.js';
import { mountHeader } from './header.js';
import { notFoundScreen, render, startRouter } from './router.js';
import { loadSession, onSessionChange } from './session.js';
import * as login from './screens/login.js';
import * as signup from './screens/signup.js';

const routes = [
  { path: '/', screen: login },
  { path: '/login', screen: login },
  { path: '/signup', screen: signup },
];

const links = [];

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
