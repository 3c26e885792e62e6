// dashboard.js - the article's dashboard: tiles (won, lost, open, expected),
// amount against expected revenue per stage and a funnel (SVG), a table per
// owner; filters for owner and target-date range. Every figure comes from
// GET /reports/summary with the same filter.
import { get } from './api.js';
import { h, mount, option, s } from './dom.js';
import { filterHash } from './filters.js';
import { lang, money, num, t } from './i18n.js';
import { bottleneckNote } from './insights.js'; // reports: the bottleneck named

export async function render(main, ctx, r, current) {
  const f = { owner: r.params.get('owner') || '', close_from: r.params.get('close_from') || '', close_to: r.params.get('close_to') || '' };
  const q = { ...f, lang };
  const owners = ctx.users.filter((u) => u.active);
  const note = bottleneckNote({ owner: f.owner }); // GET /reports/time-in-stage, in parallel
  // One call: the summary and, without an owner filter, each owner's totals.
  const sum = await get('/reports/summary', f.owner ? q : { ...q, group: 'owner' });
  const bottleneck = await note;
  if (!current()) return;

  const owner = h('select', { name: 'owner' }, option('', t('allOwners')), owners.map((u) => option(u.username, u.display_name || u.username, f.owner === u.username)));
  const from = h('input', { type: 'date', name: 'close_from', value: f.close_from });
  const to = h('input', { type: 'date', name: 'close_to', value: f.close_to });
  const form = h('form', { class: 'filters compact', on: { submit: (ev) => {
    ev.preventDefault();
    location.hash = filterHash('dashboard', { owner: owner.value, close_from: from.value, close_to: to.value });
  } } },
    h('label', null, t('owner'), owner),
    h('label', null, `${t('closeDate')} ${t('from')}`, from),
    h('label', null, t('to'), to),
    h('div', { class: 'f-actions' }, h('button', { class: 'btn btn-primary', type: 'submit' }, t('apply')), h('a', { class: 'btn btn-ghost', href: '#/dashboard' }, t('reset'))));

  const open = sum.stages.filter((x) => x.kind === 'open');
  const rows = (sum.owners || []).map((p) => ({ u: { username: p.owner, display_name: p.owner_name }, p }));
  mount(main,
    h('div', { class: 'page-head' }, h('h1', null, t('dashboard')), h('span', { class: 'muted' }, sum.currency)),
    form,
    bottleneck,
    h('div', { class: 'tiles', 'data-testid': 'tiles' },
      tile('won', t('wonTile'), money(sum.won.amount), t('dealsN', { n: num(sum.won.count) })),
      tile('lost', t('lostTile'), money(sum.lost.amount), t('dealsN', { n: num(sum.lost.count) })),
      tile('open', t('openTile'), money(sum.open.amount), t('dealsN', { n: num(sum.open.count) })),
      tile('expected', t('expectedTile'), money(sum.open.expected), '')),
    h('div', { class: 'two-col' },
      h('section', { class: 'card-panel' }, h('h2', null, t('perStage')), legend(), barChart(open)),
      h('section', { class: 'card-panel' }, h('h2', null, t('funnel')), funnel(open))),
    f.owner ? null : h('section', { class: 'card-panel' }, h('h2', null, t('perOwner')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'owner-table' },
        h('thead', null, h('tr', null, [t('owner'), t('won'), t('lost'), t('open'), t('expected'), t('count')].map((x, i) => h('th', { class: i ? 'num' : null }, x)))),
        h('tbody', null, rows.map(({ u, p }) => h('tr', null,
          h('td', null, h('a', { href: filterHash('dashboard', { owner: u.username }) }, u.display_name || u.username)),
          h('td', { class: 'num' }, money(p.won.amount)),
          h('td', { class: 'num' }, money(p.lost.amount)),
          h('td', { class: 'num' }, money(p.open.amount)),
          h('td', { class: 'num' }, money(p.open.expected)),
          h('td', { class: 'num' }, num(p.won.count + p.lost.count + p.open.count)))))))));
}

function tile(kind, label, value, note) {
  return h('div', { class: `tile tile-${kind}`, 'data-testid': `tile-${kind}` },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value', 'data-testid': `tile-${kind}-value` }, value),
    note ? h('div', { class: 'tile-note' }, note) : null);
}

function legend() {
  return h('div', { class: 'legend' }, h('span', { class: 'key key-amount' }), t('amount'), h('span', { class: 'key key-expected' }), t('expected'));
}

// barChart: per stage, a bar of the amount and one of the expected revenue.
// Also used by the reports (reports.js): rows {name, amount, expected}; fmt
// writes a value (money by default), label names the chart.
export function barChart(stages, { fmt = money, label = t('perStage') } = {}) {
  const W = 560;
  const LABEL = 150;
  const ROW = 34;
  const max = Math.max(1, ...stages.map((x) => Number(x.amount)));
  const scale = (v) => ((W - LABEL - 80) * Number(v)) / max;
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${stages.length * ROW + 8}`, role: 'img', 'aria-label': label });
  stages.forEach((x, i) => {
    const y = i * ROW + 4;
    svg.append(
      s('text', { x: LABEL - 8, y: y + 17, 'text-anchor': 'end', class: 'c-label' }, x.name),
      s('rect', { x: LABEL, y: y + 2, width: Math.max(scale(x.amount), x.amount > 0 ? 2 : 0), height: 12, rx: 2, class: 'c-amount' }, s('title', null, `${x.name}: ${fmt(x.amount)}`)),
      s('rect', { x: LABEL, y: y + 16, width: Math.max(scale(x.expected), x.expected > 0 ? 2 : 0), height: 12, rx: 2, class: 'c-expected' }, s('title', null, `${x.name}: ${fmt(x.expected)}`)),
      s('text', { x: LABEL + scale(x.amount) + 6, y: y + 12, class: 'c-value' }, x.amount > 0 ? fmt(x.amount) : ''),
      s('text', { x: LABEL + scale(x.expected) + 6, y: y + 26, class: 'c-value muted' }, x.expected > 0 ? fmt(x.expected) : ''),
    );
  });
  return svg;
}

// funnel: the open stages as centred bands, width by the number of deals
// that reached the stage or a later one (rows may give their own `reached`,
// as the funnel report does; text(row, reached) writes a band's label,
// min is the narrowest band).
export function funnel(stages, { text = (x, n) => `${x.name} · ${x.count} / ${n}`, min = 150 } = {}) {
  const W = 420;
  const ROW = 30;
  let reached = stages.reduce((n, x) => n + (x.count || 0), 0);
  const max = Math.max(1, reached, ...stages.map((x) => x.reached ?? 0));
  const svg = s('svg', { class: 'chart funnel', viewBox: `0 0 ${W} ${stages.length * ROW + 4}`, role: 'img', 'aria-label': t('funnel') });
  stages.forEach((x, i) => {
    if (x.reached !== undefined) reached = x.reached;
    const w = Math.max(min, ((W - 20) * reached) / max);
    const y = i * ROW + 2;
    svg.append(
      s('rect', { x: (W - w) / 2, y, width: w, height: ROW - 4, rx: 4, class: `f-band f-band-${i % 3}` }, s('title', null, `${x.name}: ${reached}`)),
      s('text', { x: W / 2, y: y + 18, 'text-anchor': 'middle', class: 'f-label' }, text(x, reached)),
    );
    reached -= x.count || 0;
  });
  return svg;
}
