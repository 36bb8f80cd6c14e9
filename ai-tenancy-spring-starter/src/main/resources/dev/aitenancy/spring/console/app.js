// The console's shell: who is signed in (GET {base}/me), the navigation for their role, and a hash router.
import { api } from './api.js';
import { el, errorBox, replace } from './dom.js';
import { auditPage, featuresPage, pricingPage } from './governance.js';
import { guardrailsPage } from './guardrails.js';
import { limitsPage } from './limits.js';
import { orgPicker, providersPage, modelsPage } from './pages.js';
import { playgroundPage } from './playground.js';
import { templatesPage } from './templates.js';
import { usagePage } from './usage.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let me = null;

/** What the caller may see in an org: admin pages (superadmin or org admin), member pages, or nothing. */
export function roleIn(org) {
  if (me.superadmin || me.adminOf.includes(org)) {
    return 'admin';
  }
  return me.memberOf.includes(org) ? 'member' : 'none';
}

const PAGES = [
  { path: 'providers', title: 'Providers', admin: true, render: providersPage },
  { path: 'models', title: 'Models', admin: true, render: modelsPage },
  { path: 'usage', title: 'Usage', admin: true, render: (org, out) => usagePage(org, out, false) },
  { path: 'limits', title: 'Limits & budgets', admin: true, render: limitsPage },
  { path: 'guardrails', title: 'Guardrails', admin: true, render: guardrailsPage },
  { path: 'templates', title: 'Templates', admin: true, render: templatesPage },
  { path: 'features', title: 'Features', admin: true, render: featuresPage },
  { path: 'pricing', title: 'Pricing', admin: true, render: pricingPage },
  { path: 'audit', title: 'Audit log', admin: true, render: auditPage },
  { path: 'my-usage', title: 'My usage', admin: false, render: (org, out) => usagePage(org, out, true) },
  { path: 'playground', title: 'Playground', admin: false, render: playgroundPage },
];

function homeOrg() {
  return me.adminOf[0] || me.memberOf[0] || null;
}

function renderNav(org, current) {
  const links = [];
  if (me.superadmin) {
    links.push({ href: '#/', title: 'Orgs', current: !org });
  }
  if (org) {
    const admin = roleIn(org) === 'admin';
    for (const p of PAGES.filter(p => admin || !p.admin)) {
      links.push({ href: `#/orgs/${encodeURIComponent(org)}/${p.path}`, title: p.title, current: p.path === current });
    }
  }
  replace(nav, el('ul', {}, links.map(l => el('li', {},
    el('a', { href: l.href, 'aria-current': l.current ? 'page' : null }, l.title)))));
}

function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'orgs' && parts[1]) {
    const org = parts[1];
    const page = PAGES.find(p => p.path === parts[2]);
    if (!page) {
      location.replace(`#/orgs/${encodeURIComponent(org)}/${roleIn(org) === 'admin' ? 'providers' : 'playground'}`);
      return;
    }
    renderNav(org, page.path);
    document.title = `${page.title} · ${org} · ai-tenancy`;
    const out = el('div');
    replace(main, el('h1', {}, `${page.title} `, el('small', {}, `(org ${org})`)), out);
    page.render(org, out, me, params);
    main.focus();
    return;
  }
  const org = homeOrg();
  if (!me.superadmin && org) {
    location.replace(`#/orgs/${encodeURIComponent(org)}/${roleIn(org) === 'admin' ? 'providers' : 'playground'}`);
    return;
  }
  renderNav(null, null);
  document.title = 'Orgs · ai-tenancy';
  replace(main, el('h1', {}, 'Choose an org'));
  orgPicker(main, me);
  main.focus();
}

async function start() {
  try {
    me = await api('GET', 'me');
  } catch (e) {
    replace(main, el('h1', {}, 'Not signed in'), errorBox(e));
    return;
  }
  replace(who, 'Signed in as ', el('strong', { id: 'user-id' }, me.userId), me.superadmin ? ' (superadmin)' : '');
  window.addEventListener('hashchange', route);
  route();
}

start();
