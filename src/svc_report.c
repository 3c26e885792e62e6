/*
 * svc_report.c - the sales-cycle reports as operations (see svc_report.h),
 * the field-change history of deals, and the import of stage history.
 *
 * A report runs in one read transaction: it loads the workspace (currency,
 * visibility), the stages and users, the facts of the visible deals and, when
 * the report needs them, their stage history and old values; report.c does
 * the arithmetic; what is kept in struct report_result is the aggregate only
 * (plus the few stalled deals listed), so the big arrays live no longer than
 * the transaction. Win rate, cycle length, stalled deals and the leaderboard
 * need no history before the current stage: without a stage filter they read
 * the deal facts the store keeps instead (load_facts), only the deals closed
 * in the period or stalled, and per stage and owner sums for the rest.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "money.h"
#include "pipeline.h"
#include "svc_audit.h"
#include "svc_int.h"
#include "svc_report.h"
#include "text.h"

#define STALLED_LIMIT_DEFAULT 100
#define STALLED_LIMIT_MAX     500

static const char *const kind_names[REPORT_KIND_COUNT] = {
    [REPORT_FORECAST] = "forecast",
    [REPORT_WIN_RATE] = "win-rate",
    [REPORT_CYCLE_LENGTH] = "cycle-length",
    [REPORT_TIME_IN_STAGE] = "time-in-stage",
    [REPORT_FUNNEL] = "funnel",
    [REPORT_STALLED] = "stalled",
    [REPORT_VELOCITY] = "velocity",
    [REPORT_PIPELINE_AS_OF] = "pipeline-as-of",
    [REPORT_LEADERBOARD] = "leaderboard",
};

const char *report_kind_name(enum report_kind k)
{
	return (unsigned)k < REPORT_KIND_COUNT ? kind_names[k] : "?";
}

int report_kind_find(const char *name)
{
	for (int i = 0; name && i < REPORT_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

void report_query_init(struct report_query *q)
{
	memset(q, 0, sizeof(*q));
	q->group = REPORT_GROUP_MONTH;
	q->limit = STALLED_LIMIT_DEFAULT;
}

const char *report_user_name(const struct report_result *r, int64_t id)
{
	for (size_t i = 0; i < r->users.n; i++)
		if (r->users.v[i].id == id)
			return r->users.v[i].username;
	return "";
}

const struct stage *report_stage_of(const struct report_result *r, int64_t id)
{
	for (size_t i = 0; i < r->stages.n; i++)
		if (r->stages.v[i].id == id)
			return &r->stages.v[i];
	return NULL;
}

void report_result_release(struct report_result *r)
{
	stage_list_release(&r->stages);
	user_list_release(&r->users);
	free(r->all);
	free(r->by_owner);
	free(r->by_period);
	free(r->times);
	free(r->funnel);
	free(r->stalled);
	free(r->stalled_by_stage);
	free(r->stalled_by_owner);
	free(r->velocity);
	free(r->asof);
	free(r->leaders);
	free(r->months);
	memset(r, 0, sizeof(*r));
}

/* bad_param fills e with request.bad_parameter for parameter name. */
static int bad_param(struct errinfo *e, const char *name, const char *why)
{
	return errinfo_set(e, ERR_INVALID, "request.bad_parameter", name, "%s: %s", name, why);
}

/*
 * svc_report_now sets *now: the end of today (YYYY-MM-DD, "" for none),
 * else of $LITECRM_TODAY, else the clock.
 */
int svc_report_now(const char *today, int64_t *now, struct errinfo *e)
{
	const char *env = getenv("LITECRM_TODAY");
	char ts[TS_LEN];

	if (today && today[0]) {
		if (report_date_end(today, now))
			return bad_param(e, "today", "dates are YYYY-MM-DD");
		return 0;
	}
	if (env && env[0]) {
		if (report_date_end(env, now))
			return errinfo_set(e, ERR_INVALID, "request.bad_parameter", "today",
					   "LITECRM_TODAY: '%.20s' is not a date (YYYY-MM-DD)",
					   env);
		return 0;
	}
	store_now(ts);
	return report_time_parse(ts, now) ? fail_std(e, ERR_INVALID, "report") : 0;
}

/* resolve_now sets r->now (svc_report_now). */
static int resolve_now(const struct report_query *q, struct report_result *r, struct errinfo *e)
{
	return svc_report_now(q->today, &r->now, e);
}

static int check_query(const struct report_query *q, struct report_result *r, struct errinfo *e)
{
	int rc;

	if ((unsigned)q->kind >= REPORT_KIND_COUNT)
		return bad_param(e, "report", "unknown report");
	if ((rc = resolve_now(q, r, e)))
		return rc;
	r->from = INT64_MIN;
	r->to = INT64_MAX;
	if (q->from[0] && report_time_parse(q->from, &r->from))
		return bad_param(e, "from", "dates are YYYY-MM-DD");
	if (q->to[0] && report_date_end(q->to, &r->to))
		return bad_param(e, "to", "dates are YYYY-MM-DD");
	if (r->to <= r->from)
		return bad_param(e, "to", "the period ends before it starts");
	r->as_of = r->now;
	if (q->as_of[0] && report_date_end(q->as_of, &r->as_of))
		return bad_param(e, "as_of", "dates are YYYY-MM-DD");
	if (q->group != REPORT_GROUP_MONTH && q->group != REPORT_GROUP_QUARTER)
		return bad_param(e, "group", "month or quarter");
	if (q->limit < 1 || q->limit > STALLED_LIMIT_MAX)
		return bad_param(e, "limit", "1-500");
	return 0;
}

/* ---- the inputs ---- */

