/**
 * Client API keys: create (the key is shown once, with a copy button and a warning), list with prefix,
 * owner, endpoints, expiry and last use; enable/disable and delete. Users see their own keys only.
 */

import { h, replace, copyText, icon } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { isAdmin, currentUser } from '../core/session.js';
import * as format from '../core/format.js';
import { navigate } from '../core/router.js';
import { pageHeader, button, iconButton, emptyState, loading, errorBox, badge, code, toggle } from '../components/ui.js';
import { dataTable } from '../components/table.js';
import { createForm } from '../components/form.js';
import { openDialog, confirmDialog } from '../components/dialog.js';
import { toast } from '../components/toast.js';
import { rememberKey } from './tester-keys.js';
import { keyEndpointIDs, isScoped } from './endpoints.js';

/** The server's key states and how they look. */
const STATUS_KINDS = { active: 'success', disabled: 'neutral', expired: 'danger', owner_disabled: 'warning' };

export function render(root) {
  const list = h('div', {}, loading());
  let endpoints = [];
  let users = [];
  root.append(pageHeader(t('nav.keys'), isAdmin() ? t('keys.subtitleAdmin') : t('keys.subtitleUser'), button(t('keys.new'), { kind: 'primary', iconName: 'plus', onClick: () => create(), test: 'new-key' })), list);

  async function load() {
    try {
      const [keys, endpointList, userList] = await Promise.all([
        api.get('/keys'),
        // Every account may list the endpoints it can call; admins also see disabled ones.
        api.get(isAdmin() ? '/endpoints' : '/user/endpoints').catch(() => ({ data: [] })),
        isAdmin() ? api.get('/users').catch(() => ({ data: [] })) : Promise.resolve({ data: [] }),
      ]);
      endpoints = endpointList.data || [];
      users = userList.data || [];
      show(keys.data || []);
    } catch (error) {
      replace(list, errorBox(error, load));
    }
  }

  const endpointPath = (id) => endpoints.find((endpoint) => endpoint.id === id)?.path || `#${id}`;

  function expiry(key) {
    if (!key.expires_at) return h('span', { class: 'muted', text: t('keys.never') });
    const expired = new Date(key.expires_at).getTime() < Date.now();
    return h('span', {}, format.date(key.expires_at), expired ? [' ', badge(t('keys.expired'), 'danger')] : null);
  }

  function show(keys) {
    replace(
      list,
      dataTable({
        rows: keys,
        rowTest: (row) => `key-${row.name}`,
        empty: emptyState(t('keys.emptyTitle'), t('keys.emptyHint'), button(t('keys.new'), { kind: 'primary', iconName: 'plus', onClick: () => create() })),
        columns: [
          { label: t('keys.name'), primary: true, render: (row) => h('div', {}, h('strong', { text: row.name }), h('div', { class: 'muted small' }, code(`${row.prefix}…`))) },
          isAdmin() ? { label: t('keys.owner'), render: (row) => row.username || (row.user_id ? `#${row.user_id}` : '–') } : null,
          { label: t('keys.endpoints'), render: (row) => (isScoped(row) ? h('span', { class: 'mono small', text: keyEndpointIDs(row).map(endpointPath).join(', ') || t('keys.noEndpoints') }) : h('span', { class: 'muted', text: t('keys.allEndpoints') })) },
          { label: t('keys.expires'), render: expiry },
          { label: t('common.status'), render: (row) => badge(t(`keys.status.${STATUS_KINDS[row.status] ? row.status : 'active'}`), STATUS_KINDS[row.status] || 'success') },
          { label: t('keys.lastUsed'), render: (row) => h('span', { title: row.last_used_at ? format.dateTime(row.last_used_at) : '', text: format.relative(row.last_used_at) }) },
          { label: t('common.enabled'), render: (row) => toggle(row.enabled, t('common.enabled'), (checked) => setEnabled(row, checked), 'key-enabled') },
          { label: t('common.actions'), className: 'cell-actions', render: (row) => h('div', { class: 'row-actions' }, iconButton('trash', t('common.delete'), () => remove(row), 'delete')) },
        ].filter(Boolean),
      }),
    );
  }

  async function setEnabled(key, enabled) {
    if (!enabled) {
      const confirmed = await confirmDialog({ title: t('keys.disableTitle'), message: t('keys.disableMessage', { name: key.name }), confirmLabel: t('keys.disable') });
      if (!confirmed) throw new Error('cancelled');
    }
    try {
      await api.put(`/keys/${key.id}`, { enabled });
      toast(enabled ? t('common.enabledDone') : t('common.disabledDone'));
      load();
    } catch (error) {
      toast(error.message || t('error.unknown'), 'error');
      throw error;
    }
  }

  function create() {
    const me = currentUser();
    const fields = [
      { name: 'name', label: t('keys.name'), required: true, maxLength: 100, placeholder: t('keys.namePlaceholder') },
      isAdmin() && users.length ? { name: 'user_id', label: t('keys.owner'), type: 'select', options: users.map((user) => ({ value: String(user.id), label: `${user.username}${user.id === me.id ? ` (${t('keys.me')})` : ''}` })), width: 'half' } : null,
      { name: 'expires_at', label: t('keys.expires'), type: 'datetime', width: 'half', hint: t('keys.expiresHint'), validate: (value) => (value && new Date(value).getTime() <= Date.now() ? t('keys.expiresPast') : null) },
      { name: 'scoped', label: t('keys.limitEndpoints'), type: 'switch' },
      { name: 'endpoint_ids', label: t('keys.endpoints'), type: 'checkboxes', options: endpoints.map((endpoint) => ({ value: String(endpoint.id), label: endpoint.path })), emptyText: t('keys.noEndpointsToPick'), visible: (values) => values.scoped },
    ].filter(Boolean);
    const form = createForm({
      test: 'key-form',
      submitLabel: t('common.create'),
      values: { user_id: String(me.id) },
      onCancel: () => dialog.close(),
      fields,
      async onSubmit(values) {
        const body = { name: values.name };
        if (values.user_id && Number(values.user_id) !== me.id) body.user_id = Number(values.user_id);
        if (values.expires_at) body.expires_at = values.expires_at;
        if (values.scoped) body.endpoint_ids = values.endpoint_ids.map(Number);
        const created = await api.post('/keys', body);
        dialog.close();
        showOnce(created);
        load();
      },
    });
    const dialog = openDialog({ title: t('keys.new'), content: form.element, wide: true });
    form.focus();
  }

  /** The plaintext key, once: copy button, warning, and a shortcut into the API tester. */
  function showOnce(created) {
    rememberKey(created);
    const value = h('code', { class: 'secret mono', text: created.key, dataset: { test: 'new-key-value' } });
    const copy = button(t('common.copy'), { kind: 'primary', iconName: 'copy', test: 'copy-key' });
    copy.addEventListener('click', async () => {
      const copied = await copyText(created.key);
      toast(copied ? t('common.copied') : t('common.copyFailed'), copied ? 'success' : 'error');
    });
    const handle = openDialog({
      title: t('keys.createdTitle'),
      content: h(
        'div',
        { class: 'stack' },
        h('div', { class: 'alert alert-warning' }, icon('alert'), h('span', { text: t('keys.showOnce') })),
        h('div', { class: 'secret-row' }, value, copy),
      ),
      actions: [
        button(t('keys.tryInTester'), { iconName: 'terminal', onClick: () => { handle.close(); navigate('/tester', { key: created.id }); } }),
        button(t('keys.done'), { kind: 'primary', test: 'key-done', onClick: () => handle.close() }),
      ],
    });
  }

  async function remove(key) {
    const confirmed = await confirmDialog({ title: t('keys.deleteTitle'), message: t('keys.deleteMessage', { name: key.name }), confirmLabel: t('common.delete') });
    if (!confirmed) return;
    try {
      await api.del(`/keys/${key.id}`);
      toast(t('common.deleted'));
      load();
    } catch (error) {
      toast(error.message || t('error.unknown'), 'error');
    }
  }

  load();
}
