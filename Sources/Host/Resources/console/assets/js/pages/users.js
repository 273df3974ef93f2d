/** Users (admins only): list, create, edit role and profile, disable, reset password, delete. */

import { h, replace } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { currentUser } from '../core/session.js';
import * as format from '../core/format.js';
import { pageHeader, button, iconButton, emptyState, loading, errorBox, badge, toggle } from '../components/ui.js';
import { dataTable } from '../components/table.js';
import { createForm } from '../components/form.js';
import { openDialog, confirmDialog } from '../components/dialog.js';
import { toast } from '../components/toast.js';

const USERNAME = /^[A-Za-z0-9._-]{3,64}$/;

function passwordProblem(value, username) {
  const size = new TextEncoder().encode(value).length;
  if (size < 8 || size > 72) return t('password.ruleLength');
  if (value === username || value === 'admin123') return t('password.ruleDefault');
  return null;
}

export function render(root) {
  const list = h('div', {}, loading());
  root.append(pageHeader(t('nav.users'), t('users.subtitle'), button(t('users.new'), { kind: 'primary', iconName: 'plus', onClick: () => edit(null), test: 'new-user' })), list);

  async function load() {
    try {
      const users = await api.get('/users');
      show(users.data || []);
    } catch (error) {
      replace(list, errorBox(error, load));
    }
  }

  function show(users) {
    const me = currentUser();
    replace(
      list,
      dataTable({
        rows: users,
        rowTest: (row) => `user-${row.username}`,
        empty: emptyState(t('users.emptyTitle'), t('users.emptyHint')),
        columns: [
          { label: t('users.username'), primary: true, render: (row) => h('div', {}, h('strong', { text: row.username }), row.id === me.id ? [' ', badge(t('keys.me'), 'info')] : null, h('div', { class: 'muted small', text: row.display_name || '' })) },
          { label: t('users.email'), render: (row) => row.email || h('span', { class: 'muted', text: '–' }) },
          { label: t('users.role'), render: (row) => badge(t(`role.${row.role}`), row.role === 'admin' ? 'info' : 'neutral') },
          { label: t('users.created'), render: (row) => format.date(row.created_at) },
          { label: t('users.lastLogin'), render: (row) => format.relative(row.last_login_at) },
          { label: t('common.enabled'), render: (row) => toggle(row.enabled, t('common.enabled'), (checked) => setEnabled(row, checked), 'user-enabled') },
          {
            label: t('common.actions'),
            className: 'cell-actions',
            render: (row) => h('div', { class: 'row-actions' }, iconButton('lock', t('users.resetPassword'), () => resetPassword(row), 'reset-password'), iconButton('edit', t('common.edit'), () => edit(row), 'edit'), iconButton('trash', t('common.delete'), () => remove(row), 'delete')),
          },
        ],
      }),
    );
  }

  async function setEnabled(user, enabled) {
    if (!enabled) {
      const confirmed = await confirmDialog({ title: t('users.disableTitle'), message: t('users.disableMessage', { name: user.username }), confirmLabel: t('keys.disable') });
      if (!confirmed) throw new Error('cancelled');
    }
    try {
      await api.put(`/users/${user.id}`, { enabled });
      toast(enabled ? t('common.enabledDone') : t('common.disabledDone'));
    } catch (error) {
      toast(error.message || t('error.unknown'), 'error');
      throw error;
    }
  }

  function edit(user) {
    const creating = !user;
    const fields = [
      creating ? { name: 'username', label: t('users.username'), required: true, width: 'half', pattern: { regex: USERNAME, message: t('users.usernameRule') }, autocomplete: 'off' } : null,
      { name: 'display_name', label: t('users.displayName'), maxLength: 100, width: creating ? 'half' : null },
      { name: 'email', label: t('users.email'), type: 'email', maxLength: 254, width: 'half' },
      { name: 'role', label: t('users.role'), type: 'select', width: 'half', options: [{ value: 'user', label: t('role.user') }, { value: 'admin', label: t('role.admin') }] },
      creating ? { name: 'password', label: t('users.initialPassword'), type: 'password', required: true, autocomplete: 'new-password', hint: t('password.rule'), validate: (value, values) => passwordProblem(value, values.username) } : null,
      { name: 'enabled', label: t('common.enabled'), type: 'switch' },
    ].filter(Boolean);
    const form = createForm({
      test: 'user-form',
      submitLabel: creating ? t('common.create') : t('common.save'),
      values: user || { role: 'user', enabled: true },
      onCancel: () => dialog.close(),
      fields,
      async onSubmit(values) {
        if (creating) await api.post('/users', values);
        else await api.put(`/users/${user.id}`, { display_name: values.display_name, email: values.email, role: values.role, enabled: values.enabled });
        dialog.close();
        toast(creating ? t('users.createdToast', { name: values.username }) : t('common.saved'));
        load();
      },
    });
    const dialog = openDialog({ title: creating ? t('users.new') : t('users.edit', { name: user.username }), content: form.element, wide: true });
    form.focus();
  }

  function resetPassword(user) {
    const form = createForm({
      test: 'reset-form',
      submitLabel: t('users.resetPassword'),
      onCancel: () => dialog.close(),
      fields: [
        { name: 'password', label: t('password.new'), type: 'password', required: true, autocomplete: 'new-password', hint: t('users.resetHint'), validate: (value) => passwordProblem(value, user.username) },
        { name: 'confirm', label: t('password.confirm'), type: 'password', required: true, validate: (value, values) => (value !== values.password ? t('password.mismatch') : null) },
      ],
      async onSubmit(values) {
        await api.put(`/users/${user.id}`, { password: values.password });
        dialog.close();
        toast(t('users.resetDone', { name: user.username }));
      },
    });
    const dialog = openDialog({ title: t('users.resetTitle', { name: user.username }), content: form.element });
    form.focus();
  }

  async function remove(user) {
    const confirmed = await confirmDialog({ title: t('users.deleteTitle'), message: t('users.deleteMessage', { name: user.username }), confirmLabel: t('common.delete') });
    if (!confirmed) return;
    try {
      await api.del(`/users/${user.id}`);
      toast(t('common.deleted'));
      load();
    } catch (error) {
      toast(error.message || t('error.unknown'), 'error');
    }
  }

  load();
}
