/** Sign-in page (standalone, outside the shell). */

import { h, icon } from '../core/dom.js';
import { t, LANGUAGES, currentLanguage, setLanguage } from '../core/i18n.js';
import { login } from '../core/session.js';
import { navigate } from '../core/router.js';
import { ApiError } from '../core/api.js';
import { createForm } from '../components/form.js';

export function languageSwitch() {
  const select = h('select', { class: 'language-select', 'aria-label': t('header.language'), dataset: { test: 'language' } }, LANGUAGES.map((item) => h('option', { value: item.code, text: item.label, selected: item.code === currentLanguage() })));
  select.addEventListener('change', () => setLanguage(select.value, true));
  return h('label', { class: 'language' }, icon('globe'), select);
}

export function render(root, { query }) {
  const form = createForm({
    test: 'login-form',
    submitLabel: t('login.submit'),
    fields: [
      { name: 'username', label: t('login.username'), required: true, maxLength: 64, autocomplete: 'username' },
      { name: 'password', label: t('login.password'), type: 'password', required: true, autocomplete: 'current-password' },
    ],
    async onSubmit(values) {
      try {
        const user = await login(values.username, values.password);
        if (user.must_change_password) navigate('/password', {}, true);
        else navigate(query.next || '/dashboard', {}, true);
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) throw new ApiError(401, error.code, t('login.failed'));
        if (error instanceof ApiError && error.status === 429) throw new ApiError(429, error.code, error.message || t('login.throttled'));
        throw error;
      }
    },
  });
  root.append(
    h(
      'div',
      { class: 'auth-page' },
      h(
        'div',
        { class: 'auth-card' },
        h('div', { class: 'auth-top' }, h('span', { class: 'brand-mark large' }, icon('zap')), languageSwitch()),
        h('h1', { text: t('login.title') }),
        h('p', { class: 'muted', text: t('login.subtitle') }),
        form.element,
      ),
      h('p', { class: 'auth-footer', text: t('app.footer') }),
    ),
  );
  form.focus();
}
