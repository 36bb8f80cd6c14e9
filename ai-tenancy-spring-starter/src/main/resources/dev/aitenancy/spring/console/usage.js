// Usage and My usage: filters, totals, the chart of calls, tokens and cost per day, keyset pages of
// records and a record's detail; for admins also export, whether texts are kept, and purging old records.
import { api, url } from './api.js';
import { busy, el, errorBox, field, notice, replace, submit, table } from './dom.js';
import { money, num, tokens, usd, when } from './format.js';
import { dailyChart } from './chart.js';

const enc = encodeURIComponent;

/** A record's fields in reading order, with how each is shown; fields not listed follow as they are. */
const DETAIL_FIELDS = [
  ['id', 'Record'], ['status', 'Status'], ['startedAt', 'Started', when], ['finishedAt', 'Finished', when],
  ['userId', 'User'], ['groupId', 'Group'], ['feature', 'Feature'], ['operation', 'Operation'], ['provider', 'Provider'],
  ['model', 'Model'], ['responseModel', 'Model that answered'], ['tier', 'Tier'], ['usage', 'Tokens', tokens],
  ['cost', 'Cost', money], ['billed', 'Billed', money], ['latencyMillis', 'Latency', v => num(v) + ' ms'],
  ['correlationId', 'Correlation id'], ['errorCode', 'Error code'], ['errorMessage', 'Error'],
  ['guardrails', 'Guardrails'], ['toolCalls', 'Tool calls'], ['preferences', 'Preferences'], ['orgId', 'Org'],
];
const TEXT_FIELDS = ['inputText', 'outputText'];

/** The detail of one record in `panel`: every field it has, then its prompt and answer when they were kept. */
async function showRecord(panel, path, id, back) {
  const heading = el('h2', { tabindex: '-1', id: 'record-detail-title' }, 'Record ', el('code', {}, id));
  const close = el('button', { type: 'button', class: 'secondary', id: 'record-detail-close' }, 'Close');
  close.addEventListener('click', () => {
    replace(panel);
    panel.hidden = true;
    if (back && back.isConnected) {
      back.focus();
    }
  });
  panel.hidden = false;
  replace(panel, heading, el('p', { class: 'empty' }, 'Loading…'));
  heading.focus();
  let r;
  try {
    r = await api('GET', `${path}/records/${enc(id)}`);
  } catch (e) {
    replace(panel, heading, errorBox(e), close);
    heading.focus();
    return;
  }
  const known = new Set([...DETAIL_FIELDS.map(([k]) => k), ...TEXT_FIELDS]);
  const rows = [...DETAIL_FIELDS, ...Object.keys(r).filter(k => !known.has(k)).map(k => [k, k])]
    .filter(([k]) => r[k] !== null && r[k] !== undefined && r[k] !== '');
  const text = (title, value, idName) => [el('h3', {}, title), value
    ? el('pre', { class: 'answer', id: idName }, value)
    : el('p', { class: 'empty', id: idName }, 'Not kept: the org stores no prompt and answer texts (see "Stored texts").')];
  replace(panel, heading,
    el('dl', { class: 'facts', id: 'record-detail-fields' }, rows.map(([k, title, show]) => [
      el('dt', {}, title), el('dd', { 'data-field': k }, show ? show(r[k]) : (typeof r[k] === 'object' ? JSON.stringify(r[k]) : String(r[k])))])),
    text('Prompt', r.inputText, 'record-input'), text('Answer', r.outputText, 'record-output'),
    el('div', { class: 'actions' }, close));
  heading.focus(); // moving the heading within the panel took the focus away
}

/** Whether the org's records keep prompt and answer texts (redacted), with a switch. */
function storedTexts(org, section) {
  const state = el('input', { type: 'checkbox', id: 'store-text', name: 'storeText' });
  const result = el('div', { id: 'store-text-result', 'aria-live': 'polite' });
  state.addEventListener('change', () => busy(state, result, async () => {
    const r = await api('PUT', `orgs/${enc(org)}/usage-text`, { body: { storeText: state.checked } });
    state.checked = r.storeText;
    replace(result, notice(r.storeText ? 'The next calls keep their prompt and answer (redacted).'
      : 'The next calls keep no prompt or answer text.'));
  }));
  replace(section, el('h2', {}, 'Stored texts'),
    el('label', { class: 'check' }, state, ' Keep the prompt and answer of each call (redacted) with its record'), result);
  api('GET', `orgs/${enc(org)}/usage-text`).then(r => { state.checked = r.storeText; })
    .catch(e => replace(result, errorBox(e)));
}

