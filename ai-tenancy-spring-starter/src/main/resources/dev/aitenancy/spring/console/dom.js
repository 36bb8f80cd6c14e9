// A tiny DOM builder: text always goes in as text, never as HTML.

/** An element: attributes (on* keys become listeners, booleans toggle), then children (strings become text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (value === true) {
      node.setAttribute(key, '');
    } else {
      node.setAttribute(key, String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of node. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A labelled form control: <label>text <control></label>. */
export function field(text, control) {
  return el('label', {}, text, control);
}

/** An error message shown where it happened (role=alert so screen readers announce it). */
export function errorBox(error) {
  return el('p', { class: 'error', role: 'alert' }, error && error.message ? error.message : String(error));
}

/** A success message. */
export function notice(text) {
  return el('p', { class: 'notice', role: 'status' }, text);
}

/** A table with a header row and the rows' cells; "num" columns are right-aligned. */
export function table(caption, columns, rows) {
  return el('div', { class: 'table-wrap' },
    el('table', {},
      el('caption', { class: 'visually-hidden' }, caption),
      el('thead', {}, el('tr', {}, columns.map(c => el('th', { scope: 'col', class: c.num ? 'num' : null }, c.title)))),
      el('tbody', {}, rows.map(r => el('tr', {}, columns.map(c => el('td', { class: c.num ? 'num' : null }, c.cell(r))))))));
}

/** Runs action with button disabled, showing its error (or nothing) in out. */
export async function busy(button, out, action) {
  button.disabled = true;
  replace(out);
  try {
    await action();
  } catch (e) {
    replace(out, errorBox(e));
  } finally {
    button.disabled = false;
  }
}

/**
 * Shows an endpoint's error next to the control it names (its message starts with or quotes the
 * control's name), else next to `near` (the control a form's errors are most likely about) when
 * given, marking that control invalid; otherwise in `fallback`.
 */
function showError(form, fallback, error, near) {
  for (const old of form.querySelectorAll('[aria-invalid]')) {
    old.removeAttribute('aria-invalid');
  }
  for (const old of form.querySelectorAll('.field-error')) {
    old.remove();
  }
  const message = error && error.message ? error.message : String(error);
  const named = [...form.querySelectorAll('[name]')].find(c => new RegExp(`(^|[^A-Za-z])"?${c.name}"?([^A-Za-z]|$)`).test(message))
    || near;
  if (!named) {
    replace(fallback, errorBox(error));
    return;
  }
  const box = errorBox(error);
  box.classList.add('field-error');
  box.id = `${named.id}-error`;
  named.setAttribute('aria-invalid', 'true');
  named.setAttribute('aria-describedby', box.id);
  named.closest('label').after(box);
  named.focus();
}

/** Runs a form's action with its button disabled; a failure is shown next to the field it is about (see showError). */
export async function submit(form, button, result, action, near) {
  button.disabled = true;
  replace(result);
  try {
    await action();
    for (const old of form.querySelectorAll('.field-error')) {
      old.remove();
    }
    for (const old of form.querySelectorAll('[aria-invalid]')) {
      old.removeAttribute('aria-invalid');
    }
  } catch (e) {
    showError(form, result, e, near);
  } finally {
    button.disabled = false;
  }
}
