// Browser tests of the members' web app: Debian's Chromium, driven by playwright-core,
// against a real mutuad started here on 127.0.0.1, port 0, with the demo data (--demo).
//
// The story: a new organisation signs up in the app (an administrator approves it through
// the API), finds "vélo cargo", reserves it for free dates, is refused on the same dates;
// the owner approves, checks out and takes it back with an incident. Along the way: the
// language switch, the phone width (375 px), no request to another host, no CSP violation,
// and axe-core on the search, listing and reservation pages. Screenshots go to
// $MUTUA_TEST_BINARY_DIR/screenshots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const ADMIN_EMAIL = 'admin@mutua.test';
const ADMIN_PASSWORD = 'admin-password-123';
const DEMO_PASSWORD = 'demo-mutua-2026';
const NEW_EMAIL = 'alex.durand@ressourcerie-test.exemple.fr';
const NEW_PASSWORD = 'mot-de-passe-solide';
const WAIT = 15000;

const shots = join(process.env.MUTUA_TEST_BINARY_DIR || tmpdir(), 'screenshots');
let server;
let dataDir;
let base;
let browser;
let adminToken;
let borrower; // {context, page}
let owner;
let target; // the listing reserved
let reservationId;
let dates; // {start, end} as YYYY-MM-DD
const foreign = [];
const cspErrors = [];

// --- helpers ---------------------------------------------------------------------------

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function startServer() {
  dataDir = mkdtempSync(join(tmpdir(), 'mutua-browser-'));
  const portFile = join(dataDir, 'mutuad.port');
  server = spawn(process.env.MUTUA_TEST_MUTUAD, [
    '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--port-file', portFile, '--demo',
    '--threads', '2', '--password-opslimit', '1', '--password-memlimit-kib', '8',
    '--log-level', 'warn',
  ], {
    env: { ...process.env, MUTUA_ADMIN_EMAIL: ADMIN_EMAIL, MUTUA_ADMIN_PASSWORD: ADMIN_PASSWORD },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 400; i++) {
    if (existsSync(portFile)) {
      const port = readFileSync(portFile, 'utf8').trim();
      if (port) {
        return `http://127.0.0.1:${port}`;
      }
    }
    if (server.exitCode !== null) {
      throw new Error(`mutuad exited with ${server.exitCode}`);
    }
    await sleep(50);
  }
  throw new Error('mutuad did not write its port');
}

// SIGTERM, SIGKILL after 20 s; resolves to the exit code (128 + signal when killed), so that a
// sanitizer report (non-zero exit) fails the run.
async function stopServer() {
  if (!server) {
    return null;
  }
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server.kill('SIGKILL'), 20000);
    await exited;
    clearTimeout(timer);
  }
  return server.exitCode !== null ? server.exitCode : 128 + 9;
}

// The API, as a client outside the browser (setup and checks only).
async function call(method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  const response = await fetch(base + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    throw new Error(`${method} ${path}: ${response.status} ${text}`);
  }
  return json;
}

function day(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function midnight(offsetDays) {
  const now = new Date();
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() + offsetDays);
}

async function newSession(viewport) {
  const context = await browser.newContext({ viewport: viewport || { width: 1280, height: 900 } });
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${base}/`) && !url.startsWith('data:')) {
      foreign.push(url);
    }
  });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content[- ]Security[- ]Policy/i.test(message.text())) {
      cspErrors.push(message.text());
    }
  });
  page.on('pageerror', (error) => cspErrors.push(`page error: ${error.message}`));
  return { context, page };
}

// Waits for the router to have rendered the screen of the current address.
async function rendered(page) {
  await page.waitForFunction(() => document.querySelector('main h1') !== null, null,
    { timeout: WAIT });
}

async function goto(page, hash) {
  if (page.url() === `${base}/${hash}`) {
    await page.reload();
    await rendered(page);
    return;
  }
  const settled = page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('mutua:rendered', resolve, { once: true });
  }));
  if (page.url().startsWith(`${base}/`) && !page.url().startsWith(`${base}/admin`)) {
    await page.evaluate((h) => { window.location.hash = h; }, hash);
  } else {
    await page.goto(`${base}/${hash}`);
  }
  await Promise.race([settled, sleep(WAIT)]);
  await rendered(page);
}

async function login(session, email, password) {
  const { page } = session;
  await page.goto(`${base}/#/login`);
  await rendered(page);
  await page.getByLabel('Adresse e-mail').fill(email);
  await page.getByLabel('Mot de passe').fill(password);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('button', { name: 'Se déconnecter' }).waitFor({ timeout: WAIT });
}