struct inputs {
	struct report_input in;
	struct report_stage *stages;
	struct report_deal_list deals;
	struct report_span_list spans;
	struct report_change_list changes;
	struct report_sum_list sums; /* the forecast without a stage filter; per owner for facts */
	struct report_close_list closes; /* with facts: the deals closed in the period */
	struct report_reach_list reach;	 /* the funnel's groups (load_reaches) */
	int reaches;			 /* the funnel reads reach, not deals */
	struct report_tally_list t1, t2; /* the history reports' tables (load_tallies) */
	int tallies;			 /* the history report reads t1 and t2, not deals */
	int64_t open_now;		 /* with tallies: the deals in an open stage now */
	int64_t ws, owner;		 /* the workspace, the owner filter (0: none) */
	int facts;			 /* closes or deals hold deal facts only (load_facts) */
	struct report_cycles cyc;	 /* the closed groups with their cycles (load_cycles) */
	struct report_sum_list stalled;	 /* with facts: stalled deals per stage and owner */
	int cycles;			 /* cyc holds the report's groups, not closes */
	size_t ndeals;			 /* with facts: the deals the report covers */
};

static void inputs_release(struct inputs *x)
{
	free(x->stages);
	report_deal_list_release(&x->deals);
	report_span_list_release(&x->spans);
	report_change_list_release(&x->changes);
	report_sum_list_release(&x->sums);
	report_close_list_release(&x->closes);
	report_reach_list_release(&x->reach);
	report_tally_list_release(&x->t1);
	report_tally_list_release(&x->t2);
	report_cycles_release(&x->cyc);
	report_sum_list_release(&x->stalled);
}

/*
 * uses_facts: the reports that need no stage history before the current
 * stage read the deal facts the store keeps (report_facts) instead of every
 * deal and its history; a stage filter ("reached stage X") needs history.
 */
static int uses_facts(const struct store *st, const struct report_query *q)
{
	if (q->stage_id || !st->ops->report_closes || !st->ops->report_stalled_deals ||
	    !st->ops->report_owner_sums)
		return 0;
	return q->kind == REPORT_WIN_RATE || q->kind == REPORT_CYCLE_LENGTH ||
	       q->kind == REPORT_STALLED || q->kind == REPORT_LEADERBOARD;
}

/* day_of returns the day of t (days since 1970-01-01) when t begins a day, else sets *ok to 0. */
static int64_t day_of(int64_t t, int *ok)
{
	int64_t d = t / REPORT_DAY - (t % REPORT_DAY < 0);

	if (t == INT64_MIN || t == INT64_MAX)
		return t == INT64_MIN ? INT64_MIN : INT64_MAX;
	if (d * REPORT_DAY != t)
		*ok = 0;
	return d;
}

/*
 * load_cycles: cycle length and the leaderboard over whole days take the
 * counts and amounts per group from deal_closing's rows and of each deal
 * closed in the period its cycle alone (the leaderboard: the won deals'),
 * straight into its group's place (struct report_cycles): the medians need
 * the values, but no array of the deals and no second pass over them.
 */
static int load_cycles(struct store *st, int64_t ws, int64_t owner, int64_t from, int64_t to,
		       struct report_result *r, struct inputs *x)
{
	int lb = r->q.kind == REPORT_LEADERBOARD;
	unsigned wanted = lb ? 1u << REPORT_BY_OWNER
			     : 1u << REPORT_BY_ALL | 1u << REPORT_BY_OWNER | 1u << REPORT_BY_PERIOD;
	int rc = st->ops->report_tallies(st, REPORT_TALLY_CLOSE_OWNER, ws, owner, from, to, &x->t1);

	x->cycles = 1;
	if (!rc)
		rc = report_cycles_init(&x->cyc, &x->in, x->t1.v, x->t1.n, wanted, r->q.group, lb);
	if (!rc)
		rc = st->ops->report_close_each(st, ws, owner, r->from, r->to, lb,
						report_cycles_add, &x->cyc);
	if (!rc)
		rc = report_cycles_finish(&x->cyc);
	return rc;
}

/*
 * load_facts reads only the deals a report counts one by one - the deals
 * closed in the period, or the stalled ones - with their entry into their
 * current stage kept by the store; the per stage and owner sums give the
 * number of deals covered, the owners and the open pipeline. The win rate
 * over whole days (dates, as the API and CLI give them) needs no deal one
 * by one: it reads deal_closing's closes per day, stage and owner.
 */
static int load_facts(struct store *st, int64_t ws, int64_t owner, struct report_result *r,
		      struct inputs *x, struct errinfo *e)
{
	int days = 1, rc;
	int64_t from = day_of(r->from, &days), to = day_of(r->to, &days);

	x->facts = 1;
	if ((rc = st->ops->report_owner_sums(st, ws, owner, &x->sums)))
		return fail_std(e, rc, "report");
	for (size_t i = 0; i < x->sums.n; i++)
		x->ndeals += (size_t)x->sums.v[i].deals;
	if (r->q.kind == REPORT_WIN_RATE && days && st->ops->report_tallies) {
		x->tallies = 1;
		return fail_std(e,
				st->ops->report_tallies(st, REPORT_TALLY_CLOSE_OWNER, ws, owner,
							from, to, &x->t1),
				"report");
	}
	if ((r->q.kind == REPORT_CYCLE_LENGTH || r->q.kind == REPORT_LEADERBOARD) && days &&
	    st->ops->report_tallies && st->ops->report_close_each)
		return fail_std(e, load_cycles(st, ws, owner, from, to, r, x), "report");
	if (r->q.kind != REPORT_STALLED)
		return fail_std(
		    e, st->ops->report_closes(st, ws, owner, r->from, r->to, &x->closes), "report");
	/* the counts, and the first deals that hold the longest stalled; the store sets their kind
	 */
	if ((rc = st->ops->report_stalled_deals(st, ws, owner, r->now, (size_t)r->q.limit,
						&x->stalled, &x->deals)))
		return fail_std(e, rc, "report");
	x->in.deals = x->deals.v;
	x->in.ndeals = x->deals.n;
	return 0;
}

/*
 * load_reaches reads the funnel without a stage filter from the groups the
 * store keeps (report_reaches: deals per owner, day of creation, stages
 * entered and current stage), when the period is whole days (dates, as the
 * API and CLI give it); returns 1 when it did not apply. The per stage and
 * owner sums give the number of deals covered.
 */
