/*
 * store_pg_int.h - what the PostgreSQL backend's files share: the connection
 * struct, the parameter list and the statement and reading helpers of
 * store_pg.c.
 *
 * A feature keeps its SQL in its own file (store_pg_<feature>.c) and names its
 * statements by a slot of the range reserved for it below; pg_exec_ext()
 * prepares a statement once per connection (PQprepare) and runs it with text
 * parameters (PQexecPrepared). Every parameter is sent as text: write each
 * one in the SQL with its cast ($1::bigint, $2::text), since PostgreSQL
 * infers nothing from a parameter declared as text. Its tables come from
 * migrations appended to the list in store_pg.c.
 *
 * Only the store_pg*.c files include this header (and so <libpq-fe.h>).
 */
#ifndef LITECRM_STORE_PG_INT_H
#define LITECRM_STORE_PG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store.h"
#include "store_int.h"

/* Statement slots of the feature files, one range per file. */
enum {
	PG_EXT_NOTE = 0,    /* store_pg_note.c */
	PG_EXT_REPORT = 32, /* store_pg_report.c */
	PG_EXT_VIEW = 96,   /* store_pg_view.c */
	PG_EXT_IO = 120,    /* store_pg_io.c */
	PG_EXT_SEC = 160,   /* store_pg_sec.c (security: login throttling) */
	PG_EXT_AUDIT = 176, /* store_pg_audit.c (audit log and deal trash) */
	PG_EXT_COUNT = 200
};

/* The number of statements of store_pg.c's own table. */
#define PG_STMT_COUNT 160

struct pg_store {
	struct store base; /* first: a struct store * is a struct pg_store * */
	PGconn *conn;
	unsigned char prepared[PG_STMT_COUNT];
	unsigned char ext_prepared[PG_EXT_COUNT];
	struct pg_copy *copy; /* the COPY in progress (store_pg_io.c), or NULL */
	/* the deals written in the open transaction whose deal_fact rows wait for its commit */
	struct deal_set dirty;
};

/* The most parameters a statement takes. */
#define PG_MAX_PARAMS 24

/*
 * struct pgp is the parameter list of one statement: values point either at
 * the caller's strings (which must outlive the call) or at num[], where the
 * integer helpers format their value.
 */
struct pgp {
	const char *v[PG_MAX_PARAMS];
	char num[PG_MAX_PARAMS][24];
	int n;
};

void pgp_i64(struct pgp *p, int64_t v);
void pgp_text(struct pgp *p, const char *s);	  /* "" stays "" */
void pgp_text_null(struct pgp *p, const char *s); /* NULL for "" */
void pgp_id_null(struct pgp *p, int64_t v);	  /* NULL for 0 */
void pgp_null(struct pgp *p);

/* pg returns the PostgreSQL connection behind a struct store. */
struct pg_store *pg(struct store *s);

/*
 * pg_exec_ext runs statement sql, cached as slot of the feature range, with
 * params p. On success *out (when out is not NULL) holds the result, which
 * the caller frees with PQclear; otherwise it is cleared here. fk_err is
 * what a foreign-key violation means (ERR_INUSE on deletes, ERR_INVALID on
 * writes). Returns 0 or an enum err.
 */
int pg_exec_ext(struct pg_store *s, int slot, const char *sql, const struct pgp *p, PGresult **out,
		int fk_err);

/* Reading a result: text is copied into dst ("" for NULL), cut to dstsz - 1. */
void pg_col_text(const PGresult *r, int row, int col, char *dst, size_t dstsz);
int64_t pg_col_i64(const PGresult *r, int row, int col); /* 0 for NULL */
int pg_col_null(const PGresult *r, int row, int col);
#define PG_TEXT(r, row, col, field) pg_col_text((r), (row), (col), (field), sizeof(field))

typedef void pg_row_fn(const PGresult *r, int row, void *out);

/* pg_rows_new copies every row of r into a new array (*v, *n) the caller frees. */
int pg_rows_new(const PGresult *r, size_t elsize, pg_row_fn *row, void **v, size_t *n);

/*
 * pg_row_deal reads row i of a result of store_pg.c's deal SELECT (its
 * first PG_DEAL_NCOLS columns).
 */
#define PG_DEAL_NCOLS 23
void pg_row_deal(const PGresult *r, int i, void *out);

