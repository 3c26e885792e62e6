/*
 * store_sqlite_int.h - what the SQLite backend's files share: the connection
 * struct and the statement, binding and reading helpers of store_sqlite.c.
 *
 * A feature keeps its SQL in its own file (store_sqlite_<feature>.c) and its
 * prepared statements in s->ext[], from the slot range reserved for it below;
 * sq_stmt_ext() prepares a statement once per connection, and closing the
 * connection finalizes every statement. Its tables come from migrations
 * appended to the list in store_sqlite.c.
 */
#ifndef LITECRM_STORE_SQLITE_INT_H
#define LITECRM_STORE_SQLITE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"

/* Statement slots of s->ext[], one range per feature file. */
enum {
	SQ_EXT_NOTE = 0,    /* store_sqlite_note.c */
	SQ_EXT_REPORT = 32, /* store_sqlite_report.c */
	SQ_EXT_VIEW = 96,   /* store_sqlite_view.c */
	SQ_EXT_IO = 120,    /* store_sqlite_io.c */
	SQ_EXT_SEC = 160,   /* store_sqlite_sec.c (security: login throttling) */
	SQ_EXT_AUDIT = 176, /* store_sqlite_audit.c (audit log and deal trash) */
	SQ_EXT_COUNT = 200
};

/*
 * The title, body and scope that note_fts is given for a note row (columns
 * prefixed by p: "new.", "old." or ""; store_sqlite_note.c says why the
 * marks). Used by the note_fts migration's triggers and by the bulk index:
 * a change needs a migration that rebuilds note_fts.
 */
#define NOTE_FTS_ROW(p)                                                                            \
	"char(30) || " p "title, " p "body, char(31) || 'w' || " p "workspace_id"                  \
	" || ' ' || char(31) || 'c' || " p "company_id"                                            \
	" || ' ' || char(31) || 'a' || COALESCE(" p "author_id, 0)"

#define DEAL_SORT_COUNT (DEAL_SORT_STAGE + 1)
/* Deal list statements cached per connection. */
#define DEAL_STMT_CACHE 64

/* The number of statements of store_sqlite.c's own table. */
#define SQ_STMT_COUNT 96

/* Slots of the name look-ups' memo (powers of two): a workspace's owners, its stages. */
#define SQ_MEMO_USERS  64
#define SQ_MEMO_STAGES 16

