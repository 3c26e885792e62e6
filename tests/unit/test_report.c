/*
 * test_report.c - the arithmetic of the sales-cycle reports (report.c): time
 * parsing, periods, statistics, and each report over a small hand-computed
 * pipeline with a deal that skips stages, one that moves backwards, one
 * reopened after being lost, and one with no history.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "report.h"

#define D(n) ((int64_t)(n)*REPORT_DAY)

Test(report, time_parse_and_format)
{
	int64_t t;
	char buf[TS_LEN];

	cr_assert_eq(report_time_parse("1970-01-01T00:00:00Z", &t), 0);
	cr_expect_eq(t, 0);
	cr_assert_eq(report_time_parse("2026-03-01", &t), 0);
	report_time_format(t, buf);
	cr_expect_str_eq(buf, "2026-03-01T00:00:00Z");
	cr_assert_eq(report_time_parse("2024-02-29T23:59:59Z", &t), 0);
	report_time_format(t, buf);
	cr_expect_str_eq(buf, "2024-02-29T23:59:59Z");
	cr_expect_eq(report_time_parse("2025-02-29", &t), ERR_INVALID);
	cr_expect_eq(report_time_parse("2025-01-01T10:00:00", &t), ERR_INVALID);
	cr_expect_eq(report_time_parse("2025-13-01", &t), ERR_INVALID);
	cr_assert_eq(report_date_end("2026-01-31", &t), 0);
	report_time_format(t, buf);
	cr_expect_str_eq(buf, "2026-02-01T00:00:00Z");
}

Test(report, periods)
{
	int64_t t;
	char buf[16];

	report_time_parse("2026-05-17T12:00:00Z", &t);
	cr_expect_eq(report_period_of(t, REPORT_GROUP_MONTH), 202605);
	cr_expect_eq(report_period_of(t, REPORT_GROUP_QUARTER), 20262);
	cr_expect_eq(report_period_of_date("2026-12-31", REPORT_GROUP_QUARTER), 20264);
	cr_expect_eq(report_period_of_date("", REPORT_GROUP_MONTH), 0);
	report_period_name(20262, REPORT_GROUP_QUARTER, buf);
	cr_expect_str_eq(buf, "2026-Q2");
	report_period_name(202605, REPORT_GROUP_MONTH, buf);
	cr_expect_str_eq(buf, "2026-05");
	cr_expect_eq(report_period_next(202612, REPORT_GROUP_MONTH), 202701);
	cr_expect_eq(report_period_next(20264, REPORT_GROUP_QUARTER), 20271);
}

Test(report, numbers_round_half_away_from_zero)
{
	cr_expect_eq(report_days100(D(1) / 2), 50);
	cr_expect_eq(report_days100(D(10) / 3), 333);
	cr_expect_eq(report_days100(D(20) / 3), 667);
	cr_expect_eq(report_rate_bp(1, 3), 3333);
	cr_expect_eq(report_rate_bp(2, 3), 6667);
	cr_expect_eq(report_rate_bp(0, 0), -1);
	cr_expect_eq(report_div_round(5, 2), 3);
	cr_expect_eq(report_div_round(-5, 2), -3);
}

Test(report, stats_median_and_mean)
{
	int64_t odd[] = {9, 1, 5};
	int64_t even[] = {4, 1, 3, 10};
	struct report_stats s;

	report_stats_of(odd, 3, &s);
	cr_expect_eq(s.count, 3);
	cr_expect_eq(s.median, 5);
	cr_expect_eq(s.mean, 5);
	report_stats_of(even, 4, &s);
	cr_expect_eq(s.median, 4, "median of 1 3 4 10 is 3.5 -> 4, got %lld", (long long)s.median);
	cr_expect_eq(s.mean, 5, "mean 18/4 = 4.5 -> 5, got %lld", (long long)s.mean);
	report_stats_of(NULL, 0, &s);
	cr_expect_eq(s.count, 0);
	cr_expect_eq(s.median, -1);
	cr_expect_eq(s.mean, -1);
}

/*
 * The fixture: open stages A(1) B(2) C(3), won W, lost L; days from 0.
 *   deal 1: A@0 B@2 C@5 W@9                 won, cycle 9
 *   deal 2: A@0 C@4 (skips B) L@6           lost, cycle 6
 *   deal 3: A@1 B@3 A@4 (backwards) B@8     open, in B since 8
 *   deal 4: A@2 L@3 B@10 (reopened)         open, in B since 10
 *   deal 5: no history, created @5 in A     open, in A since 5
 * now = day 20.
 */
