// session.js: who is signed in. The session itself is the HttpOnly cookie set by
// POST /v1/auth/login; the app only keeps GET /v1/me's answer ({account, member}) in memory
// and asks for it again at start.
import { api } from './api.js';

let me = null;
const listeners = new Set();

export async function loadSession() {
  try {
    me = await api('GET', '/v1/me');
  } catch (error) {
    if (error.status !== 401) {
      throw error;
    }
    me = null;
  }
  return me;
}

export function getSession() {
  return me;
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

function changed() {
  for (const listener of listeners) {
    listener(me);
  }
}

export async function login(email, password) {
  await api('POST', '/v1/auth/login', { email, password });
  await loadSession();
  changed();
  return me;
}

export async function logout() {
  try {
    await api('POST', '/v1/auth/logout');
  } finally {
    me = null;
    changed();
  }
}

// True when the signed-in account's member is active (may reserve, see networks' listings).
export function isActiveMember() {
  return Boolean(me && me.member && me.member.status === 'active');
}
