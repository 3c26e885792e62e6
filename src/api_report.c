/*
 * api_report.c - the HTTP routes of the sales-cycle reports and of the field
 * change history (docs/API.md, "Reports"):
 *
 *	GET /reports/{forecast,win-rate,cycle-length,time-in-stage,funnel,
 *	              stalled,velocity,pipeline-as-of,leaderboard}
 *	GET /deals/{id}/changes
 *
 * Every report takes the same query parameters (owner, stage, from, to,
 * group, today, as_of, limit, lang); one handler serves them all, the
 * report named by the route's pattern. Reports read every visible deal, so
 * they are R_SLOW: they run on the worker pool, off the event threads.
 */
#include <stdio.h>
#include <string.h>

#include "api_int.h"
#include "money.h"
#include "repr_report.h"
#include "svc_report.h"

#define REPORTS_PREFIX "/reports/"

/* report_query_read fills q from the request's query parameters. */
static int report_query_read(struct call *c, struct report_query *q)
{
	const char *s;
	int64_t limit = q->limit;
	int rc;

	if ((rc = api_query_owner(c, &q->owner_id)))
		return rc;
	s = api_query_get(c->req, "stage");
	if (s && s[0]) {
		struct stage st;

		rc = svc_stage_find(c->st, &c->actor, s, &st, &c->e);
		if (rc == ERR_NOTFOUND) {
			memset(&c->e, 0, sizeof(c->e));
			return api_bad_param(c, "stage", "names no stage");
		}
		if (rc)
			return rc;
		q->stage_id = st.id;
	}
	if ((rc = api_query_date(c, "from", q->from)) || (rc = api_query_date(c, "to", q->to)) ||
	    (rc = api_query_date(c, "today", q->today)) ||
	    (rc = api_query_date(c, "as_of", q->as_of)))
		return rc;
	s = api_query_get(c->req, "group");
	if (s && s[0]) {
		if (strcmp(s, "month") == 0)
			q->group = REPORT_GROUP_MONTH;
		else if (strcmp(s, "quarter") == 0)
			q->group = REPORT_GROUP_QUARTER;
		else
			return api_bad_param(c, "group", "must be month or quarter");
	}
	if ((rc = api_query_int(c, "limit", 1, 500, &limit)))
		return rc;
	q->limit = (int)limit;
	return 0;
}

/* report_lang picks the language of stage names: ?lang=, else the workspace's. */
static int report_lang(struct call *c, const char **lang)
{
	const char *s = api_query_get(c->req, "lang");
	static const char *const langs[] = {"en", "zh-TW"};
	struct workspace w;
	int rc;

	if (s && s[0]) {
		for (size_t i = 0; i < 2; i++)
			if (strcmp(s, langs[i]) == 0) {
				*lang = langs[i];
				return 0;
			}
		return api_bad_param(c, "lang", "must be zh-TW or en");
	}
	if ((rc = svc_workspace_get(c->st, &c->actor, &w, &c->e)))
		return rc;
	*lang = strcmp(w.language, "en") == 0 ? langs[0] : langs[1];
	return 0;
}

static int h_report(struct call *c)
{
	const char *name = c->route->pattern + strlen(REPORTS_PREFIX);
	struct report_query q;
	struct report_result r;
	const char *lang = NULL;
	json_t *o;
	int rc, kind = report_kind_find(name);

	if (kind < 0)
		return errinfo_set(&c->e, ERR_NOTFOUND, "route.not_found", NULL, "no such report");
	report_query_init(&q);
	q.kind = (enum report_kind)kind;
	if ((rc = report_query_read(c, &q)) || (rc = report_lang(c, &lang)))
		return rc;
	rc = svc_report(c->st, &c->actor, &q, &r, &c->e);
	if (rc) {
		report_result_release(&r);
		return rc;
	}
	o = report_result_json(&r, lang);
	report_result_release(&r);
	return api_reply(c, 200, o);
}

static int h_deal_changes(struct call *c)
{
	struct deal_change_list l = {0};
	struct user_list users = {0};
	struct deal d;
	json_t *arr;
	int rc;

	if ((rc = svc_deal_get(c->st, &c->actor, c->id, &d, &c->e)) ||
	    (rc = svc_deal_changes(c->st, &c->actor, c->id, &l, &c->e)))
		return rc;
	if ((rc = svc_user_list(c->st, &c->actor, &users, &c->e))) {
		deal_change_list_release(&l);
		return rc;
	}
	arr = json_array();
	for (size_t i = 0; arr && i < l.n; i++)
		if (json_array_append_new(
			arr, deal_change_json(&l.v[i], money_digits(d.currency), &users)) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	deal_change_list_release(&l);
	user_list_release(&users);
	return api_reply_items(c, arr);
}

#define SLOW (API_AUTH | R_SLOW)
const struct route api_report_routes[API_REPORT_NROUTES] = {
    {"GET", REPORTS_PREFIX "forecast", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "win-rate", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "cycle-length", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "time-in-stage", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "funnel", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "stalled", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "velocity", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "pipeline-as-of", h_report, SLOW, "user"},
    {"GET", REPORTS_PREFIX "leaderboard", h_report, SLOW, "user"},
    {"GET", "/deals/{id}/changes", h_deal_changes, API_AUTH, "deal_owner"},
};
#undef SLOW
const size_t api_report_nroutes = API_REPORT_NROUTES;
