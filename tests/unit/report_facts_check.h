/*
 * report_facts_check.h - a randomized check, shared by the SQLite and the
 * PostgreSQL store tests, that the deal facts a store keeps for the reports
 * (report_closes, report_stalled_deals, report_owner_sums) equal a replay of
 * the stage history the reports did before (report_deals, report_spans and
 * report.c), after random creates, moves (some out of time order, some at
 * the same second), edits, deletes, trash and restore, and history imports;
 * that the stays report_spans reads (deal_stay) are each deal's stage
 * history in (changed_at, id) order; that the funnel from the groups kept
 * (report_reaches) equals the funnel replayed; that time in stage,
 * velocity, the win rate and the pipeline as of a date from the tables kept
 * for them (report_tallies: deal_dwell_day and deal_dwell's values in the
 * buckets that hold the medians, report_dwell_values; deal_closing,
 * deal_open; the deals changed since, report_changed_deals) equal the same
 * reports replayed, and deal_dwell_day's buckets deal_dwell's values; and
 * that summary_owner_sums equals one summary per owner, and the summary
 * (deal_sum unless a filter narrows it) the deals summed. The writes run
 * alone, one or more operations per transaction, or a round in one group of
 * savepoints (SQLite; one transaction on PostgreSQL), with some
 * transactions rolled back: the upkeep of a transaction's deals waits for
 * its commit.
 */
#ifndef LITECRM_REPORT_FACTS_CHECK_H
#define LITECRM_REPORT_FACTS_CHECK_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "money.h"
#include "report.h"
#include "store.h"

#define FC_STAGES 6 /* four open, won, lost */
#define FC_OWNERS 3
#define FC_T0	  1767225600 /* 2026-01-01T00:00:00Z */

struct fc {
	struct store *db;
	int64_t ws, company;
	struct stage stages[FC_STAGES];
	int64_t owners[FC_OWNERS];
	int64_t ids[400]; /* live deals */
	size_t nids;
	unsigned seed;
	int bulk; /* a bulk write as an import makes it: no history imported */
};

static unsigned fc_rand(struct fc *f)
{
	f->seed = f->seed * 1103515245u + 12345u;
	return (f->seed >> 8) & 0xffffff;
}

static void fc_time(int64_t t, char out[TS_LEN])
{
	report_time_format(t, out);
}

/* fc_add_history records deal id entering stage at t. */
static void fc_add_history(struct fc *f, int64_t id, int64_t from, int64_t stage, int64_t t)
{
	struct stage_change h;

	memset(&h, 0, sizeof(h));
	h.workspace_id = f->ws;
	h.deal_id = id;
	h.from_stage_id = from;
	h.to_stage_id = stage;
	h.changed_by = f->owners[0];
	fc_time(t, h.changed_at);
	cr_assert_eq(f->db->ops->history_add(f->db, &h), 0);
}

static void fc_import(struct fc *f, int64_t id);

/* fc_close_date gives a deal a target close date in one of four months, or none. */
static void fc_close_date(struct fc *f, struct deal *d)
{
	if (fc_rand(f) % 4 == 0)
		d->close_date[0] = '\0';
	else
		snprintf(d->close_date, sizeof(d->close_date), "2026-%02u-%02u", 2 + fc_rand(f) % 4,
			 1 + fc_rand(f) % 28);
}

static void fc_create(struct fc *f)
{
	struct deal d;
	int64_t t = FC_T0 + (int64_t)(fc_rand(f) % 200) * 86400;

	memset(&d, 0, sizeof(d));
	d.workspace_id = f->ws;
	d.company_id = f->company;
	d.stage_id = f->stages[fc_rand(f) % FC_STAGES].id;
	d.owner_id = f->owners[fc_rand(f) % FC_OWNERS];
	d.created_by = d.owner_id;
	d.amount = (int64_t)(fc_rand(f) % 1000000);
	d.probability = fc_rand(f) % 3 ? -1 : (int)(fc_rand(f) % 101);
	strcpy(d.currency, "TWD");
	fc_close_date(f, &d);
	snprintf(d.name, sizeof(d.name), "deal %zu", f->nids);
	fc_time(t, d.created_at);
	cr_assert_eq(f->db->ops->deal_create(f->db, &d), 0);
	if (fc_rand(f) % 5) /* some deals have no history */
		fc_add_history(f, d.id, 0, d.stage_id, t);
	f->ids[f->nids++] = d.id;
	if (!f->bulk &&
	    fc_rand(f) % 8 == 0) /* its history imported at once, maybe in the same transaction */
		fc_import(f, d.id);
}

static void fc_move(struct fc *f, int64_t id)
{
	struct deal d;
	int64_t from, t;

	cr_assert_eq(f->db->ops->deal_get(f->db, f->ws, id, &d), 0);
	from = d.stage_id;
	d.stage_id = f->stages[fc_rand(f) % FC_STAGES].id;
	if (d.stage_id == from)
		return;
	cr_assert_eq(f->db->ops->deal_update(f->db, &d), 0);
	/* mostly later, sometimes earlier than the rest, often at one same second */
	switch (fc_rand(f) % 4) {
	case 0:
		t = FC_T0 + (int64_t)(fc_rand(f) % 3) * 86400;
		break;
	case 1:
		t = FC_T0 + 300 * 86400;
		break;
	default:
		t = FC_T0 + 200 * 86400 + (int64_t)(fc_rand(f) % 100) * 86400;
	}
	fc_add_history(f, id, from, d.stage_id, t);
}

