/*
 * store_sqlite_note.c - notes, tags, citations and note search in the SQLite
 * backend (the ops are described in store.h, "notes and search").
 *
 * Tables (migrations in store_sqlite.c): note, note_tag (tag as written and
 * its normalised form), deal_note (a deal citing a note), and note_fts, a
 * contentless FTS5 index of each note's title, body and scope words, kept in
 * step by triggers (or, in bulk, by one statement a batch). note_fts uses
 * the tokenizer "litecrm", which is tokenize.c registered on every
 * connection by sq_note_register() before migrations run: CJK unigrams and
 * normalised words for documents, the phrase tokens of tok_query() for
 * queries. Every search term becomes an
 * FTS5 phrase, so a match is exact (tokenize.h says why).
 *
 * A search is a few SELECTs assembled from fixed fragments chosen by the
 * shape of the query (which clauses are text, which are author:, company:
 * or tag: filters, which are excluded); every value is bound, never
 * spliced. Text clauses drive the query through note_fts MATCH; results
 * come in two tiers (title matches first), newest id first within each.
 * Queries made only of filters or exclusions scan the workspace's notes.
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

/*
 * What note_fts is given, column by column (the triggers, ST_DEFER_INDEX):
 *
 *  - title: TITLE_MARK (U+001E) and the title. Its tokens are indexed twice
 *    at each position: as in any text, and as title keys (the key after the
 *    mark). A title: term, and the first rank tier of plain terms, query the
 *    title keys: no column filter, and a doclist of titles only.
 *  - body: the body as it is.
 *  - scope: words naming the note's workspace, company and author, each
 *    starting with SCOPE_MARK (U+001F): "\x1fw1 \x1fc12 \x1fa3", split at
 *    spaces and indexed as they are.
 *
 * No token of user text starts with either mark (tok_index drops control
 * characters as separators, notes refuse them and fts_phrase drops them
 * from search terms), so a plain term needs no column filter either: its
 * keys are in the title and body columns alone.
 */
#define TITLE_MARK '\x1e'
#define SCOPE_MARK '\x1f'

struct fts_tok_ctx {
	void *ctx;
	int (*x_token)(void *, int, const char *, int, int, int);
	int title; /* the text is a title: index (or query) title keys */
	int query;
	size_t base; /* bytes before the text proper (the mark) */
};

