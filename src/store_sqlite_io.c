/*
 * store_sqlite_io.c - the SQLite side of import, export and backup: the
 * external id an imported deal keeps, and whole-database copies with
 * SQLite's online backup API (a consistent snapshot while the server writes;
 * in WAL mode writers are not blocked while the copy is read).
 *
 * Statements live in s->ext[] from SQ_EXT_IO on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "store_sqlite_int.h"

enum {
	IO_EXT_FIND = SQ_EXT_IO,
	IO_EXT_SET,
};

int sqlite_deal_external_find(struct store *base, int64_t ws, const char *ext, int64_t *deal_id)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sq_stmt_ext(s, IO_EXT_FIND,
			 "SELECT id FROM deal WHERE workspace_id = ?1 AND external_id = ?2", &st);
	if (rc)
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_text(st, 2, ext)) {
		rc = sq_bind_failed(s);
		sq_stmt_done(st);
		return rc;
	}
	rc = sq_fetch_i64(s, st, deal_id);
	sq_stmt_done(st);
	return rc;
}

int sqlite_deal_external_set(struct store *base, int64_t ws, int64_t deal_id, const char *ext)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sq_stmt_ext(s, IO_EXT_SET,
			 "UPDATE deal SET external_id = ?3 WHERE workspace_id = ?1 AND id = ?2",
			 &st);
	if (rc)
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, deal_id) | sq_bind_text_null(st, 3, ext)) {
		rc = sq_bind_failed(s);
		sq_stmt_done(st);
		return rc;
	}
	rc = sq_step_changed(s, st, ERR_INVALID);
	sq_stmt_done(st);
	return rc;
}

/*
 * copy_db copies the main database of from into to with the backup API, in
 * steps of 256 pages, waiting briefly while the source is locked. Returns a
 * SQLite code.
 */
static int copy_db(sqlite3 *to, sqlite3 *from)
{
	sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
	int rc;

	if (!b)
		return sqlite3_errcode(to);
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	return rc == SQLITE_DONE ? sqlite3_errcode(to) : rc;
}

int sqlite_backup_to(struct store *base, const char *path)
{
	struct sqlite_store *s = sq(base);
	char tmp[4096];
	sqlite3 *to = NULL;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.part", path) >= (int)sizeof(tmp))
		return ERR_INVALID;
	unlink(tmp);
	rc = sqlite3_open_v2(tmp, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		rc = ERR_IO;
		goto out;
	}
	/*
	 * One step of -1 pages copies everything under one read transaction of
	 * the source: a snapshot. Writers of a WAL database go on meanwhile.
	 */
	{
		sqlite3_backup *b = sqlite3_backup_init(to, "main", s->db, "main");

		if (!b) {
			rc = ERR_IO;
			goto out;
		}
		for (;;) {
			rc = sqlite3_backup_step(b, -1);
			if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
				break;
			sqlite3_sleep(20);
		}
		sqlite3_backup_finish(b);
		if (rc != SQLITE_DONE) {
			rc = rc == SQLITE_NOMEM ? ERR_NOMEM : ERR_IO;
			goto out;
		}
	}
	/* The copy is a plain rollback-journal file: one file to keep or mail. */
	if (sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		rc = ERR_IO;
		goto out;
	}
	sqlite3_close_v2(to);
	to = NULL;
	rc = rename(tmp, path) == 0 ? 0 : ERR_IO;
out:
	if (to)
		sqlite3_close_v2(to);
	if (rc)
		unlink(tmp);
	return rc;
}

/* check_copy opens path read-only and checks it is a sound litecrm database. */
static int check_copy(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc = ERR_INVALID;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM schema_version", -1, &st, NULL) !=
		SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) < 1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

int sqlite_restore_from(struct store *base, const char *path)
{
	struct sqlite_store *s = sq(base);
	sqlite3 *from = NULL;
	int rc;

	if (access(path, R_OK) != 0)
		return ERR_IO;
	rc = sqlite3_open_v2(path, &from, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		rc = ERR_IO;
		goto out;
	}
	if ((rc = check_copy(from)))
		goto out;
	rc = copy_db(s->db, from);
	rc = rc == SQLITE_OK ? 0 : (rc & 0xff) == SQLITE_BUSY ? ERR_RETRY : ERR_DB;
out:
	sqlite3_close_v2(from);
	return rc;
}