enum { A = 11, B = 12, C = 13, W = 14, L = 15 };
static const struct report_stage stages[] = {
    {A, 1, STAGE_OPEN, 10, 0}, {B, 2, STAGE_OPEN, 50, 10}, {C, 3, STAGE_OPEN, 80, 0},
    {W, 4, STAGE_WON, 100, 0}, {L, 5, STAGE_LOST, 0, 0},
};
static struct report_deal deals[5];
static struct report_span spans[16];
static int64_t span_deal[16];
static struct report_input in;

static void add_span(size_t *n, int64_t deal, int64_t stage, int64_t day)
{
	span_deal[*n] = deal;
	spans[*n].stage_id = stage;
	spans[*n].from = D(day);
	(*n)++;
}

static void fixture(void)
{
	size_t n = 0;
	struct {
		int64_t owner, stage, amount;
		int prob;
		int created;
		const char *close;
	} dd[5] = {
	    {1, W, 1000, -1, 0, "2026-01-15"}, {2, L, 500, -1, 0, "2026-02-01"},
	    {1, B, 2000, 40, 1, "2026-02-10"}, {2, B, 800, -1, 2, ""},
	    {1, A, 300, -1, 5, "2026-02-20"},
	};

	memset(deals, 0, sizeof(deals));
	for (int i = 0; i < 5; i++) {
		deals[i].id = i + 1;
		deals[i].owner_id = dd[i].owner;
		deals[i].stage_id = dd[i].stage;
		deals[i].amount = dd[i].amount;
		deals[i].probability = dd[i].prob;
		deals[i].created = D(dd[i].created);
		strcpy(deals[i].close_date, dd[i].close);
	}
	add_span(&n, 1, A, 0);
	add_span(&n, 1, B, 2);
	add_span(&n, 1, C, 5);
	add_span(&n, 1, W, 9);
	add_span(&n, 2, A, 0);
	add_span(&n, 2, C, 4);
	add_span(&n, 2, L, 6);
	add_span(&n, 3, A, 1);
	add_span(&n, 3, B, 3);
	add_span(&n, 3, A, 4);
	add_span(&n, 3, B, 8);
	add_span(&n, 4, A, 2);
	add_span(&n, 4, L, 3);
	add_span(&n, 4, B, 10);
	report_history_spans(span_deal, spans, n);
	memset(&in, 0, sizeof(in));
	in.stages = stages;
	in.nstages = 5;
	in.deals = deals;
	in.ndeals = 5;
	in.spans = spans;
	in.span_deal = span_deal;
	in.nspans = n;
	in.now = D(20);
	report_input_link(&in);
}

Test(report, link_sets_kind_and_entry, .init = fixture)
{
	cr_expect_eq(deals[0].kind, STAGE_WON);
	cr_expect_eq(deals[0].entered, D(9));
	cr_expect_eq(deals[2].entered, D(8));
	cr_expect_eq(deals[3].kind, STAGE_OPEN);
	cr_expect_eq(deals[3].entered, D(10));
	cr_expect_eq(deals[4].nspans, 0);
	cr_expect_eq(deals[4].entered, D(5));
	cr_expect_eq(spans[3].to, REPORT_OPEN_END);
	cr_expect_eq(spans[0].to, D(2));
}