/* fc_change records the value a field of deal id held before a change at a random moment. */
static void fc_change(struct fc *f, int64_t id, const char *field, int64_t old, int64_t new_)
{
	struct deal_change c;

	memset(&c, 0, sizeof(c));
	c.workspace_id = f->ws;
	c.deal_id = id;
	snprintf(c.field, sizeof(c.field), "%s", field);
	if (old >= 0)
		snprintf(c.old_value, sizeof(c.old_value), "%lld", (long long)old);
	if (new_ >= 0)
		snprintf(c.new_value, sizeof(c.new_value), "%lld", (long long)new_);
	c.changed_by = f->owners[0];
	fc_time(FC_T0 + (int64_t)(fc_rand(f) % 300) * 86400 + (int64_t)(fc_rand(f) % 3) * 3600,
		c.changed_at);
	cr_assert_eq(f->db->ops->deal_change_add(f->db, &c), 0);
}

static void fc_edit(struct fc *f, int64_t id)
{
	struct deal d;
	int64_t amount;
	int prob;

	cr_assert_eq(f->db->ops->deal_get(f->db, f->ws, id, &d), 0);
	amount = d.amount;
	prob = d.probability;
	d.amount = (int64_t)(fc_rand(f) % 1000000);
	d.owner_id = f->owners[fc_rand(f) % FC_OWNERS];
	d.probability = fc_rand(f) % 2 ? -1 : (int)(fc_rand(f) % 101);
	if (fc_rand(f) % 2)
		fc_close_date(f, &d);
	cr_assert_eq(f->db->ops->deal_update(f->db, &d), 0);
	if (fc_rand(f) % 2)
		fc_change(f, id, "amount", amount, d.amount);
	if (prob != d.probability && fc_rand(f) % 2)
		fc_change(f, id, "probability", prob, d.probability);
}

/* fc_import replaces a deal's history as `litecrm import history` does, ending in its stage. */
static void fc_import(struct fc *f, int64_t id)
{
	struct deal d;
	char created[TS_LEN];
	int64_t t = FC_T0 - (int64_t)(fc_rand(f) % 100) * 86400, prev = 0;
	unsigned n = 1 + fc_rand(f) % 4;

	cr_assert_eq(f->db->ops->deal_get(f->db, f->ws, id, &d), 0);
	fc_time(t, created);
	cr_assert_eq(f->db->ops->history_reset(f->db, f->ws, id, created), 0);
	for (unsigned i = 0; i < n; i++) {
		int64_t st = i + 1 == n ? d.stage_id : f->stages[fc_rand(f) % FC_STAGES].id;

		if (st == prev)
			continue;
		fc_add_history(f, id, prev, st, t);
		prev = st;
		t += (int64_t)(fc_rand(f) % 40) * 86400;
	}
}

/* fc_trash moves a deal to the trash and, mostly, back. */
static void fc_trash(struct fc *f, size_t k)
{
	cr_assert_eq(f->db->ops->deal_trash(f->db, f->ws, f->ids[k], 0, "2026-11-27T00:00:00Z"), 0);
	if (fc_rand(f) % 4)
		cr_assert_eq(f->db->ops->deal_untrash(f->db, f->ws, f->ids[k]), 0);
	else
		f->ids[k] = f->ids[--f->nids];
}

/* fc_undone creates and moves a deal in a transaction (or savepoint) rolled back. */
static void fc_undone(struct fc *f)
{
	size_t n = f->nids;
	int64_t id;

	if (n == sizeof(f->ids) / sizeof(f->ids[0]))
		return;
	cr_assert_eq(f->db->ops->begin(f->db, 1), 0);
	fc_create(f);
	id = f->ids[--f->nids];
	if (n)
		fc_move(f, f->ids[fc_rand(f) % n]);
	fc_move(f, id);
	cr_assert_eq(f->db->ops->rollback(f->db), 0);
}

static void fc_delete(struct fc *f, size_t k)
{
	cr_assert_eq(f->db->ops->deal_delete(f->db, f->ws, f->ids[k]), 0);
	f->ids[k] = f->ids[--f->nids];
}

static int fc_cmp_close(const void *a, const void *b)
{
	const struct report_close *x = a, *y = b;

	if (x->owner_id != y->owner_id)
		return x->owner_id < y->owner_id ? -1 : 1;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	if (x->cycle != y->cycle)
		return x->cycle < y->cycle ? -1 : 1;
	if (x->amount != y->amount)
		return x->amount < y->amount ? -1 : 1;
	return x->won - y->won;
}