struct sqlite_store {
	struct store base; /* first: a struct store * is a struct sqlite_store * */
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ_STMT_COUNT];
	sqlite3_stmt *deal_stmt[DEAL_STMT_CACHE]; /* deal lists and counts by filter */
	unsigned deal_stmt_key[DEAL_STMT_CACHE];
	sqlite3_stmt *summary_stmt[2];	 /* [by owner] */
	sqlite3_stmt *ext[SQ_EXT_COUNT]; /* the feature files' statements */
	int cache_kib;			 /* the page cache its owner asked for (0: SQLite's 2 MB) */
	/* sqlite_log_hand_off: checkpoints left to another connection below log_cap pages */
	int log_pages, log_cap;
	void (*log_wake)(void *);
	void *log_arg;
	/*
	 * Bulk mode (sqlite_bulk_hint): the per-deal upkeep of deal_sum and
	 * deal_fact is
	 * deferred for workspace bulk_ws and redone once by sqlite_bulk_flush.
	 */
	int bulk;
	int64_t bulk_ws;
	/*
	 * What the deferred upkeep saw (sq_bulk_defer): the first deal created
	 * in bulk mode, the lowest id it deferred, and whether a write of the
	 * workspace's report rows ran meanwhile (sq_bulk_taint). The flush
	 * computes the rows of the deals from bulk_first on in C when every
	 * deferred deal is one of them and nothing else wrote (sq_bulk_report),
	 * else recomputes the workspace (sqlite_report_rebuild).
	 */
	int64_t bulk_first;
	int64_t bulk_min;
	int bulk_tainted;
	/*
	 * A bulk write large against the deal table drops the secondary indexes
	 * of deal and deal_fact in its transaction (at the first insert,
	 * sq_bulk_prepare) and sqlite_bulk_flush builds them again from their
	 * saved CREATE statements: one sort instead of a descent per row.
	 */
	int bulk_drop;	 /* 1: drop at the first insert; 2: dropped */
	char **bulk_idx; /* DROP and CREATE of each: deal's, then deal_fact's */
	size_t nbulk_idx;
	size_t nbulk_deal; /* the strings of bulk_idx for deal's indexes */
	int temp_mem;	   /* a batch set temp_store = MEMORY */
	int group;	   /* a group is open: transactions are savepoints (group_begin) */
	int group_lost;	   /* SQLite rolled the group's transaction back */
	/*
	 * The deals written in the open transaction (or savepoint) whose
	 * deal_fact rows wait for its commit (sq_fact_upkeep, sq_fact_flush).
	 */
	struct deal_set dirty;
	/*
	 * Users read by name (without their password hash) and stages read by
	 * key: a page of deals' filters, read again by every request. One slot
	 * per hash of the workspace and the name (sq_memo_slot), reused only in
	 * a read transaction that sees the database as it was when the slot was
	 * filled (sq_read_version).
	 */
	struct {
		unsigned version;
		int ok;
		struct user u;
	} memo_user[SQ_MEMO_USERS];
	struct {
		unsigned version;
		int ok;
		struct stage g;
	} memo_stage[SQ_MEMO_STAGES];
};

/* sq returns the SQLite connection behind a struct store. */
struct sqlite_store *sq(struct store *s);

/* sq_stmt_ext returns in *out the statement sql cached in s->ext[slot]. */
int sq_stmt_ext(struct sqlite_store *s, int slot, const char *sql, sqlite3_stmt **out);

/* sq_prepare fills *slot with sql prepared once for this connection. */
int sq_prepare(struct sqlite_store *s, sqlite3_stmt **slot, const char *sql);

/*
 * sq_db_err translates a SQLite result code to enum err; fk_err is what a
 * foreign-key violation means to the caller (ERR_INUSE on deletes,
 * ERR_INVALID on inserts). Unexpected failures are logged.
 */
int sq_db_err(struct sqlite_store *s, int rc, int fk_err);

/* sq_stmt_done resets a used statement and clears its bindings; st may be NULL. */
void sq_stmt_done(sqlite3_stmt *st);

/*
 * Binding: each returns a SQLite code; OR them and treat nonzero as failure
 * (then return sq_bind_failed(s)). Text is bound SQLITE_STATIC: keep the
 * buffer alive until sq_stmt_done().
 */
int sq_bind_i64(sqlite3_stmt *st, int i, int64_t v);
int sq_bind_text(sqlite3_stmt *st, int i, const char *v);
int sq_bind_text_null(sqlite3_stmt *st, int i, const char *v); /* NULL for "" */
int sq_bind_id_null(sqlite3_stmt *st, int i, int64_t v);       /* NULL for 0 */
int sq_bind_failed(struct sqlite_store *s);

/* Reading columns: text is copied into dst ("" for NULL), cut to dstsz - 1. */
void sq_col_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz);
int64_t sq_col_i64(sqlite3_stmt *st, int i);
int sq_col_int(sqlite3_stmt *st, int i);
#define COL_TEXT(st, i, field) sq_col_text((st), (i), (field), sizeof(field))

/* sq_step_done runs a statement returning no rows; sq_step_changed also wants a change. */
int sq_step_done(struct sqlite_store *s, sqlite3_stmt *st, int fk_err);
int sq_step_changed(struct sqlite_store *s, sqlite3_stmt *st, int fk_err);

typedef void row_fn(sqlite3_stmt *st, void *out);

