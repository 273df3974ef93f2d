/** The frame around every signed-in page: navigation, header with language switch and account menu. */

import { h, icon } from '../core/dom.js';
import { t, LANGUAGES, currentLanguage, setLanguage } from '../core/i18n.js';
import { currentUser } from '../core/session.js';
import { ROUTES } from '../routes.js';

/** Builds the shell; returns `{ element, main, setActive(path) }`. */
export function createShell({ onLogout }) {
  const user = currentUser();
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': t('nav.label') },
    ROUTES.filter((route) => route.roles.includes(user.role)).map((route) =>
      h('a', { class: 'nav-link', href: `#${route.path}`, dataset: { path: route.path, test: `nav-${route.path.slice(1)}` } }, icon(route.icon), h('span', { text: t(route.title) })),
    ),
  );
  const sidebar = h(
    'aside',
    { class: 'sidebar', id: 'sidebar' },
    h('a', { class: 'brand', href: '#/dashboard' }, h('span', { class: 'brand-mark' }, icon('zap')), h('span', { class: 'brand-name', text: t('app.name') })),
    nav,
    h('div', { class: 'sidebar-footer', text: t('app.footer') }),
  );
  const scrim = h('div', { class: 'scrim', onClick: () => document.body.classList.remove('nav-open') });
  const menuButton = h('button', { class: 'icon-button menu-button', type: 'button', 'aria-label': t('nav.menu'), 'aria-controls': 'sidebar', onClick: () => document.body.classList.toggle('nav-open') }, icon('menu'));

  const language = h(
    'select',
    { class: 'language-select', 'aria-label': t('header.language'), dataset: { test: 'language' } },
    LANGUAGES.map((item) => h('option', { value: item.code, text: item.label, selected: item.code === currentLanguage() })),
  );
  language.addEventListener('change', () => setLanguage(language.value, true));

  const title = h('div', { class: 'header-title' });
  const header = h(
    'header',
    { class: 'topbar' },
    menuButton,
    title,
    h(
      'div',
      { class: 'topbar-actions' },
      h('label', { class: 'language' }, icon('globe'), language),
      h(
        'a',
        { class: 'account', href: '#/profile', title: t('nav.profile'), dataset: { test: 'account' } },
        h('span', { class: 'avatar', text: (user.display_name || user.username || '?').slice(0, 1).toUpperCase() }),
        h('span', { class: 'account-text' }, h('span', { class: 'account-name', text: user.display_name || user.username }), h('span', { class: 'account-role', text: t(`role.${user.role}`) })),
      ),
      h('button', { class: 'icon-button', type: 'button', title: t('header.logout'), 'aria-label': t('header.logout'), dataset: { test: 'logout' }, onClick: onLogout }, icon('logout')),
    ),
  );
  const main = h('main', { class: 'content', id: 'content', tabindex: '-1' });
  const element = h('div', { class: 'shell' }, sidebar, scrim, h('div', { class: 'main-column' }, header, main));

  return {
    element,
    main,
    setActive(path, pageTitle) {
      nav.querySelectorAll('.nav-link').forEach((link) => link.classList.toggle('active', link.dataset.path === path));
      title.textContent = pageTitle;
      document.body.classList.remove('nav-open');
    },
  };
}
