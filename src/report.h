/*
 * report.h - the arithmetic of the sales-cycle reports: statistics, periods,
 * time in stage, the funnel, win rates, velocity and the pipeline as it stood
 * on a date. Pure domain code: it knows no SQL, no HTTP and no files.
 *
 * The input is a struct report_input that svc_report.c fills from the store:
 * the pipeline's stages in order, the deals the caller may see (already
 * filtered by owner), and each deal's stage history as spans. Every time is
 * an int64_t count of seconds since 1970-01-01T00:00:00Z read from a stored
 * timestamp, so every figure is exact and reproducible; "now" is part of the
 * input, never read from a clock here.
 *
 * The state of a deal "at moment T" is the state after every recorded event
 * strictly before T (an event at exactly T has not happened yet). Durations
 * are seconds; docs/API.md ("Reports") defines every figure in words.
 */
#ifndef LITECRM_REPORT_H
#define LITECRM_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "hashmap.h"
#include "model.h"

#define REPORT_DAY 86400
/* The end of a span that has not ended (the deal's current stage). */
#define REPORT_OPEN_END INT64_MAX

enum report_group { REPORT_GROUP_MONTH = 0, REPORT_GROUP_QUARTER = 1 };

/*
 * report_time_parse reads "YYYY-MM-DDTHH:MM:SSZ" (fraction of a second
 * ignored) or a date "YYYY-MM-DD" (its 00:00:00Z) into seconds since the
 * epoch. Returns 0, or ERR_INVALID for anything else.
 */
int report_time_parse(const char *s, int64_t *out);
/* report_time_format writes t as "YYYY-MM-DDTHH:MM:SSZ" into out. */
void report_time_format(int64_t t, char out[TS_LEN]);
/* report_date_end returns the end of date "YYYY-MM-DD" (the next day's 00:00:00Z). */
int report_date_end(const char *date, int64_t *out);

/*
 * report_period_of returns the period code of moment t: year * 100 + month
 * (202603) for REPORT_GROUP_MONTH, year * 10 + quarter (20261) for quarters.
 * report_period_of_date does the same for "YYYY-MM-DD" (0 for "").
 */
int64_t report_period_of(int64_t t, enum report_group g);
int64_t report_period_of_date(const char *date, enum report_group g);
/* report_period_name writes "2026-03" or "2026-Q1" for a period code. */
void report_period_name(int64_t code, enum report_group g, char out[16]);
/* report_period_next returns the period after code. */
int64_t report_period_next(int64_t code, enum report_group g);

/* report_days100 converts seconds to hundredths of a day, rounded half away from zero. */
int64_t report_days100(int64_t seconds);
/*
 * report_rate_bp returns num / den in basis points (1/100 of a percent),
 * rounded half away from zero, or -1 when den is 0.
 */
int64_t report_rate_bp(int64_t num, int64_t den);
/* report_div_round divides rounding half away from zero (den != 0). */
int64_t report_div_round(int64_t num, int64_t den);

/* Count, sum, mean and median of a sample (mean and median -1 when empty). */
struct report_stats {
	int64_t count;
	int64_t sum;
	int64_t mean;	/* rounded half away from zero */
	int64_t median; /* the middle value; for an even count the mean of the two middle ones */
};
/* report_stats_of sorts v[0..n) in place and summarises it into out. */
void report_stats_of(int64_t *v, size_t n, struct report_stats *out);

/* ---- the input ---- */

struct report_stage {
	int64_t id;
	int position;
	enum stage_kind kind;
	int probability;
	int stalled_days; /* 0: never stalls */
};

/* One stay of a deal in a stage: [from, to); to is REPORT_OPEN_END for the current one. */
struct report_span {
	int64_t stage_id;
	int64_t from, to;
};

struct report_deal {
	int64_t id;
	int64_t owner_id;
	int64_t stage_id; /* the current stage */
	int64_t amount;
	int probability; /* the override, or -1 when the stage's applies */
	char close_date[DATE_LEN];
	int64_t created;
	/* Set by report_input_link(): */
	size_t span0, nspans; /* the deal's spans in report_input.spans */
	enum stage_kind kind; /* of the current stage */
	int64_t entered;      /* when it entered its current stage (created without history) */
};

