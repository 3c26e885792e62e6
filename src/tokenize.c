/*
 * tokenize.c - normalisation, units, index and query tokens, and the
 * reference matcher of litecrm's search (the model is in tokenize.h).
 *
 * Everything works on UTF-8 in place, one code point at a time, with no
 * allocation except in struct tok_seq. The Traditional -> Simplified table
 * is searched by binary search over its sorted pairs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "tokenize.h"
#include "tokenize_ts.h"

/* ---- Traditional -> Simplified ---- */

struct ts_pair {
	uint32_t from, to;
};

static struct ts_pair ts_table[sizeof(tok_ts_pairs) / 3];
static size_t ts_count;
static pthread_once_t ts_once = PTHREAD_ONCE_INIT;

static void ts_load(void)
{
	size_t i = 0, n = sizeof(tok_ts_pairs) - 1;

	while (i < n && ts_count < sizeof(ts_table) / sizeof(ts_table[0])) {
		uint32_t from = tok_utf8_next(tok_ts_pairs, n, &i);
		uint32_t to = tok_utf8_next(tok_ts_pairs, n, &i);

		ts_table[ts_count].from = from;
		ts_table[ts_count].to = to;
		ts_count++;
	}
}

static uint32_t ts_search(uint32_t cp)
{
	size_t lo = 0, hi;

	pthread_once(&ts_once, ts_load);
	hi = ts_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ts_table[mid].from == cp)
			return ts_table[mid].to;
		if (ts_table[mid].from < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return cp;
}

/*
 * The folds looked up last, by the low bits of the code point, per thread:
 * a text uses a few hundred distinct characters, and the binary search
 * (with its pthread_once) for every CJK character of every note was a
 * large part of indexing one. No code point below 0x3400 is ever cached,
 * so the zeroed slots miss.
 */
#define TS_CACHE 1024
static _Thread_local struct ts_pair ts_cache[TS_CACHE];

static uint32_t ts_fold(uint32_t cp)
{
	struct ts_pair *c = &ts_cache[cp % TS_CACHE];

	if (c->from != cp) {
		c->to = ts_search(cp);
		c->from = cp;
	}
	return c->to;
}

/* ---- code points ---- */

uint32_t tok_fold(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 0x20 : cp;
	if (cp >= 0xFF01 && cp <= 0xFF5E) /* full-width ASCII */
		return tok_fold(cp - 0xFEE0);
	if (cp == 0x3000)
		return ' ';
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 0x20;
	if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
		return cp + 0x20;
	if (cp >= 0x410 && cp <= 0x42F)
		return cp + 0x20;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 0x50;
	if (cp >= 0x3400)
		return ts_fold(cp);
	return cp;
}

enum tok_kind tok_class(uint32_t cp)
{
	if (cp < 0x80) {
		if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') ||
		    (cp >= 'A' && cp <= 'Z'))
			return TOK_WORD;
		return TOK_SEP;
	}
	/* CJK: radicals, kana, bopomofo, Hangul jamo, Han, Hangul syllables. */
	if ((cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3040 && cp <= 0x31FF) ||
	    (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
	    (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0x20000 && cp <= 0x3134F))
		return TOK_CJK;
	/* Punctuation, symbols, specials and private use separate units. */
	if (cp <= 0xBF || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
	    (cp >= 0x2E00 && cp <= 0x2E7F) || (cp >= 0x3000 && cp <= 0x303F) ||
	    (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFE00 && cp <= 0xFFFF) ||
	    (cp >= 0x1F000 && cp <= 0x1FAFF) || cp >= 0xE0000)
		return TOK_SEP;
	return TOK_WORD;
}

