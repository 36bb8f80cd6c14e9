// How values of the endpoints' JSON are shown.

export function usd(amount) {
  if (amount === null || amount === undefined) {
    return '–';
  }
  const n = Number(amount);
  return '$' + (n !== 0 && Math.abs(n) < 0.01 ? String(Number(n.toPrecision(3))) : n.toFixed(2));
}

export function money(m) {
  return m ? (m.currency === 'USD' ? usd(m.amount) : m.amount + ' ' + m.currency) : '–';
}

export function when(iso) {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/:\d\dZ$/, 'Z');
}

export function num(n) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en');
}

export function tokens(usage) {
  return usage ? num(usage.inputTokens) + ' in / ' + num(usage.outputTokens) + ' out' : '–';
}

/** An instant to the second, in UTC. */
export function whenExact(iso) {
  if (!iso) {
    return '–';
  }
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
