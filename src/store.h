/*
 * store.h - the persistence interface: every read and write of litecrm's data.
 *
 * The store knows SQL; nothing above it does. A backend (store_sqlite.c now,
 * PostgreSQL later) fills a struct store_ops; callers call through s->ops and
 * never see the backend. A struct store is one database
 * connection: use it from one thread at a time (the HTTP server keeps one per
 * thread).
 *
 * Rules every backend keeps:
 *  - every statement is prepared; no SQL is built from input;
 *  - every query is bounded by workspace_id: no call reads or writes a row of
 *    another workspace, whatever ids it is given;
 *  - errors come back as enum err: ERR_NOTFOUND for a missing row, ERR_CONFLICT
 *    for a unique-key violation, ERR_STALE when an update's expected version no
 *    longer matches, ERR_RETRY for busy/serialization, ERR_DB for the rest;
 *  - writes happen inside store_begin(s, 1) ... store_commit(s); the caller
 *    (svc.c) owns the transaction and calls store_rollback on any failure.
 *
 * Out-parameters are written only on success. Lists are returned in arrays the
 * caller frees with the matching *_list_release().
 */
#ifndef LITECRM_STORE_H
#define LITECRM_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct store;

/* Sort orders of deal lists. */
enum deal_sort {
	DEAL_SORT_ID = 0,
	DEAL_SORT_UPDATED,
	DEAL_SORT_CLOSE_DATE,
	DEAL_SORT_AMOUNT,
	DEAL_SORT_NAME,
	DEAL_SORT_COMPANY,
	DEAL_SORT_STAGE
};

/*
 * A deal filter; a zero field means "no condition" except where noted. The
 * store applies every condition with AND.
 */
struct deal_filter {
	int64_t owner_id;	   /* deals owned by this user */
	int64_t visible_to;	   /* visibility: only deals owned by this user (set by svc) */
	int64_t stage_id;	   /* deals in this stage */
	int status;		   /* -1 any, else enum stage_kind + 0 */
	int64_t company_id;	   /* deals of this company */
	char close_from[DATE_LEN]; /* close_date >= this, when non-empty */
	char close_to[DATE_LEN];   /* close_date <= this, when non-empty */
	int64_t amount_min;	   /* -1: no lower bound */
	int64_t amount_max;	   /* -1: no upper bound */
	char q[CAP_QUERY + 1];	   /* substring of the deal or company name, when non-empty */
	enum deal_sort sort;
	int desc;
	int limit; /* rows to return; svc caps it */
	int offset;
};

/* deal_filter_init sets f to "everything, newest id first, 50 rows". */
void deal_filter_init(struct deal_filter *f);

struct company_filter {
	char q[CAP_QUERY + 1]; /* substring of the name, when non-empty */
	int64_t visible_to;    /* only companies with a deal owned by this user (svc) */
	int limit;
	int offset;
};

struct deal_list {
	struct deal *v;
	size_t n;
	int64_t total; /* rows matching the filter without limit/offset, or -1 if not counted */
};
struct stage_list {
	struct stage *v;
	size_t n;
};
struct user_list {
	struct user *v;
	size_t n;
};
struct company_list {
	struct company *v;
	size_t n;
};
struct contact_list {
	struct contact *v;
	size_t n;
};
struct workspace_list {
	struct workspace *v;
	size_t n;
};
struct history_list {
	struct stage_change *v;
	size_t n;
};
struct stage_sum_list {
	struct stage_sum *v;
	size_t n;
};

void deal_list_release(struct deal_list *l);
/*
 * A deal as a board card shows it (GET /board): the fields of the card, what
 * a move needs (stage, probability, version) and the deal's entry into its
 * stage (deal_fact.entered, seconds since the epoch; 0 when unknown).
 */
struct board_card {
	int64_t id;
	int64_t stage_id;
	int64_t owner_id;
	int64_t amount;
	int64_t version;
	int64_t entered;
	int probability;       /* the deal's own, or -1 */
	int stage_probability; /* its stage's */
	enum stage_kind stage_kind;
	char currency[4];
	char name[CAP_NAME + 1];
	char company_name[CAP_NAME + 1];
	char owner_username[CAP_USERNAME + 1];
	char owner_name[CAP_NAME + 1];
	char close_date[DATE_LEN];
};
struct board_card_list {
	struct board_card *v;
	size_t n;
};
void board_card_list_release(struct board_card_list *l);
void stage_list_release(struct stage_list *l);
void user_list_release(struct user_list *l);
void company_list_release(struct company_list *l);
void contact_list_release(struct contact_list *l);
void workspace_list_release(struct workspace_list *l);
void history_list_release(struct history_list *l);
void stage_sum_list_release(struct stage_sum_list *l);

