// The Models page's routing sections: the default provider, feature preferences, fallbacks, tiers with
// their group and user narrowing, and the denylist; read from /model-access, /feature-preferences and
// /fallbacks, each set with its own endpoint.
import { api } from './api.js';
import { busy, el, errorBox, field, notice, replace, submit, table } from './dom.js';
import { num, usd } from './format.js';

const enc = encodeURIComponent;

/** The org's default provider, tiers, group and user narrowings and denylist. */
const access = org => api('GET', `orgs/${enc(org)}/model-access`);

function modelSelect(id, name, models, blank) {
  return el('select', { id, name }, blank ? el('option', { value: '' }, blank) : null,
    models.map(m => el('option', { value: `${m.provider}/${m.model}` }, `${m.provider}/${m.model}`)));
}

function splitRef(value) {
  const slash = value.indexOf('/');
  return slash < 0 ? { provider: value, model: '' } : { provider: value.slice(0, slash), model: value.slice(slash + 1) };
}

function section(id, title, intro) {
  const s = el('section', { class: 'card', id });
  s.append(el('h2', {}, title));
  if (intro) {
    s.append(el('p', {}, intro));
  }
  return s;
}

// ---- default provider ------------------------------------------------------------------------------

function defaultProvider(org, s, models) {
  const current = el('p', { id: 'default-provider-current' }, 'Loading…');
  const providers = [...new Set(models.map(m => m.provider))];
  const choice = el('input', { id: 'default-provider', name: 'provider', list: 'default-provider-ids', autocomplete: 'off',
    required: true });
  const save = el('button', { type: 'submit', id: 'save-default-provider' }, 'Use this provider');
  const result = el('div', { id: 'default-provider-result', 'aria-live': 'polite' });
  const show = async () => {
    const { defaultProvider: chosen } = await access(org);
    if (chosen && !choice.value) {
      choice.value = chosen;
    }
    replace(current, chosen ? ['Calls that name no model use the default model of ', el('strong', { id: 'default-provider-name' },
      chosen), '.']
      : 'No default provider is chosen yet. Choose one below: calls that name no model then use its default model.');
  };
  const form = el('form', { class: 'inline', id: 'default-provider-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, save, result, async () => {
      const r = await api('PUT', `orgs/${enc(org)}/default-provider`, { body: { provider: choice.value.trim() } });
      replace(result, notice(`${r.defaultProvider} now serves the calls that name no model.`));
      await show();
    }, choice);
  } }, field('Provider', choice), el('datalist', { id: 'default-provider-ids' }, providers.map(p => el('option', { value: p }))),
  el('div', { class: 'actions' }, save));
  s.append(current, form, result);
  show().catch(e => replace(current, errorBox(e)));
}

// ---- feature preferences ---------------------------------------------------------------------------

function featurePreferences(org, s, models) {
  const list = el('div', { id: 'feature-preferences' });
  const result = el('div', { id: 'feature-preference-result', 'aria-live': 'polite' });
  const refresh = async () => {
    const rows = await api('GET', `orgs/${enc(org)}/feature-preferences`);
    replace(list, rows.length === 0
      ? el('p', { class: 'empty' }, 'No feature is routed: every feature uses the default model. Route one below.')
      : table('Feature preferences', [
        { title: 'Feature', cell: p => el('code', {}, p.feature) },
        { title: 'Model', cell: p => el('span', { class: 'preferred-model' }, `${p.provider}/${p.model}`) },
        { title: 'Max output tokens', num: true, cell: p => (p.maxOutputTokens == null ? 'the model\'s' : num(p.maxOutputTokens)) },
      ], rows));
  };
  const feature = el('input', { id: 'pref-feature', name: 'feature', required: true, autocomplete: 'off', placeholder: 'e.g. summaries' });
  const model = modelSelect('pref-model', 'model', models);
  const cap = el('input', { id: 'pref-cap', name: 'maxOutputTokens', type: 'number', min: '1', step: '1' });
  const save = el('button', { type: 'submit', id: 'save-feature-preference' }, 'Route');
  const form = el('form', { class: 'inline', id: 'feature-preference-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, save, result, async () => {
      if (!feature.value.trim()) {
        throw new Error('"feature" is required: name the feature to route.');
      }
      const ref = splitRef(model.value);
      const r = await api('PUT', `orgs/${enc(org)}/feature-preferences/${enc(feature.value.trim())}`,
        { body: { ...ref, maxOutputTokens: cap.value === '' ? null : Number(cap.value) } });
      replace(result, notice(`${r.feature} now uses ${r.provider}/${r.model}.`));
      await refresh();
    }, model);
  } }, field('Feature', feature), field('Model', model), field('Max output tokens (optional)', cap),
  el('div', { class: 'actions' }, save));
  s.append(list, result, el('h3', {}, 'Route a feature'), form);
  refresh().catch(e => replace(list, errorBox(e)));
}

