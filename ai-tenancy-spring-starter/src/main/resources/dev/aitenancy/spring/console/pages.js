// The console's pages. Each renders into `out` and shows every endpoint error as its message.
import { api } from './api.js';
import { busy, el, errorBox, field, notice, replace, table } from './dom.js';
import { num, when, whenExact } from './format.js';
import { routingSections } from './routing.js';

const enc = encodeURIComponent;

/** Loads and renders; a failure shows the endpoint's message instead. */
async function load(out, render) {
  replace(out, el('p', { class: 'empty' }, 'Loading…'));
  try {
    await render();
  } catch (e) {
    replace(out, errorBox(e));
  }
}

// ---- org picker (superadmins) ------------------------------------------------------------------

export function orgPicker(out, me) {
  const known = [...new Set([...me.adminOf, ...me.memberOf])].sort();
  const input = el('input', { id: 'org-id', name: 'org', required: true, list: 'known-orgs', autocomplete: 'off',
    pattern: '[A-Za-z0-9._-]+' });
  const form = el('form', { class: 'inline', onsubmit: e => {
    e.preventDefault();
    location.hash = `#/orgs/${enc(input.value.trim())}/providers`;
  } }, field('Org id', input), el('datalist', { id: 'known-orgs' }, known.map(o => el('option', { value: o }))),
  el('button', { type: 'submit' }, 'Open'));
  out.append(el('section', { class: 'card' },
    el('p', {}, 'As a superadmin you may manage every org. Type the id of the org to open.'), form,
    known.length ? el('ul', {}, known.map(o => el('li', {}, el('a', { href: `#/orgs/${enc(o)}/providers` }, o)))) : null));
}

// ---- providers ---------------------------------------------------------------------------------

/**
 * Runs a key check (which the provider answers, and which is limited per admin), showing a refusal
 * by the rate limit as what it is: how many checks are allowed, and when to try again.
 */
async function keyCheck(button, out, action) {
  button.disabled = true;
  replace(out);
  try {
    await action();
  } catch (e) {
    if (e.code === 'AI_RATE_LIMITED') {
      replace(out, el('p', { class: 'error', role: 'alert', id: 'key-check-limited' },
        el('strong', {}, 'Too many key checks. '), e.message.replace(/\.?$/, '.'),
        /retry/i.test(e.message) ? '' : (e.retryAfter ? ` Try again in ${e.retryAfter} s.` : ' Try again in a minute.'),
        ' (The limit is "Key checks per admin per minute" on the Limits & budgets page.)'));
    } else {
      replace(out, errorBox(e));
    }
  } finally {
    button.disabled = false;
  }
}

export function providersPage(org, out) {
  const list = el('div', { id: 'providers' });
  const provider = el('input', { id: 'provider', name: 'provider', value: 'openai', required: true, list: 'provider-ids' });
  const key = el('input', { id: 'api-key', name: 'apiKey', type: 'password', autocomplete: 'off', required: true,
    spellcheck: 'false' });
  const result = el('div', { id: 'key-result', 'aria-live': 'polite' });
  const check = el('button', { type: 'button', class: 'secondary', id: 'check-key' }, 'Check key');
  const save = el('button', { type: 'submit', id: 'save-key' }, 'Save key');
  const body = () => ({ apiKey: key.value });
  check.addEventListener('click', () => keyCheck(check, result, async () => {
    const r = await api('POST', `orgs/${enc(org)}/providers/${enc(provider.value.trim())}/verify`, { body: body() });
    replace(result, notice(`${r.provider} accepted the key ${r.maskedKey}.`));
  }));
  const form = el('form', { class: 'inline', onsubmit: e => {
    e.preventDefault();
    keyCheck(save, result, async () => {
      const r = await api('PUT', `orgs/${enc(org)}/providers/${enc(provider.value.trim())}`, { body: body() });
      key.value = '';
      replace(result, notice(`Saved: ${r.provider} now uses ${r.maskedKey}.`));
      refresh();
    });
  } }, field('Provider', provider),
  el('datalist', { id: 'provider-ids' }, ['openai', 'anthropic', 'gemini'].map(p => el('option', { value: p }))),
  field('API key (checked with the provider before it is stored)', key), el('div', { class: 'actions' }, check, save));

  const refresh = () => load(list, async () => {
    const rows = await api('GET', `orgs/${enc(org)}/providers`);
    if (rows.length === 0) {
      replace(list, el('p', { class: 'empty' }, 'No provider key yet: save one below to let this org call a provider.'));
      return;
    }
    replace(list, table('Provider keys', [
      { title: 'Provider', cell: r => r.provider },
      { title: 'Key', cell: r => el('code', { class: 'masked-key' }, r.maskedKey) },
      { title: 'Verified', cell: r => (r.verified ? 'yes' : 'no') },
      { title: 'Last verified', cell: r => el('span', { class: 'last-verified', 'data-at': r.lastVerifiedAt || '' },
        whenExact(r.lastVerifiedAt)) },
      { title: 'Default model', cell: r => r.defaultModel || '–' },
      { title: 'Saved by', cell: r => r.createdBy || '–' },
      { title: 'Actions', cell: r => el('div', { class: 'actions' }, verifyButton(r), deleteButton(r)) },
    ], rows));
  });
  const verifyButton = r => {
    const b = el('button', { type: 'button', class: 'secondary verify-key', 'data-provider': r.provider,
      'aria-label': `Check the stored ${r.provider} key with ${r.provider} now` }, 'Verify');
    b.addEventListener('click', () => keyCheck(b, result, async () => {
      const s = await api('POST', `orgs/${enc(org)}/providers/${enc(r.provider)}/reverify`);
      replace(result, notice(`${s.provider} accepted the stored key ${s.maskedKey}; verified at ${whenExact(s.lastVerifiedAt)}.`));
      await refresh();
    }));
    return b;
  };
  const deleteButton = r => {
    const b = el('button', { type: 'button', class: 'danger', 'aria-label': `Delete the ${r.provider} key` }, 'Delete');
    b.addEventListener('click', () => {
      if (confirm(`Delete the ${r.provider} key of ${org}, and the org's ${r.provider} models?`)) {
        busy(b, result, async () => {
          await api('DELETE', `orgs/${enc(org)}/providers/${enc(r.provider)}`);
          replace(result, notice(`Deleted the ${r.provider} key.`));
          refresh();
        });
      }
    });
    return b;
  };
  out.append(el('section', { class: 'card' }, el('h2', {}, 'Keys'), list),
    el('section', { class: 'card' }, el('h2', {}, 'Save a key'), form, result));
  refresh();
}

