// board.js - the pipeline board: a column per stage with its figures, the
// deals as cards; drag (mouse and touch, via SortableJS), a menu or
// Alt+arrow keys move a deal. A move is saved with the deal's version
// (If-Match); a failure puts the card back and says why.
import { api, get } from './api.js';
import { h, initials, mount, toast } from './dom.js';
import { BOARD_COL as COL, boardQuery, filterHash, routeFilter } from './filters.js';
import { money, num, stageName, t } from './i18n.js';
import { stalledBadge } from './insights.js'; // reports: stalled deals marked

// The board is one request, GET /board: the stages, each column's figures
// (count, amount, expected: every deal under the filter, not only those
// shown) and its first BOARD_COL cards (boardQuery, filters.js), newest
// first, each with its stalled mark. "Show more" pages one column
// (?stage=KEY&after=ID).

function expectedOf(d, st) {
  const p = d.probability_override ?? st.probability;
  return Math.round(d.amount * p) / 100;
}

// SortableJS is a file of its own (embed-web.mjs), asked for once the first
// screen is drawn: evaluated with the app, it was about a third of the code
// evaluated before the first screen. loadSortable() returns its constructor
// (one request; asked again after a failure).
let sortable = null;
function loadSortable() {
  sortable ??= import('sortablejs').then((m) => m.default, (e) => {
    sortable = null;
    throw e;
  });
  return sortable;
}
let Sortable = null; // once loaded
const FIRST_SCREEN = 'litecrm:first-screen';

// afterFirstScreen(fn) calls fn once the app has marked its first screen
// (app.js firstScreen()), at once if it has.
function afterFirstScreen(fn) {
  if (performance.getEntriesByName(FIRST_SCREEN).length) return fn();
  const seen = new PerformanceObserver(() => {
    if (!performance.getEntriesByName(FIRST_SCREEN).length) return;
    seen.disconnect();
    fn();
  });
  seen.observe({ type: 'mark' });
}

// cardsOf(col, st): a column's cards as deals of the stage (the answer
// leaves out what the column says).
const cardsOf = (col, st) => col.cards.map((d) => Object.assign(d, { stage_id: st.id, stage: st.key, status: st.kind }));

