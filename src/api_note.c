/*
 * api_note.c - the routes of the customer notebook and of search
 * (docs/API.md, "Notes" and "Search"): notes CRUD with If-Match, citations
 * from deals, and GET /search.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "repr.h"
#include "repr_note.h"
#include "svc_note.h"

static const struct api_field note_fields[] = {
    {"company_id", AF_ID, NOTE_SET_COMPANY, offsetof(struct note_input, company_id), 0},
    {"company", AF_STRING, NOTE_SET_COMPANY, offsetof(struct note_input, company), CAP_NAME + 1},
    {"title", AF_STRING, NOTE_SET_TITLE, offsetof(struct note_input, title), CAP_NAME + 1},
    {"body", AF_NSTRING, NOTE_SET_BODY, offsetof(struct note_input, body), CAP_NOTE_BODY + 1},
    {NULL},
};

/*
 * parse_note reads the body into in: "tags" (an array of strings, or null)
 * by hand, the other fields by note_fields.
 */
static int parse_note(struct call *c, struct note_input *in)
{
	json_t *tags = json_object_get(c->body, "tags");
	size_t i;
	json_t *t;

	if (tags) {
		if (!json_is_array(tags) && !json_is_null(tags))
			return errinfo_set(&c->e, ERR_INVALID, "request.type", "tags",
					   "tags must be an array of strings");
		in->set |= NOTE_SET_TAGS;
		json_array_foreach(tags, i, t)
		{
			if (!json_is_string(t))
				return errinfo_set(&c->e, ERR_INVALID, "request.type", "tags",
						   "tags must be an array of strings");
			if (i >= NOTE_TAGS_MAX)
				return errinfo_set(&c->e, ERR_INVALID, "note.tags_too_many", "tags",
						   "a note has at most %d tags", NOTE_TAGS_MAX);
			if (json_string_length(t) > CAP_TAG)
				return errinfo_set(&c->e, ERR_INVALID, "note.tags_too_long", "tags",
						   "a tag is longer than %d bytes", CAP_TAG);
			memcpy(in->tags[i], json_string_value(t), json_string_length(t) + 1);
			in->ntags = (int)i + 1;
		}
		json_object_del(c->body, "tags");
	}
	return api_parse_body(c, "note", note_fields, in, &in->set);
}

static int reply_note(struct call *c, int status, const struct note *n)
{
	return api_reply_record(c, status, note_json(n), n->version);
}

static int reply_notes(struct call *c, struct note_list *l)
{
	json_t *arr;

	API_JSON_ARRAY(arr, l->v, l->n, note_json);
	note_list_release(l);
	if (!arr)
		return ERR_NOMEM;
	return api_reply_items(c, arr);
}

static int h_note_list(struct call *c)
{
	struct note_filter f = {0};
	struct note_list l = {0};
	int64_t limit = 50, offset = 0, company = 0;
	int rc;

	if ((rc = api_query_int(c, "limit", 1, 500, &limit)) ||
	    (rc = api_query_int(c, "offset", 0, INT32_MAX, &offset)) ||
	    (rc = api_query_int(c, "company", 1, INT64_MAX, &company)))
		return rc;
	if (api_query_get(c->req, "author")) {
		/* author=USERNAME, the same look-up as owner= */
		struct user u;

		rc = svc_user_get_by_name(c->st, &c->actor, api_query_get(c->req, "author"), &u,
					  &c->e);
		if (rc == ERR_NOTFOUND)
			return api_bad_param(c, "author", "is not a username");
		if (rc)
			return rc;
		f.author_id = u.id;
	}
	f.company_id = company;
	f.limit = (int)limit;
	f.offset = (int)offset;
	if ((rc = svc_note_list(c->st, &c->actor, &f, &l, &c->e)))
		return rc;
	return reply_notes(c, &l);
}

static int h_note_create(struct call *c)
{
	struct note_input *in = calloc(1, sizeof(*in));
	struct note *n = calloc(1, sizeof(*n));
	int rc = in && n ? 0 : ERR_NOMEM;

	if (rc == 0)
		rc = parse_note(c, in);
	if (rc == 0)
		rc = svc_note_create(c->st, &c->actor, in, n, &c->e);
	if (rc == 0)
		rc = reply_note(c, 201, n);
	free(in);
	free(n);
	return rc;
}

static int h_note_get(struct call *c)
{
	struct note *n = calloc(1, sizeof(*n));
	int rc = n ? svc_note_get(c->st, &c->actor, c->id, n, &c->e) : ERR_NOMEM;

	if (rc == 0)
		rc = reply_note(c, 200, n);
	free(n);
	return rc;
}

static int h_note_update(struct call *c)
{
	struct note_input *in = calloc(1, sizeof(*in));
	struct note *n = calloc(1, sizeof(*n));
	int rc = in && n ? 0 : ERR_NOMEM;

	if (rc == 0)
		rc = parse_note(c, in);
	if (rc == 0)
		rc = svc_note_update(c->st, &c->actor, c->id, c->if_version, in, n, &c->e);
	if (rc == 0)
		rc = reply_note(c, 200, n);
	free(in);
	free(n);
	return rc;
}

static int h_note_delete(struct call *c)
{
	int rc = svc_note_delete(c->st, &c->actor, c->id, c->if_version, &c->e);

	return rc ? rc : api_reply_empty(c);
}

