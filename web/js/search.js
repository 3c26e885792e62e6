// search.js - the global search: the box in the top bar and its results
// page (#/search?q=...), companies, contacts, deals and notes, each with
// its matches highlighted. The highlights are built as <mark> nodes: the
// API's title_html/snippet_html are split at the literal <mark> and </mark>
// it writes, and each piece is decoded and appended as a text node, so no
// server text is ever parsed as HTML.
import { get } from './api.js';
import { h, mount } from './dom.js';
import { dateTime, num, t } from './i18n.js';

const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
const decode = (s) => s.replace(/&(?:lt|gt|amp|quot|#39|#x27);/g, (m) => ENTITIES[m]);

// marked returns nodes for an escaped, <mark>-ed text: text nodes and <mark> elements.
export function marked(html) {
  const out = [];
  let on = false;
  for (const part of String(html || '').split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') on = true;
    else if (part === '</mark>') on = false;
    else if (part) out.push(on ? h('mark', null, decode(part)) : decode(part));
  }
  return out;
}

export function searchBox(ctx) {
  const input = h('input', { type: 'search', name: 'q', class: 'search-input', 'data-testid': 'global-search', placeholder: t('searchHint'), 'aria-label': t('search'), maxlength: '200' });
  const r = new URLSearchParams(location.hash.split('?')[1] || '');
  if (location.hash.startsWith('#/search')) input.value = r.get('q') || '';
  return h('form', { class: 'search-box', role: 'search', on: { submit: (ev) => {
    ev.preventDefault();
    const q = input.value.trim();
    if (q) ctx.go(`#/search?q=${encodeURIComponent(q)}`);
  } } }, input);
}

const KINDS = ['company', 'contact', 'deal', 'note'];

function href(it) {
  if (it.kind === 'note') return `#/note/${it.id}`;
  if (it.kind === 'deal') return `#/deal/${it.id}`;
  if (it.kind === 'contact') return `#/company/${it.company_id}`;
  return `#/company/${it.id}`;
}

// count(res, kind): the kind's total; an estimated one (total_exact false: the
// server stops counting past a thousand notes) reads "about N".
function count(res, k) {
  const n = num(res.total[k]);
  return res.total_exact && res.total_exact[k] === false ? t('searchAbout', { n }) : n;
}

export async function render(main, ctx, r, current) {
  const q = r.params.get('q') || '';
  if (!q) {
    mount(main, h('p', { class: 'empty' }, t('searchHint')));
    return;
  }
  const res = await get('/search', { q, limit: 20 });
  if (!current()) return;
  const groups = KINDS.filter((k) => res.items.some((it) => it.kind === k)).map((k) =>
    h('section', { class: 'card-panel search-group', dataset: { kind: k } },
      h('h2', null, `${t(`kind_${k}`)} · ${count(res, k)}`),
      h('ul', { class: 'search-results' }, res.items.filter((it) => it.kind === k).map((it) =>
        h('li', { class: 'search-hit', 'data-testid': 'search-hit' },
          h('a', { href: href(it), class: 'strong' }, marked(it.title_html)),
          it.company && it.kind !== 'company' ? h('span', { class: 'muted' }, ` · ${it.company}`) : null,
          it.author ? h('span', { class: 'muted' }, ` · ${it.author}`) : null,
          it.updated_at ? h('span', { class: 'muted' }, ` · ${dateTime(it.updated_at)}`) : null,
          it.snippet_html ? h('div', { class: 'snippet' }, marked(it.snippet_html)) : null)))));
  mount(main,
    h('div', { class: 'page-head' }, h('h1', null, t('searchFor', { q }))),
    groups.length ? groups : h('p', { class: 'empty', 'data-testid': 'search-empty' }, t('noResults')));
}
