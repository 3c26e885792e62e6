/*
 * api.c - the HTTP API of litecrm: router, request checks, handlers.
 *
 * A request flows through api_handle(): the route table picks a handler (or
 * answers 404 route.not_found / 405 route.method), the body is checked
 * (UTF-8, depth, an object) and parsed, the credential is resolved
 * (Authorization: Bearer, or the litecrm_session cookie plus X-CSRF-Token on
 * writes), If-Match is read where the route demands it, and the handler
 * translates the request into one or two svc_* calls and their result into
 * JSON with repr.c. Every failure becomes a status and a stable code through
 * err_map[], the one table that maps enum err to HTTP.
 *
 * Handlers return 0 with the response filled, or a negative enum err with
 * c->e filled; api_handle() writes the error response.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "api_int.h"
#include "money.h"
#include "pipeline.h"
#include "repr.h"
#include "svc.h"
#include "svc_sec.h"
#include "text.h"

#define API_PREFIX "/api/v1"

static const char json_ctype[] = "application/json; charset=utf-8";

/* ---- responses ---- */

void api_response_init(struct api_response *r)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
}

void api_response_release(struct api_response *r)
{
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

char *api_response_detach_body(struct api_response *r, size_t *len)
{
	char *b = r->body;

	*len = r->body_len;
	r->body = NULL;
	r->body_len = 0;
	return b;
}

int api_response_add_header(struct api_response *r, const char *name, const char *value)
{
	struct api_header *h;

	if (r->nheaders >= API_HEADERS_MAX || strlen(name) >= sizeof(h->name) ||
	    strlen(value) >= sizeof(h->value))
		return ERR_TOOBIG;
	h = &r->headers[r->nheaders++];
	snprintf(h->name, sizeof(h->name), "%s", name);
	snprintf(h->value, sizeof(h->value), "%s", value);
	return 0;
}

/* set_body_json dumps o (a reference it takes) as the body. 0 or ERR_NOMEM. */
static int set_body_json(struct api_response *r, int status, json_t *o)
{
	char *text;

	if (!o)
		return ERR_NOMEM;
	text = json_dumps(o, REPR_DUMP_FLAGS);
	json_decref(o);
	if (!text)
		return ERR_NOMEM;
	free(r->body);
	r->body = text;
	r->body_len = strlen(text);
	r->status = status;
	r->content_type = json_ctype;
	return 0;
}

/* set_body_buf takes b's JSON as the body. 0 or ERR_NOMEM (b freed). */
static int set_body_buf(struct api_response *r, int status, struct repr_buf *b)
{
	repr_put(b, "", 1); /* the terminating NUL, not counted */
	if (b->oom) {
		free(b->p);
		return ERR_NOMEM;
	}
	free(r->body);
	r->body = b->p;
	r->body_len = b->len - 1;
	r->status = status;
	r->content_type = json_ctype;
	return 0;
}

int api_reply_buf(struct call *c, int status, struct repr_buf *b)
{
	return set_body_buf(c->resp, status, b);
}

void api_response_error(struct api_response *r, int status, const char *code, const char *field,
			const char *message)
{
	static const char fallback[] =
	    "{\"error\":{\"code\":\"server.error\",\"message\":\"out of memory\",\"field\":null}}";
	json_t *o;

	o = json_pack("{s:{s:s,s:s,s:o}}", "error", "code", code, "message", message, "field",
		      field && field[0] ? json_string(field) : json_null());
	if (set_body_json(r, status, o) != 0) {
		free(r->body);
		r->body = strdup(fallback);
		r->body_len = r->body ? strlen(fallback) : 0;
		r->status = 500;
		r->content_type = json_ctype;
	}
}

/* ---- the error table ---- */

static const struct {
	int rc;
	int status;
	const char *code; /* used when the service call left errinfo's code empty */
} err_map[] = {
    {ERR_INVALID, 400, "request.invalid"},
    {ERR_UNAUTH, 401, "auth.required"},
    {ERR_FORBIDDEN, 403, "auth.forbidden"},
    {ERR_NOTFOUND, 404, "request.not_found"},
    {ERR_CONFLICT, 409, "request.conflict"},
    {ERR_INUSE, 409, "request.in_use"},
    {ERR_STALE, 412, "request.stale"},
    {ERR_TOOBIG, 413, "request.too_large"},
    {ERR_PRECOND, 428, "request.if_match_required"},
    {ERR_THROTTLED, 429, "auth.throttled"},
    {ERR_READONLY, 503, "server.read_only"}, /* reads keep answering */
    {ERR_FULL, 507, "server.disk_full"},
    {ERR_RETRY, 503, "server.busy"},
};

int api_error_status(int rc, const char *code, const char **code_out)
{
	size_t i;

	for (i = 0; i < sizeof(err_map) / sizeof(err_map[0]); i++) {
		if (err_map[i].rc != rc)
			continue;
		if (rc == ERR_STALE || !code || !code[0])
			*code_out = err_map[i].code;
		else
			*code_out = code;
		/* A field over its cap is bad input (400); only a body over its cap is 413. */
		if (rc == ERR_TOOBIG && strcmp(*code_out, "request.too_large") != 0)
			return 400;
		return err_map[i].status;
	}
	*code_out = "server.error";
	return 500;
}

/* ---- query parameters, If-Match, cookies ---- */

const char *api_query_get(const struct api_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0)
			return req->query[i].value ? req->query[i].value : "";
	return NULL;
}

/* parse_i64 reads a whole decimal string of at most 18 digits into *out. */
static int parse_i64(const char *s, int64_t *out)
{
	int64_t v = 0;
	int n = 0, neg = 0;

	if (*s == '-') {
		neg = 1;
		s++;
	}
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++n > 18)
			return ERR_INVALID;
		v = v * 10 + (*s - '0');
	}
	if (*s || n == 0)
		return ERR_INVALID;
	*out = neg ? -v : v;
	return 0;
}

int api_if_match_parse(const char *s, int64_t *out)
{
	char buf[32];
	size_t len;
	int64_t v;

	if (!s)
		return ERR_INVALID;
	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "W/", 2) == 0)
		s += 2;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len == 0 || len >= sizeof(buf))
		return ERR_INVALID;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_i64(buf, &v) != 0 || v < 1)
		return ERR_INVALID;
	*out = v;
	return 0;
}

/*
 * cookie_get copies the value of cookie name from a Cookie header into buf.
 * Returns 0, ERR_NOTFOUND, or ERR_TOOBIG when the value does not fit.
 */
static int cookie_get(const char *header, const char *name, char *buf, size_t bufsz)
{
	size_t nlen = strlen(name);
	const char *p = header;

	while (p && *p) {
		const char *end;
		size_t vlen;

		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (!end)
			end = p + strlen(p);
		if ((size_t)(end - p) > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			vlen = (size_t)(end - p);
			while (vlen > 0 && p[vlen - 1] == ' ')
				vlen--;
			if (vlen >= bufsz)
				return ERR_TOOBIG;
			memcpy(buf, p, vlen);
			buf[vlen] = '\0';
			return 0;
		}
		p = end;
	}
	return ERR_NOTFOUND;
}

/* same_secret compares two NUL-terminated strings in time independent of where they differ. */
static int same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char d = 0;

	if (la != lb)
		return 0;
	for (i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

/* ---- request JSON ---- */

/* depth_ok: 1 when JSON text nests arrays and objects at most max deep (strings skipped). */
static int depth_ok(const char *s, size_t len, int max)
{
	int depth = 0, in_str = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		if (ch == '"')
			in_str = 1;
		else if (ch == '{' || ch == '[') {
			if (++depth > max)
				return 0;
		} else if (ch == '}' || ch == ']')
			depth--;
	}
	return 1;
}

