// Feature flags (which features the org has switched on or off), the org's audit log and its pricing report.
import { api } from './api.js';
import { busy, el, errorBox, field, notice, replace, submit, table } from './dom.js';
import { num, usd, when } from './format.js';

const enc = encodeURIComponent;

export function featuresPage(org, out) {
  const list = el('div', { id: 'features' });
  const result = el('div', { id: 'feature-result', 'aria-live': 'polite' });
  const switchTo = async (feature, enabled) => {
    await api('PUT', `orgs/${enc(org)}/features/${enc(feature)}`, { body: { enabled } });
    replace(result, notice(`${feature} is ${enabled ? 'on' : 'off'} for this org.`));
    await refresh();
  };
  const refresh = async () => {
    replace(list, el('p', { class: 'empty' }, 'Loading…'));
    try {
      const flags = Object.entries(await api('GET', `orgs/${enc(org)}/features`));
      if (flags.length === 0) {
        replace(list, el('p', { class: 'empty' }, 'No feature is switched for this org, so every feature is on. '
          + 'Switch one off below.'));
        return;
      }
      replace(list, table('Feature flags', [
        { title: 'Feature', cell: ([feature]) => el('code', {}, feature) },
        { title: 'State', cell: ([, on]) => el('span', { class: 'feature-state' }, on ? 'on' : 'off') },
        { title: 'Change', cell: ([feature, on]) => {
          const b = el('button', { type: 'button', class: 'secondary', id: `toggle-${feature}`,
            'aria-label': `Switch ${feature} ${on ? 'off' : 'on'}` }, on ? 'Switch off' : 'Switch on');
          b.addEventListener('click', () => busy(b, result, () => switchTo(feature, !on)));
          return b;
        } },
      ], flags));
    } catch (e) {
      replace(list, errorBox(e));
    }
  };
  const name = el('input', { id: 'feature-name', name: 'feature', required: true, autocomplete: 'off',
    placeholder: 'e.g. summaries' });
  const state = el('select', { id: 'feature-enabled', name: 'enabled' },
    el('option', { value: 'false' }, 'off'), el('option', { value: 'true' }, 'on'));
  const save = el('button', { type: 'submit', id: 'save-feature' }, 'Switch');
  const form = el('form', { class: 'inline', id: 'feature-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, save, result, async () => {
      if (!name.value.trim()) {
        throw new Error('Name the feature to switch.');
      }
      await switchTo(name.value.trim(), state.value === 'true');
      name.value = '';
    }, name);
  } }, field('Feature', name), field('State', state), el('div', { class: 'actions' }, save));
  out.append(
    el('section', { class: 'card' }, el('h2', {}, 'Switched features'),
      el('p', {}, 'A call names its feature (JobRequest.feature); a feature switched off is refused with '
        + 'AI_FEATURE_DISABLED. Features not listed here are on.'), list),
    el('section', { class: 'card' }, el('h2', {}, 'Switch a feature'), form, result));
  refresh();
}