/* A login session or a personal API token; only the token's hash is stored. */
enum token_kind { TOKEN_SESSION = 0, TOKEN_API = 1 };
struct token {
	int64_t id;
	int64_t workspace_id;
	int64_t user_id;
	enum token_kind kind;
	char name[CAP_NAME + 1]; /* API tokens: the label the user gave */
	unsigned char hash[32];	 /* BLAKE2b-256 of the secret */
	char created_at[TS_LEN];
	char last_used_at[TS_LEN];
	char expires_at[TS_LEN]; /* empty: never */
};
struct token_list {
	struct token *v;
	size_t n;
};
void token_list_release(struct token_list *l);

/* ---- saved views ---- */

/* The longest filter a saved view keeps (a JSON object of deal-list parameters). */
#define CAP_VIEW_FILTER 2000

/* A saved view: a named deal-list filter, private to its owner or shared with the workspace. */
struct saved_view {
	int64_t id;
	int64_t workspace_id;
	int64_t owner_id;
	char name[CAP_NAME + 1];
	int shared;
	char filter[CAP_VIEW_FILTER + 1];
	int64_t version;
	char created_at[TS_LEN];
	char updated_at[TS_LEN];
	char owner_username[CAP_USERNAME + 1]; /* joined, read-only */
};
struct saved_view_list {
	struct saved_view *v;
	size_t n;
};
void saved_view_list_release(struct saved_view_list *l);

/* ---- reports and history (store_sqlite_report.c) ---- */

/*
 * A change of one deal field other than the stage (those are in
 * stage_history): field is "amount" (minor units), "probability" (the
 * override; "" when none), "owner" (a user id) or "close_date" ("" when
 * unset). Values are text; "" stands for NULL.
 */
#define CAP_CHANGE_VALUE 31
struct deal_change {
	int64_t id;
	int64_t workspace_id;
	int64_t deal_id;
	char field[16];
	char old_value[CAP_CHANGE_VALUE + 1];
	char new_value[CAP_CHANGE_VALUE + 1];
	int64_t changed_by;
	char changed_at[TS_LEN];
	char by_username[CAP_USERNAME + 1]; /* joined, read-only */
};
struct deal_change_list {
	struct deal_change *v;
	size_t n;
};
void deal_change_list_release(struct deal_change_list *l);

/* The report inputs (report.h): deals, their stage history as spans, old values. */
struct report_deal;
struct report_span;
struct report_change;
struct report_deal_list {
	struct report_deal *v;
	size_t n;
};
/* History rows by deal, then time: deal_id[i] entered spans[i].stage_id at spans[i].from. */
struct report_span_list {
	int64_t *deal_id;
	struct report_span *v;
	size_t n;
};
struct report_change_list {
	struct report_change *v;
	size_t n;
};
struct report_close;
struct report_close_list {
	struct report_close *v;
	size_t n;
};
void report_close_list_release(struct report_close_list *l);
struct report_reach;
struct report_reach_list {
	struct report_reach *v;
	size_t n;
};
void report_reach_list_release(struct report_reach_list *l);
struct report_sum;
struct report_sum_list {
	struct report_sum *v;
	size_t n;
};
void report_sum_list_release(struct report_sum_list *l);
struct report_tally;
struct report_dwell_range;
struct report_tally_list {
	struct report_tally *v;
	size_t n;
};
void report_tally_list_release(struct report_tally_list *l);
void report_deal_list_release(struct report_deal_list *l);
void report_span_list_release(struct report_span_list *l);
void report_change_list_release(struct report_change_list *l);

/* ---- notes and search (store_sqlite_note.c) ---- */

struct note_filter {
	int64_t company_id; /* notes of this company; 0: any */
	int64_t author_id;  /* notes by this user; 0: any */
	int64_t visible_to; /* visibility (set by svc): only notes on companies this member sees */
	int limit;
	int offset;
};
struct note_list {
	struct note *v;
	size_t n;
};
void note_list_release(struct note_list *l);
struct id_list {
	int64_t *v;
	size_t n;
};
void id_list_release(struct id_list *l);

struct search_query; /* search.h */
/*
 * A note search: the parsed query (author: and company: atoms carry the ids
 * they resolved to), the visibility bound, and the page wanted. The backend
 * must find exactly the notes search_doc_match() accepts.
 */
struct note_search {
	const struct search_query *q;
	int64_t visible_to; /* as in struct note_filter */
	int limit;
	int offset;
	/*
	 * count_max > 0: a backend may count the matches exactly up to count_max
	 * only, and beyond it estimate the total (setting total_estimated);
	 * 0 asks for the exact total.
	 */
	int64_t count_max;
};
/* The page of matching note ids, best first, and how many match in all. */
struct note_hits {
	int64_t *id;
	size_t n;
	int64_t total;
	int total_estimated; /* total is an estimate above note_search.count_max */
};
void note_hits_release(struct note_hits *h);

