/*
 * api.h - the HTTP API of litecrm (docs/API.md) as plain C: a request comes
 * in as a struct api_request, a struct api_response goes out. Nothing here
 * knows libmicrohttpd; http.c fills the request from the connection and
 * sends the response. The router, the field lists that check request JSON,
 * authentication (bearer token or session cookie plus CSRF token), If-Match
 * and the one table that maps enum err to an HTTP status all live in api.c.
 */
#ifndef LITECRM_API_H
#define LITECRM_API_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "store.h"

/* The largest request body accepted; over it is 413 request.too_large. */
#define API_BODY_MAX (1024 * 1024)
/* The largest file uploaded to an import route (R_RAW); over it is 413. */
#define API_UPLOAD_MAX (32 * 1024 * 1024)
/* JSON nesting deeper than this is refused before parsing. */
#define API_JSON_DEPTH_MAX 32
/* Query parameters kept per request; more are ignored. */
#define API_QUERY_MAX 32
/* Extra response headers (Set-Cookie, ETag, Allow, Retry-After). */
#define API_HEADERS_MAX 8

struct route;

/*
 * struct api_match: the route of a request, looked up once
 * (api_route_match) and carried to api_handle in api_request.match, so
 * that the route table is searched once a request rather than three times.
 */
struct api_match {
	const struct route *route; /* NULL: no route has this method and path */
	int64_t id;		   /* the path's {id}, 0 without one */
	int done;		   /* 0: not looked up; api_handle searches itself */
};

struct api_param {
	const char *name;
	const char *value; /* NULL for "?flag" without '=' */
};

/*
 * A request. Every pointer is borrowed from the caller and must stay valid
 * while api_handle() runs; absent headers are NULL.
 */
struct api_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* "/api/v1/deals/7", without the query string */
	struct api_param query[API_QUERY_MAX];
	size_t nquery;
	const char *authorization;
	const char *cookie;
	const char *if_match;
	const char *csrf_token;	     /* X-CSRF-Token */
	const char *accept_encoding; /* Accept-Encoding: large answers may be gzipped */
	const char *content_type;
	const char *body;
	size_t body_len;
	/* security: where the request came from, and whether over TLS */
	const char *client_addr; /* the peer's IP address as text ("" when unknown) */
	int secure;		/* 1 over TLS (or behind a trusted TLS proxy): cookies get Secure */
	struct api_match match; /* optional: the route already found for method and path */
};

struct api_header {
	char name[32];
	char value[320];
};

/*
 * A response. body is malloc'd text (or NULL for none) owned by the response
 * until api_response_release() or until a caller takes it with
 * api_response_detach_body(). content_type points to a static string.
 */
struct api_response {
	int status;
	char *body;
	size_t body_len;
	const char *content_type;
	struct api_header headers[API_HEADERS_MAX];
	size_t nheaders;
};

void api_response_init(struct api_response *r);
void api_response_release(struct api_response *r);
/* api_response_detach_body hands the body to the caller (free() it); r keeps none. */
char *api_response_detach_body(struct api_response *r, size_t *len);
/* api_response_add_header appends a header; returns 0 or ERR_TOOBIG when full or too long. */
int api_response_add_header(struct api_response *r, const char *name, const char *value);

/*
 * api_response_error fills r with the error JSON
 * {"error":{"code","message","field"}} and the given status (for the
 * failures the transport detects itself: 413, 503).
 */
void api_response_error(struct api_response *r, int status, const char *code, const char *field,
			const char *message);

/* api_query_get returns the value of query parameter name ("" for "?name"), or NULL. */
const char *api_query_get(const struct api_request *req, const char *name);

/*
 * api_route_slow returns 1 when method and path name a route that must not
 * run on an event thread (it hashes a password with argon2id, or builds a
 * report), else 0 (also for unknown routes).
 */
int api_route_slow(const char *method, const char *path);

/*
 * api_route_body_max returns the largest body method and path accept:
 * API_UPLOAD_MAX for the routes that take a file, else API_BODY_MAX.
 */