/** Purging the org's records that started before a date, after saying how many that is and asking. */
function purge(org, section, purged) {
  const before = el('input', { id: 'purge-before', name: 'before', type: 'date', required: true });
  const start = el('button', { type: 'submit', id: 'purge-start', class: 'danger' }, 'Purge…');
  const confirmBox = el('div', { id: 'purge-confirm-box' });
  const result = el('div', { id: 'purge-result', 'aria-live': 'polite' });
  const form = el('form', { class: 'inline', id: 'purge-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    replace(confirmBox);
    submit(form, start, result, async () => {
      if (!before.value) {
        throw new Error('"before" is required: choose the date before which records go.');
      }
      const day = before.value;
      const count = await api('GET', `orgs/${enc(org)}/usage/totals`, { params: { to: day } });
      const question = el('p', { tabindex: '-1', id: 'purge-question' },
        `Delete ${num(count.requests)} record${count.requests === 1 ? '' : 's'} that started before ${day} 00:00 UTC? `
        + 'This cannot be undone; the daily summaries stay.');
      const yes = el('button', { type: 'button', class: 'danger', id: 'purge-confirm' }, 'Delete them');
      const no = el('button', { type: 'button', class: 'secondary', id: 'purge-cancel' }, 'Cancel');
      no.addEventListener('click', () => { replace(confirmBox); start.focus(); });
      yes.addEventListener('click', () => busy(yes, result, async () => {
        const r = await api('DELETE', `orgs/${enc(org)}/usage`, { params: { before: day } });
        replace(confirmBox);
        replace(result, notice(`Deleted ${num(r.purged)} record${r.purged === 1 ? '' : 's'} that started before ${when(r.before)}.`));
        result.lastChild.id = 'purge-done';
        purged();
      }));
      replace(confirmBox, el('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'purge-question' },
        question, el('div', { class: 'actions' }, yes, no)));
      question.focus();
    }, before);
  } }, field('Purge records that started before', before), el('div', { class: 'actions' }, start));
  replace(section, el('h2', {}, 'Purge old records'),
    el('p', {}, 'Deletes the records, with their texts, for good. You are told how many first.'),
    form, confirmBox, result);
}

