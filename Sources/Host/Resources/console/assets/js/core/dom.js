/**
 * Tiny DOM helpers. Every element is built with createElement and text nodes, never from HTML strings,
 * so data from the server cannot inject markup, and no inline script or style is ever needed (the
 * Content-Security-Policy forbids both).
 */

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS = new URL('../../icons.svg', import.meta.url).pathname;

/**
 * Creates an element. `props`: `class`, `text`, `on<Event>` handlers, `dataset`, `hidden`, `value`,
 * `checked`, `disabled` and any other key as an attribute (null/false leave it out).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  applyProps(element, props);
  append(element, children);
  return element;
}

/** Creates an SVG element with attributes. */
export function s(tag, attrs = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') element.setAttribute('class', value);
    else if (key === 'text') element.textContent = value;
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

function applyProps(element, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') element.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2).toLowerCase(), value);
    else if (['value', 'checked', 'disabled', 'hidden', 'selected', 'open', 'multiple', 'readOnly', 'required'].includes(key)) element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
}

/** Appends children: nodes, strings (as text), arrays (flattened); null/false/undefined are skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Removes every child, then appends `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** An icon from the sprite, drawn in the current text colour. */
export function icon(name, extraClass = '') {
  const svg = s('svg', { class: `icon ${extraClass}`.trim(), 'aria-hidden': 'true', focusable: 'false' });
  svg.append(s('use', { href: `${ICONS}#${name}` }));
  return svg;
}

/** Copies text to the clipboard, with a fallback for browsers without the async clipboard API. */
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      /* fall through to the selection fallback */
    }
  }
  const area = h('textarea', { class: 'offscreen', readonly: true, value: text });
  document.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = document.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  return copied;
}