size_t api_route_body_max(const char *method, const char *path);

/* api_route_match looks up the route of method and path into *m. */
void api_route_match(const char *method, const char *path, struct api_match *m);
/* api_match_slow and api_match_body_max: api_route_slow and api_route_body_max of a match. */
int api_match_slow(const struct api_match *m);
size_t api_match_body_max(const struct api_match *m);

/*
 * api_routes_json describes every route of every table for the access-control
 * matrix test (`litecrm routes --json`): a new array of
 * {"method","pattern","flags":[...],"access":rule|null}. NULL when out of memory.
 */
json_t *api_routes_json(void);

/*
 * api_handle answers req into resp (initialised here; release it with
 * api_response_release()). st is the calling thread's store connection; it
 * may be NULL when the thread could not open one, and then every route that
 * needs the database answers 500. Never fails: every outcome is a response.
 */
void api_handle(struct store *st, const struct api_request *req, struct api_response *resp);

/* ---- exposed for the unit tests ---- */

/*
 * api_error_status maps rc (a negative enum err) and the code a service call
 * filled to an HTTP status, and sets *code to the code to report (the
 * table's fallback when code is empty; always "request.stale" for
 * ERR_STALE and "server.error" for failures of the server itself).
 */
int api_error_status(int rc, const char *code, const char **code_out);

/*
 * api_if_match_parse reads an If-Match value ("7", "\"7\"", "W/\"7\"") into
 * *out (>= 1). Returns 0 or ERR_INVALID.
 */
int api_if_match_parse(const char *s, int64_t *out);

/* Field types of a request JSON field list. */
enum api_field_type {
	AF_STRING,  /* char[size]; longer -> "<entity>.<field>_too_long" */
	AF_NSTRING, /* as AF_STRING, null reads as "" */
	AF_DATE,    /* char[DATE_LEN]; "YYYY-MM-DD", "" or null (clears) */
	AF_INT,	    /* int */
	AF_NINT,    /* int; null reads as -1 */
	AF_ID,	    /* int64_t */
	AF_BOOL,    /* int 0/1 */
	AF_AMOUNT,  /* char[size]: the amount as a plain decimal, converted later */
	AF_IDS,	    /* struct api_ids (malloc'd; free ->v) */
	AF_ROLE,    /* enum role, from "admin"/"manager"/"member" */
	AF_KIND	    /* enum stage_kind, from "open"/"won"/"lost" */
};

struct api_field {
	const char *name;
	enum api_field_type type;
	unsigned bit;  /* set in *set when the field is present */
	size_t offset; /* of the destination in the struct parsed into */
	size_t size;   /* of the destination (strings: the array, NUL included) */
};

struct api_ids {
	int64_t *v;
	size_t n;
};

/*
 * api_json_parse checks body[0..len) (UTF-8, nesting at most
 * API_JSON_DEPTH_MAX, an object) and parses it into *out; an empty body
 * reads as {}. Returns 0, or ERR_INVALID with e filled
 * (request.invalid_utf8, request.malformed_json).
 */
int api_json_parse(const char *body, size_t len, json_t **out, struct errinfo *e);

/*
 * api_fields_parse copies the members of obj into dst as the field list
 * fields (ended by a {NULL} entry) declares, ORing each present field's bit
 * into *set. entity prefixes the codes of field errors ("deal" ->
 * "deal.name_too_long"). Returns 0, or ERR_INVALID with e filled:
 * request.unknown_field, request.type, <entity>.<field>_too_long,
 * <entity>.<field>_invalid. On failure, AF_IDS arrays already read are freed.
 */
int api_fields_parse(const char *entity, const struct api_field *fields, json_t *obj, void *dst,
		     unsigned *set, struct errinfo *e);

/*
 * api_amount_parse converts the text AF_AMOUNT stored into minor units of a
 * currency with digits digits. Returns 0, or ERR_INVALID with e filled
 * (deal.amount_invalid, deal.amount_negative).
 */
int api_amount_parse(const char *text, int digits, int64_t *out, struct errinfo *e);

#endif
