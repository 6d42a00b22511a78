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
  // A full page load destroys the context this listens in: rendered() below still waits.
  const settled = page.evaluate(() => new Promise((resolve) => {
    document.addEventListener('mutua:rendered', resolve, { once: true });
  })).catch(() => null);
  if (hash.startsWith('admin')) {
    await page.goto(`${base}/${hash}`);
  } else if (page.url().startsWith(`${base}/`) && !page.url().startsWith(`${base}/admin`)) {
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

// --- the member screens of the second half, and the console ----------------------------

// A 1x1 PNG (signature, IHDR, IDAT, IEND): what the server recognises as an image.
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
let published; // the listing the new member publishes
let booking; // {id, listing, provider}
let needId;
let admin; // {context, page}

async function tokenOf(email, password) {
  return (await call('POST', '/v1/auth/login', { email, password })).token;
}

async function balanceOf(token) {
  return (await call('GET', '/v1/me/ledger?limit=100', undefined, token));
}

// Every page of the review queue, as reservation (or booking) ids.
async function reviewQueueIds() {
  const ids = [];
  let cursor = '';
  for (let i = 0; i < 20; i++) {
    const page = await call('GET', `/v1/admin/reviews?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      undefined, adminToken);
    for (const item of page.items) {
      ids.push((item.reservation || item.booking).id);
    }
    if (!page.next_cursor) {
      break;
    }
    cursor = page.next_cursor;
  }
  return ids;
}

test('the member publishes a good, adds a photo, edits it and deletes the photo', async () => {
  const { page } = borrower;
  await goto(page, '#/my-listings');
  await page.getByRole('link', { name: 'Publier une annonce' }).click();
  await page.getByRole('heading', { level: 1, name: 'Publier une annonce' }).waitFor({ timeout: WAIT });
  await page.getByLabel('Type', { exact: true }).selectOption('good');
  await page.getByLabel('Titre').fill('Nettoyeur haute pression');
  await page.getByLabel('Description').fill('Pour les chantiers participatifs, avec rallonge.');
  await page.getByLabel('Catégorie').selectOption('outillage');
  await page.getByLabel('Quantité').fill('2');
  await page.getByLabel('Prix en crédits par jour').fill('3');
  // The fields of the other kind are hidden, and not sent.
  assert.equal(await page.getByLabel('Tarif en crédits par heure').isVisible(), false);
  await screenshot(page, 'publish');
  // (A mouse click right after a full-page screenshot may miss in Chromium: the keyboard.)
  await page.getByRole('button', { name: 'Publier', exact: true }).press('Enter');
  await page.waitForURL(/#\/listings\/lst_[^/]+\/edit$/, { timeout: WAIT });
  await page.getByRole('heading', { level: 1, name: 'Modifier l\'annonce' }).waitFor({ timeout: WAIT });
  const id = decodeURIComponent(page.url().split('#/listings/')[1].replace(/\/edit$/, ''));
  published = await call('GET', `/v1/listings/${id}`, undefined, adminToken);
  assert.equal(published.title, 'Nettoyeur haute pression');
  assert.equal(published.kind, 'good');
  assert.equal(published.category, 'outillage');
  assert.equal(published.quantity, 2);
  assert.equal(published.credit_price_per_day, 3);
  assert.equal(published.status, 'published');
  assert.equal(published.territory.departement, '59', 'the territory defaults to the member\'s');
  assert.equal(published.duration_minutes, undefined);

  await page.getByLabel('Photo (JPEG, PNG ou WebP)').setInputFiles(
    { name: 'nettoyeur.png', mimeType: 'image/png', buffer: PNG_1X1 });
  await page.getByRole('button', { name: 'Ajouter la photo' }).click();
  await page.locator('.photo-list img').first().waitFor({ timeout: WAIT });
  let stored = await call('GET', `/v1/listings/${id}`, undefined, adminToken);
  assert.equal(stored.photos.length, 1);
  assert.equal(stored.photos[0].content_type, 'image/png');
  // The photo is served (the <img> loaded it from /v1/photos/<id>).
  assert.ok(await page.locator('.photo-list img').first().evaluate((img) => img.complete && img.naturalWidth === 1));

  // An edit goes with If-Match: the title changes, and only that.
  await page.getByLabel('Titre').fill('Nettoyeur haute pression Kärcher');
  await page.getByRole('button', { name: 'Enregistrer' }).click();
  await page.getByRole('link', { name: /Nettoyeur haute pression Kärcher/ }).waitFor({ timeout: WAIT });
  stored = await call('GET', `/v1/listings/${id}`, undefined, adminToken);
  assert.equal(stored.title, 'Nettoyeur haute pression Kärcher');
  assert.equal(stored.quantity, 2);
  assert.ok(stored.version > published.version);

  await page.getByRole('button', { name: 'Supprimer la photo 1' }).click();
  await page.getByText('Pas encore de photo.').waitFor({ timeout: WAIT });
  stored = await call('GET', `/v1/listings/${id}`, undefined, adminToken);
  assert.equal(stored.photos.length, 0);
  published = stored;

  // Another organisation's listing: a message, no form.
  await goto(page, `#/listings/${encodeURIComponent(target.id)}/edit`);
  await page.getByRole('alert').filter({ hasText: 'n\'appartient pas à votre structure' }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('main form').count(), 0);
});

test('a service is booked, accepted, completed and confirmed; credits move as the ledger says', async () => {
  // A demo service with a rate, offered by another organisation.
  const services = await call('GET', '/v1/listings?kind=service&limit=100', undefined, adminToken);
  const me = await call('GET', '/v1/me', undefined, await tokenOf(NEW_EMAIL, NEW_PASSWORD));
  const service = services.items.find((l) => l.credit_rate_per_hour > 0 && l.owner_id !== me.member.id);
  assert.ok(service, 'the demo has a service with a credit rate');
  const providerMember = await call('GET', `/v1/members/${service.owner_id}`, undefined, adminToken);
  const providerEmail = providerMember.accounts.find((a) => a.status === 'active').email;
  const requesterToken = await tokenOf(NEW_EMAIL, NEW_PASSWORD);
  const providerToken = await tokenOf(providerEmail, DEMO_PASSWORD);
  const before = { requester: (await balanceOf(requesterToken)).balance, provider: (await balanceOf(providerToken)).balance };
  assert.equal((await balanceOf(requesterToken)).enabled, true, 'the demo enables credits');

  const { page } = borrower;
  await goto(page, `#/listings/${encodeURIComponent(service.id)}`);
  await page.getByRole('heading', { level: 2, name: 'Réserver ce service' }).waitFor({ timeout: WAIT });
  const start = midnight(5);
  start.setHours(10);
  await page.getByLabel('Début (date et heure)').fill(`${day(start)}T10:00`);
  await page.getByLabel('Durée (minutes)').fill('90');
  await page.getByLabel('Message au prestataire').fill('Pour notre assemblée générale, merci !');
  await page.getByRole('button', { name: 'Demander ce service' }).click();
  await page.waitForURL(/#\/bookings\/bkg_/, { timeout: WAIT });
  await page.locator('#booking-status .badge', { hasText: 'Demandée' }).waitFor({ timeout: WAIT });
  const id = decodeURIComponent(page.url().split('#/bookings/')[1]);
  let stored = await call('GET', `/v1/bookings/${id}`, undefined, adminToken);
  assert.equal(stored.status, 'requested');
  assert.equal(stored.duration_minutes, 90);
  assert.equal(stored.start, start.toISOString().replace('.000Z', 'Z'));
  assert.equal(stored.rate, service.credit_rate_per_hour);
  await screenshot(page, 'booking-requested');

  const provider = await newSession();
  await login(provider, providerEmail, DEMO_PASSWORD);
  await goto(provider.page, '#/bookings?role=provider');
  await provider.page.locator(`a[href="#/bookings/${encodeURIComponent(id)}"]`).first().click();
  await provider.page.locator('#booking-status .badge', { hasText: 'Demandée' }).waitFor({ timeout: WAIT });
  await provider.page.getByRole('button', { name: 'Accepter la demande' }).click();
  await provider.page.locator('#booking-status .badge', { hasText: 'Acceptée' }).waitFor({ timeout: WAIT });
  await provider.page.getByLabel('Heures réalisées').fill('2');
  await provider.page.getByRole('button', { name: 'Indiquer le service comme réalisé' }).click();
  await provider.page.locator('#booking-status .badge', { hasText: 'Réalisée' }).waitFor({ timeout: WAIT });
  await provider.context.close();
  stored = await call('GET', `/v1/bookings/${id}`, undefined, adminToken);
  assert.equal(stored.status, 'completed');
  assert.equal(stored.hours, 2);

  await goto(page, `#/bookings/${encodeURIComponent(id)}`);
  const price = Math.ceil((2 * 60 * service.credit_rate_per_hour) / 60);
  await page.getByText(`Confirmer paie ${price} crédit(s) au prestataire.`).waitFor({ timeout: WAIT });
  await page.getByRole('button', { name: 'Confirmer le service reçu' }).click();
  await page.locator('#booking-status .badge', { hasText: 'Confirmée' }).waitFor({ timeout: WAIT });
  await screenshot(page, 'booking-confirmed');
  stored = await call('GET', `/v1/bookings/${id}`, undefined, adminToken);
  assert.equal(stored.status, 'confirmed');
  assert.deepEqual(stored.history.map((h) => h.to), ['requested', 'accepted', 'completed', 'confirmed']);
  assert.equal(stored.payment.amount, price);
  assert.equal(stored.payment.entry_id, `booking:${id}`);

  const after = { requester: await balanceOf(requesterToken), provider: await balanceOf(providerToken) };
  assert.equal(after.requester.balance, before.requester - price);
  assert.equal(after.provider.balance, before.provider + price);
  const entry = after.requester.items.find((e) => e.id === `booking:${id}`);
  assert.ok(entry, 'the ledger holds the booking\'s entry');
  assert.equal(entry.from, me.member.id);
  assert.equal(entry.to, service.owner_id);
  assert.equal(entry.amount, price);

  // The credits screen says the same.
  await goto(page, '#/credits');
  assert.equal(await page.locator('#credits-balance').textContent(), String(after.requester.balance));
  await page.locator('tr.credit-out', { hasText: `−${price}` }).first().waitFor({ timeout: WAIT });
  booking = { id, listing: service, providerEmail };
});

test('a need is posted, answered with a listing, seen by its author and closed', async () => {
  const { page } = borrower;
  await goto(page, '#/needs');
  await page.getByRole('link', { name: 'Publier un besoin' }).click();
  await page.getByRole('heading', { level: 1, name: 'Publier un besoin' }).waitFor({ timeout: WAIT });
  await page.getByLabel('Type', { exact: true }).selectOption('good');
  await page.getByLabel('Titre').fill('Nous cherchons un vidéoprojecteur');
  await page.getByLabel('Description').fill('Pour une projection-débat en plein air.');
  await page.getByLabel('Catégorie').selectOption('sonorisation-video');
  await page.getByRole('button', { name: 'Publier le besoin' }).click();
  await page.waitForURL(/#\/needs\/ned_/, { timeout: WAIT });
  await page.getByRole('heading', { level: 1, name: 'Nous cherchons un vidéoprojecteur' }).waitFor({ timeout: WAIT });
  needId = decodeURIComponent(page.url().split('#/needs/')[1]);
  let stored = await call('GET', `/v1/needs/${needId}`, undefined, adminToken);
  assert.equal(stored.status, 'open');
  assert.equal(stored.category, 'sonorisation-video');

  // Another member finds it in the list and answers with one of its listings.
  const { page: ownerPage } = owner;
  await goto(ownerPage, `#/needs?q=${encodeURIComponent('vidéoprojecteur')}`);
  await ownerPage.getByRole('link', { name: 'Nous cherchons un vidéoprojecteur' }).click();
  await ownerPage.getByRole('heading', { level: 2, name: 'Répondre' }).waitFor({ timeout: WAIT });
  await ownerPage.getByLabel('Une de nos annonces (facultatif)').selectOption(target.id);
  await ownerPage.getByLabel('Message').fill('Pas de projecteur, mais notre vélo cargo peut l\'apporter.');
  await screenshot(ownerPage, 'need-answer');
  await ownerPage.getByRole('button', { name: 'Envoyer la réponse' }).click();
  await ownerPage.getByRole('heading', { level: 2, name: 'Réponses (1)' }).waitFor({ timeout: WAIT });
  stored = await call('GET', `/v1/needs/${needId}`, undefined, adminToken);
  assert.equal(stored.answers_count, 1);
  assert.equal(stored.answers[0].listing_id, target.id);

  // The author is told: the header counts the unread notifications as the API does.
  const alexToken = await tokenOf(NEW_EMAIL, NEW_PASSWORD);
  const unreadInApi = async () => (await call('GET', '/v1/me/notifications?limit=100', undefined, alexToken))
    .items.filter((n) => !n.read_at).length;
  const headerSays = (expected) => page.waitForFunction((n) => {
    const shown = document.querySelector('.site-header .unread-count [aria-hidden]');
    return (shown ? Number(shown.textContent.trim()) : 0) === n;
  }, expected, { timeout: WAIT });
  await goto(page, `#/needs/${encodeURIComponent(needId)}`);
  await page.locator('.message-text', { hasText: 'notre vélo cargo peut l\'apporter' }).waitFor({ timeout: WAIT });
  const unreadBefore = await unreadInApi();
  assert.ok(unreadBefore >= 1);
  await headerSays(unreadBefore);
  await goto(page, '#/notifications');
  const item = page.locator('.row-item.unread', { hasText: 'Nous cherchons un vidéoprojecteur' });
  await item.waitFor({ timeout: WAIT });
  await item.getByRole('button').click();
  await page.locator('.row-item:not(.unread)', { hasText: 'Nous cherchons un vidéoprojecteur' }).waitFor({ timeout: WAIT });
  const notes = await call('GET', '/v1/me/notifications?limit=100', undefined, alexToken);
  const told = notes.items.find((n) => n.kind === 'need_answered' && n.entity_id === needId);
  assert.ok(told && told.read_at, 'the notification is stored as read');
  assert.equal(await unreadInApi(), unreadBefore - 1);
  await headerSays(unreadBefore - 1);

  await goto(page, `#/needs/${encodeURIComponent(needId)}`);
  await page.getByLabel('Motif (facultatif)').fill('Trouvé grâce au réseau');
  await page.getByRole('button', { name: 'Clore le besoin' }).click();
  await page.locator('.badge', { hasText: 'Clos' }).waitFor({ timeout: WAIT });
  stored = await call('GET', `/v1/needs/${needId}`, undefined, adminToken);
  assert.equal(stored.status, 'closed');
  assert.equal(stored.closed_reason, 'Trouvé grâce au réseau');
});

test('the administrator resolves the incident of the returned bike from the review queue', async () => {
  admin = await newSession();
  await login(admin, ADMIN_EMAIL, ADMIN_PASSWORD);
  const { page } = admin;
  // From the members' app, an administrator's header leads to the console.
  await page.getByRole('link', { name: 'Console' }).click();
  await page.getByRole('heading', { level: 1, name: 'Console d\'administration' }).waitFor({ timeout: WAIT });
  await page.locator('main').getByRole('link', { name: 'Prêts à examiner' }).click();
  await page.getByRole('heading', { level: 1, name: 'Prêts à examiner' }).waitFor({ timeout: WAIT });
  const item = page.locator(`li[data-reservation="${reservationId}"]`);
  await item.waitFor({ timeout: WAIT });
  await item.locator('.badge', { hasText: 'Incident' }).waitFor();
  await item.getByText('Accroc de 10 cm sur la bâche').waitFor();
  assert.ok((await reviewQueueIds()).includes(reservationId));
  await screenshot(page, 'admin-reviews');
  await item.getByLabel('Note de l\'administrateur').fill('Bâche réparée par l\'emprunteur, vu avec le prêteur.');
  await item.getByRole('button', { name: 'Clôturer' }).click();
  await page.locator(`li[data-reservation="${reservationId}"]`).waitFor({ state: 'detached', timeout: WAIT });
  const stored = await call('GET', `/v1/reservations/${reservationId}`, undefined, adminToken);
  assert.equal(stored.status, 'closed');
  assert.equal(stored.review.decision, 'close');
  assert.equal(stored.review.note, 'Bâche réparée par l\'emprunteur, vu avec le prêteur.');
  assert.ok(!(await reviewQueueIds()).includes(reservationId), 'the loan left the queue');
  // The audit log, filtered on the loan, shows the closing.
  await goto(page, `admin#/audit?entity_id=${encodeURIComponent(reservationId)}`);
  await page.locator('table.audit tbody tr', { hasText: 'Rendue → Clôturée' }).waitFor({ timeout: WAIT });
  const rows = await page.locator('table.audit tbody tr').count();
  assert.equal(rows, 5, 'requested, approved, checked out, returned, closed');
});

test('the administrator approves a pending organisation in the console', async () => {
  const name = 'Épicerie solidaire du Test';
  await call('POST', '/v1/auth/signup', {
    email: 'sam.leroy@epicerie-test.exemple.fr', password: 'encore-un-mot-de-passe', name: 'Sam Leroy',
    member: { name, kind: 'association', territory: { departement: '62', commune: 'Lens' }, networks: [target.network] },
  });
  const pending = await call('GET', '/v1/admin/members?status=pending&limit=100', undefined, adminToken);
  const member = pending.items.find((m) => m.name === name);
  assert.ok(member);
  const { page } = admin;
  await goto(page, 'admin#/members');
  await page.getByRole('heading', { level: 2, name: 'En attente' }).waitFor({ timeout: WAIT });
  await screenshot(page, 'admin-members');
  await page.getByRole('button', { name: `Valider ${name}` }).click();
  await page.getByRole('button', { name: `Valider ${name}` }).waitFor({ state: 'detached', timeout: WAIT });
  const stored = await call('GET', `/v1/members/${member.id}`, undefined, adminToken);
  assert.equal(stored.status, 'active');
  assert.ok(stored.approved_at);
});

test('the administrator refuses a sign-up with a reason', async () => {
  const name = 'Association fantôme du Test';
  await call('POST', '/v1/auth/signup', {
    email: 'personne@fantome-test.exemple.fr', password: 'toujours-un-mot-de-passe', name: 'Personne',
    member: { name, kind: 'association', territory: { departement: '80', commune: 'Amiens' }, networks: [target.network] },
  });
  const { page } = admin;
  await goto(page, 'admin#/members?status=pending');
  const form = page.getByRole('form', { name: `Refuser l'inscription — ${name}` });
  await form.getByRole('button', { name: 'Refuser l\'inscription' }).click();
  // The reason is required: the server's detail shows, nothing changes.
  await form.locator('.field-error, .form-error').filter({ hasText: /./ }).first().waitFor({ timeout: WAIT });
  let pending = await call('GET', '/v1/admin/members?status=pending&limit=100', undefined, adminToken);
  const member = pending.items.find((m) => m.name === name);
  assert.ok(member, 'still pending');
  await form.getByLabel('Motif').fill('Structure inconnue du réseau');
  await form.getByRole('button', { name: 'Refuser l\'inscription' }).click();
  await page.getByRole('form', { name: `Refuser l'inscription — ${name}` }).waitFor({ state: 'detached', timeout: WAIT });
  const stored = await call('GET', `/v1/members/${member.id}`, undefined, adminToken);
  assert.equal(stored.status, 'suspended');
  assert.equal(stored.status_reason, 'Structure inconnue du réseau');
});

test('the CSV exports download from the console', async () => {
  const { page } = admin;
  await goto(page, 'admin#/exports');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: WAIT }),
    page.getByRole('link', { name: 'Structures (members.csv)' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'mutua-members.csv');
  const text = readFileSync(await download.path(), 'utf8');
  assert.equal(text.charCodeAt(0), 0xfeff, 'a byte-order mark for spreadsheets');
  assert.match(text.split('\r\n')[0], /^\uFEFFid;name;kind;status;/);
  assert.ok(text.includes('Épicerie solidaire du Test'));
});

test('a member downloads its data, then deletes its account after confirming', async () => {
  const member = await newSession();
  const { page } = member;
  await login(member, 'sam.leroy@epicerie-test.exemple.fr', 'encore-un-mot-de-passe');
  await goto(page, '#/me');
  await page.getByRole('heading', { level: 2, name: 'Comptes de la structure' }).waitFor({ timeout: WAIT });
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: WAIT }),
    page.getByRole('link', { name: 'Télécharger mes données' }).click(),
  ]);
  const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(exported.account.email, 'sam.leroy@epicerie-test.exemple.fr');
  assert.equal(exported.member.name, 'Épicerie solidaire du Test');
  assert.equal(exported.account.password_hash, undefined);
  await screenshot(page, 'organisation');

  // Without the box ticked, nothing happens but a message.
  await page.getByRole('button', { name: 'Supprimer mon compte' }).click();
  await page.locator('.form-error', { hasText: 'Cochez la case pour confirmer.' }).waitFor({ timeout: WAIT });
  await tokenOf('sam.leroy@epicerie-test.exemple.fr', 'encore-un-mot-de-passe');
  await page.getByLabel('Je comprends : supprimer définitivement mon compte').check();
  await page.getByRole('button', { name: 'Supprimer mon compte' }).click();
  await page.getByRole('heading', { level: 1, name: 'Compte supprimé' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByRole('button', { name: 'Se déconnecter' }).count(), 0, 'signed out');
  await assert.rejects(tokenOf('sam.leroy@epicerie-test.exemple.fr', 'encore-un-mot-de-passe'), /401/);
  await member.context.close();
});

