// deal.js - the deal page (fields, owner assignment, stage timeline, the
// company and its other deals) and the company page (contacts, deals).
import { api, get } from './api.js';
import { h, mount, option, toast, today } from './dom.js';
import { dateTime, money, stageName, t } from './i18n.js';
import { citedNotes } from './notes.js';

export async function render(main, ctx, r, current) {
  if (r.page === 'company') return renderCompany(main, ctx, r, current);
  return renderDeal(main, ctx, r, current);
}

function dealRow(ctx, d) {
  const st = ctx.stages.find((s) => s.id === d.stage_id);
  return h('li', { class: 'mini-deal' },
    h('a', { href: `#/deal/${d.id}`, class: 'strong' }, d.name),
    h('span', { class: `pill pill-${d.status}` }, stageName(st) || d.stage),
    h('span', { class: 'num' }, money(d.amount)),
    h('span', { class: 'muted' }, d.owner_name || d.owner || ''));
}

async function renderDeal(main, ctx, r, current) {
  const [d, hist] = await Promise.all([get(`/deals/${r.id}`), get(`/deals/${r.id}/history`)]);
  const [others] = await Promise.all([get('/deals', { company: d.company_id, limit: 100 })]);
  if (!current()) return;
  const mayEdit = ctx.privileged || d.owner_id === ctx.me.id;
  const dis = !mayEdit;
  const inp = {
    name: h('input', { name: 'name', required: true, maxlength: '200', value: d.name, disabled: dis }),
    amount: h('input', { name: 'amount', type: 'number', min: '0', step: 'any', value: d.amount, disabled: dis }),
    stage: h('select', { name: 'stage', disabled: dis }, ctx.stages.map((s) => option(s.key, `${stageName(s)} (${s.probability}%)`, s.id === d.stage_id))),
    probability: h('input', { name: 'probability', type: 'number', min: '0', max: '100', value: d.probability_override ?? '', placeholder: String(d.probability), disabled: dis }),
    close_date: h('input', { name: 'close_date', type: 'date', value: d.close_date || '', disabled: dis }),
    next_step: h('textarea', { name: 'next_step', rows: '3', maxlength: '1000', disabled: dis }, d.next_step || ''),
    owner: h('select', { name: 'owner', disabled: !ctx.privileged }, ctx.users.filter((u) => u.active || u.id === d.owner_id).map((u) => option(u.username, u.display_name || u.username, u.id === d.owner_id))),
  };
  const err = h('p', { class: 'form-error', role: 'alert' });
  const form = h('form', { class: 'card-panel form-grid', 'data-testid': 'deal-form', on: { submit: async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const body = {};
    if (inp.name.value.trim() !== d.name) body.name = inp.name.value.trim();
    if (inp.amount.value !== '' && Number(inp.amount.value) !== Number(d.amount)) body.amount = inp.amount.value;
    if (inp.stage.value !== d.stage) body.stage = inp.stage.value;
    const p = inp.probability.value === '' ? null : Number(inp.probability.value);
    if (p !== (d.probability_override ?? null)) body.probability = p;
    if ((inp.close_date.value || null) !== (d.close_date || null)) body.close_date = inp.close_date.value || null;
    if (inp.next_step.value !== (d.next_step || '')) body.next_step = inp.next_step.value || null;
    if (ctx.privileged && inp.owner.value !== d.owner) body.owner = inp.owner.value;
    if (Object.keys(body).length === 0) return;
    try {
      await api('PATCH', `/deals/${d.id}`, { body, version: d.version });
      toast(t('saved'));
      renderDeal(main, ctx, r, current);
    } catch (e) {
      if (e.status === 412) {
        toast(t('stale'), 'error');
        renderDeal(main, ctx, r, current);
      } else if (e.status !== 401) err.textContent = e.status === 403 ? t('forbidden') : e.message;
    }
  } } },
    h('label', { class: 'span2' }, t('name'), inp.name),
    h('label', null, `${t('amount')} (${d.currency})`, inp.amount),
    h('label', null, t('stage'), inp.stage),
    h('label', null, `${t('probability')} %`, inp.probability),
    h('label', null, t('closeDate'), inp.close_date),
    h('label', null, t('owner'), inp.owner),
    h('label', { class: 'span2' }, t('nextStep'), inp.next_step),
    err,
    mayEdit ? h('div', { class: 'span2 f-actions' }, h('button', { class: 'btn btn-primary', type: 'submit' }, t('save')),
      h('button', { class: 'btn btn-danger', type: 'button', 'data-testid': 'deal-delete', on: { click: async () => {
        if (!confirm(t('deleteDealConfirm', { name: d.name }))) return;
        try {
          await api('DELETE', `/deals/${d.id}`, { version: d.version });
          toast(t('dealTrashed', { name: d.name }));
          ctx.go('#/trash');
        } catch (e) { if (e.status !== 401) err.textContent = e.status === 403 ? t('forbidden') : e.message; }
      } } }, t('deleteDeal'))) : null);

  const byKey = (k) => ctx.stages.find((s) => s.key === k);
  const timeline = h('ol', { class: 'timeline', 'data-testid': 'timeline' },
    hist.items.slice().reverse().map((x) => h('li', null,
      h('div', { class: 'tl-what' }, x.from_stage
        ? t('movedFromTo', { from: stageName(byKey(x.from_stage)) || x.from_stage, to: stageName(byKey(x.to_stage)) || x.to_stage })
        : t('created', { stage: stageName(byKey(x.to_stage)) || x.to_stage })),
      h('div', { class: 'muted' }, dateTime(x.changed_at), ' · ', t('by', { who: ctx.userName(x.changed_by) || x.changed_by_username || '—' })))));

  const overdue = d.close_date && d.status === 'open' && d.close_date < today();
  mount(main,
    h('div', { class: 'page-head' },
      h('div', null,
        h('a', { class: 'crumb', href: `#/company/${d.company_id}` }, d.company),
        h('h1', { 'data-testid': 'deal-title' }, d.name)),
      h('span', { class: `pill pill-${d.status}` }, stageName(byKey(d.stage)))),
    h('div', { class: 'tiles small' },
      tile(t('amount'), money(d.amount)),
      tile(t('probability'), `${d.probability}%`),
      tile(t('expected'), money(d.expected)),
      tile(t('closeDate'), d.close_date || '—', overdue ? t('overdue') : '')),
    h('div', { class: 'two-col' },
      form,
      h('div', null,
        citedNotes(ctx, d, mayEdit),
        h('section', { class: 'card-panel' }, h('h2', null, t('history')), timeline),
        h('section', { class: 'card-panel' }, h('h2', null, t('otherDeals')),
          h('ul', { class: 'mini-list' }, others.items.filter((x) => x.id !== d.id).map((x) => dealRow(ctx, x)))))));
}

