/**
 * Our own small SVG charts: a time-series line chart with axes, grid, legend, a hover tooltip and an
 * empty state, and horizontal bars for breakdowns. They redraw when their container changes size.
 */

import { h, s } from '../core/dom.js';

const COLORS = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6'];

export function seriesColor(index) {
  return COLORS[index % COLORS.length];
}

/** Round numbers for the y axis: 0 .. a "nice" maximum in 4 steps. */
function niceTicks(max, count = 4) {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((candidate) => candidate >= rough) || rough;
  const ticks = [];
  for (let value = 0; value <= max + step * 0.001; value += step) ticks.push(Math.round(value * 1e6) / 1e6);
  if (ticks[ticks.length - 1] < max) ticks.push(ticks[ticks.length - 1] + step);
  return ticks;
}

/**
 * A line chart of `series` ([{ label, values: number[] }]) over `times` (Date[]).
 * Options: `formatY(value)`, `formatX(date)`, `formatTooltipTime(date)`, `emptyText`, `height`.
 * Returns `{ element, update(series, times) }`.
 */
export function lineChart(options) {
  const element = h('div', { class: 'chart' });
  const tooltip = h('div', { class: 'chart-tooltip', hidden: true });
  const legend = h('div', { class: 'chart-legend' });
  const canvas = h('div', { class: 'chart-canvas' });
  element.append(legend, canvas, tooltip);
  let state = { series: [], times: [] };
  let width = 0;

  // Redraw in the next frame, not inside the observer callback, so a redraw that changes the layout
  // cannot start a resize loop.
  let frame = 0;
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const next = Math.floor(canvas.clientWidth);
      if (next && next !== width) {
        width = next;
        draw();
      }
    });
  });
  observer.observe(canvas);

  function draw() {
    const { series, times } = state;
    const height = options.height || 260;
    canvas.replaceChildren();
    legend.replaceChildren(
      ...series.map((item, index) => h('span', { class: 'legend-item' }, h('span', { class: `legend-swatch swatch-${index % COLORS.length}` }), item.label)),
    );
    const total = series.reduce((sum, item) => sum + item.values.reduce((a, b) => a + b, 0), 0);
    if (!times.length || !series.length || total === 0) {
      canvas.append(h('div', { class: 'chart-empty', style: null, text: options.emptyText }));
      canvas.classList.add('is-empty');
      return;
    }
    canvas.classList.remove('is-empty');
    const w = width || canvas.clientWidth || 600;
    const margin = { top: 12, right: 16, bottom: 28, left: 56 };
    const plotW = Math.max(10, w - margin.left - margin.right);
    const plotH = height - margin.top - margin.bottom;
    const max = Math.max(...series.flatMap((item) => item.values));
    const ticks = niceTicks(max);
    const top = ticks[ticks.length - 1] || 1;
    const x = (index) => margin.left + (times.length === 1 ? plotW / 2 : (index / (times.length - 1)) * plotW);
    const y = (value) => margin.top + plotH - (value / top) * plotH;

    const svg = s('svg', { class: 'chart-svg', width: w, height, viewBox: `0 0 ${w} ${height}`, role: 'img', 'aria-label': options.ariaLabel || '' });
    const grid = s('g', { class: 'chart-grid' });
    for (const tick of ticks) {
      grid.append(s('line', { x1: margin.left, x2: margin.left + plotW, y1: y(tick), y2: y(tick) }));
      grid.append(s('text', { class: 'chart-axis-label', x: margin.left - 8, y: y(tick) + 4, 'text-anchor': 'end', text: options.formatY(tick) }));
    }
    svg.append(grid);

    const labelCount = Math.max(2, Math.min(times.length, Math.floor(plotW / 90)));
    const stepIndex = Math.max(1, Math.round((times.length - 1) / (labelCount - 1)));
    const xAxis = s('g', { class: 'chart-x-axis' });
    xAxis.append(s('line', { class: 'chart-axis', x1: margin.left, x2: margin.left + plotW, y1: margin.top + plotH, y2: margin.top + plotH }));
    // Labels are centred on their bucket; the first one sits half a step in so it cannot crowd the second.
    for (let index = times.length > 2 ? Math.floor(stepIndex / 2) : 0; index < times.length; index += stepIndex) {
      xAxis.append(s('text', { class: 'chart-axis-label', x: x(index), y: height - 8, 'text-anchor': times.length > 2 ? 'middle' : 'start', text: options.formatX(times[index]) }));
    }
    svg.append(xAxis);

    series.forEach((item, seriesIndex) => {
      const points = item.values.map((value, index) => `${x(index).toFixed(1)},${y(value).toFixed(1)}`);
      if (seriesIndex === 0 && series.length <= 3) {
        const area = `M${x(0)},${y(0)} L${points.join(' L')} L${x(times.length - 1)},${y(0)} Z`;
        svg.append(s('path', { class: `chart-area stroke-${seriesIndex % COLORS.length}`, d: area }));
      }
      svg.append(s('polyline', { class: `chart-line stroke-${seriesIndex % COLORS.length}`, points: points.join(' ') }));
      if (times.length <= 60) {
        item.values.forEach((value, index) => {
          if (value > 0) svg.append(s('circle', { class: `chart-dot fill-${seriesIndex % COLORS.length}`, cx: x(index), cy: y(value), r: 2.5 }));
        });
      }
    });

    const cursor = s('line', { class: 'chart-cursor', y1: margin.top, y2: margin.top + plotH, x1: 0, x2: 0, visibility: 'hidden' });
    svg.append(cursor);
    const overlay = s('rect', { class: 'chart-overlay', x: margin.left, y: margin.top, width: plotW, height: plotH });
    svg.append(overlay);

    function showTip(clientX) {
      const bounds = svg.getBoundingClientRect();
      const relative = clientX - bounds.left - margin.left;
      const index = times.length === 1 ? 0 : Math.max(0, Math.min(times.length - 1, Math.round((relative / plotW) * (times.length - 1))));
      cursor.setAttribute('x1', x(index));
      cursor.setAttribute('x2', x(index));
      cursor.setAttribute('visibility', 'visible');
      tooltip.replaceChildren(
        h('div', { class: 'tooltip-time', text: options.formatTooltipTime(times[index]) }),
        ...series.map((item, seriesIndex) =>
          h('div', { class: 'tooltip-row' }, h('span', { class: `legend-swatch swatch-${seriesIndex % COLORS.length}` }), h('span', { text: item.label }), h('strong', { text: options.formatValue ? options.formatValue(item.values[index]) : options.formatY(item.values[index]) })),
        ),
      );
      tooltip.hidden = false;
      const left = Math.min(x(index) + 12, w - tooltip.offsetWidth - 4);
      tooltip.style.left = `${Math.max(4, left)}px`;
      tooltip.style.top = `${legend.offsetHeight + margin.top}px`;
    }
    overlay.addEventListener('pointermove', (event) => showTip(event.clientX));
    overlay.addEventListener('pointerdown', (event) => showTip(event.clientX));
    overlay.addEventListener('pointerleave', () => {
      tooltip.hidden = true;
      cursor.setAttribute('visibility', 'hidden');
    });
    canvas.append(svg);
  }

  return {
    element,
    update(series, times) {
      state = { series, times };
      draw();
    },
    destroy() {
      observer.disconnect();
    },
  };
}

/** Horizontal bars: [{ label, value, detail }] scaled to the largest value. */
export function barList(items, { formatValue, emptyText }) {
  if (!items.length) return h('div', { class: 'chart-empty small', text: emptyText });
  const max = Math.max(...items.map((item) => item.value), 1);
  return h(
    'ul',
    { class: 'bar-list' },
    items.map((item, index) => {
      const fill = h('span', { class: `bar-fill fill-bg-${index % COLORS.length}` });
      fill.style.width = `${Math.max(2, (item.value / max) * 100)}%`;
      return h(
        'li',
        { class: 'bar-item' },
        h('div', { class: 'bar-text' }, h('span', { class: 'bar-label', text: item.label, title: item.label }), h('span', { class: 'bar-value', text: formatValue(item.value) })),
        h('div', { class: 'bar-track' }, fill),
        item.detail ? h('div', { class: 'bar-detail', text: item.detail }) : null,
      );
    }),
  );
}