/* ---- security: login throttling (store_sqlite_sec.c, store_pg_sec.c) ---- */

/*
 * Failed logins are kept for an hour per account key ("<workspace slug>/<username>",
 * as typed, so unknown users throttle exactly like real ones) and client address;
 * known addresses are those an account last logged in from successfully.
 */
#define CAP_LOGIN_ACCOUNT 160
#define CAP_LOGIN_ADDR	  64
struct login_failures {
	int64_t count;	       /* failures since the moment asked for */
	char first_at[TS_LEN]; /* the oldest and newest of them ("" when none) */
	char last_at[TS_LEN];
};

/* ---- audit log and deal trash (store_sqlite_audit.c, store_pg_audit.c) ---- */

#define CAP_AUDIT_ACTION 32
#define CAP_AUDIT_TARGET 16
#define CAP_AUDIT_DETAIL 1000

/*
 * One audit row: who (actor_id, 0 for anonymous and the operator) did what
 * (action, a code such as "deal.delete"), to what (target_type and
 * target_id, "" and 0 when none), when and from where (addr: the client
 * address, "cli" for the command line), with a small JSON object of detail.
 */
struct audit_entry {
	int64_t id;
	int64_t workspace_id;
	char at[TS_LEN];
	int64_t actor_id;
	char action[CAP_AUDIT_ACTION + 1];
	char target_type[CAP_AUDIT_TARGET + 1];
	int64_t target_id;
	char addr[CAP_LOGIN_ADDR + 1];
	char detail[CAP_AUDIT_DETAIL + 1];
	char actor_username[CAP_USERNAME + 1]; /* joined, read-only */
};
struct audit_list {
	struct audit_entry *v;
	size_t n;
};
void audit_list_release(struct audit_list *l);

/* An audit query; a zero or empty field means "no condition". Newest first. */
struct audit_filter {
	char action[CAP_AUDIT_ACTION + 1]; /* this action, or every "x.*" when it ends in '.' */
	int64_t actor_id;		   /* -1: anonymous rows only */
	char target_type[CAP_AUDIT_TARGET + 1];
	int64_t target_id;
	char since[TS_LEN]; /* at >= since */
	char until[TS_LEN]; /* at < until */
	int64_t before_id;  /* keyset paging: only ids below this one */
	int limit;
};

/* A deal in the trash, as it was when deleted, with who deleted it and when. */
struct trash_entry {
	struct deal deal;
	char deleted_at[TS_LEN];
	int64_t deleted_by;
	char deleted_by_username[CAP_USERNAME + 1]; /* joined, read-only */
};
struct trash_list {
	struct trash_entry *v;
	size_t n;
};
void trash_list_release(struct trash_list *l);

/* What the bulk-loading ops load (store_ops.copy_*), and each kind's row type. */
enum store_copy {
	STORE_COPY_COMPANY,   /* struct company */
	STORE_COPY_CONTACT,   /* struct contact */
	STORE_COPY_NOTE,      /* struct note (its tags are STORE_COPY_NOTE_TAGS) */
	STORE_COPY_NOTE_TAGS, /* struct note: its tags */
	STORE_COPY_DEAL,      /* struct deal */
	STORE_COPY_HISTORY,   /* struct stage_change */
	STORE_COPY_CHANGE,    /* struct deal_change */
	STORE_COPY_CITATION,  /* struct store_citation */
	STORE_COPY_AUDIT,     /* struct audit_entry */
	STORE_COPY_KINDS
};

/* A note cited on a deal. */
struct store_citation {
	int64_t workspace_id;
	int64_t deal_id;
	int64_t note_id;
	int64_t cited_by; /* 0: nobody recorded */
	char cited_at[TS_LEN];
};

/*
 * The backend's function table. Every function returns 0 or a negative enum
 * err. "ws" is always the workspace id bounding the call. Functions that
 * create a row write its new id and version into the struct passed in;
 * updates take the struct with its expected version in ->version, and on
 * success write the new version back.
 */
