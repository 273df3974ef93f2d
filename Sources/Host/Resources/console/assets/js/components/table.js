/**
 * Data tables. On narrow screens each row becomes a card whose cells show their column label
 * (CSS reads it from `data-label`), so nothing needs horizontal scrolling at 390 px.
 */

import { h } from '../core/dom.js';

/**
 * `columns`: [{ label, render(row) -> node|string, className, primary }]; `rows`: array;
 * `empty`: node shown when there are no rows; `onRowClick(row)` makes rows clickable.
 */
export function dataTable({ columns, rows, empty, onRowClick, rowTest }) {
  if (!rows.length && empty) return empty;
  const head = h('thead', {}, h('tr', {}, columns.map((column) => h('th', { class: column.className, text: column.label }))));
  const body = h(
    'tbody',
    {},
    rows.map((row) => {
      const tr = h(
        'tr',
        { class: onRowClick ? 'clickable' : null, dataset: rowTest ? { test: rowTest(row) } : undefined },
        columns.map((column) =>
          h('td', { class: [column.className, column.primary && 'cell-primary'], 'data-label': column.label }, column.render(row)),
        ),
      );
      if (onRowClick) {
        tr.tabIndex = 0;
        tr.addEventListener('click', (event) => {
          if (event.target.closest('button, a, input, label')) return;
          onRowClick(row);
        });
        tr.addEventListener('keydown', (event) => {
          if (event.key === 'Enter') onRowClick(row);
        });
      }
      return tr;
    }),
  );
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table' }, head, body));
}

/** Previous/next paging with "1–20 of 135". */
export function pager({ page, pageSize, total, onPage, labels }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const from = total ? (page - 1) * pageSize + 1 : 0;
  const to = Math.min(total, page * pageSize);
  return h(
    'div',
    { class: 'pager' },
    h('span', { class: 'pager-info', text: labels.range({ from, to, total }) }),
    h(
      'div',
      { class: 'pager-buttons' },
      h('button', { class: 'button', type: 'button', disabled: page <= 1, text: labels.previous, dataset: { test: 'page-prev' }, onClick: () => onPage(page - 1) }),
      h('span', { class: 'pager-page', text: labels.page({ page, pages }) }),
      h('button', { class: 'button', type: 'button', disabled: page >= pages, text: labels.next, dataset: { test: 'page-next' }, onClick: () => onPage(page + 1) }),
    ),
  );
}
