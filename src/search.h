/*
 * search.h - the query language of litecrm's search, one for the API, the
 * CLI and the web app, and the reference of what a query finds.
 *
 * Pure domain (no SQL): search_parse() turns the text a user typed into a
 * struct search_query; search_doc_match() says whether a record matches it.
 * A store backend runs the same query its own way (the SQLite backend as an
 * FTS5 expression, see store_sqlite_note.c) and must agree with
 * search_doc_match(); the property test checks that it does.
 *
 * The language (docs/API.md, "Search"):
 *   營造 報價          plain terms: each must match the title or the body (AND)
 *   "報價 單"          a phrase: its units in a row (tokenize.h)
 *   a OR b             either; OR binds tighter than the implicit AND
 *   -word  -"a b"      exclude records that match
 *   title:x body:x     the term must match that field
 *   author:amy         the author's username or display name matches
 *   company:CCC        the company's name matches
 *   tag:高優先          a tag equal to the value after normalisation
 * A field's value may be a phrase (title:"a b"). "OR" is an operator only in
 * capitals between two terms; an excluded term cannot be joined by OR.
 * Terms with no units (only punctuation) are dropped. A query with no term
 * left finds nothing.
 */
#ifndef LITECRM_SEARCH_H
#define LITECRM_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "tokenize.h"

/* At most this many terms in one query (over it: search.query_too_complex). */
#define SEARCH_ATOMS_MAX 16

/* Markers around highlighted text in snippets (never stored: svc refuses C0 controls). */
#define SEARCH_MARK_ON	"\x01"
#define SEARCH_MARK_OFF "\x02"

enum search_field {
	SEARCH_ANY = 0, /* title or body */
	SEARCH_TITLE,
	SEARCH_BODY,
	SEARCH_AUTHOR,
	SEARCH_TAG,
	SEARCH_COMPANY
};

struct search_atom {
	enum search_field field;
	int negate;
	int clause;		  /* atoms of one clause are ORed; clauses are ANDed */
	int phrase;		  /* written in quotes */
	char text[CAP_QUERY + 1]; /* the value as written, without quotes or prefix */
	char norm[CAP_QUERY + 1]; /* tag: the normalised value */
	struct tok_seq seq;	  /* the value's units */
	int64_t *ids;		  /* author:, company: ids resolved by the caller (malloc'd) */
	size_t nids;
};

struct search_query {
	struct search_atom atom[SEARCH_ATOMS_MAX];
	size_t n;
	int nclauses;
};

/*
 * search_parse reads q (valid UTF-8, at most CAP_QUERY bytes) into out.
 * Returns 0, or ERR_INVALID (search.query_too_long, search.query_too_complex,
 * search.query_invalid) or ERR_NOMEM with e filled. Release out with
 * search_query_release() in every case.
 */
int search_parse(const char *q, struct search_query *out, struct errinfo *e);
void search_query_release(struct search_query *q);

/*
 * search_tag_norm writes the form tags are compared in: the normalised tag
 * (tok_norm_text) without surrounding white space, into out (outsz bytes).
 */
void search_tag_norm(const char *tag, char *out, size_t outsz);

/* search_field_name: "title", "author", ... ("" for SEARCH_ANY). */
const char *search_field_name(enum search_field f);

/* A record as the matcher sees it; absent fields are NULL. */
struct search_doc {
	const char *title;
	const char *body;
	const char *author;	 /* username */
	const char *author_name; /* display name */
	const char *company;
	const char *const *tags;
	size_t ntags;
};

/*
 * search_atom_match: 1 when atom a (its negation ignored) matches d, 0 when
 * not, ERR_NOMEM. author: and company: compare text here (not ids).
 */
int search_atom_match(const struct search_atom *a, const struct search_doc *d);

/* search_doc_match: 1 when d matches the whole query, 0 when not, ERR_NOMEM. */
int search_doc_match(const struct search_query *q, const struct search_doc *d);

/* search_has_terms: 1 when the query has at least one atom left. */
int search_has_terms(const struct search_query *q);

/*
 * search_mark copies text into out (outsz bytes, NUL-terminated, cut at a
 * code point) with every match of the query's positive atoms that apply to
 * field (SEARCH_TITLE or SEARCH_BODY; SEARCH_ANY atoms apply to both)
 * wrapped in SEARCH_MARK_ON / SEARCH_MARK_OFF. With window > 0 the copy is
 * a snippet: about window units around the first match (or from the start),
 * with "…" where text was cut. Returns 0 or ERR_NOMEM.
 */
int search_mark(const struct search_query *q, enum search_field field, const char *text,
		size_t window, char *out, size_t outsz);

#endif
