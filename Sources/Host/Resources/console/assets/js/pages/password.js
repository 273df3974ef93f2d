/** The forced password change of the seeded admin (standalone, before anything else works). */

import { h, icon } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { currentUser, login, logout } from '../core/session.js';
import { navigate } from '../core/router.js';
import { createForm } from '../components/form.js';
import { toast } from '../components/toast.js';
import { passwordFields } from './profile-fields.js';
import { languageSwitch } from './login.js';

export function render(root) {
  const user = currentUser();
  const form = createForm({
    test: 'password-form',
    submitLabel: t('password.submit'),
    fields: passwordFields(),
    async onSubmit(values) {
      await api.put('/user/password', { current_password: values.current_password, new_password: values.new_password });
      // The change may end every session of the account: sign in again with the new password.
      await login(user.username, values.new_password);
      toast(t('password.changed'));
      navigate('/dashboard', {}, true);
    },
  });
  const signOut = h('button', { class: 'link-button', type: 'button', text: t('header.logout'), onClick: async () => { await logout(); navigate('/login', {}, true); window.dispatchEvent(new HashChangeEvent('hashchange')); } });
  root.append(
    h(
      'div',
      { class: 'auth-page' },
      h(
        'div',
        { class: 'auth-card' },
        h('div', { class: 'auth-top' }, h('span', { class: 'brand-mark large' }, icon('lock')), languageSwitch()),
        h('h1', { text: t('password.title') }),
        h('div', { class: 'alert alert-warning', dataset: { test: 'password-required' } }, icon('alert'), h('span', { text: t('password.required', { user: user.username }) })),
        form.element,
        h('div', { class: 'auth-links' }, signOut),
      ),
    ),
  );
  form.focus();
}