function tile(label, value, note) {
  return h('div', { class: 'tile' }, h('div', { class: 'tile-label' }, label), h('div', { class: 'tile-value' }, value), note ? h('div', { class: 'tile-note overdue' }, note) : null);
}

async function renderCompany(main, ctx, r, current) {
  const [c, contacts, deals] = await Promise.all([get(`/companies/${r.id}`), get(`/companies/${r.id}/contacts`), get('/deals', { company: r.id, limit: 500 })]);
  if (!current()) return;
  const add = {
    name: h('input', { name: 'name', required: true, maxlength: '200', placeholder: t('name') }),
    title: h('input', { name: 'title', maxlength: '200', placeholder: t('title') }),
    phone: h('input', { name: 'phone', maxlength: '64', placeholder: t('phone') }),
    email: h('input', { name: 'email', type: 'email', maxlength: '254', placeholder: t('email') }),
  };
  const addForm = h('form', { class: 'inline-form', on: { submit: async (ev) => {
    ev.preventDefault();
    const body = { company_id: c.id };
    for (const [k, el] of Object.entries(add)) if (el.value.trim()) body[k] = el.value.trim();
    try {
      await api('POST', '/contacts', { body });
      renderCompany(main, ctx, r, current);
    } catch (e) { toast(e.status === 403 ? t('forbidden') : e.message, 'error'); }
  } } }, Object.values(add), h('button', { class: 'btn', type: 'submit' }, t('addContact')));
  const total = deals.items.reduce((n, d) => n + Number(d.amount), 0);
  mount(main,
    h('div', { class: 'page-head' }, h('h1', null, c.name),
      h('a', { class: 'btn', href: `#/notebook/${c.id}`, 'data-testid': 'notebook-link' }, t('notebook')),
      c.website ? h('span', { class: 'muted' }, c.website) : null, c.phone ? h('span', { class: 'muted' }, c.phone) : null),
    h('div', { class: 'two-col' },
      h('section', { class: 'card-panel' }, h('h2', null, `${t('deals')} · ${money(total)}`),
        h('ul', { class: 'mini-list' }, deals.items.map((d) => dealRow(ctx, d)))),
      h('section', { class: 'card-panel' }, h('h2', null, t('contacts')),
        contacts.items.length ? h('table', { class: 'grid' },
          h('thead', null, h('tr', null, h('th', null, t('name')), h('th', null, t('title')), h('th', null, t('phone')), h('th', null, t('email')))),
          h('tbody', null, contacts.items.map((p) => h('tr', null, h('td', null, p.name), h('td', null, p.title || ''), h('td', null, p.phone || ''), h('td', null, p.email || ''))))) : null,
        addForm)));
}
