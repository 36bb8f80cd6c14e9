// The playground: a written prompt or a stored template, its {{variables}} filled in, run on one model or
// on two side by side, each answer streamed with its tokens, cost, latency and usage record id.
import { api, stream } from './api.js';
import { el, errorBox, field, replace } from './dom.js';
import { money, num, tokens } from './format.js';
import { templateNames, variablesOf } from './templates.js';

const enc = encodeURIComponent;

/** The context of a call from the variable fields; a dotted name (a.b) becomes a nested value. */
function contextOf(inputs) {
  const context = {};
  for (const [name, input] of inputs) {
    const path = name.split('.');
    let node = context;
    for (const key of path.slice(0, -1)) {
      node = node[key] = typeof node[key] === 'object' && node[key] !== null ? node[key] : {};
    }
    node[path[path.length - 1]] = input.value;
  }
  return context;
}

/** One answer pane; `suffix` is '' for the first (ids play-answer, play-record-id, ...) and '-2' for the second. */
function pane(suffix, title) {
  const heading = el('h2', {}, title);
  const problem = el('div', { id: `play-error${suffix}` });
  const answer = el('div', { class: 'answer', id: `play-answer${suffix}`, 'aria-live': 'polite' });
  const facts = el('dl', { class: 'facts', id: `play-facts${suffix}` });
  const section = el('section', { class: 'card pane', id: `play-pane${suffix}` }, heading, problem, answer, facts);
  const fact = (name, value, id) => [el('dt', {}, name), el('dd', { id: `${id}${suffix}` }, value)];
  return {
    section,
    title: t => replace(heading, t),
    clear() {
      replace(problem);
      replace(answer);
      replace(facts);
    },
    /** Streams one call into the pane; a refusal before or during the stream is shown as its message. */
    async run(org, body) {
      let text = '';
      try {
        await stream(`orgs/${enc(org)}/generate`, body, (event, data) => {
          if (event === 'token') {
            text += data.text;
            replace(answer, text);
          } else if (event === 'usage') {
            replace(facts, fact('Tokens', tokens(data), 'play-tokens'));
          } else if (event === 'done') {
            replace(answer, data.text ?? text);
            replace(facts, fact('Model', `${data.provider}/${data.model}`, 'play-used-model'),
              fact('Tokens', tokens(data.usage), 'play-tokens'), fact('Cost', money(data.cost), 'play-cost'),
              fact('Latency', num(data.latencyMillis) + ' ms', 'play-latency'),
              fact('Usage record', data.usageRecordId, 'play-record-id'));
          } else if (event === 'error') {
            problem.append(errorBox(data));
          }
        });
      } catch (e) {
        problem.append(errorBox(e));
      }
    },
  };
}