static int load_reaches(struct store *st, int64_t ws, int64_t owner, struct report_result *r,
			struct inputs *x, struct errinfo *e)
{
	int ok = 1, rc;
	int64_t from = day_of(r->from, &ok), to = day_of(r->to, &ok);

	if (r->q.kind != REPORT_FUNNEL || r->q.stage_id || !ok || !st->ops->report_reaches ||
	    !st->ops->report_owner_sums)
		return 1;
	x->reaches = 1;
	if ((rc = st->ops->report_owner_sums(st, ws, owner, &x->sums)))
		return fail_std(e, rc, "report");
	for (size_t i = 0; i < x->sums.n; i++)
		x->ndeals += (size_t)x->sums.v[i].deals;
	return fail_std(e, st->ops->report_reaches(st, ws, owner, from, to, &x->reach), "report");
}

/* owner_sums reads the per stage and owner sums: the deals covered, and those open now. */
static int owner_sums(struct store *st, int64_t ws, int64_t owner, struct inputs *x)
{
	int rc = st->ops->report_owner_sums(st, ws, owner, &x->sums);

	for (size_t i = 0; !rc && i < x->sums.n; i++) {
		const struct report_stage *s = report_stage_find(&x->in, x->sums.v[i].stage_id);

		x->ndeals += (size_t)x->sums.v[i].deals;
		if (!s || s->kind == STAGE_OPEN)
			x->open_now += x->sums.v[i].deals;
	}
	return rc;
}

/*
 * as_of_changed corrects the pipeline as of r->as_of read from deal_open,
 * where every deal counts at its amount and probability of now: the deals
 * with a change at or after that moment are replayed, with and without
 * their changes, and the difference added.
 */
static int as_of_changed(struct store *st, int64_t ws, int64_t owner, struct report_result *r,
			 struct inputs *x)
{
	struct report_input in = x->in;
	struct report_asof *with = NULL, *without = NULL;
	size_t n = 0;
	char since[TS_LEN];
	int rc;

	report_time_format(r->as_of, since);
	if ((rc = st->ops->report_changes(st, ws, owner, since, &x->changes)) || !x->changes.n)
		return rc;
	if ((rc = st->ops->report_changed_deals(st, ws, owner, since, &x->deals, &x->spans)))
		return rc;
	in.deals = x->deals.v;
	in.ndeals = x->deals.n;
	in.spans = x->spans.v;
	in.span_deal = x->spans.deal_id;
	in.nspans = x->spans.n;
	report_history_spans(x->spans.deal_id, x->spans.v, x->spans.n);
	report_input_link(&in);
	in.changes = x->changes.v;
	in.nchanges = x->changes.n;
	if (!(rc = report_as_of(&in, r->as_of, &with, &n))) {
		in.nchanges = 0;
		rc = report_as_of(&in, r->as_of, &without, &n);
	}
	if (!rc)
		report_as_of_adjust(r->asof, with, without, n < r->nasof ? n : r->nasof);
	free(with);
	free(without);
	return rc;
}

/*
 * settled: 1 when every stay of the deals began before t, per the latest
 * entries (report_tallies, REPORT_TALLY_LATEST: one row per stage; the row
 * of stage 0 the last moment a deal can have been created, counted only
 * when with_created).
 */
static int settled(const struct report_tally_list *latest, int64_t t, int with_created)
{
	for (size_t i = 0; i < latest->n; i++)
		if ((latest->v[i].stage_id || with_created) && latest->v[i].key >= t)
			return 0;
	return 1;
}

/*
 * dwell_rows reads time in stage's buckets (x->t1: deal_dwell_day) and the
 * rows of the buckets that hold the medians (x->t2: deal_dwell), for the
 * deals of owner created on the days [from, to).
 */
static int dwell_rows(struct store *st, int64_t ws, int64_t owner, int64_t from, int64_t to,
		      struct inputs *x)
{
	struct report_dwell_range *ranges = NULL;
	size_t n = 0;
	int rc = st->ops->report_tallies(st, REPORT_TALLY_DWELL, ws, owner, from, to, &x->t1);

	if (!rc)
		rc = report_dwell_ranges(&x->in, x->t1.v, x->t1.n, &ranges, &n);
	if (!rc)
		rc = st->ops->report_dwell_values(st, ws, owner, from, to, ranges, n, &x->t2);
	free(ranges);
	return rc;
}

/*
 * load_tallies answers time in stage, velocity and the pipeline as of a
 * date from the tables the store keeps for them (deal_dwell, deal_closing,
 * deal_open; docs/ARCHITECTURE.md) when no stage filter applies, the period
 * is whole days (dates, as the API and CLI give it), and for a moment that
 * is not the start of a day (now from the clock) every stay and creation
 * came before it (deal_open counts by day); time in stage wants every stay
 * begun before now. Returns 1 when it did not apply (the history is
 * replayed).
 */
static int load_tallies(struct store *st, int64_t ws, int64_t owner, struct report_result *r,
			struct inputs *x, struct errinfo *e)
{
	const struct store_ops *o = st->ops;
	struct report_tally_list latest = {0};
	int days = 1, now_day = 1, asof_day = 1, rc;
	int64_t from = day_of(r->from, &days), to = day_of(r->to, &days);
	int64_t now = day_of(r->now, &now_day), asof = day_of(r->as_of, &asof_day);
	enum report_kind k = r->q.kind;