/* pg_changed: the number of rows an INSERT, UPDATE or DELETE touched. */
int64_t pg_changed(const PGresult *r);

/* The feature files' ops (store_pg_view.c, store_pg_report.c), for store_pg.c's table. */
int pg_view_create(struct store *base, struct saved_view *v);
int pg_view_get(struct store *base, int64_t ws, int64_t id, struct saved_view *out);
int pg_view_list(struct store *base, int64_t ws, int64_t user_id, struct saved_view_list *out);
int pg_view_update(struct store *base, struct saved_view *v);
int pg_view_delete(struct store *base, int64_t ws, int64_t id);
int pg_report_deals(struct store *base, int64_t ws, int64_t owner, struct report_deal_list *out);
int pg_report_spans(struct store *base, int64_t ws, int64_t owner, struct report_span_list *out);
int pg_report_changes(struct store *base, int64_t ws, int64_t owner, const char *since,
		      struct report_change_list *out);
int pg_deal_change_add(struct store *base, struct deal_change *c);
int pg_deal_change_list(struct store *base, int64_t ws, int64_t deal_id,
			struct deal_change_list *out);
int pg_stage_set_stalled(struct store *base, int64_t ws, int64_t id, int days);
int pg_history_reset(struct store *base, int64_t ws, int64_t deal_id, const char *created_at);
int pg_report_rebuild(struct store *base, int64_t ws);
/* The dialect of store_report_sql.h. */
#define RS_DAY(x)	  "floor((" x ") / 86400.0)::bigint"
#define RS_GREATEST(a, b) "greatest(" a ", " b ")"
#define RS_EXPECTED(a, p) "(((" a ") * (" p ") + 50) / 100)"
#define RS_FLAG(x)	  "(" x ")::int"
int pg_report_tallies(struct store *base, int kind, int64_t ws, int64_t owner, int64_t a, int64_t b,
		      struct report_tally_list *out);
int pg_report_dwell_values(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
			   int64_t to_day, const struct report_dwell_range *r, size_t nr,
			   struct report_tally_list *out);
int pg_report_changed_deals(struct store *base, int64_t ws, int64_t owner, const char *since,
			    struct report_deal_list *deals, struct report_span_list *spans);
int pg_report_closes(struct store *base, int64_t ws, int64_t owner, int64_t from, int64_t to,
		     struct report_close_list *out);
int pg_report_close_each(struct store *base, int64_t ws, int64_t owner, int64_t from, int64_t to,
			 int won_only, int (*fn)(void *ctx, const struct report_close *c),
			 void *ctx);
int pg_report_stalled_deals(struct store *base, int64_t ws, int64_t owner, int64_t now,
			    size_t limit, struct report_sum_list *counts,
			    struct report_deal_list *first);
/*
 * pg_owner_sums reads the summary per stage and owner of the deals of ws
 * (owner's only when owner > 0) with close_date in [from, to] ("" or NULL:
 * unbounded; then from deal_sum); pg_owner_sums_rows reads such rows (stage, owner, count,
 * amount, expected) from r and clears it.
 */
int pg_report_reaches(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
		      int64_t to_day, struct report_reach_list *out);
int pg_owner_sums(struct pg_store *s, int64_t ws, int64_t owner, const char *from, const char *to,
		  struct report_sum_list *out);
int pg_owner_sums_rows(PGresult *r, struct report_sum_list *out);
int pg_report_owner_sums(struct store *base, int64_t ws, int64_t owner,
			 struct report_sum_list *out);
/*
 * The maintained deal facts, deal_fact (store_pg_report.c): pg_fact_deal
 * recomputes a deal's row from the deal and its last history row, in the
 * transaction of every deal and history write; pg_fact_delete drops it.
 */
int pg_fact_deal(struct pg_store *s, int64_t ws, int64_t deal_id);
/*
 * pg_fact_rows: pg_fact_deal for the upkeep that waited (pg_fact_flush);
 * fresh: a deal created in the open transaction, with no rows to leave.
 */
int pg_fact_rows(struct pg_store *s, int64_t ws, int64_t deal_id, int fresh);
int pg_fact_delete(struct pg_store *s, int64_t ws, int64_t deal_id);
/*
 * pg_fact_upkeep: pg_fact_deal, at once outside a transaction, else once
 * per deal before the transaction commits (pg_fact_flush, whose wait ends
 * either way).
 */