export function playgroundPage(org, out, me, params) {
  const admin = me.superadmin || me.adminOf.includes(org);
  const source = el('select', { id: 'play-source', name: 'source' }, el('option', { value: 'prompt' }, 'a prompt I write'),
    admin ? el('option', { value: 'template' }, 'a stored template') : null);
  const prompt = el('textarea', { id: 'play-prompt', name: 'prompt', rows: '5' });
  const promptField = field('Prompt ({{name}} marks a variable to fill below)', prompt);
  const templateName = el('input', { id: 'play-template', name: 'template', list: 'play-template-names', autocomplete: 'off' });
  const templateNamesList = el('datalist', { id: 'play-template-names' });
  const load = el('button', { type: 'button', class: 'secondary', id: 'play-template-load' }, 'Load');
  const templateText = el('pre', { class: 'answer', id: 'play-template-text', hidden: true });
  const templateBox = el('div', { class: 'template-box', hidden: true }, el('div', { class: 'inline-row' },
    field('Template', templateName), templateNamesList, load), templateText);
  const variables = el('fieldset', { class: 'variables-box', id: 'play-variables', hidden: true });
  const model = el('select', { id: 'play-model', name: 'model' }, el('option', { value: '' }, "the org's default model"));
  const second = el('select', { id: 'play-model-2', name: 'model2' }, el('option', { value: '' }, 'no second model'));
  const run = el('button', { type: 'submit', id: 'play-run' }, 'Run');
  const formError = el('div', { id: 'play-form-error' });
  const one = pane('', 'Answer');
  const two = pane('-2', 'Second answer');
  two.section.hidden = true;
  const answers = el('div', { class: 'panes', id: 'play-answers' }, one.section, two.section);
  let inputs = new Map(); // variable name -> input
  let loaded = null; // { name, text } of the loaded template

  /** The variable fields of `text`, keeping what was typed into fields of the same name. */
  const showVariables = text => {
    const names = variablesOf(text);
    const next = new Map();
    for (const [i, n] of names.entries()) {
      next.set(n, inputs.get(n) || el('input', { id: `play-var-${i}`, name: `var-${n}`, 'data-variable': n, autocomplete: 'off' }));
    }
    inputs = next;
    variables.hidden = names.length === 0;
    replace(variables, el('legend', {}, 'Variables'), [...inputs].map(([n, input]) => field(`{{${n}}}`, input)));
  };
  prompt.addEventListener('input', () => showVariables(prompt.value));

  const loadTemplate = async () => {
    replace(formError);
    const name = templateName.value.trim();
    if (!name) {
      replace(formError, errorBox(new Error('Name the template to load.')));
      templateName.focus();
      return;
    }
    load.disabled = true;
    try {
      const versions = await api('GET', `orgs/${enc(org)}/templates/${enc(name)}`);
      const latest = versions[versions.length - 1];
      loaded = { name, text: latest.text };
      templateText.hidden = false;
      replace(templateText, latest.text);
      templateText.setAttribute('aria-label', `Template ${name}, version ${latest.version}`);
      showVariables(latest.text);
    } catch (e) {
      loaded = null;
      templateText.hidden = true;
      showVariables('');
      replace(formError, errorBox(e));
    } finally {
      load.disabled = false;
    }
  };
  load.addEventListener('click', loadTemplate);
  const switchSource = () => {
    const template = source.value === 'template';
    promptField.hidden = template;
    templateBox.hidden = !template;
    showVariables(template ? (loaded ? loaded.text : '') : prompt.value);
  };
  source.addEventListener('change', switchSource);

  if (admin) { // members may not read the model list or templates: they use the default model and write prompts
    api('GET', `orgs/${enc(org)}/models`).then(byProvider => {
      for (const m of Object.values(byProvider).flat()) {
        const label = `${m.provider}/${m.model}${m.label ? ' (' + m.label + ')' : ''}`;
        model.append(el('option', { value: `${m.provider}/${m.model}` }, label));
        second.append(el('option', { value: `${m.provider}/${m.model}` }, label));
      }
    }).catch(e => formError.append(errorBox(e)));
    templateNames(org).then(names => replace(templateNamesList, names.map(t => el('option', { value: t.name }))))
      .catch(() => { /* the names are a convenience: any name can still be typed */ });
  }

  const bodyFor = choice => {
    const body = { stream: true, feature: 'playground', context: contextOf(inputs) };
    if (source.value === 'template') {
      body.template = loaded.name;
    } else {
      body.prompt = prompt.value;
    }
    if (choice) {
      const slash = choice.indexOf('/');
      body.provider = choice.slice(0, slash);
      body.model = choice.slice(slash + 1);
    }
    return body;
  };

  const form = el('form', { class: 'stack', id: 'play-form', onsubmit: async e => {
    e.preventDefault();
    replace(formError);
    if (source.value === 'template' && !loaded) {
      replace(formError, errorBox(new Error('Load a template first.')));
      templateName.focus();
      return;
    }
    if (source.value === 'prompt' && !prompt.value.trim()) {
      replace(formError, errorBox(new Error('Write a prompt first.')));
      prompt.focus();
      return;
    }
    const both = second.value !== '' && admin;
    one.clear();
    two.clear();
    one.title(both ? `Answer of ${model.value || "the org's default model"}` : 'Answer');
    two.title(`Answer of ${second.value}`);
    two.section.hidden = !both;
    answers.classList.toggle('two', both);
    run.disabled = true;
    try {
      await Promise.all([one.run(org, bodyFor(model.value)), both ? two.run(org, bodyFor(second.value)) : null]);
    } finally {
      run.disabled = false;
    }
  } },
  admin ? field('Start from', source) : null, promptField, templateBox, variables,
  el('div', { class: 'inline-row' }, field('Model', model), admin ? field('Compare with (side by side)', second) : null),
  formError, el('div', { class: 'actions' }, run));
  out.append(el('section', { class: 'card' }, el('h2', {}, 'Ask'), form), answers);

  if (params && params.get('template') && admin) {
    source.value = 'template';
    templateName.value = params.get('template');
    switchSource();
    loadTemplate();
  }
}
