/*
 * store_pg_view.c - the SQL of saved views (named deal-list filters) in the
 * PostgreSQL backend: store_sqlite_view.c's statements and semantics. The
 * table comes from the "saved views" migration in store_pg.c; the statements
 * are prepared in the PG_EXT_VIEW slot range.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store_pg_int.h"

enum { V_INSERT = PG_EXT_VIEW, V_GET, V_LIST, V_UPDATE, V_DELETE, V_EXISTS };

#define VIEW_SELECT                                                                                \
	"SELECT v.id, v.workspace_id, v.owner_id, v.name, v.shared, v.filter, v.version,"          \
	" v.created_at, v.updated_at, coalesce(u.username, '')"                                    \
	" FROM saved_view v LEFT JOIN users u"                                                     \
	" ON u.workspace_id = v.workspace_id AND u.id = v.owner_id"

static const char sql_insert[] =
    "INSERT INTO saved_view (workspace_id, owner_id, name, shared, filter, version,"
    " created_at, updated_at) VALUES ($1::bigint, $2::bigint, $3, $4::int, $5, 1, $6, $6)"
    " RETURNING id";
static const char sql_get[] =
    VIEW_SELECT " WHERE v.workspace_id = $1::bigint AND v.id = $2::bigint";
static const char sql_list[] =
    VIEW_SELECT " WHERE v.workspace_id = $1::bigint AND (v.owner_id = $2::bigint OR v.shared = 1)"
		" ORDER BY v.shared, lc_lower(v.name) COLLATE \"C\", v.id";
static const char sql_update[] =
    "UPDATE saved_view SET name = $4, shared = $5::int, filter = $6, updated_at = $7,"
    " version = version + 1 WHERE workspace_id = $1::bigint AND id = $2::bigint"
    " AND version = $3::bigint";
static const char sql_delete[] =
    "DELETE FROM saved_view WHERE workspace_id = $1::bigint AND id = $2::bigint";
static const char sql_exists[] =
    "SELECT count(*) FROM saved_view WHERE workspace_id = $1::bigint AND id = $2::bigint";

static void row_view(const PGresult *r, int i, void *out)
{
	struct saved_view *v = out;

	memset(v, 0, sizeof(*v));
	v->id = pg_col_i64(r, i, 0);
	v->workspace_id = pg_col_i64(r, i, 1);
	v->owner_id = pg_col_i64(r, i, 2);
	PG_TEXT(r, i, 3, v->name);
	v->shared = pg_col_i64(r, i, 4) != 0;
	PG_TEXT(r, i, 5, v->filter);
	v->version = pg_col_i64(r, i, 6);
	PG_TEXT(r, i, 7, v->created_at);
	PG_TEXT(r, i, 8, v->updated_at);
	PG_TEXT(r, i, 9, v->owner_username);
}

int pg_view_create(struct store *base, struct saved_view *v)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	char now[TS_LEN];
	int rc;

	store_now(now);
	pgp_i64(&p, v->workspace_id);
	pgp_i64(&p, v->owner_id);
	pgp_text(&p, v->name);
	pgp_i64(&p, v->shared ? 1 : 0);
	pgp_text(&p, v->filter);
	pgp_text(&p, now);
	rc = pg_exec_ext(pg(base), V_INSERT, sql_insert, &p, &r, ERR_INVALID);
	if (rc)
		return rc;
	v->id = pg_col_i64(r, 0, 0);
	PQclear(r);
	v->version = 1;
	memcpy(v->created_at, now, TS_LEN);
	memcpy(v->updated_at, now, TS_LEN);
	return 0;
}

int pg_view_get(struct store *base, int64_t ws, int64_t id, struct saved_view *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	struct saved_view *v;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, id);
	rc = pg_exec_ext(pg(base), V_GET, sql_get, &p, &r, ERR_DB);
	if (rc)
		return rc;
	if (PQntuples(r) < 1) {
		PQclear(r);
		return ERR_NOTFOUND;
	}
	v = malloc(sizeof(*v));
	if (!v) {
		PQclear(r);
		return ERR_NOMEM;
	}
	row_view(r, 0, v);
	*out = *v;
	free(v);
	PQclear(r);
	return 0;
}

int pg_view_list(struct store *base, int64_t ws, int64_t user_id, struct saved_view_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, user_id);
	rc = pg_exec_ext(pg(base), V_LIST, sql_list, &p, &r, ERR_DB);
	if (rc)
		return rc;
	rc = pg_rows_new(r, sizeof(struct saved_view), row_view, &v, &n);
	PQclear(r);
	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

int pg_view_update(struct store *base, struct saved_view *v)
{
	struct pg_store *s = pg(base);
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	char now[TS_LEN];
	int64_t n;
	int rc;

	store_now(now);
	pgp_i64(&p, v->workspace_id);
	pgp_i64(&p, v->id);
	pgp_i64(&p, v->version);
	pgp_text(&p, v->name);
	pgp_i64(&p, v->shared ? 1 : 0);
	pgp_text(&p, v->filter);
	pgp_text(&p, now);
	rc = pg_exec_ext(s, V_UPDATE, sql_update, &p, &r, ERR_INVALID);
	if (rc)
		return rc;
	n = pg_changed(r);
	PQclear(r);
	if (n == 0) {
		/* A stale version (ERR_STALE) or a missing view (ERR_NOTFOUND). */
		p.n = 0;
		pgp_i64(&p, v->workspace_id);
		pgp_i64(&p, v->id);
		rc = pg_exec_ext(s, V_EXISTS, sql_exists, &p, &r, ERR_DB);
		if (rc)
			return rc;
		n = pg_col_i64(r, 0, 0);
		PQclear(r);
		return n > 0 ? ERR_STALE : ERR_NOTFOUND;
	}
	v->version++;
	memcpy(v->updated_at, now, TS_LEN);
	return 0;
}

int pg_view_delete(struct store *base, int64_t ws, int64_t id)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int64_t n;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, id);
	rc = pg_exec_ext(pg(base), V_DELETE, sql_delete, &p, &r, ERR_INUSE);
	if (rc)
		return rc;
	n = pg_changed(r);
	PQclear(r);
	return n ? 0 : ERR_NOTFOUND;
}