/* sq_fetch_one reads the one row of st with row into out, or ERR_NOTFOUND. */
int sq_fetch_one(struct sqlite_store *s, sqlite3_stmt *st, row_fn *row, void *out);
/* sq_fetch_i64 reads the one integer st returns. */
int sq_fetch_i64(struct sqlite_store *s, sqlite3_stmt *st, int64_t *out);
/*
 * sq_fetch_all_hint is sq_fetch_all with room for hint rows from the start
 * (a page of a known limit: one allocation, no regrowing and copying).
 */
int sq_fetch_all_hint(struct sqlite_store *s, sqlite3_stmt *st, size_t elsize, row_fn *row,
		      void **v, size_t *n, size_t hint);
/* sq_fetch_all reads every row into a new array (*v, *n) the caller frees. */
int sq_fetch_all(struct sqlite_store *s, sqlite3_stmt *st, size_t elsize, row_fn *row, void **v,
		 size_t *n);

/*
 * sq_row_deal reads a deal from the SQLite backend's deal SELECT (its first
 * SQ_DEAL_NCOLS columns, in store_sqlite.c's DEAL_SELECT order).
 */
#define SQ_DEAL_NCOLS 23
void sq_row_deal(sqlite3_stmt *st, void *out);

/* sq_stamp writes store_now() into ts when ts is empty. */
void sq_stamp(char ts[TS_LEN]);

/* ---- saved views (store_sqlite_view.c), for sqlite_ops ---- */
int sqlite_view_create(struct store *base, struct saved_view *v);
int sqlite_view_get(struct store *base, int64_t ws, int64_t id, struct saved_view *out);
int sqlite_view_list(struct store *base, int64_t ws, int64_t user_id, struct saved_view_list *out);
int sqlite_view_update(struct store *base, struct saved_view *v);
int sqlite_view_delete(struct store *base, int64_t ws, int64_t id);

/* ---- reports and history (store_sqlite_report.c), for sqlite_ops ---- */
int sqlite_report_deals(struct store *base, int64_t ws, int64_t owner,
			struct report_deal_list *out);
int sqlite_report_spans(struct store *base, int64_t ws, int64_t owner,
			struct report_span_list *out);
int sqlite_report_changes(struct store *base, int64_t ws, int64_t owner, const char *since,
			  struct report_change_list *out);
int sqlite_deal_change_add(struct store *base, struct deal_change *c);
int sqlite_deal_change_list(struct store *base, int64_t ws, int64_t deal_id,
			    struct deal_change_list *out);
int sqlite_stage_set_stalled(struct store *base, int64_t ws, int64_t id, int days);
int sqlite_history_reset(struct store *base, int64_t ws, int64_t deal_id, const char *created_at);
int sqlite_report_rebuild(struct store *base, int64_t ws);
int sqlite_report_sums(struct store *base, int64_t ws, int64_t owner, struct report_sum_list *out);
/*
 * sq_owner_sums reads the summary per stage and owner of the deals of ws
 * (owner's only when owner > 0) with close_date in [from, to] ("" or NULL:
 * unbounded); from deal_sum when unbounded. sq_owner_sums_step reads such
 * rows (stage, owner, count, amount, expected) from a bound statement.
 */
int sqlite_report_reaches(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
			  int64_t to_day, struct report_reach_list *out);
int sq_owner_sums(struct sqlite_store *s, int64_t ws, int64_t owner, const char *from,
		  const char *to, struct report_sum_list *out);
int sq_owner_sums_step(struct sqlite_store *s, sqlite3_stmt *st, struct report_sum_list *out);
int sqlite_report_owner_sums(struct store *base, int64_t ws, int64_t owner,
			     struct report_sum_list *out);