/* A recorded value before a change: what the field held until `at`. */
enum report_field { REPORT_FIELD_AMOUNT = 0, REPORT_FIELD_PROBABILITY = 1 };
struct report_change {
	int64_t deal_id;
	enum report_field field;
	int64_t at;
	int64_t old; /* amount, or probability override (-1: none) */
};

struct report_input {
	const struct report_stage *stages; /* the pipeline, in order */
	size_t nstages;
	struct report_deal *deals; /* sorted by id */
	size_t ndeals;
	struct report_span *spans; /* sorted by deal, then time */
	size_t nspans;
	const int64_t *span_deal; /* span_deal[i]: the deal id of spans[i] */
	struct report_change *changes;
	size_t nchanges;
	int64_t now;
};

/*
 * report_history_spans closes the spans of history rows (deal dids[i]
 * entered sp[i].stage_id at sp[i].from, sorted by deal then time): each
 * ends when the next row of the same deal begins; a deal's last is open.
 */
void report_history_spans(const int64_t *dids, struct report_span *sp, size_t n);

/*
 * report_input_link points each deal at its spans and sets its kind and
 * entry time into its current stage. A deal with no history is taken to have
 * been in its current stage since its creation.
 */
void report_input_link(struct report_input *in);

/* report_stage_find returns the stage with id, or NULL. */
const struct report_stage *report_stage_find(const struct report_input *in, int64_t id);

/*
 * report_keep_reached drops from in->deals those that never entered stage
 * stage_id (per their history or their current stage); links stay valid.
 */
void report_keep_reached(struct report_input *in, int64_t stage_id);

/* report_stage_at returns the stage deal d was in at moment t (0: not created yet). */
int64_t report_stage_at(const struct report_input *in, const struct report_deal *d, int64_t t);

/* report_closed_at returns when a closed deal closed (entered its won/lost stage), else -1. */
int64_t report_closed_at(const struct report_deal *d);

/* ---- the reports; every "out" array is malloc'd: free() it ---- */

enum report_by { REPORT_BY_ALL = 0, REPORT_BY_OWNER, REPORT_BY_PERIOD };

/*
 * Closed deals of one group: those whose close moment lies in [from, to).
 * key is 0 (all), the owner id, or the period code.
 */
struct report_closed {
	int64_t key;
	int64_t won, lost;
	int64_t won_amount, lost_amount;
	struct report_stats won_cycle, lost_cycle; /* seconds from creation to close */
};
/* A deal closed in the period, as the closed-deal figures need it. */
struct report_close {
	int64_t owner_id;
	int64_t at;    /* the close: the entry into its won or lost stage */
	int64_t cycle; /* seconds from creation to close (0 when negative) */
	int64_t amount;
	int won; /* 1 won, 0 lost */
};
/* report_closes_of lists the deals of in closed in [from, to). Returns 0 or ERR_NOMEM. */
int report_closes_of(const struct report_input *in, int64_t from, int64_t to,
		     struct report_close **out, size_t *n);
/* report_closed_group is report_closed_by over closes c[0..nc) (any order). */
int report_closed_group(const struct report_close *c, size_t nc, enum report_by by,
			enum report_group g, struct report_closed **out, size_t *n);
/*
 * report_closed_by groups the closed deals (win rate, cycle length). BY_ALL
 * always gives one row; the others one row per owner (by id) or period (in
 * order) that has a closed deal. Returns 0 or ERR_NOMEM.
 */
int report_closed_by(const struct report_input *in, int64_t from, int64_t to, enum report_by by,
		     enum report_group g, struct report_closed **out, size_t *n);

/* Time in one open stage, over the deals created in [from, to). */
struct report_stage_time {
	int64_t stage_id;
	struct report_stats stay; /* per deal: its seconds in the stage, every visit, up to now */
	int64_t current;	  /* deals in it now */
};
/* report_time_in_stage gives one row per open stage, in pipeline order. */
int report_time_in_stage(const struct report_input *in, int64_t from, int64_t to,
			 struct report_stage_time **out, size_t *n);
/*
 * report_bottleneck returns the index of the row with the longest median
 * stay (ties: the longer mean, then the earlier stage), or -1 when no stage
 * has a stay.
 */
int report_bottleneck(const struct report_stage_time *v, size_t n);