	if (r->q.stage_id || !o->report_tallies || !o->report_owner_sums ||
	    !o->report_changed_deals || !o->report_dwell_values || !days ||
	    (k != REPORT_TIME_IN_STAGE && k != REPORT_VELOCITY && k != REPORT_PIPELINE_AS_OF))
		return 1;
	if ((rc = o->report_tallies(st, REPORT_TALLY_LATEST, ws, 0, 0, 0, &latest)))
		return fail_std(e, rc, "report");
	rc = 1;
	if (k == REPORT_TIME_IN_STAGE && settled(&latest, r->now, 0))
		rc = dwell_rows(st, ws, owner, from, to, x);
	else if (k == REPORT_VELOCITY && (now_day || settled(&latest, r->now, 1))) {
		/* a moment within day `now` sees that day's changes: all came before it */
		rc = o->report_tallies(st, REPORT_TALLY_CLOSE, ws, owner, from, to, &x->t1);
		if (!rc)
			rc = o->report_tallies(st, REPORT_TALLY_OPEN, ws, owner, INT64_MIN,
					       now_day ? now : now + 1, &x->t2);
	} else if (k == REPORT_PIPELINE_AS_OF && (asof_day || settled(&latest, r->as_of, 1)))
		rc = o->report_tallies(st, REPORT_TALLY_OPEN, ws, owner, INT64_MIN,
				       asof_day ? asof : asof + 1, &x->t1);
	report_tally_list_release(&latest);
	if (rc == 1)
		return 1;
	x->tallies = 1;
	if (!rc)
		rc = owner_sums(st, ws, owner, x);
	return fail_std(e, rc, "report");
}

static int load_inputs(struct store *st, const struct actor *a, struct report_result *r,
		       struct inputs *x, struct errinfo *e)
{
	const struct report_query *q = &r->q;
	struct workspace w;
	int64_t visible_to, owner;
	int need_spans = q->kind != REPORT_FORECAST || q->stage_id;
	char since[TS_LEN];
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	snprintf(r->currency, sizeof(r->currency), "%s", w.currency);
	r->digits = money_digits(w.currency);
	if ((rc = st->ops->stage_list(st, w.id, &r->stages)))
		return fail_std(e, rc, "stage");
	if ((rc = st->ops->user_list(st, w.id, &r->users)))
		return fail_std(e, rc, "user");
	if (!st->ops->report_deals || !st->ops->report_spans || !st->ops->report_changes)
		return errinfo_set(e, ERR_DB, "server.error", NULL, "the %s store has no reports",
				   st->ops->name);
	x->stages = calloc(r->stages.n ? r->stages.n : 1, sizeof(*x->stages));
	if (!x->stages)
		return fail_std(e, ERR_NOMEM, "report");
	for (size_t i = 0; i < r->stages.n; i++) {
		x->stages[i].id = r->stages.v[i].id;
		x->stages[i].position = r->stages.v[i].position;
		x->stages[i].kind = r->stages.v[i].kind;
		x->stages[i].probability = r->stages.v[i].probability;
		x->stages[i].stalled_days = r->stages.v[i].stalled_days;
	}
	x->in.stages = x->stages;
	x->in.nstages = r->stages.n;
	x->in.now = r->now;

	/* Visibility exactly as svc_summary; an owner filter narrows it. */
	visible_to = is_privileged(a) || w.members_see_all ? 0 : a->user_id;
	owner = q->owner_id ? q->owner_id : visible_to;
	x->ws = w.id;
	x->owner = owner;
	if (q->owner_id && visible_to && q->owner_id != visible_to)
		return 0; /* another member's deals: nothing to see */
	if (q->kind == REPORT_FORECAST && !q->stage_id) {
		/* The stored sums per stage, owner and month: no deal is read. */
		if ((rc = st->ops->report_sums(st, w.id, owner, &x->sums)))
			return fail_std(e, rc, "report");
		for (size_t i = 0; i < x->sums.n; i++)
			x->in.ndeals += (size_t)x->sums.v[i].deals;
		return 0;
	}
	if (uses_facts(st, q))
		return load_facts(st, w.id, owner, r, x, e);
	if ((rc = load_reaches(st, w.id, owner, r, x, e)) != 1)
		return rc;
	if ((rc = load_tallies(st, w.id, owner, r, x, e)) != 1)
		return rc;
	report_tally_list_release(&x->t1);
	report_tally_list_release(&x->t2);
	if ((rc = st->ops->report_deals(st, w.id, owner, &x->deals)))
		return fail_std(e, rc, "report");
	if (need_spans && (rc = st->ops->report_spans(st, w.id, owner, &x->spans)))
		return fail_std(e, rc, "report");
	if (q->kind == REPORT_PIPELINE_AS_OF) {
		report_time_format(r->as_of, since);
		if ((rc = st->ops->report_changes(st, w.id, owner, since, &x->changes)))
			return fail_std(e, rc, "report");
	}
	x->in.deals = x->deals.v;
	x->in.ndeals = x->deals.n;
	x->in.spans = x->spans.v;
	x->in.span_deal = x->spans.deal_id;
	x->in.nspans = x->spans.n;
	x->in.changes = x->changes.v;
	x->in.nchanges = x->changes.n;
	report_history_spans(x->spans.deal_id, x->spans.v, x->spans.n);
	report_input_link(&x->in);
	if (q->stage_id)
		report_keep_reached(&x->in, q->stage_id);
	return 0;
}

/* ---- the reports ---- */