// ---- fallbacks -------------------------------------------------------------------------------------

function fallbacks(org, s, models) {
  const chain = el('div', { id: 'fallback-chain' });
  const result = el('div', { id: 'fallback-result', 'aria-live': 'polite' });
  const input = el('input', { id: 'fallbacks', name: 'models', autocomplete: 'off', list: 'fallback-models',
    placeholder: 'openai/gpt-4.1-nano, openai/gpt-4.1-mini' });
  const save = el('button', { type: 'submit', id: 'save-fallbacks' }, 'Save fallbacks');
  const clear = el('button', { type: 'button', class: 'secondary', id: 'clear-fallbacks' }, 'Remove the chain');
  const show = r => {
    input.value = r.fallbacks.join(', ');
    replace(chain, r.fallbacks.length === 0
      ? el('p', { class: 'empty' }, 'No fallbacks: a call whose model fails is not retried on another. Add some below.')
      : el('ol', { class: 'chain' }, r.fallbacks.map(f => el('li', { class: 'fallback' }, f))));
  };
  const put = list => api('PUT', `orgs/${enc(org)}/fallbacks`, { body: { models: list } });
  const form = el('form', { class: 'inline', id: 'fallback-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, save, result, async () => {
      const list = input.value.split(',').map(v => v.trim()).filter(Boolean);
      show(await put(list));
      replace(result, notice(list.length ? 'Saved the fallbacks.' : 'Removed the chain.'));
    }, input);
  } }, el('label', { class: 'wide' }, 'Models to try in order, as provider/model, separated by commas', input),
  el('datalist', { id: 'fallback-models' }, models.map(m => el('option', { value: `${m.provider}/${m.model}` }))),
  el('div', { class: 'actions' }, save, clear));
  clear.addEventListener('click', () => busy(clear, result, async () => {
    show(await put([]));
    replace(result, notice('Removed the chain.'));
  }));
  s.append(chain, form, result);
  api('GET', `orgs/${enc(org)}/fallbacks`).then(show).catch(e => replace(chain, errorBox(e)));
}

// ---- tiers -----------------------------------------------------------------------------------------

function tierBoxes(prefix, tiers, checked = []) {
  return el('fieldset', { class: 'tiers', id: `${prefix}-tiers` }, el('legend', {}, 'Tiers'),
    tiers.map(t => el('label', { class: 'check' },
      el('input', { type: 'checkbox', name: 'tiers', value: t.name, id: `${prefix}-tier-${t.name}`, checked: checked.includes(t.name) }),
      ` ${t.name}`)));
}

const ticked = box => [...box.querySelectorAll('input[type=checkbox]:checked')].map(c => c.value);

