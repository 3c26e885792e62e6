/*
 * store_pg_note.c - notes, tags, citations and note search in the PostgreSQL
 * backend (the ops are described in store.h, "notes and search"); the tables
 * come from migration 4 in store_pg.c and mirror the SQLite backend's.
 *
 * Search does not use PostgreSQL's text search or pg_trgm: both depend on the
 * server's locale (pg_trgm sees no Chinese at all under LC_CTYPE=C) and
 * neither matches 1- and 2-character Chinese terms the way litecrm's own
 * tokenizer does. Instead each note stores its title and body as their
 * tokenize.c units, each preceded by U+001F and the whole closed by one
 * (title_units, body_units; written here in C, on every create and update).
 * A term matches a text when its units are consecutive units of the text
 * (tokenize.h), which is exactly when the term's unit string, built the same
 * way, is a substring of the text's: units hold no U+001F.
 *
 * The index: lc_search_keys() (SQL, the migration in store_pg.c) turns unit
 * strings into keys, every unit and every pair of adjacent units, and the
 * GIN index note_search holds each note's keys (title and body apart, so no
 * pair spans the two). Text arrays compare bytewise, so the index is exact
 * on any server locale. A note holding a term holds its keys; so SQL narrows
 * the candidates by the keys of the terms every match needs (the clauses of
 * one positive text term) and to the notes the caller may see, and the match
 * is decided per note in C with strstr, clause by clause as
 * search_doc_match() does. When every clause is one positive term of one or
 * two units in either field, holding the keys is matching, and PostgreSQL
 * gives the page and the total itself (page_keys) without sending the
 * candidates. author: and company: atoms compare the ids the caller
 * resolved, tag: the normalised tags, as in SQLite.
 *
 * Order: queries with a positive text clause rank notes whose title matches
 * first, then newest update; other queries go by newest update, as in
 * SQLite (which ranks text queries by FTS5's bm25 instead, so the order of
 * text results may differ between backends; the set and the total do not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "search.h"
#include "store_pg_int.h"
#include "tokenize.h"

#define NOTE_COLS                                                                                  \
	"n.id, n.workspace_id, n.company_id, n.author_id, n.title, n.body, n.version,"             \
	" n.created_at, n.updated_at, c.name, u.username, u.display_name"
#define NOTE_FROM                                                                                  \
	" FROM note n JOIN company c ON c.workspace_id = n.workspace_id AND c.id = n.company_id"   \
	" LEFT JOIN users u ON u.workspace_id = n.workspace_id AND u.id = n.author_id"
/* A member sees a note when its company has no deals or one of its deals is theirs. */
#define NOTE_VISIBLE(p)                                                                            \
	" (NOT EXISTS (SELECT 1 FROM deal d WHERE d.workspace_id = n.workspace_id"                 \
	"   AND d.company_id = n.company_id) OR EXISTS (SELECT 1 FROM deal d"                      \
	"   WHERE d.workspace_id = n.workspace_id AND d.company_id = n.company_id"                 \
	"   AND d.owner_id = " p "))"

/* The note's keys hold those of the unit strings $3 (the note_search index). */
#define KEYS_HOLD                                                                                  \
	"lc_search_keys(n.title_units, n.body_units)"                                              \
	" @> lc_search_keys(VARIADIC $3::text[]) COLLATE \"C\""

enum {
	ST_INSERT = PG_EXT_NOTE,
	ST_TAG_INSERT,
	ST_TAG_DELETE,
	ST_GET,
	ST_TAGS,
	ST_UPDATE,
	ST_DELETE,
	ST_LIST_COMPANY,
	ST_LIST_ALL,
	ST_CITE,
	ST_UNCITE,
	ST_DEAL_NOTES,
	ST_NOTE_DEALS,
	ST_EXISTS,
	ST_SCAN,
	ST_SCAN_KEYS,
	ST_PAGE_KEYS,
	ST_COUNT_KEYS,
	ST_SCAN_TAGS,
	ST_END
};
_Static_assert((int)ST_END <= (int)PG_EXT_REPORT, "the note statements overflow their slots");

