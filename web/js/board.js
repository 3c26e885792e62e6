// board.js - the pipeline board: a column per stage with its figures, the
// deals as cards; drag (mouse and touch, via SortableJS), a menu or
// Alt+arrow keys move a deal. A move is saved with the deal's version
// (If-Match); a failure puts the card back and says why.
import Sortable from 'sortablejs';
import { api, get, prime as primeGet } from './api.js';
import { h, initials, mount, toast, today } from './dom.js';
import { filterHash, routeFilter } from './filters.js';
import { money, num, stageName, t } from './i18n.js';
import { stalledBadge, stalledMap, stalledQuery } from './insights.js'; // reports: stalled deals marked

const LIMIT = 500;

function expectedOf(d, st) {
  const p = d.probability_override ?? st.probability;
  return Math.round(d.amount * p) / 100;
}

// dealsQuery(filter): the deal-list query of a board with this filter.
function dealsQuery(filter) {
  const q = { ...filter, limit: LIMIT, total: 1 };
  delete q.sort;
  delete q.order;
  return q;
}

// prime(r) starts loading the board's deals before the session is known
// (app.js start()). A saved view's filter comes with the session: not primed.
export function prime(r) {
  if (r.params.has('view')) return;
  const { filter } = routeFilter({ views: [] }, r);
  primeGet('/deals', dealsQuery(filter));
  primeGet('/reports/stalled', stalledQuery(filter));
}

