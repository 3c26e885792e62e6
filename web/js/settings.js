// settings.js - pipeline stages (admins shape them; managers tune
// probabilities), users (add, role, deactivate, reset password) and the
// workspace (currency, language, who sees which deals). Admins and managers.
import { api, get } from './api.js';
import { h, mount, option, toast } from './dom.js';
import { stageName, t } from './i18n.js';

function fail(e) {
  toast(e.status === 412 ? t('stale') : e.status === 403 ? t('forbidden') : e.message, 'error');
}

export async function render(main, ctx, r, current) {
  const tab = r.params.get('tab') || 'stages';
  const admin = ctx.me.role === 'admin';
  const [stages, users, ws] = await Promise.all([get('/stages'), get('/users'), get('/workspace')]);
  if (!current()) return;
  ctx.stages = stages.items;
  ctx.users = users.items;
  const again = () => render(main, ctx, r, current);
  const tabs = h('nav', { class: 'tabs' }, [['stages', t('stages')], ['users', t('users')], ['workspace', t('workspace')]].map(([k, l]) =>
    h('a', { href: `#/settings?tab=${k}`, class: tab === k ? 'active' : null }, l)));
  let body;
  if (tab === 'users') body = usersTab(ctx, users.items, admin, again);
  else if (tab === 'workspace') body = wsTab(ctx, ws, admin, again);
  else body = stagesTab(ctx, stages.items, admin, again);
  mount(main, h('div', { class: 'page-head' }, h('h1', null, t('settings'))), tabs, admin ? null : h('p', { class: 'muted' }, t('adminOnly')), body);
}

function stagesTab(ctx, stages, admin, again) {
  const reorder = async (i, dir) => {
    const ids = stages.map((x) => x.id);
    [ids[i], ids[i + dir]] = [ids[i + dir], ids[i]];
    try { await api('PUT', '/stages/order', { body: { ids } }); again(); } catch (e) { fail(e); }
  };
  const rows = stages.map((st, i) => {
    const zh = h('input', { value: st.name_zh, maxlength: '200', disabled: !admin, 'aria-label': t('nameZh') });
    const en = h('input', { value: st.name_en, maxlength: '200', disabled: !admin, 'aria-label': t('nameEn') });
    const prob = h('input', { type: 'number', min: '0', max: '100', value: st.probability, class: 'w-num', 'aria-label': t('probability') });
    const guide = h('textarea', { rows: '2', maxlength: '4000', disabled: !admin, 'aria-label': t('guidance') }, st.guidance || '');
    const save = async () => {
      const body = { probability: Number(prob.value) };
      if (admin) Object.assign(body, { name_zh: zh.value, name_en: en.value, guidance: guide.value || null });
      try { await api('PATCH', `/stages/${st.id}`, { body, version: st.version }); toast(t('saved')); again(); } catch (e) { fail(e); }
    };
    return h('tr', null,
      h('td', null, h('code', null, st.key), h('div', { class: 'muted' }, t(st.kind))),
      h('td', null, zh, en),
      h('td', null, prob),
      h('td', { class: 'wide' }, guide),
      h('td', { class: 'actions' },
        h('button', { class: 'btn', type: 'button', on: { click: save } }, t('save')),
        admin ? h('button', { class: 'btn btn-ghost', type: 'button', disabled: i === 0, title: t('up'), 'aria-label': t('up'), on: { click: () => reorder(i, -1) } }, '↑') : null,
        admin ? h('button', { class: 'btn btn-ghost', type: 'button', disabled: i === stages.length - 1, title: t('down'), 'aria-label': t('down'), on: { click: () => reorder(i, 1) } }, '↓') : null,
        admin ? h('button', { class: 'btn btn-danger', type: 'button', on: { click: async () => {
          if (!confirm(`${t('confirmDelete')} ${stageName(st)}`)) return;
          try { await api('DELETE', `/stages/${st.id}`, { version: st.version }); again(); } catch (e) { fail(e); }
        } } }, t('delete')) : null));
  });
  const nk = { key: h('input', { required: true, pattern: '[a-z][a-z0-9_]*', placeholder: t('key') }), zh: h('input', { required: true, placeholder: t('nameZh') }),
    en: h('input', { required: true, placeholder: t('nameEn') }), prob: h('input', { type: 'number', min: '0', max: '100', value: '10', class: 'w-num' }),
    kind: h('select', null, ['open', 'won', 'lost'].map((k) => option(k, t(k)))) };
  const add = admin ? h('form', { class: 'inline-form', on: { submit: async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', '/stages', { body: { key: nk.key.value, name_zh: nk.zh.value, name_en: nk.en.value, probability: Number(nk.prob.value), kind: nk.kind.value } });
      again();
    } catch (e) { fail(e); }
  } } }, Object.values(nk), h('button', { class: 'btn btn-primary', type: 'submit' }, t('addStage'))) : null;
  return h('section', { class: 'card-panel' }, h('div', { class: 'table-wrap' }, h('table', { class: 'grid settings-table' },
    h('thead', null, h('tr', null, [t('key'), t('name'), t('probability'), t('guidance'), ''].map((x) => h('th', null, x)))),
    h('tbody', null, rows))), add);
}