static int stalled_report(struct store *st, const struct actor *a, struct report_result *r,
			  const struct inputs *x, struct errinfo *e)
{
	struct report_stalled *v = NULL;
	int64_t *keys = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = report_stalled(&x->in, (size_t)r->q.limit, &v, &n)))
		goto out;
	if (x->facts) { /* the deals read are the first few: the counts come apart */
		r->stalled_total = 0;
		for (i = 0; i < x->stalled.n; i++)
			r->stalled_total += (size_t)x->stalled.v[i].deals;
		if ((rc = report_count_sums(x->stalled.v, x->stalled.n, 0, &r->stalled_by_stage,
					    &r->nstalled_by_stage)) ||
		    (rc = report_count_sums(x->stalled.v, x->stalled.n, 1, &r->stalled_by_owner,
					    &r->nstalled_by_owner)))
			goto out;
	} else {
		r->stalled_total = n;
		rc = ERR_NOMEM;
		keys = malloc((n ? n : 1) * sizeof(*keys));
		if (!keys)
			goto out;
		for (i = 0; i < n; i++)
			keys[i] = x->in.deals[v[i].deal].stage_id;
		if ((rc = report_count_keys(keys, n, &r->stalled_by_stage, &r->nstalled_by_stage)))
			goto out;
		for (i = 0; i < n; i++)
			keys[i] = x->in.deals[v[i].deal].owner_id;
		if ((rc = report_count_keys(keys, n, &r->stalled_by_owner, &r->nstalled_by_owner)))
			goto out;
	}
	r->nstalled = n < (size_t)r->q.limit ? n : (size_t)r->q.limit;
	r->stalled = calloc(r->nstalled ? r->nstalled : 1, sizeof(*r->stalled));
	rc = ERR_NOMEM;
	if (!r->stalled)
		goto out;
	for (i = 0; i < r->nstalled; i++) {
		const struct report_deal *d = &x->in.deals[v[i].deal];

		r->stalled[i].s = v[i];
		r->stalled[i].entered = d->entered;
		if ((rc = st->ops->deal_get(st, a->workspace_id, d->id, &r->stalled[i].deal)))
			goto out;
	}
	rc = 0;
out:
	free(v);
	free(keys);
	return fail_std(e, rc, "report");
}

/*
 * closed_groups: win rate and cycle length from the closes alone, or the
 * win rate from deal_closing's rows (x->tallies).
 */
static int closed_groups(const struct inputs *x, struct report_result *r)
{
	static const enum report_by by[] = {REPORT_BY_ALL, REPORT_BY_OWNER, REPORT_BY_PERIOD};
	struct report_closed **out[] = {&r->all, &r->by_owner, &r->by_period};
	size_t *n[] = {&r->nall, &r->nby_owner, &r->nby_period};
	int rc = 0;

	for (size_t i = 0; i < sizeof(by) / sizeof(by[0]) && !rc; i++)
		rc = x->tallies ? report_closed_tallies(&x->in, x->t1.v, x->t1.n, by[i], r->q.group,
							out[i], n[i])
				: report_closed_group(x->closes.v, x->closes.n, by[i], r->q.group,
						      out[i], n[i]);
	return rc;
}

static int report_tx(struct store *st, const struct actor *a, struct report_result *r,
		     struct errinfo *e)
{
	struct inputs x;
	int rc;

	memset(&x, 0, sizeof(x));
	if ((rc = load_inputs(st, a, r, &x, e)))
		goto out;
	r->ndeals = x.facts || x.reaches || x.tallies ? x.ndeals : x.in.ndeals;
	switch (r->q.kind) {
	case REPORT_WIN_RATE:
	case REPORT_CYCLE_LENGTH:
		if (x.cycles) {
			struct report_closed **out[] = {&r->all, &r->by_owner, &r->by_period};
			size_t *n[] = {&r->nall, &r->nby_owner, &r->nby_period};

			for (size_t i = 0; i < 3; i++) {
				*out[i] = x.cyc.g[i];
				*n[i] = x.cyc.n[i];
				x.cyc.g[i] = NULL;
			}
			break;
		}
		if (x.facts) {
			rc = closed_groups(&x, r);
			break;
		}
		rc = report_closed_by(&x.in, r->from, r->to, REPORT_BY_ALL, r->q.group, &r->all,
				      &r->nall);
		if (!rc)
			rc = report_closed_by(&x.in, r->from, r->to, REPORT_BY_OWNER, r->q.group,
					      &r->by_owner, &r->nby_owner);
		if (!rc)
			rc = report_closed_by(&x.in, r->from, r->to, REPORT_BY_PERIOD, r->q.group,
					      &r->by_period, &r->nby_period);
		break;
	case REPORT_TIME_IN_STAGE:
		rc = x.tallies
			 ? report_time_in_stage_days(&x.in, x.t1.v, x.t1.n, x.t2.v, x.t2.n,
						     x.sums.v, x.sums.n, &r->times, &r->ntimes)
			 : report_time_in_stage(&x.in, r->from, r->to, &r->times, &r->ntimes);
		r->bottleneck = rc ? -1 : report_bottleneck(r->times, r->ntimes);
		break;
	case REPORT_FUNNEL:
		rc = x.reaches ? report_funnel_groups(&x.in, x.reach.v, x.reach.n, &r->funnel,
						      &r->nfunnel)
			       : report_funnel(&x.in, r->from, r->to, &r->funnel, &r->nfunnel);
		break;
	case REPORT_STALLED:
		rc = stalled_report(st, a, r, &x, e);
		break;
	case REPORT_VELOCITY:
		rc = x.tallies ? report_velocity_tallies(&x.in, x.t1.v, x.t1.n, x.t2.v, x.t2.n,
							 x.open_now, r->q.group, &r->velocity,
							 &r->nvelocity)
			       : report_velocity(&x.in, r->from, r->to, r->q.group, &r->velocity,
						 &r->nvelocity);
		break;
	case REPORT_PIPELINE_AS_OF:
		if (!x.tallies) {
			rc = report_as_of(&x.in, r->as_of, &r->asof, &r->nasof);
			break;
		}
		rc = report_as_of_tallies(&x.in, x.t1.v, x.t1.n, &r->asof, &r->nasof);
		if (!rc)
			rc = as_of_changed(st, x.ws, x.owner, r, &x);
		break;
	case REPORT_LEADERBOARD:
		if (x.cycles) {
			rc = report_leaderboard_groups(&x.in, x.cyc.g[REPORT_BY_OWNER],
						       x.cyc.n[REPORT_BY_OWNER], x.sums.v, x.sums.n,
						       &r->leaders, &r->nleaders);
			break;
		}
		rc = x.facts ? report_leaderboard_sums(&x.in, x.closes.v, x.closes.n, x.sums.v,
						       x.sums.n, &r->leaders, &r->nleaders)
			     : report_leaderboard(&x.in, r->from, r->to, &r->leaders, &r->nleaders);
		break;
	case REPORT_FORECAST: {
		int64_t q0, m0;
		size_t o = 0;

		rc = x.sums.v
			 ? report_forecast_sums(&x.in, x.sums.v, x.sums.n, &r->months, &r->nmonths)
			 : report_forecast(&x.in, &r->months, &r->nmonths);
		if (rc)
			break;
		/* The period filter applies to target close dates here. */
		for (size_t i = 0; i < r->nmonths; i++) {
			int64_t first = report_period_of(r->from == INT64_MIN ? 0 : r->from,
							 REPORT_GROUP_MONTH);
			int64_t last = r->to == INT64_MAX
					   ? 999912
					   : report_period_of(r->to - 1, REPORT_GROUP_MONTH);

			if ((r->from == INT64_MIN && r->to == INT64_MAX) ||
			    (r->months[i].key && r->months[i].key >= first &&
			     r->months[i].key <= last))
				r->months[o++] = r->months[i];
		}
		r->nmonths = o;
		q0 = report_period_of(r->now - 1, REPORT_GROUP_QUARTER);
		report_months_sum(r->months, r->nmonths, (q0 / 10) * 100 + (q0 % 10 - 1) * 3 + 1,
				  (q0 / 10) * 100 + (q0 % 10) * 3, &r->quarter);
		r->quarter.key = q0;
		m0 = report_period_of(r->now - 1, REPORT_GROUP_MONTH);
		for (int i = 0; i < 12; i++) {
			report_months_sum(r->months, r->nmonths, m0, m0, &r->next12[i]);
			r->next12[i].key = m0;
			m0 = report_period_next(m0, REPORT_GROUP_MONTH);
		}
		break;
	}
	default:
		rc = ERR_INVALID;
	}
	rc = fail_std(e, rc, "report");
out:
	inputs_release(&x);
	return rc;
}