export async function render(main, ctx, r, current) {
  const { filter, view } = routeFilter(ctx, r);
  const q = dealsQuery(filter);
  // The stages come with the session (ctx); later visits refresh them alongside the deals.
  const fresh = render.drawn ? get('/stages') : null;
  render.drawn = true;
  const [stages, list, stalled] = await Promise.all([fresh, get('/deals', q), stalledMap(filter)]);
  if (!current()) return;
  if (stages) ctx.stages = stages.items;
  const state = { deals: list.items, total: list.total ?? list.items.length, stages: ctx.stages };
  const boardEl = h('div', { class: 'board', 'data-testid': 'board' });
  const sortables = [];
  const menuClose = () => document.querySelectorAll('.move-menu').forEach((m) => m.remove());

  async function moveDeal(d, st) {
    menuClose();
    if (!st || d.stage_id === st.id) return draw();
    const before = { ...d };
    Object.assign(d, { stage_id: st.id, stage: st.key, status: st.kind, expected: expectedOf(d, st) });
    draw();
    try {
      const nd = await api('POST', `/deals/${d.id}/move`, { body: { stage: st.key }, version: before.version });
      Object.assign(d, nd);
      draw();
      toast(t('moved', { stage: stageName(st) }));
    } catch (e) {
      Object.assign(d, before);
      let msg = t('moveFailed', { msg: e.message });
      if (e.status === 412) msg = t('moveStale');
      else if (e.status === 403) msg = t('moveForbidden');
      else if (e.status === 0) msg = t('moveNetwork');
      toast(msg, 'error');
      if (e.status === 412) {
        try {
          Object.assign(d, await get(`/deals/${d.id}`));
        } catch {
          /* keep what we had */
        }
      }
      draw();
      document.querySelector(`[data-deal-id="${d.id}"]`)?.focus();
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
    const st = state.stages.find((x) => x.id === d.stage_id);
    const overdue = d.close_date && d.status === 'open' && d.close_date < today();
    const stall = d.status === 'open' && stalled.get(d.id)?.stage === d.stage ? stalled.get(d.id) : null; // GET /reports/stalled; a move ends it
    const owner = d.owner_name || d.owner || '';
    const menuBtn = h('button', { class: 'card-menu', type: 'button', 'aria-label': `${t('move')}: ${d.name}`, title: t('move'), 'aria-haspopup': 'menu' }, '⋯');
    const el = h('article', {
      class: `card${overdue ? ' is-overdue' : ''}${stall ? ' is-stalled' : ''}`, tabindex: '0', 'data-deal-id': d.id, 'data-testid': 'deal-card',
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
    void st;
    return el;
  }

  function column(st) {
    const ds = state.deals.filter((d) => d.stage_id === st.id);
    const total = ds.reduce((n, d) => n + Number(d.amount), 0);
    const exp = ds.reduce((n, d) => n + Number(d.expected), 0);
    const guide = h('div', { class: 'guide', hidden: true, id: `guide-${st.id}` }, st.guidance || t('noGuidance'));
    const gbtn = h('button', { class: 'col-name', type: 'button', 'aria-expanded': 'false', 'aria-controls': `guide-${st.id}`, title: t('guidance') },
      stageName(st), h('span', { class: 'info', 'aria-hidden': 'true' }, 'ⓘ'));
    gbtn.addEventListener('click', () => {
      guide.hidden = !guide.hidden;
      gbtn.setAttribute('aria-expanded', String(!guide.hidden));
    });
    const cards = h('div', { class: 'col-cards', 'data-stage-id': st.id }, ds.map(card));
    return h('section', { class: `col col-${st.kind}`, 'data-stage': st.key, 'data-testid': 'column' },
      h('header', { class: 'col-head' },
        h('div', { class: 'col-title' }, gbtn, h('span', { class: 'prob', title: t('probability') }, `${st.probability}%`)),
        h('dl', { class: 'col-figs' },
          h('div', null, h('dt', null, t('count')), h('dd', { 'data-fig': 'count' }, num(ds.length))),
          h('div', null, h('dt', null, t('total')), h('dd', { 'data-fig': 'total' }, money(total))),
          h('div', null, h('dt', null, t('expected')), h('dd', { 'data-fig': 'expected' }, money(exp)))),
        guide),
      cards);
  }

  function draw() {
    sortables.splice(0).forEach((s) => s.destroy());
    const scroll = boardEl.scrollLeft;
    mount(boardEl, state.stages.map(column));
    boardEl.scrollLeft = scroll;
    for (const el of boardEl.querySelectorAll('.col-cards')) {
      sortables.push(Sortable.create(el, {
        group: 'deals', animation: 120, forceFallback: true, fallbackTolerance: 4,
        delay: 180, delayOnTouchOnly: true, filter: '.card-menu', preventOnFilter: false,
        ghostClass: 'card-ghost', chosenClass: 'card-chosen', dragClass: 'card-drag',
        scroll: true, bubbleScroll: true,
        onEnd: (ev) => {
          const d = state.deals.find((x) => String(x.id) === ev.item.dataset.dealId);
          const st = state.stages.find((x) => String(x.id) === ev.to.dataset.stageId);
          if (d && st && ev.from !== ev.to) moveDeal(d, st);
          else draw();
        },
      }));
    }
  }

  const openDeals = state.deals.filter((d) => d.status === 'open');
  mount(main,
    h('div', { class: 'page-head' },
      h('h1', null, view ? view.name : t('board')),
      h('div', { class: 'head-figs' },
        h('span', null, `${t('open')} ${money(openDeals.reduce((n, d) => n + Number(d.amount), 0))}`),
        h('span', null, `${t('expected')} ${money(openDeals.reduce((n, d) => n + Number(d.expected), 0))}`)),
      h('a', { class: 'btn', href: filterHash('deals', Object.keys(filter).length && !view ? filter : {}, view?.id) }, t('asList'))),
    state.total > state.deals.length ? h('p', { class: 'muted' }, t('more', { n: state.total - state.deals.length })) : null,
    boardEl);
  draw();
}

// A click outside an open move menu closes it.
document.addEventListener('click', (ev) => {
  if (!ev.target.closest('.move-menu') && !ev.target.closest('.card-menu'))
    document.querySelectorAll('.move-menu').forEach((m) => m.remove());
});
