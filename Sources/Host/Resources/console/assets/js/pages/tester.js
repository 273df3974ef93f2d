/**
 * API tester: calls an endpoint's proxy route from the browser with a client key, like any client
 * would. Streams are read with fetch + ReadableStream and shown token by token; reasoning goes to a
 * collapsible panel; Stop aborts the fetch, which closes the connection, and the gateway then cancels
 * the upstream request.
 */

import { h, replace, icon } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api } from '../core/api.js';
import * as format from '../core/format.js';
import { pageHeader, button, card, badge } from '../components/ui.js';
import { rememberedKeys } from './tester-keys.js';

const PASTE = '__paste__';

export function render(root, { query }) {
  let endpoints = [];
  let controller = null;

  // --- request side -----------------------------------------------------------------------------
  const endpointSelect = h('select', { class: 'input', id: 'tester-endpoint', dataset: { test: 'tester-endpoint' } });
  const endpointPath = h('input', { class: 'input mono', id: 'tester-path', placeholder: '/team/chat', hidden: true, dataset: { test: 'tester-path' } });
  const keys = rememberedKeys();
  const keySelect = h(
    'select',
    { class: 'input', id: 'tester-key', dataset: { test: 'tester-key' } },
    keys.map((key) => h('option', { value: key.id, text: `${key.name} (${key.prefix}…)`, selected: String(query.key) === key.id })),
    h('option', { value: PASTE, text: t('tester.pasteKey') }),
  );
  const keyInput = h('input', { class: 'input mono', type: 'password', autocomplete: 'off', placeholder: 'gw-...', 'aria-label': t('tester.keyValue'), dataset: { test: 'tester-key-input' } });
  const syncKey = () => {
    keyInput.hidden = keySelect.value !== PASTE;
  };
  keySelect.addEventListener('change', syncKey);
  syncKey();

  const messages = h('div', { class: 'messages', dataset: { test: 'messages' } });
  function addMessage(role = 'user', content = '') {
    const roleSelect = h('select', { class: 'input input-small', 'aria-label': t('tester.role') }, ['system', 'user', 'assistant'].map((value) => h('option', { value, text: t(`tester.role.${value}`), selected: value === role })));
    const text = h('textarea', { class: 'input', rows: 3, value: content, placeholder: t('tester.messagePlaceholder'), 'aria-label': t('tester.content') });
    const row = h('div', { class: 'message-row' }, h('div', { class: 'message-head' }, roleSelect, h('button', { class: 'icon-button', type: 'button', title: t('tester.removeMessage'), 'aria-label': t('tester.removeMessage'), onClick: () => { if (messages.children.length > 1) row.remove(); } }, icon('x'))), text);
    row.read = () => ({ role: roleSelect.value, content: text.value });
    messages.append(row);
    return row;
  }
  addMessage('user', t('tester.defaultMessage'));

  const model = h('input', { class: 'input mono', id: 'tester-model', placeholder: t('tester.modelDefault'), dataset: { test: 'tester-model' } });
  const temperature = h('input', { class: 'input', id: 'tester-temperature', type: 'number', min: 0, max: 2, step: 0.1, placeholder: '1.0' });
  const maxTokens = h('input', { class: 'input', id: 'tester-max-tokens', type: 'number', min: 1, step: 1, placeholder: '–' });
  const stream = h('input', { type: 'checkbox', id: 'tester-stream', role: 'switch', checked: true, dataset: { test: 'tester-stream' } });
  const requestError = h('div', { class: 'field-error', hidden: true, dataset: { test: 'tester-error-input' } });
  const send = button(t('tester.send'), { kind: 'primary', iconName: 'play', test: 'tester-send', type: 'submit' });
  const stop = button(t('tester.stop'), { kind: 'danger', iconName: 'stop', test: 'tester-stop', onClick: () => controller?.abort() });
  stop.disabled = true;

  const field = (label, control, forId) => h('div', { class: 'field' }, h('label', { class: 'field-label', for: forId, text: label }), control);
  const requestForm = h(
    'form',
    { class: 'stack', novalidate: true },
    h('div', { class: 'form-grid' }, field(t('tester.endpoint'), h('div', {}, endpointSelect, endpointPath), 'tester-endpoint'), field(t('tester.key'), h('div', { class: 'stack-tight' }, keySelect, keyInput), 'tester-key')),
    h('div', { class: 'field' }, h('div', { class: 'field-label', text: t('tester.messages') }), messages, h('button', { class: 'link-button', type: 'button', onClick: () => addMessage('user', '').querySelector('textarea').focus() }, icon('plus'), t('tester.addMessage'))),
    h('details', { class: 'params' }, h('summary', { text: t('tester.parameters') }), h('div', { class: 'form-grid three' }, field(t('tester.model'), model, 'tester-model'), field(t('tester.temperature'), temperature, 'tester-temperature'), field(t('tester.maxTokens'), maxTokens, 'tester-max-tokens'))),
    h('label', { class: 'switch-row', for: 'tester-stream' }, h('span', { class: 'switch' }, stream, h('span', { class: 'switch-track' })), h('span', { text: t('tester.stream') })),
    requestError,
    h('div', { class: 'form-actions' }, stop, send),
  );
  requestForm.addEventListener('submit', (event) => {
    event.preventDefault();
    run();
  });

  // --- response side ----------------------------------------------------------------------------
  const status = h('span', { dataset: { test: 'tester-status' } }, badge(t('tester.idle'), 'neutral'));
  const ttft = h('span', { class: 'metric-value', text: '–', dataset: { test: 'tester-ttft' } });
  const total = h('span', { class: 'metric-value', text: '–', dataset: { test: 'tester-total' } });
  const usage = h('span', { class: 'metric-value', text: '–', dataset: { test: 'tester-usage' } });
  const requestID = h('span', { class: 'muted small mono', dataset: { test: 'tester-request-id' } });
  const reasoningText = document.createTextNode('');
  const reasoning = h('details', { class: 'reasoning', hidden: true, open: true, dataset: { test: 'tester-reasoning' } }, h('summary', { text: t('tester.reasoning') }), h('pre', { class: 'reasoning-text' }, reasoningText));
  const answerText = document.createTextNode('');
  const answer = h('pre', { class: 'answer', dataset: { test: 'tester-answer' } }, answerText);
  const placeholder = h('p', { class: 'muted answer-placeholder', text: t('tester.answerPlaceholder') });
  const errorArea = h('div', { dataset: { test: 'tester-error' } });
  const metric = (label, value) => h('div', { class: 'metric' }, h('span', { class: 'metric-label', text: label }), value);

  root.append(
    pageHeader(t('nav.tester'), t('tester.subtitle')),
    h(
      'div',
      { class: 'tester' },
      card(t('tester.request'), requestForm),
      card(
        t('tester.response'),
        h('div', { class: 'metrics' }, metric(t('common.status'), status), metric(t('tester.ttft'), ttft), metric(t('tester.total'), total), metric(t('tester.usage'), usage)),
        requestID,
        errorArea,
        reasoning,
        placeholder,
        answer,
      ),
    ),
  );

  async function loadEndpoints() {
    try {
      const list = await api.get('/user/endpoints');
      endpoints = (list.data || []).filter((endpoint) => endpoint.enabled !== false);
    } catch {
      endpoints = [];
    }
    if (!endpoints.length) {
      endpointSelect.hidden = true;
      endpointPath.hidden = false;
      return;
    }
    replace(endpointSelect, ...endpoints.map((endpoint) => h('option', { value: endpoint.path, text: `${endpoint.path}${endpoint.name ? ` — ${endpoint.name}` : ''}` })));
    const preferred = endpoints.find((endpoint) => endpoint.path === query.endpoint);
    if (preferred) endpointSelect.value = preferred.path;
    syncModel();
  }
  const syncModel = () => {
    const endpoint = endpoints.find((item) => item.path === endpointSelect.value);
    model.placeholder = endpoint ? endpoint.model : t('tester.modelDefault');
  };
  endpointSelect.addEventListener('change', syncModel);

  function setStatus(text, kind) {
    replace(status, badge(text, kind));
  }

  function resetOutput() {
    answerText.data = '';
    reasoningText.data = '';
    reasoning.hidden = true;
    placeholder.hidden = false;
    replace(errorArea);
    ttft.textContent = '–';
    total.textContent = '–';
    usage.textContent = '–';
    requestID.textContent = '';
  }

  function showError(title, detail) {
    replace(errorArea, h('div', { class: 'alert alert-error', role: 'alert' }, icon('alert'), h('div', { class: 'alert-text' }, h('strong', { text: title }), detail ? h('span', { text: detail }) : null)));
  }

  function inputProblem(path, key, list) {
    if (!path || !path.startsWith('/')) return t('tester.needEndpoint');
    if (!key) return t('tester.needKey');
    if (!list.some((message) => message.content.trim())) return t('tester.needMessage');
    const temp = temperature.value === '' ? null : Number(temperature.value);
    if (temp !== null && (Number.isNaN(temp) || temp < 0 || temp > 2)) return t('tester.badTemperature');
    const max = maxTokens.value === '' ? null : Number(maxTokens.value);
    if (max !== null && (!Number.isInteger(max) || max < 1)) return t('tester.badMaxTokens');
    return null;
  }

  function showUsage(value) {
    if (!value) return;
    const parts = [t('tester.usageDetail', { prompt: format.number(value.prompt_tokens ?? 0), completion: format.number(value.completion_tokens ?? 0) })];
    const reasoningTokens = value.completion_tokens_details?.reasoning_tokens;
    if (reasoningTokens) parts.push(t('tester.usageReasoning', { n: format.number(reasoningTokens) }));
    usage.textContent = parts.join(' · ');
  }

  async function run() {
    const path = endpointSelect.hidden ? endpointPath.value.trim() : endpointSelect.value;
    const key = keySelect.value === PASTE ? keyInput.value.trim() : keys.find((item) => item.id === keySelect.value)?.key;
    const list = [...messages.children].map((row) => row.read()).filter((message) => message.content.trim());
    const problem = inputProblem(path, key, list);
    requestError.textContent = problem || '';
    requestError.hidden = !problem;
    if (problem) return;

    const body = { messages: list, stream: stream.checked };
    if (stream.checked) body.stream_options = { include_usage: true };
    if (model.value.trim()) body.model = model.value.trim();
    if (temperature.value !== '') body.temperature = Number(temperature.value);
    if (maxTokens.value !== '') body.max_tokens = Number(maxTokens.value);

    resetOutput();
    controller = new AbortController();
    send.disabled = true;
    stop.disabled = false;
    setStatus(t('tester.waiting'), 'info');
    const started = performance.now();
    let firstToken = null;
    const markFirst = () => {
      if (firstToken === null) {
        firstToken = performance.now() - started;
        ttft.textContent = format.millis(firstToken);
        placeholder.hidden = true;
      }
    };
    const appendDelta = (delta) => {
      if (!delta) return;
      if (delta.reasoning_content) {
        markFirst();
        reasoning.hidden = false;
        reasoningText.appendData(delta.reasoning_content);
      }
      if (delta.content) {
        markFirst();
        answerText.appendData(delta.content);
      }
    };

    try {
      const response = await fetch(`${path}/chat/completions`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', Accept: stream.checked ? 'text/event-stream' : 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
        cache: 'no-store',
      });
      requestID.textContent = response.headers.get('x-request-id') ? t('tester.requestID', { id: response.headers.get('x-request-id') }) : '';
      const contentType = response.headers.get('content-type') || '';
      if (!response.ok) {
        const text = await response.text();
        let message = text;
        try {
          const parsed = JSON.parse(text);
          message = parsed.error?.message || text;
        } catch {
          /* not JSON: show the text */
        }
        setStatus(String(response.status), 'danger');
        showError(t('tester.failed', { status: response.status }), message);
        return;
      }
      setStatus(`${response.status} ${t('tester.receiving')}`, 'info');
      if (contentType.includes('text/event-stream')) {
        await readStream(response, appendDelta, showUsage);
      } else {
        const document = await response.json();
        const choice = document.choices?.[0] || {};
        appendDelta(choice.message || {});
        showUsage(document.usage);
      }
      setStatus(`${response.status} ${t('tester.done')}`, 'success');
    } catch (error) {
      if (error.name === 'AbortError') {
        setStatus(t('tester.stopped'), 'warning');
      } else if (error.streamError) {
        setStatus(t('tester.streamFailed'), 'danger');
        showError(t('tester.streamFailed'), error.message);
      } else {
        setStatus(t('tester.networkError'), 'danger');
        showError(t('tester.networkError'), error.message);
      }
    } finally {
      total.textContent = format.millis(performance.now() - started);
      send.disabled = false;
      stop.disabled = true;
      controller = null;
    }
  }

  loadEndpoints();
  return () => controller?.abort();
}

/** Reads an SSE body event by event, handing each chunk's delta and usage to the callbacks. */
async function readStream(response, onDelta, onUsage) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let boundary;
    while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, '');
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''))
        .join('\n');
      if (!data) continue; // comments (keep-alives)
      if (data === '[DONE]') return;
      let chunk;
      try {
        chunk = JSON.parse(data);
      } catch {
        continue;
      }
      if (chunk.error) {
        const failure = new Error(chunk.error.message || JSON.stringify(chunk.error));
        failure.streamError = true;
        throw failure;
      }
      for (const choice of chunk.choices || []) onDelta(choice.delta);
      if (chunk.usage) onUsage(chunk.usage);
    }
  }
}