/* The dialect of store_report_sql.h. */
#define SQ_DAY(x)	  "(CASE WHEN " x " >= 0 THEN " x " / 86400 ELSE (" x " - 86399) / 86400 END)"
#define RS_DAY(x)	  SQ_DAY(x)
#define RS_GREATEST(a, b) "max(" a ", " b ")"
#define RS_EXPECTED(a, p) "lc_expected(" a ", " p ")"
#define RS_FLAG(x)	  "(" x ")"
int sqlite_report_tallies(struct store *base, int kind, int64_t ws, int64_t owner, int64_t a,
			  int64_t b, struct report_tally_list *out);
int sqlite_report_dwell_values(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
			       int64_t to_day, const struct report_dwell_range *r, size_t nr,
			       struct report_tally_list *out);
int sqlite_report_changed_deals(struct store *base, int64_t ws, int64_t owner, const char *since,
				struct report_deal_list *deals, struct report_span_list *spans);
int sqlite_report_closes(struct store *base, int64_t ws, int64_t owner, int64_t from, int64_t to,
			 struct report_close_list *out);
int sqlite_report_close_each(struct store *base, int64_t ws, int64_t owner, int64_t from,
			     int64_t to, int won_only,
			     int (*fn)(void *ctx, const struct report_close *c), void *ctx);
int sqlite_report_stalled_deals(struct store *base, int64_t ws, int64_t owner, int64_t now,
				size_t limit, struct report_sum_list *counts,
				struct report_deal_list *first);
/*
 * The maintained deal facts, deal_fact (store_sqlite_report.c): sq_fact_deal
 * recomputes a deal's row from the deal and its last history row, in the
 * transaction of every deal and history write; sq_fact_delete drops it.
 */
int sq_fact_deal(struct sqlite_store *s, int64_t ws, int64_t deal_id);
/*
 * sq_fact_rows: sq_fact_deal for the upkeep that waited (sq_fact_flush);
 * fresh: a deal created in the open transaction, with no rows to leave.
 */
int sq_fact_rows(struct sqlite_store *s, int64_t ws, int64_t deal_id, int fresh);
int sq_fact_delete(struct sqlite_store *s, int64_t ws, int64_t deal_id);
/*
 * The maintained summary, deal_sum (store_sqlite_report.c): sq_sum_deal adds
 * sign (1 or -1) times deal_id's current row to its (stage, owner) sums, in
 * the caller's transaction: -1 before a deal is changed or deleted, +1 after
 * it is created or changed. sq_sum_stage recomputes a stage's rows (its
 * probability changed). sq_sum_summary reads the summary without filters
 * other than the owner (0: every owner).
 */
int sq_sum_deal(struct sqlite_store *s, int64_t ws, int64_t deal_id, int sign);
int sq_sum_stage(struct sqlite_store *s, int64_t ws, int64_t stage_id);
int sq_sum_summary(struct sqlite_store *s, int64_t ws, int64_t owner, struct stage_sum_list *out);

/* ---- notes and search (store_sqlite_note.c), for sqlite_ops ---- */
/* sq_note_register registers the FTS5 tokenizer "litecrm" on db; a SQLite code. */
int sq_note_register(sqlite3 *db);
int sqlite_note_create(struct store *base, struct note *n);
int sqlite_note_get(struct store *base, int64_t ws, int64_t id, struct note *out);
int sqlite_note_list(struct store *base, int64_t ws, const struct note_filter *f,
		     struct note_list *out);
int sqlite_note_update(struct store *base, struct note *n);
int sqlite_note_delete(struct store *base, int64_t ws, int64_t id);
int sqlite_note_cite(struct store *base, int64_t ws, int64_t deal_id, int64_t note_id, int64_t by);
int sqlite_note_uncite(struct store *base, int64_t ws, int64_t deal_id, int64_t note_id);
int sqlite_deal_note_ids(struct store *base, int64_t ws, int64_t deal_id, struct id_list *out);
int sqlite_note_deal_ids(struct store *base, int64_t ws, int64_t note_id, struct id_list *out);
int sqlite_note_search(struct store *base, int64_t ws, const struct note_search *q,
		       struct note_hits *out);
