/*
 * store_sqlite_note.c - notes, tags, citations and note search in the SQLite
 * backend (the ops are described in store.h, "notes and search").
 *
 * Tables (migration in store_sqlite.c): note, note_tag (tag as written and
 * its normalised form), deal_note (a deal citing a note), and note_fts, an
 * FTS5 index over note's title and body with note as its external content,
 * kept in step by triggers. note_fts uses the tokenizer "litecrm", which is
 * tokenize.c registered on every connection by sq_note_register() before
 * migrations run: CJK unigrams with colocated bigrams and normalised words
 * for documents, the phrase tokens of tok_query() for queries. Every search
 * term becomes an FTS5 phrase, so a match is exact (tokenize.h says why).
 *
 * A search is one SELECT assembled from fixed fragments chosen by the shape
 * of the query (which clauses are text, which are author:, company: or tag:
 * filters, which are excluded); every value is bound, never spliced. Text
 * clauses drive the query through note_fts MATCH; results are ranked by
 * bm25 with the title weighted 4 to 1, then newest id first. Queries made
 * only of filters or exclusions scan the workspace's notes by update time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "search.h"
#include "store.h"
#include "store_sqlite_int.h"
#include "tokenize.h"

/* ---- the FTS5 tokenizer ---- */

struct fts_tok_ctx {
	void *ctx;
	int (*x_token)(void *, int, const char *, int, int, int);
};

static int fts_token(void *ctx, const char *tok, size_t len, int colocated, size_t start,
		     size_t end)
{
	struct fts_tok_ctx *c = ctx;

	return c->x_token(c->ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, tok, (int)len, (int)start,
			  (int)end);
}

static int fts_create(void *arg, const char **azArg, int nArg, Fts5Tokenizer **out)
{
	static int dummy;

	(void)arg;
	(void)azArg;
	(void)nArg;
	*out = (Fts5Tokenizer *)&dummy;
	return SQLITE_OK;
}

static void fts_delete(Fts5Tokenizer *t)
{
	(void)t;
}

static int fts_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
			int (*x_token)(void *, int, const char *, int, int, int))
{
	struct fts_tok_ctx c = {ctx, x_token};

	(void)t;
	if (n <= 0)
		return SQLITE_OK;
	if (flags & FTS5_TOKENIZE_QUERY)
		return tok_query(text, (size_t)n, fts_token, &c);
	return tok_index(text, (size_t)n, fts_token, &c);
}

int sq_note_register(sqlite3 *db)
{
	static fts5_tokenizer tokenizer = {fts_create, fts_delete, fts_tokenize};
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->iVersion < 2)
		return SQLITE_ERROR;
	return api->xCreateTokenizer(api, "litecrm", NULL, &tokenizer, NULL);
}

/* ---- statements ---- */

#define NOTE_COLS                                                                          \
	"n.id, n.workspace_id, n.company_id, n.author_id, n.title, n.body, n.version,"     \
	" n.created_at, n.updated_at, c.name, u.username, u.display_name"
#define NOTE_FROM                                                                          \
	" FROM note n JOIN company c ON c.workspace_id = n.workspace_id AND c.id = n.company_id" \
	" LEFT JOIN users u ON u.workspace_id = n.workspace_id AND u.id = n.author_id"
/* A member sees a note when its company has no deals or one of its deals is theirs. */
#define NOTE_VISIBLE(p)                                                                    \
	" (NOT EXISTS (SELECT 1 FROM deal d WHERE d.workspace_id = n.workspace_id"         \
	"   AND d.company_id = n.company_id) OR EXISTS (SELECT 1 FROM deal d"              \
	"   WHERE d.workspace_id = n.workspace_id AND d.company_id = n.company_id"         \
	"   AND d.owner_id = " p "))"

enum {
	ST_INSERT = SQ_EXT_NOTE,
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
	ST_END
};

