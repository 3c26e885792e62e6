// boot.js - what the app does before anything else: app.js imports it first,
// so it is evaluated ahead of every page module and SortableJS. With a
// session, the first screen's requests (the session's context and the
// first page's data) leave from here, and are answered while the rest of
// the app is still being evaluated; app.js's get()s then take them (api.js
// prime()).
import { prime } from './api.js';
import { boardQuery, routeFilter } from './filters.js';

// parseRoute reads the hash: #/board?view=3, #/deal/7.
export function parseRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [p, q = ''] = raw.split('?');
  const parts = p.split('/').filter(Boolean);
  return { page: parts[0] || '', id: parts[1] ? Number(parts[1]) : 0, params: new URLSearchParams(q), hash: location.hash };
}

// Whether the page was asked for with a session cookie: the server marks the
// page it serves (<html data-session>, web.c), so that the first requests
// leave without a read of document.cookie (a synchronous round trip to the
// browser's cookie store, 7-34 ms here).
export const hasSession = document.documentElement.dataset.session === '1';

// What every page needs (app.js loadContext()): the caller, the workspace,
// the stages, the users and the saved views, in one request (GET /context;
// four of their own took four of HTTP/1.1's six connections).
export const CONTEXT = '/context';

// The first page's own data, by page: the board's one request (a saved
// view's filter comes with the session: not primed).
const FIRST = {
  board(r) {
    if (!r.params.has('view')) prime('/board', boardQuery(routeFilter({ views: [] }, r).filter));
  },
};

// The sizes and weights (px, weight) the first screens' text is drawn in
// (app.css: the page's 14 px, the small 12 px, the title's 22 px; 400 and 600).
const STRIKES = [[14, 400], [14, 600], [12, 400], [12, 600], [22, 600]];

// warmFonts lays out a line in each of them, out of sight, while the first
// page's data is on its way: the browser looks each face and size up once, by
// a synchronous round trip from the page's thread to its own process, and
// without this that happened in the layout of the first frame, after the data
// had arrived. The element goes once the first screen is drawn (app.js).
function warmFonts() {
  const warm = document.createElement('div');
  warm.className = 'font-warm';
  warm.setAttribute('aria-hidden', 'true');
  for (const [size, weight] of STRIKES) {
    const line = document.createElement('span');
    line.style.fontSize = `${size}px`;
    line.style.fontWeight = String(weight);
    line.textContent = 'Aa0 中文';
    warm.append(line);
  }
  document.body.append(warm);
  void warm.offsetWidth; // lay it out now, while the requests are answered
  return warm;
}

export let fontWarm = null;

if (hasSession) {
  const first = parseRoute();
  FIRST[first.page]?.(first);
  prime(CONTEXT);
  fontWarm = warmFonts();
}