test('the administrator creates a webhook, sees its secret once, its deliveries, and deletes it', async () => {
  const { page } = admin;
  await goto(page, 'admin#/webhooks');
  await page.getByText('Aucun webhook.').waitFor({ timeout: WAIT });
  // Port 9 (discard) on loopback: deliveries fail there, which is what the log shows.
  await page.getByLabel('Adresse du récepteur (URL)').fill('http://127.0.0.1:9/mutua');
  await page.getByLabel('need.answered').check();
  await page.getByLabel('booking.confirmed').check();
  await page.getByRole('button', { name: 'Créer le webhook' }).click();
  const secret = page.locator('#webhook-secret .secret-value');
  await secret.waitFor({ timeout: WAIT });
  assert.match(await secret.textContent(), /^whsec_[0-9a-f]{64}$/);
  await screenshot(page, 'admin-webhooks');
  const list = await call('GET', '/v1/admin/webhooks', undefined, adminToken);
  assert.equal(list.items.length, 1);
  assert.deepEqual([...list.items[0].events].sort(), ['booking.confirmed', 'need.answered']);
  assert.equal(list.items[0].secret, undefined);
  // Shown once: not after a reload.
  await page.reload();
  await page.locator('li.row-item code', { hasText: 'http://127.0.0.1:9/mutua' }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('#webhook-secret').count(), 0);
  await page.getByRole('link', { name: 'Livraisons' }).click();
  await page.getByRole('heading', { level: 1, name: 'Livraisons' }).waitFor({ timeout: WAIT });
  await page.getByRole('link', { name: 'Retour aux webhooks' }).click();
  await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor({ timeout: WAIT });
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Supprimer le webhook http://127.0.0.1:9/mutua' }).click();
  await page.getByText('Aucun webhook.').waitFor({ timeout: WAIT });
  assert.equal((await call('GET', '/v1/admin/webhooks', undefined, adminToken)).items.length, 0);
});

