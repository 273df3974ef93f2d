/** Number, size, duration and date formatting in the current language. */

import { currentLanguage, t } from './i18n.js';

export function number(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return new Intl.NumberFormat(currentLanguage()).format(value);
}

/** 1234567 -> "1.2M" (en) / "123.5万" (zh-CN). */
export function compact(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return new Intl.NumberFormat(currentLanguage(), { notation: 'compact', maximumFractionDigits: 1 }).format(value);
}

export function percent(part, whole) {
  if (!whole) return '0%';
  return new Intl.NumberFormat(currentLanguage(), { style: 'percent', maximumFractionDigits: 1 }).format(part / whole);
}

export function bytes(value) {
  if (value === null || value === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(currentLanguage(), { maximumFractionDigits: unit ? 1 : 0 }).format(size)} ${units[unit]}`;
}

/** Milliseconds: "850 ms", "1.25 s", "2 min 5 s". */
export function millis(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60000) return `${(value / 1000).toFixed(2)} s`;
  return seconds(value / 1000);
}

/** Seconds as "3 d 4 h", "5 h 2 min", "2 min 5 s". */
export function seconds(value) {
  if (value === null || value === undefined) return '–';
  const total = Math.floor(value);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  const parts = [];
  if (days) parts.push(t('unit.days', { n: days }));
  if (hours) parts.push(t('unit.hours', { n: hours }));
  if (minutes && !days) parts.push(t('unit.minutes', { n: minutes }));
  if (!days && !hours) parts.push(t('unit.seconds', { n: secs }));
  return parts.slice(0, 2).join(' ');
}

export function dateTime(value) {
  if (!value) return '–';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '–';
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium', timeStyle: 'medium' }).format(date);
}

export function date(value) {
  if (!value) return '–';
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return '–';
  return new Intl.DateTimeFormat(currentLanguage(), { dateStyle: 'medium' }).format(parsed);
}

export function time(value) {
  return new Intl.DateTimeFormat(currentLanguage(), { timeStyle: 'medium' }).format(new Date(value));
}

/** "5 minutes ago" / "5分钟前". */
export function relative(value) {
  if (!value) return t('common.never');
  const diff = (new Date(value).getTime() - Date.now()) / 1000;
  const format = new Intl.RelativeTimeFormat(currentLanguage(), { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60) return format.format(Math.round(diff), 'second');
  if (abs < 3600) return format.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return format.format(Math.round(diff / 3600), 'hour');
  return format.format(Math.round(diff / 86400), 'day');
}

/** A `datetime-local` input value for a Date (local time, minutes). */
export function toLocalInput(value) {
  const d = new Date(value);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