/*
 * begin's write: what the transaction does, so that the backend can choose
 * how to isolate it (SQLite runs every write alone; PostgreSQL picks an
 * isolation level, see store_pg.c).
 *  - STORE_TX_WRITE reads several rows and writes from what it read: stage
 *    positions, counts, a check done by a read. The default for a write.
 *  - STORE_TX_BATCH: one transaction of many writes (imports). The backend
 *    may trade memory for speed while it lasts.
 *  - STORE_TX_ROWS writes only rows each guarded by itself: an update or a
 *    delete of a row by key that checks the row's version in the statement
 *    (UPDATE ... WHERE version = v), inserts (a duplicate fails on a unique
 *    key), and additions to shared rows made by the statement that writes
 *    them (INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n). What it
 *    reads besides may have changed by the time it writes, except the
 *    pipeline's stages: no STORE_TX_PIPELINE transaction runs meanwhile.
 *  - STORE_TX_PIPELINE changes the stages or recomputes what is kept for
 *    the reports from the deals: it runs alone among the STORE_TX_ROWS ones,
 *    and sees every one that committed before it began.
 * An op that is not both a version-guarded row write and exact as its
 * statements run one by one takes STORE_TX_WRITE.
 */
#define STORE_TX_READ	  0
#define STORE_TX_WRITE	  1
#define STORE_TX_BATCH	  2
#define STORE_TX_ROWS	  3
#define STORE_TX_PIPELINE 4

struct store_ops {
	const char *name;
	void (*close)(struct store *s);

	/* write: STORE_TX_READ, STORE_TX_WRITE, _BATCH (svc_batch_begin), _ROWS or _PIPELINE. */
	int (*begin)(struct store *s, int write);
	int (*commit)(struct store *s);
	int (*rollback)(struct store *s);
	/*
	 * group_begin opens one write transaction for the transactions that
	 * follow until group_end: each begin, commit and rollback in between
	 * acts on a savepoint of it, so each keeps its own outcome and sees the
	 * ones before it, and all are written by one commit. group_end commits
	 * the group (commit = 1) or rolls it back; it returns an error when the
	 * group could not be committed whole (nothing of it is then written).
	 * Optional (NULL): for a backend whose writers do not wait for each other.
	 */
	int (*group_begin)(struct store *s);
	int (*group_end)(struct store *s, int commit);

	int (*workspace_create)(struct store *s, struct workspace *w);
	int (*workspace_get)(struct store *s, int64_t id, struct workspace *out);
	int (*workspace_get_by_slug)(struct store *s, const char *slug, struct workspace *out);
	int (*workspace_update)(struct store *s, struct workspace *w);
	int (*workspace_list)(struct store *s, struct workspace_list *out);

	/* user_create stores pw_hash (an argon2id string) alongside u. */
	int (*user_create)(struct store *s, struct user *u, const char *pw_hash);
	int (*user_get)(struct store *s, int64_t ws, int64_t id, struct user *out);
	/* user_get_by_name also copies the password hash into hash (size hashsz). */
	int (*user_get_by_name)(struct store *s, int64_t ws, const char *username, struct user *out,
				char *hash, size_t hashsz);
	int (*user_list)(struct store *s, int64_t ws, struct user_list *out);
	int (*user_update)(struct store *s, struct user *u);
	int (*user_set_password)(struct store *s, int64_t ws, int64_t id, const char *pw_hash);
	int (*user_count)(struct store *s, int64_t ws, int64_t *out);

	int (*token_create)(struct store *s, struct token *t);
	/*
	 * token_lookup finds an unexpired token by hash, in any workspace, and
	 * its user, in one statement (each request's authentication).
	 */
	int (*token_lookup)(struct store *s, const unsigned char hash[32], const char *now,
			    struct token *out, struct user *user);
	int (*token_touch)(struct store *s, int64_t ws, int64_t id, const char *now);
	int (*token_delete)(struct store *s, int64_t ws, int64_t id);
	/* token_delete_user removes a user's tokens of one kind (-1: all kinds). */
	int (*token_delete_user)(struct store *s, int64_t ws, int64_t user_id, int kind);
	int (*token_list)(struct store *s, int64_t ws, int64_t user_id, struct token_list *out);

	int (*stage_list)(struct store *s, int64_t ws, struct stage_list *out);
	int (*stage_get)(struct store *s, int64_t ws, int64_t id, struct stage *out);
	int (*stage_get_by_key)(struct store *s, int64_t ws, const char *key, struct stage *out);
	/* stage_create appends at st->position (others shift down when needed). */
	int (*stage_create)(struct store *s, struct stage *st);
	int (*stage_update)(struct store *s, struct stage *st);
	int (*stage_delete)(struct store *s, int64_t ws, int64_t id);
	/* stage_set_positions renumbers: ids[i] gets position i+1; n must cover all stages. */
	int (*stage_set_positions)(struct store *s, int64_t ws, const int64_t *ids, size_t n);
	int (*stage_deal_count)(struct store *s, int64_t ws, int64_t id, int64_t *out);