int api_json_parse(const char *body, size_t len, json_t **out, struct errinfo *e)
{
	json_error_t jerr;
	json_t *o;
	size_t i;

	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)body[i]))
			break;
	if (i == len) {
		o = json_object();
		if (!o)
			return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
		*out = o;
		return 0;
	}
	if (!utf8_valid(body, len))
		return errinfo_set(e, ERR_INVALID, "request.invalid_utf8", NULL,
				   "the request body is not valid UTF-8");
	if (!depth_ok(body, len, API_JSON_DEPTH_MAX))
		return errinfo_set(e, ERR_INVALID, "request.malformed_json", NULL,
				   "JSON nested deeper than %d levels", API_JSON_DEPTH_MAX);
	o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return errinfo_set(e, ERR_INVALID, "request.malformed_json", NULL,
				   "malformed JSON at line %d column %d: %s", jerr.line,
				   jerr.column, jerr.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return errinfo_set(e, ERR_INVALID, "request.malformed_json", NULL,
				   "the request body must be a JSON object");
	}
	*out = o;
	return 0;
}

int api_amount_parse(const char *text, int digits, int64_t *out, struct errinfo *e)
{
	int64_t v;

	if (money_parse(text, digits, &v) != 0)
		return errinfo_set(e, ERR_INVALID, "deal.amount_invalid", "amount",
				   "amount '%s' is not a valid amount with %d decimals (at most "
				   "10^13)",
				   text, digits);
	if (v < 0)
		return errinfo_set(e, ERR_INVALID, "deal.amount_negative", "amount",
				   "amount must not be negative");
	*out = v;
	return 0;
}

static const char *type_name(enum api_field_type t)
{
	switch (t) {
	case AF_STRING:
	case AF_ROLE:
	case AF_KIND:
		return "a string";
	case AF_NSTRING:
	case AF_DATE:
		return "a string or null";
	case AF_INT:
	case AF_ID:
		return "an integer";
	case AF_NINT:
		return "an integer or null";
	case AF_BOOL:
		return "true or false";
	case AF_AMOUNT:
		return "a number or a decimal string";
	case AF_IDS:
		return "an array of integers";
	}
	return "?";
}