int pg_fact_upkeep(struct pg_store *s, int64_t ws, int64_t deal_id, int fresh);
int pg_fact_flush(struct pg_store *s);
/* pg_open_stage recomputes deal_open's rows of a stage whose probability changed. */
int pg_open_stage(struct pg_store *s, int64_t ws, int64_t stage_id);
/*
 * The maintained summary, deal_sum (store_pg_report.c): pg_sum_deal adds
 * sign (1 or -1) times deal_id, as it is now, to its (stage, owner, month of
 * close date) row, in the transaction of every deal write; pg_sum_stage
 * recomputes a stage's rows (its probability may have changed);
 * pg_sum_summary reads them per stage (owner's only when owner > 0): the
 * rows of row_stage_sum, in *out.
 */
int pg_sum_deal(struct pg_store *s, int64_t ws, int64_t deal_id, int sign);
int pg_sum_stage(struct pg_store *s, int64_t ws, int64_t stage_id);
int pg_sum_summary(struct pg_store *s, int64_t ws, int64_t owner, PGresult **out);
int pg_report_sums(struct store *base, int64_t ws, int64_t owner, struct report_sum_list *out);
int pg_note_create(struct store *s, struct note *n);
/* pg_note_units returns the unit string the search matches for text (free it), or NULL when out of
 * memory. */
char *pg_note_units(const char *text);
int pg_note_get(struct store *s, int64_t ws, int64_t id, struct note *out);
int pg_note_list(struct store *s, int64_t ws, const struct note_filter *f, struct note_list *out);
int pg_note_update(struct store *s, struct note *n);
int pg_note_delete(struct store *s, int64_t ws, int64_t id);
int pg_note_cite(struct store *s, int64_t ws, int64_t deal_id, int64_t note_id, int64_t by);
int pg_note_uncite(struct store *s, int64_t ws, int64_t deal_id, int64_t note_id);
int pg_deal_note_ids(struct store *s, int64_t ws, int64_t deal_id, struct id_list *out);
int pg_note_deal_ids(struct store *s, int64_t ws, int64_t note_id, struct id_list *out);
int pg_note_search(struct store *s, int64_t ws, const struct note_search *q, struct note_hits *out);

/* security (store_pg_sec.c), for store_pg.c's table */
int pg_login_failure_add(struct store *base, const char *account, const char *addr, const char *at,
			 const char *prune);
int pg_login_failure_count(struct store *base, const char *account, const char *addr,
			   const char *since, struct login_failures *out);
int pg_login_failure_clear(struct store *base, const char *account, const char *addr);
int pg_login_known_add(struct store *base, const char *account, const char *addr, const char *at);
int pg_login_known_get(struct store *base, const char *account, const char *addr, const char *since,
		       int *found);

/* import, export and backup (store_pg_io.c) */
int pg_deal_external_find(struct store *base, int64_t ws, const char *ext, int64_t *deal_id);
int pg_deal_external_set(struct store *base, int64_t ws, int64_t deal_id, const char *ext);
int pg_copy_reserve(struct store *base, int kind, int64_t n, int64_t *base_id);
int pg_copy_begin(struct store *base, int kind);
int pg_copy_put(struct store *base, const void *row);
int pg_copy_end(struct store *base);
int pg_copy_count(struct store *base, int kind, int64_t ws, int64_t *n);

/* audit log and deal trash (store_pg_audit.c) */
int pg_audit_add(struct store *base, struct audit_entry *a);
int pg_audit_list(struct store *base, int64_t ws, const struct audit_filter *f,
		  struct audit_list *out);
int pg_deal_trash(struct store *base, int64_t ws, int64_t id, int64_t by, const char *at);
int pg_deal_untrash(struct store *base, int64_t ws, int64_t id);
int pg_trash_list(struct store *base, int64_t ws, int64_t owner, struct trash_list *out);
int pg_trash_get(struct store *base, int64_t ws, int64_t id, struct trash_entry *out);
int pg_trash_purge(struct store *base, int64_t ws, int64_t id);
int pg_trash_expired(struct store *base, int64_t ws, const char *before, struct id_list *out);

#endif