/* The funnel row of one open stage, over the deals created in [from, to). */
struct report_funnel {
	int64_t stage_id;
	int64_t reached;  /* entered this stage or a later one (won counts as later) */
	int64_t advanced; /* entered a later stage */
	int64_t won;	  /* reached it and are won now */
	int64_t lost;	  /* lost now, with this stage the furthest they reached */
	int64_t open;	  /* open now, with this stage the furthest they reached */
};
int report_funnel(const struct report_input *in, int64_t from, int64_t to,
		  struct report_funnel **out, size_t *n);
/*
 * Deals that entered the same stages and sit in the same stage now: what the
 * funnel needs of a deal. reached lists the ids of the stages entered per its
 * history ("3,1,4", any order; a deal without history: its current stage).
 */
struct report_reach {
	char *reached;
	int64_t stage_id;
	int64_t deals;
};
/* report_funnel_groups is report_funnel over the groups g[0..ng) (period already applied). */
int report_funnel_groups(const struct report_input *in, const struct report_reach *g, size_t ng,
			 struct report_funnel **out, size_t *n);

/* A stalled deal: open, in a stage with stalled_days, for longer than that. */
struct report_stalled {
	size_t deal; /* index into in->deals */
	int64_t deal_id;
	int64_t seconds;
	int stalled_days;
};
/*
 * report_stalled lists stalled deals (in->deals in any order), the first
 * min(n, limit) the longest stalled, longest first (then by id), the rest
 * after them in no order.
 */
int report_stalled(const struct report_input *in, size_t limit, struct report_stalled **out,
		   size_t *n);

/* Pipeline velocity of a period (key 0: the whole range, open counted now). */
struct report_velocity {
	int64_t key;
	int64_t open; /* deals open at the end of the period (or now, if earlier) */
	int64_t won, lost, won_amount;
	int64_t won_cycle_sum; /* seconds */
	int64_t velocity;      /* minor units per day; -1 when no deal was won */
};
/* report_velocity gives the whole range first, then each period with a close in [from, to). */
int report_velocity(const struct report_input *in, int64_t from, int64_t to, enum report_group g,
		    struct report_velocity **out, size_t *n);
/* report_velocity_of computes v->velocity from its other fields. */
void report_velocity_of(struct report_velocity *v);

/* The open pipeline at moment t, per open stage; the last row (stage_id 0) is the total. */
struct report_asof {
	int64_t stage_id;
	int64_t count, amount, expected;
};
/* report_as_of needs in->changes sorted by deal, then time. */
int report_as_of(const struct report_input *in, int64_t t, struct report_asof **out, size_t *n);

/* One owner's line of the leaderboard. */
struct report_leader {
	int64_t owner_id;
	int64_t won, lost, won_amount, lost_amount;
	int64_t open, open_amount, open_expected;
	struct report_stats won_cycle;
};
/* report_leaderboard: closes in [from, to), open deals now; by won amount, won count, owner. */
int report_leaderboard(const struct report_input *in, int64_t from, int64_t to,
		       struct report_leader **out, size_t *n);

/*
 * report_leaderboard_sums is report_leaderboard from the deals closed in the
 * period c[0..nc) and the per stage and owner sums g[0..ng) of every deal
 * (report_sum below: the open pipeline, and a line for each owner).
 */
struct report_sum;
int report_leaderboard_sums(const struct report_input *in, const struct report_close *c, size_t nc,
			    const struct report_sum *g, size_t ng, struct report_leader **out,
			    size_t *n);
/*
 * report_leaderboard_groups is report_leaderboard_sums from the deals closed
 * in the period already grouped by owner, k[0..nk) (report_closed_group, or
 * struct report_cycles below), in owner order.
 */
int report_leaderboard_groups(const struct report_input *in, const struct report_closed *k,
			      size_t nk, const struct report_sum *g, size_t ng,
			      struct report_leader **out, size_t *n);

/* One month of target close dates (key 0: deals without one, last). */
struct report_month {
	int64_t key;
	int64_t open, open_amount, expected;
	int64_t won, won_amount;
};
/* The stored sums of one stage and month of target close date ("" for none). */
struct report_sum {
	int64_t stage_id;
	int64_t owner_id; /* report_owner_sums only */
	char month[8];	  /* YYYY-MM */
	int64_t deals, amount, expected;
};
/*
 * report_forecast_sums is report_forecast from those sums (any order): the
 * same months, without reading a deal.
 */
