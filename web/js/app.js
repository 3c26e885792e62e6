// app.js - the shell of the web app: session, navigation, routes.
//
// Routes live in the URL hash (#/board?view=3, #/deal/7), so a reload keeps
// the page and the server only ever serves one page. Each page module
// exports render(main, ctx, route) and draws into main with dom.js.
import { CONTEXT, fontWarm, hasSession, parseRoute } from './boot.js'; // first: it starts the first requests
import { api, ApiError, get, setUnauthorizedHandler } from './api.js';
import { h, mount, s, toast } from './dom.js';
import { earlierChoice, lang, setLang, t } from './i18n.js';
import * as board from './board.js';
import * as deals from './deals.js';
import * as deal from './deal.js';
import * as dashboard from './dashboard.js';
import * as settings from './settings.js';
import * as notes from './notes.js';
import * as search from './search.js';
import * as audit from './audit.js';
import * as importPage from './import.js';

const app = document.getElementById('app');
const PAGES = { board, deals, deal, company: deal, dashboard, settings, notebook: notes, note: notes, search, audit, trash: audit, import: importPage };
// Reports: loaded on first visit, so the first screen does not wait for it.
PAGES.reports = { render: (...a) => import('./reports.js').then((m) => m.render(...a)) };

// ctx: what every page needs; loaded after login.
export const ctx = {
  me: null,
  ws: null,
  stages: [],
  users: [],
  views: [],
  privileged: false,
  async reloadViews() {
    ctx.views = (await get('/views')).items;
    drawSide();
  },
  async reloadStages() {
    ctx.stages = (await get('/stages')).items;
  },
  async reloadUsers() {
    ctx.users = (await get('/users')).items;
  },
  go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  userName(id) {
    const u = ctx.users.find((x) => x.id === id);
    return u ? u.display_name || u.username : '';
  },
};

function landing() {
  return ctx.privileged ? '#/board' : `#/deals?owner=${encodeURIComponent(ctx.me.username)}`;
}

// ---- login ----

function loginForm(onDone, { overlay = false } = {}) {
  const err = h('p', { class: 'form-error', role: 'alert' });
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, value: ctx.me?.username || '' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    {
      class: 'login-form',
      on: {
        submit: async (ev) => {
          ev.preventDefault();
          err.textContent = '';
          try {
            const r = await api('POST', '/login', { body: { username: user.value.trim(), password: pass.value } });
            sessionStorage.setItem('csrf', r.csrf_token);
            await onDone(r);
          } catch (e) {
            err.textContent = e.status === 401 ? t('loginFailed') : e.message;
          }
        },
      },
    },
    h('h1', null, overlay ? t('login') : t('loginTitle')),
    overlay ? h('p', { class: 'muted' }, t('sessionExpired')) : null,
    h('label', null, t('username'), user),
    h('label', null, t('password'), pass),
    err,
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('login')),
    overlay ? null : langSwitch(),
  );
  setTimeout(() => (user.value ? pass : user).focus(), 0);
  return form;
}

// firstScreen marks when the first screen is on the screen: after the frame
// that lays it out and paints it (the browser tests read the mark). Then a
// language chosen before the cookie kept it is moved there (and shown).
function firstScreen() {
  requestAnimationFrame(() =>
    setTimeout(() => {
      if (performance.getEntriesByName('litecrm:first-screen').length) return;
      performance.mark('litecrm:first-screen');
      fontWarm?.remove();
      tabIcon();
      const earlier = earlierChoice();
      if (!earlier) return;
      const shown = lang;
      setLang(earlier);
      if (earlier !== shown) redraw();
    }, 0));
}

// tabIcon names the tab's icon: only after the first screen, as the browser
// builds an SVG icon as a document of its own on the page's thread, which
// held up the first frame. Until then index.html names an empty one
// ("data:,"), so that the browser does not ask for /favicon.ico (a 404)
// once the page has loaded, which on the board is before its first frame.
function tabIcon() {
  const link = document.querySelector('link[rel=icon]');
  const href = new URL('favicon.svg', import.meta.url).href;
  if (link.href === href) return;
  link.type = 'image/svg+xml';
  link.href = href;
}

function showLogin() {
  ctx.me = null;
  mount(app, h('div', { class: 'login-page' }, h('div', { class: 'brand-big' }, brandMark(), 'litecrm'), loginForm(async () => {
    await loadContext();
    const r = parseRoute();
    shell();
    // A new hash draws its page (hashchange); the same one is drawn here.
    if (!r.page || r.page === 'login') location.hash = landing();
    else route();
  })));
  firstScreen();
}

// An expired session on a page: log in over the page, keeping what was typed.
let overlayOpen = false;
function showLoginOverlay() {
  if (overlayOpen || !ctx.me) return showLogin();
  overlayOpen = true;
  const back = h('div', { class: 'modal-back' });
  back.append(h('div', { class: 'modal' }, loginForm(async () => {
    overlayOpen = false;
    back.remove();
    toast(t('saved'));
  }, { overlay: true })));
  document.body.append(back);
}

setUnauthorizedHandler(() => {
  if (ctx.me) showLoginOverlay();
});

// ---- the shell ----

// brandMark: the logo (favicon.svg's drawing) as inline SVG: an SVG image
// (a CSS background) is a document of its own to fetch, build and decode
// before the first frame can show it.
function brandMark() {
  return s('svg', { class: 'brand-mark', viewBox: '0 0 32 32', 'aria-hidden': 'true' },
    s('rect', { width: 32, height: 32, rx: 7, fill: '#2457d6' }),
    s('path', { d: 'M8 22V10h3v9h6v3zM19 22v-8h3v8zm5 0V8h3v14z', fill: '#fff' }));
}

