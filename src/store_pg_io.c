/*
 * store_pg_io.c - the external id an imported deal keeps, in the PostgreSQL
 * backend: store_sqlite_io.c's statements and semantics. The column comes
 * from the "import, export and backup" migration in store_pg.c. Whole-database
 * copies (backup_to, restore_from) are left NULL here, as store.h allows:
 * PostgreSQL is backed up with its own tools (pg_dump, base backups).
 */
#include "err.h"
#include "store_pg_int.h"

enum { IO_EXT_FIND = PG_EXT_IO, IO_EXT_SET };

int pg_deal_external_find(struct store *base, int64_t ws, const char *ext, int64_t *deal_id)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_text(&p, ext);
	rc = pg_exec_ext(pg(base), IO_EXT_FIND,
			 "SELECT id FROM deal WHERE workspace_id = $1::bigint AND external_id = $2",
			 &p, &r, ERR_DB);
	if (rc)
		return rc;
	if (PQntuples(r) < 1)
		rc = ERR_NOTFOUND;
	else
		*deal_id = pg_col_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

int pg_deal_external_set(struct store *base, int64_t ws, int64_t deal_id, const char *ext)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, deal_id);
	pgp_text_null(&p, ext);
	rc = pg_exec_ext(pg(base), IO_EXT_SET,
			 "UPDATE deal SET external_id = $3 WHERE workspace_id = $1::bigint"
			 " AND id = $2::bigint",
			 &p, &r, ERR_INVALID);
	if (rc)
		return rc;
	rc = pg_changed(r) ? 0 : ERR_NOTFOUND;
	PQclear(r);
	return rc;
}
