// import.js - importing a CSV file (managers and admins): choose what to
// import and the file; the server's preview (POST /import/{kind}?dry_run=1)
// shows the columns it recognised (each one can be changed), the first rows
// with every problem marked on its cell, and the counts; the import then
// runs with a progress bar (a job polled at /import/jobs/{id}) and ends
// with a summary whose left-out rows can be downloaded as CSV.
import { api } from './api.js';
import { h, mount, option } from './dom.js';
import { num, t } from './i18n.js';

const KINDS = ['deals', 'companies', 'contacts'];

export async function render(main, ctx) {
  if (!ctx.privileged) {
    mount(main, h('p', { class: 'empty' }, t('importForbidden')));
    return;
  }
  const st = { kind: 'deals', file: null, map: {}, preview: null };
  const kind = h('select', { 'data-testid': 'import-kind', 'aria-label': t('importKind'), on: { change: () => { st.kind = kind.value; st.map = {}; refresh(); } } },
    KINDS.map((k) => option(k, t(`importKind_${k}`), k === st.kind)));
  const file = h('input', { type: 'file', accept: '.csv,.txt,.tsv,text/csv', 'data-testid': 'import-file', 'aria-label': t('importFile'),
    on: { change: () => { st.file = file.files[0] || null; st.map = {}; refresh(); } } });
  const out = h('div', { class: 'import-out', 'data-testid': 'import-out' });
  mount(main,
    h('div', { class: 'page-head' }, h('h1', null, t('import'))),
    h('p', { class: 'muted' }, t('importHint')),
    h('div', { class: 'import-pick' }, h('label', null, t('importKind'), kind), h('label', null, t('importFile'), file)),
    out);

  // mapParam: the columns the user changed, as the CLI's --map text.
  const mapParam = () => Object.entries(st.map).map(([name, col]) => `${name}=${col || '-'}`).join(',');

  async function refresh() {
    if (!st.file) return mount(out);
    mount(out, h('p', { class: 'muted' }, t('importChecking')));
    try {
      st.preview = await api('POST', `/import/${st.kind}`, { file: st.file, query: { dry_run: 1, map: mapParam() } });
    } catch (e) {
      return mount(out, h('p', { class: 'form-error', role: 'alert', 'data-testid': 'import-error' }, e.message));
    }
    drawPreview();
  }

  function drawPreview() {
    const p = st.preview;
    const bad = new Map(); // "row:column" or "row:" -> message
    for (const x of p.problems) bad.set(`${x.row}:${x.column || ''}`, x.message);
    const badRows = new Set(p.problems.map((x) => x.row));
    const mapping = h('table', { class: 'grid import-map', 'data-testid': 'import-map' },
      h('thead', null, h('tr', null, h('th', null, t('importHeader')), h('th', null, t('importColumn')))),
      h('tbody', null, p.header.map((c) => {
        const sel = h('select', { 'aria-label': c.name, dataset: { header: c.name },
          on: { change: () => { st.map[c.name] = sel.value; refresh(); } } },
        option('', t('importIgnore'), !c.column),
        p.columns.map((col) => option(col, col, col === c.column)));
        return h('tr', null, h('td', null, c.name), h('td', null, sel));
      })));
    const rows = h('table', { class: 'grid import-preview', 'data-testid': 'import-preview' },
      h('thead', null, h('tr', null, h('th', null, '#'), p.header.map((c) => h('th', null, c.name, c.column ? h('div', { class: 'muted' }, c.column) : null)))),
      h('tbody', null, p.preview.map((r) => {
        const rowMsg = bad.get(`${r.row}:`);
        return h('tr', { class: badRows.has(r.row) ? 'import-bad-row' : null, title: rowMsg || null, dataset: { row: r.row } },
          h('td', { class: 'muted' }, r.row),
          r.fields.map((f, i) => {
            const msg = p.header[i] && p.header[i].column ? bad.get(`${r.row}:${p.header[i].column}`) : undefined;
            return h('td', { class: msg ? 'import-bad' : null, title: msg || null, 'data-testid': msg ? 'import-bad-cell' : null }, f);
          }));
      })));
    const problems = p.problems.length
      ? h('ul', { class: 'import-problems', 'data-testid': 'import-problems' }, p.problems.slice(0, 50).map((x) => h('li', null, x.message)),
        p.rejected > 50 ? h('li', { class: 'muted' }, t('importMore', { n: num(p.rejected - 50) })) : null)
      : null;
    const good = p.rows - p.rejected;
    const go = h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'import-go', disabled: !!p.error || good === 0, on: { click: run } },
      t('importGo', { n: num(good) }));
    mount(out,
      p.error ? h('p', { class: 'form-error', role: 'alert', 'data-testid': 'import-error' }, p.error.message) : null,
      h('p', { 'data-testid': 'import-counts' }, t('importCounts', { rows: num(p.rows), bad: num(p.rejected), format: p.format, enc: p.encoding })),
      h('h2', null, t('importMapping')), h('div', { class: 'table-wrap' }, mapping),
      h('h2', null, t('importPreview')), h('div', { class: 'table-wrap' }, rows),
      problems,
      p.rejected && !p.error ? h('p', { class: 'muted' }, t('importSkipNote')) : null,
      h('div', { class: 'import-actions' }, go));
  }

  async function run() {
    const bar = h('progress', { max: '100', value: '0', 'data-testid': 'import-progress' });
    const label = h('span', { class: 'muted' }, '0%');
    mount(out, h('p', null, t('importRunning')), h('div', { class: 'import-bar' }, bar, label));
    let job;
    let done = false;
    try {
      job = await api('POST', '/import/jobs');
    } catch (e) {
      return mount(out, h('p', { class: 'form-error', role: 'alert', 'data-testid': 'import-error' }, e.message));
    }
    const poll = async () => {
      while (!done) {
        try {
          const j = await api('GET', `/import/jobs/${job.id}`);
          if (!done) {
            bar.value = Math.round(j.progress * 100);
            label.textContent = `${bar.value}%`;
          }
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    poll();
    let res;
    try {
      res = await api('POST', `/import/${st.kind}`, { file: st.file, query: { job: job.id, skip_bad: 1, map: mapParam() } });
    } catch (e) {
      done = true;
      return mount(out, h('p', { class: 'form-error', role: 'alert', 'data-testid': 'import-error' }, e.message));
    }
    done = true;
    bar.value = 100;
    let rejects = null;
    if (res.rejects_csv) {
      const url = URL.createObjectURL(new Blob([res.rejects_csv], { type: 'text/csv' }));
      rejects = h('a', { class: 'btn', href: url, download: 'rejects.csv', 'data-testid': 'import-rejects' }, t('importRejects'));
    }
    mount(out,
      h('div', { class: 'import-result', 'data-testid': 'import-result', role: 'status' },
        h('h2', null, t('importDone')),
        h('dl', null,
          h('dt', null, t('importImported')), h('dd', { 'data-testid': 'import-imported' }, num(res.imported)),
          h('dt', null, t('importCreated')), h('dd', null, num(res.created)),
          h('dt', null, t('importUpdated')), h('dd', { 'data-testid': 'import-updated' }, num(res.updated)),
          h('dt', null, t('importRejected')), h('dd', { 'data-testid': 'import-rejected' }, num(res.rejected))),
        rejects,
        h('a', { class: 'btn', href: st.kind === 'deals' ? '#/deals' : '#/board' }, t('importSee'))));
  }
}