static const char *const sql[] = {
    [ST_INSERT - SQ_EXT_NOTE] =
	"INSERT INTO note (workspace_id, company_id, author_id, title, body, version,"
	" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7)",
    [ST_TAG_INSERT - SQ_EXT_NOTE] =
	"INSERT INTO note_tag (workspace_id, note_id, position, tag, tag_norm)"
	" VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_TAG_DELETE - SQ_EXT_NOTE] = "DELETE FROM note_tag WHERE workspace_id = ?1 AND note_id = ?2",
    [ST_GET - SQ_EXT_NOTE] = "SELECT " NOTE_COLS NOTE_FROM
			     " WHERE n.workspace_id = ?1 AND n.id = ?2",
    [ST_TAGS - SQ_EXT_NOTE] = "SELECT tag FROM note_tag WHERE workspace_id = ?1 AND note_id = ?2"
			      " ORDER BY position",
    [ST_UPDATE - SQ_EXT_NOTE] =
	"UPDATE note SET company_id = ?3, title = ?4, body = ?5, version = version + 1,"
	" updated_at = ?6 WHERE workspace_id = ?1 AND id = ?2 AND version = ?7",
    [ST_DELETE - SQ_EXT_NOTE] = "DELETE FROM note WHERE workspace_id = ?1 AND id = ?2",
    [ST_LIST_COMPANY - SQ_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = ?1 AND n.company_id = ?2"
	" AND (?3 = 0 OR n.author_id = ?3) AND (?4 = 0 OR" NOTE_VISIBLE("?4") ")"
	" ORDER BY n.updated_at DESC, n.id DESC LIMIT ?5 OFFSET ?6",
    [ST_LIST_ALL - SQ_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = ?1 AND ?2 = 0"
	" AND (?3 = 0 OR n.author_id = ?3) AND (?4 = 0 OR" NOTE_VISIBLE("?4") ")"
	" ORDER BY n.updated_at DESC, n.id DESC LIMIT ?5 OFFSET ?6",
    [ST_CITE - SQ_EXT_NOTE] =
	"INSERT INTO deal_note (workspace_id, deal_id, note_id, cited_by, cited_at)"
	" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
    [ST_UNCITE - SQ_EXT_NOTE] =
	"DELETE FROM deal_note WHERE workspace_id = ?1 AND deal_id = ?2 AND note_id = ?3",
    [ST_DEAL_NOTES - SQ_EXT_NOTE] = "SELECT note_id FROM deal_note WHERE workspace_id = ?1"
				    " AND deal_id = ?2 ORDER BY cited_at, note_id",
    [ST_NOTE_DEALS - SQ_EXT_NOTE] = "SELECT deal_id FROM deal_note WHERE workspace_id = ?1"
				    " AND note_id = ?2 ORDER BY deal_id",
    [ST_EXISTS - SQ_EXT_NOTE] = "SELECT count(*) FROM note WHERE workspace_id = ?1 AND id = ?2",
};

_Static_assert(ST_END - SQ_EXT_NOTE <= 48, "the note statements overflow SQ_EXT_NOTE's range");

static int stmt(struct sqlite_store *s, int slot, sqlite3_stmt **out)
{
	return sq_stmt_ext(s, slot, sql[slot - SQ_EXT_NOTE], out);
}

/* ---- notes ---- */

static void row_note(sqlite3_stmt *st, void *out)
{
	struct note *n = out;

	n->id = sq_col_i64(st, 0);
	n->workspace_id = sq_col_i64(st, 1);
	n->company_id = sq_col_i64(st, 2);
	n->author_id = sq_col_i64(st, 3);
	COL_TEXT(st, 4, n->title);
	COL_TEXT(st, 5, n->body);
	n->version = sq_col_i64(st, 6);
	COL_TEXT(st, 7, n->created_at);
	COL_TEXT(st, 8, n->updated_at);
	COL_TEXT(st, 9, n->company_name);
	COL_TEXT(st, 10, n->author_username);
	COL_TEXT(st, 11, n->author_name);
	n->ntags = 0;
}

static int tags_read(struct sqlite_store *s, struct note *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(s, ST_TAGS, &st)))
		return rc;
	if (sq_bind_i64(st, 1, n->workspace_id) | sq_bind_i64(st, 2, n->id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	n->ntags = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n->ntags < NOTE_TAGS_MAX) {
			COL_TEXT(st, 0, n->tags[n->ntags]);
			n->ntags++;
		}
	rc = rc == SQLITE_DONE ? 0 : sq_db_err(s, rc, ERR_DB);
out:
	sq_stmt_done(st);
	return rc;
}

static int tags_write(struct sqlite_store *s, const struct note *n)
{
	sqlite3_stmt *st = NULL;
	char norm[CAP_TAG + 1];
	int rc;

	if ((rc = stmt(s, ST_TAG_DELETE, &st)))
		return rc;
	if (sq_bind_i64(st, 1, n->workspace_id) | sq_bind_i64(st, 2, n->id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	if ((rc = sq_step_done(s, st, ERR_DB)))
		goto out;
	sq_stmt_done(st);
	if ((rc = stmt(s, ST_TAG_INSERT, &st)))
		return rc;
	for (int i = 0; i < n->ntags; i++) {
		search_tag_norm(n->tags[i], norm, sizeof(norm));
		if (sq_bind_i64(st, 1, n->workspace_id) | sq_bind_i64(st, 2, n->id) |
		    sq_bind_i64(st, 3, i) | sq_bind_text(st, 4, n->tags[i]) |
		    sq_bind_text(st, 5, norm)) {
			rc = sq_bind_failed(s);
			goto out;
		}
		if ((rc = sq_step_done(s, st, ERR_INVALID)))
			goto out;
		sq_stmt_done(st);
	}
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_note_create(struct store *base, struct note *n)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	memcpy(now, n->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	if ((rc = stmt(s, ST_INSERT, &st)))
		goto out;
	if (sq_bind_i64(st, 1, n->workspace_id) | sq_bind_i64(st, 2, n->company_id) |
	    sq_bind_id_null(st, 3, n->author_id) | sq_bind_text(st, 4, n->title) |
	    sq_bind_text(st, 5, n->body) | sq_bind_text(st, 6, now) | sq_bind_text(st, 7, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	if ((rc = sq_step_done(s, st, ERR_INVALID)))
		goto out;
	n->id = sqlite3_last_insert_rowid(s->db);
	n->version = 1;
	memcpy(n->created_at, now, TS_LEN);
	memcpy(n->updated_at, now, TS_LEN);
	if (n->ntags)
		rc = tags_write(s, n);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_note_get(struct store *base, int64_t ws, int64_t id, struct note *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(s, ST_GET, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id))
		rc = sq_bind_failed(s);
	else
		rc = sq_fetch_one(s, st, row_note, out);
	sq_stmt_done(st);
	return rc ? rc : tags_read(s, out);
}

int sqlite_note_list(struct store *base, int64_t ws, const struct note_filter *f,
			    struct note_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = stmt(s, f->company_id ? ST_LIST_COMPANY : ST_LIST_ALL, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, f->company_id) |
	    sq_bind_i64(st, 3, f->author_id) | sq_bind_i64(st, 4, f->visible_to) |
	    sq_bind_i64(st, 5, f->limit) | sq_bind_i64(st, 6, f->offset)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	if ((rc = sq_fetch_all(s, st, sizeof(struct note), row_note, &v, &n)))
		goto out;
	sq_stmt_done(st);
	st = NULL;
	for (size_t i = 0; i < n && !rc; i++)
		rc = tags_read(s, &((struct note *)v)[i]);
	if (rc) {
		free(v);
		goto out;
	}
	out->v = v;
	out->n = n;
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_note_update(struct store *base, struct note *n)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int64_t count = 0;
	int rc;

	store_now(now);
	if ((rc = stmt(s, ST_UPDATE, &st)))
		return rc;
	if (sq_bind_i64(st, 1, n->workspace_id) | sq_bind_i64(st, 2, n->id) |
	    sq_bind_i64(st, 3, n->company_id) | sq_bind_text(st, 4, n->title) |
	    sq_bind_text(st, 5, n->body) | sq_bind_text(st, 6, now) |
	    sq_bind_i64(st, 7, n->version)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_changed(s, st, ERR_INVALID);
	sq_stmt_done(st);
	st = NULL;
	if (rc == ERR_NOTFOUND) {
		/* Gone, or changed by someone else since it was read. */
		if ((rc = stmt(s, ST_EXISTS, &st)))
			return rc;
		if (sq_bind_i64(st, 1, n->workspace_id) | sq_bind_i64(st, 2, n->id))
			rc = sq_bind_failed(s);
		else if ((rc = sq_fetch_i64(s, st, &count)) == 0)
			rc = count ? ERR_STALE : ERR_NOTFOUND;
		goto out;
	}
	if (rc)
		goto out;
	n->version++;
	memcpy(n->updated_at, now, TS_LEN);
	rc = tags_write(s, n);
out:
	sq_stmt_done(st);
	return rc;
}

static int exec_ids(struct sqlite_store *s, int slot, int64_t a, int64_t b, int64_t c, int nb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(s, slot, &st)))
		return rc;
	if (sq_bind_i64(st, 1, a) | sq_bind_i64(st, 2, b) | (nb > 2 ? sq_bind_i64(st, 3, c) : 0))
		rc = sq_bind_failed(s);
	else
		rc = sq_step_changed(s, st, ERR_INUSE);
	sq_stmt_done(st);
	return rc;
}

int sqlite_note_delete(struct store *base, int64_t ws, int64_t id)
{
	return exec_ids(sq(base), ST_DELETE, ws, id, 0, 2);
}

int sqlite_note_cite(struct store *base, int64_t ws, int64_t deal_id, int64_t note_id,
			    int64_t by)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	store_now(now);
	if ((rc = stmt(s, ST_CITE, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, deal_id) | sq_bind_i64(st, 3, note_id) |
	    sq_bind_id_null(st, 4, by) | sq_bind_text(st, 5, now))
		rc = sq_bind_failed(s);
	else
		rc = sq_step_done(s, st, ERR_INVALID);
	sq_stmt_done(st);
	return rc;
}

int sqlite_note_uncite(struct store *base, int64_t ws, int64_t deal_id, int64_t note_id)
{
	return exec_ids(sq(base), ST_UNCITE, ws, deal_id, note_id, 3);
}

static void row_id(sqlite3_stmt *st, void *out)
{
	*(int64_t *)out = sq_col_i64(st, 0);
}

static int ids_of(struct sqlite_store *s, int slot, int64_t ws, int64_t id, struct id_list *out)
{
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = stmt(s, slot, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id))
		rc = sq_bind_failed(s);
	else
		rc = sq_fetch_all(s, st, sizeof(int64_t), row_id, &v, &n);
	sq_stmt_done(st);
	if (rc == 0) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

int sqlite_deal_note_ids(struct store *base, int64_t ws, int64_t deal_id,
				struct id_list *out)
{
	return ids_of(sq(base), ST_DEAL_NOTES, ws, deal_id, out);
}

int sqlite_note_deal_ids(struct store *base, int64_t ws, int64_t note_id,
				struct id_list *out)
{
	return ids_of(sq(base), ST_NOTE_DEALS, ws, note_id, out);
}

/* ---- search ---- */

/* A growing SQL text (fixed fragments only) and the values to bind, in order. */
#define SEARCH_BINDS_MAX (SEARCH_ATOMS_MAX * 2 + 8)
struct qb {
	char sql[8192];
	size_t len;
	int overflow;
	struct {
		int is_text;
		const char *text; /* points into q or into texts[] */
		int64_t i;
	} bind[SEARCH_BINDS_MAX];
	int nbind;
	char *texts[SEARCH_BINDS_MAX]; /* owned */
	int ntexts;
};

static void qb_sql(struct qb *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n + 1 > sizeof(b->sql)) {
		b->overflow = 1;
		return;
	}
	memcpy(b->sql + b->len, s, n + 1);
	b->len += n;
}

static void qb_text(struct qb *b, const char *t)
{
	if (b->nbind == SEARCH_BINDS_MAX) {
		b->overflow = 1;
		return;
	}
	b->bind[b->nbind].is_text = 1;
	b->bind[b->nbind].text = t;
	b->nbind++;
	qb_sql(b, "?");
}

static void qb_int(struct qb *b, int64_t v)
{
	if (b->nbind == SEARCH_BINDS_MAX) {
		b->overflow = 1;
		return;
	}
	b->bind[b->nbind].is_text = 0;
	b->bind[b->nbind].i = v;
	b->nbind++;
	qb_sql(b, "?");
}

/* qb_own keeps a malloc'd text until qb_release; NULL (out of memory) is refused. */
static const char *qb_own(struct qb *b, char *t)
{
	if (!t || b->ntexts == SEARCH_BINDS_MAX) {
		free(t);
		b->overflow = 1;
		return "";
	}
	b->texts[b->ntexts++] = t;
	return t;
}

static void qb_release(struct qb *b)
{
	for (int i = 0; i < b->ntexts; i++)
		free(b->texts[i]);
	b->ntexts = 0;
}

static int is_text_atom(const struct search_atom *a)
{
	return a->field == SEARCH_ANY || a->field == SEARCH_TITLE || a->field == SEARCH_BODY;
}

/* A growable string for FTS5 expressions. */
struct str {
	char *p;
	size_t n, cap;
	int oom;
};

static void str_add(struct str *s, const char *t, size_t n)
{
	if (s->oom)
		return;
	if (s->n + n + 1 > s->cap) {
		size_t cap = (s->n + n + 1) * 2;
		char *p = realloc(s->p, cap);

		if (!p) {
			s->oom = 1;
			return;
		}
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->n, t, n);
	s->n += n;
	s->p[s->n] = '\0';
}

static void str_cat(struct str *s, const char *t)
{
	str_add(s, t, strlen(t));
}

/* fts_atom appends atom a as an FTS5 phrase with its column filter. */
static void fts_atom(struct str *s, const struct search_atom *a)
{
	if (a->field == SEARCH_TITLE)
		str_cat(s, "title : ");
	else if (a->field == SEARCH_BODY)
		str_cat(s, "body : ");
	str_cat(s, "\"");
	for (const char *p = a->text; *p; p++) {
		if (*p == '"')
			str_cat(s, "\"\"");
		else
			str_add(s, p, 1);
	}
	str_cat(s, "\"");
}

/* fts_clause appends the text atoms of clause c (negated or not), ORed, in parentheses. */
static int fts_clause(struct str *s, const struct search_query *q, int c)
{
	int n = 0;

	for (size_t i = 0; i < q->n; i++) {
		const struct search_atom *a = &q->atom[i];

		if (a->clause != c || !is_text_atom(a))
			continue;
		str_cat(s, n ? " OR " : "(");
		fts_atom(s, a);
		n++;
	}
	if (n)
		str_cat(s, ")");
	return n;
}

/* ids_json writes ids as a JSON array ("[1,2]") into a new string. */
static char *ids_json(const int64_t *ids, size_t n)
{
	struct str s = {0};
	char buf[32];

	str_cat(&s, "[");
	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%s%lld", i ? "," : "", (long long)ids[i]);
		str_cat(&s, buf);
	}
	str_cat(&s, "]");
	if (s.oom) {
		free(s.p);
		return NULL;
	}
	return s.p;
}

/* meta_cond appends the SQL condition of a meta atom (author:, company:, tag:). */
static void meta_cond(struct qb *b, const struct search_atom *a)
{
	switch (a->field) {
	case SEARCH_AUTHOR:
		qb_sql(b, "n.author_id IN (SELECT value FROM json_each(");
		qb_text(b, qb_own(b, ids_json(a->ids, a->nids)));
		qb_sql(b, "))");
		break;
	case SEARCH_COMPANY:
		qb_sql(b, "n.company_id IN (SELECT value FROM json_each(");
		qb_text(b, qb_own(b, ids_json(a->ids, a->nids)));
		qb_sql(b, "))");
		break;
	case SEARCH_TAG:
		qb_sql(b, "EXISTS (SELECT 1 FROM note_tag t WHERE t.workspace_id = n.workspace_id"
			  " AND t.note_id = n.id AND t.tag_norm = ");
		qb_text(b, a->norm);
		qb_sql(b, ")");
		break;
	default:
		qb_sql(b, "0");
	}
}

/*
 * build assembles the search: the main FTS5 expression (positive text-only
 * clauses ANDed, excluded text atoms NOT-ed) into *match, and the WHERE
 * filters for the rest into b. count selects count(*) instead of the page.
 */
static int build(struct qb *b, int64_t ws, const struct note_search *ns, int count)
{
	const struct search_query *q = ns->q;
	struct str pos = {0}, neg = {0};
	int npos = 0, nneg = 0, rc = 0;
	char *match = NULL;

	for (int c = 0; c < q->nclauses; c++) {
		int text = 0, meta = 0, negate = 0;

		for (size_t i = 0; i < q->n; i++)
			if (q->atom[i].clause == c) {
				is_text_atom(&q->atom[i]) ? text++ : meta++;
				negate |= q->atom[i].negate;
			}
		if (text && !meta) {
			struct str *s = negate ? &neg : &pos;
			int *k = negate ? &nneg : &npos;

			if (*k)
				str_cat(s, negate ? " OR " : " AND ");
			fts_clause(s, q, c);
			(*k)++;
		}
	}
	if (pos.oom || neg.oom) {
		rc = ERR_NOMEM;
		goto out;
	}
	if (npos) {
		struct str m = {0};

		str_cat(&m, "(");
		str_cat(&m, pos.p);
		str_cat(&m, ")");
		if (nneg) {
			str_cat(&m, " NOT (");
			str_cat(&m, neg.p);
			str_cat(&m, ")");
		}
		if (m.oom) {
			free(m.p);
			rc = ERR_NOMEM;
			goto out;
		}
		match = m.p;
		qb_sql(b, count ? "SELECT count(*)" : "SELECT n.id");
		qb_sql(b, " FROM note_fts JOIN note n ON n.id = note_fts.rowid WHERE note_fts MATCH ");
		qb_text(b, qb_own(b, match));
		qb_sql(b, " AND n.workspace_id = ");
		qb_int(b, ws);
	} else {
		qb_sql(b, count ? "SELECT count(*)" : "SELECT n.id");
		qb_sql(b, " FROM note n WHERE n.workspace_id = ");
		qb_int(b, ws);
		if (nneg) {
			qb_sql(b, " AND n.id NOT IN (SELECT rowid FROM note_fts WHERE note_fts MATCH ");
			qb_text(b, qb_own(b, neg.p));
			neg.p = NULL;
			qb_sql(b, ")");
		}
	}
	if (ns->visible_to) {
		qb_sql(b, " AND" NOTE_VISIBLE("?"));
		/* NOTE_VISIBLE("?") has one placeholder: record its value. */
		if (b->nbind < SEARCH_BINDS_MAX) {
			b->bind[b->nbind].is_text = 0;
			b->bind[b->nbind].i = ns->visible_to;
			b->nbind++;
		} else {
			b->overflow = 1;
		}
	}
	/* Clauses with author:, company: or tag: atoms are WHERE conditions. */
	for (int c = 0; c < q->nclauses; c++) {
		int meta = 0, first = 1;

		for (size_t i = 0; i < q->n; i++)
			if (q->atom[i].clause == c && !is_text_atom(&q->atom[i]))
				meta++;
		if (!meta)
			continue;
		qb_sql(b, " AND (");
		for (size_t i = 0; i < q->n; i++) {
			const struct search_atom *a = &q->atom[i];

			if (a->clause != c)
				continue;
			if (!first)
				qb_sql(b, " OR ");
			first = 0;
			if (a->negate)
				qb_sql(b, "NOT ");
			if (is_text_atom(a)) {
				struct str t = {0};

				fts_atom(&t, a);
				qb_sql(b, "n.id IN (SELECT rowid FROM note_fts WHERE note_fts MATCH ");
				qb_text(b, qb_own(b, t.oom ? (free(t.p), NULL) : t.p));
				qb_sql(b, ")");
			} else {
				qb_sql(b, "(");
				meta_cond(b, a);
				qb_sql(b, ")");
			}
		}
		qb_sql(b, ")");
	}
	if (!count) {
		qb_sql(b, npos ? " ORDER BY bm25(note_fts, 4.0, 1.0), n.id DESC"
			       : " ORDER BY n.updated_at DESC, n.id DESC");
		qb_sql(b, " LIMIT ");
		qb_int(b, ns->limit);
		qb_sql(b, " OFFSET ");
		qb_int(b, ns->offset);
	}
	if (b->overflow)
		rc = ERR_NOMEM;
out:
	free(pos.p);
	free(neg.p);
	return rc;
}

static int run(struct sqlite_store *s, struct qb *b, int64_t **ids, size_t *n)
{
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, b->sql, (int)b->len, &st, NULL);
	if (rc != SQLITE_OK)
		return sq_db_err(s, rc, ERR_DB);
	for (int i = 0; i < b->nbind; i++) {
		int r = b->bind[i].is_text
			    ? sqlite3_bind_text(st, i + 1, b->bind[i].text, -1, SQLITE_STATIC)
			    : sqlite3_bind_int64(st, i + 1, b->bind[i].i);

		if (r != SQLITE_OK) {
			rc = sq_bind_failed(s);
			goto out;
		}
	}
	rc = sq_fetch_all(s, st, sizeof(int64_t), row_id, &v, n);
	if (rc == 0)
		*ids = v;
out:
	sqlite3_finalize(st);
	return rc;
}

int sqlite_note_search(struct store *base, int64_t ws, const struct note_search *ns,
			      struct note_hits *out)
{
	struct sqlite_store *s = sq(base);
	struct qb *b = NULL;
	int64_t *ids = NULL, *cnt = NULL;
	size_t n = 0, ncnt = 0;
	int rc;

	if (ns->q->n == 0) {
		out->id = NULL;
		out->n = 0;
		out->total = 0;
		return 0;
	}
	if (!(b = calloc(1, sizeof(*b))))
		return ERR_NOMEM;
	if ((rc = build(b, ws, ns, 0)) || (rc = run(s, b, &ids, &n)))
		goto out;
	qb_release(b);
	memset(b, 0, sizeof(*b));
	if ((rc = build(b, ws, ns, 1)) || (rc = run(s, b, &cnt, &ncnt)))
		goto out;
	out->id = ids;
	out->n = n;
	out->total = ncnt ? cnt[0] : 0;
	ids = NULL;
out:
	free(ids);
	free(cnt);
	if (b)
		qb_release(b);
	free(b);
	return rc;
}
