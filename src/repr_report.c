/*
 * repr_report.c - the JSON of the sales-cycle reports and of field changes,
 * shared by the API (GET /api/v1/reports/...) and the CLI's --json, so that
 * both print the same shapes (docs/API.md, "Reports").
 *
 * Days are numbers with two decimals (hundredths of a day, rounded half away
 * from zero); rates are percents with two decimals; amounts are in the
 * currency's major unit (money_json). A figure that does not exist (the
 * median of nothing, a rate over zero deals) is null.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "pipeline.h"
#include "repr.h"
#include "repr_report.h"

/* days_json: seconds as days with two decimals, null for -1. */
static json_t *days_json(int64_t seconds)
{
	return seconds < 0 ? json_null() : money_json(report_days100(seconds), 2);
}

/* rate_json: basis points as a percent with two decimals, null for -1. */
static json_t *rate_json(int64_t bp)
{
	return bp < 0 ? json_null() : money_json(bp, 2);
}

static json_t *text_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

static json_t *time_json(int64_t t)
{
	char ts[TS_LEN];

	report_time_format(t, ts);
	return json_string(ts);
}

static json_t *stats_json(const struct report_stats *s)
{
	return json_pack("{s:I,s:o,s:o}", "count", (json_int_t)s->count, "median_days",
			 days_json(s->median), "mean_days", days_json(s->mean));
}

static const char *stage_name(const struct stage *s, const char *lang)
{
	return strcmp(lang, "en") == 0 ? s->name_en : s->name_zh;
}

/* stage_head: {"id","key","name"} of a stage (unknown stages: key and name null). */
static json_t *stage_head(const struct report_result *r, int64_t id, const char *lang)
{
	const struct stage *s = report_stage_of(r, id);

	return json_pack("{s:I,s:o,s:o}", "id", (json_int_t)id, "key",
			 text_or_null(s ? s->key : NULL), "name",
			 text_or_null(s ? stage_name(s, lang) : NULL));
}

static json_t *period_json(int64_t code, enum report_group g)
{
	char buf[16];

	if (!code)
		return json_null();
	report_period_name(code, g, buf);
	return json_string(buf);
}

/* add: o[key] = v (stolen); drops o and returns NULL when v or o is NULL. */
static json_t *add(json_t *o, const char *key, json_t *v)
{
	if (!o || !v || json_object_set_new(o, key, v) != 0) {
		json_decref(o);
		if (!o)
			json_decref(v);
		return NULL;
	}
	return o;
}

/* push appends v (stolen) to arr; drops arr on failure. */
static json_t *push(json_t *arr, json_t *v)
{
	if (!arr || !v || json_array_append_new(arr, v) != 0) {
		json_decref(arr);
		if (!arr)
			json_decref(v);
		return NULL;
	}
	return arr;
}

static json_t *closed_json(const struct report_result *r, const struct report_closed *c)
{
	int d = r->digits;

	if (r->q.kind == REPORT_CYCLE_LENGTH)
		return json_pack("{s:o,s:o}", "won", stats_json(&c->won_cycle), "lost",
				 stats_json(&c->lost_cycle));
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o}", "won", (json_int_t)c->won, "lost",
			 (json_int_t)c->lost, "won_amount", money_json(c->won_amount, d),
			 "lost_amount", money_json(c->lost_amount, d), "win_rate",
			 rate_json(report_rate_bp(c->won, c->won + c->lost)), "win_rate_value",
			 rate_json(report_rate_bp(c->won_amount, c->won_amount + c->lost_amount)));
}

static json_t *closed_report(const struct report_result *r, json_t *o)
{
	json_t *owners = json_array(), *periods = json_array();

	for (size_t i = 0; i < r->nby_owner; i++)
		owners = push(owners, add(closed_json(r, &r->by_owner[i]), "owner",
					  json_string(report_user_name(r, r->by_owner[i].key))));
	for (size_t i = 0; i < r->nby_period; i++)
		periods = push(periods, add(closed_json(r, &r->by_period[i]), "period",
					    period_json(r->by_period[i].key, r->q.group)));
	o = add(o, "overall", r->nall ? closed_json(r, &r->all[0]) : json_null());
	o = add(o, "by_owner", owners);
	return add(o, "by_period", periods);
}

static json_t *time_report(const struct report_result *r, json_t *o, const char *lang)
{
	json_t *arr = json_array(), *b;

	for (size_t i = 0; i < r->ntimes; i++) {
		const struct report_stage_time *t = &r->times[i];
		json_t *row = stage_head(r, t->stage_id, lang);

		row = add(row, "count", json_integer(t->stay.count));
		row = add(row, "median_days", days_json(t->stay.median));
		row = add(row, "mean_days", days_json(t->stay.mean));
		row = add(row, "current", json_integer(t->current));
		arr = push(arr, row);
	}
	o = add(o, "stages", arr);
	if (r->bottleneck < 0)
		return add(o, "bottleneck", json_null());
	b = stage_head(r, r->times[r->bottleneck].stage_id, lang);
	b = add(b, "median_days", days_json(r->times[r->bottleneck].stay.median));
	return add(o, "bottleneck", b);
}

