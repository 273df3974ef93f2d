/** Small shared pieces: page header, empty state, loading, error box, badges, switches, buttons. */

import { h, icon } from '../core/dom.js';
import { t } from '../core/i18n.js';

export function pageHeader(title, subtitle, ...actions) {
  return h(
    'div',
    { class: 'page-header' },
    h('div', { class: 'page-heading' }, h('h1', { text: title }), subtitle ? h('p', { class: 'page-subtitle', text: subtitle }) : null),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

export function button(label, { kind = '', iconName, onClick, type = 'button', test, disabled } = {}) {
  return h(
    'button',
    { class: ['button', kind && `button-${kind}`], type, onClick, disabled, dataset: test ? { test } : undefined },
    iconName ? icon(iconName) : null,
    h('span', { text: label }),
  );
}

export function iconButton(name, label, onClick, test) {
  return h('button', { class: 'icon-button', type: 'button', title: label, 'aria-label': label, onClick, dataset: test ? { test } : undefined }, icon(name));
}

/** What an empty list shows: what it is for and what to do next. */
export function emptyState(title, hint, action) {
  return h('div', { class: 'empty-state' }, icon('inbox', 'empty-icon'), h('h3', { text: title }), hint ? h('p', { text: hint }) : null, action || null);
}

export function loading(label) {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), h('span', { text: label || t('common.loading') }));
}

/** An error message box; `error` may be an ApiError. */
export function errorBox(error, retry) {
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert' },
    icon('alert'),
    h('div', { class: 'alert-text' }, h('strong', { text: t('common.error') }), h('span', { text: errorMessage(error) })),
    retry ? button(t('common.retry'), { onClick: retry, iconName: 'refresh' }) : null,
  );
}

/** A readable message for any error: the server's message, else a translated generic one. */
export function errorMessage(error) {
  if (!error) return t('error.unknown');
  if (error.code === 'network_error') return t('error.network');
  if (error.code === 'forbidden') return t('error.forbidden');
  if (error.message) return error.message;
  return t('error.status', { status: error.status ?? '?' });
}

export function badge(text, kind = 'neutral', title) {
  return h('span', { class: `badge badge-${kind}`, text, title });
}

/** A toggle switch; `onChange(checked)` may return a promise (the switch is disabled meanwhile). */
export function toggle(checked, label, onChange, test) {
  const input = h('input', { type: 'checkbox', role: 'switch', checked, 'aria-label': label, dataset: test ? { test } : undefined });
  input.addEventListener('change', async () => {
    input.disabled = true;
    try {
      await onChange(input.checked);
    } catch {
      input.checked = !input.checked;
    } finally {
      input.disabled = false;
    }
  });
  return h('label', { class: 'switch', title: label }, input, h('span', { class: 'switch-track' }));
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', { class: 'card-title', text: title }) : null, children);
}

export function code(text) {
  return h('code', { class: 'mono', text });
}