int report_forecast_sums(const struct report_input *in, const struct report_sum *g, size_t ng,
			 struct report_month **out, size_t *n);
/* report_forecast groups open and won deals by the month of their close_date. */
int report_forecast(const struct report_input *in, struct report_month **out, size_t *n);
/* A key and how many times it occurs. */
struct report_count {
	int64_t key;
	int64_t count;
};
/* report_count_keys counts keys[0..n) into a new array of (key, count) by key. */
int report_count_keys(const int64_t *keys, size_t n, struct report_count **out, size_t *nout);
/*
 * report_count_sums adds up g[0..n)'s deals per stage (by_owner 0) or per
 * owner (1) into a new array of (key, count) by key.
 */
int report_count_sums(const struct report_sum *g, size_t n, int by_owner, struct report_count **out,
		      size_t *nout);
/*
 * struct report_pairs counts pairs of a stage and an owner one by one (the
 * stalled deals as the store reads them: a GROUP BY there would sort them):
 * v[0..n) holds each pair seen (stage_id, owner_id) and its count (deals),
 * in order of first sight. report_pairs_add returns 0 or ERR_NOMEM;
 * report_pairs_release frees the table, and v unless taken (set to NULL).
 */
struct report_pairs {
	struct report_sum *v;
	size_t n, cap;	    /* v's entries, and its room */
	struct hashmap map; /* v's entries by stage and owner */
};
int report_pairs_add(struct report_pairs *p, int64_t stage_id, int64_t owner_id);
void report_pairs_release(struct report_pairs *p);
/* report_months_sum adds the months of v whose key is in [first, last] into out (key 0). */
void report_months_sum(const struct report_month *v, size_t n, int64_t first, int64_t last,
		       struct report_month *out);

/* ---- from what the store keeps for the history reports ---- */

/* The tables report_tallies reads (store.h). */
enum report_tally_kind {
	/*
	 * deal_dwell_day: per stage, open (the deal is in it now) and day of
	 * secs (key), the deals created in [a, b) and the sum of their secs
	 * (amount)
	 */
	REPORT_TALLY_DWELL = 0,
	/* deal_open: per day (key) and stage, the changes in deals, amount and expected (extra) */
	REPORT_TALLY_OPEN,
	/* deal_closing: per day (key) of entry and stage, deals, amount and cycle seconds (extra)
	 */
	REPORT_TALLY_CLOSE,
	/*
	 * per stage: the latest entry (key) of a deal into its current stage;
	 * stage 0: the last moment of the last day a deal was created on
	 */
	REPORT_TALLY_LATEST,
	/* deal_closing as REPORT_TALLY_CLOSE, per owner too (owner_id) */
	REPORT_TALLY_CLOSE_OWNER,
	REPORT_TALLY_END
};
/* A row of one of those tables, summed over owners (and days of creation). */
struct report_tally {
	int64_t stage_id;
	int64_t key; /* seconds (dwell: now + key when open), or a day */
	int open;
	int64_t deals, amount, extra;
	int64_t owner_id; /* REPORT_TALLY_CLOSE_OWNER only */
};

/* A value that occurs weight times. */
struct report_weighted {
	int64_t value;
	int64_t weight;
};
/*
 * report_stats_weighted is report_stats_of over the multiset v[0..n)
 * (weights > 0; v is reordered).
 */
void report_stats_weighted(struct report_weighted *v, size_t n, struct report_stats *out);

/*
 * Time in stage from deal_dwell_day's buckets, in two steps: the buckets of
 * an open stage (REPORT_TALLY_DWELL rows: key a day of secs, open, deals,
 * amount the sum of their secs) give its count and mean and the few
 * buckets its median lies in; deal_dwell's rows of those buckets alone
 * (store.h, report_dwell_values) give the median. A bucket holds the values
 * [key, key + 1) days, plus in->now when open: with a moment that does not
 * begin a day the open buckets straddle the others, and the range read is
 * every bucket that overlaps the values the median can have.
 */
struct report_dwell_range {
	int64_t stage_id;
	int open;
	int64_t lo, hi; /* secs in [lo, hi) */
};
/*
 * report_dwell_ranges lists the ranges of deal_dwell to read for the
 * medians of every open stage from buckets t[0..nt): at most two per stage
 * (closed and open values), in a new array *out (free() it) of *n.
 */