/* bulk_idx_free forgets the saved index statements. */
static void bulk_idx_free(struct sqlite_store *s)
{
	for (size_t i = 0; i < s->nbulk_idx; i++)
		sqlite3_free(s->bulk_idx[i]);
	sqlite3_free(s->bulk_idx);
	s->bulk_idx = NULL;
	s->nbulk_idx = 0;
	s->nbulk_deal = 0;
}

/*
 * The page cache of a connection is SQLite's default, 2 MB, unless its
 * owner asks otherwise: the server's lone writer descends the deal,
 * stage_history and report tables' B-trees for every write, and at a million
 * deals their inner pages alone outgrow 2 MB, so that each write read pages
 * back from the OS (http.c, WRITER_CACHE_KIB). The cache is allocated only as
 * pages are used.
 */
int sqlite_cache_size(struct store *base, int kib)
{
	char sql[48];

	if (kib <= 0)
		return ERR_INVALID;
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib);
	if (sqlite3_exec(sq(base)->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return ERR_DB;
	sq(base)->cache_kib = kib; /* what a bulk import's end returns to */
	return 0;
}

/*
 * The log hook of a connection that hands its checkpoints off: called after
 * each commit (its lock released) with the pages the write-ahead log holds.
 * Under log_cap it only wakes the connection that checkpoints; past it (that
 * one fell behind, or readers kept the log from starting over) this
 * connection copies the log itself and waits for the readers still in it
 * (RESTART, within the busy timeout), so that the next write starts the log
 * over: the log cannot grow without bound.
 */
static int log_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sqlite_store *s = arg;

	if (pages >= s->log_cap)
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	else if (pages >= s->log_pages)
		s->log_wake(s->log_arg);
	return SQLITE_OK;
}

int sqlite_log_hand_off(struct store *base, int pages, int cap, void (*wake)(void *), void *arg)
{
	struct sqlite_store *s = sq(base);

	if (pages <= 0 || cap < pages || !wake)
		return ERR_INVALID;
	s->log_pages = pages;
	s->log_cap = cap;
	s->log_wake = wake;
	s->log_arg = arg;
	sqlite3_wal_hook(s->db, log_hook, s); /* replaces the automatic checkpoint */
	return 0;
}

int sqlite_log_checkpoint(struct store *base, int restart, int *left)
{
	struct sqlite_store *s = sq(base);
	int log = 0, copied = 0;
	int rc = sqlite3_wal_checkpoint_v2(
	    s->db, NULL, restart ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE, &log,
	    &copied);

	*left = log > copied ? log - copied : 0;
	/* BUSY: another checkpoint is running (the writer's, past its cap) */
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : sq_db_err(s, rc, ERR_DB);
}

/*
 * A bulk import's transaction outgrows the default page cache (2 MiB), and
 * SQLite then spills pages to the WAL and reads them back; once the deal
 * indexes (keys in random order) outgrow the cache every insert does I/O.
 * Foreign keys are not checked meanwhile (the pragma only changes outside
 * a transaction, hence before it): the importer resolves every id it
 * writes from the rows of the same transaction, and each check is a
 * look-up per reference per row. The per-deal upkeep of deal_sum and
 * deal_fact waits for sqlite_bulk_flush, and so do the secondary indexes of
 * deal and deal_fact (keys in random order; stage_history's start with the
 * deal id, so new rows append) when the write brings at least twice as many
 * deals as the database holds (on: the expected number of rows; building an
 * index sorts every row of the table, inserting descends it once per new
 * row). The page cache is then 64 MiB: the rows append and the one index
 * left with keys out of order (deal_external) fits; while the indexes stay
 * it is 1 GiB (allocated only as pages are used), which keeps them in
 * memory. The connection's own size (sqlite_cache_size) returns afterwards.
 */
