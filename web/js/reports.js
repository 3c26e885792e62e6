// reports.js - the sales-cycle reports: a tab per report, the
// common filters (owner, stage, period, grouping) as controls, charts and
// tables. Every figure is the API's (GET /reports/NAME, docs/API.md
// "Reports"), only formatted here; the charts are the dashboard's.
//
// Route: #/reports?tab=forecast&owner=amy&stage=KEY&from=D&to=D&group=month&as_of=D
import { get } from './api.js';
import { h, mount, option } from './dom.js';
import { barChart, funnel } from './dashboard.js';
import { bottleneckSentence, days } from './insights.js';
import { lang, money, num, stageName, t } from './i18n.js';

// tab -> [API report, label key]
const TABS = {
  forecast: ['forecast', 'rForecast'],
  funnel: ['funnel', 'rFunnel'],
  time: ['time-in-stage', 'rTimeInStage'],
  stalled: ['stalled', 'rStalled'],
  'win-rate': ['win-rate', 'rWinRate'],
  cycle: ['cycle-length', 'rCycle'],
  velocity: ['velocity', 'rVelocity'],
  'as-of': ['pipeline-as-of', 'rAsOf'],
  leaders: ['leaderboard', 'rLeaders'],
};
const KEYS = ['owner', 'stage', 'from', 'to', 'group', 'as_of'];

const pct = (n) => (n === null || n === undefined ? '—' : `${num(n)}%`);

function hashOf(tab, f) {
  const u = new URLSearchParams({ tab });
  for (const k of KEYS) if (f[k]) u.set(k, f[k]);
  return `#/reports?${u}`;
}

// table(cols, rows, attrs): cols are [label, row -> value, numeric?].
function table(cols, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' },
    h('table', { class: 'grid r-table', ...attrs },
      h('thead', null, h('tr', null, cols.map(([label, , n]) => h('th', { class: n ? 'num' : null }, label)))),
      h('tbody', null, rows.length
        ? rows.map((r) => h('tr', { class: r._class || null, dataset: r._key ? { key: r._key } : undefined },
          cols.map(([, fn, n]) => h('td', { class: n ? 'num' : null }, fn(r)))))
        : h('tr', null, h('td', { colspan: cols.length, class: 'muted' }, t('rNoData'))))));
}

function panel(title, ...children) {
  return h('section', { class: 'card-panel' }, h('h2', null, title), ...children);
}

function tile(kind, label, value, note, testid) {
  return h('div', { class: `tile tile-${kind}`, 'data-testid': testid || null },
    h('div', { class: 'tile-label' }, label),
    h('div', { class: 'tile-value' }, value),
    note ? h('div', { class: 'tile-note' }, note) : null);
}

function legend(a, b) {
  return h('div', { class: 'legend' }, h('span', { class: 'key key-amount' }), a, h('span', { class: 'key key-expected' }), b);
}

function userLabel(ctx, username) {
  const u = ctx.users.find((x) => x.username === username);
  return u ? u.display_name || u.username : username || t('unassigned');
}

const monthLabel = (m) => m ?? t('rNoDate');

