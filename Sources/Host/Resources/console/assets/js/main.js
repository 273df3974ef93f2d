/**
 * Starts the console: language, session, router. Signed-out users see the login page; the seeded
 * admin sees only the password page until the password is changed; everyone else gets the shell
 * with the pages their role allows.
 */

import { h, replace } from './core/dom.js';
import { t, setLanguage, detectLanguage } from './core/i18n.js';
import { on } from './core/api.js';
import { restore, currentUser, logout } from './core/session.js';
import { parseHash, navigate, onRouteChange } from './core/router.js';
import { createShell } from './components/shell.js';
import { ROUTES, routeFor } from './routes.js';
import { emptyState, button } from './components/ui.js';

const app = document.getElementById('app');
let shell = null;
let cleanup = null;
let renderToken = 0;

function runCleanup() {
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
}

async function render() {
  const token = (renderToken += 1);
  const { path, query } = parseHash();
  const user = currentUser();
  runCleanup();

  if (!user) {
    shell = null;
    if (path !== '/login') return navigate('/login', path && path !== '/' && path !== '/password' ? { next: path } : {}, true);
    const page = await import('./pages/login.js');
    if (token !== renderToken) return undefined;
    app.className = 'standalone';
    replace(app);
    cleanup = page.render(app, { query });
    return undefined;
  }
  if (user.must_change_password) {
    shell = null;
    if (path !== '/password') return navigate('/password', {}, true);
    const page = await import('./pages/password.js');
    if (token !== renderToken) return undefined;
    app.className = 'standalone';
    replace(app);
    cleanup = page.render(app, { query });
    return undefined;
  }
  if (path === '/login' || path === '/password' || path === '/') {
    return navigate(query.next && routeFor(query.next) ? query.next : '/dashboard', {}, true);
  }

  const route = routeFor(path);
  if (!shell) {
    shell = createShell({ onLogout: signOut });
    app.className = '';
    replace(app, shell.element);
  }
  if (!route) {
    shell.setActive('', t('page.notFound'));
    replace(shell.main, emptyState(t('page.notFound'), t('page.notFoundHint'), button(t('nav.dashboard'), { kind: 'primary', onClick: () => navigate('/dashboard') })));
    return undefined;
  }
  shell.setActive(route.path, t(route.title));
  if (!route.roles.includes(user.role)) {
    // The server refuses these pages' API calls anyway; the console does not even try.
    replace(shell.main, h('div', { dataset: { test: 'forbidden' } }, emptyState(t('page.forbidden'), t('page.forbiddenHint'), button(t('nav.dashboard'), { kind: 'primary', onClick: () => navigate('/dashboard') }))));
    return undefined;
  }
  const page = await route.load();
  if (token !== renderToken) return undefined;
  replace(shell.main);
  shell.main.scrollTop = 0;
  window.scrollTo(0, 0);
  cleanup = page.render(shell.main, { query });
  return undefined;
}

async function signOut() {
  await logout();
  shell = null;
  navigate('/login', {}, true);
  render();
}

on('unauthorized', () => {
  shell = null;
  if (parseHash().path !== '/login') render();
});
on('passwordChangeRequired', () => {
  const user = currentUser();
  if (user) user.must_change_password = true;
  render();
});
window.addEventListener('languagechange', () => {
  shell = null;
  render();
});
window.addEventListener('userchange', () => {
  // The name in the header may have changed (personal centre).
  if (shell && currentUser() && !currentUser().must_change_password) {
    shell = null;
    render();
  }
});

async function start() {
  await setLanguage(detectLanguage());
  await restore();
  onRouteChange(render);
  await render();
  app.classList.remove('boot');
}

start().catch((error) => {
  replace(app, h('div', { class: 'alert alert-error' }, String(error && error.message ? error.message : error)));
});

export { ROUTES };