/* field_one stores value v of field f into dst. 0, or ERR_INVALID with e filled. */
static int field_one(const struct api_field *f, json_t *v, char *dst, struct errinfo *e)
{
	char *p = dst + f->offset;
	const char *s;
	json_int_t iv;

	switch (f->type) {
	case AF_NSTRING:
	case AF_DATE:
		if (json_is_null(v)) {
			p[0] = '\0';
			return 0;
		}
		/* fall through */
	case AF_STRING:
	case AF_ROLE:
	case AF_KIND:
		if (!json_is_string(v))
			goto type;
		s = json_string_value(v);
		if (f->type == AF_ROLE)
			return role_parse(s, (enum role *)(void *)p) == 0
				   ? 0
				   : errinfo_set(e, ERR_INVALID, "", f->name,
						 "%s must be admin, manager or member", f->name);
		if (f->type == AF_KIND)
			return stage_kind_parse(s, (enum stage_kind *)(void *)p) == 0
				   ? 0
				   : errinfo_set(e, ERR_INVALID, "", f->name,
						 "%s must be open, won or lost", f->name);
		if (f->type == AF_DATE && s[0] && !date_valid(s))
			return errinfo_set(e, ERR_INVALID, "", f->name,
					   "%s must be a date YYYY-MM-DD", f->name);
		if (json_string_length(v) >= f->size)
			return errinfo_set(e, ERR_INVALID, "", f->name,
					   "%s is longer than %zu bytes", f->name, f->size - 1);
		memcpy(p, s, json_string_length(v) + 1);
		return 0;
	case AF_NINT:
		if (json_is_null(v)) {
			*(int *)(void *)p = PROBABILITY_NONE;
			return 0;
		}
		/* fall through */
	case AF_INT:
		if (!json_is_integer(v))
			goto type;
		iv = json_integer_value(v);
		if (iv < -1000000000 || iv > 1000000000)
			return errinfo_set(e, ERR_INVALID, "request.type", f->name,
					   "%s is out of range", f->name);
		*(int *)(void *)p = (int)iv;
		return 0;
	case AF_ID:
		if (!json_is_integer(v))
			goto type;
		*(int64_t *)(void *)p = json_integer_value(v);
		return 0;
	case AF_BOOL:
		if (!json_is_boolean(v))
			goto type;
		*(int *)(void *)p = json_is_true(v);
		return 0;
	case AF_AMOUNT:
		if (json_is_integer(v))
			snprintf(p, f->size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		else if (json_is_real(v))
			snprintf(p, f->size, "%.15g", json_real_value(v));
		else if (json_is_string(v)) {
			if (json_string_length(v) >= f->size)
				return errinfo_set(e, ERR_INVALID, "deal.amount_invalid", f->name,
						   "amount is not a valid amount");
			memcpy(p, json_string_value(v), json_string_length(v) + 1);
		} else
			goto type;
		return 0;
	case AF_IDS: {
		struct api_ids *ids = (struct api_ids *)(void *)p;
		size_t i, n;

		if (!json_is_array(v))
			goto type;
		n = json_array_size(v);
		if (n > 10000)
			return errinfo_set(e, ERR_INVALID, "", f->name, "%s has too many ids",
					   f->name);
		for (i = 0; i < n; i++)
			if (!json_is_integer(json_array_get(v, i)))
				goto type;
		ids->v = calloc(n ? n : 1, sizeof(*ids->v));
		if (!ids->v)
			return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
		for (i = 0; i < n; i++)
			ids->v[i] = json_integer_value(json_array_get(v, i));
		ids->n = n;
		return 0;
	}
	}
type:
	return errinfo_set(e, ERR_INVALID, "request.type", f->name, "%s must be %s", f->name,
			   type_name(f->type));
}

int api_fields_parse(const char *entity, const struct api_field *fields, json_t *obj, void *dst,
		     unsigned *set, struct errinfo *e)
{
	const struct api_field *f;
	const char *key;
	json_t *v;
	unsigned bits = 0;
	int rc = 0;

	json_object_foreach(obj, key, v)
	{
		for (f = fields; f && f->name; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (!f || !f->name) {
			rc = errinfo_set(e, ERR_INVALID, "request.unknown_field", key,
					 "unknown field '%.100s'", key);
			goto out;
		}
		rc = field_one(f, v, dst, e);
		if (rc != 0) {
			/* Codes left empty above are per entity: "deal.name_too_long". */
			if (e && !e->code[0])
				snprintf(e->code, sizeof(e->code), "%s.%s_%s", entity, f->name,
					 f->type == AF_STRING || f->type == AF_NSTRING ? "too_long"
										       : "invalid");
			goto out;
		}
		bits |= f->bit;
	}
	*set |= bits;
out:
	if (rc != 0) {
		/* Free the id arrays read so far. */
		for (f = fields; f && f->name; f++) {
			if (f->type == AF_IDS) {
				struct api_ids *ids =
				    (struct api_ids *)(void *)((char *)dst + f->offset);
				free(ids->v);
				ids->v = NULL;
				ids->n = 0;
			}
		}
	}
	return rc;
}

/* reply fills the response with o (a reference taken) and status. */
int api_reply(struct call *c, int status, json_t *o)
{
	return set_body_json(c->resp, status, o);
}

static void add_etag(struct call *c, int64_t version)
{
	char etag[32];

	snprintf(etag, sizeof(etag), "\"%" PRId64 "\"", version);
	api_response_add_header(c->resp, "ETag", etag);
}

/* reply_record is api_reply() plus ETag: "<version>". */
int api_reply_record(struct call *c, int status, json_t *o, int64_t version)
{
	int rc = api_reply(c, status, o);

	if (rc == 0)
		add_etag(c, version);
	return rc;
}

int api_reply_empty(struct call *c)
{
	c->resp->status = 204;
	return 0;
}

/* items_reply answers {"items":[...]} with an array it takes. */
int api_reply_items(struct call *c, json_t *arr)
{
	if (!arr)
		return ERR_NOMEM;
	return api_reply(c, 200, json_pack("{s:o}", "items", arr));
}

int api_parse_body(struct call *c, const char *entity, const struct api_field *fields, void *dst,
		   unsigned *set)
{
	return api_fields_parse(entity, fields, c->body, dst, set, &c->e);
}

/* ---- query helpers ---- */

int api_bad_param(struct call *c, const char *name, const char *why)
{
	return errinfo_set(&c->e, ERR_INVALID, "request.bad_parameter", name, "parameter '%s' %s",
			   name, why);
}

/* query_int reads integer parameter name within [lo, hi] into *out (unchanged when absent). */
int api_query_int(struct call *c, const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	const char *s = api_query_get(c->req, name);
	int64_t v;

	if (!s)
		return 0;
	if (parse_i64(s, &v) != 0 || v < lo || v > hi) {
		char why[96];

		snprintf(why, sizeof(why), "must be an integer from %" PRId64 " to %" PRId64, lo,
			 hi);
		return api_bad_param(c, name, why);
	}
	*out = v;
	return 0;
}

int api_query_date(struct call *c, const char *name, char out[DATE_LEN])
{
	const char *s = api_query_get(c->req, name);

	if (!s || !s[0])
		return 0;
	if (strlen(s) >= DATE_LEN || !date_valid(s))
		return api_bad_param(c, name, "must be a date YYYY-MM-DD");
	snprintf(out, DATE_LEN, "%s", s);
	return 0;
}

/* query_owner resolves parameter owner (a username) into *id. */
int api_query_owner(struct call *c, int64_t *id)
{
	const char *s = api_query_get(c->req, "owner");
	struct user u;
	int rc;

	if (!s || !s[0])
		return 0;
	if (strlen(s) > CAP_USERNAME)
		return api_bad_param(c, "owner", "is not a known username");
	rc = svc_user_get_by_name(c->st, &c->actor, s, &u, &c->e);
	if (rc == ERR_NOTFOUND)
		return api_bad_param(c, "owner", "is not a known username");
	if (rc != 0)
		return rc;
	*id = u.id;
	return 0;
}

/* ---- health, session, tokens ---- */

static int h_health(struct call *c)
{
	return api_reply(c, 200, json_pack("{s:b}", "ok", 1));
}

static const char cookie_attrs[] = "SameSite=Lax; Path=/";

/* secure_attr: cookies set over TLS (or behind a trusted TLS proxy) are Secure. */
static const char *secure_attr(const struct call *c)
{
	return c->req->secure ? "; Secure" : "";
}

struct login_body {
	char workspace[CAP_SLUG + 1];
	char username[CAP_USERNAME + 1];
	char password[CAP_PASSWORD + 1];
};
enum { LOGIN_USERNAME = 1, LOGIN_PASSWORD = 2 };
static const struct api_field login_fields[] = {
    {"workspace", AF_STRING, 0, offsetof(struct login_body, workspace), CAP_SLUG + 1},
    {"username", AF_STRING, LOGIN_USERNAME, offsetof(struct login_body, username),
     CAP_USERNAME + 1},
    {"password", AF_STRING, LOGIN_PASSWORD, offsetof(struct login_body, password),
     CAP_PASSWORD + 1},
    {NULL},
};

static int h_login(struct call *c)
{
	struct login_body in = {0};
	char secret[TOKEN_TEXT_LEN], csrf[65], cookie[320];
	struct user u;
	struct workspace w;
	struct actor a;
	unsigned set = 0;
	int rc;

	rc = api_parse_body(c, "login", login_fields, &in, &set);
	if (rc != 0)
		return rc;
	if (!(set & LOGIN_USERNAME))
		return errinfo_set(&c->e, ERR_INVALID, "login.username_required", "username",
				   "username is required");
	if (!(set & LOGIN_PASSWORD))
		return errinfo_set(&c->e, ERR_INVALID, "login.password_required", "password",
				   "password is required");
	rc = svc_login_from(c->st, in.workspace, in.username, in.password, c->req->client_addr,
			    secret, &u, &c->retry_after, &c->e);
	if (rc != 0)
		return rc;
	rc = svc_authenticate(c->st, secret, &a, &c->e);
	if (rc == 0)
		rc = svc_workspace_get(c->st, &a, &w, &c->e);
	if (rc != 0)
		return rc;
	svc_csrf_token(secret, csrf);
	snprintf(cookie, sizeof(cookie), "litecrm_session=%s; HttpOnly; %s%s", secret, cookie_attrs,
		 secure_attr(c));
	api_response_add_header(c->resp, "Set-Cookie", cookie);
	snprintf(cookie, sizeof(cookie), "litecrm_csrf=%s; %s%s", csrf, cookie_attrs,
		 secure_attr(c));
	api_response_add_header(c->resp, "Set-Cookie", cookie);
	return api_reply(c, 200,
			 json_pack("{s:s,s:s,s:o,s:o}", "token", secret, "csrf_token", csrf, "user",
				   user_json(&u), "workspace", workspace_json(&w)));
}

static int h_logout(struct call *c)
{
	char cookie[128];
	int rc;

	rc = svc_logout(c->st, &c->actor, &c->e);
	if (rc != 0)
		return rc;
	snprintf(cookie, sizeof(cookie), "litecrm_session=; HttpOnly; %s; Max-Age=0%s",
		 cookie_attrs, secure_attr(c));
	api_response_add_header(c->resp, "Set-Cookie", cookie);
	snprintf(cookie, sizeof(cookie), "litecrm_csrf=; %s; Max-Age=0%s", cookie_attrs,
		 secure_attr(c));
	api_response_add_header(c->resp, "Set-Cookie", cookie);
	return api_reply_empty(c);
}

static int h_me(struct call *c)
{
	struct user u;
	struct workspace w;
	int rc;

	rc = svc_user_get(c->st, &c->actor, c->actor.user_id, &u, &c->e);
	if (rc == 0)
		rc = svc_workspace_get(c->st, &c->actor, &w, &c->e);
	if (rc != 0)
		return rc;
	return api_reply(
	    c, 200, json_pack("{s:o,s:o}", "user", user_json(&u), "workspace", workspace_json(&w)));
}

static int h_token_list(struct call *c)
{
	struct token_list l = {0};
	json_t *arr;
	int rc;

	rc = svc_token_list(c->st, &c->actor, &l, &c->e);
	if (rc != 0)
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, token_json);
	token_list_release(&l);
	return api_reply_items(c, arr);
}

struct token_body {
	char name[CAP_NAME + 1];
};
static const struct api_field token_fields[] = {
    {"name", AF_STRING, 1, offsetof(struct token_body, name), CAP_NAME + 1},
    {NULL},
};

static int h_token_create(struct call *c)
{
	struct token_body in = {0};
	char secret[TOKEN_TEXT_LEN];
	struct token t;
	unsigned set = 0;
	json_t *o;
	int rc;

	rc = api_parse_body(c, "token", token_fields, &in, &set);
	if (rc != 0)
		return rc;
	rc = svc_token_create(c->st, &c->actor, in.name, secret, &t, &c->e);
	if (rc != 0)
		return rc;
	o = token_json(&t);
	if (o && json_object_set_new(o, "token", json_string(secret)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return api_reply(c, 201, o);
}

static int h_token_delete(struct call *c)
{
	int rc = svc_token_delete(c->st, &c->actor, c->id, &c->e);

	return rc != 0 ? rc : api_reply_empty(c);
}

/* ---- workspace ---- */

static int h_workspace_get(struct call *c)
{
	struct workspace w;
	int rc = svc_workspace_get(c->st, &c->actor, &w, &c->e);

	return rc != 0 ? rc : api_reply_record(c, 200, workspace_json(&w), w.version);
}

static const struct api_field workspace_fields[] = {
    {"name", AF_STRING, WS_SET_NAME, offsetof(struct workspace_input, name), CAP_NAME + 1},
    {"currency", AF_STRING, WS_SET_CURRENCY, offsetof(struct workspace_input, currency), 4},
    {"language", AF_STRING, WS_SET_LANGUAGE, offsetof(struct workspace_input, language), 6},
    {"members_see_all", AF_BOOL, WS_SET_VISIBILITY,
     offsetof(struct workspace_input, members_see_all), sizeof(int)},
    {NULL},
};

static int h_workspace_update(struct call *c)
{
	struct workspace_input in = {0};
	struct workspace w;
	int rc;

	rc = api_parse_body(c, "workspace", workspace_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_workspace_update(c->st, &c->actor, c->if_version, &in, &w, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 200, workspace_json(&w), w.version);
}

/* ---- users ---- */

static int h_user_list(struct call *c)
{
	struct user_list l = {0};
	json_t *arr;
	int rc;

	rc = svc_user_list(c->st, &c->actor, &l, &c->e);
	if (rc != 0)
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, user_json);
	user_list_release(&l);
	return api_reply_items(c, arr);
}

static int h_user_get(struct call *c)
{
	struct user u;
	int rc = svc_user_get(c->st, &c->actor, c->id, &u, &c->e);

	return rc != 0 ? rc : api_reply_record(c, 200, user_json(&u), u.version);
}

struct user_body {
	char username[CAP_USERNAME + 1];
	char password[CAP_PASSWORD + 1];
	char display_name[CAP_NAME + 1];
	char email[CAP_EMAIL + 1];
	enum role role;
};
static const struct api_field user_create_fields[] = {
    {"username", AF_STRING, 1, offsetof(struct user_body, username), CAP_USERNAME + 1},
    {"password", AF_STRING, 2, offsetof(struct user_body, password), CAP_PASSWORD + 1},
    {"display_name", AF_NSTRING, 4, offsetof(struct user_body, display_name), CAP_NAME + 1},
    {"email", AF_NSTRING, 8, offsetof(struct user_body, email), CAP_EMAIL + 1},
    {"role", AF_ROLE, 16, offsetof(struct user_body, role), sizeof(enum role)},
    {NULL},
};

static int h_user_create(struct call *c)
{
	struct user_body in = {.role = ROLE_MEMBER};
	struct user u = {0};
	unsigned set = 0;
	int rc;

	rc = api_parse_body(c, "user", user_create_fields, &in, &set);
	if (rc != 0)
		return rc;
	u.workspace_id = c->actor.workspace_id;
	memcpy(u.username, in.username, sizeof(u.username));
	memcpy(u.display_name, in.display_name, sizeof(u.display_name));
	memcpy(u.email, in.email, sizeof(u.email));
	u.role = in.role;
	u.active = 1;
	rc = svc_user_create(c->st, &c->actor, &u, in.password, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 201, user_json(&u), u.version);
}

static const struct api_field user_update_fields[] = {
    {"display_name", AF_NSTRING, USER_SET_DISPLAY, offsetof(struct user_input, display_name),
     CAP_NAME + 1},
    {"email", AF_NSTRING, USER_SET_EMAIL, offsetof(struct user_input, email), CAP_EMAIL + 1},
    {"role", AF_ROLE, USER_SET_ROLE, offsetof(struct user_input, role), sizeof(enum role)},
    {"active", AF_BOOL, USER_SET_ACTIVE, offsetof(struct user_input, active), sizeof(int)},
    {NULL},
};

static int h_user_update(struct call *c)
{
	struct user_input in = {0};
	struct user u;
	int rc;

	rc = api_parse_body(c, "user", user_update_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_user_update(c->st, &c->actor, c->id, c->if_version, &in, &u, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 200, user_json(&u), u.version);
}

struct passwd_body {
	char old_password[CAP_PASSWORD + 1];
	char new_password[CAP_PASSWORD + 1];
};
enum { PW_OLD = 1, PW_NEW = 2 };
static const struct api_field passwd_fields[] = {
    {"old_password", AF_NSTRING, PW_OLD, offsetof(struct passwd_body, old_password),
     CAP_PASSWORD + 1},
    {"new_password", AF_STRING, PW_NEW, offsetof(struct passwd_body, new_password),
     CAP_PASSWORD + 1},
    {NULL},
};

static int h_user_passwd(struct call *c)
{
	struct passwd_body in = {0};
	unsigned set = 0;
	int rc;

	rc = api_parse_body(c, "user", passwd_fields, &in, &set);
	if (rc != 0)
		return rc;
	if (!(set & PW_NEW))
		return errinfo_set(&c->e, ERR_INVALID, "user.new_password_required", "new_password",
				   "new_password is required");
	rc = svc_user_passwd(c->st, &c->actor, c->id, (set & PW_OLD) ? in.old_password : NULL,
			     in.new_password, &c->e);
	return rc != 0 ? rc : api_reply_empty(c);
}

/* ---- stages ---- */

static int reply_stages(struct call *c)
{
	struct stage_list l = {0};
	json_t *arr;
	int rc;

	rc = svc_stage_list(c->st, &c->actor, &l, &c->e);
	if (rc != 0)
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, stage_json);
	stage_list_release(&l);
	return api_reply_items(c, arr);
}

static int h_stage_list(struct call *c)
{
	return reply_stages(c);
}

static int h_stage_get(struct call *c)
{
	char ref[24];
	struct stage s;
	int rc;

	snprintf(ref, sizeof(ref), "%" PRId64, c->id);
	rc = svc_stage_find(c->st, &c->actor, ref, &s, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 200, stage_json(&s), s.version);
}

static const struct api_field stage_fields[] = {
    {"key", AF_STRING, STAGE_SET_KEY, offsetof(struct stage_input, key), CAP_KEY + 1},
    {"name_zh", AF_STRING, STAGE_SET_NAME_ZH, offsetof(struct stage_input, name_zh), CAP_NAME + 1},
    {"name_en", AF_STRING, STAGE_SET_NAME_EN, offsetof(struct stage_input, name_en), CAP_NAME + 1},
    {"guidance", AF_NSTRING, STAGE_SET_GUIDANCE, offsetof(struct stage_input, guidance),
     CAP_GUIDANCE + 1},
    {"probability", AF_INT, STAGE_SET_PROBABILITY, offsetof(struct stage_input, probability),
     sizeof(int)},
    {"kind", AF_KIND, STAGE_SET_KIND, offsetof(struct stage_input, kind), sizeof(enum stage_kind)},
    {"position", AF_INT, STAGE_SET_POSITION, offsetof(struct stage_input, position), sizeof(int)},
    /* reports and history: "stalled after N days"; null clears it */
    {"stalled_days", AF_NINT, STAGE_SET_STALLED, offsetof(struct stage_input, stalled_days),
     sizeof(int)},
    {NULL},
};

static int h_stage_create(struct call *c)
{
	struct stage_input in = {0};
	struct stage s;
	int rc;

	rc = api_parse_body(c, "stage", stage_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_stage_create(c->st, &c->actor, &in, &s, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 201, stage_json(&s), s.version);
}

static int h_stage_update(struct call *c)
{
	struct stage_input in = {0};
	struct stage s;
	int rc;

	rc = api_parse_body(c, "stage", stage_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_stage_update(c->st, &c->actor, c->id, c->if_version, &in, &s, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 200, stage_json(&s), s.version);
}

static int h_stage_delete(struct call *c)
{
	int rc = svc_stage_delete(c->st, &c->actor, c->id, c->if_version, &c->e);

	return rc != 0 ? rc : api_reply_empty(c);
}

struct order_body {
	struct api_ids ids;
};
static const struct api_field order_fields[] = {
    {"ids", AF_IDS, 1, offsetof(struct order_body, ids), sizeof(struct api_ids)},
    {NULL},
};

static int h_stage_reorder(struct call *c)
{
	struct order_body in = {0};
	unsigned set = 0;
	int rc;

	rc = api_parse_body(c, "stage", order_fields, &in, &set);
	if (rc != 0)
		return rc;
	if (!(set & 1)) {
		rc =
		    errinfo_set(&c->e, ERR_INVALID, "stage.ids_required", "ids", "ids is required");
		goto out;
	}
	rc = svc_stage_reorder(c->st, &c->actor, in.ids.v, in.ids.n, &c->e);
	if (rc == 0)
		rc = reply_stages(c);
out:
	free(in.ids.v);
	return rc;
}

/* ---- companies and contacts ---- */

static int h_company_list(struct call *c)
{
	struct company_filter f = {0};
	struct company_list l = {0};
	int64_t limit = 50, offset = 0;
	const char *q = api_query_get(c->req, "q");
	json_t *arr;
	int rc;

	rc = api_query_int(c, "limit", 1, 500, &limit);
	if (rc == 0)
		rc = api_query_int(c, "offset", 0, INT32_MAX, &offset);
	if (rc != 0)
		return rc;
	if (q && strlen(q) > CAP_QUERY)
		return api_bad_param(c, "q", "is longer than 200 bytes");
	if (q)
		snprintf(f.q, sizeof(f.q), "%s", q);
	f.limit = (int)limit;
	f.offset = (int)offset;
	rc = svc_company_list(c->st, &c->actor, &f, &l, &c->e);
	if (rc != 0)
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, company_json);
	company_list_release(&l);
	if (!arr)
		return ERR_NOMEM;
	return api_reply(c, 200,
			 json_pack("{s:o,s:I,s:I}", "items", arr, "limit", (json_int_t)limit,
				   "offset", (json_int_t)offset));
}

static const struct api_field company_fields[] = {
    {"name", AF_STRING, COMPANY_SET_NAME, offsetof(struct company_input, name), CAP_NAME + 1},
    {"website", AF_NSTRING, COMPANY_SET_WEBSITE, offsetof(struct company_input, website),
     CAP_NAME + 1},
    {"phone", AF_NSTRING, COMPANY_SET_PHONE, offsetof(struct company_input, phone), CAP_PHONE + 1},
    {NULL},
};

static int h_company_create(struct call *c)
{
	struct company_input in = {0};
	struct company co;
	int rc;

	rc = api_parse_body(c, "company", company_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_company_create(c->st, &c->actor, &in, &co, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 201, company_json(&co), co.version);
}

static int h_company_get(struct call *c)
{
	struct company co;
	int rc = svc_company_get(c->st, &c->actor, c->id, &co, &c->e);

	return rc != 0 ? rc : api_reply_record(c, 200, company_json(&co), co.version);
}

static int h_company_update(struct call *c)
{
	struct company_input in = {0};
	struct company co;
	int rc;

	rc = api_parse_body(c, "company", company_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_company_update(c->st, &c->actor, c->id, c->if_version, &in, &co, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 200, company_json(&co), co.version);
}

static int h_company_delete(struct call *c)
{
	int rc = svc_company_delete(c->st, &c->actor, c->id, c->if_version, &c->e);

	return rc != 0 ? rc : api_reply_empty(c);
}

static int h_company_contacts(struct call *c)
{
	struct contact_list l = {0};
	json_t *arr;
	int rc;

	rc = svc_contact_list(c->st, &c->actor, c->id, &l, &c->e);
	if (rc != 0)
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, contact_json);
	contact_list_release(&l);
	return api_reply_items(c, arr);
}

static const struct api_field contact_fields[] = {
    {"company_id", AF_ID, CONTACT_SET_COMPANY, offsetof(struct contact_input, company_id),
     sizeof(int64_t)},
    {"name", AF_STRING, CONTACT_SET_NAME, offsetof(struct contact_input, name), CAP_NAME + 1},
    {"title", AF_NSTRING, CONTACT_SET_TITLE, offsetof(struct contact_input, title), CAP_NAME + 1},
    {"phone", AF_NSTRING, CONTACT_SET_PHONE, offsetof(struct contact_input, phone), CAP_PHONE + 1},
    {"email", AF_NSTRING, CONTACT_SET_EMAIL, offsetof(struct contact_input, email), CAP_EMAIL + 1},
    {NULL},
};

static int h_contact_create(struct call *c)
{
	struct contact_input in = {0};
	struct contact ct;
	int rc;

	rc = api_parse_body(c, "contact", contact_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_contact_create(c->st, &c->actor, &in, &ct, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 201, contact_json(&ct), ct.version);
}

static int h_contact_get(struct call *c)
{
	struct contact ct;
	int rc = svc_contact_get(c->st, &c->actor, c->id, &ct, &c->e);

	return rc != 0 ? rc : api_reply_record(c, 200, contact_json(&ct), ct.version);
}

static int h_contact_update(struct call *c)
{
	struct contact_input in = {0};
	struct contact ct;
	int rc;

	rc = api_parse_body(c, "contact", contact_fields, &in, &in.set);
	if (rc == 0)
		rc = svc_contact_update(c->st, &c->actor, c->id, c->if_version, &in, &ct, &c->e);
	return rc != 0 ? rc : api_reply_record(c, 200, contact_json(&ct), ct.version);
}

static int h_contact_delete(struct call *c)
{
	int rc = svc_contact_delete(c->st, &c->actor, c->id, c->if_version, &c->e);

	return rc != 0 ? rc : api_reply_empty(c);
}

/* ---- deals ---- */

struct deal_body {
	struct deal_input in;
	char amount[48]; /* AF_AMOUNT text, converted once the currency is known */
};
#define DB(m) offsetof(struct deal_body, in.m)
static const struct api_field deal_fields[] = {
    {"company_id", AF_ID, DEAL_SET_COMPANY, DB(company_id), sizeof(int64_t)},
    {"company", AF_STRING, DEAL_SET_COMPANY, DB(company), CAP_NAME + 1},
    {"name", AF_STRING, DEAL_SET_NAME, DB(name), CAP_NAME + 1},
    {"amount", AF_AMOUNT, DEAL_SET_AMOUNT, offsetof(struct deal_body, amount), 48},
    {"currency", AF_STRING, DEAL_SET_CURRENCY, DB(currency), 4},
    {"stage", AF_STRING, DEAL_SET_STAGE, DB(stage), CAP_NAME + 1},
    {"stage_id", AF_ID, DEAL_SET_STAGE, DB(stage_id), sizeof(int64_t)},
    {"probability", AF_NINT, DEAL_SET_PROBABILITY, DB(probability), sizeof(int)},
    {"owner", AF_STRING, DEAL_SET_OWNER, DB(owner), CAP_USERNAME + 1},
    {"owner_id", AF_ID, DEAL_SET_OWNER, DB(owner_id), sizeof(int64_t)},
    {"close_date", AF_DATE, DEAL_SET_CLOSE_DATE, DB(close_date), DATE_LEN},
    {"next_step", AF_NSTRING, DEAL_SET_NEXT_STEP, DB(next_step), CAP_NEXTSTEP + 1},
    {NULL},
};
static const struct api_field move_fields[] = {
    {"stage", AF_STRING, DEAL_SET_STAGE, DB(stage), CAP_NAME + 1},
    {"stage_id", AF_ID, DEAL_SET_STAGE, DB(stage_id), sizeof(int64_t)},
    {NULL},
};
#undef DB

/*
 * deal_amount converts b->amount once the currency is known: the one in the
 * body, else the deal's (update) or the workspace's (create).
 */
static int deal_amount(struct call *c, struct deal_body *b, int update)
{
	const char *cur = NULL;
	struct workspace w;
	struct deal d;
	int digits, rc;

	if (!(b->in.set & DEAL_SET_AMOUNT))
		return 0;
	if ((b->in.set & DEAL_SET_CURRENCY) && b->in.currency[0]) {
		cur = b->in.currency;
	} else if (update) {
		rc = svc_deal_get(c->st, &c->actor, c->id, &d, &c->e);
		if (rc != 0)
			return rc;
		cur = d.currency;
	} else {
		rc = svc_workspace_get(c->st, &c->actor, &w, &c->e);
		if (rc != 0)
			return rc;
		cur = w.currency;
	}
	digits = money_digits(cur);
	if (digits < 0)
		digits = 2; /* svc refuses the currency itself */
	return api_amount_parse(b->amount, digits, &b->in.amount, &c->e);
}

/*
 * reply_deal answers with d and its ETag. A deal's answer is written directly
 * (deal_write, repr.h: the same bytes as deal_json dumped), on the hottest
 * routes: a deal read, created, changed or moved.
 */
static int reply_deal(struct call *c, int status, const struct deal *d)
{
	struct repr_buf b = {0};
	int rc;

	deal_write(&b, d);
	rc = set_body_buf(c->resp, status, &b);
	if (rc == 0)
		add_etag(c, d->version);
	return rc;
}

static int h_deal_create(struct call *c)
{
	struct deal_body b = {0};
	struct deal d;
	int rc;

	rc = api_parse_body(c, "deal", deal_fields, &b, &b.in.set);
	if (rc == 0)
		rc = deal_amount(c, &b, 0);
	if (rc == 0)
		rc = svc_deal_create(c->st, &c->actor, &b.in, &d, &c->e);
	return rc != 0 ? rc : reply_deal(c, 201, &d);
}

static int h_deal_get(struct call *c)
{
	struct deal d;
	int rc = svc_deal_get(c->st, &c->actor, c->id, &d, &c->e);

	return rc != 0 ? rc : reply_deal(c, 200, &d);
}

static int h_deal_update(struct call *c)
{
	struct deal_body b = {0};
	struct deal d;
	int rc;

	rc = api_parse_body(c, "deal", deal_fields, &b, &b.in.set);
	if (rc == 0)
		rc = deal_amount(c, &b, 1);
	if (rc == 0)
		rc = svc_deal_update(c->st, &c->actor, c->id, c->if_version, &b.in, &d, &c->e);
	return rc != 0 ? rc : reply_deal(c, 200, &d);
}

/* h_deal_move: POST /deals/{id}/move {"stage"}; If-Match is optional here (checked when sent). */
static int h_deal_move(struct call *c)
{
	struct deal_body b = {0};
	struct deal d;
	int rc;

	rc = api_parse_body(c, "deal", move_fields, &b, &b.in.set);
	if (rc != 0)
		return rc;
	if (!(b.in.set & DEAL_SET_STAGE))
		return errinfo_set(&c->e, ERR_INVALID, "deal.stage_required", "stage",
				   "stage is required");
	rc = svc_deal_update(c->st, &c->actor, c->id, c->if_version, &b.in, &d, &c->e);
	return rc != 0 ? rc : reply_deal(c, 200, &d);
}

static int h_deal_delete(struct call *c)
{
	int rc = svc_deal_delete(c->st, &c->actor, c->id, c->if_version, &c->e);

	return rc != 0 ? rc : api_reply_empty(c);
}

static int h_deal_history(struct call *c)
{
	struct history_list l = {0};
	json_t *arr;
	int rc;

	rc = svc_deal_history(c->st, &c->actor, c->id, &l, &c->e);
	if (rc != 0)
		return rc;
	API_JSON_ARRAY(arr, l.v, l.n, stage_change_json);
	history_list_release(&l);
	return api_reply_items(c, arr);
}

static const struct {
	const char *name;
	enum deal_sort sort;
} deal_sorts[] = {
    {"id", DEAL_SORT_ID},
    {"updated", DEAL_SORT_UPDATED},
    {"close_date", DEAL_SORT_CLOSE_DATE},
    {"amount", DEAL_SORT_AMOUNT},
    {"name", DEAL_SORT_NAME},
    {"company", DEAL_SORT_COMPANY},
    {"stage", DEAL_SORT_STAGE},
};

int api_deal_query(struct call *c, struct deal_filter *f, int *total)
{
	const char *s;
	int64_t v;
	size_t i;
	int rc;

	deal_filter_init(f);
	rc = api_query_owner(c, &f->owner_id);
	if (rc != 0)
		return rc;
	s = api_query_get(c->req, "stage");
	if (s && s[0]) {
		struct stage st;

		if (strlen(s) > CAP_NAME)
			return api_bad_param(c, "stage", "is not a stage");
		rc = svc_stage_find(c->st, &c->actor, s, &st, &c->e);
		if (rc == ERR_NOTFOUND || rc == ERR_INVALID)
			return api_bad_param(c, "stage", "is not a stage");
		if (rc != 0)
			return rc;
		f->stage_id = st.id;
	}
	s = api_query_get(c->req, "status");
	if (s && s[0]) {
		enum stage_kind k;

		if (stage_kind_parse(s, &k) != 0)
			return api_bad_param(c, "status", "must be open, won or lost");
		f->status = (int)k;
	}
	v = 0;
	rc = api_query_int(c, "company", 1, INT64_MAX / 2, &v);
	if (rc != 0)
		return rc;
	f->company_id = v;
	rc = api_query_date(c, "close_from", f->close_from);
	if (rc == 0)
		rc = api_query_date(c, "close_to", f->close_to);
	if (rc != 0)
		return rc;
	if ((api_query_get(c->req, "amount_min") && api_query_get(c->req, "amount_min")[0]) ||
	    (api_query_get(c->req, "amount_max") && api_query_get(c->req, "amount_max")[0])) {
		static const char *const names[2] = {"amount_min", "amount_max"};
		struct workspace w;
		int digits;

		rc = svc_workspace_get(c->st, &c->actor, &w, &c->e);
		if (rc != 0)
			return rc;
		digits = money_digits(w.currency);
		if (digits < 0)
			digits = 2;
		for (i = 0; i < 2; i++) {
			s = api_query_get(c->req, names[i]);
			if (!s || !s[0])
				continue;
			if (money_parse(s, digits, &v) != 0 || v < 0)
				return api_bad_param(c, names[i], "must be a non-negative amount");
			if (i == 0)
				f->amount_min = v;
			else
				f->amount_max = v;
		}
	}
	s = api_query_get(c->req, "q");
	if (s) {
		if (strlen(s) > CAP_QUERY)
			return api_bad_param(c, "q", "is longer than 200 bytes");
		snprintf(f->q, sizeof(f->q), "%s", s);
	}
	s = api_query_get(c->req, "sort");
	if (s && s[0]) {
		for (i = 0; i < sizeof(deal_sorts) / sizeof(deal_sorts[0]); i++)
			if (strcmp(deal_sorts[i].name, s) == 0)
				break;
		if (i == sizeof(deal_sorts) / sizeof(deal_sorts[0]))
			return api_bad_param(
			    c, "sort",
			    "must be id, updated, close_date, amount, name, company "
			    "or stage");
		f->sort = deal_sorts[i].sort;
	}
	s = api_query_get(c->req, "order");
	if (s && s[0]) {
		if (strcmp(s, "asc") == 0)
			f->desc = 0;
		else if (strcmp(s, "desc") == 0)
			f->desc = 1;
		else
			return api_bad_param(c, "order", "must be asc or desc");
	}
	v = 50;
	rc = api_query_int(c, "limit", 1, 500, &v);
	if (rc != 0)
		return rc;
	f->limit = (int)v;
	v = 0;
	rc = api_query_int(c, "offset", 0, INT32_MAX, &v);
	if (rc != 0)
		return rc;
	f->offset = (int)v;
	v = 0;
	rc = api_query_int(c, "total", 0, 1, &v);
	if (rc != 0)
		return rc;
	*total = (int)v;
	return 0;
}

/* About the bytes of one deal's JSON with short texts; a page starts with room for that. */
#define DEAL_JSON_GUESS 640

static int h_deal_list(struct call *c)
{
	struct deal_filter f;
	struct deal_list l = {0};
	struct repr_buf b = {0};
	int total = 0, rc;
	size_t i;

	rc = api_deal_query(c, &f, &total);
	if (rc == 0)
		rc = svc_deal_list(c->st, &c->actor, &f, total, &l, &c->e);
	if (rc != 0)
		return rc;
	repr_reserve(&b, 64 + l.n * DEAL_JSON_GUESS);
	repr_put_str(&b, "{\"items\":[");
	for (i = 0; i < l.n; i++) {
		if (i)
			repr_put(&b, ",", 1);
		deal_write(&b, &l.v[i]);
	}
	repr_put_str(&b, "],\"limit\":");
	repr_put_int(&b, f.limit);
	repr_put_str(&b, ",\"offset\":");
	repr_put_int(&b, f.offset);
	if (total) {
		repr_put_str(&b, ",\"total\":");
		repr_put_int(&b, l.total);
	}
	repr_put(&b, "}", 1);
	deal_list_release(&l);
	return set_body_buf(c->resp, 200, &b);
}

/* ---- reports ---- */

static int h_summary(struct call *c)
{
	struct deal_filter f;
	struct summary s;
	struct workspace w;
	const char *lang = api_query_get(c->req, "lang"), *group;
	json_t *o;
	int total, rc;

	rc = api_deal_query(c, &f, &total); /* GET /deals's filters; its paging is ignored */
	if (rc != 0)
		return rc;
	if (lang && lang[0]) {
		if (strcmp(lang, "en") != 0 && strcmp(lang, "zh-TW") != 0)
			return api_bad_param(c, "lang", "must be zh-TW or en");
	} else {
		rc = svc_workspace_get(c->st, &c->actor, &w, &c->e);
		if (rc != 0)
			return rc;
		lang = w.language;
	}
	group = api_query_get(c->req, "group");
	if (group && group[0] && strcmp(group, "owner") != 0)
		return api_bad_param(c, "group", "must be owner");
	rc = group && group[0] ? svc_summary_owners(c->st, &c->actor, &f, &s, &c->e)
			       : svc_summary(c->st, &c->actor, &f, &s, &c->e);
	if (rc != 0)
		return rc;
	o = summary_json(&s, lang);
	summary_release(&s);
	return api_reply(c, 200, o);
}

/* ---- the route table ---- */

#define AUTH   R_AUTH
#define AUTH_B (R_AUTH | R_BODY)
#define WRITE  (R_AUTH | R_BODY | R_IF_MATCH)
static const struct route core_routes[] = {
    {"GET", "/health", h_health, 0, "public"},
    {"POST", "/login", h_login, R_SLOW | R_BODY, "public"},
    {"POST", "/logout", h_logout, AUTH, "user"},
    {"GET", "/me", h_me, AUTH, "user"},

    {"GET", "/tokens", h_token_list, AUTH, "user"},
    {"POST", "/tokens", h_token_create, AUTH_B, "user"},
    {"DELETE", "/tokens/{id}", h_token_delete, AUTH, "token_owner"},

    {"GET", "/workspace", h_workspace_get, AUTH, "user"},
    {"PATCH", "/workspace", h_workspace_update, WRITE, "admin"},

    {"GET", "/users", h_user_list, AUTH, "user"},
    {"POST", "/users", h_user_create, AUTH_B | R_SLOW, "admin"},
    {"GET", "/users/{id}", h_user_get, AUTH, "user"},
    {"PATCH", "/users/{id}", h_user_update, WRITE, "self_or_admin"},
    {"POST", "/users/{id}/password", h_user_passwd, AUTH_B | R_SLOW, "self_or_admin"},

    {"GET", "/stages", h_stage_list, AUTH, "user"},
    {"POST", "/stages", h_stage_create, AUTH_B, "admin"},
    {"PUT", "/stages/order", h_stage_reorder, AUTH_B, "admin"},
    {"GET", "/stages/{id}", h_stage_get, AUTH, "user"},
    {"PATCH", "/stages/{id}", h_stage_update, WRITE, "stage_probability"},
    {"DELETE", "/stages/{id}", h_stage_delete, R_AUTH | R_IF_MATCH, "admin"},

    {"GET", "/companies", h_company_list, AUTH, "user"},
    {"POST", "/companies", h_company_create, AUTH_B, "user"},
    {"GET", "/companies/{id}", h_company_get, AUTH, "company_member"},
    {"PATCH", "/companies/{id}", h_company_update, WRITE, "manager"},
    {"DELETE", "/companies/{id}", h_company_delete, R_AUTH | R_IF_MATCH, "manager"},
    {"GET", "/companies/{id}/contacts", h_company_contacts, AUTH, "company_member"},

    {"POST", "/contacts", h_contact_create, AUTH_B, "company_member"},
    {"GET", "/contacts/{id}", h_contact_get, AUTH, "company_member"},
    {"PATCH", "/contacts/{id}", h_contact_update, WRITE, "company_member"},
    {"DELETE", "/contacts/{id}", h_contact_delete, R_AUTH | R_IF_MATCH, "company_member"},

    {"GET", "/deals", h_deal_list, AUTH | R_READ, "user"},
    {"POST", "/deals", h_deal_create, AUTH_B, "user"},
    {"GET", "/deals/{id}", h_deal_get, AUTH | R_READ, "deal_owner"},
    {"PATCH", "/deals/{id}", h_deal_update, WRITE, "deal_owner"},
    {"DELETE", "/deals/{id}", h_deal_delete, R_AUTH | R_IF_MATCH, "deal_owner"},
    {"POST", "/deals/{id}/move", h_deal_move, AUTH_B, "deal_owner"},
    {"GET", "/deals/{id}/history", h_deal_history, AUTH, "deal_owner"},

    {"GET", "/reports/summary", h_summary, AUTH | R_SLOW, "user"},
};
#undef AUTH
#undef AUTH_B
#undef WRITE

/* Every route table: the core's, then one per feature file (api_<feature>.c). */
#define TABLE(t)                                                                                   \
	{                                                                                          \
		t, sizeof(t) / sizeof(t[0])                                                        \
	}
static const struct {
	const struct route *v;
	size_t n;
} route_tables[] = {
    TABLE(core_routes),	       TABLE(api_view_routes), /* saved views */
    TABLE(api_report_routes),			       /* reports and history */
    TABLE(api_note_routes),			       /* notes and search */
    TABLE(api_export_routes),			       /* export downloads */
    TABLE(api_audit_routes),			       /* audit log and deal trash */
    TABLE(api_import_routes),			       /* the web import */
    TABLE(api_board_routes),			       /* the pipeline board */
    TABLE(api_session_routes),			       /* the session's context */
};
#undef TABLE

/*
 * path_match compares path (after the prefix) with pattern; "{id}" matches
 * 1-18 digits naming a positive integer, stored in *id.
 */
static int path_match(const char *pattern, const char *path, int64_t *id)
{
	while (*pattern) {
		if (strncmp(pattern, "{id}", 4) == 0) {
			int64_t v = 0;
			int n = 0;

			for (; *path >= '0' && *path <= '9'; path++) {
				if (++n > 18)
					return 0;
				v = v * 10 + (*path - '0');
			}
			if (n == 0 || v < 1)
				return 0;
			*id = v;
			pattern += 4;
			continue;
		}
		if (*pattern++ != *path++)
			return 0;
	}
	return *path == '\0';
}

/*
 * route_find finds the route of method and path. Returns it, or NULL with
 * *path_known set when another method serves the path (405), and allow
 * listing those methods.
 */
static const struct route *route_find(const char *method, const char *path, int64_t *id,
				      int *path_known, char *allow, size_t allowsz)
{
	size_t i, used = 0;

	*path_known = 0;
	if (allow && allowsz)
		allow[0] = '\0';
	if (strncmp(path, API_PREFIX, strlen(API_PREFIX)) != 0)
		return NULL;
	path += strlen(API_PREFIX);
	for (size_t t = 0; t < sizeof(route_tables) / sizeof(route_tables[0]); t++) {
		const struct route *routes = route_tables[t].v;

		for (i = 0; i < route_tables[t].n; i++) {
			int64_t v = 0;

			if (!path_match(routes[i].pattern, path, &v))
				continue;
			if (strcmp(routes[i].method, method) == 0) {
				*id = v;
				return &routes[i];
			}
			*path_known = 1;
			if (allow && used < allowsz) {
				int n = snprintf(allow + used, allowsz - used, "%s%s",
						 used ? ", " : "", routes[i].method);
				if (n > 0)
					used += (size_t)n;
			}
		}
	}
	return NULL;
}

void api_route_match(const char *method, const char *path, struct api_match *m)
{
	int known;

	m->id = 0;
	m->route = route_find(method, path, &m->id, &known, NULL, 0);
	m->done = 1;
}

int api_match_slow(const struct api_match *m)
{
	return m->route && (m->route->flags & R_SLOW);
}

size_t api_match_body_max(const struct api_match *m)
{
	return m->route && (m->route->flags & R_RAW) ? (size_t)API_UPLOAD_MAX
						     : (size_t)API_BODY_MAX;
}

int api_route_slow(const char *method, const char *path)
{
	struct api_match m;

	api_route_match(method, path, &m);
	return api_match_slow(&m);
}

size_t api_route_body_max(const char *method, const char *path)
{
	struct api_match m;

	api_route_match(method, path, &m);
	return api_match_body_max(&m);
}

/* ---- the route table for the access-control matrix ---- */

json_t *api_routes_json(void)
{
	static const struct {
		unsigned bit;
		const char *name;
	} flag_names[] = {{R_AUTH, "auth"}, {R_SLOW, "slow"}, {R_IF_MATCH, "if_match"},
			  {R_BODY, "body"}, {R_RAW, "raw"},   {R_READ, "read"}};
	json_t *arr = json_array();

	for (size_t t = 0; arr && t < sizeof(route_tables) / sizeof(route_tables[0]); t++) {
		for (size_t i = 0; arr && i < route_tables[t].n; i++) {
			const struct route *r = &route_tables[t].v[i];
			json_t *flags = json_array(), *o;

			for (size_t k = 0; flags && k < sizeof(flag_names) / sizeof(flag_names[0]);
			     k++)
				if ((r->flags & flag_names[k].bit) &&
				    json_array_append_new(flags, json_string(flag_names[k].name)))
					flags = NULL;
			o = flags ? json_pack("{s:s,s:s+,s:o,s:o}", "method", r->method, "pattern",
					      API_PREFIX, r->pattern, "flags", flags, "access",
					      r->access ? json_string(r->access) : json_null())
				  : NULL;
			if (!o || json_array_append_new(arr, o) != 0) {
				json_decref(arr);
				arr = NULL;
			}
		}
	}
	return arr;
}

/* authenticate resolves the request's credential into c->actor, checking CSRF for cookies. */
static int authenticate(struct call *c)
{
	const char *auth = c->req->authorization;
	char csrf[65];
	int rc;

	if (auth && auth[0]) {
		while (*auth == ' ')
			auth++;
		if (strncasecmp(auth, "Bearer ", 7) != 0)
			return errinfo_set(&c->e, ERR_UNAUTH, "auth.required", NULL,
					   "the Authorization header must be 'Bearer <token>'");
		auth += 7;
		while (*auth == ' ')
			auth++;
		if (strlen(auth) >= sizeof(c->secret))
			return errinfo_set(&c->e, ERR_UNAUTH, "auth.required", NULL,
					   "unknown or expired token");
		snprintf(c->secret, sizeof(c->secret), "%s", auth);
		while (c->secret[0] && c->secret[strlen(c->secret) - 1] == ' ')
			c->secret[strlen(c->secret) - 1] = '\0';
	} else if (c->req->cookie &&
		   cookie_get(c->req->cookie, "litecrm_session", c->secret, sizeof(c->secret)) ==
		       0 &&
		   c->secret[0]) {
		c->by_cookie = 1;
	} else {
		return errinfo_set(&c->e, ERR_UNAUTH, "auth.required", NULL,
				   "this request needs a session or an API token");
	}
	rc = svc_authenticate(c->st, c->secret, &c->actor, &c->e);
	/* the audit log's "from where" */
	snprintf(c->actor.addr, sizeof(c->actor.addr), "%s",
		 c->req->client_addr && c->req->client_addr[0] ? c->req->client_addr : "unknown");
	if (rc != 0) {
		if (rc == ERR_UNAUTH && !c->e.code[0])
			errinfo_set(&c->e, ERR_UNAUTH, "auth.required", NULL,
				    "unknown or expired token");
		return rc;
	}
	if (c->by_cookie && strcmp(c->req->method, "GET") != 0 &&
	    strcmp(c->req->method, "HEAD") != 0) {
		svc_csrf_token(c->secret, csrf);
		if (!c->req->csrf_token || !same_secret(c->req->csrf_token, csrf))
			return errinfo_set(&c->e, ERR_FORBIDDEN, "auth.csrf", NULL,
					   "a write with the session cookie needs the X-CSRF-Token "
					   "header");
	}
	return 0;
}

/* reply_error writes the error response of rc and c->e. */
static void reply_error(struct call *c, int rc)
{
	const char *code;
	int status = api_error_status(rc, c->e.code, &code);
	const char *msg = c->e.message[0] ? c->e.message : err_str(rc);

	api_response_release(c->resp);
	c->resp->nheaders = 0;
	if (status == 500) {
		fprintf(stderr, "litecrm: %s %s: %s (%s)\n", c->req->method, c->req->path,
			err_str(rc), c->e.message);
		msg = "internal server error";
	}
	api_response_error(c->resp, status, code, status == 500 ? NULL : c->e.field, msg);
	if (rc == ERR_THROTTLED && c->retry_after > 0) {
		char secs[16];

		snprintf(secs, sizeof(secs), "%d", c->retry_after);
		api_response_add_header(c->resp, "Retry-After", secs);
	}
}

void api_handle(struct store *st, const struct api_request *req, struct api_response *resp)
{
	struct call c;
	char allow[96];
	int known, rc;

	api_response_init(resp);
	memset(&c, 0, sizeof(c));
	c.st = st;
	c.req = req;
	c.resp = resp;
	if (req->match.done && req->match.route) {
		c.route = req->match.route;
		c.id = req->match.id;
	} else {
		/* also for the 405's Allow: a match without a route searches again */
		c.route = route_find(req->method, req->path, &c.id, &known, allow, sizeof(allow));
	}
	if (!c.route) {
		if (known) {
			api_response_add_header(resp, "Allow", allow);
			api_response_error(resp, 405, "route.method", NULL,
					   "method not allowed on this path");
		} else {
			api_response_error(resp, 404, "route.not_found", NULL, "no such route");
		}
		return;
	}
	if (!st && c.route->fn != h_health) {
		errinfo_set(&c.e, ERR_DB, "server.error", NULL, "no database connection");
		reply_error(&c, ERR_DB);
		return;
	}
	for (size_t i = 0; i < req->nquery; i++) {
		const char *v = req->query[i].value ? req->query[i].value : "";

		if (!utf8_valid(req->query[i].name, strlen(req->query[i].name)) ||
		    !utf8_valid(v, strlen(v))) {
			api_response_error(resp, 400, "request.invalid_utf8", NULL,
					   "a query parameter is not valid UTF-8");
			return;
		}
	}
	if (c.route->flags & R_RAW) /* a file: the handler reads req->body itself */
		rc = (c.body = json_object()) ? 0 : ERR_NOMEM;
	else
		rc = api_json_parse(req->body ? req->body : "", req->body_len, &c.body, &c.e);
	if (rc != 0)
		goto out;
	if (!(c.route->flags & (R_BODY | R_RAW))) {
		unsigned none = 0;

		/* Routes without fields take no body, or {}. */
		rc = api_fields_parse("request", NULL, c.body, NULL, &none, &c.e);
		if (rc != 0)
			goto out;
	}
	/* A failed begin only costs the one transaction: each read then opens its own. */
	if (c.route->flags & R_READ)
		(void)svc_read_begin(st);
	if (c.route->flags & R_AUTH) {
		rc = authenticate(&c);
		if (rc != 0)
			goto out;
	}
	if (req->if_match && req->if_match[0]) {
		if (api_if_match_parse(req->if_match, &c.if_version) != 0) {
			rc = errinfo_set(&c.e, ERR_INVALID, "request.if_match_invalid", "If-Match",
					 "If-Match must be a version such as \"7\"");
			goto out;
		}
	} else if (c.route->flags & R_IF_MATCH) {
		rc = errinfo_set(&c.e, ERR_PRECOND, "request.if_match_required", "If-Match",
				 "this request needs If-Match with the record's version");
		goto out;
	}
	rc = c.route->fn(&c);
out:
	if (st)
		svc_read_end(st);
	if (rc != 0)
		reply_error(&c, rc);
	json_decref(c.body);
}