/* fresh empties the result's figures before a (re)try, keeping the query and moments. */
static int fresh(struct report_result *r)
{
	struct report_result keep = *r;

	memset(&keep.stages, 0, sizeof(keep.stages));
	memset(&keep.users, 0, sizeof(keep.users));
	report_result_release(r);
	r->q = keep.q;
	r->now = keep.now;
	r->from = keep.from;
	r->to = keep.to;
	r->as_of = keep.as_of;
	r->bottleneck = -1;
	return 0;
}

int svc_report(struct store *st, const struct actor *a, const struct report_query *q,
	       struct report_result *out, struct errinfo *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->q = *q;
	out->bottleneck = -1;
	if ((rc = check_query(q, out, e)))
		return rc;
	WITH_TX(st, 0, rc, (fresh(out), report_tx(st, a, out, e)));
	return rc;
}

/* ---- the maintained aggregates ---- */

static int rebuild_tx(struct store *st, const struct actor *a, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	return fail_std(e, st->ops->report_rebuild(st, w.id), "report");
}

int svc_report_rebuild(struct store *st, const struct actor *a, struct errinfo *e)
{
	int rc;

	if (!is_admin_actor(a))
		return errinfo_set(e, ERR_FORBIDDEN, "auth.forbidden", NULL,
				   "only admins rebuild the report aggregates");
	WITH_TX(st, STORE_TX_PIPELINE, rc, rebuild_tx(st, a, e));
	return rc;
}

/* ---- field changes ---- */

static int deal_changes_tx(struct store *st, const struct actor *a, int64_t id,
			   struct deal_change_list *out, struct errinfo *e)
{
	struct workspace w;
	struct deal d;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	if ((rc = st->ops->deal_get(st, a->workspace_id, id, &d)))
		return fail_std(e, rc, "deal");
	if (!deal_visible(a, &w, &d))
		return errinfo_set(e, ERR_FORBIDDEN, "auth.forbidden", NULL,
				   "not allowed to see deal %lld", (long long)id);
	if (!st->ops->deal_change_list) {
		out->v = NULL;
		out->n = 0;
		return 0;
	}
	return fail_std(e, st->ops->deal_change_list(st, a->workspace_id, id, out), "deal");
}

int svc_deal_changes(struct store *st, const struct actor *a, int64_t id,
		     struct deal_change_list *out, struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, deal_changes_tx(st, a, id, out, e));
	return rc;
}

static int add_change(struct store *st, const struct actor *a, const struct deal *d,
		      const char *field, const char *old, const char *new_, const char *at,
		      struct errinfo *e)
{
	struct deal_change c;

	memset(&c, 0, sizeof(c));
	c.workspace_id = d->workspace_id;
	c.deal_id = d->id;
	snprintf(c.field, sizeof(c.field), "%s", field);
	snprintf(c.old_value, sizeof(c.old_value), "%s", old);
	snprintf(c.new_value, sizeof(c.new_value), "%s", new_);
	c.changed_by = a->user_id;
	snprintf(c.changed_at, sizeof(c.changed_at), "%s", at);
	return fail_std(e, st->ops->deal_change_add(st, &c), "deal");
}

/* prob_text writes a probability override as text, "" for none. */
static void prob_text(int p, char out[16])
{
	if (p < 0)
		out[0] = '\0';
	else
		snprintf(out, 16, "%d", p);
}

int svc_deal_record_changes(struct store *st, const struct actor *a, const struct deal *before,
			    const struct deal *after, struct errinfo *e)
{
	char at[TS_LEN], o[32], n[32];
	int rc;

	if (!st->ops->deal_change_add)
		return 0;
	store_now(at);
	if (before->amount != after->amount) {
		snprintf(o, sizeof(o), "%lld", (long long)before->amount);
		snprintf(n, sizeof(n), "%lld", (long long)after->amount);
		if ((rc = add_change(st, a, after, "amount", o, n, at, e)))
			return rc;
	}
	if (before->probability != after->probability) {
		prob_text(before->probability, o);
		prob_text(after->probability, n);
		if ((rc = add_change(st, a, after, "probability", o, n, at, e)))
			return rc;
	}
	if (before->owner_id != after->owner_id) {
		snprintf(o, sizeof(o), "%lld", (long long)before->owner_id);
		snprintf(n, sizeof(n), "%lld", (long long)after->owner_id);
		if ((rc = add_change(st, a, after, "owner", o, n, at, e)))
			return rc;
	}
	if (strcmp(before->close_date, after->close_date) != 0 &&
	    (rc = add_change(st, a, after, "close_date", before->close_date, after->close_date, at,
			     e)))
		return rc;
	return 0;
}

