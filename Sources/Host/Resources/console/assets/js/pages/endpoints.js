/**
 * Endpoints (API paths): list, create, edit, delete, enable/disable; provider and model pickers,
 * system prompt, stream policy, cache TTL, the keys allowed to call it, and copy-ready snippets.
 */

import { h, replace, copyText, icon } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { pageHeader, button, iconButton, emptyState, loading, errorBox, badge, code, toggle } from '../components/ui.js';
import { dataTable } from '../components/table.js';
import { createForm } from '../components/form.js';
import { openDialog, confirmDialog } from '../components/dialog.js';
import { toast } from '../components/toast.js';

const PATH_RULE = /^\/[A-Za-z0-9._~/-]*[A-Za-z0-9._~-]$/;
const RESERVED = ['/admin', '/healthz', '/readyz', '/metrics', '/assets', '/console'];

/** Client-side copy of the server's path rules, so most mistakes show before sending. */
export function pathProblem(path) {
  if (!path.startsWith('/')) return t('endpoints.pathSlash');
  if (path === '/' || !PATH_RULE.test(path) || path.includes('//') || path.split('/').some((part) => part === '.' || part === '..')) return t('endpoints.pathChars');
  if (RESERVED.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return t('endpoints.pathReserved');
  if (path.endsWith('/chat/completions') || path.endsWith('/models')) return t('endpoints.pathSuffix');
  return null;
}

/** True for a key limited to some endpoints (`endpoint_ids` is a list; null means every endpoint). */
export function isScoped(key) {
  return Array.isArray(key.endpoint_ids);
}

export function keyEndpointIDs(key) {
  return isScoped(key) ? key.endpoint_ids : [];
}

export function render(root) {
  const list = h('div', {}, loading());
  let providers = [];
  let keys = [];
  let endpointList = [];
  root.append(pageHeader(t('nav.endpoints'), t('endpoints.subtitle'), button(t('endpoints.new'), { kind: 'primary', iconName: 'plus', onClick: () => edit(null), test: 'new-endpoint' })), list);

  async function load() {
    try {
      const [endpoints, providerList, keyList] = await Promise.all([api.get('/endpoints'), api.get('/providers'), api.get('/keys').catch(() => ({ data: [] }))]);
      providers = providerList.data || [];
      keys = keyList.data || [];
      endpointList = endpoints.data || [];
      show(endpointList);
    } catch (error) {
      replace(list, errorBox(error, load));
    }
  }

  const providerName = (id) => providers.find((provider) => provider.id === id)?.name || `#${id}`;

  function show(endpoints) {
    const empty = providers.length
      ? emptyState(t('endpoints.emptyTitle'), t('endpoints.emptyHint'), button(t('endpoints.new'), { kind: 'primary', iconName: 'plus', onClick: () => edit(null) }))
      : emptyState(t('endpoints.emptyTitle'), t('endpoints.needProvider'), h('a', { class: 'button button-primary', href: '#/providers', text: t('nav.providers') }));
    replace(
      list,
      dataTable({
        rows: endpoints,
        rowTest: (row) => `endpoint-${row.path}`,
        empty,
        columns: [
          { label: t('endpoints.path'), primary: true, render: (row) => h('div', {}, h('strong', { class: 'mono', text: row.path }), row.name ? h('div', { class: 'muted small', text: row.name }) : null) },
          { label: t('endpoints.provider'), render: (row) => providerName(row.provider_id) },
          { label: t('endpoints.model'), render: (row) => h('span', {}, code(row.model), row.allow_model_override ? badge(t('endpoints.overrideShort'), 'info', t('endpoints.allowOverride')) : null) },
          { label: t('endpoints.stream'), render: (row) => t(`endpoints.streamPolicy.${row.stream}`) },
          cacheKnown() ? { label: t('endpoints.cacheTTL'), render: (row) => (row.cache_ttl ? t('endpoints.seconds', { n: row.cache_ttl }) : h('span', { class: 'muted', text: t('common.off') })) } : null,
          { label: t('common.enabled'), render: (row) => toggle(row.enabled, t('common.enabled'), async (checked) => { await api.put(`/endpoints/${row.id}`, { enabled: checked }); toast(checked ? t('common.enabledDone') : t('common.disabledDone')); }, 'endpoint-enabled') },
          {
            label: t('common.actions'),
            className: 'cell-actions',
            render: (row) => h('div', { class: 'row-actions' }, button(t('endpoints.snippet'), { iconName: 'code', onClick: () => snippets(row), test: 'snippet' }), iconButton('edit', t('common.edit'), () => edit(row), 'edit'), iconButton('trash', t('common.delete'), () => remove(row), 'delete')),
          },
        ].filter(Boolean),
      }),
    );
  }

  /** The response cache is offered once the server shows `cache_ttl` on endpoints (or none exist yet). */
  function cacheKnown() {
    return !endpointList.length || endpointList.some((endpoint) => 'cache_ttl' in endpoint);
  }

  function edit(endpoint) {
    const creating = !endpoint;
    const providerOptions = providers.map((provider) => ({ value: String(provider.id), label: `${provider.name} (${provider.adapter})` }));
    const scopedKeys = keys.filter(isScoped);
    const allKeys = keys.filter((key) => !isScoped(key));
    const allowed = endpoint ? scopedKeys.filter((key) => keyEndpointIDs(key).includes(endpoint.id)).map((key) => String(key.id)) : [];
    const fields = [
      { name: 'path', label: t('endpoints.path'), required: true, maxLength: 200, mono: true, width: 'half', placeholder: '/team/chat', hint: t('endpoints.pathHint'), validate: pathProblem },
      { name: 'name', label: t('endpoints.name'), maxLength: 100, width: 'half' },
      { name: 'provider_id', label: t('endpoints.provider'), type: 'select', required: true, options: providerOptions, width: 'half' },
      { name: 'model', label: t('endpoints.model'), required: true, maxLength: 128, mono: true, width: 'half', hint: t('endpoints.modelHint') },
      { name: 'allow_model_override', label: t('endpoints.allowOverride'), type: 'switch' },
      { name: 'description', label: t('endpoints.description'), type: 'textarea', rows: 2, maxLength: 2000 },
      { name: 'system_prompt', label: t('endpoints.systemPrompt'), type: 'textarea', rows: 5, hint: t('endpoints.systemPromptHint') },
      { name: 'system_prompt_mode', label: t('endpoints.promptMode'), type: 'select', width: 'half', options: [{ value: 'prepend', label: t('endpoints.promptMode.prepend') }, { value: 'override', label: t('endpoints.promptMode.override') }] },
      { name: 'stream', label: t('endpoints.stream'), type: 'select', width: 'half', options: ['client', 'always', 'never'].map((value) => ({ value, label: t(`endpoints.streamPolicy.${value}`) })) },
      cacheKnown() ? { name: 'cache_ttl', label: t('endpoints.cacheTTL'), type: 'number', min: 0, max: 86400 * 30, step: 1, width: 'half', hint: t('endpoints.cacheHint'), validate: (value) => (value !== null && !Number.isInteger(value) ? t('validation.integer') : null) } : null,
      { name: 'enabled', label: t('common.enabled'), type: 'switch', width: 'half' },
      { name: 'allowed_keys', label: t('endpoints.allowedKeys'), type: 'checkboxes', options: scopedKeys.map((key) => ({ value: String(key.id), label: `${key.name} (${key.prefix}…)` })), emptyText: t('endpoints.noScopedKeys'), hint: allKeys.length ? t('endpoints.allKeysNote', { names: allKeys.map((key) => key.name).join(', ') }) : t('endpoints.allowedKeysHint') },
    ].filter(Boolean);
    const form = createForm({
      test: 'endpoint-form',
      submitLabel: creating ? t('common.create') : t('common.save'),
      values: endpoint
        ? { ...endpoint, provider_id: String(endpoint.provider_id), cache_ttl: endpoint.cache_ttl ?? 0, allowed_keys: allowed }
        : { provider_id: providerOptions[0]?.value, model: providers[0]?.models?.[0] || '', system_prompt_mode: 'prepend', stream: 'client', cache_ttl: 0, enabled: true, allowed_keys: [] },
      onCancel: () => dialog.close(),
      fields,
      async onSubmit(values) {
        const body = {
          path: values.path,
          name: values.name,
          description: values.description,
          provider_id: Number(values.provider_id),
          model: values.model,
          allow_model_override: values.allow_model_override,
          system_prompt: values.system_prompt,
          system_prompt_mode: values.system_prompt_mode,
          stream: values.stream,
          enabled: values.enabled,
        };
        // Sent when set, or to turn off a cache the endpoint has; a server without the cache then says so.
        if (values.cache_ttl || (endpoint && 'cache_ttl' in endpoint && 'cache_ttl' in values)) body.cache_ttl = values.cache_ttl ?? 0;
        const saved = creating ? await api.post('/endpoints', body) : await api.put(`/endpoints/${endpoint.id}`, body);
        await updateKeyScopes(saved.id, new Set(values.allowed_keys));
        dialog.close();
        toast(creating ? t('endpoints.created', { path: saved.path }) : t('common.saved'));
        load();
      },
    });
    const providerSelect = form.element.querySelector('[data-field="provider_id"]');
    const modelInput = form.element.querySelector('[data-field="model"]');
    const datalist = h('datalist', { id: 'endpoint-models' });
    modelInput.setAttribute('list', 'endpoint-models');
    modelInput.after(datalist);
    const fillModels = () => {
      const provider = providers.find((item) => String(item.id) === providerSelect.value);
      replace(datalist, ...(provider?.models || []).map((model) => h('option', { value: model })));
    };
    providerSelect.addEventListener('change', () => {
      fillModels();
      const provider = providers.find((item) => String(item.id) === providerSelect.value);
      if (provider?.models?.length && !provider.models.includes(modelInput.value)) modelInput.value = provider.models[0];
    });
    fillModels();
    const dialog = openDialog({ title: creating ? t('endpoints.new') : t('endpoints.edit', { path: endpoint.path }), content: form.element, wide: true });
    form.focus();
  }

  /** Adds or removes this endpoint from each scoped key whose box changed. */
  async function updateKeyScopes(endpointID, wanted) {
    for (const key of keys.filter(isScoped)) {
      const current = keyEndpointIDs(key);
      const has = current.includes(endpointID);
      const want = wanted.has(String(key.id));
      if (has === want) continue;
      const next = want ? [...current, endpointID] : current.filter((id) => id !== endpointID);
      await api.put(`/keys/${key.id}`, { endpoint_ids: next });
    }
  }

  async function remove(endpoint) {
    const confirmed = await confirmDialog({ title: t('endpoints.deleteTitle'), message: t('endpoints.deleteMessage', { path: endpoint.path }), confirmLabel: t('common.delete') });
    if (!confirmed) return;
    try {
      await api.del(`/endpoints/${endpoint.id}`);
      toast(t('common.deleted'));
      load();
    } catch (error) {
      toast(error.message || t('error.unknown'), 'error');
    }
  }

  load();
}

/** A dialog with curl and Python snippets that use the endpoint's real URL. */
export function snippets(endpoint) {
  const base = `${location.origin}${endpoint.path}`;
  const curl = [
    `curl ${base}/chat/completions \\`,
    `  -H "Authorization: Bearer $GATEWAY_API_KEY" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '{"model": "${endpoint.model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  ].join('\n');
  const python = [
    'import os',
    'from openai import OpenAI',
    '',
    'client = OpenAI(',
    `    base_url="${base}",`,
    '    api_key=os.environ["GATEWAY_API_KEY"],',
    ')',
    'answer = client.chat.completions.create(',
    `    model="${endpoint.model}",`,
    '    messages=[{"role": "user", "content": "Hello!"}],',
    ')',
    'print(answer.choices[0].message.content)',
  ].join('\n');
  const block = (title, text, test) => {
    const copy = button(t('common.copy'), { iconName: 'copy', test: `copy-${test}` });
    copy.addEventListener('click', async () => toast((await copyText(text)) ? t('common.copied') : t('common.copyFailed'), 'success'));
    return h('div', { class: 'snippet' }, h('div', { class: 'snippet-header' }, h('strong', { text: title }), copy), h('pre', { class: 'code-block', dataset: { test: `snippet-${test}` } }, h('code', { text })));
  };
  openDialog({
    title: t('endpoints.snippetTitle', { path: endpoint.path }),
    wide: true,
    content: h(
      'div',
      { class: 'stack' },
      h('p', { class: 'muted' }, icon('info'), ' ', t('endpoints.snippetExplain')),
      h('div', { class: 'kv' }, h('span', { class: 'kv-label', text: t('endpoints.baseURL') }), h('code', { class: 'mono', text: base, dataset: { test: 'base-url' } })),
      block('curl', curl, 'curl'),
      block('Python (openai)', python, 'python'),
    ),
  });
}
