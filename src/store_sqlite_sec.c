/*
 * store_sqlite_sec.c - the SQL of login throttling in the SQLite backend
 *: failed logins per account key and client address, and
 * the addresses each account last logged in from. The tables come from the
 * "security" migration in store_sqlite.c; the statements live in
 * s->ext[SQ_EXT_SEC + ...]. Times are RFC 3339 text, compared as text.
 */
#include <string.h>

#include "err.h"
#include "store_sqlite_int.h"

enum {
	S_FAIL_ADD = SQ_EXT_SEC,
	S_FAIL_PRUNE,
	S_FAIL_COUNT,
	S_FAIL_CLEAR,
	S_KNOWN_ADD,
	S_KNOWN_GET
};

static const char sql_fail_add[] =
    "INSERT INTO login_failure (account, addr, at) VALUES (?1, ?2, ?3)";
static const char sql_fail_prune[] = "DELETE FROM login_failure WHERE at < ?1";
/* ?1/?2 NULL match any account/address. */
static const char sql_fail_count[] =
    "SELECT count(*), coalesce(min(at), ''), coalesce(max(at), '') FROM login_failure"
    " WHERE at >= ?3 AND (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR addr = ?2)";
static const char sql_fail_clear[] = "DELETE FROM login_failure WHERE account = ?1 AND addr = ?2";
static const char sql_known_add[] =
    "INSERT INTO login_known (account, addr, at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (account, addr) DO UPDATE SET at = excluded.at";
static const char sql_known_get[] =
    "SELECT count(*) FROM login_known WHERE account = ?1 AND addr = ?2 AND at >= ?3";

/* bind_or_null binds v, or NULL when v is NULL. */
static int bind_or_null(sqlite3_stmt *st, int i, const char *v)
{
	return v ? sq_bind_text(st, i, v) : sqlite3_bind_null(st, i);
}

int sqlite_login_failure_add(struct store *base, const char *account, const char *addr,
			     const char *at, const char *prune)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sq_stmt_ext(s, S_FAIL_PRUNE, sql_fail_prune, &st);
	if (rc)
		return rc;
	if (sq_bind_text(st, 1, prune)) {
		sq_stmt_done(st);
		return sq_bind_failed(s);
	}
	rc = sq_step_done(s, st, ERR_DB);
	sq_stmt_done(st);
	if (rc)
		return rc;
	rc = sq_stmt_ext(s, S_FAIL_ADD, sql_fail_add, &st);
	if (rc)
		return rc;
	if (sq_bind_text(st, 1, account) | sq_bind_text(st, 2, addr) | sq_bind_text(st, 3, at))
		rc = sq_bind_failed(s);
	else
		rc = sq_step_done(s, st, ERR_DB);
	sq_stmt_done(st);
	return rc;
}

static void row_failures(sqlite3_stmt *st, void *out)
{
	struct login_failures *f = out;

	f->count = sq_col_i64(st, 0);
	COL_TEXT(st, 1, f->first_at);
	COL_TEXT(st, 2, f->last_at);
}

int sqlite_login_failure_count(struct store *base, const char *account, const char *addr,
			       const char *since, struct login_failures *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	struct login_failures f;
	int rc;

	rc = sq_stmt_ext(s, S_FAIL_COUNT, sql_fail_count, &st);
	if (rc)
		return rc;
	memset(&f, 0, sizeof(f));
	if (bind_or_null(st, 1, account) | bind_or_null(st, 2, addr) | sq_bind_text(st, 3, since))
		rc = sq_bind_failed(s);
	else
		rc = sq_fetch_one(s, st, row_failures, &f);
	sq_stmt_done(st);
	if (rc == 0)
		*out = f;
	return rc;
}

int sqlite_login_failure_clear(struct store *base, const char *account, const char *addr)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sq_stmt_ext(s, S_FAIL_CLEAR, sql_fail_clear, &st);
	if (rc)
		return rc;
	if (sq_bind_text(st, 1, account) | sq_bind_text(st, 2, addr))
		rc = sq_bind_failed(s);
	else
		rc = sq_step_done(s, st, ERR_DB);
	sq_stmt_done(st);
	return rc;
}

int sqlite_login_known_add(struct store *base, const char *account, const char *addr,
			   const char *at)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sq_stmt_ext(s, S_KNOWN_ADD, sql_known_add, &st);
	if (rc)
		return rc;
	if (sq_bind_text(st, 1, account) | sq_bind_text(st, 2, addr) | sq_bind_text(st, 3, at))
		rc = sq_bind_failed(s);
	else
		rc = sq_step_done(s, st, ERR_DB);
	sq_stmt_done(st);
	return rc;
}

int sqlite_login_known_get(struct store *base, const char *account, const char *addr,
			   const char *since, int *found)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int rc;

	rc = sq_stmt_ext(s, S_KNOWN_GET, sql_known_get, &st);
	if (rc)
		return rc;
	if (sq_bind_text(st, 1, account) | sq_bind_text(st, 2, addr) | sq_bind_text(st, 3, since))
		rc = sq_bind_failed(s);
	else
		rc = sq_fetch_i64(s, st, &n);
	sq_stmt_done(st);
	if (rc == 0)
		*found = n > 0;
	return rc;
}