export async function render(main, ctx, r, current) {
  const { filter, view } = routeFilter(ctx, r);
  const b = await get('/board', boardQuery(filter));
  if (!current()) return;
  ctx.stages = b.stages;
  const cols = new Map(b.columns.map((c) => [c.stage_id, c]));
  const state = {
    stages: b.stages,
    cols: new Map(b.stages.map((st) => {
      const c = cols.get(st.id) || { count: 0, amount: 0, expected: 0, cards: [], more: false };
      const deals = cardsOf(c, st);
      return [st.id, { deals, count: c.count, amount: Number(c.amount), expected: Number(c.expected), more: c.more, after: deals.at(-1)?.id }];
    })),
    open: { amount: Number(b.open.amount), expected: Number(b.open.expected) },
  };
  const findDeal = (id) => {
    for (const c of state.cols.values()) {
      const d = c.deals.find((x) => String(x.id) === String(id));
      if (d) return d;
    }
    return null;
  };
  // shift(d, sign) adds (1) or takes (-1) d from its column's and the board's figures.
  const shift = (d, sign) => {
    const c = state.cols.get(d.stage_id);
    if (c) {
      c.count += sign;
      c.amount += sign * Number(d.amount);
      c.expected += sign * Number(d.expected);
    }
    if (d.status === 'open') {
      state.open.amount += sign * Number(d.amount);
      state.open.expected += sign * Number(d.expected);
    }
  };
  // place(d, from): d leaves column `from` and joins its own (stage_id) at the top.
  const place = (d, from) => {
    const a = state.cols.get(from);
    if (a) a.deals = a.deals.filter((x) => x !== d);
    state.cols.get(d.stage_id)?.deals.unshift(d);
  };
  const boardEl = h('div', { class: 'board', 'data-testid': 'board' });
  const headFigs = h('div', { class: 'head-figs' });
  const sortables = [];
  const menuClose = () => document.querySelectorAll('.move-menu').forEach((m) => m.remove());

  async function moveDeal(d, st) {
    menuClose();
    if (!st || d.stage_id === st.id) return draw();
    const before = { ...d };
    shift(d, -1);
    Object.assign(d, { stage_id: st.id, stage: st.key, status: st.kind, expected: expectedOf(d, st) });
    shift(d, 1);
    place(d, before.stage_id);
    draw();
    try {
      const nd = await api('POST', `/deals/${d.id}/move`, { body: { stage: st.key }, version: before.version });
      shift(d, -1);
      Object.assign(d, nd, { stalled: null }); // a move ends a stall
      shift(d, 1);
      draw();
      toast(t('moved', { stage: stageName(st) }));
    } catch (e) {
      shift(d, -1);
      Object.assign(d, before);
      shift(d, 1);
      place(d, st.id);
      draw(); // the card is back before the message says why
      document.querySelector(`[data-deal-id="${d.id}"]`)?.focus();
      let msg = t('moveFailed', { msg: e.message });
      if (e.status === 412) msg = t('moveStale');
      else if (e.status === 403) msg = t('moveForbidden');
      else if (e.status === 0) msg = t('moveNetwork');
      toast(msg, 'error');
      if (e.status === 412) {
        // Someone else changed the deal: show their version (and its next move works).
        let fresh;
        try {
          fresh = await get(`/deals/${d.id}`);
        } catch {
          return; /* keep what we had */
        }
        const was = d.stage_id;
        shift(d, -1);
        Object.assign(d, fresh);
        if (d.stage_id !== was) d.stalled = null;
        shift(d, 1);
        if (d.stage_id !== was) place(d, was);
        draw();
        document.querySelector(`[data-deal-id="${d.id}"]`)?.focus();
      }
    }
  }

  function moveMenu(d, anchor) {
    menuClose();
    const menu = h('div', { class: 'move-menu', role: 'menu', 'aria-label': t('moveTo') },
      h('div', { class: 'menu-title' }, t('moveTo')),
      state.stages.map((st) =>
        h('button', {
          type: 'button', role: 'menuitem', class: st.id === d.stage_id ? 'current' : null,
          disabled: st.id === d.stage_id, dataset: { stage: st.key },
          on: { click: () => moveDeal(d, st) },
        }, stageName(st), h('span', { class: 'muted' }, ` ${st.probability}%`))));
    menu.addEventListener('keydown', (ev) => {
      const items = [...menu.querySelectorAll('button:not([disabled])')];
      const i = items.indexOf(document.activeElement);
      if (ev.key === 'Escape') { menuClose(); anchor.focus(); }
      else if (ev.key === 'ArrowDown') { ev.preventDefault(); items[(i + 1) % items.length].focus(); }
      else if (ev.key === 'ArrowUp') { ev.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
    });
    const rect = anchor.getBoundingClientRect();
    menu.style.top = `${Math.min(rect.bottom + window.scrollY + 4, window.scrollY + window.innerHeight - 380)}px`;
    menu.style.left = `${Math.max(8, Math.min(rect.left + window.scrollX - 150, window.innerWidth - 230))}px`;
    document.body.append(menu);
    menu.querySelector('button:not([disabled])')?.focus();
  }

  function card(d) {
    const overdue = d.close_date && d.status === 'open' && d.close_date < b.today;
    const stall = d.status === 'open' ? d.stalled : null;
    const owner = d.owner_name || d.owner || '';
    const menuBtn = h('button', { class: 'card-menu', type: 'button', 'aria-label': `${t('move')}: ${d.name}`, title: t('move'), 'aria-haspopup': 'menu' }, '⋯');
    const el = h('article', {
      class: `card${overdue ? ' is-overdue' : ''}${stall ? ' is-stalled' : ''}`, tabindex: '0', 'data-deal-id': d.id, 'data-version': d.version, 'data-testid': 'deal-card',
      'aria-label': `${d.company} — ${d.name}`,
    },
      h('div', { class: 'card-top' }, h('span', { class: 'card-company' }, d.company), menuBtn),
      h('a', { class: 'card-name', href: `#/deal/${d.id}` }, d.name),
      h('div', { class: 'card-foot' },
        h('span', { class: 'card-amount' }, money(d.amount)),
        d.close_date ? h('span', { class: `card-date${overdue ? ' overdue' : ''}`, title: overdue ? t('overdue') : t('closeDate') }, overdue ? '⚠ ' : '', d.close_date) : null,
        h('span', { class: 'avatar', title: owner }, initials(owner))),
      stall ? stalledBadge(stall) : null);
    menuBtn.addEventListener('click', (ev) => { ev.stopPropagation(); moveMenu(d, menuBtn); });
    el.addEventListener('keydown', (ev) => {
      if (ev.target !== el) return;
      const i = state.stages.findIndex((x) => x.id === d.stage_id);
      if (ev.key === 'Enter') location.hash = `#/deal/${d.id}`;
      else if (ev.key === 'm' || ev.key === 'M') { ev.preventDefault(); moveMenu(d, menuBtn); }
      else if (ev.altKey && ev.key === 'ArrowRight' && i < state.stages.length - 1) { ev.preventDefault(); moveDeal(d, state.stages[i + 1]); }
      else if (ev.altKey && ev.key === 'ArrowLeft' && i > 0) { ev.preventDefault(); moveDeal(d, state.stages[i - 1]); }
    });
    return el;
  }

  async function loadMore(st, btn) {
    const c = state.cols.get(st.id);
    btn.disabled = true;
    try {
      const page = await get('/board', { ...boardQuery(filter), stage: st.key, after: c.after });
      const col = page.columns.find((x) => x.stage_id === st.id) || { cards: [], more: false };
      const have = new Set(c.deals.map((d) => d.id));
      const more = cardsOf(col, st);
      c.deals.push(...more.filter((d) => !have.has(d.id)));
      c.after = more.at(-1)?.id ?? c.after;
      c.more = col.more;
      draw();
    } catch (e) {
      btn.disabled = false;
      toast(e.message, 'error');
    }
  }

  function column(st) {
    const c = state.cols.get(st.id);
    const ds = c.deals;
    const rest = c.count - ds.length;
    const guide = h('div', { class: 'guide', hidden: true, id: `guide-${st.id}` }, st.guidance || t('noGuidance'));
    const gbtn = h('button', { class: 'col-name', type: 'button', 'aria-expanded': 'false', 'aria-controls': `guide-${st.id}`, title: t('guidance') },
      stageName(st), h('span', { class: 'info', 'aria-hidden': 'true' }, 'ⓘ'));
    gbtn.addEventListener('click', () => {
      guide.hidden = !guide.hidden;
      gbtn.setAttribute('aria-expanded', String(!guide.hidden));
    });
    const cards = h('div', { class: 'col-cards', 'data-stage-id': st.id }, ds.map(card));
    const more = c.more && rest > 0
      ? h('button', { class: 'btn btn-ghost col-more', type: 'button', 'data-testid': 'col-more' }, t('loadMore', { n: num(Math.min(rest, COL)), rest: num(rest) }))
      : null;
    more?.addEventListener('click', () => loadMore(st, more));
    return h('section', { class: `col col-${st.kind}`, 'data-stage': st.key, 'data-testid': 'column' },
      h('header', { class: 'col-head' },
        h('div', { class: 'col-title' }, gbtn, h('span', { class: 'prob', title: t('probability') }, `${st.probability}%`)),
        h('dl', { class: 'col-figs' },
          h('div', null, h('dt', null, t('count')), h('dd', { 'data-fig': 'count' }, num(c.count))),
          h('div', null, h('dt', null, t('total')), h('dd', { 'data-fig': 'total' }, money(c.amount))),
          h('div', null, h('dt', null, t('expected')), h('dd', { 'data-fig': 'expected' }, money(c.expected)))),
        guide),
      cards,
      more);
  }

  // draw() (re)draws the columns, keeping the board's scroll position; the
  // first draw reads no layout (scrollLeft would force one before the paint).
  let drawn = false;
  function draw() {
    sortables.splice(0).forEach((s) => s.destroy());
    const scroll = drawn ? boardEl.scrollLeft : 0;
    mount(boardEl, state.stages.map(column));
    mount(headFigs,
      h('span', null, `${t('open')} ${money(state.open.amount)}`),
      h('span', null, `${t('expected')} ${money(state.open.expected)}`));
    if (drawn) boardEl.scrollLeft = scroll;
    drawn = true;
  }

  // drag(ev) makes the columns' cards draggable (SortableJS), on the first
  // press on the board rather than with every draw: creating a Sortable per
  // column was on the first screen's path. The press that calls it is seen
  // first here (capture), so the listener each Sortable adds to its column
  // still receives it and the drag starts with it. A press before SortableJS
  // has arrived starts the drag when it does, if the button or finger is
  // still down (the press is given to the new Sortables again); the menu and
  // the keyboard move need none of it.
  function attach() {
    if (sortables.length) return;
    for (const el of boardEl.querySelectorAll('.col-cards')) {
      sortables.push(Sortable.create(el, {
        group: 'deals', animation: 120, forceFallback: true, fallbackTolerance: 4,
        delay: 180, delayOnTouchOnly: true, filter: '.card-menu', preventOnFilter: false,
        ghostClass: 'card-ghost', chosenClass: 'card-chosen', dragClass: 'card-drag',
        scroll: true, bubbleScroll: true,
        onEnd: (ev) => {
          const d = findDeal(ev.item.dataset.dealId);
          const st = state.stages.find((x) => String(x.id) === ev.to.dataset.stageId);
          if (d && st && ev.from !== ev.to) moveDeal(d, st);
          else draw();
        },
      }));
    }
  }
  let waiting = null; // the press that waits for SortableJS
  const RELEASE = ['pointerup', 'pointercancel', 'mouseup', 'touchend', 'touchcancel'];
  function drag(ev) {
    if (Sortable) return attach();
    if (waiting) return;
    waiting = ev;
    const released = () => (waiting = null);
    for (const type of RELEASE) document.addEventListener(type, released, { capture: true });
    loadSortable().then((S) => {
      Sortable = S;
      const press = waiting;
      waiting = null;
      for (const type of RELEASE) document.removeEventListener(type, released, { capture: true });
      if (!boardEl.isConnected) return;
      attach();
      if (press?.target.isConnected) press.target.dispatchEvent(new press.constructor(press.type, press));
    }, () => {
      waiting = null;
      for (const type of RELEASE) document.removeEventListener(type, released, { capture: true });
    });
  }
  for (const type of ['pointerdown', 'mousedown', 'touchstart'])
    boardEl.addEventListener(type, drag, { capture: true, passive: true });
  if (!Sortable) afterFirstScreen(() => loadSortable().then((S) => (Sortable = S), () => {}));

  mount(main,
    h('div', { class: 'page-head' },
      h('h1', null, view ? view.name : t('board')),
      headFigs,
      h('a', { class: 'btn', href: filterHash('deals', Object.keys(filter).length && !view ? filter : {}, view?.id) }, t('asList'))),
    boardEl);
  draw();
}

// A click outside an open move menu closes it.
document.addEventListener('click', (ev) => {
  if (!ev.target.closest('.move-menu') && !ev.target.closest('.card-menu'))
    document.querySelectorAll('.move-menu').forEach((m) => m.remove());
});