export function usagePage(org, out, mine) {
  const root = mine ? `orgs/${enc(org)}/my/usage` : `orgs/${enc(org)}/usage`;
  const input = (name, attrs = {}) => el('input', { id: `filter-${name}`, name, autocomplete: 'off', ...attrs });
  const user = input('user');
  const group = input('group');
  const feature = input('feature');
  const model = input('model');
  const status = el('select', { id: 'filter-status', name: 'status' },
    ['', 'ok', 'error', 'started', 'canceled', 'abandoned'].map(s => el('option', { value: s }, s || 'any')));
  const from = input('from', { type: 'date' });
  const to = input('to', { type: 'date' });
  const size = el('select', { id: 'page-size', name: 'pageSize' }, ['20', '50', '100'].map(s => el('option', { value: s }, s)));
  const apply = el('button', { type: 'submit', id: 'apply-filters' }, 'Show');
  const totals = el('div', { id: 'usage-totals' });
  const list = el('div', { id: 'usage-records' });
  const pager = el('div', { class: 'actions', id: 'usage-pager' });
  const exports = el('p', { class: 'actions', id: 'usage-export' });
  const detail = el('section', { class: 'card', id: 'record-detail', 'aria-live': 'polite', hidden: true });
  const chart = el('section', { class: 'card', id: 'chart-section' });
  const filters = () => ({ user: mine ? null : user.value.trim(), group: mine ? null : group.value.trim(),
    feature: feature.value.trim(), model: model.value.trim(), status: status.value, from: from.value, to: to.value });
  let cursors = [];

  const recordButton = r => {
    const b = el('button', { type: 'button', class: 'link record-id', 'aria-label': `Show record ${r.id}` }, r.id);
    b.addEventListener('click', () => showRecord(detail, root, r.id, b));
    return b;
  };

  const show = cursor => {
    replace(list, el('p', { class: 'empty' }, 'Loading…'));
    const f = filters();
    return Promise.all([api('GET', root, { params: { ...f, pageSize: size.value, cursor } }),
      api('GET', `${root}/totals`, { params: f })]).then(([page, sum]) => {
      replace(totals, el('ul', { class: 'totals' },
        el('li', {}, 'Requests', el('strong', {}, num(sum.requests))),
        el('li', {}, 'Input tokens', el('strong', {}, num(sum.inputTokens))),
        el('li', {}, 'Output tokens', el('strong', {}, num(sum.outputTokens))),
        el('li', {}, 'Cost', el('strong', {}, usd(sum.costUsd))),
        el('li', {}, 'Average latency', el('strong', {}, sum.averageLatencyMillis == null ? '–' : num(Math.round(sum.averageLatencyMillis)) + ' ms'))));
      if (!mine) {
        replace(exports, el('a', { href: url(`${root}/export`, { ...f, format: 'csv' }), id: 'export-csv', download: '' }, 'Export CSV'),
          el('a', { href: url(`${root}/export`, { ...f, format: 'jsonl' }), id: 'export-jsonl', download: '' }, 'Export JSONL'));
      }
      if (page.records.length === 0) {
        replace(list, el('p', { class: 'empty' }, mine ? 'No calls yet: try the playground.'
          : 'No usage matches: widen the filters, or make a call in the playground.'));
      } else {
        replace(list, el('p', { class: 'hint' }, 'Choose a record id to see all of the record.'), table('Usage records', [
          { title: 'Started', cell: r => when(r.startedAt) },
          ...(mine ? [] : [{ title: 'User', cell: r => r.userId }]),
          { title: 'Model', cell: r => (r.provider ? `${r.provider}/${r.model}` : '–') },
          { title: 'Status', cell: r => (r.errorCode ? `${r.status} (${r.errorCode})` : r.status) },
          { title: 'Tokens', num: true, cell: r => tokens(r.usage) },
          { title: 'Cost', num: true, cell: r => money(r.cost) },
          { title: 'Latency', num: true, cell: r => (r.latencyMillis == null ? '–' : num(r.latencyMillis) + ' ms') },
          { title: 'Record', cell: recordButton },
        ], page.records));
      }
      const buttons = [];
      if (cursors.length > 0) {
        buttons.push(el('button', { type: 'button', class: 'secondary', onclick: () => { cursors = []; show(null); } }, 'First page'));
      }
      if (page.nextCursor) {
        buttons.push(el('button', { type: 'button', id: 'next-page', onclick: () => { cursors.push(page.nextCursor); show(page.nextCursor); } },
          'Next page'));
      }
      replace(pager, buttons);
    }).catch(e => {
      replace(list, errorBox(e));
      replace(pager);
    });
  };
  const refresh = () => {
    cursors = [];
    show(null);
    dailyChart(root, chart, from.value, to.value, mine);
  };

  const form = el('form', { class: 'inline', onsubmit: e => {
    e.preventDefault();
    refresh();
  } }, mine ? null : field('User', user), mine ? null : field('Group', group), field('Feature', feature),
  field('Model', model), field('Status', status), field('From', from), field('To', to), field('Page size', size), apply);
  out.append(...[el('section', { class: 'card' }, el('h2', {}, 'Filters'), form), totals, chart,
    el('section', { class: 'card' }, el('h2', {}, mine ? 'My calls' : 'Calls'), list, pager, exports), detail].filter(Boolean));
  if (!mine) {
    const texts = el('section', { class: 'card', id: 'store-text-section' });
    const old = el('section', { class: 'card', id: 'purge-section' });
    out.append(texts, old);
    storedTexts(org, texts);
    purge(org, old, refresh);
  }
  refresh();
}