// ---- models ------------------------------------------------------------------------------------

export function modelsPage(org, out) {
  const list = el('div', { id: 'models' });
  const result = el('div', { id: 'model-result', 'aria-live': 'polite' });
  const refresh = () => load(list, async () => {
    const byProvider = await api('GET', `orgs/${enc(org)}/models`);
    const rows = Object.values(byProvider).flat();
    if (rows.length === 0) {
      replace(list, el('p', { class: 'empty' }, 'No model is allowed yet: allow one below.'));
      return;
    }
    replace(list, table('Allowed models', [
      { title: 'Provider', cell: r => r.provider },
      { title: 'Model', cell: r => r.model },
      { title: 'Label', cell: r => r.label || '–' },
      { title: 'Max output tokens', num: true, cell: r => num(r.maxOutputTokens) },
      { title: 'Default', cell: r => (r.default ? el('strong', { class: 'is-default' }, 'default') : defaultButton(r)) },
      { title: 'Actions', cell: r => removeButton(r) },
    ], rows));
  });
  const defaultButton = r => {
    const b = el('button', { type: 'button', class: 'secondary set-default', 'data-model': r.model,
      'aria-label': `Make ${r.model} the default ${r.provider} model` }, 'Make default');
    b.addEventListener('click', () => busy(b, result, async () => {
      await api('PUT', `orgs/${enc(org)}/models/${enc(r.provider)}/${enc(r.model)}/default`);
      replace(result, notice(`${r.model} is now the default ${r.provider} model.`));
      refresh();
    }));
    return b;
  };
  const removeButton = r => {
    const b = el('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${r.model}` }, 'Remove');
    b.addEventListener('click', () => {
      if (confirm(`Remove ${r.provider}/${r.model} from ${org}'s allowed models?`)) {
        busy(b, result, async () => {
          await api('DELETE', `orgs/${enc(org)}/models/${enc(r.provider)}/${enc(r.model)}`);
          replace(result, notice(`Removed ${r.model}.`));
          refresh();
        });
      }
    });
    return b;
  };
  const provider = el('input', { id: 'model-provider', value: 'openai', required: true });
  const model = el('input', { id: 'model-name', required: true, placeholder: 'gpt-4.1-nano' });
  const label = el('input', { id: 'model-label' });
  const cap = el('input', { id: 'model-cap', type: 'number', min: '1', step: '1' });
  const allow = el('button', { type: 'submit', id: 'allow-model' }, 'Allow');
  const form = el('form', { class: 'inline', onsubmit: e => {
    e.preventDefault();
    busy(allow, result, async () => {
      const body = { label: label.value.trim() || null, maxOutputTokens: cap.value ? Number(cap.value) : null };
      const r = await api('PUT', `orgs/${enc(org)}/models/${enc(provider.value.trim())}/${enc(model.value.trim())}`, { body });
      replace(result, notice(`Allowed ${r.provider}/${r.model}.`));
      refresh();
    });
  } }, field('Provider', provider), field('Model', model), field('Label', label),
  field('Max output tokens', cap), allow);
  out.append(el('section', { class: 'card' }, el('h2', {}, 'Allowed models'), list, result),
    el('section', { class: 'card' }, el('h2', {}, 'Allow a model'), form));
  refresh();
  routingSections(org, out);
}
