// deals.js - the deal list: filters (owner, stage, status, company, target
// date, amount, text), sorting, paging, and saving the filter as a named
// view, private or shared.
import { api, get } from './api.js';
import { h, mount, option, toast, today } from './dom.js';
import { FILTER_KEYS, filterHash, routeFilter } from './filters.js';
import { money, stageName, t } from './i18n.js';

const PAGE = 25;
const COLS = [
  ['company', 'company'],
  ['name', 'deal'],
  ['stage', 'stage'],
  ['amount', 'amount'],
  [null, 'expected'],
  [null, 'owner'],
  ['close_date', 'closeDate'],
];

export async function render(main, ctx, r, current) {
  const { filter, view } = routeFilter(ctx, r);
  const offset = Math.max(0, Number(r.params.get('offset') || 0));
  const [list, companies] = await Promise.all([
    get('/deals', { ...filter, limit: PAGE, offset, total: 1 }),
    get('/companies', { limit: 500 }),
  ]);
  if (!current()) return;

  const field = (name, el) => { el.name = name; return el; };
  const inputs = {
    q: field('q', h('input', { type: 'search', value: filter.q || '', placeholder: t('text') })),
    owner: field('owner', h('select', null, option('', t('any')), ctx.users.map((u) => option(u.username, u.display_name || u.username, filter.owner === u.username)))),
    stage: field('stage', h('select', null, option('', t('any')), ctx.stages.map((s) => option(s.key, stageName(s), filter.stage === s.key)))),
    status: field('status', h('select', null, option('', t('any')), ['open', 'won', 'lost'].map((k) => option(k, t(k), filter.status === k)))),
    company: field('company', h('select', null, option('', t('any')), companies.items.map((c) => option(String(c.id), c.name, String(filter.company) === String(c.id))))),
    close_from: field('close_from', h('input', { type: 'date', value: filter.close_from || '' })),
    close_to: field('close_to', h('input', { type: 'date', value: filter.close_to || '' })),
    amount_min: field('amount_min', h('input', { type: 'number', min: '0', step: 'any', value: filter.amount_min ?? '', placeholder: t('min') })),
    amount_max: field('amount_max', h('input', { type: 'number', min: '0', step: 'any', value: filter.amount_max ?? '', placeholder: t('max') })),
  };
  const current_ = () => {
    const f = {};
    for (const [k, el] of Object.entries(inputs)) if (el.value !== '') f[k] = el.value;
    if (filter.sort) f.sort = filter.sort;
    if (filter.order) f.order = filter.order;
    return f;
  };
  const form = h('form', { class: 'filters', 'data-testid': 'filters', on: { submit: (ev) => { ev.preventDefault(); location.hash = filterHash('deals', current_()); } } },
    h('label', { class: 'f-wide' }, t('text'), inputs.q),
    h('label', null, t('owner'), inputs.owner),
    h('label', null, t('stage'), inputs.stage),
    h('label', null, t('status'), inputs.status),
    h('label', null, t('company'), inputs.company),
    h('label', null, `${t('closeDate')} ${t('from')}`, inputs.close_from),
    h('label', null, t('to'), inputs.close_to),
    h('label', null, `${t('amount')} ${t('min')}`, inputs.amount_min),
    h('label', null, t('max'), inputs.amount_max),
    h('div', { class: 'f-actions' },
      h('button', { class: 'btn btn-primary', type: 'submit' }, t('apply')),
      h('a', { class: 'btn btn-ghost', href: '#/deals' }, t('reset')),
      // Export: the applied filter as a download; the session cookie authenticates the GET.
      h('a', { class: 'btn btn-ghost', 'data-testid': 'export-xlsx', download: 'deals.xlsx', href: exportHref('xlsx', filter) }, t('exportXlsx')),
      h('a', { class: 'btn btn-ghost', 'data-testid': 'export-csv', download: 'deals.csv', href: exportHref('csv', filter) }, t('exportCsv'))));

  // Saving the filter as a view.
  const vname = h('input', { name: 'view_name', required: true, maxlength: '200', placeholder: t('viewName'), value: view ? view.name : '' });
  const vshared = h('input', { type: 'checkbox', name: 'view_shared', checked: view ? view.shared : false });
  const canEditView = view && (view.owner_id === ctx.me.id || (view.shared && ctx.privileged));
  const saveForm = h('form', { class: 'save-view', 'data-testid': 'save-view', on: { submit: async (ev) => {
    ev.preventDefault();
    const f = current_();
    try {
      let v;
      if (ev.submitter?.dataset.update && view) v = await api('PATCH', `/views/${view.id}`, { body: { name: vname.value.trim(), shared: vshared.checked, filter: f }, version: view.version });
      else v = await api('POST', '/views', { body: { name: vname.value.trim(), shared: vshared.checked, filter: f } });
      await ctx.reloadViews();
      toast(t('viewSaved', { name: v.name }));
      location.hash = `#/deals?view=${v.id}`;
    } catch (e) {
      toast(e.status === 412 ? t('stale') : e.message, 'error');
    }
  } } },
    vname,
    h('label', { class: 'check' }, vshared, t('shared')),
    h('button', { class: 'btn', type: 'submit' }, t('saveView')),
    canEditView ? h('button', { class: 'btn', type: 'submit', dataset: { update: '1' } }, t('updateView')) : null,
    canEditView ? h('button', { class: 'btn btn-danger', type: 'button', on: { click: async () => {
      if (!confirm(t('confirmDelete'))) return;
      try {
        await api('DELETE', `/views/${view.id}`, { version: view.version });
        await ctx.reloadViews();
        location.hash = '#/deals';
      } catch (e) { toast(e.message, 'error'); }
    } } }, t('deleteView')) : null);

  const sortLink = (key, label) => {
    if (!key) return h('th', null, t(label));
    const on = filter.sort === key;
    const order = on && filter.order !== 'desc' ? 'desc' : 'asc';
    const f = { ...filter, sort: key, order };
    return h('th', { 'aria-sort': on ? (filter.order === 'desc' ? 'descending' : 'ascending') : null },
      h('a', { href: filterHash('deals', f, view && sameFilter(f, view.filter) ? view.id : null) }, t(label), on ? (filter.order === 'desc' ? ' ▼' : ' ▲') : ''));
  };
  const td = today();
  const rows = list.items.map((d) => {
    const st = ctx.stages.find((s) => s.id === d.stage_id);
    const overdue = d.close_date && d.status === 'open' && d.close_date < td;
    return h('tr', { 'data-deal-id': d.id },
      h('td', { 'data-label': t('company') }, h('a', { href: `#/company/${d.company_id}` }, d.company)),
      h('td', { 'data-label': t('deal') }, h('a', { href: `#/deal/${d.id}`, class: 'strong' }, d.name)),
      h('td', { 'data-label': t('stage') }, h('span', { class: `pill pill-${d.status}` }, stageName(st) || d.stage)),
      h('td', { class: 'num', 'data-label': t('amount') }, money(d.amount)),
      h('td', { class: 'num', 'data-label': t('expected') }, money(d.expected)),
      h('td', { 'data-label': t('owner') }, d.owner_name || d.owner || t('unassigned')),
      h('td', { 'data-label': t('closeDate'), class: overdue ? 'overdue' : null }, d.close_date || '', overdue ? ` ⚠ ${t('overdue')}` : ''));
  });
  const total = list.total ?? list.items.length;
  const pageHash = (o) => {
    const u = new URLSearchParams(r.params);
    u.set('offset', o);
    return `#/deals?${u}`;
  };
  const mine = filter.owner === ctx.me.username && Object.keys(filter).length === 1;
  mount(main,
    h('div', { class: 'page-head' },
      h('h1', null, view ? view.name : mine ? t('myDeals') : t('deals')),
      view ? h('span', { class: 'badge' }, view.shared ? t('shared') : t('private')) : null,
      h('a', { class: 'btn', href: filterHash('board', view ? {} : filter, view?.id) }, t('onBoard'))),
    h('details', { class: 'filter-box', open: window.innerWidth > 700 ? true : null }, h('summary', null, t('filters')), form, saveForm),
    list.items.length === 0 ? h('p', { class: 'empty' }, t('noDeals')) :
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid deals-table', 'data-testid': 'deal-table' },
        h('thead', null, h('tr', null, COLS.map(([k, l]) => sortLink(k, l)))),
        h('tbody', null, rows))),
    h('nav', { class: 'pager' },
      offset > 0 ? h('a', { class: 'btn', href: pageHash(Math.max(0, offset - PAGE)) }, t('prev')) : null,
      h('span', { class: 'muted' }, t('pageOf', { from: total ? offset + 1 : 0, to: offset + list.items.length, total })),
      offset + PAGE < total ? h('a', { class: 'btn', href: pageHash(offset + PAGE) }, t('next')) : null));
}

// exportHref is the download URL of the deal list under filter f, as fmt (csv or xlsx).
function exportHref(fmt, f) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `/api/v1/export/deals.${fmt}${qs ? `?${qs}` : ''}`;
}

function sameFilter(a, b) {
  return FILTER_KEYS.every((k) => String(a[k] ?? '') === String(b[k] ?? ''));
}
