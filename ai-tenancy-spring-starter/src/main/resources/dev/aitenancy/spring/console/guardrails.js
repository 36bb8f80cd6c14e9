// Guardrails: an org's rules (and, for superadmins, the global ones every org gets), each a rule in its JSON form.
import { api } from './api.js';
import { busy, el, errorBox, field, notice, replace, submit, table } from './dom.js';

const enc = encodeURIComponent;

/** A starting point for each kind of rule, in the endpoints' JSON form. */
const RULES = {
  'content-filter': { type: 'content-filter', blockedTopics: ['salary'], patterns: [], target: 'INPUT' },
  'token-limit': { type: 'token-limit', maxInputTokens: 4000, maxOutputTokens: 500 },
  'rate-limit': { type: 'rate-limit', requestsPerMinute: 10 },
  'budget-limit': { type: 'budget-limit', maxCostPerCallUsd: 0.25 },
  'model-allowlist': { type: 'model-allowlist', models: ['openai/*'] },
  'model-denylist': { type: 'model-denylist', models: ['openai/gpt-4.5-preview'] },
  'output-modifier': { type: 'output-modifier', prefix: '', suffix: ' (AI-generated)' },
  'time-restriction': { type: 'time-restriction', from: '08:00', to: '18:00', days: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'], zone: 'UTC' },
};

/** A rule as one short line: its type, then its settings. */
function summary(rule) {
  const { type, ...rest } = rule;
  return el('span', {}, el('strong', {}, type), ' ', el('code', {}, JSON.stringify(rest)));
}

/**
 * One list of guardrails with its form. `root` is the endpoint ("orgs/acme/guardrails" or
 * "guardrails"); `global` forms have no level or subject; `mine(g)` says which rows this list manages.
 */
function guardrailSection(section, { title, intro, root, global, mine, idPrefix }) {
  const list = el('div', { id: `${idPrefix}-list` });
  const result = el('div', { id: `${idPrefix}-result`, 'aria-live': 'polite' });
  const refresh = async () => {
    replace(list, el('p', { class: 'empty' }, 'Loading…'));
    try {
      const rows = await api('GET', root);
      if (rows.length === 0) {
        replace(list, el('p', { class: 'empty' }, global ? 'No global guardrail: every org has only its own.'
          : 'No guardrail yet: add one below, e.g. a content filter on the prompts.'));
        return;
      }
      replace(list, table(title, [
        { title: 'Name', cell: g => g.name },
        { title: 'Applies to', cell: g => (g.global ? 'every org (global)' : g.subject ? `${g.level} ${g.subject}` : g.level) },
        { title: 'Rule', cell: g => summary(g.rule) },
        { title: 'Action', cell: g => g.action },
        { title: 'On', cell: g => (mine(g) ? toggle(g) : (g.enabled ? 'on' : 'off')) },
        { title: 'Actions', cell: g => (mine(g) ? remove(g) : '–') },
      ], rows));
    } catch (e) {
      replace(list, errorBox(e));
    }
  };
  const body = g => (global ? { name: g.name, action: g.action, enabled: g.enabled, rule: g.rule }
    : { level: g.level, subject: g.subject, name: g.name, action: g.action, enabled: g.enabled, rule: g.rule });
  const toggle = g => {
    const b = el('button', { type: 'button', class: 'secondary toggle', 'aria-pressed': String(g.enabled),
      'data-name': g.name, 'aria-label': `${g.enabled ? 'Switch off' : 'Switch on'} ${g.name}` }, g.enabled ? 'on' : 'off');
    b.addEventListener('click', () => busy(b, result, async () => {
      await api('PUT', `${root}/${enc(g.id)}`, { body: { ...body(g), enabled: !g.enabled } });
      replace(result, notice(`${g.name} is now ${g.enabled ? 'off' : 'on'}.`));
      refresh();
    }));
    return b;
  };
  const remove = g => {
    const b = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete ${g.name}` }, 'Delete');
    b.addEventListener('click', () => {
      if (confirm(`Delete the guardrail ${g.name}?`)) {
        busy(b, result, async () => {
          await api('DELETE', `${root}/${enc(g.id)}`);
          replace(result, notice(`Deleted ${g.name}.`));
          refresh();
        });
      }
    });
    return b;
  };

  const name = el('input', { id: `${idPrefix}-name`, name: 'name', required: true });
  const level = el('select', { id: `${idPrefix}-level`, name: 'level' }, ['org', 'tier', 'group', 'user'].map(l => el('option', { value: l }, l)));
  const subject = el('input', { id: `${idPrefix}-subject`, name: 'subject', placeholder: 'tier, group or user id' });
  const action = el('select', { id: `${idPrefix}-action`, name: 'action' },
    [['block', 'block the call'], ['warn', 'warn (the call goes ahead)'], ['modify', 'modify'], ['log', 'log only']]
      .map(([v, t]) => el('option', { value: v }, t)));
  const kind = el('select', { id: `${idPrefix}-kind` }, Object.keys(RULES).map(k => el('option', { value: k }, k)));
  const rule = el('textarea', { id: `${idPrefix}-rule`, name: 'rule', rows: '4', spellcheck: 'false', class: 'code' });
  const enabled = el('input', { id: `${idPrefix}-enabled`, type: 'checkbox', checked: true });
  const fillRule = () => { rule.value = JSON.stringify(RULES[kind.value], null, 1); };
  kind.addEventListener('change', fillRule);
  fillRule();
  const save = el('button', { type: 'submit', id: `${idPrefix}-save` }, 'Add guardrail');
  const form = el('form', { class: 'inline', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, save, result, async () => {
      let parsed;
      try {
        parsed = JSON.parse(rule.value);
      } catch (err) {
        throw new Error(`the rule is not valid JSON: ${err.message}`);
      }
      const g = { level: level.value, subject: level.value === 'org' ? null : subject.value.trim(), name: name.value.trim(),
        action: action.value, enabled: enabled.checked, rule: parsed };
      const saved = await api('POST', root, { body: body(g) });
      replace(result, notice(`Added ${saved.name}.`));
      refresh();
    }, rule);
  } }, field('Name', name), global ? null : [field('Level', level), field('Who (not for the org level)', subject)],
  field('Action', action), field('Kind of rule', kind), el('label', { class: 'wide' }, 'Rule (JSON)', rule),
  el('label', { class: 'check' }, enabled, ' On'), el('div', { class: 'actions' }, save));
  replace(section, el('h2', {}, title), intro ? el('p', {}, intro) : null, list, result,
    el('h3', {}, global ? 'Add a global guardrail' : 'Add a guardrail'), form);
  refresh();
}

export function guardrailsPage(org, out, me) {
  const own = el('section', { class: 'card', id: 'org-guardrails' });
  out.append(own);
  guardrailSection(own, { title: 'Guardrails', root: `orgs/${enc(org)}/guardrails`, global: false,
    mine: g => !g.global, idPrefix: 'guard',
    intro: 'Checked on every call of this org, with the global ones first; a blocking rule refuses the call before the provider is asked.' });
  if (me.superadmin) {
    const all = el('section', { class: 'card', id: 'global-guardrails' });
    out.append(all);
    guardrailSection(all, { title: 'Global guardrails', root: 'guardrails', global: true, mine: () => true,
      idPrefix: 'global', intro: 'As a superadmin you manage the rules every org gets.' });
  }
}