async function screenshot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

// axe-core in a context that lets the injected script run (the app's CSP forbids inline
// scripts, as it should), signed in with the given account.
async function axeViolations(hash, email, password) {
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await login({ page }, email, password);
    await goto(page, hash);
    await page.addScriptTag({ path: AXE_PATH });
    const result = await page.evaluate(() => window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }));
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  } finally {
    await context.close();
  }
}

async function hasNoHorizontalOverflow(page) {
  return page.evaluate(() =>
    document.documentElement.scrollWidth <= document.documentElement.clientWidth);
}

// --- the server, the data, the browser -------------------------------------------------

before(async () => {
  mkdirSync(shots, { recursive: true });
  base = await startServer();
  adminToken = (await call('POST', '/v1/auth/login',
    { email: ADMIN_EMAIL, password: ADMIN_PASSWORD })).token;

  // The cargo bike: a published good of quantity 1, approved by hand.
  const found = await call('GET', `/v1/listings?q=${encodeURIComponent('vélo cargo')}&kind=good&limit=50`,
    undefined, adminToken);
  target = found.items.find((l) => l.quantity === 1 && l.approval === 'manual');
  assert.ok(target, 'the demo has a manually approved cargo bike');
  const ownerMember = await call('GET', `/v1/members/${target.owner_id}`, undefined, adminToken);
  const ownerAccount = ownerMember.accounts.find((a) => a.status === 'active');
  target.ownerEmail = ownerAccount.email;
  target.network = ownerMember.networks[0];

  // Free dates: two days, far enough for the notice, free in the calendar (buffer included).
  const rules = target.loan_rules;
  let offset = Math.ceil(rules.min_notice_hours / 24) + 2;
  for (; offset < 60; offset++) {
    const from = midnight(offset);
    const to = midnight(offset + 2);
    const availability = await call('GET', `/v1/listings/${target.id}/availability?from=${
      encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`,
    undefined, adminToken);
    if (availability.free >= 1) {
      dates = { start: day(from), end: day(to) };
      break;
    }
  }
  assert.ok(dates, 'two free days within 60 days');

  browser = await chromium.launch({
    executablePath: process.env.MUTUA_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
  });
});