	int (*company_create)(struct store *s, struct company *c);
	int (*company_get)(struct store *s, int64_t ws, int64_t id, struct company *out);
	/* company_get_by_name matches after trimming, case-sensitively. */
	int (*company_get_by_name)(struct store *s, int64_t ws, const char *name,
				   struct company *out);
	int (*company_list)(struct store *s, int64_t ws, const struct company_filter *f,
			    struct company_list *out);
	int (*company_update)(struct store *s, struct company *c);
	int (*company_delete)(struct store *s, int64_t ws, int64_t id);
	int (*company_deal_count)(struct store *s, int64_t ws, int64_t id, int64_t *out);

	int (*contact_create)(struct store *s, struct contact *c);
	int (*contact_get)(struct store *s, int64_t ws, int64_t id, struct contact *out);
	int (*contact_list)(struct store *s, int64_t ws, int64_t company_id,
			    struct contact_list *out);
	int (*contact_update)(struct store *s, struct contact *c);
	int (*contact_delete)(struct store *s, int64_t ws, int64_t id);

	int (*deal_create)(struct store *s, struct deal *d);
	/*
	 * deal_create_ext is deal_create that also records ext (NULL or "":
	 * none) as the deal's external id (deal_external_find); ERR_CONFLICT
	 * when another deal of the workspace has it.
	 */
	int (*deal_create_ext)(struct store *s, struct deal *d, const char *ext);
	int (*deal_get)(struct store *s, int64_t ws, int64_t id, struct deal *out);
	int (*deal_list)(struct store *s, int64_t ws, const struct deal_filter *f, int count_total,
			 struct deal_list *out);
	int (*deal_update)(struct store *s, struct deal *d);
	int (*deal_delete)(struct store *s, int64_t ws, int64_t id);

	int (*history_add)(struct store *s, struct stage_change *h);
	int (*history_list)(struct store *s, int64_t ws, int64_t deal_id, struct history_list *out);

	/*
	 * summary gives one struct stage_sum per stage holding matching deals
	 * (only owner_id, visible_to, close_from and close_to of f apply);
	 * expected is the sum of money_expected() per deal.
	 */
	int (*summary)(struct store *s, int64_t ws, const struct deal_filter *f,
		       struct stage_sum_list *out);
	/*
	 * board_cards gives the deals of one board column: those matching f (whose
	 * stage_id names the column) with an id below before_id (0: from the
	 * newest), newest first, at most limit. The index deal_board hands them
	 * over in that order without a sort.
	 */
	int (*board_cards)(struct store *s, int64_t ws, const struct deal_filter *f,
			   int64_t before_id, int limit, struct board_card_list *out);

	/* saved views (store_sqlite_view.c) */
	int (*view_create)(struct store *s, struct saved_view *v);
	int (*view_get)(struct store *s, int64_t ws, int64_t id, struct saved_view *out);
	/* view_list gives the views user_id owns and every shared view, by name. */
	int (*view_list)(struct store *s, int64_t ws, int64_t user_id, struct saved_view_list *out);
	int (*view_update)(struct store *s, struct saved_view *v);
	int (*view_delete)(struct store *s, int64_t ws, int64_t id);