int sqlite_bulk_hint(struct store *base, int on)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int64_t have = 0;

	s->bulk = on > 0;
	s->bulk_ws = 0;
	s->bulk_first = 0;
	s->bulk_min = INT64_MAX;
	s->bulk_tainted = 0;
	s->bulk_drop = 0;
	bulk_idx_free(s);
	if (on >= 10000 &&
	    sqlite3_prepare_v2(s->db, "SELECT max(id) FROM deal", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			have = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		s->bulk_drop = (int64_t)on >= 2 * have;
	}
	if (on <= 0) {
		char sql[96];

		snprintf(sql, sizeof(sql),
			 "PRAGMA cache_size = -%d; PRAGMA foreign_keys = ON;"
			 " PRAGMA temp_store = DEFAULT",
			 s->cache_kib > 0 ? s->cache_kib : 2000);
		return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : ERR_DB;
	}
	return sqlite3_exec(s->db,
			    s->bulk_drop
				? "PRAGMA cache_size = -65536; PRAGMA foreign_keys = OFF"
				: "PRAGMA cache_size = -1048576; PRAGMA foreign_keys = OFF",
			    NULL, NULL, NULL) == SQLITE_OK
		   ? 0
		   : ERR_DB;
}

/*
 * sq_fact_upkeep writes deal_fact's row of a deal (and the rows computed
 * from it): in bulk mode not at all for the deferred workspace, whose rows
 * sqlite_bulk_flush recomputes in one statement (deal_sum likewise:
 * sq_sum_deal); inside a transaction once per deal, when it commits
 * (sq_fact_flush), since a create or a move writes the deal and then its
 * history row, and an import of history several rows. Until then the
 * deal's rows are as they were when the transaction began, which is what
 * sq_fact_deal and sq_fact_delete take away before they write: nothing in
 * between reads them for it.
 */
int sq_fact_upkeep(struct sqlite_store *s, int64_t ws, int64_t deal_id, int fresh)
{
	if (sq_bulk_defer(s, ws, deal_id, fresh))
		return 0;
	if (sqlite3_get_autocommit(s->db) || deal_set_add(&s->dirty, ws, deal_id, fresh))
		return sq_fact_rows(s, ws, deal_id, fresh);
	return 0;
}

/*
 * The deals a bulk write creates get ids from bulk_first on, the first one's,
 * and none of the workspace's deals from there on is another writer's: the
 * transaction holds the write lock from its first write to its commit. When
 * every deferred deal is one of them (an update or delete of a deal created
 * in the same write included: the flush sees the deals as they end up),
 * their report rows are all missing and the rest of the workspace's are
 * right, so the flush adds theirs (sq_bulk_report) instead of recomputing
 * the workspace. A deferred deal from before, or a write of the report rows
 * in between (sq_bulk_taint: a stage's sums recomputed, a deal's facts
 * written at once), leaves that to sqlite_report_rebuild.
 */
int sq_bulk_defer(struct sqlite_store *s, int64_t ws, int64_t deal_id, int fresh)
{
	if (!s->bulk || (s->bulk_ws != 0 && s->bulk_ws != ws))
		return 0;
	s->bulk_ws = ws;
	if (fresh && !s->bulk_first)
		s->bulk_first = deal_id;
	if (deal_id < s->bulk_min)
		s->bulk_min = deal_id;
	return 1;
}

void sq_bulk_taint(struct sqlite_store *s, int64_t ws)
{
	if (s->bulk && s->bulk_ws == ws)
		s->bulk_tainted = 1;
}

static int fact_rows(void *s, int64_t ws, int64_t deal_id, int fresh)
{
	return sq_fact_rows(s, ws, deal_id, fresh);
}

int sq_fact_flush(struct sqlite_store *s)
{
	return deal_set_flush(&s->dirty, fact_rows, s);
}

/* text_or: column i of st as text, "" for NULL (or out of memory). */
static const char *text_or(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return t ? t : "";
}

