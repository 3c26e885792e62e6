// audit.js - the audit log for admins (#/audit): filters (action, who,
// from, to) and a table, newest first, with "older" paging by the keyset
// cursor the API returns; and the deal trash (#/trash): restore (owners,
// managers, admins) and purge (admins).
import { api, get } from './api.js';
import { h, mount, option, toast } from './dom.js';
import { dateTime, money, t } from './i18n.js';

const ACTIONS = [
  'login', 'login.failed', 'logout', 'user.', 'user.create', 'user.role', 'user.disable', 'user.enable',
  'password.change', 'token.create', 'token.revoke', 'workspace.update', 'stage.', 'export', 'import',
  'deal.delete', 'deal.restore', 'deal.purge', 'company.delete', 'contact.delete', 'note.delete', 'view.delete',
];

export async function render(main, ctx, r, current) {
  if (r.page === 'trash') return renderTrash(main, ctx, r, current);
  return renderAudit(main, ctx, r, current);
}

function target(x) {
  if (!x.target_type) return '';
  const key = `target_${x.target_type}`;
  const name = `${t(key) === key ? x.target_type : t(key)} ${x.target_id}`;
  if (x.target_type === 'deal' && x.action !== 'deal.purge') return h('a', { href: `#/deal/${x.target_id}` }, name);
  return name;
}

// label names an action in the current language ("" for a code it does not know).
function label(a) {
  const s = t(`audit_${a}`);
  return s === `audit_${a}` ? '' : s;
}

// detailText shows the detail object as "key: value" pairs, as text.
function detailText(d) {
  return Object.entries(d || {}).map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? JSON.stringify(v) : v}`).join(' · ');
}

async function renderAudit(main, ctx, r, current) {
  if (ctx.me.role !== 'admin') {
    mount(main, h('p', { class: 'empty error' }, t('forbidden')));
    return;
  }
  const p = r.params;
  const f = {
    action: h('select', { name: 'action' }, option('', t('any'), !p.get('action')),
      ACTIONS.map((a) => option(a, `${t(`audit_${a}`)} (${a})`, p.get('action') === a))),
    actor: h('select', { name: 'actor' }, option('', t('any'), !p.get('actor')), option('-', t('auditAnonymous'), p.get('actor') === '-'),
      ctx.users.map((u) => option(u.username, u.display_name || u.username, p.get('actor') === u.username))),
    since: h('input', { name: 'since', type: 'date', value: p.get('since') || '' }),
    until: h('input', { name: 'until', type: 'date', value: p.get('until') || '' }),
  };
  const query = {};
  for (const k of Object.keys(f)) if (p.get(k)) query[k] = p.get(k);
  const body = h('tbody', { 'data-testid': 'audit-rows' });
  const more = h('button', { class: 'btn', type: 'button', 'data-testid': 'audit-more' }, t('auditOlder'));
  let cursor = null;
  async function page(before) {
    const res = await get('/audit', { ...query, before, limit: 50 });
    if (!current()) return;
    for (const x of res.items)
      body.append(h('tr', { dataset: { action: x.action } },
        h('td', { class: 'nowrap' }, dateTime(x.at)),
        h('td', null, x.actor ? ctx.userName(x.actor_id) || x.actor : h('span', { class: 'muted' }, t(x.addr === 'cli' ? 'auditOperator' : 'auditAnonymous'))),
        h('td', null, h('code', null, x.action), ' ', h('span', { class: 'muted' }, label(x.action))),
        h('td', null, target(x)),
        h('td', null, x.addr),
        h('td', { class: 'audit-detail' }, detailText(x.detail))));
    cursor = res.next_before;
    more.style.display = cursor ? '' : 'none';
    if (!res.items.length && !before) body.append(h('tr', null, h('td', { colspan: '6', class: 'empty' }, t('noResults'))));
  }
  more.addEventListener('click', () => page(cursor).catch((e) => toast(e.message, 'error')));
  const form = h('form', { class: 'card-panel filter-bar', 'data-testid': 'audit-filters', on: { submit: (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k, el] of Object.entries(f)) if (el.value) q.set(k, el.value);
    ctx.go(`#/audit${q.toString() ? `?${q}` : ''}`);
  } } },
    h('label', null, t('auditAction'), f.action),
    h('label', null, t('auditWho'), f.actor),
    h('label', null, t('from'), f.since),
    h('label', null, t('to'), f.until),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('apply')));
  mount(main,
    h('div', { class: 'page-head' }, h('h1', null, t('audit'))),
    h('p', { class: 'muted' }, t('auditRetention')),
    form,
    h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'audit-table' },
      h('thead', null, h('tr', null, [t('auditWhen'), t('auditWho'), t('auditAction'), t('auditTarget'), t('auditFrom'), t('auditDetail')].map((x) => h('th', null, x)))),
      body)),
    h('div', { class: 'f-actions' }, more));
  await page();
}

async function renderTrash(main, ctx, r, current) {
  const res = await get('/trash/deals');
  if (!current()) return;
  const admin = ctx.me.role === 'admin';
  const rows = res.items.map((d) => h('tr', { dataset: { id: String(d.id) } },
    h('td', null, h('span', { class: 'strong' }, d.name)),
    h('td', null, d.company || ''),
    h('td', { class: 'num' }, money(d.amount)),
    h('td', null, d.owner_name || d.owner || ''),
    h('td', { class: 'nowrap' }, dateTime(d.deleted_at), ' · ', d.deleted_by_username || '—'),
    h('td', { class: 'nowrap' }, dateTime(d.purge_after)),
    h('td', { class: 'nowrap' },
      h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'trash-restore', on: { click: async () => {
        try {
          await api('POST', `/deals/${d.id}/restore`);
          toast(t('trashRestored', { name: d.name }));
          ctx.go(`#/deal/${d.id}`);
        } catch (e) { toast(e.status === 403 ? t('forbidden') : e.message, 'error'); }
      } } }, t('trashRestore')),
      admin ? h('button', { class: 'btn btn-danger', type: 'button', 'data-testid': 'trash-purge', on: { click: async () => {
        if (!confirm(t('trashPurgeConfirm', { name: d.name }))) return;
        try {
          await api('DELETE', `/trash/deals/${d.id}`);
          renderTrash(main, ctx, r, current);
        } catch (e) { toast(e.message, 'error'); }
      } } }, t('trashPurge')) : null)));
  mount(main,
    h('div', { class: 'page-head' }, h('h1', null, t('trash'))),
    h('p', { class: 'muted' }, t('trashHint')),
    res.items.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid', 'data-testid': 'trash-table' },
        h('thead', null, h('tr', null, [t('deal'), t('company'), t('amount'), t('owner'), t('trashDeleted'), t('trashPurgeAfter'), ''].map((x) => h('th', null, x)))),
        h('tbody', null, rows)))
      : h('p', { class: 'empty', 'data-testid': 'trash-empty' }, t('trashEmpty')));
}