function usersTab(ctx, users, admin, again) {
  const rows = users.map((u) => {
    const role = h('select', { disabled: !admin || u.id === ctx.me.id }, ['member', 'manager', 'admin'].map((k) => option(k, t(k), u.role === k)));
    const active = h('input', { type: 'checkbox', checked: u.active, disabled: !admin || u.id === ctx.me.id });
    const patch = async (body) => { try { await api('PATCH', `/users/${u.id}`, { body, version: u.version }); again(); } catch (e) { fail(e); } };
    role.addEventListener('change', () => patch({ role: role.value }));
    active.addEventListener('change', () => patch({ active: active.checked }));
    return h('tr', null,
      h('td', null, h('strong', null, u.display_name || u.username), h('div', { class: 'muted' }, u.username)),
      h('td', null, u.email || ''),
      h('td', null, role),
      h('td', null, h('label', { class: 'check' }, active, t('active'))),
      h('td', null, admin ? h('button', { class: 'btn btn-ghost', type: 'button', on: { click: async () => {
        const pw = prompt(`${t('newPassword')} (${u.username})`);
        if (!pw) return;
        try { await api('POST', `/users/${u.id}/password`, { body: { new_password: pw } }); toast(t('saved')); } catch (e) { fail(e); }
      } } }, t('resetPassword')) : null));
  });
  const nu = { username: h('input', { required: true, placeholder: t('username'), pattern: '[A-Za-z0-9._\\-]+' }), display_name: h('input', { placeholder: t('displayName') }),
    email: h('input', { type: 'email', placeholder: t('email') }), password: h('input', { type: 'password', required: true, minlength: '8', placeholder: t('password'), autocomplete: 'new-password' }),
    role: h('select', null, ['member', 'manager', 'admin'].map((k) => option(k, t(k)))) };
  const add = admin ? h('form', { class: 'inline-form', on: { submit: async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k, el] of Object.entries(nu)) if (el.value) body[k] = el.value;
    try { await api('POST', '/users', { body }); await ctx.reloadUsers(); again(); } catch (e) { fail(e); }
  } } }, Object.values(nu), h('button', { class: 'btn btn-primary', type: 'submit' }, t('addUser'))) : null;
  return h('section', { class: 'card-panel' }, h('div', { class: 'table-wrap' }, h('table', { class: 'grid' },
    h('thead', null, h('tr', null, [t('name'), t('email'), t('role'), t('active'), ''].map((x) => h('th', null, x)))),
    h('tbody', null, rows))), add);
}

function wsTab(ctx, ws, admin, again) {
  const name = h('input', { value: ws.name, maxlength: '200', disabled: !admin });
  const cur = h('input', { value: ws.currency, maxlength: '3', class: 'w-num', disabled: !admin });
  const lg = h('select', { disabled: !admin }, option('zh-TW', '中文（台灣）', ws.language === 'zh-TW'), option('en', 'English', ws.language === 'en'));
  const all = h('input', { type: 'checkbox', checked: ws.members_see_all, disabled: !admin, name: 'members_see_all' });
  return h('form', { class: 'card-panel form-grid', on: { submit: async (ev) => {
    ev.preventDefault();
    try {
      const w = await api('PATCH', '/workspace', { body: { name: name.value, currency: cur.value.toUpperCase(), language: lg.value, members_see_all: all.checked }, version: ws.version });
      ctx.ws = w;
      toast(t('saved'));
      again();
    } catch (e) { fail(e); }
  } } },
    h('label', null, t('name'), name), h('label', null, t('currency'), cur), h('label', null, t('language'), lg),
    h('label', { class: 'check span2' }, all, t('membersSeeAll')),
    admin ? h('div', { class: 'span2 f-actions' }, h('button', { class: 'btn btn-primary', type: 'submit' }, t('save'))) : null);
}
