// admin.js: the administration console (GET /admin). For now the shell only: the shared
// header and the console's title; its screens come as modules of js/screens/ routed here
// exactly as in app.js.
import { onLangChange, t } from './i18n.js';
import { mountHeader } from './header.js';
import { render, startRouter } from './router.js';
import { loadSession, onSessionChange } from './session.js';
import { h } from './ui.js';

const home = {
  title: () => t('admin.title'),
  render(main) {
    main.appendChild(h('h1', {}, t('admin.title')));
  },
};

async function main() {
  try {
    await loadSession();
  } catch (error) {
    // Unreachable server: the title still shows.
  }
  mountHeader([], '#/', '/');
  onLangChange(() => render(false));
  onSessionChange(() => render(false));
  await startRouter([{ path: '/', screen: home }], home, {});
}

main();
