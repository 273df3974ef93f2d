/** Adapters: the loaded plugins with version, ABI, file and capabilities; refused files with the reason. */

import { h, replace } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import { pageHeader, emptyState, loading, errorBox, badge, code, card } from '../components/ui.js';
import { dataTable } from '../components/table.js';

export function render(root) {
  const body = h('div', {}, loading());
  root.append(pageHeader(t('nav.adapters'), t('adapters.subtitle')), body);

  async function load() {
    try {
      const plugins = await api.get('/plugins');
      replace(
        body,
        h('p', { class: 'muted small folder-line' }, t('adapters.directory'), ' ', code(plugins.directory || '–')),
        card(
          t('adapters.loaded'),
          dataTable({
            rows: plugins.loaded || [],
            rowTest: (row) => `adapter-${row.name}`,
            empty: emptyState(t('adapters.emptyTitle'), t('adapters.emptyHint')),
            columns: [
              { label: t('adapters.name'), primary: true, render: (row) => h('div', {}, h('strong', { text: row.display_name || row.name }), h('div', { class: 'muted small mono', text: row.name })) },
              { label: t('adapters.version'), render: (row) => row.version },
              { label: t('adapters.abi'), render: (row) => code(row.abi_version) },
              { label: t('adapters.file'), render: (row) => h('span', { class: 'mono small', title: row.file, text: String(row.file).split('/').pop() }) },
              { label: t('adapters.capabilities'), render: (row) => h('div', { class: 'badges' }, (row.capabilities || []).map((name) => badge(name, 'info'))) },
              { label: t('adapters.defaultURL'), render: (row) => h('span', { class: 'mono small', text: row.default_base_url || '–' }) },
            ],
          }),
        ),
        card(
          t('adapters.refused'),
          (plugins.refused || []).length
            ? dataTable({ rows: plugins.refused, columns: [{ label: t('adapters.file'), primary: true, render: (row) => h('span', { class: 'mono', text: row.file }) }, { label: t('adapters.reason'), render: (row) => row.reason }] })
            : h('p', { class: 'muted', text: t('adapters.noneRefused') }),
        ),
      );
    } catch (error) {
      replace(body, errorBox(error, load));
    }
  }
  load();
}