	/* ---- reports and history (store_sqlite_report.c) ---- */
	/*
	 * report_deals reads every deal of ws (only owner's when owner > 0) as
	 * report facts, by id; times are seconds since the epoch.
	 */
	int (*report_deals)(struct store *s, int64_t ws, int64_t owner,
			    struct report_deal_list *out);
	/* report_spans reads the stage history of those deals, by deal, time and id. */
	int (*report_spans)(struct store *s, int64_t ws, int64_t owner,
			    struct report_span_list *out);
	/*
	 * report_changes reads the amount and probability changes made at or
	 * after since (RFC 3339), by deal and time, as values held before them.
	 */
	int (*report_changes)(struct store *s, int64_t ws, int64_t owner, const char *since,
			      struct report_change_list *out);
	/* deal_change_add records c (its changed_at stamped when empty); writes c->id. */
	int (*deal_change_add)(struct store *s, struct deal_change *c);
	/* deal_change_list gives a deal's field changes, oldest first. */
	int (*deal_change_list)(struct store *s, int64_t ws, int64_t deal_id,
				struct deal_change_list *out);
	/*
	 * report_rebuild recomputes what the store keeps for the reports (the
	 * summary's per stage and owner sums, the deal facts) from the deals of ws:
	 * after rows were written behind litecrm's back.
	 */
	int (*report_rebuild)(struct store *s, int64_t ws);
	/*
	 * report_sums reads those sums per stage and month of target close date
	 * (only owner's deals when owner > 0), for the forecast.
	 */
	int (*report_sums)(struct store *s, int64_t ws, int64_t owner, struct report_sum_list *out);
	/*
	 * The store keeps one row of facts per deal (deal_fact: owner, stage,
	 * amount, creation and entry into the current stage, in seconds),
	 * written by every deal and history write. report_closes reads from it
	 * the deals of ws (only owner's when owner > 0) in a won or lost stage
	 * entered in [from, to), in no order.
	 */
	int (*report_closes)(struct store *s, int64_t ws, int64_t owner, int64_t from, int64_t to,
			     struct report_close_list *out);
	/*
	 * report_close_each hands fn(ctx, close) the same deals one by one (only
	 * those in a won stage when won_only; amount left 0), in no order, and
	 * stops at the first nonzero return of fn, which it returns: the cycle
	 * medians need each deal's cycle, but no array of the deals.
	 */
	int (*report_close_each)(struct store *s, int64_t ws, int64_t owner, int64_t from,
				 int64_t to, int won_only,
				 int (*fn)(void *ctx, const struct report_close *c), void *ctx);
	/*
	 * report_stalled_deals reads from it the deals in an open stage with
	 * stalled_days entered before now minus those days: their number per
	 * stage and owner (counts: stage_id, owner_id, deals; in no order), and
	 * of each such stage its first limit by entry, then id (first: id,
	 * owner, stage and entered set; probability -1; kind STAGE_OPEN, as
	 * report_input_link() would set it), which hold the limit longest
	 * stalled of all. The report needs no other deal.
	 */
	int (*report_stalled_deals)(struct store *s, int64_t ws, int64_t owner, int64_t now,
				    size_t limit, struct report_sum_list *counts,
				    struct report_deal_list *first);
	/*
	 * report_owner_sums reads the count and the sums of amount and of
	 * money_expected() of the deals of ws per stage and owner (only owner's
	 * when owner > 0); month is left "".
	 */
	int (*report_owner_sums)(struct store *s, int64_t ws, int64_t owner,
				 struct report_sum_list *out);
	/*
	 * report_reaches reads the funnel's groups (report.h, struct report_reach)
	 * of the deals of ws (owner's only when owner > 0) created on the days
	 * [from_day, to_day) (days since 1970-01-01), kept per owner, day of
	 * creation, stages entered and current stage (deal_reach).
	 */
	int (*report_reaches)(struct store *s, int64_t ws, int64_t owner, int64_t from_day,
			      int64_t to_day, struct report_reach_list *out);
	/*
	 * report_tallies reads one of the tables the history reports keep
	 * (report.h, enum report_tally_kind: deal_dwell, deal_open, deal_closing,
	 * the latest entry per stage) for the deals of ws (owner's only when
	 * owner > 0), keys in [a, b) (days; REPORT_TALLY_LATEST ignores them).
	 */
	int (*report_tallies)(struct store *s, int kind, int64_t ws, int64_t owner, int64_t a,
			      int64_t b, struct report_tally_list *out);
	/*
	 * report_dwell_values reads deal_dwell's rows (report.h, struct
	 * report_tally: stage, key the seconds, open, deals) of the deals of ws
	 * (owner's only when owner > 0) created on the days [from_day, to_day)
	 * in the ranges r[0..nr) (report_dwell_ranges), range after range.
	 */
	int (*report_dwell_values)(struct store *s, int64_t ws, int64_t owner, int64_t from_day,
				   int64_t to_day, const struct report_dwell_range *r, size_t nr,
				   struct report_tally_list *out);
	/*
	 * report_changed_deals reads, as report_deals and report_spans do, only
	 * the deals with an amount or probability change at or after since.
	 */
	int (*report_changed_deals)(struct store *s, int64_t ws, int64_t owner, const char *since,
				    struct report_deal_list *deals, struct report_span_list *spans);
	/*
	 * summary_owner_sums is summary per stage and owner (report_sum rows,
	 * month ""), under the same filter, in one query: the per-owner summary.
	 */
	int (*summary_owner_sums)(struct store *s, int64_t ws, const struct deal_filter *f,
				  struct report_sum_list *out);
	/* stage_set_stalled sets a stage's "stalled after N days" (0 clears it); no version bump.
	 */
	int (*stage_set_stalled)(struct store *s, int64_t ws, int64_t id, int days);
	/*
	 * history_reset removes a deal's stage history and field changes and
	 * sets its created_at, before an import writes the history anew.
	 */
	int (*history_reset)(struct store *s, int64_t ws, int64_t deal_id, const char *created_at);

