/**
 * Forms that check their input before sending and show the server's field errors next to the field.
 *
 * Field types: text, password, email, url, number, select, textarea, switch, checkboxes, datetime,
 * lines (one item per line -> array), json (an object). Every field may have `required`, `minLength`,
 * `maxLength`, `min`, `max`, `pattern` ({ regex, message }) and `validate(value, values)`.
 */

import { h, icon } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { ApiError } from '../core/api.js';
import { errorMessage } from './ui.js';

let counter = 0;

export function createForm({ fields, values = {}, submitLabel, onSubmit, onCancel, cancelLabel, test, aliases = {} }) {
  const id = `form${(counter += 1)}`;
  const controls = new Map();
  const formError = h('div', { class: 'alert alert-error form-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'button button-primary', type: 'submit', dataset: { test: 'submit' } }, h('span', { class: 'spinner spinner-small', hidden: true }), h('span', { text: submitLabel || t('common.save') }));
  const form = h('form', { class: 'form', novalidate: true, dataset: test ? { test } : undefined });

  for (const field of fields) {
    const control = buildControl(field, values[field.name], `${id}-${field.name}`);
    controls.set(field.name, control);
    form.append(control.wrapper);
  }
  form.append(formError);
  form.append(
    h(
      'div',
      { class: 'form-actions' },
      onCancel ? h('button', { class: 'button', type: 'button', text: cancelLabel || t('common.cancel'), onClick: onCancel }) : null,
      submit,
    ),
  );

  function read() {
    const result = {};
    for (const field of fields) result[field.name] = controls.get(field.name).read();
    return result;
  }

  function clearErrors() {
    formError.hidden = true;
    formError.replaceChildren();
    for (const control of controls.values()) control.setError(null);
  }

  function validateAll(current) {
    let first = null;
    for (const field of fields) {
      const control = controls.get(field.name);
      if (control.wrapper.hidden) continue;
      const problem = control.problem ?? validate(field, current[field.name], current);
      control.setError(problem);
      if (problem && !first) first = control;
    }
    if (first) first.focus();
    return !first;
  }

  /** Shows an ApiError's field errors next to the fields; other errors above the buttons. */
  function showError(error) {
    const unmatched = [];
    if (error instanceof ApiError && Object.keys(error.fields).length) {
      for (const [name, message] of Object.entries(error.fields)) {
        const control = controls.get(aliases[name] || name) || controls.get(String(name).split(/[.[]/)[0]);
        if (control && !control.wrapper.hidden) control.setError(message);
        else unmatched.push(`${name}: ${message}`);
      }
      const first = [...controls.values()].find((control) => control.hasError());
      if (first) first.focus();
      if (!unmatched.length) return;
    }
    formError.replaceChildren(icon('alert'), h('span', { text: unmatched.length ? unmatched.join('; ') : errorMessage(error) }));
    formError.hidden = false;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors();
    const current = read();
    if (!validateAll(current)) return;
    submit.disabled = true;
    submit.firstChild.hidden = false;
    try {
      await onSubmit(current, api);
    } catch (error) {
      showError(error);
    } finally {
      submit.disabled = false;
      submit.firstChild.hidden = true;
    }
  });

  form.addEventListener('input', () => {
    for (const field of fields) {
      const control = controls.get(field.name);
      if (field.visible) control.wrapper.hidden = !field.visible(read());
    }
  });
  for (const field of fields) if (field.visible) controls.get(field.name).wrapper.hidden = !field.visible(read());

  const api = {
    element: form,
    read,
    showError,
    control: (name) => controls.get(name),
    setValue: (name, value) => controls.get(name).write(value),
    setOptions: (name, options) => controls.get(name).setOptions(options),
    focus: () => [...controls.values()][0]?.focus(),
  };
  return api;
}

/** The first rule `value` breaks, as a message; null when it is fine. */
function validate(field, value, values) {
  const empty = value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length);
  if (field.required && empty) return t('validation.required');
  if (!empty && typeof value === 'string') {
    if (field.minLength && value.length < field.minLength) return t('validation.minLength', { n: field.minLength });
    if (field.maxLength && value.length > field.maxLength) return t('validation.maxLength', { n: field.maxLength });
    if (field.type === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) return t('validation.email');
    if (field.type === 'url' && !/^https?:\/\/[^\s/?#]+[^\s?#]*$/i.test(value)) return t('validation.url');
    if (field.pattern && !field.pattern.regex.test(value)) return field.pattern.message;
  }
  if (!empty && field.type === 'number') {
    if (Number.isNaN(value)) return t('validation.number');
    if (field.min !== undefined && value < field.min) return t('validation.min', { n: field.min });
    if (field.max !== undefined && value > field.max) return t('validation.max', { n: field.max });
  }
  if (field.validate) return field.validate(value, values) || null;
  return null;
}

function buildControl(field, initial, id) {
  const errorNode = h('div', { class: 'field-error', id: `${id}-error`, hidden: true, dataset: { test: `error-${field.name}` } });
  const hint = field.hint ? h('div', { class: 'field-hint', text: field.hint }) : null;
  let input;
  let read;
  let write;
  let setOptions = () => {};
  let problem = null;
  const common = { id, name: field.name, 'aria-describedby': `${id}-error`, dataset: { field: field.name } };

  switch (field.type) {
    case 'select': {
      input = h('select', { ...common, class: 'input' });
      setOptions = (options) => {
        const previous = input.value;
        input.replaceChildren(...options.map((option) => h('option', { value: option.value, text: option.label })));
        if (options.some((option) => String(option.value) === previous)) input.value = previous;
      };
      setOptions(field.options || []);
      read = () => input.value;
      write = (value) => {
        input.value = value ?? '';
      };
      break;
    }
    case 'textarea':
    case 'lines':
    case 'json': {
      input = h('textarea', { ...common, class: ['input', (field.mono || field.type === 'json') && 'mono'], rows: field.rows || 4, placeholder: field.placeholder });
      read = () => {
        if (field.type === 'lines') return input.value.split(/[\n,]/).map((line) => line.trim()).filter(Boolean);
        if (field.type === 'json') {
          problem = null;
          const text = input.value.trim();
          if (!text) return {};
          try {
            const parsed = JSON.parse(text);
            if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) problem = t('validation.jsonObject');
            return parsed;
          } catch {
            problem = t('validation.json');
            return null;
          }
        }
        return input.value;
      };
      write = (value) => {
        if (field.type === 'lines') input.value = (value || []).join('\n');
        else if (field.type === 'json') input.value = value && Object.keys(value).length ? JSON.stringify(value, null, 2) : '';
        else input.value = value ?? '';
      };
      break;
    }
    case 'switch': {
      input = h('input', { ...common, type: 'checkbox', role: 'switch' });
      read = () => input.checked;
      write = (value) => {
        input.checked = Boolean(value);
      };
      break;
    }
    case 'checkboxes': {
      input = h('div', { class: 'checkbox-list', id, role: 'group', 'aria-describedby': `${id}-error`, dataset: { field: field.name } });
      setOptions = (options) => {
        const selected = new Set(read ? read() : []);
        input.replaceChildren(
          ...(options.length
            ? options.map((option) =>
                h('label', { class: 'checkbox' }, h('input', { type: 'checkbox', value: String(option.value), checked: selected.has(String(option.value)) }), h('span', { text: option.label })),
              )
            : [h('span', { class: 'muted', text: field.emptyText || '' })]),
        );
      };
      read = () => [...input.querySelectorAll('input:checked')].map((box) => box.value);
      write = (value) => {
        const wanted = new Set((value || []).map(String));
        input.querySelectorAll('input').forEach((box) => {
          box.checked = wanted.has(box.value);
        });
      };
      setOptions(field.options || []);
      break;
    }
    case 'number': {
      input = h('input', { ...common, class: 'input', type: 'number', inputmode: 'decimal', step: field.step || 'any', placeholder: field.placeholder });
      read = () => (input.value.trim() === '' ? null : Number(input.value));
      write = (value) => {
        input.value = value ?? '';
      };
      break;
    }
    case 'datetime': {
      input = h('input', { ...common, class: 'input', type: 'datetime-local' });
      read = () => (input.value ? new Date(input.value).toISOString().replace(/\.\d{3}Z$/, 'Z') : null);
      write = (value) => {
        if (!value) {
          input.value = '';
          return;
        }
        const d = new Date(value);
        const pad = (n) => String(n).padStart(2, '0');
        input.value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      };
      break;
    }
    default: {
      input = h('input', {
        ...common,
        class: ['input', field.mono && 'mono'],
        type: field.type === 'url' ? 'text' : field.type || 'text',
        placeholder: field.placeholder,
        autocomplete: field.autocomplete || 'off',
        spellcheck: 'false',
      });
      read = () => (field.type === 'password' ? input.value : input.value.trim());
      write = (value) => {
        input.value = value ?? '';
      };
    }
  }
  write(initial ?? field.default);

  const label = h('label', { class: 'field-label', for: id }, field.label, field.required ? h('span', { class: 'required', text: ' *', 'aria-hidden': 'true' }) : null);
  const wrapper =
    field.type === 'switch'
      ? h('div', { class: ['field', 'field-switch', field.width === 'half' && 'field-half'] }, h('label', { class: 'switch-row', for: id }, h('span', { class: 'switch' }, input, h('span', { class: 'switch-track' })), h('span', { text: field.label })), hint, errorNode)
      : h('div', { class: ['field', field.width === 'half' && 'field-half'] }, label, input, hint, errorNode);

  return {
    wrapper,
    read,
    write,
    setOptions,
    get problem() {
      return problem;
    },
    focus: () => (input.focus ? input.focus() : null),
    hasError: () => !errorNode.hidden,
    setError(message) {
      errorNode.textContent = message || '';
      errorNode.hidden = !message;
      wrapper.classList.toggle('has-error', Boolean(message));
      if (input.setAttribute) input.setAttribute('aria-invalid', message ? 'true' : 'false');
    },
  };
}
