// notes.js - the customer notebook: a company's notes (#/notebook/ID), one
// note (#/note/ID: title, author, tags, its Markdown body rendered by
// markdown.js, the deals citing it, editing with If-Match), and the cited
// notes of a deal (citedNotes, drawn on the deal page).
import { api, get } from './api.js';
import { h, mount, option, toast } from './dom.js';
import { dateTime, t } from './i18n.js';
import { renderMarkdown } from './markdown.js';

export async function render(main, ctx, r, current) {
  if (r.page === 'note') return renderNote(main, ctx, r, current);
  return renderNotebook(main, ctx, r, current);
}

const splitTags = (s) => s.split(/[,，、]/).map((x) => x.trim()).filter(Boolean);

function tagList(tags) {
  return (tags || []).length ? h('span', { class: 'tags' }, tags.map((x) => h('span', { class: 'tag' }, x))) : null;
}

function noteForm(n, onSave, onCancel) {
  const title = h('input', { name: 'title', required: true, maxlength: '200', value: n?.title || '' });
  const tags = h('input', { name: 'tags', maxlength: '700', value: (n?.tags || []).join(', '), placeholder: t('tagsHint') });
  const body = h('textarea', { name: 'body', rows: '10', maxlength: '20000' }, n?.body || '');
  const err = h('p', { class: 'form-error', role: 'alert' });
  return h('form', { class: 'card-panel form-grid note-form', 'data-testid': 'note-form', on: { submit: async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      await onSave({ title: title.value.trim(), body: body.value, tags: splitTags(tags.value) });
    } catch (e) {
      if (e.status !== 401) err.textContent = e.status === 403 ? t('forbidden') : e.message;
    }
  } } },
    h('label', { class: 'span2' }, t('noteTitle'), title),
    h('label', { class: 'span2' }, t('tags'), tags),
    h('label', { class: 'span2' }, `${t('noteBody')} (Markdown)`, body),
    err,
    h('div', { class: 'span2 f-actions' },
      h('button', { class: 'btn btn-primary', type: 'submit' }, t('save')),
      onCancel ? h('button', { class: 'btn', type: 'button', on: { click: onCancel } }, t('cancel')) : null));
}

function noteRow(n) {
  return h('li', { class: 'note-row', 'data-testid': 'note-row' },
    h('a', { href: `#/note/${n.id}`, class: 'strong' }, n.title),
    tagList(n.tags),
    h('span', { class: 'muted' }, `${n.author_name || n.author || '—'} · ${dateTime(n.updated_at)}`));
}

async function renderNotebook(main, ctx, r, current) {
  const [c, notes] = await Promise.all([get(`/companies/${r.id}`), get('/notes', { company: r.id, limit: 500 })]);
  if (!current()) return;
  let adding = false;
  const slot = h('div');
  const draw = () => mount(slot, adding
    ? noteForm(null, async (body) => {
      const n = await api('POST', '/notes', { body: { company_id: c.id, ...body } });
      toast(t('saved'));
      location.hash = `#/note/${n.id}`;
    }, () => { adding = false; draw(); })
    : h('button', { class: 'btn btn-primary', type: 'button', 'data-testid': 'note-add', on: { click: () => { adding = true; draw(); } } }, t('addNote')));
  draw();
  mount(main,
    h('div', { class: 'page-head' },
      h('div', null,
        h('a', { class: 'crumb', href: `#/company/${c.id}` }, c.name),
        h('h1', null, `${t('notebook')} · ${c.name}`))),
    slot,
    h('section', { class: 'card-panel' },
      notes.items.length
        ? h('ul', { class: 'mini-list note-list', 'data-testid': 'note-list' }, notes.items.map(noteRow))
        : h('p', { class: 'empty' }, t('noNotes'))));
}

