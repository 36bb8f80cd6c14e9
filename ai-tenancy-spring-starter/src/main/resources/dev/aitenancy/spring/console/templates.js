// Templates: the org's stored prompt templates, each with its versions; reading one, saving a new version.
import { api } from './api.js';
import { el, errorBox, field, notice, replace, submit, table } from './dom.js';
import { when } from './format.js';

const enc = encodeURIComponent;

/** The {{variables}} of a template text, in order of first use, as the template engine reads them. */
export function variablesOf(text) {
  const names = [];
  for (const m of (text || '').matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}/g)) {
    if (!names.includes(m[1])) {
      names.push(m[1]);
    }
  }
  return names;
}

/** The latest version of each of the org's templates, by name. */
export function templateNames(org) {
  return api('GET', `orgs/${enc(org)}/templates`);
}

const variableList = text => {
  const names = variablesOf(text);
  return el('p', { class: 'variables' }, 'Variables: ', names.length
    ? names.map((n, i) => [i ? ', ' : '', el('code', {}, `{{${n}}}`)]) : 'none');
};

export function templatesPage(org, out, me, params) {
  const list = el('div', { id: 'template-list' });
  const view = el('section', { class: 'card', id: 'template-view', hidden: true });
  const name = el('input', { id: 'template-name', name: 'name', required: true, autocomplete: 'off', placeholder: 'e.g. summary' });
  const openButton = el('button', { type: 'submit', id: 'template-open' }, 'Open');
  const openResult = el('div', { id: 'template-open-result', 'aria-live': 'polite' });

  const refreshList = async () => {
    try {
      const names = await templateNames(org);
      replace(list, names.length === 0
        ? el('p', { class: 'empty' }, 'No template saved yet: name one below and save its first version.')
        : table('Templates', [
          { title: 'Template', cell: t => el('a', { href: `#/orgs/${enc(org)}/templates?name=${enc(t.name)}`, class: 'template-link' }, t.name) },
          { title: 'Latest', cell: t => `version ${t.version}` },
          { title: 'Saved', cell: t => `${t.createdBy ?? '–'}, ${when(t.createdAt)}` },
        ], names));
    } catch (e) {
      replace(list, errorBox(e));
    }
  };

  /** Shows a template's versions, the chosen one's text, and the form for a new version. */
  const show = async (templateName, pick) => {
    view.hidden = false;
    const heading = el('h2', { tabindex: '-1', id: 'template-title' }, 'Template ', el('code', {}, templateName));
    replace(view, heading, el('p', { class: 'empty' }, 'Loading…'));
    let versions = [];
    let missing = null;
    try {
      versions = await api('GET', `orgs/${enc(org)}/templates/${enc(templateName)}`);
    } catch (e) {
      if (e.status !== 404) {
        replace(view, heading, errorBox(e));
        return;
      }
      missing = e;
    }
    const latest = versions[versions.length - 1];
    const chosen = versions.find(v => v.version === pick) || latest;
    const text = el('textarea', { id: 'template-text', name: 'text', class: 'code', rows: '8', spellcheck: 'false' },
      latest ? latest.text : '');
    const vars = el('div', { id: 'template-variables' }, variableList(text.value));
    text.addEventListener('input', () => replace(vars, variableList(text.value)));
    const save = el('button', { type: 'submit', id: 'template-save' }, latest ? 'Save as a new version' : 'Save the first version');
    const result = el('div', { id: 'template-result', 'aria-live': 'polite' });
    const form = el('form', { class: 'stack', id: 'template-form', novalidate: true, onsubmit: e => {
      e.preventDefault();
      submit(form, save, result, async () => {
        const saved = await api('POST', `orgs/${enc(org)}/templates/${enc(templateName)}`, { body: { text: text.value } });
        await show(templateName, saved.version);
        replace(document.getElementById('template-result'), notice(`Saved version ${saved.version} of ${saved.name}.`));
        refreshList();
      }, text);
    } }, field('Text ({{name}} marks a variable filled at each call)', text), vars, el('div', { class: 'actions' }, save));
    const versionButtons = versions.slice().reverse().map(v => {
      const b = el('button', { type: 'button', class: v === chosen ? '' : 'secondary', 'aria-pressed': String(v === chosen),
        'data-version': String(v.version) }, `Version ${v.version}`);
      b.addEventListener('click', () => show(templateName, v.version));
      return b;
    });
    replace(view, heading,
      missing ? el('p', { class: 'empty', id: 'template-missing' }, `${missing.message}: write its first version below.`) : [
        el('h3', {}, 'Versions, newest first'),
        el('div', { class: 'actions', id: 'template-versions', role: 'group', 'aria-label': 'Versions' }, versionButtons),
        el('p', { id: 'template-version-info' }, `Version ${chosen.version}, saved by ${chosen.createdBy || '–'} at ${when(chosen.createdAt)}`,
          chosen === latest ? ' (the latest: calls naming the template use it).' : '.'),
        el('pre', { class: 'answer', id: 'template-version-text' }, chosen.text), variableList(chosen.text),
        el('p', {}, el('a', { href: `#/orgs/${enc(org)}/playground?template=${enc(templateName)}`, id: 'template-try' },
          'Try it in the playground')),
      ],
      el('h3', {}, latest ? 'Save a new version' : 'First version'), form, result);
    heading.focus();
  };

  const openForm = el('form', { class: 'inline', id: 'template-open-form', novalidate: true, onsubmit: e => {
    e.preventDefault();
    submit(openForm, openButton, openResult, async () => {
      const n = name.value.trim();
      if (!n) {
        throw new Error('"name" is required: which template?');
      }
      if (params.get('name') === n) {
        await show(n);
      } else {
        location.hash = `#/orgs/${enc(org)}/templates?name=${enc(n)}`;
      }
    }, name);
  } }, field('Template name', name), el('div', { class: 'actions' }, openButton));
  out.append(el('section', { class: 'card' }, el('h2', {}, 'Templates'),
    el('p', {}, 'Calls name a template and fill its variables; each save is a new version, and calls use the latest.'),
    list, el('h3', {}, 'Open or start a template'), openForm, openResult), view);
  refreshList();
  if (params.get('name')) {
    name.value = params.get('name');
    show(params.get('name'));
  }
}
