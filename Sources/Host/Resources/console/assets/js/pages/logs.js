/** The request log: filters (time, endpoint, provider, status, key, user), paging and a detail view. */

import { h, replace } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { isAdmin } from '../core/session.js';
import * as format from '../core/format.js';
import { setQuery } from '../core/router.js';
import { pageHeader, button, emptyState, loading, errorBox, badge, code } from '../components/ui.js';
import { dataTable, pager } from '../components/table.js';
import { openDialog } from '../components/dialog.js';

const PAGE_SIZE = 20;
const FILTERS = ['from', 'to', 'endpoint_id', 'provider_id', 'status', 'key_id', 'user_id'];

function statusKind(status) {
  if (status >= 200 && status < 300) return 'success';
  if (status === 499) return 'warning';
  if (status >= 400 && status < 500) return 'warning';
  return 'danger';
}

export function render(root, { query }) {
  const state = { page: Math.max(1, Number(query.page) || 1), filters: Object.fromEntries(FILTERS.map((name) => [name, query[name] || ''])) };
  const results = h('div', {}, loading());
  const controls = {};
  const select = (name, label, options) => {
    controls[name] = h('select', { class: 'input', id: `log-${name}`, dataset: { test: `filter-${name}` } }, h('option', { value: '', text: t('logs.any') }), options.map(([value, text]) => h('option', { value, text, selected: String(value) === state.filters[name] })));
    return h('div', { class: 'field' }, h('label', { class: 'field-label', for: `log-${name}`, text: label }), controls[name]);
  };
  const timeInput = (name, label) => {
    controls[name] = h('input', { class: 'input', type: 'datetime-local', id: `log-${name}`, value: state.filters[name] ? format.toLocalInput(state.filters[name]) : '' });
    return h('div', { class: 'field' }, h('label', { class: 'field-label', for: `log-${name}`, text: label }), controls[name]);
  };
  const filterGrid = h('div', { class: 'filter-grid' });
  const form = h(
    'form',
    { class: 'card filters', dataset: { test: 'log-filters' } },
    filterGrid,
    h('div', { class: 'form-actions' }, button(t('logs.reset'), { onClick: () => resetFilters() }), button(t('logs.apply'), { kind: 'primary', type: 'submit', test: 'apply-filters' })),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    for (const name of FILTERS) {
      const value = controls[name]?.value || '';
      state.filters[name] = (name === 'from' || name === 'to') && value ? new Date(value).toISOString() : value;
    }
    state.page = 1;
    load();
  });
  root.append(pageHeader(t('nav.logs'), isAdmin() ? t('logs.subtitleAdmin') : t('logs.subtitleUser'), button(t('dashboard.refresh'), { iconName: 'refresh', onClick: () => load() })), form, results);

  function resetFilters() {
    for (const name of FILTERS) {
      state.filters[name] = '';
      if (controls[name]) controls[name].value = '';
    }
    state.page = 1;
    load();
  }

  async function loadFilterOptions() {
    const statuses = [['2xx', t('logs.status2xx')], ['4xx', t('logs.status4xx')], ['5xx', t('logs.status5xx')], ...[400, 401, 403, 404, 429, 499, 500, 502, 504].map((code) => [String(code), String(code)])];
    const [endpoints, providers, keys, users] = await Promise.all([
      api.get(isAdmin() ? '/endpoints' : '/user/endpoints').catch(() => ({ data: [] })),
      isAdmin() ? api.get('/providers').catch(() => ({ data: [] })) : Promise.resolve({ data: [] }),
      api.get('/keys').catch(() => ({ data: [] })),
      isAdmin() ? api.get('/users').catch(() => ({ data: [] })) : Promise.resolve({ data: [] }),
    ]);
    replace(
      filterGrid,
      timeInput('from', t('logs.from')),
      timeInput('to', t('logs.to')),
      select('endpoint_id', t('logs.endpoint'), (endpoints.data || []).map((item) => [String(item.id), item.path])),
      isAdmin() ? select('provider_id', t('logs.provider'), (providers.data || []).map((item) => [String(item.id), item.name])) : null,
      select('status', t('common.status'), statuses),
      select('key_id', t('logs.key'), (keys.data || []).map((item) => [String(item.id), `${item.name} (${item.prefix}…)`])),
      isAdmin() ? select('user_id', t('logs.user'), (users.data || []).map((item) => [String(item.id), item.username])) : null,
    );
  }

  async function load() {
    setQuery({ ...state.filters, page: state.page > 1 ? state.page : '' });
    replace(results, loading());
    try {
      const answer = await api.get('/logs', { ...state.filters, page: state.page, page_size: PAGE_SIZE });
      show(answer);
    } catch (error) {
      replace(results, errorBox(error, load));
    }
  }

  function show(answer) {
    const rows = answer.data || [];
    const filtered = FILTERS.some((name) => state.filters[name]);
    replace(
      results,
      dataTable({
        rows,
        onRowClick: detail,
        rowTest: (row) => `log-${row.request_id}`,
        empty: emptyState(filtered ? t('logs.emptyFiltered') : t('logs.emptyTitle'), filtered ? t('logs.emptyFilteredHint') : t('logs.emptyHint'), filtered ? button(t('logs.reset'), { onClick: () => resetFilters() }) : h('a', { class: 'button button-primary', href: '#/tester', text: t('nav.tester') })),
        columns: [
          { label: t('logs.time'), primary: true, render: (row) => h('span', { title: row.request_id, text: format.dateTime(row.time) }) },
          { label: t('logs.endpoint'), render: (row) => code(row.endpoint_path || '–') },
          { label: t('logs.model'), render: (row) => h('span', { class: 'small', text: row.model_answered || row.model_requested || '–' }) },
          { label: t('common.status'), render: (row) => h('span', {}, badge(String(row.status), statusKind(row.status), row.error_class || undefined), row.stream ? [' ', badge(t('logs.streamShort'), 'neutral')] : null, row.cache_hit ? [' ', badge(t('logs.cacheHit'), 'info')] : null) },
          { label: t('logs.latency'), className: 'num', render: (row) => format.millis(row.latency_ms) },
          { label: t('logs.tokens'), className: 'num', render: (row) => h('span', { title: t('logs.tokenSource.' + (row.token_source || 'reported')) }, `${format.number(row.prompt_tokens ?? 0)} / ${format.number(row.completion_tokens ?? 0)}`, row.token_source === 'estimated' ? '*' : '') },
          isAdmin() ? { label: t('logs.user'), render: (row) => row.username || '–' } : null,
        ].filter(Boolean),
      }),
      rows.length
        ? pager({
            page: answer.page || state.page,
            pageSize: answer.page_size || PAGE_SIZE,
            total: answer.total || 0,
            onPage: (page) => {
              state.page = page;
              load();
            },
            labels: { range: (values) => t('logs.range', { from: format.number(values.from), to: format.number(values.to), total: format.number(values.total) }), previous: t('logs.previous'), next: t('logs.next'), page: (values) => t('logs.page', values) },
          })
        : null,
    );
  }

  function detail(row) {
    const fields = [
      ['logs.requestID', row.request_id],
      ['logs.time', format.dateTime(row.time)],
      ['logs.endpoint', row.endpoint_path],
      ['logs.provider', row.provider_name],
      ['logs.adapter', row.adapter],
      ['logs.modelRequested', row.model_requested || '–'],
      ['logs.modelAnswered', row.model_answered || '–'],
      ['logs.key', row.key_name || '–'],
      ['logs.user', row.username || '–'],
      ['logs.stream', row.stream ? t('common.yes') : t('common.no')],
      ['common.status', `${row.status}${row.error_class ? ` (${row.error_class})` : ''}`],
      ['logs.latency', format.millis(row.latency_ms)],
      ['logs.ttft', format.millis(row.ttft_ms)],
      ['logs.upstream', format.millis(row.upstream_ms)],
      ['logs.overhead', format.millis(row.overhead_ms)],
      ['dashboard.promptTokens', format.number(row.prompt_tokens ?? 0)],
      ['dashboard.completionTokens', format.number(row.completion_tokens ?? 0)],
      ['dashboard.reasoningTokens', format.number(row.reasoning_tokens ?? 0)],
      ['dashboard.cachedTokens', format.number(row.cached_tokens ?? 0)],
      ['logs.tokenSourceLabel', t('logs.tokenSource.' + (row.token_source || 'reported'))],
      ['logs.cacheHit', row.cache_hit ? t('common.yes') : t('common.no')],
    ];
    openDialog({
      title: t('logs.detailTitle'),
      wide: true,
      content: h('dl', { class: 'detail-list', dataset: { test: 'log-detail' } }, fields.map(([label, value]) => [h('dt', { text: t(label) }), h('dd', { text: value ?? '–' })])),
    });
  }

  loadFilterOptions().then(load);
}