static json_t *funnel_report(const struct report_result *r, json_t *o, const char *lang)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < r->nfunnel; i++) {
		const struct report_funnel *f = &r->funnel[i];
		json_t *row = stage_head(r, f->stage_id, lang);

		row = add(row, "reached", json_integer(f->reached));
		row = add(row, "advanced", json_integer(f->advanced));
		row = add(row, "won", json_integer(f->won));
		row = add(row, "lost", json_integer(f->lost));
		row = add(row, "open", json_integer(f->open));
		row = add(row, "conversion", rate_json(report_rate_bp(f->advanced, f->reached)));
		row = add(row, "win_rate", rate_json(report_rate_bp(f->won, f->reached)));
		arr = push(arr, row);
	}
	return add(o, "stages", arr);
}

static json_t *stalled_report(const struct report_result *r, json_t *o, const char *lang)
{
	json_t *stages = json_array(), *owners = json_array(), *items = json_array();

	for (size_t i = 0; i < r->nstalled_by_stage; i++) {
		const struct stage *s = report_stage_of(r, r->stalled_by_stage[i].key);
		json_t *row = stage_head(r, r->stalled_by_stage[i].key, lang);

		row = add(row, "stalled_days", json_integer(s ? s->stalled_days : 0));
		row = add(row, "count", json_integer(r->stalled_by_stage[i].count));
		stages = push(stages, row);
	}
	for (size_t i = 0; i < r->nstalled_by_owner; i++)
		owners = push(owners, json_pack("{s:s,s:I}", "owner",
						report_user_name(r, r->stalled_by_owner[i].key),
						"count", (json_int_t)r->stalled_by_owner[i].count));
	for (size_t i = 0; i < r->nstalled; i++) {
		const struct report_stalled_deal *s = &r->stalled[i];

		items = push(
		    items, json_pack("{s:I,s:s,s:s,s:s,s:s,s:o,s:o,s:i}", "deal_id",
				     (json_int_t)s->deal.id, "name", s->deal.name, "company",
				     s->deal.company_name, "owner", s->deal.owner_username, "stage",
				     s->deal.stage_key, "since", time_json(s->entered), "days",
				     days_json(s->s.seconds), "stalled_days", s->s.stalled_days));
	}
	o = add(o, "total", json_integer((json_int_t)r->stalled_total));
	o = add(o, "by_stage", stages);
	o = add(o, "by_owner", owners);
	return add(o, "items", items);
}

static json_t *velocity_json(const struct report_result *r, const struct report_velocity *v)
{
	int d = r->digits;

	return json_pack(
	    "{s:I,s:I,s:I,s:o,s:o,s:o,s:o,s:o}", "open", (json_int_t)v->open, "won",
	    (json_int_t)v->won, "lost", (json_int_t)v->lost, "won_amount",
	    money_json(v->won_amount, d), "win_rate",
	    rate_json(report_rate_bp(v->won, v->won + v->lost)), "average_won",
	    v->won ? money_json(report_div_round(v->won_amount, v->won), d) : json_null(),
	    "cycle_days",
	    v->won ? days_json(report_div_round(v->won_cycle_sum, v->won)) : json_null(),
	    "velocity", v->velocity < 0 ? json_null() : money_json(v->velocity, d));
}

static json_t *velocity_report(const struct report_result *r, json_t *o)
{
	json_t *arr = json_array();

	for (size_t i = 1; i < r->nvelocity; i++)
		arr = push(arr, add(velocity_json(r, &r->velocity[i]), "period",
				    period_json(r->velocity[i].key, r->q.group)));
	o = add(o, "overall", r->nvelocity ? velocity_json(r, &r->velocity[0]) : json_null());
	return add(o, "by_period", arr);
}

static json_t *asof_report(const struct report_result *r, json_t *o, const char *lang)
{
	json_t *arr = json_array();
	const struct report_asof *t;

	for (size_t i = 0; i + 1 < r->nasof; i++) {
		const struct report_asof *a = &r->asof[i];
		json_t *row = stage_head(r, a->stage_id, lang);

		row = add(row, "count", json_integer(a->count));
		row = add(row, "amount", money_json(a->amount, r->digits));
		row = add(row, "expected", money_json(a->expected, r->digits));
		arr = push(arr, row);
	}
	o = add(o, "as_of", time_json(r->as_of));
	o = add(o, "stages", arr);
	if (!r->nasof)
		return add(o, "total", json_null());
	t = &r->asof[r->nasof - 1];
	return add(o, "total",
		   json_pack("{s:I,s:o,s:o}", "count", (json_int_t)t->count, "amount",
			     money_json(t->amount, r->digits), "expected",
			     money_json(t->expected, r->digits)));
}