static int h_note_deals(struct call *c)
{
	struct deal_list l = {0};
	json_t *arr;
	int rc;

	if ((rc = svc_note_deals(c->st, &c->actor, c->id, &l, &c->e)))
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, deal_json);
	deal_list_release(&l);
	if (!arr)
		return ERR_NOMEM;
	return api_reply_items(c, arr);
}

static int h_deal_notes(struct call *c)
{
	struct note_list l = {0};
	int rc = svc_deal_notes(c->st, &c->actor, c->id, &l, &c->e);

	return rc ? rc : reply_notes(c, &l);
}

struct cite_input {
	unsigned set;
	int64_t note_id;
};

static const struct api_field cite_fields[] = {
    {"note_id", AF_ID, 1, offsetof(struct cite_input, note_id), 0},
    {NULL},
};

/* h_deal_cite: POST /deals/{id}/notes {"note_id"} answers the deal's cited notes. */
static int h_deal_cite(struct call *c)
{
	struct cite_input in = {0};
	int rc = api_parse_body(c, "note", cite_fields, &in, &in.set);

	if (rc)
		return rc;
	if (!in.set)
		return errinfo_set(&c->e, ERR_INVALID, "note.note_id_required", "note_id",
				   "note_id is required");
	if ((rc = svc_note_cite(c->st, &c->actor, c->id, in.note_id, &c->e)))
		return rc;
	return h_deal_notes(c);
}

/* h_deal_uncite: DELETE /deals/{id}/notes?note_id=N. */
static int h_deal_uncite(struct call *c)
{
	int64_t note_id = 0;
	int rc = api_query_int(c, "note_id", 1, INT64_MAX, &note_id);

	if (rc)
		return rc;
	if (!note_id)
		return api_bad_param(c, "note_id", "is required");
	if ((rc = svc_note_uncite(c->st, &c->actor, c->id, note_id, &c->e)))
		return rc;
	return api_reply_empty(c);
}

/* parse_kinds reads "note", "deal,company", ... into a set of enum search_kind bits. */
static int parse_kinds(const char *s, unsigned *out)
{
	unsigned k = 0;

	while (*s) {
		size_t n = strcspn(s, ",");

		if (n == 7 && !strncmp(s, "company", n))
			k |= SEARCH_KIND_COMPANY;
		else if (n == 7 && !strncmp(s, "contact", n))
			k |= SEARCH_KIND_CONTACT;
		else if (n == 4 && !strncmp(s, "deal", n))
			k |= SEARCH_KIND_DEAL;
		else if (n == 4 && !strncmp(s, "note", n))
			k |= SEARCH_KIND_NOTE;
		else if (n == 3 && !strncmp(s, "all", n))
			k |= SEARCH_KIND_ALL;
		else
			return -1;
		s += n;
		if (*s == ',')
			s++;
	}
	*out = k;
	return k ? 0 : -1;
}

static int h_search(struct call *c)
{
	struct search_result r = {0};
	const char *q = api_query_get(c->req, "q");
	const char *kind = api_query_get(c->req, "kind");
	unsigned kinds = SEARCH_KIND_ALL;
	int64_t limit = 20, offset = 0;
	json_t *arr, *totals, *exact, *o;
	int rc;

	if ((rc = api_query_int(c, "limit", 1, 1000, &limit)) ||
	    (rc = api_query_int(c, "offset", 0, INT32_MAX, &offset)))
		return rc;
	if (!q)
		q = "";
	if (strlen(q) > CAP_QUERY)
		return api_bad_param(c, "q", "is longer than 200 bytes");
	if (kind && parse_kinds(kind, &kinds))
		return api_bad_param(c, "kind", "is not company, contact, deal, note or all");
	if ((rc = svc_search(c->st, &c->actor, q, kinds, (int)limit, (int)offset, &r, &c->e)))
		return rc;
	API_JSON_ARRAY(arr, r.v, r.n, search_hit_json);
	totals = search_totals_json(&r, kinds, 0);
	exact = search_totals_json(&r, kinds, 1);
	search_result_release(&r);
	if (!arr || !totals || !exact) {
		json_decref(arr);
		json_decref(totals);
		json_decref(exact);
		return ERR_NOMEM;
	}
	o = json_pack("{s:o,s:o,s:o,s:I,s:I}", "items", arr, "total", totals, "total_exact", exact,
		      "limit", (json_int_t)limit, "offset", (json_int_t)offset);
	return api_reply(c, 200, o);
}

const struct route api_note_routes[API_NOTE_NROUTES] = {
    {"GET", "/notes", h_note_list, API_AUTH, "user"},
    {"POST", "/notes", h_note_create, API_AUTH_B, "company_member"},
    {"GET", "/notes/{id}", h_note_get, API_AUTH, "company_member"},
    {"PATCH", "/notes/{id}", h_note_update, API_WRITE, "note_author"},
    {"DELETE", "/notes/{id}", h_note_delete, R_AUTH | R_IF_MATCH, "note_author"},
    {"GET", "/notes/{id}/deals", h_note_deals, API_AUTH, "company_member"},
    {"GET", "/deals/{id}/notes", h_deal_notes, API_AUTH, "deal_owner"},
    {"POST", "/deals/{id}/notes", h_deal_cite, API_AUTH_B, "deal_owner"},
    {"DELETE", "/deals/{id}/notes", h_deal_uncite, R_AUTH, "deal_owner"},
    {"GET", "/search", h_search, API_AUTH, "user"},
};
const size_t api_note_nroutes = API_NOTE_NROUTES;
