/*
 * store_sqlite_view.c - the SQL of saved views (named deal-list filters) in
 * the SQLite backend. The table comes from the "saved views" migration in
 * store_sqlite.c; the statements live in s->ext[SQ_EXT_VIEW + ...].
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_sqlite_int.h"

enum { V_INSERT = SQ_EXT_VIEW, V_GET, V_LIST, V_UPDATE, V_DELETE, V_EXISTS };

#define VIEW_SELECT                                                                                \
	"SELECT v.id, v.workspace_id, v.owner_id, v.name, v.shared, v.filter, v.version,"          \
	" v.created_at, v.updated_at, coalesce(u.username, '')"                                    \
	" FROM saved_view v LEFT JOIN users u"                                                     \
	" ON u.workspace_id = v.workspace_id AND u.id = v.owner_id"

static const char sql_insert[] =
    "INSERT INTO saved_view (workspace_id, owner_id, name, shared, filter, version,"
    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)";
static const char sql_get[] = VIEW_SELECT " WHERE v.workspace_id = ?1 AND v.id = ?2";
static const char sql_list[] =
    VIEW_SELECT " WHERE v.workspace_id = ?1 AND (v.owner_id = ?2 OR v.shared = 1)"
		" ORDER BY v.shared, lower(v.name), v.id";
static const char sql_update[] =
    "UPDATE saved_view SET name = ?4, shared = ?5, filter = ?6, updated_at = ?7,"
    " version = version + 1 WHERE workspace_id = ?1 AND id = ?2 AND version = ?3";
static const char sql_delete[] = "DELETE FROM saved_view WHERE workspace_id = ?1 AND id = ?2";
static const char sql_exists[] =
    "SELECT count(*) FROM saved_view WHERE workspace_id = ?1 AND id = ?2";

static void row_view(sqlite3_stmt *st, void *out)
{
	struct saved_view *v = out;

	memset(v, 0, sizeof(*v));
	v->id = sq_col_i64(st, 0);
	v->workspace_id = sq_col_i64(st, 1);
	v->owner_id = sq_col_i64(st, 2);
	COL_TEXT(st, 3, v->name);
	v->shared = sq_col_int(st, 4) != 0;
	COL_TEXT(st, 5, v->filter);
	v->version = sq_col_i64(st, 6);
	COL_TEXT(st, 7, v->created_at);
	COL_TEXT(st, 8, v->updated_at);
	COL_TEXT(st, 9, v->owner_username);
}

int sqlite_view_create(struct store *base, struct saved_view *v)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	store_now(now);
	rc = sq_stmt_ext(s, V_INSERT, sql_insert, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, v->workspace_id) | sq_bind_i64(st, 2, v->owner_id) |
	    sq_bind_text(st, 3, v->name) | sq_bind_i64(st, 4, v->shared ? 1 : 0) |
	    sq_bind_text(st, 5, v->filter) | sq_bind_text(st, 6, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	v->id = sqlite3_last_insert_rowid(s->db);
	v->version = 1;
	memcpy(v->created_at, now, TS_LEN);
	memcpy(v->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_view_get(struct store *base, int64_t ws, int64_t id, struct saved_view *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	struct saved_view *v = malloc(sizeof(*v));
	int rc;

	if (!v)
		return ERR_NOMEM;
	rc = sq_stmt_ext(s, V_GET, sql_get, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_one(s, st, row_view, v);
	if (!rc)
		*out = *v;
out:
	sq_stmt_done(st);
	free(v);
	return rc;
}

int sqlite_view_list(struct store *base, int64_t ws, int64_t user_id, struct saved_view_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	rc = sq_stmt_ext(s, V_LIST, sql_list, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, user_id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all(s, st, sizeof(struct saved_view), row_view, &v, &n);
	if (!rc) {
		out->v = v;
		out->n = n;
	}
out:
	sq_stmt_done(st);
	return rc;
}

/* view_exists tells a stale version (ERR_STALE) from a missing view (ERR_NOTFOUND). */
static int view_exists(struct sqlite_store *s, int64_t ws, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int rc = sq_stmt_ext(s, V_EXISTS, sql_exists, &st);

	if (rc)
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id))
		rc = sq_bind_failed(s);
	else
		rc = sq_fetch_i64(s, st, &n);
	sq_stmt_done(st);
	if (rc)
		return rc;
	return n > 0 ? ERR_STALE : ERR_NOTFOUND;
}

int sqlite_view_update(struct store *base, struct saved_view *v)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	store_now(now);
	rc = sq_stmt_ext(s, V_UPDATE, sql_update, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, v->workspace_id) | sq_bind_i64(st, 2, v->id) |
	    sq_bind_i64(st, 3, v->version) | sq_bind_text(st, 4, v->name) |
	    sq_bind_i64(st, 5, v->shared ? 1 : 0) | sq_bind_text(st, 6, v->filter) |
	    sq_bind_text(st, 7, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_changed(s, st, ERR_INVALID);
	sq_stmt_done(st);
	st = NULL;
	if (rc == ERR_NOTFOUND)
		rc = view_exists(s, v->workspace_id, v->id);
	if (rc)
		goto out;
	v->version++;
	memcpy(v->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_view_delete(struct store *base, int64_t ws, int64_t id)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc = sq_stmt_ext(s, V_DELETE, sql_delete, &st);

	if (rc)
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id))
		rc = sq_bind_failed(s);
	else
		rc = sq_step_changed(s, st, ERR_INUSE);
	sq_stmt_done(st);
	return rc;
}
