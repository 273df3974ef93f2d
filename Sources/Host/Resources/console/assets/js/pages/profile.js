/** Personal centre: profile, password change, own keys and own usage. */

import { h, replace } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { currentUser, setUser, login } from '../core/session.js';
import * as format from '../core/format.js';
import { pageHeader, card, loading, errorBox, badge } from '../components/ui.js';
import { createForm } from '../components/form.js';
import { toast } from '../components/toast.js';
import { passwordFields } from './profile-fields.js';

export function render(root) {
  const user = currentUser();
  const profile = createForm({
    test: 'profile-form',
    values: user,
    fields: [
      { name: 'display_name', label: t('users.displayName'), maxLength: 100 },
      { name: 'email', label: t('users.email'), type: 'email', maxLength: 254 },
    ],
    async onSubmit(values) {
      const updated = await api.put('/user/info', { display_name: values.display_name, email: values.email });
      toast(t('common.saved'));
      setUser(updated || { ...user, ...values });
    },
  });
  const password = createForm({
    test: 'change-password-form',
    submitLabel: t('password.submit'),
    fields: passwordFields(),
    async onSubmit(values) {
      await api.put('/user/password', { current_password: values.current_password, new_password: values.new_password });
      await login(user.username, values.new_password);
      toast(t('password.changed'));
      password.element.reset();
    },
  });
  const usage = h('div', { class: 'kv-list' }, loading());
  const keys = h('div', {}, loading());

  root.append(
    pageHeader(t('nav.profile'), t('profile.subtitle')),
    h(
      'div',
      { class: 'two-columns' },
      card(
        t('profile.account'),
        h('div', { class: 'kv-list' }, kv(t('users.username'), user.username), kv(t('users.role'), badge(t(`role.${user.role}`), user.role === 'admin' ? 'info' : 'neutral')), kv(t('users.created'), format.date(user.created_at))),
        profile.element,
      ),
      card(t('profile.password'), password.element),
    ),
    h('div', { class: 'two-columns' }, card(t('profile.usage'), usage), card(t('profile.keys'), keys, h('a', { class: 'link-button', href: '#/keys', text: t('profile.manageKeys') }))),
  );

  function kv(label, value) {
    return h('div', { class: 'kv' }, h('span', { class: 'kv-label', text: label }), h('span', { class: 'kv-value' }, value));
  }

  api
    .get('/stats')
    .then((stats) => {
      const today = stats.today || {};
      const all = stats.all_time || {};
      replace(
        usage,
        kv(t('dashboard.callsToday'), format.number(today.calls ?? 0)),
        kv(t('profile.callsAll'), format.number(all.calls ?? 0)),
        kv(t('profile.tokensToday'), format.number((today.prompt_tokens ?? 0) + (today.completion_tokens ?? 0))),
        kv(t('profile.tokensAll'), format.number((all.prompt_tokens ?? 0) + (all.completion_tokens ?? 0))),
      );
    })
    .catch((error) => replace(usage, errorBox(error)));

  api
    .get('/keys', isAdminView(user) ? { user_id: user.id } : {})
    .then((list) => {
      const mine = (list.data || []).filter((key) => key.user_id === undefined || key.user_id === user.id);
      replace(
        keys,
        mine.length
          ? h('ul', { class: 'simple-list' }, mine.map((key) => h('li', {}, h('span', {}, h('strong', { text: key.name }), ' ', h('code', { class: 'mono small', text: `${key.prefix}…` })), h('span', { class: 'muted small', text: t('profile.lastUsed', { when: format.relative(key.last_used_at) }) }))))
          : h('p', { class: 'muted', text: t('profile.noKeys') }),
      );
    })
    .catch((error) => replace(keys, errorBox(error)));
}

function isAdminView(user) {
  return user.role === 'admin';
}