async function renderNote(main, ctx, r, current) {
  const [n, deals] = await Promise.all([get(`/notes/${r.id}`), get(`/notes/${r.id}/deals`)]);
  if (!current()) return;
  const mayEdit = ctx.privileged || n.author_id === ctx.me.id;
  const body = h('div', null, h('article', { class: 'card-panel note-body', 'data-testid': 'note-body' }, renderMarkdown(n.body)));
  const edit = () => mount(body, noteForm(n, async (patch) => {
    try {
      await api('PATCH', `/notes/${n.id}`, { body: patch, version: n.version });
      toast(t('saved'));
    } catch (e) {
      if (e.status !== 412) throw e;
      toast(t('stale'), 'error');
    }
    renderNote(main, ctx, r, current);
  }, () => renderNote(main, ctx, r, current)));
  mount(main,
    h('div', { class: 'page-head' },
      h('div', null,
        h('a', { class: 'crumb', href: `#/notebook/${n.company_id}` }, `${n.company} · ${t('notebook')}`),
        h('h1', { 'data-testid': 'note-title' }, n.title),
        h('div', { class: 'muted' }, `${t('author')}: ${n.author_name || n.author || '—'} · ${t('createdAt')} ${dateTime(n.created_at)} · ${t('updatedAt')} ${dateTime(n.updated_at)}`),
        tagList(n.tags)),
      mayEdit ? h('button', { class: 'btn', type: 'button', 'data-testid': 'note-edit', on: { click: edit } }, t('edit')) : null),
    h('div', { class: 'two-col' },
      body,
      h('section', { class: 'card-panel' }, h('h2', null, t('citedBy')),
        deals.items.length
          ? h('ul', { class: 'mini-list' }, deals.items.map((d) => h('li', null, h('a', { href: `#/deal/${d.id}` }, d.name), h('span', { class: 'muted' }, ` · ${d.company}`))))
          : h('p', { class: 'muted' }, t('noCitations')))));
}

// citedNotes: the deal page's section of the notes the deal cites, each one
// click from its page; who may edit the deal cites and uncites.
export function citedNotes(ctx, d, mayEdit) {
  const box = h('section', { class: 'card-panel', 'data-testid': 'cited-notes' }, h('h2', null, t('citedNotes')));
  const draw = async () => {
    const [cited, all] = await Promise.all([get(`/deals/${d.id}/notes`), mayEdit ? get('/notes', { company: d.company_id, limit: 500 }) : { items: [] }]);
    const ids = new Set(cited.items.map((n) => n.id));
    const pick = h('select', { name: 'note', 'aria-label': t('citeNote') }, all.items.filter((n) => !ids.has(n.id)).map((n) => option(String(n.id), n.title)));
    mount(box,
      h('h2', null, t('citedNotes')),
      cited.items.length
        ? h('ul', { class: 'mini-list' }, cited.items.map((n) => h('li', { 'data-testid': 'cited-note' },
          h('a', { href: `#/note/${n.id}`, class: 'strong' }, n.title),
          h('span', { class: 'muted' }, ` · ${n.author_name || n.author || '—'} `),
          mayEdit ? h('button', { class: 'btn btn-ghost', type: 'button', title: t('uncite'), on: { click: async () => {
            try {
              await api('DELETE', `/deals/${d.id}/notes`, { query: { note_id: n.id } });
              draw();
            } catch (e) { toast(e.message, 'error'); }
          } } }, t('uncite')) : null)))
        : h('p', { class: 'muted' }, t('noCitedNotes')),
      mayEdit && pick.options.length
        ? h('form', { class: 'inline-form', on: { submit: async (ev) => {
          ev.preventDefault();
          try {
            await api('POST', `/deals/${d.id}/notes`, { body: { note_id: Number(pick.value) } });
            draw();
          } catch (e) { toast(e.message, 'error'); }
        } } }, pick, h('button', { class: 'btn', type: 'submit', 'data-testid': 'cite' }, t('citeNote')))
        : null,
      h('a', { class: 'muted', href: `#/notebook/${d.company_id}` }, t('notebook')));
  };
  draw().catch((e) => toast(e.message, 'error'));
  return box;
}
