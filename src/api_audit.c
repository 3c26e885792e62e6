/*
 * api_audit.c - the routes of the audit log and the deal trash:
 * GET /audit (admins), GET /trash/deals, POST /deals/{id}/restore and
 * DELETE /trash/deals/{id} (admins). svc_audit.c has the rights and the
 * 30-day rule; repr.c the shapes.
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "report.h"
#include "repr.h"
#include "svc_audit.h"

/*
 * query_time reads parameter name (RFC 3339, or a date: its start for since,
 * the end of that day for until) into out, normalised; "" when absent.
 */
static int query_time(struct call *c, const char *name, int end_of_day, char out[TS_LEN])
{
	const char *s = api_query_get(c->req, name);
	int64_t t;

	out[0] = '\0';
	if (!s || !s[0])
		return 0;
	if (strlen(s) == 10 && end_of_day ? report_date_end(s, &t) : report_time_parse(s, &t))
		return api_bad_param(c, name,
				     "must be a time such as 2026-11-27T09:00:00Z or a date");
	report_time_format(t, out);
	return 0;
}

/* audit_query reads the filters and the page of GET /audit into f. */
static int audit_query(struct call *c, struct audit_filter *f)
{
	const char *s;
	int64_t limit = AUDIT_PAGE_DEFAULT;
	int rc;

	memset(f, 0, sizeof(*f));
	s = api_query_get(c->req, "action");
	if (s && s[0]) {
		if (strlen(s) > CAP_AUDIT_ACTION)
			return api_bad_param(c, "action", "is not an action code");
		snprintf(f->action, sizeof(f->action), "%s", s);
	}
	s = api_query_get(c->req, "actor");
	if (s && s[0]) {
		struct user u;

		if (!strcmp(s, "-")) {
			f->actor_id = -1;
		} else {
			if (strlen(s) > CAP_USERNAME)
				return api_bad_param(c, "actor", "is not a known username");
			rc = svc_user_get_by_name(c->st, &c->actor, s, &u, &c->e);
			if (rc == ERR_NOTFOUND)
				return api_bad_param(c, "actor", "is not a known username");
			if (rc)
				return rc;
			f->actor_id = u.id;
		}
	}
	s = api_query_get(c->req, "target_type");
	if (s && s[0]) {
		if (strlen(s) > CAP_AUDIT_TARGET)
			return api_bad_param(c, "target_type", "is not a record type");
		snprintf(f->target_type, sizeof(f->target_type), "%s", s);
	}
	if ((rc = api_query_int(c, "target_id", 1, INT64_MAX, &f->target_id)) ||
	    (rc = api_query_int(c, "before", 1, INT64_MAX, &f->before_id)) ||
	    (rc = api_query_int(c, "limit", 1, AUDIT_PAGE_MAX, &limit)) ||
	    (rc = query_time(c, "since", 0, f->since)) ||
	    (rc = query_time(c, "until", 1, f->until)))
		return rc;
	f->limit = (int)limit;
	return 0;
}

static int h_audit_list(struct call *c)
{
	struct audit_filter f;
	struct audit_list l = {0};
	json_t *arr, *next;
	int rc;

	if ((rc = audit_query(c, &f)) || (rc = svc_audit_list(c->st, &c->actor, &f, &l, &c->e)))
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, audit_entry_json);
	/* a full page may have more behind it: next names the keyset cursor */
	next = l.n == (size_t)f.limit && l.n > 0 ? json_integer(l.v[l.n - 1].id) : json_null();
	audit_list_release(&l);
	if (!arr) {
		json_decref(next);
		return ERR_NOMEM;
	}
	return api_reply(c, 200, json_pack("{s:o,s:o}", "items", arr, "next_before", next));
}

static int h_trash_list(struct call *c)
{
	struct trash_list l = {0};
	json_t *arr;
	int rc;

	if ((rc = svc_trash_list(c->st, &c->actor, NULL, &l, &c->e)))
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, trash_entry_json);
	trash_list_release(&l);
	return api_reply_items(c, arr);
}

static int h_deal_restore(struct call *c)
{
	struct deal d;
	int rc = svc_deal_restore(c->st, &c->actor, c->id, NULL, &d, &c->e);

	return rc ? rc : api_reply_record(c, 200, deal_json(&d), d.version);
}

static int h_trash_purge(struct call *c)
{
	int rc = svc_trash_purge(c->st, &c->actor, c->id, NULL, &c->e);

	return rc ? rc : api_reply_empty(c);
}

const struct route api_audit_routes[API_AUDIT_NROUTES] = {
    {"GET", "/audit", h_audit_list, API_AUTH, "admin"},
    {"GET", "/trash/deals", h_trash_list, API_AUTH, "user"},
    {"POST", "/deals/{id}/restore", h_deal_restore, API_AUTH, "deal_owner"},
    {"DELETE", "/trash/deals/{id}", h_trash_purge, API_AUTH, "admin"},
};
const size_t api_audit_nroutes = sizeof(api_audit_routes) / sizeof(api_audit_routes[0]);