static const char *const sql[] = {
    [ST_INSERT - PG_EXT_NOTE] =
	"INSERT INTO note (workspace_id, company_id, author_id, title, body, version,"
	" created_at, updated_at, title_units, body_units)"
	" VALUES ($1::bigint, $2::bigint, $3::bigint, $4, $5, 1, $6, $6, $7, $8) RETURNING id",
    [ST_TAG_INSERT - PG_EXT_NOTE] = "INSERT INTO note_tag (workspace_id, note_id, position, tag,"
				    " tag_norm) VALUES ($1::bigint, $2::bigint, $3::int, $4, $5)",
    [ST_TAG_DELETE - PG_EXT_NOTE] = "DELETE FROM note_tag WHERE workspace_id = $1::bigint"
				    " AND note_id = $2::bigint",
    [ST_GET - PG_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = $1::bigint AND n.id = $2::bigint",
    [ST_TAGS - PG_EXT_NOTE] = "SELECT tag FROM note_tag WHERE workspace_id = $1::bigint"
			      " AND note_id = $2::bigint ORDER BY position",
    [ST_UPDATE - PG_EXT_NOTE] =
	"UPDATE note SET company_id = $3::bigint, title = $4, body = $5, version = version + 1,"
	" updated_at = $6, title_units = $8, body_units = $9"
	" WHERE workspace_id = $1::bigint AND id = $2::bigint AND version = $7::bigint",
    [ST_DELETE - PG_EXT_NOTE] = "DELETE FROM note WHERE workspace_id = $1::bigint"
				" AND id = $2::bigint",
    [ST_LIST_COMPANY - PG_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = $1::bigint"
	" AND n.company_id = $2::bigint AND ($3::bigint = 0 OR n.author_id = $3::bigint)"
	" AND ($4::bigint = 0 OR" NOTE_VISIBLE(
	    "$4::bigint") ")"
			  " ORDER BY n.updated_at DESC, n.id DESC LIMIT $5::bigint OFFSET "
			  "$6::bigint",
    [ST_LIST_ALL - PG_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = $1::bigint AND $2::bigint = 0"
	" AND ($3::bigint = 0 OR n.author_id = $3::bigint)"
	" AND ($4::bigint = 0 OR" NOTE_VISIBLE(
	    "$4::bigint") ")"
			  " ORDER BY n.updated_at DESC, n.id DESC LIMIT $5::bigint OFFSET "
			  "$6::bigint",
    [ST_CITE - PG_EXT_NOTE] =
	"INSERT INTO deal_note (workspace_id, deal_id, note_id, cited_by, cited_at)"
	" VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint, $5) ON CONFLICT DO NOTHING",
    [ST_UNCITE - PG_EXT_NOTE] = "DELETE FROM deal_note WHERE workspace_id = $1::bigint"
				" AND deal_id = $2::bigint AND note_id = $3::bigint",
    [ST_DEAL_NOTES - PG_EXT_NOTE] = "SELECT note_id FROM deal_note WHERE workspace_id = $1::bigint"
				    " AND deal_id = $2::bigint ORDER BY cited_at, note_id",
    [ST_NOTE_DEALS - PG_EXT_NOTE] = "SELECT deal_id FROM deal_note WHERE workspace_id = $1::bigint"
				    " AND note_id = $2::bigint ORDER BY deal_id",
    [ST_EXISTS - PG_EXT_NOTE] = "SELECT count(*) FROM note WHERE workspace_id = $1::bigint"
				" AND id = $2::bigint",
    /* The search's candidates: every note the caller may see, newest update first. */
    [ST_SCAN - PG_EXT_NOTE] = "SELECT n.id, n.company_id, n.author_id, n.title_units,"
			      " n.body_units FROM note n WHERE n.workspace_id = $1::bigint"
			      " AND ($2::bigint = 0 OR" NOTE_VISIBLE(
				  "$2::bigint") ")"
						" ORDER BY n.updated_at DESC, n.id DESC",
    /*
     * The same narrowed by the note_search index to the notes holding the
     * keys of the unit strings in $3 (a text array): those that may match.
     */
    [ST_SCAN_KEYS - PG_EXT_NOTE] = "SELECT n.id, n.company_id, n.author_id, n.title_units,"
				   " n.body_units FROM note n WHERE n.workspace_id = $1::bigint"
				   " AND " KEYS_HOLD " AND ($2::bigint = 0 OR" NOTE_VISIBLE(
				       "$2::bigint") ")"
						     " ORDER BY n.updated_at DESC, n.id DESC",
    /*
     * When the keys decide the match (exact_keys()): the page ($4 rows from
     * $5) in search order, title matches first ($6: the unit strings as
     * LIKE patterns), with the total; the total alone when the page is empty.
     */
    [ST_PAGE_KEYS - PG_EXT_NOTE] =
	"SELECT n.id, count(*) OVER () FROM note n WHERE n.workspace_id = $1::bigint"
	" AND " KEYS_HOLD " AND ($2::bigint = 0 OR" NOTE_VISIBLE(
	    "$2::bigint") ")"
			  " ORDER BY n.title_units LIKE ANY ($6::text[]) DESC, n.updated_at DESC, "
			  "n.id DESC"
			  " LIMIT $4::bigint OFFSET $5::bigint",
    [ST_COUNT_KEYS - PG_EXT_NOTE] =
	"SELECT count(*) FROM note n WHERE n.workspace_id = $1::bigint"
	" AND " KEYS_HOLD " AND ($2::bigint = 0 OR" NOTE_VISIBLE("$2::bigint") ")",
    [ST_SCAN_TAGS - PG_EXT_NOTE] = "SELECT note_id, tag_norm FROM note_tag"
				   " WHERE workspace_id = $1::bigint ORDER BY note_id, position",
};

static int run(struct pg_store *s, int slot, const struct pgp *p, PGresult **out, int fk_err)
{
	return pg_exec_ext(s, slot, sql[slot - PG_EXT_NOTE], p, out, fk_err);
}

static struct pgp *ids2(struct pgp *p, int64_t a, int64_t b)
{
	p->n = 0;
	pgp_i64(p, a);
	pgp_i64(p, b);
	return p;
}

/* ---- unit strings ---- */

#define UNIT_SEP '\x1f'

struct ubuf {
	char *p;
	size_t n, cap;
	int oom;
};

static void ubuf_put(struct ubuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t ncap = (b->cap ? b->cap * 2 : 256) + n;
		char *q = realloc(b->p, ncap);

		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = ncap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static int put_unit(void *ctx, const struct tok_unit *u)
{
	struct ubuf *b = ctx;
	char sep = UNIT_SEP;

	ubuf_put(b, u->text, u->len);
	ubuf_put(b, &sep, 1);
	return b->oom ? ERR_NOMEM : 0;
}

/* units_new returns the unit string of text (free it), or NULL when out of memory. */
static char *units_new(const char *text)
{
	struct ubuf b = {0};
	char sep = UNIT_SEP;

	ubuf_put(&b, &sep, 1);
	if (text && tok_units(text, strlen(text), put_unit, &b))
		b.oom = 1;
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* seq_units writes the unit string of a parsed term into b. */
static void seq_units(const struct tok_seq *seq, struct ubuf *b)
{
	char sep = UNIT_SEP;

	b->n = 0;
	ubuf_put(b, &sep, 1);
	for (size_t i = 0; i < seq->n; i++) {
		ubuf_put(b, seq->v[i].text, seq->v[i].len);
		ubuf_put(b, &sep, 1);
	}
}

char *pg_note_units(const char *text)
{
	return units_new(text);
}

/* ---- notes ---- */

static void row_note(const PGresult *r, int i, void *out)
{
	struct note *n = out;

	n->id = pg_col_i64(r, i, 0);
	n->workspace_id = pg_col_i64(r, i, 1);
	n->company_id = pg_col_i64(r, i, 2);
	n->author_id = pg_col_i64(r, i, 3);
	PG_TEXT(r, i, 4, n->title);
	PG_TEXT(r, i, 5, n->body);
	n->version = pg_col_i64(r, i, 6);
	PG_TEXT(r, i, 7, n->created_at);
	PG_TEXT(r, i, 8, n->updated_at);
	PG_TEXT(r, i, 9, n->company_name);
	PG_TEXT(r, i, 10, n->author_username);
	PG_TEXT(r, i, 11, n->author_name);
	n->ntags = 0;
}

static int tags_read(struct pg_store *s, struct note *n)
{
	struct pgp p;
	PGresult *r = NULL;
	int i, rc;

	if ((rc = run(s, ST_TAGS, ids2(&p, n->workspace_id, n->id), &r, ERR_DB)))
		return rc;
	n->ntags = 0;
	for (i = 0; i < PQntuples(r) && n->ntags < NOTE_TAGS_MAX; i++)
		PG_TEXT(r, i, 0, n->tags[n->ntags++]);
	PQclear(r);
	return 0;
}

static int tags_write(struct pg_store *s, const struct note *n)
{
	char norm[CAP_TAG + 1];
	struct pgp p;
	int rc;

	if ((rc = run(s, ST_TAG_DELETE, ids2(&p, n->workspace_id, n->id), NULL, ERR_DB)))
		return rc;
	for (int i = 0; i < n->ntags && !rc; i++) {
		search_tag_norm(n->tags[i], norm, sizeof(norm));
		ids2(&p, n->workspace_id, n->id);
		pgp_i64(&p, i);
		pgp_text(&p, n->tags[i]);
		pgp_text(&p, norm);
		rc = run(s, ST_TAG_INSERT, &p, NULL, ERR_INVALID);
	}
	return rc;
}

int pg_note_create(struct store *base, struct note *n)
{
	struct pg_store *s = pg(base);
	struct pgp p;
	PGresult *r = NULL;
	char now[TS_LEN], *tu, *bu;
	int rc;

	memcpy(now, n->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	if (!now[0])
		store_now(now);
	tu = units_new(n->title);
	bu = units_new(n->body);
	if (!tu || !bu) {
		rc = ERR_NOMEM;
		goto out;
	}
	ids2(&p, n->workspace_id, n->company_id);
	pgp_id_null(&p, n->author_id);
	pgp_text(&p, n->title);
	pgp_text(&p, n->body);
	pgp_text(&p, now);
	pgp_text(&p, tu);
	pgp_text(&p, bu);
	rc = run(s, ST_INSERT, &p, &r, ERR_INVALID);
out:
	free(tu);
	free(bu);
	if (rc)
		return rc;
	n->id = pg_col_i64(r, 0, 0);
	PQclear(r);
	n->version = 1;
	memcpy(n->created_at, now, TS_LEN);
	memcpy(n->updated_at, now, TS_LEN);
	return n->ntags ? tags_write(s, n) : 0;
}

int pg_note_get(struct store *base, int64_t ws, int64_t id, struct note *out)
{
	struct pg_store *s = pg(base);
	struct pgp p;
	PGresult *r = NULL;
	int rc;

	if ((rc = run(s, ST_GET, ids2(&p, ws, id), &r, ERR_DB)))
		return rc;
	if (PQntuples(r) < 1) {
		PQclear(r);
		return ERR_NOTFOUND;
	}
	row_note(r, 0, out);
	PQclear(r);
	return tags_read(s, out);
}

int pg_note_list(struct store *base, int64_t ws, const struct note_filter *f, struct note_list *out)
{
	struct pg_store *s = pg(base);
	struct pgp p;
	PGresult *r = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	ids2(&p, ws, f->company_id);
	pgp_i64(&p, f->author_id);
	pgp_i64(&p, f->visible_to);
	pgp_i64(&p, f->limit > 0 ? f->limit : 0);
	pgp_i64(&p, f->offset > 0 ? f->offset : 0);
	if ((rc = run(s, f->company_id ? ST_LIST_COMPANY : ST_LIST_ALL, &p, &r, ERR_DB)))
		return rc;
	rc = pg_rows_new(r, sizeof(struct note), row_note, &v, &n);
	PQclear(r);
	for (size_t i = 0; i < n && !rc; i++)
		rc = tags_read(s, &((struct note *)v)[i]);
	if (rc) {
		free(v);
		return rc;
	}
	out->v = v;
	out->n = n;
	return 0;
}

int pg_note_update(struct store *base, struct note *n)
{
	struct pg_store *s = pg(base);
	struct pgp p;
	PGresult *r = NULL;
	char now[TS_LEN], *tu, *bu;
	int64_t changed;
	int rc;

	store_now(now);
	tu = units_new(n->title);
	bu = units_new(n->body);
	if (!tu || !bu) {
		rc = ERR_NOMEM;
		goto out;
	}
	ids2(&p, n->workspace_id, n->id);
	pgp_i64(&p, n->company_id);
	pgp_text(&p, n->title);
	pgp_text(&p, n->body);
	pgp_text(&p, now);
	pgp_i64(&p, n->version);
	pgp_text(&p, tu);
	pgp_text(&p, bu);
	rc = run(s, ST_UPDATE, &p, &r, ERR_INVALID);
out:
	free(tu);
	free(bu);
	if (rc)
		return rc;
	changed = pg_changed(r);
	PQclear(r);
	if (!changed) {
		/* Gone, or changed by someone else since it was read. */
		if ((rc = run(s, ST_EXISTS, ids2(&p, n->workspace_id, n->id), &r, ERR_DB)))
			return rc;
		changed = pg_col_i64(r, 0, 0);
		PQclear(r);
		return changed ? ERR_STALE : ERR_NOTFOUND;
	}
	n->version++;
	memcpy(n->updated_at, now, TS_LEN);
	return tags_write(s, n);
}

/* changed_ids runs a write of (a, b[, c]) that must touch a row. */
static int changed_ids(struct pg_store *s, int slot, int64_t a, int64_t b, int64_t c, int nb)
{
	struct pgp p;
	PGresult *r = NULL;
	int rc;

	ids2(&p, a, b);
	if (nb > 2)
		pgp_i64(&p, c);
	if ((rc = run(s, slot, &p, &r, ERR_INUSE)))
		return rc;
	rc = pg_changed(r) ? 0 : ERR_NOTFOUND;
	PQclear(r);
	return rc;
}

int pg_note_delete(struct store *base, int64_t ws, int64_t id)
{
	return changed_ids(pg(base), ST_DELETE, ws, id, 0, 2);
}

int pg_note_cite(struct store *base, int64_t ws, int64_t deal_id, int64_t note_id, int64_t by)
{
	struct pgp p;
	char now[TS_LEN];

	store_now(now);
	ids2(&p, ws, deal_id);
	pgp_i64(&p, note_id);
	pgp_id_null(&p, by);
	pgp_text(&p, now);
	return run(pg(base), ST_CITE, &p, NULL, ERR_INVALID);
}

int pg_note_uncite(struct store *base, int64_t ws, int64_t deal_id, int64_t note_id)
{
	return changed_ids(pg(base), ST_UNCITE, ws, deal_id, note_id, 3);
}

static void row_id(const PGresult *r, int i, void *out)
{
	*(int64_t *)out = pg_col_i64(r, i, 0);
}

static int ids_of(struct pg_store *s, int slot, int64_t ws, int64_t id, struct id_list *out)
{
	struct pgp p;
	PGresult *r = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = run(s, slot, ids2(&p, ws, id), &r, ERR_DB)))
		return rc;
	rc = pg_rows_new(r, sizeof(int64_t), row_id, &v, &n);
	PQclear(r);
	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

int pg_deal_note_ids(struct store *base, int64_t ws, int64_t deal_id, struct id_list *out)
{
	return ids_of(pg(base), ST_DEAL_NOTES, ws, deal_id, out);
}

int pg_note_deal_ids(struct store *base, int64_t ws, int64_t note_id, struct id_list *out)
{
	return ids_of(pg(base), ST_NOTE_DEALS, ws, note_id, out);
}

/* ---- search ---- */

static int has_id(const struct search_atom *a, int64_t id)
{
	for (size_t i = 0; i < a->nids; i++)
		if (a->ids[i] == id)
			return 1;
	return 0;
}

/* A candidate note as the matcher sees it. */
struct cand {
	int64_t company_id, author_id;
	const char *title, *body; /* unit strings */
	const char *const *tags;  /* normalised */
	size_t ntags;
};

static int units_has(const char *hay, const struct ubuf *needle)
{
	return needle->n > 1 && hay && strstr(hay, needle->p) != NULL;
}

/*
 * atom_match is search_atom_match() over unit strings: needles[i] is the
 * unit string of atom i. *in_title is set when the atom matched the title.
 */
static int atom_match(const struct search_atom *a, const struct ubuf *needle, const struct cand *c,
		      int *in_title)
{
	*in_title = 0;
	switch (a->field) {
	case SEARCH_ANY:
		if ((*in_title = units_has(c->title, needle)))
			return 1;
		return units_has(c->body, needle);
	case SEARCH_TITLE:
		return (*in_title = units_has(c->title, needle));
	case SEARCH_BODY:
		return units_has(c->body, needle);
	case SEARCH_AUTHOR:
		return has_id(a, c->author_id);
	case SEARCH_COMPANY:
		return has_id(a, c->company_id);
	case SEARCH_TAG:
		for (size_t i = 0; i < c->ntags; i++)
			if (strcmp(c->tags[i], a->norm) == 0)
				return 1;
		return 0;
	}
	return 0;
}

/*
 * note_matches: 1 when the note matches every clause of q (the atoms of a
 * clause ORed, an excluded atom negated), as search_doc_match() decides; *title
 * is set when a positive text atom matched the title.
 */
static int note_matches(const struct search_query *q, const struct ubuf *needles,
			const struct cand *c, int *title)
{
	*title = 0;
	for (int k = 0; k < q->nclauses; k++) {
		int ok = 0, seen = 0;

		for (size_t i = 0; i < q->n; i++) {
			const struct search_atom *a = &q->atom[i];
			int m, t;

			if (a->clause != k)
				continue;
			seen = 1;
			m = atom_match(a, &needles[i], c, &t);
			if (m && t && !a->negate)
				*title = 1;
			ok |= a->negate ? !m : m;
		}
		if (seen && !ok)
			return 0;
	}
	return 1;
}

/*
 * required_units writes into arr, as a PostgreSQL text array, the unit
 * strings every match must hold: those of the clauses made of one positive
 * text atom (a clause of several atoms is an OR, an excluded atom holds
 * nothing); with like set, as LIKE patterns finding them anywhere. Returns
 * how many; 0 leaves the search unnarrowed.
 */
static size_t required_units(const struct search_query *q, const struct ubuf *needles, int like,
			     struct ubuf *arr)
{
	size_t n = 0;

	ubuf_put(arr, "{", 1);
	for (int k = 0; k < q->nclauses; k++) {
		size_t atoms = 0, at = 0, i;
		const struct search_atom *a;

		for (i = 0; i < q->n; i++)
			if (q->atom[i].clause == k && atoms++ == 0)
				at = i;
		a = &q->atom[at];
		if (atoms != 1 || a->negate || needles[at].n <= 1 ||
		    (a->field != SEARCH_ANY && a->field != SEARCH_TITLE && a->field != SEARCH_BODY))
			continue;
		if (n++)
			ubuf_put(arr, ",", 1);
		ubuf_put(arr, like ? "\"%" : "\"", like ? 2 : 1);
		for (i = 0; i < needles[at].n; i++) {
			char c = needles[at].p[i];

			if (like && (c == '%' || c == '_' || c == '\\'))
				ubuf_put(arr, "\\\\", 2); /* LIKE's escape, escaped for the array */
			if (c == '"' || c == '\\')
				ubuf_put(arr, "\\", 1);
			ubuf_put(arr, &c, 1);
		}
		ubuf_put(arr, like ? "%\"" : "\"", like ? 2 : 1);
	}
	ubuf_put(arr, "}", 1);
	return n;
}

/*
 * exact_keys: 1 when the keys alone decide whether a note matches q: every
 * clause is one positive atom of either field, of one or two units. The
 * keys of a title and a body are their units and adjacent pairs, so holding
 * a term's keys then means holding the term in the title or the body.
 */
static int exact_keys(const struct search_query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		const struct search_atom *a = &q->atom[i];

		if (a->negate || a->field != SEARCH_ANY || a->seq.n < 1 || a->seq.n > 2)
			return 0;
		for (size_t j = 0; j < q->n; j++)
			if (j != i && q->atom[j].clause == a->clause)
				return 0;
	}
	return 1;
}

/*
 * page_keys answers q when exact_keys(q): the page and the total from
 * PostgreSQL, without reading the candidates' unit strings.
 */
static int page_keys(struct pg_store *s, int64_t ws, const struct note_search *ns,
		     const struct ubuf *needles, const char *units, struct note_hits *out)
{
	struct ubuf like = {0};
	struct pgp p;
	PGresult *r = NULL;
	int64_t *ids, total = 0;
	int rows, rc;

	required_units(ns->q, needles, 1, &like);
	if (like.oom) {
		free(like.p);
		return ERR_NOMEM;
	}
	ids2(&p, ws, ns->visible_to);
	pgp_text(&p, units);
	pgp_i64(&p, ns->limit > 0 ? ns->limit : 0);
	pgp_i64(&p, ns->offset > 0 ? ns->offset : 0);
	pgp_text(&p, like.p);
	rc = run(s, ST_PAGE_KEYS, &p, &r, ERR_DB);
	free(like.p);
	if (rc)
		return rc;
	rows = PQntuples(r);
	if (!(ids = malloc((rows ? (size_t)rows : 1) * sizeof(*ids)))) {
		PQclear(r);
		return ERR_NOMEM;
	}
	for (int i = 0; i < rows; i++)
		ids[i] = pg_col_i64(r, i, 0);
	if (rows)
		total = pg_col_i64(r, 0, 1);
	PQclear(r);
	if (!rows) {
		p.n = 3; /* $1-$3 */
		if ((rc = run(s, ST_COUNT_KEYS, &p, &r, ERR_DB))) {
			free(ids);
			return rc;
		}
		total = pg_col_i64(r, 0, 0);
		PQclear(r);
	}
	out->id = ids;
	out->n = (size_t)rows;
	out->total = total;
	return 0;
}

/* needs_tags: 1 when q has a tag: atom, which the candidates' tags decide. */
static int needs_tags(const struct search_query *q)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->atom[i].field == SEARCH_TAG)
			return 1;
	return 0;
}

int pg_note_search(struct store *base, int64_t ws, const struct note_search *ns,
		   struct note_hits *out)
{
	struct pg_store *s = pg(base);
	struct ubuf needles[SEARCH_ATOMS_MAX], arr = {0};
	struct pgp p;
	PGresult *r = NULL, *tr = NULL;
	const char *tags[NOTE_TAGS_MAX];
	int64_t *first = NULL, *rest = NULL, *ids = NULL;
	size_t nfirst = 0, nrest = 0, narrow, total, from, n, i, nq = ns->q->n;
	int rows, ntr, t = 0, rc;

	memset(needles, 0, sizeof(needles));
	if (nq == 0 || nq > SEARCH_ATOMS_MAX) {
		out->id = NULL;
		out->n = 0;
		out->total = 0;
		return nq ? ERR_INVALID : 0;
	}
	for (i = 0; i < nq; i++) {
		seq_units(&ns->q->atom[i].seq, &needles[i]);
		if (needles[i].oom) {
			rc = ERR_NOMEM;
			goto out;
		}
	}
	narrow = required_units(ns->q, needles, 0, &arr);
	if (arr.oom) {
		rc = ERR_NOMEM;
		goto out;
	}
	if (narrow && exact_keys(ns->q)) {
		rc = page_keys(s, ws, ns, needles, arr.p, out);
		goto out;
	}
	ids2(&p, ws, ns->visible_to);
	if (narrow)
		pgp_text(&p, arr.p);
	if ((rc = run(s, narrow ? ST_SCAN_KEYS : ST_SCAN, &p, &r, ERR_DB)))
		goto out;
	if (needs_tags(ns->q)) {
		p.n = 0;
		pgp_i64(&p, ws);
		if ((rc = run(s, ST_SCAN_TAGS, &p, &tr, ERR_DB)))
			goto out;
	}
	rows = PQntuples(r);
	ntr = tr ? PQntuples(tr) : 0;
	first = malloc((rows ? (size_t)rows : 1) * sizeof(*first));
	rest = malloc((rows ? (size_t)rows : 1) * sizeof(*rest));
	if (!first || !rest) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (int k = 0; k < rows; k++) {
		int64_t id = pg_col_i64(r, k, 0);
		struct cand c = {
		    .company_id = pg_col_i64(r, k, 1),
		    .author_id = pg_col_i64(r, k, 2),
		    .title = PQgetvalue(r, k, 3),
		    .body = PQgetvalue(r, k, 4),
		    .tags = tags,
		};
		int lo = 0, hi = ntr, title;

		/* The tags are sorted by note id: find this note's. */
		while (lo < hi) {
			int mid = (lo + hi) / 2;

			if (pg_col_i64(tr, mid, 0) < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (t = lo; t < ntr && pg_col_i64(tr, t, 0) == id && c.ntags < NOTE_TAGS_MAX; t++)
			tags[c.ntags++] = PQgetvalue(tr, t, 1);
		if (!note_matches(ns->q, needles, &c, &title))
			continue;
		if (title)
			first[nfirst++] = id;
		else
			rest[nrest++] = id;
	}
	total = nfirst + nrest;
	from = ns->offset > 0 ? (size_t)ns->offset : 0;
	if (from > total)
		from = total;
	n = ns->limit > 0 ? (size_t)ns->limit : 0;
	if (n > total - from)
		n = total - from;
	ids = malloc((n ? n : 1) * sizeof(*ids));
	if (!ids) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		ids[i] = from + i < nfirst ? first[from + i] : rest[from + i - nfirst];
	out->id = ids;
	out->n = n;
	out->total = (int64_t)total;
out:
	for (i = 0; i < SEARCH_ATOMS_MAX; i++)
		free(needles[i].p);
	free(arr.p);
	free(first);
	free(rest);
	PQclear(r);
	PQclear(tr);
	return rc;
}
