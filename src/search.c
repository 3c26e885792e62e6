/*
 * search.c - the search query parser and the reference matcher (search.h).
 *
 * The parser reads the query in two passes: first into raw items (a word,
 * a quoted phrase, or the operator OR, each with its '-' and field prefix),
 * then it groups items joined by OR into clauses and drops items with no
 * units. Matching compares unit sequences (tokenize.h), so it agrees with
 * the index by construction.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "search.h"

static const char *const field_names[] = {"", "title", "body", "author", "tag", "company"};

const char *search_field_name(enum search_field f)
{
	return (unsigned)f < sizeof(field_names) / sizeof(field_names[0]) ? field_names[f] : "";
}

static int is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' ||
	       cp == 0x3000;
}

static int is_quote(uint32_t cp)
{
	return cp == '"' || cp == 0xFF02 || cp == 0x201C || cp == 0x201D;
}

struct item {
	int is_or; /* the bare operator OR */
	int negate;
	int phrase;
	enum search_field field;
	char text[CAP_QUERY + 1];
};

/* read_item reads one item of q starting at *i (not at a space); advances *i. */
static void read_item(const char *q, size_t n, size_t *i, struct item *it)
{
	size_t j = *i, start, k, len;
	uint32_t cp;

	memset(it, 0, sizeof(*it));
	start = j;
	cp = tok_utf8_next(q, n, &j);
	if ((cp == '-' || cp == 0xFF0D) && j < n) {
		size_t t = j;

		if (!is_space(tok_utf8_next(q, n, &t))) {
			it->negate = 1;
			start = j;
		}
	}
	/* A field prefix: ASCII letters, then ':' or '：', then a value. */
	for (k = start; k < n && ((q[k] >= 'a' && q[k] <= 'z') || (q[k] >= 'A' && q[k] <= 'Z'));
	     k++)
		;
	if (k > start && k < n) {
		size_t t = k;
		uint32_t colon = tok_utf8_next(q, n, &t);

		if ((colon == ':' || colon == 0xFF1A) && t < n) {
			size_t v = t;

			if (!is_space(tok_utf8_next(q, n, &v))) {
				for (size_t f = 1; f < sizeof(field_names) / sizeof(field_names[0]);
				     f++)
					if (strlen(field_names[f]) == k - start &&
					    strncasecmp(q + start, field_names[f], k - start) ==
						0) {
						it->field = (enum search_field)f;
						start = t;
						break;
					}
			}
		}
	}
	j = start;
	cp = tok_utf8_next(q, n, &j);
	if (is_quote(cp)) {
		size_t from = j, to = j;

		it->phrase = 1;
		while (j < n) {
			size_t at = j;

			if (is_quote(tok_utf8_next(q, n, &j))) {
				to = at;
				break;
			}
			to = j;
		}
		start = from;
		len = to - from;
	} else {
		j = start;
		while (j < n) {
			size_t at = j;

			if (is_space(tok_utf8_next(q, n, &j))) {
				j = at;
				break;
			}
		}
		len = j - start;
		if (!it->negate && !it->field && len == 2 && memcmp(q + start, "OR", 2) == 0)
			it->is_or = 1;
	}
	if (len > CAP_QUERY)
		len = CAP_QUERY;
	memcpy(it->text, q + start, len);
	it->text[len] = '\0';
	*i = j;
}