Test(report, closed_by_all_owner_period, .init = fixture)
{
	struct report_closed *v;
	size_t n;

	cr_assert_eq(
	    report_closed_by(&in, INT64_MIN, INT64_MAX, REPORT_BY_ALL, REPORT_GROUP_MONTH, &v, &n),
	    0);
	cr_assert_eq(n, 1);
	cr_expect_eq(v[0].won, 1);
	cr_expect_eq(v[0].lost, 1);
	cr_expect_eq(v[0].won_amount, 1000);
	cr_expect_eq(v[0].lost_amount, 500);
	cr_expect_eq(v[0].won_cycle.median, D(9));
	cr_expect_eq(v[0].lost_cycle.median, D(6));
	free(v);
	cr_assert_eq(report_closed_by(&in, INT64_MIN, INT64_MAX, REPORT_BY_OWNER,
				      REPORT_GROUP_MONTH, &v, &n),
		     0);
	cr_assert_eq(n, 2);
	cr_expect_eq(v[0].key, 1);
	cr_expect_eq(v[0].won, 1);
	cr_expect_eq(v[1].key, 2);
	cr_expect_eq(v[1].lost, 1);
	free(v);
	/* A period that holds deal 2's close (day 6) only. */
	cr_assert_eq(report_closed_by(&in, D(5), D(7), REPORT_BY_ALL, REPORT_GROUP_MONTH, &v, &n),
		     0);
	cr_expect_eq(v[0].won, 0);
	cr_expect_eq(v[0].lost, 1);
	free(v);
	/* Nothing closed: one empty overall row. */
	cr_assert_eq(
	    report_closed_by(&in, D(100), D(101), REPORT_BY_ALL, REPORT_GROUP_MONTH, &v, &n), 0);
	cr_expect_eq(n, 1);
	cr_expect_eq(v[0].won + v[0].lost, 0);
	cr_expect_eq(v[0].won_cycle.median, -1);
	free(v);
}

Test(report, cycles_from_closing_rows, .init = fixture)
{
	/* deal_closing's rows of the fixture: deal 1 won on day 9, deal 2 lost on day 6 */
	const struct report_tally t[] = {
	    {.stage_id = W, .key = 9, .deals = 1, .amount = 1000, .extra = D(9), .owner_id = 1},
	    {.stage_id = L, .key = 6, .deals = 1, .amount = 500, .extra = D(6), .owner_id = 2},
	};
	struct report_close c[] = {{1, D(9), D(9), 0, 1}, {2, D(6), D(6), 0, 0}};
	struct report_closed *v;
	struct report_cycles cy;
	size_t n;

	cr_assert_eq(report_cycles_init(&cy, &in, t, 2, 7u, REPORT_GROUP_MONTH, 0), 0);
	for (size_t i = 0; i < 2; i++)
		cr_assert_eq(report_cycles_add(&cy, &c[i]), 0);
	cr_assert_eq(report_cycles_finish(&cy), 0);
	for (int by = REPORT_BY_ALL; by <= REPORT_BY_PERIOD; by++) {
		cr_assert_eq(report_closed_by(&in, INT64_MIN, INT64_MAX, (enum report_by)by,
					      REPORT_GROUP_MONTH, &v, &n),
			     0);
		cr_assert_eq(n, cy.n[by]);
		for (size_t i = 0; i < n; i++) {
			cr_expect_eq(v[i].key, cy.g[by][i].key);
			cr_expect_eq(v[i].won_amount, cy.g[by][i].won_amount);
			cr_expect_eq(v[i].won_cycle.median, cy.g[by][i].won_cycle.median);
			cr_expect_eq(v[i].lost_cycle.median, cy.g[by][i].lost_cycle.median);
			cr_expect_eq(v[i].lost_cycle.count, cy.g[by][i].lost_cycle.count);
		}
		free(v);
	}
	/* a close the rows do not count, or one missing: the tables disagree */
	cr_expect_eq(report_cycles_add(&cy, &c[0]), ERR_DB);
	report_cycles_release(&cy);
	cr_assert_eq(report_cycles_init(&cy, &in, t, 2, 7u, REPORT_GROUP_MONTH, 0), 0);
	cr_assert_eq(report_cycles_add(&cy, &c[0]), 0);
	cr_expect_eq(report_cycles_finish(&cy), ERR_DB);
	report_cycles_release(&cy);
	/* won only: the lost deal is skipped, its cycles left empty */
	cr_assert_eq(
	    report_cycles_init(&cy, &in, t, 2, 1u << REPORT_BY_OWNER, REPORT_GROUP_MONTH, 1), 0);
	for (size_t i = 0; i < 2; i++)
		cr_assert_eq(report_cycles_add(&cy, &c[i]), 0);
	cr_assert_eq(report_cycles_finish(&cy), 0);
	cr_assert_eq(cy.n[REPORT_BY_OWNER], 2);
	cr_expect_eq(cy.g[REPORT_BY_OWNER][0].won_cycle.median, D(9));
	cr_expect_eq(cy.g[REPORT_BY_OWNER][1].lost, 1);
	cr_expect_eq(cy.g[REPORT_BY_OWNER][1].lost_cycle.median, -1);
	report_cycles_release(&cy);
}