/* by stage, entry, id: each stage's longest stalled first */
static int fc_cmp_stalled(const void *a, const void *b)
{
	const struct report_deal *x = a, *y = b;

	if (x->stage_id != y->stage_id)
		return x->stage_id < y->stage_id ? -1 : 1;
	if (x->entered != y->entered)
		return x->entered < y->entered ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int fc_cmp_sum(const void *a, const void *b)
{
	const struct report_sum *x = a, *y = b;

	if (x->stage_id != y->stage_id)
		return x->stage_id < y->stage_id ? -1 : 1;
	return x->owner_id < y->owner_id ? -1 : x->owner_id > y->owner_id;
}

/* fc_check_stays: the stays read are each deal's history, in order, in seconds. */
static void fc_check_stays(struct fc *f, const struct report_deal_list *deals,
			   const struct report_span_list *spans)
{
	size_t j = 0;

	for (size_t i = 0; i < deals->n; i++) {
		struct history_list h = {0};

		cr_assert_eq(f->db->ops->history_list(f->db, f->ws, deals->v[i].id, &h), 0);
		for (size_t k = 0; k < h.n; k++, j++) {
			int64_t t = 0;

			cr_assert_lt(j, spans->n, "deal %lld: stay %zu missing",
				     (long long)deals->v[i].id, k);
			cr_assert_eq(report_time_parse(h.v[k].changed_at, &t), 0);
			cr_assert_eq(spans->deal_id[j], deals->v[i].id);
			cr_assert_eq(spans->v[j].stage_id, h.v[k].to_stage_id, "deal %lld stay %zu",
				     (long long)deals->v[i].id, k);
			cr_assert_eq(spans->v[j].from, t, "deal %lld stay %zu",
				     (long long)deals->v[i].id, k);
		}
		history_list_release(&h);
	}
	cr_assert_eq(j, spans->n, "%zu stays, %zu history rows", spans->n, j);
}

/* fc_check_owner_sums: summary_owner_sums equals one summary per owner, under filter g. */
static void fc_check_owner_sums(struct fc *f, struct deal_filter *g)
{
	struct report_sum_list all = {0};
	size_t seen = 0;

	cr_assert_eq(f->db->ops->summary_owner_sums(f->db, f->ws, g, &all), 0);
	for (int o = 0; o < FC_OWNERS; o++) {
		struct deal_filter one = *g;
		struct stage_sum_list sums = {0};

		if (g->owner_id && g->owner_id != f->owners[o])
			continue;
		one.owner_id = f->owners[o];
		cr_assert_eq(f->db->ops->summary(f->db, f->ws, &one, &sums), 0);
		for (size_t i = 0; i < sums.n; i++) {
			size_t k;

			for (k = 0; k < all.n; k++)
				if (all.v[k].owner_id == f->owners[o] &&
				    all.v[k].stage_id == sums.v[i].stage_id)
					break;
			cr_assert_lt(k, all.n, "owner %d stage %lld missing", o,
				     (long long)sums.v[i].stage_id);
			cr_assert_eq(all.v[k].deals, sums.v[i].count);
			cr_assert_eq(all.v[k].amount, sums.v[i].amount);
			cr_assert_eq(all.v[k].expected, sums.v[i].expected);
			seen++;
		}
		stage_sum_list_release(&sums);
	}
	cr_assert_eq(seen, all.n);
	report_sum_list_release(&all);
}

/* fc_day is the day of t (INT64_MIN and INT64_MAX kept), or -1 with *ok 0 when t starts none. */
static int64_t fc_day(int64_t t, int *ok)
{
	if (t == INT64_MIN || t == INT64_MAX)
		return t;
	if (t % REPORT_DAY)
		*ok = 0;
	return t / REPORT_DAY;
}

/*
 * fc_check_as_of: the pipeline at moment t from deal_open's days before day
 * and the deals changed since.
 */
static void fc_check_as_of(struct fc *f, struct report_input *in, int64_t owner, int64_t t,
			   int64_t day)
{
	struct store *db = f->db;
	struct report_tally_list open = {0};
	struct report_change_list changes = {0};
	struct report_deal_list cd = {0};
	struct report_span_list cs = {0};
	struct report_asof *want = NULL, *got = NULL, *with = NULL, *without = NULL;
	struct report_input sub = *in;
	size_t nw = 0, ng = 0, n1 = 0, n2 = 0;
	char since[TS_LEN];

	report_time_format(t, since);
	cr_assert_eq(db->ops->report_changes(db, f->ws, owner, since, &changes), 0);
	in->changes = changes.v;
	in->nchanges = changes.n;
	cr_assert_eq(report_as_of(in, t, &want, &nw), 0);
	in->changes = NULL;
	in->nchanges = 0;
	cr_assert_eq(
	    db->ops->report_tallies(db, REPORT_TALLY_OPEN, f->ws, owner, INT64_MIN, day, &open), 0);
	cr_assert_eq(report_as_of_tallies(in, open.v, open.n, &got, &ng), 0);
	cr_assert_eq(db->ops->report_changed_deals(db, f->ws, owner, since, &cd, &cs), 0);
	sub.deals = cd.v;
	sub.ndeals = cd.n;
	sub.spans = cs.v;
	sub.span_deal = cs.deal_id;
	sub.nspans = cs.n;
	report_history_spans(cs.deal_id, cs.v, cs.n);
	report_input_link(&sub);
	sub.changes = changes.v;
	sub.nchanges = changes.n;
	cr_assert_eq(report_as_of(&sub, t, &with, &n1), 0);
	sub.nchanges = 0;
	cr_assert_eq(report_as_of(&sub, t, &without, &n2), 0);
	cr_assert_eq(nw, ng);
	cr_assert_eq(n1, ng);
	report_as_of_adjust(got, with, without, ng);
	for (size_t i = 0; i < nw; i++) {
		cr_assert_eq(got[i].stage_id, want[i].stage_id);
		cr_assert_eq(got[i].count, want[i].count, "as of %lld row %zu count", (long long)t,
			     i);
		cr_assert_eq(got[i].amount, want[i].amount, "as of %lld row %zu amount",
			     (long long)t, i);
		cr_assert_eq(got[i].expected, want[i].expected, "as of %lld row %zu expected",
			     (long long)t, i);
	}
	free(want);
	free(got);
	free(with);
	free(without);
	report_tally_list_release(&open);
	report_change_list_release(&changes);
	report_deal_list_release(&cd);
	report_span_list_release(&cs);
}

static int fc_cmp_tally(const void *a, const void *b)
{
	const struct report_tally *x = a, *y = b;

	if (x->stage_id != y->stage_id)
		return x->stage_id < y->stage_id ? -1 : 1;
	if (x->open != y->open)
		return x->open - y->open;
	return x->key < y->key ? -1 : x->key > y->key;
}

/*
 * fc_check_dwell_days: deal_dwell_day's buckets of the open stages (got)
 * are deal_dwell's values counted and summed per day of their seconds.
 */
static void fc_check_dwell_days(struct fc *f, const struct report_input *in, int64_t owner,
				int64_t fd, int64_t td, const struct report_tally_list *got)
{
	struct report_dwell_range all[2 * FC_STAGES];
	struct report_tally_list rows = {0};
	struct report_tally *want, *g;
	size_t nall = 0, nw = 0, i, k;

	for (i = 0; i < in->nstages; i++)
		for (int open = 0; open < 2 && in->stages[i].kind == STAGE_OPEN; open++)
			all[nall++] = (struct report_dwell_range){in->stages[i].id, open, INT64_MIN,
								  INT64_MAX};
	cr_assert_eq(f->db->ops->report_dwell_values(f->db, f->ws, owner, fd, td, all, nall, &rows),
		     0);
	want = calloc(rows.n + 1, sizeof(*want));
	g = calloc(got->n + 1, sizeof(*g));
	cr_assert(want && g);
	for (i = 0; i < rows.n; i++) {
		const struct report_tally *r = &rows.v[i];
		int64_t day = r->key / REPORT_DAY - (r->key % REPORT_DAY < 0);

		for (k = 0; k < nw; k++)
			if (want[k].stage_id == r->stage_id && want[k].open == r->open &&
			    want[k].key == day)
				break;
		if (k == nw) {
			want[nw].stage_id = r->stage_id;
			want[nw].open = r->open;
			want[nw++].key = day;
		}
		want[k].deals += r->deals;
		want[k].amount += r->key * r->deals;
	}
	if (got->n)
		memcpy(g, got->v, got->n * sizeof(*g));
	if (nw) /* qsort wants a non-null base even for 0 */
		qsort(want, nw, sizeof(*want), fc_cmp_tally);
	if (got->n) /* qsort wants a non-null base even for 0 */
		qsort(g, got->n, sizeof(*g), fc_cmp_tally);
	cr_assert_eq(got->n, nw, "%zu buckets kept, %zu from the values", got->n, nw);
	for (i = 0; i < nw; i++) {
		cr_assert_eq(fc_cmp_tally(&g[i], &want[i]), 0,
			     "bucket %zu: stage %lld open %d day %lld", i,
			     (long long)want[i].stage_id, want[i].open, (long long)want[i].key);
		cr_assert_eq(g[i].deals, want[i].deals, "bucket %zu deals", i);
		cr_assert_eq(g[i].amount, want[i].amount, "bucket %zu seconds", i);
	}
	free(want);
	free(g);
	report_tally_list_release(&rows);
}

/*
 * fc_check_win_rate: the win rate from deal_closing's closes per day, stage
 * and owner equals the replay's, over whole days.
 */
static void fc_check_win_rate(struct fc *f, struct report_input *in, int64_t owner, int64_t from,
			      int64_t to)
{
	struct report_tally_list c = {0};
	int days = 1;
	int64_t fd = fc_day(from, &days), td = fc_day(to, &days);

	if (!days)
		return;
	cr_assert_eq(
	    f->db->ops->report_tallies(f->db, REPORT_TALLY_CLOSE_OWNER, f->ws, owner, fd, td, &c),
	    0);
	for (int g = REPORT_GROUP_MONTH; g <= REPORT_GROUP_QUARTER; g++)
		for (int by = REPORT_BY_ALL; by <= REPORT_BY_PERIOD; by++) {
			struct report_closed *x = NULL, *y = NULL;
			size_t nx = 0, ny = 0;

			cr_assert_eq(report_closed_by(in, from, to, (enum report_by)by,
						      (enum report_group)g, &x, &nx),
				     0);
			cr_assert_eq(report_closed_tallies(in, c.v, c.n, (enum report_by)by,
							   (enum report_group)g, &y, &ny),
				     0);
			cr_assert_eq(nx, ny, "win rate by %d: %zu rows replayed, %zu kept", by, nx,
				     ny);
			for (size_t i = 0; i < nx; i++) {
				cr_assert_eq(x[i].key, y[i].key, "win rate by %d row %zu", by, i);
				cr_assert_eq(x[i].won, y[i].won, "win rate by %d row %zu won", by,
					     i);
				cr_assert_eq(x[i].lost, y[i].lost);
				cr_assert_eq(x[i].won_amount, y[i].won_amount);
				cr_assert_eq(x[i].lost_amount, y[i].lost_amount);
			}
			free(x);
			free(y);
		}
	/* cycle length and the leaderboard: those groups with the cycles read one by one */
	for (int won_only = 0; won_only <= 1; won_only++)
		for (int g = REPORT_GROUP_MONTH; g <= REPORT_GROUP_QUARTER; g++) {
			struct report_cycles cy;

			cr_assert_eq(report_cycles_init(&cy, in, c.v, c.n, 7u, (enum report_group)g,
							won_only),
				     0);
			cr_assert_eq(f->db->ops->report_close_each(f->db, f->ws, owner, from, to,
								   won_only, report_cycles_add,
								   &cy),
				     0);
			cr_assert_eq(report_cycles_finish(&cy), 0);
			for (int by = REPORT_BY_ALL; by <= REPORT_BY_PERIOD; by++) {
				struct report_closed *x = NULL;
				size_t nx = 0;

				cr_assert_eq(report_closed_by(in, from, to, (enum report_by)by,
							      (enum report_group)g, &x, &nx),
					     0);
				cr_assert_eq(nx, cy.n[by]);
				for (size_t i = 0; i < nx; i++) {
					const struct report_closed *y = &cy.g[by][i];

					cr_assert_eq(x[i].key, y->key);
					cr_assert_eq(x[i].won, y->won);
					cr_assert_eq(x[i].lost, y->lost);
					cr_assert_eq(x[i].won_amount, y->won_amount);
					cr_assert_eq(x[i].lost_amount, y->lost_amount);
					cr_assert_eq(memcmp(&x[i].won_cycle, &y->won_cycle,
							    sizeof(y->won_cycle)),
						     0, "cycles by %d row %zu: won", by, i);
					if (!won_only)
						cr_assert_eq(
						    memcmp(&x[i].lost_cycle, &y->lost_cycle,
							   sizeof(y->lost_cycle)),
						    0, "cycles by %d row %zu: lost", by, i);
				}
				free(x);
			}
			report_cycles_release(&cy);
		}
	report_tally_list_release(&c);
}

/*
 * fc_check_history: time in stage and velocity from deal_dwell, deal_closing
 * and deal_open equal the replay (over whole days, as svc_report.c reads
 * them), and the pipeline as of several moments.
 */
static void fc_check_history(struct fc *f, struct report_input *in, int64_t owner, int64_t from,
			     int64_t to, const struct report_sum_list *sums)
{
	struct store *db = f->db;
	struct report_tally_list a = {0}, b = {0};
	int days = 1, fresh = 1, settled = 1, now_day = 1;
	int64_t fd = fc_day(from, &days), td = fc_day(to, &days), latest = INT64_MIN, open_now = 0;
	int64_t nd = fc_day(in->now, &now_day);
	size_t i;

	if (!days)
		return;
	/* time in stage: when every stay began before now */
	cr_assert_eq(db->ops->report_tallies(db, REPORT_TALLY_LATEST, f->ws, 0, 0, 0, &a), 0);
	for (i = 0; i < a.n; i++)
		if (a.v[i].stage_id) /* stage 0: the last day of creation */
			fresh &= a.v[i].key < in->now;
	for (i = 0; i < in->ndeals; i++)
		if (owner == 0 && in->deals[i].entered > latest)
			latest = in->deals[i].entered;
	if (owner == 0)
		cr_assert_eq(fresh, latest < in->now, "latest entry %lld, now %lld",
			     (long long)latest, (long long)in->now);
	for (i = 0; i < a.n; i++)
		settled &= a.v[i].key < in->now;
	report_tally_list_release(&a);
	if (fresh) {
		struct report_stage_time *x = NULL, *y = NULL;
		struct report_dwell_range *rg = NULL;
		size_t nx = 0, ny = 0, nrg = 0;

		cr_assert_eq(
		    db->ops->report_tallies(db, REPORT_TALLY_DWELL, f->ws, owner, fd, td, &a), 0);
		fc_check_dwell_days(f, in, owner, fd, td, &a);
		cr_assert_eq(report_dwell_ranges(in, a.v, a.n, &rg, &nrg), 0);
		cr_assert_eq(db->ops->report_dwell_values(db, f->ws, owner, fd, td, rg, nrg, &b),
			     0);
		cr_assert_eq(report_time_in_stage(in, from, to, &x, &nx), 0);
		cr_assert_eq(
		    report_time_in_stage_days(in, a.v, a.n, b.v, b.n, sums->v, sums->n, &y, &ny),
		    0);
		cr_assert_eq(nx, ny);
		for (i = 0; i < nx; i++) {
			cr_assert_eq(x[i].stage_id, y[i].stage_id);
			cr_assert_eq(x[i].current, y[i].current, "stage %zu current", i);
			cr_assert_eq(x[i].stay.count, y[i].stay.count, "stage %zu count", i);
			cr_assert_eq(x[i].stay.sum, y[i].stay.sum, "stage %zu sum", i);
			cr_assert_eq(x[i].stay.mean, y[i].stay.mean, "stage %zu mean", i);
			cr_assert_eq(x[i].stay.median, y[i].stay.median, "stage %zu median", i);
		}
		free(x);
		free(y);
		free(rg);
		report_tally_list_release(&a);
		report_tally_list_release(&b);
	}
	/* velocity, per month and quarter */
	for (i = 0; i < sums->n; i++) {
		const struct report_stage *s = report_stage_find(in, sums->v[i].stage_id);

		if (s && s->kind == STAGE_OPEN)
			open_now += sums->v[i].deals;
	}
	/* a moment within a day: that day's changes, when every one came before it */
	for (int g = REPORT_GROUP_MONTH; g <= REPORT_GROUP_QUARTER && (now_day || settled); g++) {
		struct report_velocity *x = NULL, *y = NULL;
		size_t nx = 0, ny = 0;

		cr_assert_eq(
		    db->ops->report_tallies(db, REPORT_TALLY_CLOSE, f->ws, owner, fd, td, &a), 0);
		cr_assert_eq(db->ops->report_tallies(db, REPORT_TALLY_OPEN, f->ws, owner, INT64_MIN,
						     now_day ? nd : nd + 1, &b),
			     0);
		cr_assert_eq(report_velocity(in, from, to, (enum report_group)g, &x, &nx), 0);
		cr_assert_eq(report_velocity_tallies(in, a.v, a.n, b.v, b.n, open_now,
						     (enum report_group)g, &y, &ny),
			     0);
		cr_assert_eq(nx, ny, "velocity: %zu periods replayed, %zu kept", nx, ny);
		for (i = 0; i < nx; i++) {
			cr_assert_eq(x[i].key, y[i].key);
			cr_assert_eq(x[i].open, y[i].open, "velocity %lld open",
				     (long long)x[i].key);
			cr_assert_eq(x[i].won, y[i].won);
			cr_assert_eq(x[i].lost, y[i].lost);
			cr_assert_eq(x[i].won_amount, y[i].won_amount);
			cr_assert_eq(x[i].won_cycle_sum, y[i].won_cycle_sum);
			cr_assert_eq(x[i].velocity, y[i].velocity);
		}
		free(x);
		free(y);
		report_tally_list_release(&a);
		report_tally_list_release(&b);
	}
	/* the pipeline as of the start of some days, and after the last change */
	for (int64_t d = -120; d <= 420; d += 45)
		fc_check_as_of(f, in, owner, FC_T0 + d * REPORT_DAY, FC_T0 / REPORT_DAY + d);
	if (settled)
		fc_check_as_of(f, in, owner, in->now, nd + !now_day);
}

/*
 * fc_check_summary: the summary per stage (its stored sums) equals the deals
 * summed, want; report_sums' rows per stage and month, the deals of in.
 */
static void fc_check_summary(struct fc *f, const struct report_input *in, int64_t owner,
			     const struct report_sum *want, size_t nwant)
{
	struct stage_sum_list sums = {0};
	struct deal_filter g;
	size_t i, k, stages = 0;

	deal_filter_init(&g);
	g.owner_id = owner;
	cr_assert_eq(f->db->ops->summary(f->db, f->ws, &g, &sums), 0);
	for (i = 0; i < FC_STAGES; i++) {
		struct stage_sum w = {.stage_id = f->stages[i].id};

		for (k = 0; k < nwant; k++)
			if (want[k].stage_id == w.stage_id) {
				w.count += want[k].deals;
				w.amount += want[k].amount;
				w.expected += want[k].expected;
			}
		for (k = 0; k < sums.n && sums.v[k].stage_id != w.stage_id; k++)
			;
		if (!w.count) {
			cr_assert_eq(k, sums.n, "summary: stage %lld has no deals",
				     (long long)w.stage_id);
			continue;
		}
		stages++;
		cr_assert_lt(k, sums.n, "summary: stage %lld missing", (long long)w.stage_id);
		cr_assert_eq(sums.v[k].count, w.count, "summary: stage %lld deals",
			     (long long)w.stage_id);
		cr_assert_eq(sums.v[k].amount, w.amount);
		cr_assert_eq(sums.v[k].expected, w.expected);
	}
	cr_assert_eq(sums.n, stages);
	stage_sum_list_release(&sums);
	if (f->db->ops->report_sums) { /* per stage and month of close date */
		struct report_sum_list months = {0};
		int64_t total = 0;

		cr_assert_eq(f->db->ops->report_sums(f->db, f->ws, owner, &months), 0);
		for (k = 0; k < months.n; k++) {
			const struct report_sum *m = &months.v[k];
			int64_t n = 0, amount = 0, expected = 0;

			for (i = 0; i < in->ndeals; i++) {
				const struct report_deal *d = &in->deals[i];
				const struct report_stage *rs = report_stage_find(in, d->stage_id);

				if (d->stage_id != m->stage_id ||
				    strncmp(d->close_date, m->month, 7) != 0 ||
				    (!m->month[0] && d->close_date[0]))
					continue;
				n++;
				amount += d->amount;
				expected += money_expected(d->amount, d->probability >= 0
									  ? d->probability
									  : rs->probability);
			}
			cr_assert_eq(m->deals, n, "report_sums: stage %lld month '%s'",
				     (long long)m->stage_id, m->month);
			cr_assert_eq(m->amount, amount);
			cr_assert_eq(m->expected, expected);
			total += n;
		}
		cr_assert_eq(total, (int64_t)in->ndeals, "report_sums: every deal in one month");
		report_sum_list_release(&months);
	}
}

/* fc_compare checks the facts against the replay, for one owner filter, period and now. */
static void fc_compare(struct fc *f, int64_t owner, int64_t from, int64_t to, int64_t now)
{
	struct store *db = f->db;
	struct report_stage rs[FC_STAGES];
	struct report_deal_list deals = {0}, stalled = {0};
	struct report_span_list spans = {0};
	struct report_close_list closes = {0};
	struct report_sum_list sums = {0};
	struct report_input in;
	struct report_close *want = NULL;
	struct report_sum *wsum = calloc(FC_STAGES * FC_OWNERS, sizeof(*wsum));
	size_t nwant = 0, nwsum = 0, i, k;

	cr_assert_not_null(wsum);
	for (i = 0; i < FC_STAGES; i++) {
		cr_assert_eq(db->ops->stage_get(db, f->ws, f->stages[i].id, &f->stages[i]), 0);
		rs[i].id = f->stages[i].id;
		rs[i].position = f->stages[i].position;
		rs[i].kind = f->stages[i].kind;
		rs[i].probability = f->stages[i].probability;
		rs[i].stalled_days = f->stages[i].stalled_days;
	}
	cr_assert_eq(db->ops->report_deals(db, f->ws, owner, &deals), 0);
	cr_assert_eq(db->ops->report_spans(db, f->ws, owner, &spans), 0);
	memset(&in, 0, sizeof(in));
	in.stages = rs;
	in.nstages = FC_STAGES;
	in.deals = deals.v;
	in.ndeals = deals.n;
	in.spans = spans.v;
	in.span_deal = spans.deal_id;
	in.nspans = spans.n;
	in.now = now;
	fc_check_stays(f, &deals, &spans);
	report_history_spans(spans.deal_id, spans.v, spans.n);
	report_input_link(&in);

	/* the deals closed in [from, to) */
	cr_assert_eq(report_closes_of(&in, from, to, &want, &nwant), 0);
	cr_assert_eq(db->ops->report_closes(db, f->ws, owner, from, to, &closes), 0);
	cr_assert_eq(closes.n, nwant, "closes: %zu from the facts, %zu from the history", closes.n,
		     nwant);
	if (nwant) /* qsort wants a non-null base even for 0 */
		qsort(want, nwant, sizeof(*want), fc_cmp_close);
	if (closes.n) /* qsort wants a non-null base even for 0 */
		qsort(closes.v, closes.n, sizeof(*closes.v), fc_cmp_close);
	for (i = 0; i < nwant; i++)
		cr_assert_eq(fc_cmp_close(&want[i], &closes.v[i]), 0,
			     "close %zu: owner %lld at %lld cycle %lld, want %lld %lld %lld", i,
			     (long long)closes.v[i].owner_id, (long long)closes.v[i].at,
			     (long long)closes.v[i].cycle, (long long)want[i].owner_id,
			     (long long)want[i].at, (long long)want[i].cycle);

	fc_check_win_rate(f, &in, owner, from, to);

	/* the stalled deals: their counts per stage and owner, and each stage's first ones */
	for (size_t limit = 2; limit <= 500; limit += 498) {
		struct report_sum_list cnt = {0};
		struct report_deal *w = calloc(in.ndeals + 1, sizeof(*w));
		size_t nw = 0, nf = 0, total = 0;

		cr_assert_not_null(w);
		cr_assert_eq(
		    db->ops->report_stalled_deals(db, f->ws, owner, now, limit, &cnt, &stalled), 0);
		for (i = 0; i < in.ndeals; i++) {
			const struct report_deal *d = &in.deals[i];
			const struct report_stage *s = report_stage_find(&in, d->stage_id);

			if (d->kind == STAGE_OPEN && s && s->stalled_days > 0 &&
			    now - d->entered > (int64_t)s->stalled_days * REPORT_DAY)
				w[nw++] = *d;
		}
		if (nw) /* qsort wants a non-null base even for 0 */
			qsort(w, nw, sizeof(*w), fc_cmp_stalled);
		for (i = 0; i < cnt.n; i++) {
			int64_t m = 0;

			for (k = 0; k < nw; k++)
				m += w[k].stage_id == cnt.v[i].stage_id &&
				     w[k].owner_id == cnt.v[i].owner_id;
			cr_assert_eq(cnt.v[i].deals, m, "stalled in stage %lld of owner %lld",
				     (long long)cnt.v[i].stage_id, (long long)cnt.v[i].owner_id);
			cr_assert_gt(m, 0);
			for (k = 0; k < i; k++)
				cr_assert(cnt.v[k].stage_id != cnt.v[i].stage_id ||
					  cnt.v[k].owner_id != cnt.v[i].owner_id);
			total += (size_t)m;
		}
		cr_assert_eq(total, nw, "stalled: %zu counted, %zu replayed", total, nw);
		if (stalled.n) /* qsort wants a non-null base even for 0 */
			qsort(stalled.v, stalled.n, sizeof(*stalled.v), fc_cmp_stalled);
		for (i = 0; i < nw; i++) {
			/* the first limit of each stage, in the order of entry, then id */
			if (i >= limit && w[i - limit].stage_id == w[i].stage_id)
				continue;
			cr_assert_lt(nf, stalled.n, "stalled: deal %lld missing",
				     (long long)w[i].id);
			cr_assert_eq(stalled.v[nf].id, w[i].id, "stalled %zu", nf);
			cr_assert_eq(stalled.v[nf].entered, w[i].entered);
			cr_assert_eq(stalled.v[nf].owner_id, w[i].owner_id);
			cr_assert_eq(stalled.v[nf].kind, STAGE_OPEN);
			nf++;
		}
		cr_assert_eq(nf, stalled.n, "stalled: %zu read, %zu wanted", stalled.n, nf);
		report_sum_list_release(&cnt);
		report_deal_list_release(&stalled);
		free(w);
	}

	/* the funnel from the groups kept (deal_reach), for whole days */
	if ((from == INT64_MIN || from % REPORT_DAY == 0) &&
	    (to == INT64_MAX || to % REPORT_DAY == 0)) {
		struct report_reach_list reach = {0};
		struct report_funnel *fa = NULL, *fb = NULL;
		size_t na = 0, nb = 0;

		cr_assert_eq(
		    db->ops->report_reaches(db, f->ws, owner,
					    from == INT64_MIN ? INT64_MIN : from / REPORT_DAY,
					    to == INT64_MAX ? INT64_MAX : to / REPORT_DAY, &reach),
		    0);
		cr_assert_eq(report_funnel(&in, from, to, &fa, &na), 0);
		cr_assert_eq(report_funnel_groups(&in, reach.v, reach.n, &fb, &nb), 0);
		cr_assert_eq(na, nb);
		for (i = 0; i < na; i++) {
			cr_assert_eq(fa[i].stage_id, fb[i].stage_id);
			cr_assert_eq(fa[i].reached, fb[i].reached, "funnel %zu reached", i);
			cr_assert_eq(fa[i].advanced, fb[i].advanced, "funnel %zu advanced", i);
			cr_assert_eq(fa[i].won, fb[i].won, "funnel %zu won", i);
			cr_assert_eq(fa[i].lost, fb[i].lost, "funnel %zu lost", i);
			cr_assert_eq(fa[i].open, fb[i].open, "funnel %zu open", i);
		}
		free(fa);
		free(fb);
		report_reach_list_release(&reach);
	}

	/* count, amount and expected per stage and owner */
	for (i = 0; i < in.ndeals; i++) {
		const struct report_deal *d = &in.deals[i];
		const struct report_stage *s = report_stage_find(&in, d->stage_id);

		for (k = 0; k < nwsum; k++)
			if (wsum[k].stage_id == d->stage_id && wsum[k].owner_id == d->owner_id)
				break;
		if (k == nwsum) {
			wsum[k].stage_id = d->stage_id;
			wsum[k].owner_id = d->owner_id;
			nwsum++;
		}
		wsum[k].deals++;
		wsum[k].amount += d->amount;
		wsum[k].expected += money_expected(d->amount, d->probability >= 0 ? d->probability
										  : s->probability);
	}
	cr_assert_eq(db->ops->report_owner_sums(db, f->ws, owner, &sums), 0);
	if (nwsum) /* qsort wants a non-null base even for 0 */
		qsort(wsum, nwsum, sizeof(*wsum), fc_cmp_sum);
	if (sums.n) /* qsort wants a non-null base even for 0 */
		qsort(sums.v, sums.n, sizeof(*sums.v), fc_cmp_sum);
	fc_check_history(f, &in, owner, from, to, &sums);
	cr_assert_eq(sums.n, nwsum);
	for (i = 0; i < nwsum; i++) {
		cr_assert_eq(sums.v[i].stage_id, wsum[i].stage_id);
		cr_assert_eq(sums.v[i].owner_id, wsum[i].owner_id);
		cr_assert_eq(sums.v[i].deals, wsum[i].deals);
		cr_assert_eq(sums.v[i].amount, wsum[i].amount);
		cr_assert_eq(sums.v[i].expected, wsum[i].expected);
	}
	fc_check_summary(f, &in, owner, wsum, nwsum);
	free(want);
	free(wsum);
	report_deal_list_release(&deals);
	report_deal_list_release(&stalled);
	report_span_list_release(&spans);
	report_close_list_release(&closes);
	report_sum_list_release(&sums);
}

/*
 * report_facts_check runs rounds of random writes in workspace ws (with
 * company), with its own stages and owners, comparing after each round; at
 * round rebuild (-1: never) the store recomputes its facts (report rebuild).
 */
static void report_facts_check(struct store *db, int64_t ws, int64_t company, unsigned seed,
			       int rebuild)
{
	static const char *const keys[FC_STAGES] = {"fc_a", "fc_b",   "fc_c",
						    "fc_d", "fc_won", "fc_lost"};
	struct fc f;

	memset(&f, 0, sizeof(f));
	f.db = db;
	f.ws = ws;
	f.company = company;
	f.seed = seed;
	for (int i = 0; i < FC_STAGES; i++) {
		struct stage *g = &f.stages[i];

		g->workspace_id = ws;
		snprintf(g->key, sizeof(g->key), "%s", keys[i]);
		snprintf(g->name_en, sizeof(g->name_en), "%s", keys[i]);
		g->probability = 10 + 15 * i;
		g->kind = i == 4 ? STAGE_WON : i == 5 ? STAGE_LOST : STAGE_OPEN;
		g->position = 100 + i;
		cr_assert_eq(db->ops->stage_create(db, g), 0, "stage_create %s", keys[i]);
	}
	for (int i = 0; i < FC_OWNERS; i++) {
		struct user u;

		memset(&u, 0, sizeof(u));
		u.workspace_id = ws;
		snprintf(u.username, sizeof(u.username), "fc%d", i);
		u.role = ROLE_MEMBER;
		u.active = 1;
		cr_assert_eq(db->ops->user_create(db, &u, "$argon2id$x"), 0);
		f.owners[i] = u.id;
	}
	cr_assert_eq(db->ops->stage_set_stalled(db, ws, f.stages[0].id, 20), 0);
	cr_assert_eq(db->ops->stage_set_stalled(db, ws, f.stages[2].id, 90), 0);
	for (int round = 0; round < 6; round++) {
		/* 0: each write alone; 1: each operation a transaction; 2: the round one group */
		int mode = round % 3, group = mode == 2 && db->ops->group_begin, open = 0;

		if (group)
			cr_assert_eq(db->ops->group_begin(db), 0);
		else if (mode == 2)
			cr_assert_eq(db->ops->begin(db, 1), 0);
		for (int i = 0; i < 60; i++) {
			unsigned op = fc_rand(&f) % 10;
			size_t k = f.nids ? fc_rand(&f) % f.nids : 0;
			int tx = mode == 1 || group;

			if (tx && !open && fc_rand(&f) % 8 == 0)
				fc_undone(&f);
			if (tx && !open)
				cr_assert_eq(db->ops->begin(db, STORE_TX_ROWS), 0);
			open = tx;
			if (i == 30 && (round == 1 || round == 5)) {
				/* mid-round, deals touched and not yet flushed: a probability */
				struct stage *g = &f.stages[2];

				cr_assert_eq(db->ops->stage_get(db, ws, g->id, g), 0);
				g->probability = round == 1 ? 5 : 95;
				cr_assert_eq(db->ops->stage_update(db, g), 0);
			}
			if (f.nids < 20 || (op < 3 && f.nids < 400))
				fc_create(&f);
			else if (op < 6)
				fc_move(&f, f.ids[k]);
			else if (op < 7)
				fc_edit(&f, f.ids[k]);
			else if (op < 9)
				fc_import(&f, f.ids[k]);
			else if (fc_rand(&f) % 2)
				fc_trash(&f, k);
			else
				fc_delete(&f, k);
			if (open && fc_rand(&f) % 3) { /* else the next one joins the transaction */
				cr_assert_eq(db->ops->commit(db), 0);
				open = 0;
			}
		}
		if (open)
			cr_assert_eq(db->ops->commit(db), 0);
		if (group)
			cr_assert_eq(db->ops->group_end(db, 1), 0);
		else if (mode == 2)
			cr_assert_eq(db->ops->commit(db), 0);
		if (round == rebuild)
			cr_assert_eq(db->ops->report_rebuild(db, ws), 0);
		if (round == 2 || round == 4) { /* a stage's probability changes, then its name */
			struct stage *g = &f.stages[round == 2 ? 1 : 0];

			cr_assert_eq(db->ops->stage_get(db, ws, g->id, g), 0);
			if (round == 2)
				g->probability = 33;
			else
				snprintf(g->name_en, sizeof(g->name_en), "renamed");
			cr_assert_eq(db->ops->stage_update(db, g), 0);
		}
		fc_compare(&f, 0, INT64_MIN, INT64_MAX, FC_T0 + 400 * 86400);
		fc_compare(&f, f.owners[round % FC_OWNERS], FC_T0 + 30 * 86400, FC_T0 + 250 * 86400,
			   FC_T0 + 260 * 86400);
		fc_compare(&f, 0, FC_T0, FC_T0 + 1, FC_T0 + 100 * 86400);
		/* now from the clock: within a day */
		fc_compare(&f, 0, INT64_MIN, INT64_MAX, FC_T0 + 300 * 86400 + 4321);
		{
			struct deal_filter g;

			deal_filter_init(&g);
			fc_check_owner_sums(&f, &g);
			g.owner_id = f.owners[round % FC_OWNERS];
			fc_check_owner_sums(&f, &g);
			deal_filter_init(&g);
			snprintf(g.close_from, sizeof(g.close_from), "2026-03-01");
			fc_check_owner_sums(&f, &g);
			g.amount_min = 300000; /* a deal-list filter */
			fc_check_owner_sums(&f, &g);
		}
	}
}

#endif