export function auditPage(org, out) {
  const actor = el('input', { id: 'audit-actor', name: 'actor', autocomplete: 'off' });
  const action = el('input', { id: 'audit-action', name: 'action', autocomplete: 'off', placeholder: 'e.g. key.* or budget.set' });
  const from = el('input', { id: 'audit-from', name: 'from', type: 'date' });
  const to = el('input', { id: 'audit-to', name: 'to', type: 'date' });
  const size = el('select', { id: 'audit-page-size', name: 'limit' }, ['20', '50', '100'].map(s => el('option', { value: s }, s)));
  const list = el('div', { id: 'audit-events' });
  const pager = el('div', { class: 'actions', id: 'audit-pager' });
  let pages = 0;

  const show = async cursor => {
    replace(list, el('p', { class: 'empty' }, 'Loading…'));
    replace(pager);
    try {
      const page = await api('GET', `orgs/${enc(org)}/audit`, { params: { actor: actor.value.trim(),
        action: action.value.trim(), from: from.value, to: to.value, limit: size.value, cursor } });
      if (page.events.length === 0) {
        replace(list, el('p', { class: 'empty' }, cursor ? 'No older entries.'
          : 'Nothing in the audit log matches: widen the filters. Changes to keys, models, limits, budgets, '
            + 'guardrails and features are logged here.'));
      } else {
        replace(list, table('Audit log', [
          { title: 'When', cell: e => when(e.at) },
          { title: 'Who', cell: e => e.actor },
          { title: 'Action', cell: e => el('code', {}, e.action) },
          { title: 'Target', cell: e => e.target || '–' },
          { title: 'Detail', cell: e => e.detail || '–' },
        ], page.events));
      }
      const buttons = [];
      if (pages > 0) {
        buttons.push(el('button', { type: 'button', class: 'secondary', onclick: () => { pages = 0; show(null); } },
          'Newest'));
      }
      if (page.nextCursor) {
        buttons.push(el('button', { type: 'button', id: 'audit-next', onclick: () => { pages++; show(page.nextCursor); } },
          'Older entries'));
      }
      replace(pager, buttons);
    } catch (e) {
      replace(list, errorBox(e));
    }
  };
  const form = el('form', { class: 'inline', id: 'audit-filters', onsubmit: e => {
    e.preventDefault();
    pages = 0;
    show(null);
  } }, field('Who', actor), field('Action', action), field('From', from), field('To', to), field('Page size', size),
  el('button', { type: 'submit', id: 'audit-apply' }, 'Show'));
  out.append(el('section', { class: 'card' }, el('h2', {}, 'Filters'),
    el('p', {}, 'An action ending in * matches every action it begins.'), form),
  el('section', { class: 'card' }, el('h2', {}, 'Entries, newest first'), list, pager));
  show(null);
}

/** The pricing report of a period: what the org's calls cost and were billed, by model, tier and user. */
export function pricingPage(org, out) {
  const from = el('input', { id: 'pricing-from', name: 'from', type: 'date' });
  const to = el('input', { id: 'pricing-to', name: 'to', type: 'date' });
  const zone = el('input', { id: 'pricing-zone', name: 'zone', value: 'UTC', autocomplete: 'off' });
  const show = el('button', { type: 'submit', id: 'pricing-apply' }, 'Show');
  const report = el('div', { id: 'pricing-report' });
  const result = el('div', { 'aria-live': 'polite' });
  const lines = (caption, rows, keyTitle) => (rows.length === 0 ? null : el('section', { class: 'card' },
    el('h2', {}, caption), table(caption, [
      { title: keyTitle, cell: l => l.key || '–' },
      { title: 'Requests', num: true, cell: l => num(l.requests) },
      { title: 'Cost', num: true, cell: l => usd(l.costUsd) },
      { title: 'Billed', num: true, cell: l => usd(l.billedUsd) },
      { title: 'Unpriced', num: true, cell: l => num(l.unpricedRequests) },
    ], rows)));
  const load = () => submit(form, show, result, async () => {
    const r = await api('GET', `orgs/${enc(org)}/usage/pricing`, { params: { from: from.value, to: to.value,
      zone: zone.value.trim() } });
    if (r.total.requests === 0) {
      replace(report, el('p', { class: 'empty' }, 'No calls in this period: widen it, or make a call in the playground.'));
      return;
    }
    replace(report,
      el('ul', { class: 'totals', id: 'pricing-totals' },
        el('li', {}, 'Requests', el('strong', {}, num(r.total.requests))),
        el('li', {}, 'Cost', el('strong', {}, usd(r.total.costUsd))),
        el('li', {}, 'Billed', el('strong', {}, usd(r.total.billedUsd))),
        el('li', {}, 'Users', el('strong', {}, num(r.users))),
        el('li', {}, 'Per request', el('strong', {}, usd(r.averageBilledPerRequest))),
        el('li', {}, 'Peak hours', el('strong', {}, r.peakHours.length ? r.peakHours.map(h => `${h}:00`).join(', ') : '–'))),
      el('p', {}, `From ${when(r.from)} to ${when(r.to)} (${r.zone}).`),
      lines('By model', r.byModel, 'Model'), lines('By tier', r.byTier, 'Tier'), lines('Top users', r.topUsers, 'User'));
  }, zone);
  const form = el('form', { class: 'inline', id: 'pricing-filters', novalidate: true, onsubmit: e => {
    e.preventDefault();
    load();
  } }, field('From', from), field('To', to), field('Time zone', zone), show);
  out.append(el('section', { class: 'card' }, el('h2', {}, 'Period'),
    el('p', {}, 'The last 30 days unless you choose; days and peak hours in the time zone given.'), form, result),
  report);
  load();
}
