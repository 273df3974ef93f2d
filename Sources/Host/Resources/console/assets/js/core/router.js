/**
 * Hash router: `#/logs?page=2` -> route `/logs` with query {page: "2"}. Hash URLs need no server-side
 * fallback, and no console route can collide with an endpoint path.
 */

export function parseHash(hash = location.hash) {
  const text = hash.replace(/^#/, '') || '/';
  const [path, search = ''] = text.split('?');
  return { path: path.startsWith('/') ? path : `/${path}`, query: Object.fromEntries(new URLSearchParams(search)) };
}

/** Navigates to `path` with `query`; `replace` does not add a history entry. */
export function navigate(path, query = {}, replace = false) {
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== '' && value != null)).toString();
  const hash = `#${path}${search ? `?${search}` : ''}`;
  if (location.hash === hash) return;
  if (replace) {
    history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = hash;
  }
}

/** Updates the query of the current route without re-rendering the page (filters, paging). */
export function setQuery(query) {
  const { path } = parseHash();
  const search = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== '' && value != null)).toString();
  history.replaceState(null, '', `#${path}${search ? `?${search}` : ''}`);
}

export function onRouteChange(handler) {
  window.addEventListener('hashchange', () => handler(parseHash()));
}