int sqlite_note_index_defer(struct store *base, int on);
int sqlite_note_get_many(struct store *base, int64_t ws, const int64_t *ids, size_t n,
			 struct note_list *out);

/* ---- import, export and backup (store_sqlite_io.c), for sqlite_ops ---- */
int sqlite_deal_external_find(struct store *base, int64_t ws, const char *ext, int64_t *deal_id);
int sqlite_deal_external_set(struct store *base, int64_t ws, int64_t deal_id, const char *ext);
int sqlite_backup_to(struct store *base, const char *path);
int sqlite_restore_from(struct store *base, const char *path);
int sqlite_bulk_hint(struct store *base, int on);
int sqlite_cache_size(struct store *base, int kib);
int sqlite_log_hand_off(struct store *base, int pages, int cap, void (*wake)(void *), void *arg);
int sqlite_log_checkpoint(struct store *base, int restart, int *left);
int sqlite_bulk_flush(struct store *base);
/* sq_bulk_prepare drops the indexes a bulk write defers, once; 0 otherwise. */
int sq_bulk_prepare(struct sqlite_store *s);
/*
 * sq_bulk_defer: whether bulk mode defers the report upkeep of deal_id of
 * ws (fresh: the deal was just created), noting the deal for the flush.
 */
int sq_bulk_defer(struct sqlite_store *s, int64_t ws, int64_t deal_id, int fresh);
/* sq_bulk_taint notes a write of ws's report rows while bulk mode defers them. */
void sq_bulk_taint(struct sqlite_store *s, int64_t ws);
/*
 * sq_bulk_report adds to ws's report tables the rows of its deals from id
 * first on, none of which has any yet, computed in one pass over them
 * (store_sqlite_report.c). *done is 0 when it wrote nothing and the rows
 * need sqlite_report_rebuild instead.
 */
int sq_bulk_report(struct sqlite_store *s, int64_t ws, int64_t first, int *done);
/*
 * sq_fact_upkeep: sq_fact_deal, at once outside a transaction, else once
 * per deal before the transaction (or the group's savepoint) commits
 * (sq_fact_flush); nothing while bulk mode defers deal_fact.
 */
int sq_fact_upkeep(struct sqlite_store *s, int64_t ws, int64_t deal_id, int fresh);
/* sq_fact_flush runs the upkeep that waits for the commit; the wait ends either way. */
int sq_fact_flush(struct sqlite_store *s);

/* ---- security (store_sqlite_sec.c), for sqlite_ops ---- */
int sqlite_login_failure_add(struct store *base, const char *account, const char *addr,
			     const char *at, const char *prune);
int sqlite_login_failure_count(struct store *base, const char *account, const char *addr,
			       const char *since, struct login_failures *out);
int sqlite_login_failure_clear(struct store *base, const char *account, const char *addr);
int sqlite_login_known_add(struct store *base, const char *account, const char *addr,
			   const char *at);
int sqlite_login_known_get(struct store *base, const char *account, const char *addr,
			   const char *since, int *found);

/* ---- audit log and deal trash (store_sqlite_audit.c), for sqlite_ops ---- */
int sqlite_audit_add(struct store *base, struct audit_entry *a);
int sqlite_audit_list(struct store *base, int64_t ws, const struct audit_filter *f,
		      struct audit_list *out);
int sqlite_deal_trash(struct store *base, int64_t ws, int64_t id, int64_t by, const char *at);
int sqlite_deal_untrash(struct store *base, int64_t ws, int64_t id);
int sqlite_trash_list(struct store *base, int64_t ws, int64_t owner, struct trash_list *out);
int sqlite_trash_get(struct store *base, int64_t ws, int64_t id, struct trash_entry *out);
int sqlite_trash_purge(struct store *base, int64_t ws, int64_t id);
int sqlite_trash_expired(struct store *base, int64_t ws, const char *before, struct id_list *out);

#endif
