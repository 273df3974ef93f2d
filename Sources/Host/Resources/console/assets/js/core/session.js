/** The signed-in account, shared by the shell and the pages. */

import { api, setToken, getToken, on } from './api.js';

let user = null;

// A 401 means the session is gone (expired, revoked, password changed elsewhere).
on('unauthorized', () => {
  user = null;
});

export function currentUser() {
  return user;
}

export function isAdmin() {
  return user?.role === 'admin';
}

export function setUser(value) {
  user = value;
  window.dispatchEvent(new CustomEvent('userchange'));
}

/** Loads the account behind the stored token; null when there is no valid session. */
export async function restore() {
  if (!getToken()) return null;
  try {
    setUser(await api.get('/user/info'));
  } catch {
    user = null;
  }
  return user;
}

/** Logs in and keeps the token; resolves to the account. */
export async function login(username, password) {
  const answer = await api.post('/login', { username, password }, { quiet401: true });
  setToken(answer.token);
  setUser(answer.user);
  return answer.user;
}

/** Ends the session on the server (when it supports logout) and forgets the token. */
export async function logout() {
  try {
    await api.post('/logout', {}, { quiet401: true });
  } catch {
    /* the token is forgotten anyway */
  }
  setToken(null);
  user = null;
}