	/* ---- notes and search (store_sqlite_note.c) ---- */
	/* note_create writes n and its tags; sets n->id, version 1 and the times. */
	int (*note_create)(struct store *s, struct note *n);
	int (*note_get)(struct store *s, int64_t ws, int64_t id, struct note *out);
	/* note_list: newest update first. */
	int (*note_list)(struct store *s, int64_t ws, const struct note_filter *f,
			 struct note_list *out);
	/* note_update replaces title, body, company and tags; citations stay. */
	int (*note_update)(struct store *s, struct note *n);
	int (*note_delete)(struct store *s, int64_t ws, int64_t id);
	/* note_cite records that deal_id cites note_id (again: no change). */
	int (*note_cite)(struct store *s, int64_t ws, int64_t deal_id, int64_t note_id, int64_t by);
	/* note_uncite removes the citation; ERR_NOTFOUND when there was none. */
	int (*note_uncite)(struct store *s, int64_t ws, int64_t deal_id, int64_t note_id);
	/* deal_note_ids: the notes a deal cites, in citation order. */
	int (*deal_note_ids)(struct store *s, int64_t ws, int64_t deal_id, struct id_list *out);
	/* note_deal_ids: the deals citing a note, by deal id. */
	int (*note_deal_ids)(struct store *s, int64_t ws, int64_t note_id, struct id_list *out);
	/* note_search finds the notes of a query (struct note_search). */
	int (*note_search)(struct store *s, int64_t ws, const struct note_search *q,
			   struct note_hits *out);
	/*
	 * note_index_defer (NULL where not needed): on > 0 starts deferring the
	 * search index of the notes this connection creates, inside a write
	 * transaction where only note_create runs until the deferral ends;
	 * 0 indexes them all at once and ends it; < 0 ends it without indexing
	 * (the transaction is rolled back). ERR_INVALID when already deferring.
	 */
	int (*note_index_defer)(struct store *s, int on);
	/*
	 * note_get_many (NULL: the caller reads one by one): the notes of ids
	 * in that order, without tags, in one read; ids not found are left out.
	 */
	int (*note_get_many)(struct store *s, int64_t ws, const int64_t *ids, size_t n,
			     struct note_list *out);

	/* ---- security: login throttling (store_sqlite_sec.c, store_pg_sec.c) ---- */
	/* login_failure_add records a failed login at time at, and forgets those before prune. */
	int (*login_failure_add)(struct store *s, const char *account, const char *addr,
				 const char *at, const char *prune);
	/*
	 * login_failure_count counts failures since `since` of account (NULL: any) from
	 * addr (NULL: any).
	 */
	int (*login_failure_count)(struct store *s, const char *account, const char *addr,
				   const char *since, struct login_failures *out);
	/* login_failure_clear forgets the failures of account from addr (after a success). */
	int (*login_failure_clear)(struct store *s, const char *account, const char *addr);
	/* login_known_add records that account logged in from addr at time at. */
	int (*login_known_add)(struct store *s, const char *account, const char *addr,
			       const char *at);
	/* login_known_get sets *found when account logged in from addr since `since`. */
	int (*login_known_get)(struct store *s, const char *account, const char *addr,
			       const char *since, int *found);

	/* ---- import, export and backup (store_sqlite_io.c; NULL where unsupported) ---- */
	/*
	 * deal_external_find finds the deal imported with external id ext
	 * (the id it had in the system it came from); ERR_NOTFOUND when none.
	 */
	int (*deal_external_find)(struct store *s, int64_t ws, const char *ext, int64_t *deal_id);
	/* deal_external_set records ext ("" clears it) on a deal; ERR_CONFLICT when taken. */
	int (*deal_external_set)(struct store *s, int64_t ws, int64_t deal_id, const char *ext);
	/*
	 * backup_to writes a consistent copy of the whole database to the new
	 * file path while other connections go on writing; ERR_IO when path
	 * cannot be written. Outside any transaction of s.
	 */
	int (*backup_to)(struct store *s, const char *path);
	/*
	 * restore_from replaces the whole database with the copy at path after
	 * checking it (PRAGMA integrity_check, a litecrm schema this version
	 * knows): ERR_INVALID with nothing changed when it fails.
	 */
	int (*restore_from)(struct store *s, const char *path);
	/*
	 * Bulk loading, for `litecrm migrate` (store_pg_io.c; NULL where
	 * unsupported: the caller then writes row by row through the ops above).
	 * All in the open write transaction. copy_reserve reserves ids for rows
	 * of kind (enum store_copy) that the caller numbers itself: they may take
	 * *base + 1 ... *base + n, which no other insert gets. copy_begin starts
	 * loading rows of kind; copy_put adds one, a struct of the kind's type
	 * with its workspace_id and its id (ignored for audit rows, which get new
	 * ones in the order given) set and its references already translated;
	 * copy_end ends the load (also after a failed copy_put). Nothing derived
	 * is upkept meanwhile: call report_rebuild after loading deals and history.
	 * copy_count counts the rows of kind in ws (one query).
	 */
	int (*copy_reserve)(struct store *s, int kind, int64_t n, int64_t *base);
	int (*copy_begin)(struct store *s, int kind);
	int (*copy_put)(struct store *s, const void *row);
	int (*copy_end)(struct store *s);
	int (*copy_count)(struct store *s, int kind, int64_t ws, int64_t *n);
	/*
	 * bulk_hint tells the backend a bulk write follows (on = 1, called
	 * before its transaction opens) or ended (on = 0, after its commit or
	 * rollback), so it may size its caches and defer per-row upkeep that
	 * bulk_flush redoes once. Optional (NULL).
	 */
	int (*bulk_hint)(struct store *s, int on);
	/*
	 * cache_size sets the connection's page cache to kib KiB (the server gives
	 * its lone writer a larger one than its readers: http.c). Optional (NULL:
	 * the backend keeps no page cache per connection).
	 */
	int (*cache_size)(struct store *s, int kib);
	/*
	 * log_hand_off stops the connection from copying its write-ahead log
	 * into the database at its own commits (SQLite's automatic checkpoint,
	 * with its two fsyncs) while the log holds fewer than cap pages; a
	 * commit that leaves pages or more calls wake(arg), so that another
	 * connection copies them (log_checkpoint). The server's lone writer
	 * hands its checkpoints to a thread of their own (http.c). Optional
	 * (NULL: the backend keeps no log of its own).
	 */
	int (*log_hand_off)(struct store *s, int pages, int cap, void (*wake)(void *), void *arg);
	/*
	 * log_checkpoint copies what it can of the write-ahead log into the
	 * database without waiting for the writer or the readers (PASSIVE), or
	 * with restart set copies all of it, waiting for a writer and for the
	 * readers still in the log (RESTART), so that the next write starts the
	 * log over. Sets *left to the pages of the log not copied. Optional (NULL).
	 */
	int (*log_checkpoint)(struct store *s, int restart, int *left);

