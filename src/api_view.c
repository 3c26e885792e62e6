/*
 * api_view.c - the routes of saved views (/api/v1/views): named deal-list
 * filters, private or shared with the workspace (svc_view.c has the rights).
 *
 * A view's "filter" is a JSON object of GET /deals query parameters; only
 * those names are accepted, each with a string, integer or null value, and
 * the object is stored compactly with sorted keys.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"

/* The deal-list parameters a view may keep. */
static const char *const filter_keys[] = {
    "owner",	  "stage",	"status", "company", "close_from", "close_to",
    "amount_min", "amount_max", "q",	  "sort",    "order",	   NULL,
};

json_t *api_view_json(const struct saved_view *v)
{
	json_t *f = json_loads(v->filter, 0, NULL);

	if (!json_is_object(f)) {
		json_decref(f);
		f = json_object();
	}
	return json_pack("{s:I,s:s,s:b,s:o,s:I,s:s,s:I,s:s,s:s}", "id", (json_int_t)v->id, "name",
			 v->name, "shared", v->shared, "filter", f, "owner_id",
			 (json_int_t)v->owner_id, "owner", v->owner_username, "version",
			 (json_int_t)v->version, "created_at", v->created_at, "updated_at",
			 v->updated_at);
}

static int filter_key_known(const char *k)
{
	for (size_t i = 0; filter_keys[i]; i++)
		if (strcmp(filter_keys[i], k) == 0)
			return 1;
	return 0;
}

/*
 * take_filter removes "filter" from the body (so the field list does not see
 * it), checks it and writes its compact text into in->filter.
 */
static int take_filter(struct call *c, struct view_input *in)
{
	json_t *f = json_object_get(c->body, "filter");
	const char *k;
	json_t *val;
	char *text;
	int rc = 0;

	if (!f)
		return 0;
	json_incref(f);
	json_object_del(c->body, "filter");
	if (!json_is_object(f)) {
		rc = errinfo_set(&c->e, ERR_INVALID, "request.type", "filter",
				 "filter must be an object of deal-list parameters");
		goto out;
	}
	json_object_foreach(f, k, val)
	{
		if (!filter_key_known(k)) {
			rc = errinfo_set(&c->e, ERR_INVALID, "view.filter_invalid", "filter",
					 "unknown filter parameter '%.64s'", k);
			goto out;
		}
		if (!json_is_string(val) && !json_is_integer(val) && !json_is_null(val)) {
			rc = errinfo_set(&c->e, ERR_INVALID, "view.filter_invalid", "filter",
					 "filter parameter '%.64s' must be a string or an integer",
					 k);
			goto out;
		}
		if (json_is_string(val) && json_string_length(val) > CAP_QUERY) {
			rc = errinfo_set(&c->e, ERR_INVALID, "view.filter_too_long", "filter",
					 "filter parameter '%.64s' is over %d bytes", k, CAP_QUERY);
			goto out;
		}
	}
	text = json_dumps(f, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!text) {
		rc = ERR_NOMEM;
		goto out;
	}
	if (strlen(text) > CAP_VIEW_FILTER) {
		free(text);
		rc = errinfo_set(&c->e, ERR_INVALID, "view.filter_too_long", "filter",
				 "the filter is over %d bytes", CAP_VIEW_FILTER);
		goto out;
	}
	memcpy(in->filter, text, strlen(text) + 1);
	free(text);
	in->set |= VIEW_SET_FILTER;
out:
	json_decref(f);
	return rc;
}

static const struct api_field view_fields[] = {
    {"name", AF_STRING, VIEW_SET_NAME, offsetof(struct view_input, name), CAP_NAME + 1},
    {"shared", AF_BOOL, VIEW_SET_SHARED, offsetof(struct view_input, shared), sizeof(int)},
    {NULL},
};

static int parse_view(struct call *c, struct view_input *in)
{
	int rc = take_filter(c, in);

	return rc ? rc : api_parse_body(c, "view", view_fields, in, &in->set);
}

static int h_view_list(struct call *c)
{
	struct saved_view_list l = {0};
	json_t *arr;
	int rc;

	rc = svc_view_list(c->st, &c->actor, &l, &c->e);
	if (rc != 0)
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, api_view_json);
	saved_view_list_release(&l);
	return api_reply_items(c, arr);
}

static int h_view_create(struct call *c)
{
	struct view_input *in = calloc(1, sizeof(*in));
	struct saved_view *v = calloc(1, sizeof(*v));
	int rc = ERR_NOMEM;

	if (in && v) {
		rc = parse_view(c, in);
		if (rc == 0)
			rc = svc_view_create(c->st, &c->actor, in, v, &c->e);
		if (rc == 0)
			rc = api_reply_record(c, 201, api_view_json(v), v->version);
	}
	free(in);
	free(v);
	return rc;
}

static int h_view_get(struct call *c)
{
	struct saved_view *v = calloc(1, sizeof(*v));
	int rc = ERR_NOMEM;

	if (v) {
		rc = svc_view_get(c->st, &c->actor, c->id, v, &c->e);
		if (rc == 0)
			rc = api_reply_record(c, 200, api_view_json(v), v->version);
	}
	free(v);
	return rc;
}

static int h_view_update(struct call *c)
{
	struct view_input *in = calloc(1, sizeof(*in));
	struct saved_view *v = calloc(1, sizeof(*v));
	int rc = ERR_NOMEM;

	if (in && v) {
		rc = parse_view(c, in);
		if (rc == 0)
			rc = svc_view_update(c->st, &c->actor, c->id, c->if_version, in, v, &c->e);
		if (rc == 0)
			rc = api_reply_record(c, 200, api_view_json(v), v->version);
	}
	free(in);
	free(v);
	return rc;
}

static int h_view_delete(struct call *c)
{
	int rc = svc_view_delete(c->st, &c->actor, c->id, c->if_version, &c->e);

	return rc != 0 ? rc : api_reply_empty(c);
}

const struct route api_view_routes[API_VIEW_NROUTES] = {
    {"GET", "/views", h_view_list, API_AUTH, "user"},
    {"POST", "/views", h_view_create, API_AUTH_B, "user"},
    {"GET", "/views/{id}", h_view_get, API_AUTH, "view_owner"},
    {"PATCH", "/views/{id}", h_view_update, API_WRITE, "view_owner"},
    {"DELETE", "/views/{id}", h_view_delete, R_AUTH | R_IF_MATCH, "view_owner"},
};
const size_t api_view_nroutes = sizeof(api_view_routes) / sizeof(api_view_routes[0]);