static json_t *leaderboard_report(const struct report_result *r, json_t *o)
{
	json_t *arr = json_array();
	int d = r->digits;

	for (size_t i = 0; i < r->nleaders; i++) {
		const struct report_leader *l = &r->leaders[i];
		const char *name = "";

		for (size_t k = 0; k < r->users.n; k++)
			if (r->users.v[k].id == l->owner_id)
				name = r->users.v[k].display_name;
		arr = push(arr,
			   json_pack("{s:s,s:s,s:I,s:o,s:I,s:o,s:I,s:o,s:o,s:o,s:o}", "owner",
				     report_user_name(r, l->owner_id), "owner_name", name, "won",
				     (json_int_t)l->won, "won_amount", money_json(l->won_amount, d),
				     "lost", (json_int_t)l->lost, "lost_amount",
				     money_json(l->lost_amount, d), "open", (json_int_t)l->open,
				     "open_amount", money_json(l->open_amount, d), "expected",
				     money_json(l->open_expected, d), "win_rate",
				     rate_json(report_rate_bp(l->won, l->won + l->lost)),
				     "cycle_median_days", days_json(l->won_cycle.median)));
	}
	return add(o, "items", arr);
}

static json_t *month_json(const struct report_result *r, const struct report_month *m,
			  const char *key, enum report_group g)
{
	int d = r->digits;

	return json_pack("{s:o,s:I,s:o,s:o,s:I,s:o}", key, period_json(m->key, g), "open",
			 (json_int_t)m->open, "open_amount", money_json(m->open_amount, d),
			 "expected", money_json(m->expected, d), "won", (json_int_t)m->won,
			 "won_amount", money_json(m->won_amount, d));
}

static json_t *forecast_report(const struct report_result *r, json_t *o)
{
	json_t *months = json_array(), *next = json_array();

	for (size_t i = 0; i < r->nmonths; i++)
		months = push(months, month_json(r, &r->months[i], "month", REPORT_GROUP_MONTH));
	for (size_t i = 0; i < 12; i++)
		next = push(next, month_json(r, &r->next12[i], "month", REPORT_GROUP_MONTH));
	o = add(o, "months", months);
	o = add(o, "quarter", month_json(r, &r->quarter, "quarter", REPORT_GROUP_QUARTER));
	return add(o, "next_12_months", next);
}

json_t *report_result_json(const struct report_result *r, const char *lang)
{
	const struct stage *stage = r->q.stage_id ? report_stage_of(r, r->q.stage_id) : NULL;
	json_t *o;

	o = json_pack("{s:s,s:s,s:o,s:I}", "report", report_kind_name(r->q.kind), "currency",
		      r->currency, "now", time_json(r->now), "deals", (json_int_t)r->ndeals);
	o = add(o, "filters",
		json_pack("{s:o,s:o,s:o,s:o,s:s}", "owner",
			  text_or_null(r->q.owner_id ? report_user_name(r, r->q.owner_id) : NULL),
			  "stage", text_or_null(stage ? stage->key : NULL), "from",
			  text_or_null(r->q.from), "to", text_or_null(r->q.to), "group",
			  r->q.group == REPORT_GROUP_QUARTER ? "quarter" : "month"));
	switch (r->q.kind) {
	case REPORT_WIN_RATE:
	case REPORT_CYCLE_LENGTH:
		return closed_report(r, o);
	case REPORT_TIME_IN_STAGE:
		return time_report(r, o, lang);
	case REPORT_FUNNEL:
		return funnel_report(r, o, lang);
	case REPORT_STALLED:
		return stalled_report(r, o, lang);
	case REPORT_VELOCITY:
		return velocity_report(r, o);
	case REPORT_PIPELINE_AS_OF:
		return asof_report(r, o, lang);
	case REPORT_LEADERBOARD:
		return leaderboard_report(r, o);
	case REPORT_FORECAST:
		return forecast_report(r, o);
	default:
		json_decref(o);
		return NULL;
	}
}

/* change_value: the JSON of one stored value of field (see struct deal_change). */
static json_t *change_value(const char *field, const char *v, int digits,
			    const struct user_list *users)
{
	if (!v[0])
		return json_null();
	if (strcmp(field, "amount") == 0)
		return money_json(strtoll(v, NULL, 10), digits);
	if (strcmp(field, "probability") == 0)
		return json_integer(strtoll(v, NULL, 10));
	if (strcmp(field, "owner") == 0 && users) {
		int64_t id = strtoll(v, NULL, 10);

		for (size_t i = 0; i < users->n; i++)
			if (users->v[i].id == id)
				return json_string(users->v[i].username);
		return json_integer(id);
	}
	return json_string(v);
}

json_t *deal_change_json(const struct deal_change *c, int digits, const struct user_list *users)
{
	return json_pack("{s:I,s:I,s:s,s:o,s:o,s:o,s:o,s:s}", "id", (json_int_t)c->id, "deal_id",
			 (json_int_t)c->deal_id, "field", c->field, "old",
			 change_value(c->field, c->old_value, digits, users), "new",
			 change_value(c->field, c->new_value, digits, users), "changed_by",
			 c->changed_by ? json_integer(c->changed_by) : json_null(),
			 "changed_by_username", text_or_null(c->by_username), "changed_at",
			 c->changed_at);
}
