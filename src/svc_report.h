/*
 * svc_report.h - the sales-cycle reports, field-change history, stalled
 * stage settings and history import as operations, for both front doors.
 *
 * Every report reads the deals the actor may see (exactly as svc_summary:
 * managers, admins and the operator see all; members their own unless the
 * workspace's members_see_all is set), applies the common filters (owner,
 * stage reached, period) and computes its figures with report.c in one read
 * transaction. docs/API.md ("Reports") defines each figure.
 */
#ifndef LITECRM_SVC_REPORT_H
#define LITECRM_SVC_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "report.h"
#include "svc.h"

enum report_kind {
	REPORT_FORECAST = 0,
	REPORT_WIN_RATE,
	REPORT_CYCLE_LENGTH,
	REPORT_TIME_IN_STAGE,
	REPORT_FUNNEL,
	REPORT_STALLED,
	REPORT_VELOCITY,
	REPORT_PIPELINE_AS_OF,
	REPORT_LEADERBOARD,
	REPORT_KIND_COUNT
};

/* report_kind_name: "win-rate"; report_kind_find: the kind named, or -1. */
const char *report_kind_name(enum report_kind k);
int report_kind_find(const char *name);

/* The common filters; zero or "" means "no condition". */
struct report_query {
	enum report_kind kind;
	int64_t owner_id;    /* deals owned by this user */
	int64_t stage_id;    /* deals that ever entered this stage */
	char from[DATE_LEN]; /* the period: from this date ... */
	char to[DATE_LEN];   /* ... to this date, both included */
	enum report_group group;
	char today[DATE_LEN]; /* "now" is the end of this day; "" reads LITECRM_TODAY, else the
				 clock */
	char as_of[DATE_LEN]; /* pipeline-as-of: the end of this day (default: now) */
	int limit;	      /* stalled: deals listed (1-500, default 100) */
};
void report_query_init(struct report_query *q);

/* A stalled deal with what a list shows of it. */
struct report_stalled_deal {
	struct report_stalled s;
	struct deal deal;
	int64_t entered; /* when it entered its stage */
};

/*
 * The result of one report. Only the arrays of q.kind are set; each is
 * malloc'd and freed by report_result_release().
 */
struct report_result {
	struct report_query q;
	char currency[4];
	int digits;
	int64_t now;
	int64_t from, to;	  /* the period as moments [from, to) */
	struct stage_list stages; /* every stage, in pipeline order */
	struct user_list users;
	size_t ndeals; /* deals the report covered (after filters) */

	struct report_closed *all, *by_owner, *by_period; /* win-rate, cycle-length */
	size_t nall, nby_owner, nby_period;
	struct report_stage_time *times; /* time-in-stage */
	size_t ntimes;
	int bottleneck;
	struct report_funnel *funnel;
	size_t nfunnel;
	struct report_stalled_deal *stalled; /* the first q.limit */
	size_t nstalled, stalled_total;
	struct report_count *stalled_by_stage, *stalled_by_owner; /* key: stage or owner id */
	size_t nstalled_by_stage, nstalled_by_owner;
	struct report_velocity *velocity;
	size_t nvelocity;
	int64_t as_of;
	struct report_asof *asof;
	size_t nasof;
	struct report_leader *leaders;
	size_t nleaders;
	struct report_month *months; /* forecast */
	size_t nmonths;
	struct report_month quarter; /* the current quarter; key = its period code */
	struct report_month next12[12];
};

/*
 * svc_report computes report q->kind for the actor into out (release it
 * with report_result_release(), also after a failure). A bad date or a
 * period ending before it starts is ERR_INVALID request.bad_parameter.
 */
int svc_report(struct store *st, const struct actor *a, const struct report_query *q,
	       struct report_result *out, struct errinfo *e);
void report_result_release(struct report_result *r);

/*
 * svc_report_now: the reports' clock, also the board's (stalled days): the
 * end of today ("YYYY-MM-DD"; NULL or "" for none), else of $LITECRM_TODAY,
 * else the time.
 */
int svc_report_now(const char *today, int64_t *now, struct errinfo *e);
/* report_user_name returns the username of id among r->users ("" when unknown). */
const char *report_user_name(const struct report_result *r, int64_t id);
/* report_stage_of returns the stage id among r->stages, or NULL. */
const struct stage *report_stage_of(const struct report_result *r, int64_t id);

/* ---- field changes ---- */

/* svc_deal_changes lists a deal's field changes, oldest first; rights as svc_deal_history. */
int svc_deal_changes(struct store *st, const struct actor *a, int64_t id,
		     struct deal_change_list *out, struct errinfo *e);

/*
 * svc_deal_record_changes records, inside the caller's transaction, each of
 * amount, probability, owner and close_date that differs between before and
 * after, as changed by the actor now. A backend without deal_change_add
 * records nothing.
 */
int svc_deal_record_changes(struct store *st, const struct actor *a, const struct deal *before,
			    const struct deal *after, struct errinfo *e);

/* ---- history import ---- */

/* One row of a history file, as text (trimmed); "" when the column is empty or absent. */
struct history_row {
	size_t row; /* spreadsheet row number */
	char deal_id[24];
	char company[CAP_NAME + 1];
	char deal[CAP_NAME + 1];
	char stage[CAP_NAME + 1];
	char changed_at[40];
	char by[CAP_USERNAME + 1];
	char amount[48];
};

struct history_import_result {
	size_t rows;	  /* rows checked */
	size_t deals;	  /* deals whose history was replaced (0 for a dry run) */
	size_t error_row; /* the failing row, else 0 */
};

/*
 * svc_history_import replaces the stage history of every deal the rows
 * name with the rows (admins and the operator only), in one transaction:
 * all or nothing. The checks and their codes are in docs/API.md
 * ("History import"). With dry_run set it only checks.
 */
int svc_history_import(struct store *st, const struct actor *a, const struct history_row *rows,
		       size_t n, int dry_run, struct history_import_result *res, struct errinfo *e);

/*
 * svc_report_rebuild recomputes what the store keeps for the reports (the
 * summary's sums, the per-deal facts) from the workspace's deals and their
 * history: needed only after
 * deals were written behind litecrm's back (bench/reports does). Admins only.
 */
int svc_report_rebuild(struct store *st, const struct actor *a, struct errinfo *e);

#endif