Test(report, time_in_stage_counts_every_visit_up_to_now, .init = fixture)
{
	struct report_stage_time *v;
	size_t n;

	cr_assert_eq(report_time_in_stage(&in, INT64_MIN, INT64_MAX, &v, &n), 0);
	cr_assert_eq(n, 3);
	/* A: d1 2, d2 4, d3 2+4=6, d4 1, d5 15 -> 1 2 4 6 15: median 4, mean 5.6 */
	cr_expect_eq(v[0].stay.count, 5);
	cr_expect_eq(v[0].stay.median, D(4));
	cr_expect_eq(v[0].stay.mean, D(28) / 5);
	cr_expect_eq(v[0].current, 1);
	/* B: d1 3, d3 1+12=13, d4 10 -> median 10, mean 26/3 */
	cr_expect_eq(v[1].stay.count, 3);
	cr_expect_eq(v[1].stay.median, D(10));
	cr_expect_eq(v[1].stay.mean, report_div_round(D(26), 3));
	cr_expect_eq(v[1].current, 2);
	/* C: d1 4, d2 2 -> median 3 */
	cr_expect_eq(v[2].stay.median, D(3));
	cr_expect_eq(report_bottleneck(v, n), 1);
	free(v);
}

/* A stay value of the dwell test: open ones are now + secs. */
struct dv {
	int open;
	int64_t secs, deals;
};

static int64_t floor_day(int64_t secs)
{
	return secs / REPORT_DAY - (secs % REPORT_DAY < 0);
}

/*
 * dwell_median checks report_time_in_stage_days over values v[0..n) of stage
 * A (bucketed per day of secs, as deal_dwell_day keeps them, then read back
 * through the ranges report_dwell_ranges asks for) against
 * report_stats_weighted over them all.
 */
static void dwell_median(const struct dv *v, size_t n, int64_t now, size_t *nread)
{
	struct report_tally *t = calloc(n + 1, sizeof(*t)), *rows = calloc(n + 1, sizeof(*rows));
	struct report_weighted *w = calloc(n + 1, sizeof(*w));
	struct report_dwell_range *r = NULL;
	struct report_stage_time *got = NULL;
	struct report_stats want;
	size_t nt = 0, nr = 0, nrg = 0, ng = 0, i, k;

	cr_assert(t && rows && w);
	in.now = now;
	for (i = 0; i < n; i++) {
		for (k = 0; k < nt; k++)
			if (t[k].open == v[i].open && t[k].key == floor_day(v[i].secs))
				break;
		if (k == nt) {
			t[nt].stage_id = A;
			t[nt].open = v[i].open;
			t[nt++].key = floor_day(v[i].secs);
		}
		t[k].deals += v[i].deals;
		t[k].amount += v[i].secs * v[i].deals;
		w[i].value = v[i].open ? now + v[i].secs : v[i].secs;
		w[i].weight = v[i].deals;
	}
	report_stats_weighted(w, n, &want);
	cr_assert_eq(report_dwell_ranges(&in, t, nt, &r, &nrg), 0);
	cr_assert_leq(nrg, 2);
	for (i = 0; i < n; i++)
		for (k = 0; k < nrg; k++)
			if (r[k].stage_id == A && r[k].open == v[i].open && v[i].secs >= r[k].lo &&
			    v[i].secs < r[k].hi) {
				rows[nr].stage_id = A;
				rows[nr].open = v[i].open;
				rows[nr].key = v[i].secs;
				rows[nr++].deals = v[i].deals;
			}
	cr_assert_eq(report_time_in_stage_days(&in, t, nt, rows, nr, NULL, 0, &got, &ng), 0);
	cr_assert_eq(ng, 3);
	cr_expect_eq(got[0].stay.count, want.count);
	cr_expect_eq(got[0].stay.sum, want.sum);
	cr_expect_eq(got[0].stay.mean, want.mean);
	cr_expect_eq(got[0].stay.median, want.median, "median %lld, want %lld (now %lld)",
		     (long long)got[0].stay.median, (long long)want.median, (long long)now);
	cr_expect_eq(got[1].stay.count, 0);
	cr_expect_eq(got[1].stay.median, -1);
	free(got);
	got = NULL;
	if (nr && want.count) { /* a row short: the rows do not add up to their buckets */
		rows[0].deals = 0;
		cr_expect_eq(report_time_in_stage_days(&in, t, nt, rows, nr, NULL, 0, &got, &ng),
			     ERR_DB);
		free(got);
	}
	*nread = nr;
	free(t);
	free(rows);
	free(w);
	free(r);
}