function langSwitch() {
  return h(
    'button',
    {
      class: 'btn btn-ghost lang-switch',
      type: 'button',
      'data-testid': 'lang-switch',
      title: t('language'),
      on: {
        click: () => {
          setLang(lang === 'zh-TW' ? 'en' : 'zh-TW');
          redraw();
        },
      },
    },
    lang === 'zh-TW' ? 'English' : '中文',
  );
}

// redraw draws the screen again (in another language).
function redraw() {
  if (ctx.me) {
    shell();
    route();
  } else showLogin();
}

let main;
let side;
let topNav;

function shell() {
  const nav = [
    ['board', t('board')],
    ['deals', t('deals')],
    ['dashboard', t('dashboard')],
    ['reports', t('reports')],
  ];
  if (ctx.privileged) nav.push(['import', t('import')], ['settings', t('settings')]);
  nav.push(['trash', t('trash')]);
  if (ctx.me.role === 'admin') nav.push(['audit', t('audit')]);
  topNav = h(
    'nav',
    { class: 'top-nav', 'aria-label': 'main' },
    nav.map(([p, label]) => h('a', { href: `#/${p}`, dataset: { page: p } }, label)),
  );
  side = h('aside', { class: 'side', 'aria-label': t('views') });
  main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  mount(
    app,
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: landing() }, brandMark(), h('span', null, ctx.ws.name || 'litecrm')),
      topNav,
      search.searchBox(ctx),
      h('div', { class: 'top-right' }, langSwitch(), h('span', { class: 'who', title: ctx.me.role }, ctx.me.display_name || ctx.me.username),
        h('button', { class: 'btn btn-ghost', type: 'button', on: { click: logout } }, t('logout'))),
    ),
    h('div', { class: 'body' }, side, main),
  );
  drawSide();
}

function drawSide() {
  if (!side) return;
  const r = parseRoute();
  const mine = `#/deals?owner=${encodeURIComponent(ctx.me.username)}`;
  const link = (href, label, extra) =>
    h('a', { href, class: r.hash === href ? 'active' : null }, label, extra || null);
  mount(
    side,
    h('div', { class: 'side-group' },
      link(mine, t('myDeals')),
      link('#/deals', t('allDeals'))),
    h('div', { class: 'side-title' }, t('views')),
    h('div', { class: 'side-group', 'data-testid': 'view-list' },
      ctx.views.map((v) => {
        const active = r.params.get('view') === String(v.id);
        return h('div', { class: `side-view${active ? ' active' : ''}` },
          h('a', { href: `#/deals?view=${v.id}`, title: t('asList') }, v.name,
            v.shared ? h('span', { class: 'badge', title: t('shared') }, '⇄') : null),
          h('a', { class: 'side-board', href: `#/board?view=${v.id}`, title: t('onBoard'), 'aria-label': `${t('onBoard')}: ${v.name}` }, '▦'));
      })),
  );
}

async function logout() {
  try {
    await api('POST', '/logout');
  } catch {
    /* the session may be gone already */
  }
  sessionStorage.removeItem('csrf');
  ctx.me = null;
  location.hash = '';
  showLogin();
}

async function loadContext() {
  // One request: everything the shell and the first page need (on the first
  // screen, boot.js asked already).
  const c = await get(CONTEXT);
  ctx.me = c.user;
  ctx.ws = c.workspace;
  ctx.privileged = c.user.role === 'admin' || c.user.role === 'manager';
  ctx.stages = c.stages;
  ctx.users = c.users;
  ctx.views = c.views;
}

// route draws the page the hash names.
export async function route() {
  if (!ctx.me) return;
  const r = parseRoute();
  if (!r.page || r.page === 'login') {
    location.replace(landing());
    return;
  }
  const page = PAGES[r.page];
  for (const a of topNav.querySelectorAll('a'))
    a.classList.toggle('active', a.dataset.page === r.page || (r.page === 'deal' && a.dataset.page === 'deals'));
  drawSide();
  const token = (route.token = (route.token || 0) + 1);
  const hash = location.hash;
  if (!page) {
    mount(main, h('p', { class: 'empty' }, t('notFound')));
    main.dataset.route = hash;
    return;
  }
  delete main.dataset.route;
  try {
    await page.render(main, ctx, r, () => token === route.token);
    // The hash whose page is drawn: what a test (or a script) waits for
    // before it touches the page, instead of racing a render in flight.
    if (token === route.token) main.dataset.route = hash;
  } catch (e) {
    if (token !== route.token) return;
    if (e instanceof ApiError && e.status === 401) return;
    mount(main, h('p', { class: 'empty error' }, e instanceof ApiError && e.status === 404 ? t('notFound') : e.message));
    main.dataset.route = hash;
  }
}

window.addEventListener('hashchange', route);

async function start() {
  // No session cookie pair: the login form is the first screen, drawn
  // without a round trip. With one, boot.js has asked for the context and
  // the first page's data.
  if (!hasSession) return showLogin();
  try {
    await loadContext();
  } catch (e) {
    if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return showLogin();
    fontWarm?.remove();
    mount(app, h('p', { class: 'empty error' }, e.message));
    return;
  }
  shell();
  await route();
  firstScreen();
}

start();