test('the statistics show the charts, consistent with the API, and the impact\'s assumptions', async () => {
  const { page } = admin;
  await goto(page, 'admin#/stats');
  await page.getByRole('heading', { level: 1, name: 'Statistiques' }).waitFor({ timeout: WAIT });
  const charts = page.locator('figure.chart');
  assert.equal(await charts.count(), 3);
  for (let i = 0; i < 3; i++) {
    assert.ok(await charts.nth(i).locator('svg[role="img"] rect.chart-bar').count() > 0, `chart ${i} has bars`);
  }
  // Loans per month add up to the loans of the whole period, as the API counts them.
  const from = await page.getByLabel('Du', { exact: true }).inputValue();
  const to = await page.getByLabel('Au (exclu)').inputValue();
  const whole = await call('GET', `/v1/admin/stats?from=${encodeURIComponent(new Date(`${from}T00:00:00`).toISOString())
  }&to=${encodeURIComponent(new Date(`${to}T00:00:00`).toISOString())}`, undefined, adminToken);
  const monthly = await charts.nth(0).locator('tbody td').allTextContents();
  assert.equal(monthly.length, 12);
  assert.equal(monthly.map(Number).reduce((a, b) => a + b, 0), whole.loans.count);
  assert.ok(whole.loans.count >= 1, 'the bike lent in this test counts');
  const byCategory = await charts.nth(1).locator('tbody td').allTextContents();
  assert.equal(byCategory.map(Number).reduce((a, b) => a + b, 0),
    whole.impact.by_category.reduce((a, c) => a + c.loans, 0));
  // The impact with its factors, sources and assumptions.
  await page.getByRole('heading', { level: 2, name: 'Impact estimé' }).waitFor();
  await page.getByRole('heading', { level: 3, name: 'Facteurs et hypothèses' }).waitFor();
  assert.equal(await page.locator('table.factors tbody tr').count(), whole.impact.factors.items.length);
  assert.ok(await page.locator('ul.sources li').count() >= 1);
  await page.getByText(whole.impact.factors.items[0].assumption.split(' / ')[0]).first().waitFor();
  await screenshot(page, 'admin-stats');
  // The figures and the charts, for docs/img/admin-stats.png.
  const box = await page.locator('section.charts').boundingBox();
  await page.screenshot({ path: join(shots, 'admin-stats-charts.png'), fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height: Math.ceil(box.y + box.height + 16) } });
});