Test(report, time_in_stage_days_reads_the_median_bucket, .init = fixture)
{
	static struct dv v[600];
	unsigned seed = 7;
	size_t nread = 0;

	/* every value in one bucket, and an even count */
	v[0] = (struct dv){0, D(3) + 5, 1};
	v[1] = (struct dv){0, D(3) + 9, 1};
	dwell_median(v, 2, D(40), &nread);
	cr_expect_eq(nread, 2);
	/* no value at all */
	dwell_median(v, 0, D(40), &nread);
	for (int round = 0; round < 300; round++) {
		size_t n = 1 + (size_t)(round * 7 % 599);
		/* now at a day's start, or any second of it */
		int64_t now = D(400 + round % 3) + (round % 2 ? 0 : (int64_t)(seed % REPORT_DAY));

		for (size_t i = 0; i < n; i++) {
			int64_t days;

			seed = seed * 1103515245u + 12345u;
			days = (int64_t)((seed >> 8) %
					 (round % 4 ? 60 : 3)); /* few buckets, or many */
			v[i].open = (seed >> 4) % 2;
			v[i].deals = 1 + (int64_t)((seed >> 12) % (round % 5 ? 3 : 1000));
			v[i].secs =
			    D(days) + (int64_t)((seed >> 16) % (round % 3 ? REPORT_DAY : 4));
			if (v[i].open) /* in it since a moment before now: now + secs */
				v[i].secs -= now;
		}
		dwell_median(v, n, now, &nread);
		cr_assert_leq(nread, n);
	}
}

Test(report, funnel_reached_advanced_won_lost, .init = fixture)
{
	struct report_funnel *v;
	size_t n;

	cr_assert_eq(report_funnel(&in, INT64_MIN, INT64_MAX, &v, &n), 0);
	cr_assert_eq(n, 3);
	/* furthest: d1 won, d2 C (skipped B), d3 B, d4 B, d5 A. */
	cr_expect_eq(v[0].reached, 5);
	cr_expect_eq(v[0].advanced, 4);
	cr_expect_eq(v[0].open, 1);
	cr_expect_eq(v[1].reached, 4, "d2 skipped B but reached C, a later stage");
	cr_expect_eq(v[1].advanced, 2);
	cr_expect_eq(v[1].open, 2);
	cr_expect_eq(v[1].lost, 0, "d4 was lost but is open again");
	cr_expect_eq(v[2].reached, 2);
	cr_expect_eq(v[2].advanced, 1);
	cr_expect_eq(v[2].lost, 1);
	cr_expect_eq(v[2].won, 1);
	free(v);
}

Test(report, stalled_after_stage_setting, .init = fixture)
{
	struct report_stalled *v;
	size_t n;

	/* B stalls after 10 days: d3 (12 days) yes, d4 (exactly 10) no. */
	cr_assert_eq(report_stalled(&in, 100, &v, &n), 0);
	cr_assert_eq(n, 1);
	cr_expect_eq(deals[v[0].deal].id, 3);
	cr_expect_eq(v[0].seconds, D(12));
	free(v);
}

/* Only the first `limit` come sorted: the same as a full sort would put there. */
Test(report, stalled_first_limit_sorted)
{
	enum { N = 3000 };
	static struct report_deal many[N];
	static const size_t limits[] = {0, 1, 2, 7, 100, N - 1, N, N + 5};
	struct report_input min = {0};
	unsigned seed = 12345u;

	for (size_t i = 0; i < N; i++) {
		seed = seed * 1103515245u + 12345u;
		memset(&many[i], 0, sizeof(many[i]));
		many[i].id = (int64_t)(N - i);
		many[i].stage_id = i % 3 ? B : A;
		many[i].kind = STAGE_OPEN;
		/* few distinct days, so that ties by id matter */
		many[i].entered = D(-(int)((seed >> 16) % 40));
	}
	min.stages = stages;
	min.nstages = sizeof(stages) / sizeof(stages[0]);
	min.deals = many;
	min.ndeals = N;
	min.now = D(0);
	for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
		struct report_stalled *full, *v;
		size_t nf, n, k;

		cr_assert_eq(report_stalled(&min, N, &full, &nf), 0);
		cr_assert_eq(report_stalled(&min, limits[l], &v, &n), 0);
		cr_assert_eq(n, nf);
		cr_assert_gt(n, 100);
		k = limits[l] < n ? limits[l] : n;
		for (size_t i = 0; i < k; i++)
			cr_expect_eq(v[i].deal_id, full[i].deal_id, "limit %zu, row %zu", limits[l],
				     i);
		for (size_t i = 1; i < n; i++)
			cr_assert(full[i - 1].seconds > full[i].seconds ||
				  (full[i - 1].seconds == full[i].seconds &&
				   full[i - 1].deal_id < full[i].deal_id));
		free(full);
		free(v);
	}
}

