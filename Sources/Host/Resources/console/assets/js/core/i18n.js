/**
 * Messages in two languages. Every visible string goes through `t(key)`; the catalogues live in
 * `assets/i18n/<language>.json` with the same keys (a test checks that).
 */

export const LANGUAGES = [
  { code: 'en', label: 'English' },
  { code: 'zh-CN', label: '简体中文' },
];
const STORAGE_KEY = 'gateway.language';
const catalogues = new Map();
let language = 'en';

/** The language to start with: the saved choice, else the browser's (Chinese variants -> zh-CN). */
export function detectLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.some((item) => item.code === saved)) return saved;
  const preferred = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const tag of preferred) {
    if (String(tag).toLowerCase().startsWith('zh')) return 'zh-CN';
    if (String(tag).toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

async function load(code) {
  if (!catalogues.has(code)) {
    const response = await fetch(new URL(`../../i18n/${code}.json`, import.meta.url));
    if (!response.ok) throw new Error(`cannot load the ${code} messages (${response.status})`);
    catalogues.set(code, await response.json());
  }
  return catalogues.get(code);
}

/** Loads the catalogue for `code` and makes it current; `remember` saves the choice. */
export async function setLanguage(code, remember = false) {
  await load(code);
  language = code;
  document.documentElement.lang = code;
  if (remember) localStorage.setItem(STORAGE_KEY, code);
  document.title = t('app.title');
  window.dispatchEvent(new CustomEvent('languagechange'));
}

export function currentLanguage() {
  return language;
}

/** The message for `key` with `{name}` placeholders filled from `params`; the key itself when missing. */
export function t(key, params = {}) {
  const catalogue = catalogues.get(language) || {};
  const text = catalogue[key] ?? catalogues.get('en')?.[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** True when the current catalogue has `key` (for optional, server-provided codes). */
export function has(key) {
  return key in (catalogues.get(language) || {});
}
