/*
 * store_pg_sec.c - the SQL of login throttling in the PostgreSQL backend
 *; the same tables and rules as store_sqlite_sec.c. The
 * tables come from the "security" migration in store_pg.c; the statements use
 * the slots PG_EXT_SEC + ... . Times are RFC 3339 text, compared as text.
 */
#include <string.h>

#include "err.h"
#include "store_pg_int.h"

enum {
	S_FAIL_ADD = PG_EXT_SEC,
	S_FAIL_PRUNE,
	S_FAIL_COUNT,
	S_FAIL_CLEAR,
	S_KNOWN_ADD,
	S_KNOWN_GET
};

static const char sql_fail_add[] =
    "INSERT INTO login_failure (account, addr, at) VALUES ($1::text, $2::text, $3::text)";
static const char sql_fail_prune[] = "DELETE FROM login_failure WHERE at < $1::text";
static const char sql_fail_count[] =
    "SELECT count(*), coalesce(min(at), ''), coalesce(max(at), '') FROM login_failure"
    " WHERE at >= $3::text AND ($1::text IS NULL OR account = $1::text)"
    " AND ($2::text IS NULL OR addr = $2::text)";
static const char sql_fail_clear[] =
    "DELETE FROM login_failure WHERE account = $1::text AND addr = $2::text";
static const char sql_known_add[] =
    "INSERT INTO login_known (account, addr, at) VALUES ($1::text, $2::text, $3::text)"
    " ON CONFLICT (account, addr) DO UPDATE SET at = excluded.at";
static const char sql_known_get[] = "SELECT count(*) FROM login_known WHERE account = $1::text"
				    " AND addr = $2::text AND at >= $3::text";

static void text_or_null(struct pgp *p, const char *s)
{
	if (s)
		pgp_text(p, s);
	else
		pgp_null(p);
}

int pg_login_failure_add(struct store *base, const char *account, const char *addr, const char *at,
			 const char *prune)
{
	struct pgp p = {.n = 0};
	int rc;

	pgp_text(&p, prune);
	rc = pg_exec_ext(pg(base), S_FAIL_PRUNE, sql_fail_prune, &p, NULL, ERR_DB);
	if (rc)
		return rc;
	p.n = 0;
	pgp_text(&p, account);
	pgp_text(&p, addr);
	pgp_text(&p, at);
	return pg_exec_ext(pg(base), S_FAIL_ADD, sql_fail_add, &p, NULL, ERR_DB);
}

int pg_login_failure_count(struct store *base, const char *account, const char *addr,
			   const char *since, struct login_failures *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	struct login_failures f;
	int rc;

	text_or_null(&p, account);
	text_or_null(&p, addr);
	pgp_text(&p, since);
	rc = pg_exec_ext(pg(base), S_FAIL_COUNT, sql_fail_count, &p, &r, ERR_DB);
	if (rc)
		return rc;
	memset(&f, 0, sizeof(f));
	if (PQntuples(r) == 1) {
		f.count = pg_col_i64(r, 0, 0);
		PG_TEXT(r, 0, 1, f.first_at);
		PG_TEXT(r, 0, 2, f.last_at);
	}
	PQclear(r);
	*out = f;
	return 0;
}

int pg_login_failure_clear(struct store *base, const char *account, const char *addr)
{
	struct pgp p = {.n = 0};

	pgp_text(&p, account);
	pgp_text(&p, addr);
	return pg_exec_ext(pg(base), S_FAIL_CLEAR, sql_fail_clear, &p, NULL, ERR_DB);
}

int pg_login_known_add(struct store *base, const char *account, const char *addr, const char *at)
{
	struct pgp p = {.n = 0};

	pgp_text(&p, account);
	pgp_text(&p, addr);
	pgp_text(&p, at);
	return pg_exec_ext(pg(base), S_KNOWN_ADD, sql_known_add, &p, NULL, ERR_DB);
}

int pg_login_known_get(struct store *base, const char *account, const char *addr, const char *since,
		       int *found)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_text(&p, account);
	pgp_text(&p, addr);
	pgp_text(&p, since);
	rc = pg_exec_ext(pg(base), S_KNOWN_GET, sql_known_get, &p, &r, ERR_DB);
	if (rc)
		return rc;
	*found = PQntuples(r) == 1 && pg_col_i64(r, 0, 0) > 0;
	PQclear(r);
	return 0;
}