int sq_bulk_prepare(struct sqlite_store *s)
{
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t n = 0, i;
	int rc;

	if (!s->bulk || s->bulk_drop != 1)
		return 0;
	s->bulk_drop = 2;
	rc =
	    sqlite3_prepare_v2(s->db,
			       "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'index'"
			       " AND tbl_name IN ('deal', 'deal_fact') AND sql IS NOT NULL"
			       " AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY tbl_name = 'deal_fact'",
			       -1, &st, NULL);
	s->nbulk_deal = 0;
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **nv = sqlite3_realloc64(v, (n + 2) * sizeof(*v));

		if (!nv) {
			rc = SQLITE_NOMEM;
			break;
		}
		v = nv;
		v[n] =
		    sqlite3_mprintf("DROP INDEX \"%w\"", (const char *)sqlite3_column_text(st, 0));
		v[n + 1] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 1));
		n += 2;
		if (!strcmp(text_or(st, 2), "deal"))
			s->nbulk_deal = n;
		if (!v[n - 2] || !v[n - 1])
			rc = SQLITE_NOMEM;
		else
			rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	s->bulk_idx = v;
	s->nbulk_idx = n;
	if (rc != SQLITE_DONE)
		return sq_db_err(s, rc, ERR_INVALID);
	for (i = 0; i < n; i += 2)
		if ((rc = sqlite3_exec(s->db, v[i], NULL, NULL, NULL)) != SQLITE_OK)
			return sq_db_err(s, rc, ERR_INVALID);
	return 0;
}

/*
 * sort_in_runs makes the index builds that follow sort in runs of 16 MiB
 * written to temporary files and merged, rather than as one list in memory:
 * SQLite's sorter merges its in-memory list by following pointers over the
 * whole of it, and for a million keys the cache misses cost more than twice
 * the CPU of the runs (whose files stay in the OS cache). The run size is
 * the page cache's size, and temp_store = MEMORY (a batch's setting, for
 * statement journals) means no runs at all. The smaller cache spills the
 * transaction's dirty pages to the WAL, which the commit writes anyway.
 * Each pragma is a hint: the temp_store change fails, harmlessly, once a
 * temporary table has been used in the connection.
 */
static void sort_in_runs(struct sqlite_store *s)
{
	sqlite3_exec(s->db, "PRAGMA temp_store = FILE", NULL, NULL, NULL);
	sqlite3_exec(s->db, "PRAGMA cache_size = -16384", NULL, NULL, NULL);
}

/*
 * sqlite_bulk_flush builds the dropped indexes of deal again, writes the
 * deferred workspace's report rows (those of the new deals, or all of them
 * again: sq_bulk_defer), then builds deal_fact's index (after its rows are
 * in: one sort, not a descent per row).
 */
int sqlite_bulk_flush(struct store *base)
{
	struct sqlite_store *s = sq(base);
	int64_t ws = s->bulk_ws;
	size_t i;
	int rc = 0;

	if (!s->bulk)
		return 0;
	s->bulk = 0; /* from here on sums and facts are written as usual */
	if (s->nbulk_idx)
		sort_in_runs(s);
	for (i = 1; i < s->nbulk_deal && rc == 0; i += 2)
		if ((rc = sqlite3_exec(s->db, s->bulk_idx[i], NULL, NULL, NULL)) != SQLITE_OK)
			rc = sq_db_err(s, rc, ERR_INVALID);
	if (rc == 0 && ws) {
		int done = 0;

		if (!s->bulk_tainted && s->bulk_first && s->bulk_min >= s->bulk_first)
			rc = sq_bulk_report(s, ws, s->bulk_first, &done);
		if (rc == 0 && !done)
			rc = sqlite_report_rebuild(base, ws);
	}
	for (; i < s->nbulk_idx && rc == 0; i += 2)
		if ((rc = sqlite3_exec(s->db, s->bulk_idx[i], NULL, NULL, NULL)) != SQLITE_OK)
			rc = sq_db_err(s, rc, ERR_INVALID);
	bulk_idx_free(s);
	s->bulk_ws = 0;
	s->bulk_drop = 0;
	return rc;
}