after(async () => {
  if (browser) {
    await browser.close();
  }
  await stopServer();
  if (dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// --- the story ---------------------------------------------------------------------------

test('the server serves the app with its CSP and revalidation', async () => {
  const page = await fetch(`${base}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal(page.headers.get('cache-control'), 'no-cache');
  const again = await fetch(`${base}/`, { headers: { 'If-None-Match': page.headers.get('etag') } });
  assert.equal(again.status, 304);
  assert.equal((await fetch(`${base}/assets/js/nothing.js`)).status, 404);
});

test('a new organisation signs up, is approved, and signs in', async () => {
  borrower = await newSession();
  const { page } = borrower;
  await page.goto(`${base}/#/signup`);
  await rendered(page);
  await page.getByLabel('Nom et prénom').fill('Alex Durand');
  await page.getByLabel('Adresse e-mail').fill(NEW_EMAIL);
  await page.getByLabel('Mot de passe').fill(NEW_PASSWORD);
  await page.getByLabel('Nom de la structure').fill('Ressourcerie du Test');
  await page.getByLabel('Type de structure').selectOption('association');
  await page.getByLabel('Département').fill('59');
  await page.getByLabel('Commune').fill('Roubaix');
  const networks = await call('GET', '/v1/networks');
  const network = networks.items.find((n) => n.id === target.network);
  await page.getByLabel(network.name).check();
  await screenshot(page, 'signup');
  await page.getByRole('button', { name: 'Créer le compte' }).click();
  await page.getByRole('heading', { name: 'Compte créé' }).waitFor({ timeout: WAIT });

  const pending = await call('GET', '/v1/admin/members?status=pending', undefined, adminToken);
  const mine = pending.items.find((m) => m.name === 'Ressourcerie du Test');
  assert.ok(mine, 'the sign-up created a pending member');
  await call('POST', `/v1/admin/members/${mine.id}/approve`, undefined, adminToken);

  await login(borrower, NEW_EMAIL, NEW_PASSWORD);
  assert.equal(await page.locator('.account-name').textContent(), 'Alex Durand');
});

test('the member finds "vélo cargo" with the search form', async () => {
  const { page } = borrower;
  await goto(page, '#/');
  await page.getByLabel('Mots-clés').fill('vélo cargo');
  await page.getByLabel('Type', { exact: true }).selectOption('good');
  await page.getByRole('button', { name: 'Rechercher' }).click();
  const link = page.getByRole('link', { name: target.title });
  await link.waitFor({ timeout: WAIT });
  const titles = await page.locator('.card-title').allTextContents();
  assert.ok(titles.length >= 1);
  for (const title of titles) {
    assert.match(title.toLowerCase(), /v[ée]lo|cargo|triporteur|biporteur/);
  }
  await screenshot(page, 'search');
});

test('the member reserves free dates and sees the request', async () => {
  const { page } = borrower;
  await page.getByRole('link', { name: target.title }).click();
  await page.getByRole('heading', { level: 1, name: target.title }).waitFor({ timeout: WAIT });
  // The availability calendar: month tables whose days say their state in words.
  const months = page.locator('table.calendar');
  assert.ok(await months.count() >= 2);
  assert.ok(await page.locator('td.day-free').count() > 0);
  await page.getByLabel('Du', { exact: true }).fill(dates.start);
  await page.getByLabel('Au (jour de retour)').fill(dates.end);
  await page.getByLabel('Message au prêteur').fill('Pour la fête de quartier, merci !');
  await screenshot(page, 'listing');
  await page.getByRole('button', { name: 'Demander la réservation' }).click();
  await page.waitForURL(/#\/reservations\/res_/, { timeout: WAIT });
  await rendered(page);
  reservationId = decodeURIComponent(page.url().split('#/reservations/')[1]);
  await page.locator('#reservation-status .badge', { hasText: 'Demandée' }).waitFor({ timeout: WAIT });
  const stored = await call('GET', `/v1/reservations/${reservationId}`, undefined, adminToken);
  assert.equal(stored.status, 'requested');
  assert.equal(stored.listing_id, target.id);
  assert.equal(stored.message, 'Pour la fête de quartier, merci !');
  await page.getByLabel('Votre message').fill('Nous passerons le chercher à 14 h.');
  await page.getByRole('button', { name: 'Envoyer' }).click();
  await page.locator('.message-text', { hasText: 'Nous passerons le chercher à 14 h.' })
    .waitFor({ timeout: WAIT });
  await screenshot(page, 'reservation-requested');
});

test('the member is refused on the same dates and sees why', async () => {
  const { page } = borrower;
  await goto(page, `#/listings/${encodeURIComponent(target.id)}`);
  await page.getByLabel('Du', { exact: true }).fill(dates.start);
  await page.getByLabel('Au (jour de retour)').fill(dates.end);
  await page.getByRole('button', { name: 'Demander la réservation' }).click();
  const alert = page.locator('.form-error');
  await alert.filter({ hasText: /libre|complet|indisponible/ }).waitFor({ timeout: WAIT });
  assert.match(page.url(), /#\/listings\//);
  const mine = await page.evaluate(async () =>
    (await (await fetch('/v1/reservations?role=borrower')).json()).items.length);
  assert.equal(mine, 1, 'no second reservation was made');
  await screenshot(page, 'listing-refused');
});

test('a rule broken shows the problem next to the field it names', async () => {
  const { page } = borrower;
  // End before start: 422 with errors[0].path "/end".
  await page.getByLabel('Du', { exact: true }).fill(dates.end);
  await page.getByLabel('Au (jour de retour)').fill(dates.start);
  await page.getByRole('button', { name: 'Demander la réservation' }).click();
  const endField = page.locator('[data-field="/end"]');
  await endField.locator('.field-error').filter({ hasText: /./ }).waitFor({ timeout: WAIT });
  assert.equal(await endField.locator('input').getAttribute('aria-invalid'), 'true');
});

test('the owner approves, checks out and takes the bike back with an incident', async () => {
  owner = await newSession();
  const { page } = owner;
  await login(owner, target.ownerEmail, DEMO_PASSWORD);
  await goto(page, '#/reservations?role=lender');
  await page.locator(`a[href="#/reservations/${encodeURIComponent(reservationId)}"]`).first().click();
  await page.locator('#reservation-status .badge', { hasText: 'Demandée' }).waitFor({ timeout: WAIT });
  await page.locator('.message-text', { hasText: 'Nous passerons le chercher à 14 h.' })
    .waitFor({ timeout: WAIT });

  await page.getByRole('button', { name: 'Accepter' }).click();
  await page.locator('#reservation-status .badge', { hasText: 'Acceptée' }).waitFor({ timeout: WAIT });

  await page.getByLabel('État du matériel').fill('Bon état, bâche fournie');
  await page.getByRole('button', { name: 'Remettre le matériel' }).click();
  await page.locator('#reservation-status .badge', { hasText: 'Remise à l\'emprunteur' })
    .waitFor({ timeout: WAIT });

  await page.getByLabel('État du matériel').fill('Bâche déchirée');
  await page.getByLabel('Type d\'incident').selectOption('damage');
  await page.getByLabel('Description de l\'incident').fill('Accroc de 10 cm sur la bâche');
  await page.getByRole('button', { name: 'Enregistrer le retour' }).click();
  await page.locator('#reservation-status .badge', { hasText: 'Rendue' }).waitFor({ timeout: WAIT });
  await page.getByText('Accroc de 10 cm sur la bâche').waitFor({ timeout: WAIT });
  await screenshot(page, 'reservation-returned');

  const stored = await call('GET', `/v1/reservations/${reservationId}`, undefined, adminToken);
  assert.equal(stored.status, 'returned');
  assert.equal(stored.review_required, true);
  assert.equal(stored.return.incident.type, 'damage');
  assert.deepEqual(stored.history.map((h) => h.to),
    ['requested', 'approved', 'checked_out', 'returned']);
});

test('the language switch changes the texts and the lang attribute', async () => {
  const { page } = borrower;
  await goto(page, '#/reservations?role=borrower');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
  await page.getByRole('heading', { level: 1, name: 'Mes réservations' }).waitFor();
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { level: 1, name: 'My reservations' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.getByRole('link', { name: 'What we lend' }).count(), 1);
  await page.getByRole('link', { name: target.title }).first().waitFor();
  assert.equal(await page.locator('.badge', { hasText: 'Returned' }).count(), 1);
  // The choice survives a reload.
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'My reservations' }).waitFor({ timeout: WAIT });
  await screenshot(page, 'reservations-en');
  await page.getByRole('button', { name: 'Passer en français' }).click();
  await page.getByRole('heading', { level: 1, name: 'Mes réservations' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
});

test('at 375 px the main screens do not scroll sideways', async () => {
  const { page } = borrower;
  await page.setViewportSize({ width: 375, height: 812 });
  const screens = [
    ['#/?q=v%C3%A9lo%20cargo', 'phone-search'],
    [`#/listings/${encodeURIComponent(target.id)}`, 'phone-listing'],
    [`#/reservations/${encodeURIComponent(reservationId)}`, 'phone-reservation'],
  ];
  for (const [hash, name] of screens) {
    await goto(page, hash);
    assert.ok(await hasNoHorizontalOverflow(page), `${hash} overflows at 375 px`);
    await screenshot(page, name);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
});

test('every control is reachable by keyboard, from the skip link on', async () => {
  const { page } = borrower;
  await goto(page, `#/listings/${encodeURIComponent(target.id)}`);
  await page.reload(); // focus starts from the top of a fresh page
  await rendered(page);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip-link');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
  assert.match(page.url(), /#\/listings\//, 'the skip link leaves the route alone');
  const reached = new Set();
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? (el.getAttribute('name') || el.textContent.trim()) : '';
    });
    reached.add(name);
  }
  for (const expected of ['start', 'end', 'message', 'Demander la réservation']) {
    assert.ok(reached.has(expected), `${expected} is reachable by Tab`);
  }
});

test('axe-core finds no serious or critical violation', async () => {
  const pages = [
    ['#/?q=v%C3%A9lo%20cargo', 'search'],
    [`#/listings/${encodeURIComponent(target.id)}`, 'listing'],
    [`#/reservations/${encodeURIComponent(reservationId)}`, 'reservation'],
  ];
  for (const [hash, name] of pages) {
    const violations = await axeViolations(hash, NEW_EMAIL, NEW_PASSWORD);
    assert.deepEqual(violations, [], `${name}: ${violations.join('; ')}`);
  }
});

test('the console shell shows its title and the shared header', async () => {
  const { page } = borrower;
  await page.goto(`${base}/admin`);
  await page.getByRole('heading', { level: 1, name: 'Console d\'administration' })
    .waitFor({ timeout: WAIT });
  // Signed in through the cookie: the same account in the same header.
  assert.equal(await page.locator('.account-name').textContent(), 'Alex Durand');
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
});

test('no request left for another host, and the CSP blocked nothing', async () => {
  assert.deepEqual(foreign, []);
  assert.deepEqual(cspErrors, []);
});

test('mutuad stops cleanly', async () => {
  await browser.close();
  browser = null;
  assert.equal(await stopServer(), 0);
});
