/** Modal dialogs on the native <dialog> element: plain, confirmation and form dialogs. */

import { h, icon } from '../core/dom.js';
import { t } from '../core/i18n.js';

/**
 * Opens a modal. `content` is a node; `actions` a list of buttons (or nodes). Returns `{ dialog, close, body }`.
 * `onClose` runs once, however the dialog is closed (button, Escape).
 */
export function openDialog({ title, content, actions = [], wide = false, onClose }) {
  const body = h('div', { class: 'dialog-body' }, content);
  const closeButton = h('button', { class: 'icon-button', type: 'button', 'aria-label': t('common.close'), onClick: () => close() }, icon('x'));
  const dialog = h(
    'dialog',
    { class: ['dialog', wide && 'dialog-wide'] },
    h('header', { class: 'dialog-header' }, h('h2', { text: title }), closeButton),
    body,
    actions.length ? h('footer', { class: 'dialog-footer' }, actions) : null,
  );
  let closed = false;
  function close() {
    if (closed) return;
    closed = true;
    if (dialog.open) dialog.close();
    dialog.remove();
    if (onClose) onClose();
  }
  dialog.addEventListener('close', close);
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close, body };
}

/** Asks before a destructive action; resolves to true when confirmed. */
export function confirmDialog({ title, message, confirmLabel, danger = true }) {
  return new Promise((resolve) => {
    let answer = false;
    const confirm = h('button', {
      class: ['button', danger ? 'button-danger' : 'button-primary'],
      type: 'button',
      text: confirmLabel || t('common.confirm'),
      dataset: { test: 'confirm' },
      onClick: () => {
        answer = true;
        handle.close();
      },
    });
    const cancel = h('button', { class: 'button', type: 'button', text: t('common.cancel'), onClick: () => handle.close() });
    const handle = openDialog({
      title,
      content: h('p', { class: 'confirm-message', text: message }),
      actions: [cancel, confirm],
      onClose: () => resolve(answer),
    });
    confirm.focus();
  });
}