export async function render(main, ctx, r, current) {
  const tab = TABS[r.params.get('tab')] ? r.params.get('tab') : 'forecast';
  const f = {};
  for (const k of KEYS) f[k] = r.params.get(k) || '';
  const [report] = TABS[tab];
  const q = { owner: f.owner, stage: f.stage, from: f.from, to: f.to, group: f.group, lang };
  if (tab === 'as-of') q.as_of = f.as_of;
  if (tab === 'stalled') q.limit = 500;
  const j = await get(`/reports/${report}`, q);
  if (!current()) return;

  // the common filters
  const owners = ctx.users.filter((u) => u.active || u.username === f.owner);
  const owner = h('select', { name: 'owner' }, option('', t('allOwners')), owners.map((u) => option(u.username, u.display_name || u.username, f.owner === u.username)));
  const stage = h('select', { name: 'stage' }, option('', t('rAnyStage')), ctx.stages.map((st) => option(st.key, stageName(st), f.stage === st.key)));
  const from = h('input', { type: 'date', name: 'from', value: f.from });
  const to = h('input', { type: 'date', name: 'to', value: f.to });
  const group = h('select', { name: 'group' }, option('month', t('rMonth'), f.group !== 'quarter'), option('quarter', t('rQuarter'), f.group === 'quarter'));
  const asOf = h('input', { type: 'date', name: 'as_of', value: f.as_of });
  const form = h('form', { class: 'filters compact r-filters', 'data-testid': 'report-filters', on: { submit: (ev) => {
    ev.preventDefault();
    location.hash = hashOf(tab, { owner: owner.value, stage: stage.value, from: from.value, to: to.value, group: group.value === 'month' ? '' : group.value, as_of: asOf.value });
  } } },
    h('label', null, t('owner'), owner),
    h('label', { title: t('rStageHelp') }, t('rStageEntered'), stage),
    tab === 'as-of' ? h('label', null, t('rAsOfDate'), asOf) : null,
    h('label', { title: t(periodHelp(tab)) }, `${t('rPeriod')} ${t('from')}`, from),
    h('label', null, t('to'), to),
    ['win-rate', 'cycle', 'velocity'].includes(tab) ? h('label', null, t('rGroup'), group) : null,
    h('div', { class: 'f-actions' },
      h('button', { class: 'btn btn-primary', type: 'submit' }, t('apply')),
      h('a', { class: 'btn btn-ghost', href: hashOf(tab, {}) }, t('reset'))));

  const tabs = h('nav', { class: 'tabs r-tabs', 'data-testid': 'report-tabs', 'aria-label': t('reports') },
    Object.entries(TABS).map(([k, [, label]]) =>
      h('a', { href: hashOf(k, f), class: k === tab ? 'active' : null, 'aria-current': k === tab ? 'page' : null, dataset: { tab: k } }, t(label))));

  mount(main,
    h('div', { class: 'page-head' }, h('h1', null, t('reports')),
      h('span', { class: 'muted', 'data-testid': 'report-meta' }, t('rMeta', { n: num(j.deals), currency: j.currency, now: j.now.slice(0, 10) }))),
    tabs,
    form,
    h('div', { class: 'r-body', 'data-testid': `report-${tab}` }, VIEWS[tab](j, ctx, f)));
}

function periodHelp(tab) {
  if (tab === 'forecast') return 'rPeriodForecast';
  if (tab === 'time' || tab === 'funnel') return 'rPeriodCreated';
  if (tab === 'stalled' || tab === 'as-of') return 'rPeriodIgnored';
  return 'rPeriodClosed';
}

const fcRow = (m) => ({ ...m, _key: m.month ?? 'none' });
const forecastCols = () => [
  [t('rMonthCol'), (m) => monthLabel(m.month)],
  [t('rOpenN'), (m) => num(m.open), true],
  [t('rOpenAmount'), (m) => money(m.open_amount), true],
  [t('expected'), (m) => money(m.expected), true],
  [t('rWonN'), (m) => num(m.won), true],
  [t('rWonAmount'), (m) => money(m.won_amount), true],
];