/* ---- history import ---- */

/* One checked row: the deal, the stage entered, when, by whom, and the amount (-1: none). */
struct hentry {
	size_t idx; /* into the rows */
	int64_t deal_id;
	int64_t stage_id;
	int64_t t;
	char at[TS_LEN];
	int64_t by;
	int64_t amount;
};

static int cmp_hentry(const void *a, const void *b)
{
	const struct hentry *x = a, *y = b;

	if (x->deal_id != y->deal_id)
		return x->deal_id < y->deal_id ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct himport {
	struct store *st;
	const struct actor *a;
	struct workspace w;
	struct stage_list stages;
	struct user_list users;
	struct history_import_result *res;
	int64_t now;
};

/* hfail fills e with "row N, column 'c': ..." and records the row. */
static int __attribute__((format(printf, 6, 7)))
hfail(struct himport *im, struct errinfo *e, const struct history_row *r, const char *col,
      const char *code, const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	im->res->error_row = r->row;
	if (col)
		return errinfo_set(e, ERR_INVALID, code, col, "row %zu, column '%s': %s", r->row,
				   col, detail);
	return errinfo_set(e, ERR_INVALID, code, NULL, "row %zu: %s", r->row, detail);
}

/* find_deal resolves a row's deal reference: an id, or company and deal name. */
static int find_deal(struct himport *im, const struct history_row *r, struct deal *out,
		     struct errinfo *e)
{
	struct store *st = im->st;
	struct company c;
	struct deal_filter f;
	struct deal_list l = {0};
	size_t hits = 0;
	int64_t id = 0;
	int rc;

	if (r->deal_id[0]) {
		char *end;
		long long v = strtoll(r->deal_id, &end, 10);

		if (*end || v < 1)
			return hfail(im, e, r, "deal_id", "history.deal_unknown",
				     "'%.20s' is not a deal id", r->deal_id);
		rc = st->ops->deal_get(st, im->w.id, v, out);
		if (rc == ERR_NOTFOUND)
			return hfail(im, e, r, "deal_id", "history.deal_unknown", "no deal %lld",
				     v);
		return fail_std(e, rc, "deal");
	}
	if (!r->company[0] || !r->deal[0])
		return hfail(im, e, r, NULL, "history.deal_required",
			     "name the deal: deal_id, or company and deal");
	rc = st->ops->company_get_by_name(st, im->w.id, r->company, &c);
	if (rc == ERR_NOTFOUND)
		return hfail(im, e, r, "company", "history.deal_unknown", "no company '%.100s'",
			     r->company);
	if (rc)
		return fail_std(e, rc, "company");
	deal_filter_init(&f);
	f.company_id = c.id;
	f.limit = 0;
	if ((rc = st->ops->deal_list(st, im->w.id, &f, 0, &l)))
		return fail_std(e, rc, "deal");
	for (size_t i = 0; i < l.n; i++)
		if (strcmp(l.v[i].name, r->deal) == 0) {
			hits++;
			id = l.v[i].id;
			*out = l.v[i];
		}
	deal_list_release(&l);
	if (hits == 0)
		return hfail(im, e, r, "deal", "history.deal_unknown",
			     "company '%.80s' has no deal '%.80s'", r->company, r->deal);
	if (hits > 1)
		return hfail(im, e, r, "deal", "history.deal_ambiguous",
			     "company '%.80s' has %zu deals named '%.80s'; use deal_id", r->company,
			     hits, r->deal);
	(void)id;
	return 0;
}

/* check_row turns row r into an entry, checking every value. */
static int check_row(struct himport *im, const struct history_row *r, size_t idx, struct hentry *h,
		     struct errinfo *e)
{
	struct deal d;
	int rc, k;

	memset(h, 0, sizeof(*h));
	h->idx = idx;
	h->amount = -1;
	if ((rc = find_deal(im, r, &d, e)))
		return rc;
	h->deal_id = d.id;
	if (!r->stage[0])
		return hfail(im, e, r, "stage", "history.stage_required", "empty");
	k = stage_match(im->stages.v, im->stages.n, r->stage);
	if (k < 0)
		return hfail(im, e, r, "stage", "history.stage_unknown", "unknown stage '%.100s'",
			     r->stage);
	h->stage_id = im->stages.v[k].id;
	if (report_time_parse(r->changed_at, &h->t))
		return hfail(im, e, r, "changed_at", "history.changed_at_invalid",
			     "'%.40s' is not a time (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)",
			     r->changed_at);
	if (h->t > im->now)
		return hfail(im, e, r, "changed_at", "history.changed_at_future",
			     "'%.40s' is in the future", r->changed_at);
	report_time_format(h->t, h->at);
	if (r->by[0]) {
		size_t i;

		for (i = 0; i < im->users.n; i++)
			if (strcmp(im->users.v[i].username, r->by) == 0)
				break;
		if (i == im->users.n)
			return hfail(im, e, r, "by", "history.user_unknown", "unknown user '%.64s'",
				     r->by);
		h->by = im->users.v[i].id;
	}
	if (r->amount[0]) {
		if (money_parse(r->amount, money_digits(im->w.currency), &h->amount) ||
		    h->amount < 0 || h->amount > MONEY_MAX)
			return hfail(im, e, r, "amount", "history.amount_invalid",
				     "'%.40s' is not an amount", r->amount);
	}
	return 0;
}

/*
 * check_deal checks the entries v[0..n) of one deal (in file order) against
 * each other and against the deal as it is now.
 */
static int check_deal(struct himport *im, const struct history_row *rows, const struct hentry *v,
		      size_t n, struct errinfo *e)
{
	struct deal d;
	int64_t last_amount = -1;
	size_t i;
	int rc;

	if ((rc = im->st->ops->deal_get(im->st, im->w.id, v[0].deal_id, &d)))
		return fail_std(e, rc, "deal");
	for (i = 0; i < n; i++) {
		const struct history_row *r = &rows[v[i].idx];

		if (i && v[i].t < v[i - 1].t)
			return hfail(im, e, r, "changed_at", "history.order",
				     "%s is earlier than row %zu (%s) of the same deal", v[i].at,
				     rows[v[i - 1].idx].row, v[i - 1].at);
		if (i && v[i].stage_id == v[i - 1].stage_id)
			return hfail(im, e, r, "stage", "history.repeat",
				     "the deal is already in stage '%.64s' since row %zu", r->stage,
				     rows[v[i - 1].idx].row);
		if (v[i].amount >= 0)
			last_amount = v[i].amount;
	}
	if (v[n - 1].stage_id != d.stage_id)
		return hfail(im, e, &rows[v[n - 1].idx], "stage", "history.last_stage",
			     "deal %lld is in stage '%s' now, but its history ends in '%.64s'",
			     (long long)d.id, d.stage_key, rows[v[n - 1].idx].stage);
	if (last_amount >= 0 && last_amount != d.amount)
		return hfail(im, e, &rows[v[n - 1].idx], "amount", "history.amount_mismatch",
			     "the last amount given for deal %lld differs from its amount now",
			     (long long)d.id);
	return 0;
}

/* write_deal replaces one deal's history with entries v[0..n). */
static int write_deal(struct himport *im, const struct hentry *v, size_t n, struct errinfo *e)
{
	struct store *st = im->st;
	int64_t prev_amount = -1;
	int rc;

	if ((rc = st->ops->history_reset(st, im->w.id, v[0].deal_id, v[0].at)))
		return fail_std(e, rc, "deal");
	for (size_t i = 0; i < n; i++) {
		struct stage_change h;

		memset(&h, 0, sizeof(h));
		h.workspace_id = im->w.id;
		h.deal_id = v[i].deal_id;
		h.from_stage_id = i ? v[i - 1].stage_id : 0;
		h.to_stage_id = v[i].stage_id;
		h.changed_by = v[i].by;
		memcpy(h.changed_at, v[i].at, TS_LEN);
		if ((rc = st->ops->history_add(st, &h)))
			return fail_std(e, rc, "history");
		if (v[i].amount >= 0 && prev_amount >= 0 && v[i].amount != prev_amount) {
			struct deal_change c;

			memset(&c, 0, sizeof(c));
			c.workspace_id = im->w.id;
			c.deal_id = v[i].deal_id;
			snprintf(c.field, sizeof(c.field), "amount");
			snprintf(c.old_value, sizeof(c.old_value), "%lld", (long long)prev_amount);
			snprintf(c.new_value, sizeof(c.new_value), "%lld", (long long)v[i].amount);
			c.changed_by = v[i].by;
			memcpy(c.changed_at, v[i].at, TS_LEN);
			if ((rc = st->ops->deal_change_add(st, &c)))
				return fail_std(e, rc, "history");
		}
		if (v[i].amount >= 0)
			prev_amount = v[i].amount;
	}
	return 0;
}

static int history_import_tx(struct himport *im, const struct history_row *rows, size_t n,
			     int dry_run, struct errinfo *e)
{
	struct store *st = im->st;
	struct hentry *v = NULL;
	size_t i, j;
	int rc;

	stage_list_release(&im->stages);
	user_list_release(&im->users);
	im->res->deals = 0;
	im->res->error_row = 0;
	if ((rc = load_ws(st, im->a, &im->w, e)))
		return rc;
	if (!st->ops->history_reset || !st->ops->deal_change_add)
		return errinfo_set(e, ERR_DB, "server.error", NULL,
				   "the %s store cannot import history", st->ops->name);
	if ((rc = st->ops->stage_list(st, im->w.id, &im->stages)))
		return fail_std(e, rc, "stage");
	if ((rc = st->ops->user_list(st, im->w.id, &im->users)))
		return fail_std(e, rc, "user");
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return fail_std(e, ERR_NOMEM, "history");
	for (i = 0; i < n; i++)
		if ((rc = check_row(im, &rows[i], i, &v[i], e)))
			goto out;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_hentry);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && v[j].deal_id == v[i].deal_id; j++)
			;
		if ((rc = check_deal(im, rows, v + i, j - i, e)))
			goto out;
	}
	if (dry_run)
		goto out;
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && v[j].deal_id == v[i].deal_id; j++)
			;
		if ((rc = write_deal(im, v + i, j - i, e)))
			goto out;
		im->res->deals++;
	}
	rc = fail_std(e,
		      svc_audit_add(im->st, im->a, "import", "", 0, "{s:s,s:I,s:I}", "kind",
				    "history", "rows", (json_int_t)n, "deals",
				    (json_int_t)im->res->deals),
		      "audit");
out:
	free(v);
	return rc;
}

int svc_history_import(struct store *st, const struct actor *a, const struct history_row *rows,
		       size_t n, int dry_run, struct history_import_result *res, struct errinfo *e)
{
	struct himport im;
	char ts[TS_LEN];
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&im, 0, sizeof(im));
	im.st = st;
	im.a = a;
	im.res = res;
	if (!is_admin_actor(a))
		return errinfo_set(e, ERR_FORBIDDEN, "auth.forbidden", NULL,
				   "only admins import history");
	if (n == 0)
		return errinfo_set(e, ERR_INVALID, "history.empty", NULL, "no history rows");
	store_now(ts);
	if (report_time_parse(ts, &im.now))
		return fail_std(e, ERR_INVALID, "history");
	res->rows = n;
	WITH_TX(st, !dry_run, rc, history_import_tx(&im, rows, n, dry_run, e));
	if (rc)
		res->deals = 0;
	stage_list_release(&im.stages);
	user_list_release(&im.users);
	return rc;
}
