// filters.js - the deal-list filter shared by the deal list, the board and
// saved views: which query parameters exist, and reading them from a route.

export const FILTER_KEYS = ['owner', 'stage', 'status', 'company', 'close_from', 'close_to', 'amount_min', 'amount_max', 'q', 'sort', 'order'];

// routeFilter gives the filter of a route: its saved view's, then the URL's own parameters.
export function routeFilter(ctx, r) {
  const f = {};
  const id = r.params.get('view');
  const view = id ? ctx.views.find((v) => String(v.id) === id) : null;
  if (view) Object.assign(f, view.filter);
  for (const k of FILTER_KEYS) if (r.params.has(k)) f[k] = r.params.get(k);
  for (const k of Object.keys(f)) if (f[k] === '' || f[k] === null) delete f[k];
  return { filter: f, view };
}

export function filterHash(page, f, viewId) {
  const u = new URLSearchParams();
  if (viewId) u.set('view', viewId);
  for (const k of FILTER_KEYS) if (f[k] !== undefined && f[k] !== '') u.set(k, f[k]);
  const q = u.toString();
  return `#/${page}${q ? '?' + q : ''}`;
}

// The board asks for the first BOARD_COL cards of each column.
export const BOARD_COL = 50;

// boardQuery(filter): the board's query: the filter without the list's own order.
export function boardQuery(filter) {
  const f = { ...filter, limit: BOARD_COL };
  delete f.sort;
  delete f.order;
  return f;
}
