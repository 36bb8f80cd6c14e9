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
