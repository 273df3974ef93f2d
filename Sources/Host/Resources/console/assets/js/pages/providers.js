/** Providers: list, create, edit, delete, test connection. The API key is write-only and shown masked. */

import { h, replace } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import * as format from '../core/format.js';
import { pageHeader, button, iconButton, emptyState, loading, errorBox, badge, code, toggle } from '../components/ui.js';
import { dataTable } from '../components/table.js';
import { createForm } from '../components/form.js';
import { openDialog, confirmDialog } from '../components/dialog.js';
import { toast } from '../components/toast.js';

const STATUS_KIND = { ready: 'success', disabled: 'neutral', adapter_missing: 'danger', config_error: 'danger' };

export function render(root) {
  const list = h('div', {}, loading());
  let adapters = [];
  root.append(pageHeader(t('nav.providers'), t('providers.subtitle'), button(t('providers.new'), { kind: 'primary', iconName: 'plus', onClick: () => edit(null), test: 'new-provider' })), list);

  async function load() {
    try {
      const [providers, plugins] = await Promise.all([api.get('/providers'), api.get('/plugins')]);
      adapters = plugins.loaded || [];
      show(providers.data || []);
    } catch (error) {
      replace(list, errorBox(error, load));
    }
  }

  function show(providers) {
    replace(
      list,
      dataTable({
        rows: providers,
        rowTest: (row) => `provider-${row.name}`,
        empty: emptyState(t('providers.emptyTitle'), t('providers.emptyHint'), button(t('providers.new'), { kind: 'primary', iconName: 'plus', onClick: () => edit(null) })),
        columns: [
          { label: t('providers.name'), primary: true, render: (row) => h('div', {}, h('strong', { text: row.name }), h('div', { class: 'muted small mono', text: row.base_url })) },
          { label: t('providers.adapter'), render: (row) => code(row.adapter) },
          { label: t('providers.apiKey'), render: (row) => (row.has_api_key ? code(row.api_key) : h('span', { class: 'muted', text: t('providers.noKey') })) },
          { label: t('providers.models'), render: (row) => (row.models.length ? h('span', { title: row.models.join(', '), text: row.models.slice(0, 3).join(', ') + (row.models.length > 3 ? ` +${row.models.length - 3}` : '') }) : h('span', { class: 'muted', text: t('providers.anyModel') })) },
          { label: t('common.status'), render: (row) => badge(t(`providers.status.${row.status}`), STATUS_KIND[row.status] || 'neutral', row.status_message || undefined) },
          { label: t('common.enabled'), render: (row) => toggle(row.enabled, t('common.enabled'), async (checked) => { await api.put(`/providers/${row.id}`, { enabled: checked }); toast(checked ? t('common.enabledDone') : t('common.disabledDone')); load(); }) },
          {
            label: t('common.actions'),
            className: 'cell-actions',
            render: (row) =>
              h('div', { class: 'row-actions' }, button(t('providers.test'), { iconName: 'zap', onClick: () => testConnection(row), test: 'test-provider' }), iconButton('edit', t('common.edit'), () => edit(row), 'edit'), iconButton('trash', t('common.delete'), () => remove(row), 'delete')),
          },
        ],
      }),
    );
  }

  function edit(provider) {
    const creating = !provider;
    const adapterOptions = adapters.map((adapter) => ({ value: adapter.name, label: `${adapter.display_name || adapter.name} (${adapter.name} ${adapter.version})` }));
    if (provider && !adapters.some((adapter) => adapter.name === provider.adapter)) adapterOptions.push({ value: provider.adapter, label: `${provider.adapter} (${t('providers.status.adapter_missing')})` });
    const defaultURL = (name) => adapters.find((adapter) => adapter.name === name)?.default_base_url || '';
    const form = createForm({
      test: 'provider-form',
      submitLabel: creating ? t('common.create') : t('common.save'),
      values: provider ? { ...provider, api_key: '' } : { adapter: adapterOptions[0]?.value, enabled: true, options: {} },
      onCancel: () => dialog.close(),
      fields: [
        { name: 'name', label: t('providers.name'), required: true, maxLength: 64, width: 'half', placeholder: 'openai-main' },
        { name: 'adapter', label: t('providers.adapter'), type: 'select', required: true, options: adapterOptions, width: 'half', hint: adapterOptions.length ? null : t('providers.noAdapters') },
        { name: 'base_url', label: t('providers.baseURL'), type: 'url', mono: true, placeholder: defaultURL(provider?.adapter || adapterOptions[0]?.value) || 'https://api.example.com/v1', hint: t('providers.baseURLHint') },
        { name: 'api_key', label: t('providers.apiKey'), type: 'password', autocomplete: 'new-password', placeholder: provider?.has_api_key ? t('providers.keyKeep', { hint: provider.api_key }) : 'sk-...', hint: t('providers.keyHint'), maxLength: 4096 },
        { name: 'models', label: t('providers.models'), type: 'lines', rows: 3, mono: true, hint: t('providers.modelsHint'), validate: (value) => (value.some((model) => model.length > 128) ? t('validation.maxLength', { n: 128 }) : null) },
        { name: 'options', label: t('providers.options'), type: 'json', rows: 3, hint: t('providers.optionsHint') },
        { name: 'enabled', label: t('common.enabled'), type: 'switch' },
      ],
      async onSubmit(values) {
        const body = { name: values.name, adapter: values.adapter, base_url: values.base_url, models: values.models, options: values.options, enabled: values.enabled };
        if (values.api_key) body.api_key = values.api_key;
        if (creating) await api.post('/providers', body);
        else await api.put(`/providers/${provider.id}`, body);
        dialog.close();
        toast(creating ? t('providers.created', { name: values.name }) : t('common.saved'));
        load();
      },
    });
    const adapterControl = form.element.querySelector('[data-field="adapter"]');
    adapterControl?.addEventListener('change', () => {
      const input = form.element.querySelector('[data-field="base_url"]');
      input.placeholder = defaultURL(adapterControl.value) || 'https://api.example.com/v1';
    });
    const dialog = openDialog({ title: creating ? t('providers.new') : t('providers.edit', { name: provider.name }), content: form.element, wide: true });
    form.focus();
  }

  async function remove(provider) {
    const confirmed = await confirmDialog({ title: t('providers.deleteTitle'), message: t('providers.deleteMessage', { name: provider.name }), confirmLabel: t('common.delete') });
    if (!confirmed) return;
    try {
      await api.del(`/providers/${provider.id}`);
      toast(t('common.deleted'));
      load();
    } catch (error) {
      toast(error.message || t('error.unknown'), 'error');
    }
  }

  function testConnection(provider) {
    const result = h('div', { class: 'test-result', dataset: { test: 'test-result' } });
    const modelInput = h('input', { class: 'input mono', list: 'provider-test-models', value: provider.models[0] || '', placeholder: 'gpt-4o-mini', 'aria-label': t('providers.testModel') });
    const datalist = h('datalist', { id: 'provider-test-models' }, provider.models.map((model) => h('option', { value: model })));
    const run = button(t('providers.runTest'), { kind: 'primary', iconName: 'zap', test: 'run-test' });
    run.addEventListener('click', async () => {
      if (!modelInput.value.trim()) {
        replace(result, h('div', { class: 'field-error', text: t('providers.testNeedsModel') }));
        modelInput.focus();
        return;
      }
      run.disabled = true;
      replace(result, loading(t('providers.testing')));
      try {
        const answer = await api.post(`/providers/${provider.id}/test`, { model: modelInput.value.trim() });
        replace(
          result,
          h(
            'div',
            { class: ['alert', answer.ok ? 'alert-success' : 'alert-error'] },
            h(
              'div',
              { class: 'alert-text' },
              h('strong', { text: answer.ok ? t('providers.testOk') : t('providers.testFailed') }),
              h('span', { text: t('providers.testDetail', { status: answer.status ?? '–', latency: format.millis(answer.latency_ms) }) }),
              answer.reply ? h('span', { class: 'mono', text: t('providers.testReply', { reply: answer.reply }) }) : null,
              answer.message ? h('span', { text: answer.message }) : null,
            ),
          ),
        );
      } catch (error) {
        replace(result, errorBox(error));
      } finally {
        run.disabled = false;
      }
    });
    openDialog({
      title: t('providers.testTitle', { name: provider.name }),
      content: h('div', { class: 'stack' }, h('p', { class: 'muted', text: t('providers.testExplain') }), h('label', { class: 'field-label', text: t('providers.testModel') }), modelInput, datalist, result),
      actions: [run],
    });
  }

  load();
}