	/* ---- audit log and deal trash (store_sqlite_audit.c, store_pg_audit.c) ---- */
	/* audit_add writes a (its at stamped when empty); sets a->id. */
	int (*audit_add)(struct store *s, struct audit_entry *a);
	/* audit_list reads the rows of ws matching f, newest (highest id) first. */
	int (*audit_list)(struct store *s, int64_t ws, const struct audit_filter *f,
			  struct audit_list *out);
	/*
	 * deal_trash moves a deal with its stage history, field changes and
	 * citations out of the live tables into the trash (deleted at `at` by
	 * user `by`, 0 for the operator); everything that reads deals (lists,
	 * summary, reports, exports) no longer sees it. ERR_NOTFOUND when absent.
	 */
	int (*deal_trash)(struct store *s, int64_t ws, int64_t id, int64_t by, const char *at);
	/*
	 * deal_untrash moves it back with the same id: ERR_NOTFOUND when not in
	 * the trash, ERR_INVALID when its company, stage or owner is gone,
	 * ERR_CONFLICT when its external id was taken meanwhile. Citations of
	 * notes deleted meanwhile are dropped.
	 */
	int (*deal_untrash)(struct store *s, int64_t ws, int64_t id);
	/* trash_list reads the trash of ws (only owner's deals when owner > 0), newest first. */
	int (*trash_list)(struct store *s, int64_t ws, int64_t owner, struct trash_list *out);
	int (*trash_get)(struct store *s, int64_t ws, int64_t id, struct trash_entry *out);
	/* trash_purge deletes a trashed deal for good; ERR_NOTFOUND when not in the trash. */
	int (*trash_purge)(struct store *s, int64_t ws, int64_t id);
	/* trash_expired gives the ids of trashed deals deleted before `before`, oldest first. */
	int (*trash_expired)(struct store *s, int64_t ws, const char *before, struct id_list *out);
	/*
	 * bulk_flush writes what the bulk write deferred (the report sums),
	 * inside its transaction, before the commit. Optional (NULL).
	 */
	int (*bulk_flush)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	/* Set by svc_batch_begin(): svc calls join the open write transaction. */
	int batch;
	/* Set by svc_read_begin(): read-only svc calls join the open read transaction. */
	int read_scope;
};

/*
 * store_open opens the database named by url: a file path (SQLite) or, in a
 * later backend, a postgresql:// URL. It creates the file when create is set,
 * applies pending schema migrations, and on success sets *out to a store to
 * release with store_close(). On failure it writes a message into errbuf.
 */
int store_open(const char *url, int create, struct store **out, char *errbuf, size_t errsz);

/*
 * store_writers: how many threads should run writes on the database named by
 * url: 1 for SQLite (one write transaction at a time; a second writer would
 * only wait for the lock), cores for PostgreSQL.
 */
int store_writers(const char *url, int cores);

static inline void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

/* store_now writes the current UTC time in RFC 3339 form into buf[TS_LEN]. */
void store_now(char buf[TS_LEN]);

#endif