test('the console\'s language switch changes its texts and lang attribute', async () => {
  const { page } = admin;
  await goto(page, 'admin#/stats');
  await page.getByRole('button', { name: 'Switch to English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Statistics' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.getByRole('heading', { level: 3, name: 'Factors and assumptions' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getByRole('link', { name: 'Loans to review' }).count(), 1);
  await page.getByRole('button', { name: 'Passer en français' }).click();
  await page.getByRole('heading', { level: 1, name: 'Statistiques' }).waitFor({ timeout: WAIT });
  assert.equal(await page.getAttribute('html', 'lang'), 'fr');
});

test('at 375 px the new screens do not scroll sideways', async () => {
  const screens = [
    [borrower.page, '#/publish', 'phone-publish'],
    [borrower.page, `#/listings/${encodeURIComponent(published.id)}/edit`, 'phone-listing-edit'],
    [borrower.page, `#/bookings/${encodeURIComponent(booking.id)}`, 'phone-booking'],
    [borrower.page, '#/needs', 'phone-needs'],
    [borrower.page, `#/needs/${encodeURIComponent(needId)}`, 'phone-need'],
    [borrower.page, '#/notifications', 'phone-notifications'],
    [borrower.page, '#/credits', 'phone-credits'],
    [borrower.page, '#/me', 'phone-organisation'],
    [admin.page, 'admin#/reviews', 'phone-admin-reviews'],
    [admin.page, 'admin#/members?status=active', 'phone-admin-members'],
    [admin.page, `admin#/audit?entity_id=${encodeURIComponent(reservationId)}`, 'phone-admin-audit'],
    [admin.page, 'admin#/stats', 'phone-admin-stats'],
    [admin.page, 'admin#/webhooks', 'phone-admin-webhooks'],
  ];
  for (const session of [borrower, admin]) {
    await session.page.setViewportSize({ width: 375, height: 812 });
  }
  for (const [page, hash, name] of screens) {
    await goto(page, hash);
    assert.ok(await hasNoHorizontalOverflow(page), `${hash} overflows at 375 px`);
    await screenshot(page, name);
  }
  for (const session of [borrower, admin]) {
    await session.page.setViewportSize({ width: 1280, height: 900 });
  }
});

test('axe-core finds no serious or critical violation on the new screens', async () => {
  const pages = [
    ['#/publish', 'publish form', NEW_EMAIL, NEW_PASSWORD],
    [`#/bookings/${encodeURIComponent(booking.id)}`, 'booking', NEW_EMAIL, NEW_PASSWORD],
    ['#/needs', 'needs', NEW_EMAIL, NEW_PASSWORD],
    [`#/needs/${encodeURIComponent(needId)}`, 'need', target.ownerEmail, DEMO_PASSWORD],
    ['admin#/reviews', 'admin reviews', ADMIN_EMAIL, ADMIN_PASSWORD],
    ['admin#/stats', 'admin stats', ADMIN_EMAIL, ADMIN_PASSWORD],
  ];
  for (const [hash, name, email, password] of pages) {
    const violations = await axeViolations(hash, email, password);
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
  // A member who is not an administrator is told so, and sees no console screen.
  await page.getByRole('alert').filter({ hasText: 'réservée aux administrateurs' }).waitFor({ timeout: WAIT });
  await goto(page, 'admin#/reviews');
  await page.getByRole('alert').filter({ hasText: 'réservée aux administrateurs' }).waitFor({ timeout: WAIT });
  assert.equal(await page.locator('li.review-item').count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Prêts à examiner' }).count(), 0, 'no console link either');
  await goto(page, '#/');
  assert.equal(await page.getByRole('link', { name: 'Console' }).count(), 0);
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