static void trim_norm(char *s)
{
	size_t n = strlen(s), a = 0;

	while (n > 0 &&
	       (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	while (a < n && (s[a] == ' ' || s[a] == '\t' || s[a] == '\n' || s[a] == '\r'))
		a++;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
}

void search_tag_norm(const char *tag, char *out, size_t outsz)
{
	tok_norm_text(tag, strlen(tag), out, outsz);
	trim_norm(out);
}

int search_parse(const char *q, struct search_query *out, struct errinfo *e)
{
	struct item items[SEARCH_ATOMS_MAX * 2 + 1];
	size_t nitems = 0, n = strlen(q), i = 0, k;
	int join = 0, rc;

	memset(out, 0, sizeof(*out));
	if (n > CAP_QUERY)
		return errinfo_set(e, ERR_INVALID, "search.query_too_long", "q",
				   "the query is longer than %d bytes", CAP_QUERY);
	while (i < n) {
		size_t at = i;

		if (is_space(tok_utf8_next(q, n, &i)))
			continue;
		i = at;
		if (nitems == sizeof(items) / sizeof(items[0]))
			return errinfo_set(e, ERR_INVALID, "search.query_too_complex", "q",
					   "the query has more than %d terms", SEARCH_ATOMS_MAX);
		read_item(q, n, &i, &items[nitems++]);
	}
	out->nclauses = 0;
	for (k = 0; k < nitems; k++) {
		struct item *it = &items[k];
		struct search_atom *a;

		/* OR between two terms joins them; elsewhere it is the word "or". */
		if (it->is_or && k > 0 && k + 1 < nitems && !items[k - 1].is_or &&
		    !items[k + 1].is_or) {
			if (items[k - 1].negate || items[k + 1].negate)
				return errinfo_set(e, ERR_INVALID, "search.query_invalid", "q",
						   "OR cannot join an excluded term");
			join = 1;
			continue;
		}
		if (out->n == SEARCH_ATOMS_MAX)
			return errinfo_set(e, ERR_INVALID, "search.query_too_complex", "q",
					   "the query has more than %d terms", SEARCH_ATOMS_MAX);
		a = &out->atom[out->n];
		memset(a, 0, sizeof(*a));
		a->field = it->field;
		a->negate = it->negate;
		a->phrase = it->phrase;
		memcpy(a->text, it->text, sizeof(a->text));
		if (a->field == SEARCH_TAG) {
			search_tag_norm(a->text, a->norm, sizeof(a->norm));
			if (!a->norm[0]) {
				join = 0;
				continue;
			}
		}
		if ((rc = tok_seq_build(&a->seq, a->text, strlen(a->text)))) {
			out->n++;
			return errinfo_set(e, rc, "server.error", NULL, "out of memory");
		}
		if (a->field != SEARCH_TAG && a->seq.n == 0) {
			tok_seq_release(&a->seq);
			continue; /* keep join: "a OR . OR b" still joins a and b */
		}
		if (join && out->n > 0) {
			a->clause = out->atom[out->n - 1].clause;
		} else {
			a->clause = out->nclauses++;
		}
		join = 0;
		out->n++;
	}
	return 0;
}

void search_query_release(struct search_query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		tok_seq_release(&q->atom[i].seq);
		free(q->atom[i].ids);
		q->atom[i].ids = NULL;
		q->atom[i].nids = 0;
	}
	q->n = 0;
}

int search_has_terms(const struct search_query *q)
{
	return q->n > 0;
}

/* text_has: 1 when the units of a appear in text. */
static int text_has(const struct search_atom *a, const char *text)
{
	struct tok_seq hay = {0};
	int rc;

	if (!text || !text[0])
		return 0;
	if (tok_seq_build(&hay, text, strlen(text)))
		rc = ERR_NOMEM;
	else
		rc = tok_seq_find(&hay, &a->seq, 0) >= 0;
	tok_seq_release(&hay);
	return rc;
}

static int either(int a, int b)
{
	if (a < 0)
		return a;
	return a ? 1 : b;
}

int search_atom_match(const struct search_atom *a, const struct search_doc *d)
{
	char norm[CAP_QUERY + 1];

	switch (a->field) {
	case SEARCH_ANY: {
		int t = text_has(a, d->title);

		return t ? t : text_has(a, d->body);
	}
	case SEARCH_TITLE:
		return text_has(a, d->title);
	case SEARCH_BODY:
		return text_has(a, d->body);
	case SEARCH_AUTHOR: {
		int t = text_has(a, d->author);

		return either(t, t ? 1 : text_has(a, d->author_name));
	}
	case SEARCH_COMPANY:
		return text_has(a, d->company);
	case SEARCH_TAG:
		for (size_t i = 0; i < d->ntags; i++) {
			search_tag_norm(d->tags[i], norm, sizeof(norm));
			if (strcmp(norm, a->norm) == 0)
				return 1;
		}
		return 0;
	}
	return 0;
}

int search_doc_match(const struct search_query *q, const struct search_doc *d)
{
	int c;

	if (q->n == 0)
		return 0;
	for (c = 0; c < q->nclauses; c++) {
		int ok = 0, seen = 0;

		for (size_t i = 0; i < q->n && !ok; i++) {
			const struct search_atom *a = &q->atom[i];
			int m;

			if (a->clause != c)
				continue;
			seen = 1;
			m = search_atom_match(a, d);
			if (m < 0)
				return m;
			ok = a->negate ? !m : m;
		}
		if (seen && !ok)
			return 0;
	}
	return 1;
}

/* ---- highlighting ---- */

static int applies(const struct search_atom *a, enum search_field field)
{
	if (a->negate)
		return 0;
	return a->field == field ||
	       (a->field == SEARCH_ANY && (field == SEARCH_TITLE || field == SEARCH_BODY));
}

struct out {
	char *p;
	size_t n, cap;
	int full;
};

static void put(struct out *o, const char *s, size_t n)
{
	size_t i = 0;

	if (o->full)
		return;
	if (o->n + n + 1 > o->cap) {
		/* Cut at a code point boundary. */
		size_t room = o->cap - o->n - 1;

		while (i < n) {
			size_t j = i;

			tok_utf8_next(s, n, &j);
			if (j > room)
				break;
			i = j;
		}
		n = i;
		o->full = 1;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
	o->p[o->n] = '\0';
}

int search_mark(const struct search_query *q, enum search_field field, const char *text,
		size_t window, char *out, size_t outsz)
{
	struct tok_seq hay = {0};
	unsigned char *mark = NULL; /* per unit: 1 inside a match */
	struct out o = {out, 0, outsz, 0};
	size_t from = 0, to, u, pos;
	long first = -1;
	int rc = 0;

	if (outsz == 0)
		return 0;
	out[0] = '\0';
	if ((rc = tok_seq_build(&hay, text, strlen(text))))
		goto out;
	if (hay.n && !(mark = calloc(hay.n, 1))) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < q->n; i++) {
		const struct search_atom *a = &q->atom[i];
		long at = 0;

		if (!applies(a, field) || a->field == SEARCH_TAG)
			continue;
		while ((at = tok_seq_find(&hay, &a->seq, (size_t)at)) >= 0) {
			memset(mark + at, 1, a->seq.n);
			if (first < 0 || at < first)
				first = at;
			at++;
		}
	}
	/* The byte range to show. */
	to = strlen(text);
	if (window > 0 && hay.n > window) {
		size_t lo = first > (long)(window / 4) ? (size_t)first - window / 4 : 0;
		size_t hi = lo + window < hay.n ? lo + window : hay.n;

		if (hi == hay.n)
			lo = hay.n - window;
		from = lo > 0 ? hay.v[lo].start : 0;
		to = hi < hay.n ? hay.v[hi - 1].end : to;
	}
	if (from > 0)
		put(&o, "…", strlen("…"));
	pos = from;
	for (u = 0; u < hay.n; u++) {
		size_t s = hay.v[u].start, e;

		if (!mark[u] || s < from || s >= to)
			continue;
		/* A run of marked units becomes one highlight. */
		e = hay.v[u].end;
		while (u + 1 < hay.n && mark[u + 1] && hay.v[u + 1].start < to)
			e = hay.v[++u].end;
		put(&o, text + pos, s - pos);
		put(&o, SEARCH_MARK_ON, 1);
		put(&o, text + s, e - s);
		put(&o, SEARCH_MARK_OFF, 1);
		pos = e;
	}
	put(&o, text + pos, to > pos ? to - pos : 0);
	if (to < strlen(text))
		put(&o, "…", strlen("…"));
out:
	free(mark);
	tok_seq_release(&hay);
	return rc;
}