static int fts_token(void *ctx, const char *tok, size_t len, int colocated, size_t start,
		     size_t end)
{
	struct fts_tok_ctx *c = ctx;
	int flag = colocated ? FTS5_TOKEN_COLOCATED : 0, rc;
	char key[1 + TOK_UNIT_SIZE];

	key[0] = TITLE_MARK;
	if (len > TOK_UNIT_SIZE)
		len = TOK_UNIT_SIZE;
	memcpy(key + 1, tok, len);
	start += c->base;
	end += c->base;
	if (c->title && c->query)
		return c->x_token(c->ctx, flag, key, (int)len + 1, (int)start, (int)end);
	rc = c->x_token(c->ctx, flag, key + 1, (int)len, (int)start, (int)end);
	if (rc == SQLITE_OK && c->title)
		rc = c->x_token(c->ctx, FTS5_TOKEN_COLOCATED, key, (int)len + 1, (int)start,
				(int)end);
	return rc;
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

static int scope_tokens(const char *text, int n,
			int (*x_token)(void *, int, const char *, int, int, int), void *ctx)
{
	int i = 0, rc = SQLITE_OK;

	while (i < n && rc == SQLITE_OK) {
		int start = i;

		while (i < n && text[i] != ' ')
			i++;
		if (i > start)
			rc = x_token(ctx, 0, text + start, i - start, start, i);
		i++;
	}
	return rc;
}

static int fts_tokenize(Fts5Tokenizer *t, void *ctx, int flags, const char *text, int n,
			int (*x_token)(void *, int, const char *, int, int, int))
{
	struct fts_tok_ctx c = {ctx, x_token, 0, (flags & FTS5_TOKENIZE_QUERY) != 0, 0};

	(void)t;
	if (n <= 0)
		return SQLITE_OK;
	if (text[0] == SCOPE_MARK)
		return scope_tokens(text, n, x_token, ctx);
	if (text[0] == TITLE_MARK) {
		c.title = 1;
		c.base = 1;
		text++;
		n--;
	}
	if (c.query)
		return tok_query(text, (size_t)n, fts_token, &c);
	return tok_index(text, (size_t)n, fts_token, &c);
}

/*
 * Deferred indexing (bulk creation, sqlite_note_index_defer): while a
 * connection defers, the trigger note_fts_insert skips the notes it
 * creates (its WHEN clause calls lc_note_deferred()), and ending the
 * deferral indexes them all in one statement. FTS5 writes its pending
 * index to disk at the end of every statement that changes it, so one
 * INSERT ... SELECT over a batch writes one segment instead of one per note.
 * The state is the thread's: a connection is used by one thread at a time.
 */
static _Thread_local struct {
	sqlite3 *db;  /* the connection deferring, or NULL */
	int64_t from; /* the first note id created since */
} defer;

static void fn_deferred(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_int(ctx, defer.db && defer.db == sqlite3_context_db_handle(ctx));
}

int sq_note_register(sqlite3 *db)
{
	static fts5_tokenizer tokenizer = {fts_create, fts_delete, fts_tokenize};
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_create_function_v2(db, "lc_note_deferred", 0, SQLITE_UTF8 | SQLITE_INNOCUOUS,
					NULL, fn_deferred, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return rc;
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
	ST_DEFER_FROM,
	ST_DEFER_INDEX,
	ST_MULTI_WS,
	ST_GET_MANY,
	ST_ID_RANGE,
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
    [ST_GET - SQ_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = ?1 AND n.id = ?2",
    [ST_TAGS - SQ_EXT_NOTE] = "SELECT tag FROM note_tag WHERE workspace_id = ?1 AND note_id = ?2"
			      " ORDER BY position",
    [ST_UPDATE - SQ_EXT_NOTE] =
	"UPDATE note SET company_id = ?3, title = ?4, body = ?5, version = version + 1,"
	" updated_at = ?6 WHERE workspace_id = ?1 AND id = ?2 AND version = ?7",
    [ST_DELETE - SQ_EXT_NOTE] = "DELETE FROM note WHERE workspace_id = ?1 AND id = ?2",
    [ST_LIST_COMPANY - SQ_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = ?1 AND n.company_id = ?2"
	" AND (?3 = 0 OR n.author_id = ?3) AND (?4 = 0 OR" NOTE_VISIBLE(
	    "?4") ")"
		  " ORDER BY n.updated_at DESC, n.id DESC LIMIT ?5 OFFSET ?6",
    [ST_LIST_ALL - SQ_EXT_NOTE] =
	"SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = ?1 AND ?2 = 0"
	" AND (?3 = 0 OR n.author_id = ?3) AND (?4 = 0 OR" NOTE_VISIBLE(
	    "?4") ")"
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
    [ST_DEFER_FROM - SQ_EXT_NOTE] =
	"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'note'), 0) + 1",
    [ST_DEFER_INDEX - SQ_EXT_NOTE] =
	"INSERT INTO note_fts (rowid, title, body, scope) SELECT id, " NOTE_FTS_ROW(
	    "") " FROM note WHERE id >= ?1 ORDER BY id",
    [ST_GET_MANY - SQ_EXT_NOTE] = "SELECT " NOTE_COLS NOTE_FROM " WHERE n.workspace_id = ?1"
				  " AND n.id IN (SELECT value FROM json_each(?2))",
    [ST_MULTI_WS - SQ_EXT_NOTE] = "SELECT (SELECT min(workspace_id) FROM note) = ?1 AND"
				  " (SELECT max(workspace_id) FROM note) = ?1",
    [ST_ID_RANGE - SQ_EXT_NOTE] = "SELECT (SELECT min(id) FROM note), (SELECT max(id) FROM note)",
};

_Static_assert((int)ST_END <= (int)SQ_EXT_REPORT,
	       "the note statements overflow SQ_EXT_NOTE's range");

static int stmt(struct sqlite_store *s, int slot, sqlite3_stmt **out)
{
	return sq_stmt_ext(s, slot, sql[slot - SQ_EXT_NOTE], out);
}

static char *ids_json(const int64_t *ids, size_t n);

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

/* tags_write replaces the tags of n (fresh: a new note, with none to remove). */
static int tags_write(struct sqlite_store *s, const struct note *n, int fresh)
{
	sqlite3_stmt *st = NULL;
	char norm[CAP_TAG + 1];
	int rc;

	if (fresh)
		goto insert;
	if ((rc = stmt(s, ST_TAG_DELETE, &st)))
		return rc;
	if (sq_bind_i64(st, 1, n->workspace_id) | sq_bind_i64(st, 2, n->id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	if ((rc = sq_step_done(s, st, ERR_DB)))
		goto out;
	sq_stmt_done(st);
insert:
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
		rc = tags_write(s, n, 1);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_note_index_defer(struct store *base, int on)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int64_t from = 0;
	int rc;

	if (on > 0) {
		if (defer.db)
			return ERR_INVALID;
		if ((rc = stmt(s, ST_DEFER_FROM, &st)))
			return rc;
		rc = sq_fetch_i64(s, st, &from);
		sq_stmt_done(st);
		if (rc)
			return rc;
		defer.db = s->db;
		defer.from = from;
		/* A bigger page cache while the batch's index pages are written. */
		sqlite3_exec(s->db, "PRAGMA cache_size = -262144", NULL, NULL, NULL);
		return 0;
	}
	if (defer.db != s->db)
		return on < 0 ? 0 : ERR_INVALID;
	from = defer.from;
	defer.db = NULL;
	rc = 0;
	if (on == 0 && (rc = stmt(s, ST_DEFER_INDEX, &st)) == 0) {
		/*
		 * Merge FTS5 segments 16 at a time while the batch is indexed
		 * instead of 4 (the default, kept for single notes): each term
		 * is rewritten by fewer merges as the index grows (50,000
		 * notes into a million: a quarter less CPU per note); a level
		 * holds up to 15 segments until later writes merge them.
		 * Tuning only: a failure leaves the default.
		 */
		sqlite3_exec(s->db,
			     "INSERT INTO note_fts (note_fts, rank) VALUES ('automerge', 16)", NULL,
			     NULL, NULL);
		if (sq_bind_i64(st, 1, from))
			rc = sq_bind_failed(s);
		else
			rc = sq_step_done(s, st, ERR_DB);
		sq_stmt_done(st);
		sqlite3_exec(s->db, "INSERT INTO note_fts (note_fts, rank) VALUES ('automerge', 4)",
			     NULL, NULL, NULL);
	}
	sqlite3_exec(s->db, "PRAGMA cache_size = -2000", NULL, NULL, NULL);
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

int sqlite_note_get_many(struct store *base, int64_t ws, const int64_t *ids, size_t n,
			 struct note_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	struct note *v = NULL, *sorted = NULL;
	size_t got = 0, k = 0;
	char *json = NULL;
	int rc;

	out->v = NULL;
	out->n = 0;
	if (n == 0)
		return 0;
	if (!(json = ids_json(ids, n)))
		return ERR_NOMEM;
	if ((rc = stmt(s, ST_GET_MANY, &st)))
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_text(st, 2, json)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	if ((rc = sq_fetch_all(s, st, sizeof(struct note), row_note, (void **)&v, &got)))
		goto out;
	/* In the order of ids; ids not found are left out. */
	if (got && !(sorted = malloc(got * sizeof(*sorted)))) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < got; j++)
			if (v[j].id == ids[i] && k < got) {
				sorted[k++] = v[j];
				break;
			}
	out->v = sorted;
	out->n = k;
	sorted = NULL;
out:
	sq_stmt_done(st);
	free(json);
	free(v);
	free(sorted);
	return rc;
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
	rc = tags_write(s, n, 0);
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

int sqlite_note_cite(struct store *base, int64_t ws, int64_t deal_id, int64_t note_id, int64_t by)
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

int sqlite_deal_note_ids(struct store *base, int64_t ws, int64_t deal_id, struct id_list *out)
{
	return ids_of(sq(base), ST_DEAL_NOTES, ws, deal_id, out);
}

int sqlite_note_deal_ids(struct store *base, int64_t ws, int64_t note_id, struct id_list *out)
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

/* author: and company: atoms with at most this many ids are scope words of the index. */
#define SCOPE_IDS_MAX 256

/* fts_able: the index answers atom a (text in its columns, author: and company: as scope). */
static int fts_able(const struct search_atom *a)
{
	if (is_text_atom(a))
		return 1;
	return (a->field == SEARCH_AUTHOR || a->field == SEARCH_COMPANY) &&
	       a->nids <= SCOPE_IDS_MAX;
}

/* fts_phrase appends text as an FTS5 phrase; title: of title keys. */
static void fts_phrase(struct str *s, const char *text, int title)
{
	str_cat(s, title ? "\"\x1e" : "\"");
	for (const char *p = text; *p; p++) {
		if (*p == '"')
			str_cat(s, "\"\"");
		else if (*p == SCOPE_MARK || *p == TITLE_MARK) /* separators, never marks */
			str_cat(s, " ");
		else
			str_add(s, p, 1);
	}
	str_cat(s, "\"");
}

/*
 * fts_atom appends atom a as an FTS5 expression: a phrase (of title keys
 * for title: and, with title_only, for the first rank tier of plain terms;
 * body: with a column filter), or the scope words of its ids
 * ("\x1fnone", matching no note, for none).
 */
static void fts_atom(struct str *s, const struct search_atom *a, int title_only)
{
	char buf[32];

	switch (a->field) {
	case SEARCH_TITLE:
		fts_phrase(s, a->text, 1);
		return;
	case SEARCH_BODY:
		str_cat(s, "body : ");
		break;
	case SEARCH_AUTHOR:
	case SEARCH_COMPANY:
		str_cat(s, "(");
		if (!a->nids)
			str_cat(s, "\"\x1f"
				   "none\""); /* no such word */
		for (size_t i = 0; i < a->nids; i++) {
			snprintf(buf, sizeof(buf), "%s\"%c%c%lld\"", i ? " OR " : "", SCOPE_MARK,
				 a->field == SEARCH_AUTHOR ? 'a' : 'c', (long long)a->ids[i]);
			str_cat(s, buf);
		}
		str_cat(s, ")");
		return;
	default:
		fts_phrase(s, a->text, title_only);
		return;
	}
	fts_phrase(s, a->text, 0);
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
 * The plan of a search. Clauses whose atoms the index answers all become
 * one FTS5 expression: the positive ones ANDed, the excluded ones NOT-ed,
 * and the workspace's scope word when the database holds notes of several
 * workspaces. all finds every match; tier1 the matches whose plain terms
 * are in the title (the first rank tier, when the query has plain terms).
 * The other clauses (tag:, author: or company: with many ids) and the
 * member's visibility are SQL conditions on note; with none, the index
 * alone answers, counts included. A query with no positive clause for the
 * index scans the workspace's notes.
 */
struct plan {
	struct str all, tier1, neg;
	int npos, nneg;
	int tiers;    /* plain terms in a positive clause: title matches rank first */
	int sql;      /* SQL conditions on note: join it */
	int multi_ws; /* notes of other workspaces exist */
};

static void plan_release(struct plan *p)
{
	free(p->all.p);
	free(p->tier1.p);
	free(p->neg.p);
}

static int clause_fts(const struct search_query *q, int c)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->atom[i].clause == c && !fts_able(&q->atom[i]))
			return 0;
	return 1;
}

static int clause_negated(const struct search_query *q, int c)
{
	for (size_t i = 0; i < q->n; i++)
		if (q->atom[i].clause == c && q->atom[i].negate)
			return 1;
	return 0;
}

static int plan_make(struct plan *p, int64_t ws, const struct note_search *ns)
{
	const struct search_query *q = ns->q;
	char buf[48];

	for (int c = 0; c < q->nclauses; c++) {
		int neg = clause_negated(q, c), n = 0;

		if (!clause_fts(q, c)) {
			p->sql = 1;
			continue;
		}
		if (neg) {
			for (size_t i = 0; i < q->n; i++)
				if (q->atom[i].clause == c) {
					str_cat(&p->neg, p->nneg++ ? " OR " : "");
					fts_atom(&p->neg, &q->atom[i], 0);
				}
			continue;
		}
		str_cat(&p->all, p->npos ? " AND (" : "(");
		str_cat(&p->tier1, p->npos ? " AND (" : "(");
		for (size_t i = 0; i < q->n; i++) {
			const struct search_atom *a = &q->atom[i];

			if (a->clause != c)
				continue;
			str_cat(&p->all, n ? " OR " : "");
			str_cat(&p->tier1, n ? " OR " : "");
			fts_atom(&p->all, a, 0);
			fts_atom(&p->tier1, a, 1);
			p->tiers |= a->field == SEARCH_ANY;
			n++;
		}
		str_cat(&p->all, ")");
		str_cat(&p->tier1, ")");
		p->npos++;
	}
	if (p->npos && p->multi_ws) {
		snprintf(buf, sizeof(buf), " AND \"%cw%lld\"", SCOPE_MARK, (long long)ws);
		str_cat(&p->all, buf);
		str_cat(&p->tier1, buf);
	}
	if (p->npos && p->nneg) {
		str_cat(&p->all, " NOT (");
		str_cat(&p->all, p->neg.p);
		str_cat(&p->all, ")");
		str_cat(&p->tier1, " NOT (");
		str_cat(&p->tier1, p->neg.p);
		str_cat(&p->tier1, ")");
	}
	if (ns->visible_to || !p->npos)
		p->sql = 1;
	return p->all.oom || p->tier1.oom || p->neg.oom ? ERR_NOMEM : 0;
}

/* sql_conds appends the SQL conditions of the plan (each " AND ..."). */
static void sql_conds(struct qb *b, const struct plan *p, int64_t ws, const struct note_search *ns)
{
	const struct search_query *q = ns->q;

	if (!p->npos) {
		qb_sql(b, " AND n.workspace_id = ");
		qb_int(b, ws);
		if (p->nneg) {
			qb_sql(
			    b,
			    " AND n.id NOT IN (SELECT rowid FROM note_fts WHERE note_fts MATCH ");
			qb_text(b, p->neg.p);
			qb_sql(b, ")");
		}
	}
	if (ns->visible_to) {
		/* A member sees the notes on companies with no deals or with a deal of theirs. */
		qb_sql(b,
		       " AND n.company_id IN (SELECT c.id FROM company c WHERE c.workspace_id = ");
		qb_int(b, ws);
		qb_sql(
		    b,
		    " AND (NOT EXISTS (SELECT 1 FROM deal d WHERE d.workspace_id = c.workspace_id"
		    " AND d.company_id = c.id) OR EXISTS (SELECT 1 FROM deal d"
		    " WHERE d.workspace_id = c.workspace_id AND d.company_id = c.id"
		    " AND d.owner_id = ");
		qb_int(b, ns->visible_to);
		qb_sql(b, ")))");
	}
	for (int c = 0; c < q->nclauses; c++) {
		int first = 1;

		if (clause_fts(q, c))
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
			if (fts_able(a) && a->field != SEARCH_AUTHOR &&
			    a->field != SEARCH_COMPANY) {
				struct str t = {0};

				fts_atom(&t, a, 0);
				qb_sql(b,
				       "n.id IN (SELECT rowid FROM note_fts WHERE note_fts MATCH ");
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
}

/*
 * build writes one statement of the plan into b: with match (an FTS5
 * expression) the index drives, else the workspace's notes are scanned.
 * count > 0 selects the number of matches, counting at most count of them,
 * and the lowest id among those (the newest count); count < 0 counts them
 * all; else the ids newest first, limit after offset.
 */
static int build(struct qb *b, const struct plan *p, int64_t ws, const struct note_search *ns,
		 const char *match, int64_t count, int64_t limit, int64_t offset)
{
	const char *id = match ? "note_fts.rowid" : "n.id";

	if (count < 0)
		qb_sql(b, "SELECT count(*), 0");
	else if (count > 0)
		qb_sql(b, "SELECT count(*), min(id) FROM (SELECT ");
	if (count >= 0) {
		qb_sql(b, count ? "" : "SELECT ");
		qb_sql(b, id);
		qb_sql(b, count ? " AS id" : "");
	}
	if (match) {
		qb_sql(b, " FROM note_fts");
		if (p->sql)
			qb_sql(b, " JOIN note n ON n.id = note_fts.rowid");
		qb_sql(b, " WHERE note_fts MATCH ");
		qb_text(b, match);
	} else {
		qb_sql(b, " FROM note n WHERE 1");
	}
	if (p->sql)
		sql_conds(b, p, ws, ns);
	if (count >= 0) {
		qb_sql(b, " ORDER BY ");
		qb_sql(b, id);
		qb_sql(b, " DESC LIMIT ");
		qb_int(b, count ? count : limit);
		if (!count) {
			qb_sql(b, " OFFSET ");
			qb_int(b, offset);
		} else {
			qb_sql(b, ")");
		}
	}
	return b->overflow ? ERR_NOMEM : 0;
}

struct count_row {
	int64_t n, min_id;
};

static void row_count(sqlite3_stmt *st, void *out)
{
	struct count_row *r = out;

	r->n = sqlite3_column_int64(st, 0);
	r->min_id = sqlite3_column_int64(st, 1);
}

static int run(struct sqlite_store *s, struct qb *b, size_t elsize, row_fn *row, void **out,
	       size_t *n)
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
	rc = sq_fetch_all(s, st, elsize, row, &v, n);
	if (rc == 0)
		*out = v;
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * query builds and runs one statement (build's count): ids are appended to
 * out (a page), or *cnt set.
 */
static int query(struct sqlite_store *s, const struct plan *p, int64_t ws,
		 const struct note_search *ns, const char *match, int64_t count, int64_t limit,
		 int64_t offset, struct note_hits *out, struct count_row *cnt)
{
	struct qb *b = calloc(1, sizeof(*b));
	void *rows = NULL;
	size_t n = 0;
	int rc;

	if (!b)
		return ERR_NOMEM;
	if ((rc = build(b, p, ws, ns, match, count, limit, offset)) ||
	    (rc = count ? run(s, b, sizeof(*cnt), row_count, &rows, &n)
			: run(s, b, sizeof(int64_t), row_id, &rows, &n)))
		goto out;
	if (count) {
		*cnt = n ? *(struct count_row *)rows : (struct count_row){0};
	} else if (n) {
		int64_t *v = realloc(out->id, (out->n + n) * sizeof(int64_t));

		if (!v) {
			rc = ERR_NOMEM;
			goto out;
		}
		memcpy(v + out->n, rows, n * sizeof(int64_t));
		out->id = v;
		out->n += n;
	}
out:
	free(rows);
	qb_release(b);
	free(b);
	return rc;
}

/* id_range: the lowest and highest note ids of the database (0 and 0 when it has none). */
static int id_range(struct sqlite_store *s, int64_t *lo, int64_t *hi)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(s, ST_ID_RANGE, &st)))
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*lo = sqlite3_column_int64(st, 0);
		*hi = sqlite3_column_int64(st, 1);
		rc = 0;
	} else {
		rc = sq_db_err(s, rc, ERR_DB);
	}
	sq_stmt_done(st);
	return rc;
}

/*
 * total counts the matches of match (NULL: the scan). With ns->count_max,
 * at most count_max + 1 are counted, newest first; past count_max the total
 * is extrapolated from how far back in id order those reach: count_max + 1
 * matches among the ids from the lowest of them to the highest note id, so
 * about (count_max + 1) * (ids in all) / (ids in that range), given to three
 * significant digits and marked as an estimate.
 */
static int total(struct sqlite_store *s, const struct plan *p, int64_t ws,
		 const struct note_search *ns, const char *match, struct note_hits *out)
{
	struct count_row c = {0};
	int64_t lo = 0, hi = 0, est, unit = 1;
	int rc;

	if ((rc = query(s, p, ws, ns, match, ns->count_max > 0 ? ns->count_max + 1 : -1, 0, 0, NULL,
			&c)))
		return rc;
	out->total = c.n;
	if (ns->count_max <= 0 || c.n <= ns->count_max)
		return 0;
	out->total_estimated = 1;
	if ((rc = id_range(s, &lo, &hi)) || hi < c.min_id || c.min_id < lo)
		return rc; /* no range to extrapolate over: at least c.n */
	est = (int64_t)((double)c.n * (double)(hi - lo + 1) / (double)(hi - c.min_id + 1) + 0.5);
	while (est / unit >= 1000)
		unit *= 10;
	est = (est + unit / 2) / unit * unit;
	out->total = est > c.n ? est : c.n;
	return 0;
}

/* multi_ws: 1 when the database holds notes of a workspace other than ws. */
static int multi_ws(struct sqlite_store *s, int64_t ws, int *out)
{
	sqlite3_stmt *st = NULL;
	int64_t one = 0;
	int rc;

	if ((rc = stmt(s, ST_MULTI_WS, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws))
		rc = sq_bind_failed(s);
	else
		rc = sq_fetch_i64(s, st, &one);
	sq_stmt_done(st);
	*out = !one;
	return rc;
}

/*
 * sqlite_note_search: matches rank in two tiers, the notes whose plain
 * terms all match in the title first, then the others; newest (highest id)
 * first within a tier. Each page is read in index order with LIMIT, so a
 * search reads about as many matches as it returns; the total is one count
 * (bounded by count_max: see total()).
 */
int sqlite_note_search(struct store *base, int64_t ws, const struct note_search *ns,
		       struct note_hits *out)
{
	struct sqlite_store *s = sq(base);
	struct plan p = {0};
	int64_t limit = ns->limit, offset = ns->offset, tier1 = 0;
	int rc;

	out->id = NULL;
	out->n = 0;
	out->total = 0;
	out->total_estimated = 0;
	if (ns->q->n == 0)
		return 0;
	if ((rc = multi_ws(s, ws, &p.multi_ws)) || (rc = plan_make(&p, ws, ns)))
		goto out;
	if (!p.npos) {
		rc = query(s, &p, ws, ns, NULL, 0, limit, offset, out, NULL);
		if (!rc)
			rc = total(s, &p, ws, ns, NULL, out);
		goto out;
	}
	if ((rc = total(s, &p, ws, ns, p.all.p, out)))
		goto out;
	if (!p.tiers) {
		rc = query(s, &p, ws, ns, p.all.p, 0, limit, offset, out, NULL);
		goto out;
	}
	if ((rc = query(s, &p, ws, ns, p.tier1.p, 0, limit, offset, out, NULL)))
		goto out;
	if ((int64_t)out->n < limit && offset == 0) {
		/*
		 * The first tier is the n ids read: the page goes on with the
		 * newest matches that are not among them (at most limit read).
		 */
		struct note_hits more = {0};
		size_t n1 = out->n;

		rc = query(s, &p, ws, ns, p.all.p, 0, limit, 0, &more, NULL);
		for (size_t i = 0; rc == 0 && i < more.n && (int64_t)out->n < limit; i++) {
			size_t k = 0;

			while (k < n1 && out->id[k] != more.id[i])
				k++;
			if (k == n1) {
				int64_t *v = realloc(out->id, (out->n + 1) * sizeof(int64_t));

				if (!v) {
					rc = ERR_NOMEM;
					break;
				}
				v[out->n++] = more.id[i];
				out->id = v;
			}
		}
		note_hits_release(&more);
	} else if ((int64_t)out->n < limit) {
		/* The rest of the page from the second tier: all matches but the first tier's. */
		struct str rest = {0};
		struct count_row c1 = {0};

		if (out->n > 0)
			tier1 = offset + (int64_t)out->n;
		else if ((rc = query(s, &p, ws, ns, p.tier1.p, -1, 0, 0, NULL, &c1)))
			goto out;
		else
			tier1 = c1.n;
		str_cat(&rest, "(");
		str_cat(&rest, p.all.p);
		str_cat(&rest, ") NOT (");
		str_cat(&rest, p.tier1.p);
		str_cat(&rest, ")");
		rc = rest.oom ? ERR_NOMEM
			      : query(s, &p, ws, ns, rest.p, 0, limit - (int64_t)out->n,
				      offset > tier1 ? offset - tier1 : 0, out, NULL);
		free(rest.p);
	}
out:
	plan_release(&p);
	if (rc)
		note_hits_release(out);
	return rc;
}