async function tiersSection(org, s) {
  const plan = await api('GET', `orgs/${enc(org)}/tiers`);
  if (plan.length === 0) {
    s.append(el('p', { class: 'empty' }, 'The application defines no tiers, so there is nothing to subscribe to or narrow.'));
    return;
  }
  const changes = el('div', { id: 'tier-state' });
  const result = el('div', { id: 'tier-result', 'aria-live': 'polite' });
  s.append(table('Tiers of the application, lowest first', [
    { title: 'Tier', cell: t => el('strong', {}, t.name) },
    { title: 'Models', cell: t => t.models.join(', ') || '–' },
    { title: 'Input per 1M tokens', num: true, cell: t => usd(t.inputRatePer1M) },
    { title: 'Output per 1M tokens', num: true, cell: t => usd(t.outputRatePer1M) },
  ], plan));

  const orgBoxes = tierBoxes('org', plan);
  const saveOrg = el('button', { type: 'submit', id: 'save-org-tiers' }, 'Save the org\'s tiers');
  const orgForm = el('form', { class: 'inline', id: 'org-tier-form', onsubmit: e => {
    e.preventDefault();
    submit(orgForm, saveOrg, result, async () => {
      const r = await api('PUT', `orgs/${enc(org)}/tiers`, { body: { tiers: ticked(orgBoxes) } });
      replace(result, notice(r.tiers.length ? `The org may use the tiers ${r.tiers.join(', ')}.` : 'The org may use every tier.'));
      await refresh();
    });
  } }, orgBoxes, el('div', { class: 'actions' }, saveOrg));

  const kind = el('select', { id: 'narrow-kind', name: 'kind' }, el('option', { value: 'groups' }, 'a group'),
    el('option', { value: 'users' }, 'a user'));
  const who = el('input', { id: 'narrow-who', name: 'subject', required: true, autocomplete: 'off' });
  const narrowBoxes = tierBoxes('narrow', plan);
  const saveNarrow = el('button', { type: 'submit', id: 'save-narrowing' }, 'Narrow');
  const narrowForm = el('form', { class: 'inline', id: 'narrow-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(narrowForm, saveNarrow, result, async () => {
      await narrow(kind.value, who.value.trim(), ticked(narrowBoxes));
    }, who);
  } }, field('Narrow', kind), field('Group or user id', who), narrowBoxes, el('div', { class: 'actions' }, saveNarrow));

  const narrow = async (k, subject, tiers) => {
    if (!subject) {
      throw new Error('"subject" is required: name the group or user.');
    }
    const r = await api('PUT', `orgs/${enc(org)}/tiers/${k}/${enc(subject)}`, { body: { tiers } });
    const name = k === 'groups' ? `group ${r.group}` : `user ${r.user}`;
    replace(result, notice(r.tiers === null ? `Removed the narrowing of ${name}.`
      : `${name} may use ${r.tiers.length ? 'the tiers ' + r.tiers.join(', ') : 'no tier'}.`));
    await refresh();
  };

  const refresh = async () => {
    const now = await access(org);
    for (const box of orgBoxes.querySelectorAll('input')) {
      box.checked = now.tiers.includes(box.value);
    }
    const narrowed = [
      ...Object.entries(now.groupTiers).map(([who, tiers]) => ({ kind: 'groups', label: 'group', who, tiers })),
      ...Object.entries(now.userTiers).map(([who, tiers]) => ({ kind: 'users', label: 'user', who, tiers })),
    ];
    replace(changes,
      el('p', { id: 'org-tiers-current' }, now.tiers.length
        ? ['The org may use the tiers ', el('strong', {}, now.tiers.join(', ')), '.']
        : 'The org may use every tier (it subscribes to none in particular).'),
      narrowed.length === 0 ? el('p', { class: 'empty' }, 'No group or user is narrowed to fewer tiers.')
        : table('Narrowed groups and users', [
          { title: 'Who', cell: n => `${n.label} ${n.who}` },
          { title: 'Tiers', cell: n => el('span', { class: 'narrowed-tiers' }, n.tiers.length ? n.tiers.join(', ') : 'none') },
          { title: 'Actions', cell: n => {
            const b = el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove the narrowing of ${n.label} ${n.who}` }, 'Remove');
            b.addEventListener('click', () => busy(b, result, async () => {
              const r = await api('PUT', `orgs/${enc(org)}/tiers/${n.kind}/${enc(n.who)}`, { body: { tiers: null } });
              replace(result, notice(`Removed the narrowing of ${r.group || r.user}.`));
              await refresh();
            }));
            return b;
          } },
        ], narrowed));
  };
  s.append(el('h3', {}, 'Now'), changes, result, el('h3', {}, 'Tiers the org subscribes to'),
    el('p', {}, 'None ticked: every tier.'), orgForm, el('h3', {}, 'Narrow a group or user'),
    el('p', {}, 'They may then use only the ticked tiers (none ticked: no tier at all).'), narrowForm);
  await refresh();
}

// ---- denylist --------------------------------------------------------------------------------------

function denylist(org, s) {
  const list = el('div', { id: 'denied-models' });
  const result = el('div', { id: 'deny-result', 'aria-live': 'polite' });
  const refresh = async () => {
    const denied = (await access(org)).deniedModels;
    replace(list, denied.length === 0 ? el('p', { class: 'empty' }, 'No model is denied. Deny one below to keep the org '
      + 'from it, whatever else allows it.')
      : table('Denied models', [
        { title: 'Model', cell: m => el('span', { class: 'denied-model' }, m) },
        { title: 'Actions', cell: m => {
          const b = el('button', { type: 'button', class: 'secondary', 'data-model': m, 'aria-label': `Allow ${m} again` },
            'Lift');
          b.addEventListener('click', () => busy(b, result, async () => {
            const ref = splitRef(m);
            await api('DELETE', `orgs/${enc(org)}/denied-models/${enc(ref.provider)}/${enc(ref.model)}`);
            replace(result, notice(`${m} is no longer denied.`));
            await refresh();
          }));
          return b;
        } },
      ], denied));
  };
  const model = el('input', { id: 'deny-model', name: 'model', required: true, autocomplete: 'off', placeholder: 'openai/gpt-4.5-preview' });
  const deny = el('button', { type: 'submit', id: 'save-deny', class: 'danger' }, 'Deny');
  const form = el('form', { class: 'inline', id: 'deny-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(form, deny, result, async () => {
      const ref = splitRef(model.value.trim());
      if (!ref.provider || !ref.model) {
        throw new Error('"model" is written provider/model, e.g. openai/gpt-4.5-preview.');
      }
      await api('PUT', `orgs/${enc(org)}/denied-models/${enc(ref.provider)}/${enc(ref.model)}`);
      replace(result, notice(`${ref.provider}/${ref.model} is denied.`));
      model.value = '';
      await refresh();
    }, model);
  } }, field('Model (provider/model)', model), el('div', { class: 'actions' }, deny));
  s.append(list, result, form);
  refresh().catch(e => replace(list, errorBox(e)));
}

/** Appends the routing sections to the Models page. */
export async function routingSections(org, out) {
  const sections = [
    section('default-provider-section', 'Default provider'),
    section('feature-preference-section', 'Feature preferences', 'A call that names its feature (and no model) uses the model routed here.'),
    section('fallback-section', 'Fallbacks', 'When the chosen model fails with an error worth retrying, these are tried in order.'),
    section('tier-section', 'Tiers', 'Tiers group the application\'s models by price; the org, its groups and users can be held to some.'),
    section('deny-section', 'Denylist', 'A denied model is refused to everyone in the org, even when allowed above.'),
  ];
  out.append(...sections);
  let models;
  try {
    models = Object.values(await api('GET', `orgs/${enc(org)}/models`)).flat();
  } catch (e) {
    sections.forEach(s => s.append(errorBox(e)));
    return;
  }
  defaultProvider(org, sections[0], models);
  featurePreferences(org, sections[1], models);
  fallbacks(org, sections[2], models);
  tiersSection(org, sections[3]).catch(e => sections[3].append(errorBox(e)));
  denylist(org, sections[4]);
}