uint32_t tok_utf8_next(const char *s, size_t n, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = n - *i, len, k;
	uint32_t cp;

	if (p[0] < 0x80) {
		*i += 1;
		return p[0];
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2;
		cp = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		cp = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		*i += 1;
		return 0xFFFD;
	}
	if (left < len) {
		*i += 1;
		return 0xFFFD;
	}
	for (k = 1; k < len; k++) {
		if ((p[k] & 0xC0) != 0x80) {
			*i += 1;
			return 0xFFFD;
		}
		cp = (cp << 6) | (p[k] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
		*i += 1;
		return 0xFFFD;
	}
	*i += len;
	return cp;
}

size_t tok_utf8_put(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;

	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (cp >> 18));
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t tok_norm_text(const char *s, size_t n, char *out, size_t outsz)
{
	size_t i = 0, used = 0;

	if (outsz == 0)
		return 0;
	while (i < n) {
		char buf[4];
		size_t k = tok_utf8_put(tok_fold(tok_utf8_next(s, n, &i)), buf);

		if (used + k >= outsz)
			break;
		memcpy(out + used, buf, k);
		used += k;
	}
	out[used] = '\0';
	return used;
}

/* ---- units ---- */

int tok_units(const char *s, size_t n, tok_unit_fn *fn, void *ctx)
{
	struct tok_unit u;
	size_t i = 0, cps = 0;
	int rc;

	u.kind = TOK_SEP;
	while (i < n) {
		size_t at = i;
		uint32_t cp = tok_fold(tok_utf8_next(s, n, &i));
		enum tok_kind k = tok_class(cp);

		if (u.kind == TOK_WORD && k != TOK_WORD) {
			u.text[u.len] = '\0';
			if ((rc = fn(ctx, &u)))
				return rc;
			u.kind = TOK_SEP;
		}
		if (k == TOK_CJK) {
			u.kind = TOK_CJK;
			u.len = (unsigned char)tok_utf8_put(cp, u.text);
			u.text[u.len] = '\0';
			u.start = at;
			u.end = i;
			if ((rc = fn(ctx, &u)))
				return rc;
			u.kind = TOK_SEP;
		} else if (k == TOK_WORD) {
			if (u.kind != TOK_WORD) {
				u.kind = TOK_WORD;
				u.len = 0;
				cps = 0;
				u.start = at;
				u.end = i;
				u.text[0] = '\0';
			}
			/* Code points past TOK_WORD_MAX still belong to the word, unstored. */
			if (cps < TOK_WORD_MAX) {
				u.len += (unsigned char)tok_utf8_put(cp, u.text + u.len);
				cps++;
			}
			u.end = i;
		}
	}
	if (u.kind == TOK_WORD) {
		u.text[u.len] = '\0';
		if ((rc = fn(ctx, &u)))
			return rc;
	}
	return 0;
}

static int count_one(void *ctx, const struct tok_unit *u)
{
	(void)u;
	(*(size_t *)ctx)++;
	return 0;
}

size_t tok_count_units(const char *s, size_t n)
{
	size_t count = 0;

	tok_units(s, n, count_one, &count);
	return count;
}

/* ---- index and query tokens ---- */

struct emit {
	tok_token_fn *fn;
	void *ctx;
};

static int emit_unit(void *ctx, const struct tok_unit *u)
{
	const struct emit *e = ctx;

	return e->fn(e->ctx, u->text, u->len, 0, u->start, u->end);
}

int tok_index(const char *s, size_t n, tok_token_fn *fn, void *ctx)
{
	struct emit e = {fn, ctx};

	return tok_units(s, n, emit_unit, &e);
}

int tok_query(const char *s, size_t n, tok_token_fn *fn, void *ctx)
{
	return tok_index(s, n, fn, ctx);
}

/* ---- unit sequences and the reference matcher ---- */

static int seq_push(void *ctx, const struct tok_unit *u)
{
	struct tok_seq *seq = ctx;

	if (seq->n == seq->cap) {
		size_t cap = seq->cap ? seq->cap * 2 : 16;
		struct tok_unit *v = realloc(seq->v, cap * sizeof(*v));

		if (!v)
			return ERR_NOMEM;
		seq->v = v;
		seq->cap = cap;
	}
	seq->v[seq->n++] = *u;
	return 0;
}

int tok_seq_build(struct tok_seq *seq, const char *s, size_t n)
{
	seq->n = 0;
	return tok_units(s, n, seq_push, seq);
}

void tok_seq_release(struct tok_seq *seq)
{
	free(seq->v);
	seq->v = NULL;
	seq->n = seq->cap = 0;
}

static int unit_eq(const struct tok_unit *a, const struct tok_unit *b)
{
	return a->kind == b->kind && a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
}

long tok_seq_find(const struct tok_seq *hay, const struct tok_seq *needle, size_t from)
{
	size_t i, k;

	if (needle->n == 0 || hay->n < needle->n)
		return -1;
	for (i = from; i + needle->n <= hay->n; i++) {
		for (k = 0; k < needle->n && unit_eq(&hay->v[i + k], &needle->v[k]); k++)
			;
		if (k == needle->n)
			return (long)i;
	}
	return -1;
}

int tok_match(const char *text, const char *term)
{
	struct tok_seq hay = {0}, needle = {0};
	int rc;

	if (tok_seq_build(&hay, text, strlen(text)) || tok_seq_build(&needle, term, strlen(term)))
		rc = -1;
	else
		rc = tok_seq_find(&hay, &needle, 0) >= 0;
	tok_seq_release(&hay);
	tok_seq_release(&needle);
	return rc;
}
