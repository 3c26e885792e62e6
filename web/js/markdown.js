// markdown.js - a small Markdown subset rendered as DOM nodes, never as an
// HTML string: every piece of text becomes a text node, so a note can hold
// any characters (<script>, &, quotes) and they show as written.
//
// Blocks: # headings (1-6), paragraphs (lines joined), - / * / + lists,
// 1. lists, ``` fenced code. Inline: `code`, **strong**, *em* / _em_, and
// [text](url) links when url is http: or https: (anything else stays text).

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\n]+\*|_[^_\n]+_)|(\[[^\]\n]+\]\([^)\s]+\))/;

function el(tag, ...children) {
  const e = document.createElement(tag);
  for (const c of children) e.append(c);
  return e;
}

// safeUrl returns the URL when it is http(s), else null.
export function safeUrl(href) {
  try {
    const u = new URL(href);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

// inline appends text to parent with code, strong, em and links as elements.
function inline(parent, text) {
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) {
      parent.append(document.createTextNode(rest));
      return;
    }
    if (m.index > 0) parent.append(document.createTextNode(rest.slice(0, m.index)));
    const tok = m[0];
    if (m[1]) parent.append(el('code', document.createTextNode(tok.slice(1, -1))));
    else if (m[2]) inline(parent.appendChild(document.createElement('strong')), tok.slice(2, -2));
    else if (m[3]) inline(parent.appendChild(document.createElement('em')), tok.slice(1, -1));
    else {
      const close = tok.indexOf('](');
      const label = tok.slice(1, close);
      const url = safeUrl(tok.slice(close + 2, -1));
      if (url) {
        const a = document.createElement('a');
        a.href = url;
        a.rel = 'noopener noreferrer nofollow';
        a.target = '_blank';
        inline(a, label);
        parent.append(a);
      } else parent.append(document.createTextNode(tok));
    }
    rest = rest.slice(m.index + tok.length);
  }
}

// renderMarkdown returns a DocumentFragment for text.
export function renderMarkdown(text) {
  const out = document.createDocumentFragment();
  const lines = String(text || '').replace(/\r\n?/g, '\n').split('\n');
  let para = [];
  let list = null;
  const flushPara = () => {
    if (para.length) inline(out.appendChild(document.createElement('p')), para.join(' '));
    para = [];
  };
  const endList = () => {
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m;
    if (/^\s*```/.test(line)) {
      flushPara();
      endList();
      const code = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      out.append(el('pre', el('code', document.createTextNode(code.join('\n')))));
    } else if ((m = /^(#{1,6})\s+(.*)$/.exec(line))) {
      flushPara();
      endList();
      inline(out.appendChild(document.createElement(`h${m[1].length}`)), m[2].trim());
    } else if ((m = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/.exec(line))) {
      flushPara();
      const tag = /\d/.test(m[1]) ? 'ol' : 'ul';
      if (!list || list.tagName.toLowerCase() !== tag) list = out.appendChild(document.createElement(tag));
      inline(list.appendChild(document.createElement('li')), m[2]);
    } else if (!line.trim()) {
      flushPara();
      endList();
    } else {
      endList();
      para.push(line.trim());
    }
  }
  flushPara();
  return out;
}