int report_dwell_ranges(const struct report_input *in, const struct report_tally *t, size_t nt,
			struct report_dwell_range **out, size_t *n);
/*
 * report_time_in_stage_days is report_time_in_stage from the buckets
 * t[0..nt), deal_dwell's rows of report_dwell_ranges' ranges rows[0..nr)
 * (key secs: each deal's seconds in a stage, or in->now + key when open;
 * every stay began before in->now) and the deals per stage now (report_sum
 * rows cur[0..ncur)). ERR_DB when the rows do not add up to their buckets
 * (the store's tables disagree).
 */
int report_time_in_stage_days(const struct report_input *in, const struct report_tally *t,
			      size_t nt, const struct report_tally *rows, size_t nr,
			      const struct report_sum *cur, size_t ncur,
			      struct report_stage_time **out, size_t *n);
/*
 * report_closed_tallies is report_closed_group's win rate (counts and
 * amounts; the cycles left empty: no median comes from sums) from
 * deal_closing's rows per day, stage and owner t[0..nt)
 * (REPORT_TALLY_CLOSE_OWNER) of the period's days.
 */
int report_closed_tallies(const struct report_input *in, const struct report_tally *t, size_t nt,
			  enum report_by by, enum report_group g, struct report_closed **out,
			  size_t *n);
/*
 * struct report_cycles adds the cycles to those groups: the groups of
 * report_closed_tallies (all, per owner, per period) give each its count
 * beforehand, so the closes handed to report_cycles_add one by one (any
 * order) go straight to their group's place in one array of values, and
 * report_cycles_finish takes each group's median with a quickselect: no
 * array of the closes, no sort. With won_only the lost deals' cycles are
 * left empty (their counts and amounts are set) and only the won are added.
 */
struct report_cycles {
	struct report_closed *g[3]; /* by enum report_by; NULL: not wanted */
	size_t n[3];
	enum report_group group;
	int won_only;
	int64_t *vals;
	size_t *at[3], *end[3];	      /* per group: next free place won, lost; their ends */
	size_t lo[3][2], hi[3][2];    /* per grouping: where its won, lost values lie */
	int all_of_owners;	      /* the overall row's values are the owners' */
	int64_t last_day, last_owner; /* the last lookups (the closes come mostly in runs) */
	size_t day_row, owner_row;
	int day_ok, owner_ok;
};
/*
 * report_cycles_init makes the groups by wanted (a bit per enum report_by)
 * from deal_closing's rows t[0..nt) as report_closed_tallies. Returns 0 or
 * ERR_NOMEM; release with report_cycles_release.
 */
int report_cycles_init(struct report_cycles *c, const struct report_input *in,
		       const struct report_tally *t, size_t nt, unsigned wanted,
		       enum report_group g, int won_only);
/*
 * report_cycles_add adds close c (ctx: the struct report_cycles); ERR_DB
 * when it has no place left (the store's tables disagree).
 */
int report_cycles_add(void *ctx, const struct report_close *c);
/* report_cycles_finish takes the stats of every group; ERR_DB when a place is left empty. */
int report_cycles_finish(struct report_cycles *c);
void report_cycles_release(struct report_cycles *c);
/*
 * report_as_of_tallies is report_as_of at the start of day `day` from
 * deal_open's changes t[0..nt) of the days before it, every deal at its
 * current amount and probability.
 */
int report_as_of_tallies(const struct report_input *in, const struct report_tally *t, size_t nt,
			 struct report_asof **out, size_t *n);
/* report_as_of_adjust adds with[i] - without[i] to v[i] (rows of report_as_of, same stages). */
void report_as_of_adjust(struct report_asof *v, const struct report_asof *with,
			 const struct report_asof *without, size_t n);
/*
 * report_velocity_tallies is report_velocity over whole days (in->now the
 * start of one) from deal_closing's rows c[0..nc) of the period's days,
 * deal_open's changes o[0..no) by day and the number of deals open now.
 */
int report_velocity_tallies(const struct report_input *in, const struct report_tally *c, size_t nc,
			    const struct report_tally *o, size_t no, int64_t open_now,
			    enum report_group g, struct report_velocity **out, size_t *n);

#endif
