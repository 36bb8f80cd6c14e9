// Limits and budgets: the org's rate-limit policy and its budgets, each with what is spent against it this period.
import { api } from './api.js';
import { busy, el, errorBox, field, notice, replace, submit, table } from './dom.js';
import { num, usd } from './format.js';

const enc = encodeURIComponent;

const RATE_FIELDS = [
  ['userRequestsPerMinute', 'Requests per user per minute'],
  ['ipRequestsPerMinute', 'Requests per IP per minute'],
  ['orgRequestsPerMinute', 'Requests for the org per minute'],
  ['userTokensPerMinute', 'Tokens per user per minute'],
  ['orgTokensPerMinute', 'Tokens for the org per minute'],
  ['userRequestsPerDay', 'Requests per user per day'],
  ['orgRequestsPerDay', 'Requests for the org per day'],
  ['userKeyChecksPerMinute', 'Key checks per admin per minute'],
];

function rateLimits(org, section) {
  const inputs = Object.fromEntries(RATE_FIELDS.map(([name]) =>
    [name, el('input', { id: `rate-${name}`, name, type: 'number', step: '1', inputmode: 'numeric', required: true })]));
  const save = el('button', { type: 'submit', id: 'save-rate-limits' }, 'Save limits');
  const result = el('div', { id: 'rate-result', 'aria-live': 'polite' });
  const form = el('form', { class: 'inline', id: 'rate-limits', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, save, result, async () => {
      const body = Object.fromEntries(RATE_FIELDS.map(([name]) => [name, Number(inputs[name].value)]));
      fill(await api('PUT', `orgs/${enc(org)}/rate-limits`, { body }));
      replace(result, notice('Saved. The new limits apply to the next calls.'));
    });
  } }, RATE_FIELDS.map(([name, label]) => field(label, inputs[name])), el('div', { class: 'actions' }, save));
  const fill = view => {
    for (const [name] of RATE_FIELDS) {
      inputs[name].value = view[name];
    }
  };
  replace(section, el('h2', {}, 'Rate limits'), el('p', {}, 'Per minute unless it says per day; 0 means no limit.'),
    form, result);
  api('GET', `orgs/${enc(org)}/rate-limits`).then(fill).catch(e => replace(result, errorBox(e)));
}

function budgets(org, section) {
  const list = el('div', { id: 'budgets' });
  const result = el('div', { id: 'budget-result', 'aria-live': 'polite' });
  const refresh = async () => {
    replace(list, el('p', { class: 'empty' }, 'Loading…'));
    try {
      const rows = await api('GET', `orgs/${enc(org)}/budgets`);
      if (rows.length === 0) {
        replace(list, el('p', { class: 'empty' }, "No budget yet: add one below to cap this org's spend."));
        return;
      }
      replace(list, table('Budgets', [
        { title: 'Budget', cell: b => b.description },
        { title: 'Kind', cell: b => (b.hard ? 'hard (refuses)' : 'soft (warns)') },
        { title: 'Period since', cell: b => b.periodStart },
        { title: 'Limit', num: true, cell: b => usd(b.limitUsd) },
        { title: 'Spent', num: true, cell: b => el('span', { class: 'budget-spent' }, usd(b.spentUsd)) },
        { title: 'Running', num: true, cell: b => usd(b.reservedUsd) },
        { title: 'Used', cell: b => used(b) },
        { title: 'Actions', cell: b => removeButton(b) },
      ], rows));
    } catch (e) {
      replace(list, errorBox(e));
    }
  };
  const used = b => {
    const limit = Number(b.limitUsd);
    const taken = Number(b.spentUsd) + Number(b.reservedUsd);
    const share = limit > 0 ? Math.min(100, Math.round(taken * 100 / limit)) : 0;
    return el('span', { class: 'used' },
      el('meter', { min: '0', max: String(limit), value: String(Math.min(taken, limit)), high: String(limit * Number(b.alertThreshold)),
        optimum: '0', 'aria-label': `${share}% of ${b.description}` }), ` ${num(share)}%`);
  };
  const removeButton = b => {
    const button = el('button', { type: 'button', class: 'danger', 'aria-label': `Remove the ${b.description}` }, 'Remove');
    button.addEventListener('click', () => {
      if (confirm(`Remove the ${b.description}? What was spent stays recorded.`)) {
        busy(button, result, async () => {
          await api('DELETE', `orgs/${enc(org)}/budgets`, { params: { scope: b.scope, subject: b.subject, period: b.period } });
          replace(result, notice(`Removed the ${b.description}.`));
          refresh();
        });
      }
    });
    return button;
  };

  const scope = el('select', { id: 'budget-scope', name: 'scope' },
    [['ORG', 'the whole org'], ['GROUP', 'a group'], ['USER', 'a user'], ['TIER', 'a tier']].map(([v, t]) => el('option', { value: v }, t)));
  const subject = el('input', { id: 'budget-subject', name: 'subject', placeholder: 'group, user or tier id' });
  const period = el('select', { id: 'budget-period', name: 'period' },
    [['MONTHLY', 'monthly'], ['WEEKLY', 'weekly'], ['DAILY', 'daily']].map(([v, t]) => el('option', { value: v }, t)));
  const limit = el('input', { id: 'budget-limit', name: 'limitUsd', type: 'number', min: '0', step: '0.01', required: true });
  const threshold = el('input', { id: 'budget-threshold', name: 'alertThreshold', type: 'number', min: '0', max: '1', step: '0.05', value: '0.8' });
  const hard = el('input', { id: 'budget-hard', name: 'hard', type: 'checkbox', checked: true });
  const unpriced = el('input', { id: 'budget-unpriced', name: 'allowUnpriced', type: 'checkbox' });
  const add = el('button', { type: 'submit', id: 'save-budget' }, 'Save budget');
  const form = el('form', { class: 'inline', id: 'budget-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, add, result, async () => {
      const body = { scope: scope.value, subject: scope.value === 'ORG' ? null : subject.value.trim(), period: period.value,
        limitUsd: limit.value === '' ? null : limit.value, alertThreshold: threshold.value === '' ? null : threshold.value,
        hard: hard.checked, allowUnpriced: unpriced.checked };
      const saved = await api('PUT', `orgs/${enc(org)}/budgets`, { body });
      replace(result, notice(`Saved the ${saved.description}.`));
      refresh();
    });
  } }, field('For', scope), field('Who (not for the whole org)', subject), field('Period', period),
  field('Limit in USD', limit), field('Alert at (share of the limit)', threshold),
  el('label', { class: 'check' }, hard, ' Hard: refuse calls that might not fit'),
  el('label', { class: 'check' }, unpriced, ' Admit models without a price'), el('div', { class: 'actions' }, add));
  replace(section, el('h2', {}, 'Budgets'), list, result, el('h3', {}, 'Add or change a budget'), form);
  refresh();
}

export function limitsPage(org, out) {
  const rates = el('section', { class: 'card', id: 'rate-section' });
  const money = el('section', { class: 'card', id: 'budget-section' });
  out.append(rates, money);
  rateLimits(org, rates);
  budgets(org, money);
}
