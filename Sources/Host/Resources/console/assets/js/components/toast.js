/** Short notices in the corner; errors stay longer. */

import { h, icon } from '../core/dom.js';

let region = null;

export function toast(message, kind = 'success') {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  const item = h('div', { class: `toast toast-${kind}` }, icon(kind === 'error' ? 'alert' : 'check'), h('span', { text: message }));
  region.append(item);
  setTimeout(() => {
    item.classList.add('leaving');
    setTimeout(() => item.remove(), 300);
  }, kind === 'error' ? 6000 : 3000);
}
