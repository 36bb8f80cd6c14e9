// The chart of calls, tokens and cost per UTC day, of the org (usage/...) or of the signed-in member
// (my/usage/...): earlier days from the daily summaries (.../daily), today from the live totals
// (.../totals), since today is summarized only later.
// Drawn with uPlot (served from the console's own path, vendor/), with the same numbers as a table.
import { api } from './api.js';
import { el, errorBox, replace, table } from './dom.js';
import { num, usd } from './format.js';

const DAY = 86400;
let uPlotModule = null;

/** uPlot and its stylesheet, loaded once. */
async function uPlot() {
  if (!uPlotModule) {
    if (!document.querySelector('link[data-uplot]')) {
      document.head.append(el('link', { rel: 'stylesheet', href: 'vendor/uPlot.min.css', 'data-uplot': 'yes' }));
    }
    uPlotModule = (await import('./vendor/uPlot.esm.js')).default;
  }
  return uPlotModule;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

/**
 * The days of the filters' period with their sums, today's from the live totals. As for the
 * records, "to" is where the period ends (its day is not in it); without it the period ends today.
 */
async function perDay(root, from, to) {
  const today = isoDay(new Date());
  const end = to ? isoDay(new Date(Date.parse(to + 'T00:00:00Z') - DAY * 1000)) : today;
  const start = from || isoDay(new Date(Date.parse(end + 'T00:00:00Z') - 29 * DAY * 1000));
  if (start > end) {
    throw new Error('"From" is not before "To": the chart has no days to show.');
  }
  const summaries = await api('GET', `${root}/daily`, { params: { from: start, to: end } });
  const days = new Map();
  for (let t = Date.parse(start + 'T00:00:00Z'); t <= Date.parse(end + 'T00:00:00Z'); t += DAY * 1000) {
    days.set(isoDay(new Date(t)), { day: isoDay(new Date(t)), requests: 0, tokens: 0, cost: 0 });
  }
  for (const s of summaries) {
    const d = days.get(s.day);
    if (d) {
      d.requests += s.requests;
      d.tokens += s.inputTokens + s.outputTokens;
      d.cost += Number(s.costUsd || 0);
    }
  }
  if (days.has(today)) { // today is summarized later (if at all): count it live
    const live = await api('GET', `${root}/totals`, { params: { from: today } });
    days.set(today, { day: today, requests: live.requests, tokens: live.inputTokens + live.outputTokens,
      cost: Number(live.costUsd || 0), live: true });
  }
  return [...days.values()];
}

const METRICS = [
  { key: 'requests', title: 'Calls', color: '#2457c5', value: v => num(v) },
  { key: 'tokens', title: 'Tokens', color: '#1e7a3c', value: v => num(v) },
  { key: 'cost', title: 'Cost (USD)', color: '#a45a00', value: v => usd(v) },
];

function plot(U, host, rows, metric) {
  const xs = rows.map(r => Date.parse(r.day + 'T00:00:00Z') / 1000);
  const ys = rows.map(r => r[metric.key]);
  const width = () => Math.max(220, host.clientWidth);
  const chart = new U({
    width: width(),
    height: 170,
    legend: { show: false },
    cursor: { y: false },
    // half a day of room on each side, so the first and last bars are whole
    scales: { x: { time: true, range: (u, min, max) => [min - DAY / 2, max + DAY / 2] },
      y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    tzDate: ts => U.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    axes: [{ stroke: '#5b6474', grid: { show: false } },
      { stroke: '#5b6474', size: 72, values: (u, splits) => splits.map(v => (metric.key === 'cost' ? usd(v) : num(v))),
        // whole calls and tokens: no ticks between them
        incrs: metric.key === 'cost' ? undefined : [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5,
          1e6, 2e6, 5e6, 1e7, 1e8, 1e9] }],
    series: [{}, { label: metric.title, stroke: metric.color, fill: metric.color + '55', width: 1,
      paths: U.paths.bars({ size: [0.7, 40] }), points: { show: false } }],
  }, [xs, ys], host);
  new ResizeObserver(() => {
    if (host.isConnected && Math.abs(chart.width - width()) > 2) {
      chart.setSize({ width: width(), height: 170 });
    }
  }).observe(host);
  return chart;
}

/**
 * Renders the chart of the days into `section` (the filters' from/to dates, else the last 30 days);
 * `root` is the org's usage endpoint or the member's own (`mine`).
 */
export async function dailyChart(root, section, from, to, mine) {
  const result = el('div', { id: 'chart-state' }, el('p', { class: 'empty' }, 'Loading…'));
  replace(section, el('h2', {}, 'Calls, tokens and cost per day'), result);
  let rows;
  let U;
  try {
    [rows, U] = await Promise.all([perDay(root, from, to), uPlot()]);
  } catch (e) {
    replace(result, errorBox(e));
    return;
  }
  const sum = key => rows.reduce((a, r) => a + r[key], 0);
  const figures = METRICS.map(m => {
    const host = el('div', { class: 'plot', 'data-metric': m.key });
    return { m, host, figure: el('figure', { class: 'chart' }, el('figcaption', {}, m.title, ' ',
      el('span', { class: 'chart-total', id: `chart-total-${m.key}` }, m.value(sum(m.key)))), host) };
  });
  const latest = rows[rows.length - 1];
  replace(result,
    el('p', {}, `${rows[0].day} to ${latest.day}, UTC days, ${mine ? 'your calls' : 'all users'}`,
      latest.live ? '; today counted as of now.' : '.', ' The days are summarized after they end; '
      + 'the numbers are also in the table below the charts.'),
    el('div', { class: 'charts', id: 'usage-chart', 'data-requests': String(sum('requests')),
      'data-days': String(rows.length) }, figures.map(f => f.figure)),
    el('details', {}, el('summary', {}, 'The numbers per day'), table('Calls, tokens and cost per day', [
      { title: 'Day', cell: r => r.day },
      { title: 'Calls', num: true, cell: r => num(r.requests) },
      { title: 'Tokens', num: true, cell: r => num(r.tokens) },
      { title: 'Cost', num: true, cell: r => usd(r.cost) },
    ], rows.slice().reverse())));
  if (sum('requests') === 0) {
    result.append(el('p', { class: 'empty' }, 'No calls in these days yet: make one in the playground.'));
  }
  for (const f of figures) {
    plot(U, f.host, rows, f.m);
  }
}