const VIEWS = {
  forecast(j) {
    const qt = j.quarter;
    const cash = j.next_12_months.map((m) => ({ name: m.month, amount: m.won_amount + m.expected, expected: m.expected }));
    return [
      h('h2', { class: 'r-sub' }, t('rQuarterAtGlance', { q: qt.quarter })),
      h('div', { class: 'tiles', 'data-testid': 'quarter' },
        tile('open', t('rOpenAmount'), money(qt.open_amount), t('dealsN', { n: num(qt.open) }), 'quarter-open'),
        tile('expected', t('expected'), money(qt.expected), '', 'quarter-expected'),
        tile('won', t('rWonAmount'), money(qt.won_amount), t('dealsN', { n: num(qt.won) }), 'quarter-won'),
        tile('total', t('rQuarterTotal'), money(qt.won_amount + qt.expected), t('rQuarterTotalNote'), 'quarter-total')),
      h('div', { class: 'two-col r-two' },
        panel(t('rByMonth'), legend(t('rOpenAmount'), t('expected')),
          barChart(j.months.map((m) => ({ name: monthLabel(m.month), amount: m.open_amount, expected: m.expected })), { label: t('rByMonth') })),
        panel(t('rCash12'), legend(t('rCashIn'), t('expected')), barChart(cash, { label: t('rCash12') }),
          h('p', { class: 'muted r-note' }, t('rCashNote')))),
      panel(t('rByMonth'), table(forecastCols(), j.months.map(fcRow), { 'data-testid': 'forecast-table' })),
      panel(t('rCash12'), table(forecastCols(), j.next_12_months.map(fcRow), { 'data-testid': 'cash-table' })),
    ];
  },

  funnel(j) {
    const rows = j.stages.map((x) => ({ ...x, _key: x.key }));
    return [
      h('div', { class: 'two-col' },
        panel(t('rFunnel'), funnel(j.stages, { text: (x, n) => `${x.name} · ${num(n)}`, min: 220 })),
        panel(t('rWhereLost'), whereLost(j.stages))),
      panel(t('rConversion'), table([
        [t('stage'), (x) => x.name],
        [t('rReached'), (x) => num(x.reached), true],
        [t('rAdvanced'), (x) => num(x.advanced), true],
        [t('rConvRate'), (x) => pct(x.conversion), true],
        [t('won'), (x) => num(x.won), true],
        [t('rWinOfReached'), (x) => pct(x.win_rate), true],
        [t('rLostHere'), (x) => num(x.lost), true],
        [t('rOpenHere'), (x) => num(x.open), true],
      ], rows, { 'data-testid': 'funnel-table' })),
    ];
  },

  time(j) {
    const bn = j.bottleneck;
    const rows = j.stages.map((x) => ({ ...x, _key: x.key, _class: bn && bn.id === x.id ? 'is-bottleneck' : null }));
    return [
      bottleneckSentence(j),
      panel(t('rTimeInStage'), legend(t('rMedian'), t('rMean')),
        barChart(j.stages.map((x) => ({ name: x.name, amount: x.median_days ?? 0, expected: x.mean_days ?? 0 })), { fmt: days, label: t('rTimeInStage') })),
      panel(t('rTimeInStage'), table([
        [t('stage'), (x) => [x.name, bn && bn.id === x.id ? h('span', { class: 'pill pill-lost r-pill' }, t('rBottleneck')) : null]],
        [t('rDealsStayed'), (x) => num(x.count), true],
        [t('rMedian'), (x) => days(x.median_days), true],
        [t('rMean'), (x) => days(x.mean_days), true],
        [t('rNowIn'), (x) => num(x.current), true],
      ], rows, { 'data-testid': 'time-table' })),
    ];
  },

  stalled(j, ctx) {
    const st = (key) => stageName(ctx.stages.find((x) => x.key === key)) || key;
    return [
      h('p', { class: 'r-lead', 'data-testid': 'stalled-total' }, j.total ? t('rStalledTotal', { n: num(j.total) }) : t('rNoStalled')),
      h('div', { class: 'two-col' },
        panel(t('perOwner'), table([
          [t('owner'), (x) => userLabel(ctx, x.owner)],
          [t('count'), (x) => num(x.count), true],
        ], j.by_owner, { 'data-testid': 'stalled-owners' })),
        panel(t('rPerStage'), table([
          [t('stage'), (x) => x.name],
          [t('rStalledAfter'), (x) => days(x.stalled_days), true],
          [t('count'), (x) => num(x.count), true],
        ], j.by_stage))),
      panel(t('rStalledDeals'), table([
        [t('deal'), (x) => h('a', { href: `#/deal/${x.deal_id}` }, x.name)],
        [t('company'), (x) => x.company],
        [t('owner'), (x) => userLabel(ctx, x.owner)],
        [t('stage'), (x) => st(x.stage)],
        [t('rSince'), (x) => x.since.slice(0, 10)],
        [t('rDaysIn'), (x) => days(x.days), true],
        [t('rStalledAfter'), (x) => days(x.stalled_days), true],
      ], j.items.map((x) => ({ ...x, _key: String(x.deal_id) })), { 'data-testid': 'stalled-table' }),
      h('p', { class: 'muted r-note' }, t('rStalledHelp'), ' ', h('a', { href: '#/board' }, t('board')))),
    ];
  },

  'win-rate'(j, ctx) {
    const o = j.overall;
    const cols = (first) => [first,
      [t('won'), (x) => num(x.won), true], [t('lost'), (x) => num(x.lost), true],
      [t('rWinRate'), (x) => pct(x.win_rate), true],
      [t('rWonAmount'), (x) => money(x.won_amount), true], [t('rLostAmount'), (x) => money(x.lost_amount), true],
      [t('rByValue'), (x) => pct(x.win_rate_value), true]];
    return [
      h('div', { class: 'tiles' },
        tile('won', t('rWinRate'), pct(o.win_rate), t('rWonLost', { won: num(o.won), lost: num(o.lost) }), 'winrate-count'),
        tile('expected', t('rByValue'), pct(o.win_rate_value), `${money(o.won_amount)} / ${money(o.won_amount + o.lost_amount)}`, 'winrate-value')),
      panel(t('perOwner'), table(cols([t('owner'), (x) => userLabel(ctx, x.owner)]), j.by_owner)),
      panel(t('rByPeriod'), table(cols([t('rPeriodCol'), (x) => x.period]), j.by_period)),
    ];
  },

  cycle(j, ctx) {
    const o = j.overall;
    const cols = (first) => [first,
      [t('rWonN'), (x) => num(x.won.count), true], [`${t('won')} · ${t('rMedian')}`, (x) => days(x.won.median_days), true],
      [`${t('won')} · ${t('rMean')}`, (x) => days(x.won.mean_days), true],
      [t('rLostN'), (x) => num(x.lost.count), true], [`${t('lost')} · ${t('rMedian')}`, (x) => days(x.lost.median_days), true],
      [`${t('lost')} · ${t('rMean')}`, (x) => days(x.lost.mean_days), true]];
    return [
      h('div', { class: 'tiles' },
        tile('won', t('rCycleWon'), days(o.won.median_days), t('rMeanN', { v: days(o.won.mean_days), n: num(o.won.count) }), 'cycle-won'),
        tile('lost', t('rCycleLost'), days(o.lost.median_days), t('rMeanN', { v: days(o.lost.mean_days), n: num(o.lost.count) }), 'cycle-lost')),
      panel(t('perOwner'), table(cols([t('owner'), (x) => userLabel(ctx, x.owner)]), j.by_owner)),
      panel(t('rByPeriod'), table(cols([t('rPeriodCol'), (x) => x.period]), j.by_period)),
    ];
  },

  velocity(j) {
    const o = j.overall;
    const vel = (v) => (v === null || v === undefined ? '—' : t('rPerDay', { v: money(v) }));
    return [
      h('div', { class: 'tiles' },
        tile('expected', t('rVelocity'), vel(o.velocity), t('rVelocityHelp'), 'velocity'),
        tile('open', t('open'), num(o.open), ''),
        tile('won', t('rWinRate'), pct(o.win_rate), `${t('rAvgWon')} ${money(o.average_won)}`),
        tile('lost', t('rCycleWon'), days(o.cycle_days), '')),
      panel(t('rByPeriod'), table([
        [t('rPeriodCol'), (x) => x.period],
        [t('open'), (x) => num(x.open), true],
        [t('won'), (x) => num(x.won), true],
        [t('lost'), (x) => num(x.lost), true],
        [t('rWinRate'), (x) => pct(x.win_rate), true],
        [t('rAvgWon'), (x) => money(x.average_won), true],
        [t('rCycleWon'), (x) => days(x.cycle_days), true],
        [t('rVelocity'), (x) => vel(x.velocity), true],
      ], j.by_period, { 'data-testid': 'velocity-table' })),
    ];
  },

  'as-of'(j) {
    const open = j.stages;
    return [
      h('p', { class: 'r-lead' }, t('rAsOfLead', { at: j.as_of.replace('T', ' ').replace(':00Z', ' UTC') })),
      h('div', { class: 'tiles' },
        tile('open', t('count'), num(j.total.count), '', 'asof-count'),
        tile('open', t('amount'), money(j.total.amount), '', 'asof-amount'),
        tile('expected', t('expected'), money(j.total.expected), '', 'asof-expected')),
      h('div', { class: 'two-col' },
        panel(t('perStage'), legend(t('amount'), t('expected')), barChart(open, { label: t('rAsOf') })),
        panel(t('rAsOf'), table([
          [t('stage'), (x) => x.name],
          [t('count'), (x) => num(x.count), true],
          [t('amount'), (x) => money(x.amount), true],
          [t('expected'), (x) => money(x.expected), true],
        ], [...open, { name: t('total'), ...j.total, _class: 'r-total' }], { 'data-testid': 'asof-table' }))),
    ];
  },

  leaders(j, ctx) {
    return [
      panel(t('rLeaders'), table([
        [t('owner'), (x) => x.owner_name || userLabel(ctx, x.owner)],
        [t('rWonN'), (x) => num(x.won), true],
        [t('rWonAmount'), (x) => money(x.won_amount), true],
        [t('rLostN'), (x) => num(x.lost), true],
        [t('rOpenN'), (x) => num(x.open), true],
        [t('rOpenAmount'), (x) => money(x.open_amount), true],
        [t('expected'), (x) => money(x.expected), true],
        [t('rWinRate'), (x) => pct(x.win_rate), true],
        [t('rCycleWon'), (x) => days(x.cycle_median_days), true],
      ], j.items.map((x) => ({ ...x, _key: x.owner })), { 'data-testid': 'leaders-table' })),
    ];
  },
};

// whereLost: per stage, the deals lost with it as their furthest stage, as bars.
function whereLost(stages) {
  const rows = stages.map((x) => ({ name: x.name, amount: x.lost, expected: x.open }));
  return [legend(t('rLostHere'), t('rOpenHere')), barChart(rows, { fmt: num, label: t('rWhereLost') })];
}
