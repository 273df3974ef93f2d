/**
 * Dashboard: today's and all-time figures, live load, system status, a time series of calls or tokens
 * and the last 24 h by endpoint, provider and model. Polls every 10 s while the tab is visible.
 */

import { h, icon, replace } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { isAdmin } from '../core/session.js';
import * as format from '../core/format.js';
import { setQuery } from '../core/router.js';
import { pageHeader, errorBox, card, loading } from '../components/ui.js';
import { lineChart, barList } from '../components/chart.js';

const REFRESH_MS = 10000;
const RANGES = {
  '1h': { ms: 3600e3, bucket: 'minute' },
  '24h': { ms: 86400e3, bucket: 'hour' },
  '7d': { ms: 7 * 86400e3, bucket: 'hour' },
  '30d': { ms: 30 * 86400e3, bucket: 'day' },
};

export function render(root, { query }) {
  const settings = {
    range: RANGES[query.range] ? query.range : '24h',
    metric: query.metric === 'tokens' ? 'tokens' : 'calls',
    group: ['endpoint', 'provider', 'model'].includes(query.group) ? query.group : '',
  };
  const updated = h('span', { class: 'muted small', dataset: { test: 'updated' } });
  const refreshButton = h('button', { class: 'icon-button', type: 'button', title: t('dashboard.refresh'), 'aria-label': t('dashboard.refresh'), onClick: () => refresh() }, icon('refresh'));
  const summary = h('div', { class: 'stat-grid', dataset: { test: 'summary' } }, loading());
  const live = h('div', { class: 'kv-list' });
  const system = h('div', { class: 'kv-list' });
  const statusError = h('div');
  const chart = lineChart({
    emptyText: t('dashboard.chartEmpty'),
    formatY: (value) => format.compact(value),
    formatValue: (value) => format.number(value),
    formatX: (date) => axisTime(date),
    formatTooltipTime: (date) => format.dateTime(date),
    ariaLabel: t('dashboard.chartTitle'),
  });
  const chartError = h('div');
  const breakdown = h('div', { class: 'breakdown-grid' });

  const segmented = (name, options, current, onPick) =>
    h(
      'div',
      { class: 'segmented', role: 'group', dataset: { test: name } },
      options.map(([value, label]) => {
        const button = h('button', { type: 'button', class: ['segment', value === current && 'active'], text: label, 'aria-pressed': String(value === current), dataset: { value } });
        button.addEventListener('click', () => {
          button.parentElement.querySelectorAll('.segment').forEach((other) => {
            other.classList.toggle('active', other === button);
            other.setAttribute('aria-pressed', String(other === button));
          });
          onPick(value);
        });
        return button;
      }),
    );
  const groupSelect = h(
    'select',
    { class: 'input input-small', 'aria-label': t('dashboard.groupBy'), dataset: { test: 'group-by' } },
    [['', t('dashboard.groupNone')], ['endpoint', t('dashboard.groupEndpoint')], ['provider', t('dashboard.groupProvider')], ['model', t('dashboard.groupModel')]].map(([value, label]) => h('option', { value, text: label, selected: value === settings.group })),
  );
  groupSelect.addEventListener('change', () => {
    settings.group = groupSelect.value;
    saveSettings();
    loadSeries();
  });

  root.append(
    pageHeader(t('nav.dashboard'), isAdmin() ? t('dashboard.subtitleAdmin') : t('dashboard.subtitleUser'), h('div', { class: 'refresh-row' }, updated, refreshButton)),
    statusError,
    summary,
    h(
      'section',
      { class: 'card chart-card' },
      h(
        'div',
        { class: 'card-header' },
        h('h2', { class: 'card-title', text: t('dashboard.chartTitle') }),
        h(
          'div',
          { class: 'chart-controls' },
          segmented('metric', [['calls', t('dashboard.metricCalls')], ['tokens', t('dashboard.metricTokens')]], settings.metric, (value) => {
            settings.metric = value;
            saveSettings();
            loadSeries();
          }),
          segmented('range', Object.keys(RANGES).map((key) => [key, t(`dashboard.range.${key}`)]), settings.range, (value) => {
            settings.range = value;
            saveSettings();
            loadSeries();
          }),
          groupSelect,
        ),
      ),
      chartError,
      chart.element,
    ),
    h('div', { class: 'two-columns' }, card(t('dashboard.live'), live), card(t('dashboard.system'), system)),
    h('h2', { class: 'section-title', text: t('dashboard.breakdown') }),
    breakdown,
  );

  function saveSettings() {
    setQuery({ range: settings.range, metric: settings.metric, group: settings.group });
  }

  function axisTime(date) {
    const range = RANGES[settings.range];
    if (range.bucket === 'day' || settings.range === '7d') return new Intl.DateTimeFormat(document.documentElement.lang, { month: 'numeric', day: 'numeric' }).format(date);
    return new Intl.DateTimeFormat(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' }).format(date);
  }

  function stat(label, value, detail, test) {
    return h('div', { class: 'stat', dataset: test ? { test } : undefined }, h('div', { class: 'stat-label', text: label }), h('div', { class: 'stat-value', text: value }), detail ? h('div', { class: 'stat-detail', text: detail }) : null);
  }

  function renderStats(stats) {
    const today = stats.today || {};
    const all = stats.all_time || {};
    replace(
      summary,
      stat(t('dashboard.callsToday'), format.number(today.calls ?? 0), t('dashboard.allTime', { value: format.number(all.calls ?? 0) }), 'calls-today'),
      stat(t('dashboard.errorsToday'), format.number(today.errors ?? 0), t('dashboard.errorRate', { value: format.percent(today.errors ?? 0, today.calls ?? 0) }), 'errors-today'),
      stat(t('dashboard.promptTokens'), format.compact(today.prompt_tokens ?? 0), t('dashboard.allTime', { value: format.compact(all.prompt_tokens ?? 0) })),
      stat(t('dashboard.completionTokens'), format.compact(today.completion_tokens ?? 0), t('dashboard.allTime', { value: format.compact(all.completion_tokens ?? 0) })),
      stat(t('dashboard.reasoningTokens'), format.compact(today.reasoning_tokens ?? 0), t('dashboard.allTime', { value: format.compact(all.reasoning_tokens ?? 0) })),
      stat(t('dashboard.avgLatency'), format.millis(today.avg_latency_ms), t('dashboard.allTime', { value: format.millis(all.avg_latency_ms) })),
      stat(t('dashboard.avgTTFT'), format.millis(today.avg_ttft_ms), t('dashboard.allTime', { value: format.millis(all.avg_ttft_ms) })),
      stat(t('dashboard.cachedTokens'), format.compact(today.cached_tokens ?? 0), t('dashboard.allTime', { value: format.compact(all.cached_tokens ?? 0) })),
    );
    const liveStats = stats.live || {};
    replace(
      live,
      kv(t('dashboard.inFlight'), format.number(liveStats.in_flight_requests ?? 0), 'in-flight'),
      kv(t('dashboard.openStreams'), format.number(liveStats.open_streams ?? 0), 'open-streams'),
    );
    const sys = stats.system || {};
    replace(
      system,
      kv(t('dashboard.uptime'), format.seconds(sys.uptime_seconds)),
      kv(t('dashboard.memory'), format.bytes(sys.memory_rss_bytes)),
      kv(t('dashboard.adapters'), format.number(sys.adapters_loaded ?? 0)),
      kv(t('dashboard.database'), format.bytes(sys.database_bytes)),
      kv(t('dashboard.version'), sys.version || '–'),
      kv(t('dashboard.startedAt'), format.dateTime(sys.started_at)),
    );
    const parts = stats.breakdown || {};
    replace(
      breakdown,
      ...['endpoints', 'providers', 'models'].map((kind) =>
        card(
          t(`dashboard.by.${kind}`),
          barList(
            (parts[kind] || []).slice(0, 8).map((item) => ({
              label: item.label || item.key,
              value: item.calls ?? 0,
              detail: t('dashboard.tokensDetail', { prompt: format.compact(item.prompt_tokens ?? 0), completion: format.compact(item.completion_tokens ?? 0) }),
            })),
            { formatValue: (value) => t('dashboard.callsCount', { n: format.number(value) }), emptyText: t('dashboard.breakdownEmpty') },
          ),
        ),
      ),
    );
  }

  function kv(label, value, test) {
    return h('div', { class: 'kv', dataset: test ? { test } : undefined }, h('span', { class: 'kv-label', text: label }), h('span', { class: 'kv-value', text: value }));
  }

  async function loadStats() {
    try {
      const stats = await api.get('/stats');
      replace(statusError);
      renderStats(stats);
    } catch (error) {
      replace(statusError, errorBox(error, refresh));
      if (summary.querySelector('.loading')) replace(summary);
    }
  }

  let seriesRequest = 0;
  async function loadSeries() {
    const request = (seriesRequest += 1);
    const range = RANGES[settings.range];
    const to = new Date();
    const from = new Date(to.getTime() - range.ms);
    try {
      const data = await api.get('/stats/timeseries', { from: from.toISOString(), to: to.toISOString(), bucket: range.bucket, group_by: settings.group });
      if (request !== seriesRequest) return;
      replace(chartError);
      drawSeries(data, from, to, range.bucket);
    } catch (error) {
      if (request !== seriesRequest) return;
      replace(chartError, errorBox(error));
      chart.update([], []);
    }
  }

  /** Fills missing buckets with zeros so the x axis is even and gaps show as zero. */
  function drawSeries(data, from, to, bucket) {
    const step = { minute: 60e3, hour: 3600e3, day: 86400e3 }[bucket];
    const start = Math.floor(from.getTime() / step) * step;
    const times = [];
    for (let time = start; time <= to.getTime(); time += step) times.push(new Date(time));
    const index = new Map(times.map((time, position) => [Math.floor(time.getTime() / step), position]));
    const tokensOf = (point) => (point.prompt_tokens || 0) + (point.completion_tokens || 0);
    const series = [];
    const list = data.series || [];
    if (!settings.group) {
      const points = list[0]?.points || [];
      const fields = settings.metric === 'calls' ? [['calls', 'dashboard.metricCalls'], ['errors', 'dashboard.errors']] : [['prompt_tokens', 'dashboard.promptTokens'], ['completion_tokens', 'dashboard.completionTokens'], ['reasoning_tokens', 'dashboard.reasoningTokens']];
      for (const [field, label] of fields) {
        const values = times.map(() => 0);
        for (const point of points) {
          const position = index.get(Math.floor(new Date(point.t).getTime() / step));
          if (position !== undefined) values[position] += point[field] || 0;
        }
        series.push({ label: t(label), values });
      }
    } else {
      for (const item of list.slice(0, 8)) {
        const values = times.map(() => 0);
        for (const point of item.points || []) {
          const position = index.get(Math.floor(new Date(point.t).getTime() / step));
          if (position !== undefined) values[position] += settings.metric === 'calls' ? point.calls || 0 : tokensOf(point);
        }
        series.push({ label: item.label || item.key, values });
      }
    }
    chart.update(series, times);
  }

  async function refresh() {
    await Promise.all([loadStats(), loadSeries()]);
    updated.textContent = t('dashboard.updated', { time: format.time(new Date()) });
  }

  refresh();
  const timer = setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, REFRESH_MS);
  return () => {
    clearInterval(timer);
    chart.destroy();
  };
}