Test(report, pipeline_as_of_rebuilds_stage_and_amount, .init = fixture)
{
	struct report_change ch[] = {{3, REPORT_FIELD_AMOUNT, D(6), 1500}};
	struct report_asof *v;
	size_t n;

	in.changes = ch;
	in.nchanges = 1;
	/*
	 * At t = day 5 (an event at exactly t has not happened): d1 in B (C comes
	 * at 5), d2 in C (skipped B), d3 back in A with 1500 (changed at 6), d4
	 * lost, d5 not created yet.
	 */
	cr_assert_eq(report_as_of(&in, D(5), &v, &n), 0);
	cr_assert_eq(n, 4);
	cr_expect_eq(v[0].count, 1);
	cr_expect_eq(v[0].amount, 1500);
	cr_expect_eq(v[0].expected, 600, "the override 40%% applies");
	cr_expect_eq(v[1].count, 1);
	cr_expect_eq(v[1].expected, 500);
	cr_expect_eq(v[2].count, 1);
	cr_expect_eq(v[2].amount, 500);
	cr_expect_eq(v[2].expected, 400);
	cr_expect_eq(v[3].count, 3);
	cr_expect_eq(v[3].amount, 3000);
	cr_expect_eq(v[3].expected, 1500);
	free(v);
}

Test(report, velocity_and_leaderboard, .init = fixture)
{
	struct report_velocity *v;
	struct report_leader *l;
	size_t n;

	cr_assert_eq(report_velocity(&in, INT64_MIN, INT64_MAX, REPORT_GROUP_MONTH, &v, &n), 0);
	cr_assert_gt(n, 0);
	/* 3 open x 1/2 x 1000 / 9 days = 166.67 -> 167 */
	cr_expect_eq(v[0].open, 3);
	cr_expect_eq(v[0].velocity, 167);
	free(v);
	cr_assert_eq(report_leaderboard(&in, INT64_MIN, INT64_MAX, &l, &n), 0);
	cr_assert_eq(n, 2);
	cr_expect_eq(l[0].owner_id, 1);
	cr_expect_eq(l[0].won_amount, 1000);
	cr_expect_eq(l[0].open, 2);
	cr_expect_eq(l[0].open_amount, 2300);
	cr_expect_eq(l[0].open_expected, 800 + 30);
	cr_expect_eq(l[1].lost, 1);
	free(l);
}

Test(report, forecast_by_close_month, .init = fixture)
{
	struct report_month *v, sum;
	size_t n;

	cr_assert_eq(report_forecast(&in, &v, &n), 0);
	/* 2026-01 won 1000; 2026-02 open d3 + d5; no date: d4. Lost d2 left out. */
	cr_assert_eq(n, 3);
	cr_expect_eq(v[0].key, 202601);
	cr_expect_eq(v[0].won_amount, 1000);
	cr_expect_eq(v[1].key, 202602);
	cr_expect_eq(v[1].open, 2);
	cr_expect_eq(v[1].expected, 800 + 30);
	cr_expect_eq(v[2].key, 0);
	cr_expect_eq(v[2].open_amount, 800);
	report_months_sum(v, n, 202601, 202603, &sum);
	cr_expect_eq(sum.won_amount, 1000);
	cr_expect_eq(sum.open_amount, 2300);
	free(v);
}

Test(report, keep_reached_filters_by_history, .init = fixture)
{
	report_keep_reached(&in, C);
	cr_assert_eq(in.ndeals, 2);
	cr_expect_eq(in.deals[0].id, 1);
	cr_expect_eq(in.deals[1].id, 2);
}
