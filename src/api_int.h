/*
 * api_int.h - what the files of the HTTP API share: the call a handler
 * serves, the route table entry, and the reply and query helpers of api.c.
 *
 * A feature keeps its handlers in api_<feature>.c with a route table
 * `const struct route api_<feature>_routes[]` and its size
 * `const size_t api_<feature>_nroutes`, declared below and listed in
 * route_tables[] in api.c. Handlers return 0 with the response filled, or a
 * negative enum err with c->e filled.
 */
#ifndef LITECRM_API_INT_H
#define LITECRM_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api.h"
#include "model.h"
#include "svc.h"

struct repr_buf;

struct call {
	struct store *st;
	const struct api_request *req;
	struct api_response *resp;
	const struct route *route;
	struct actor actor;
	char secret[128]; /* the credential used */
	int by_cookie;
	int64_t id;	    /* {id} of the path */
	int64_t if_version; /* from If-Match; 0 when absent */
	json_t *body;	    /* the request object ({} when empty) */
	struct errinfo e;
	int retry_after; /* security: seconds for Retry-After with 429 auth.throttled */
};

typedef int (*handler_fn)(struct call *c);

enum {
	R_AUTH = 1 << 0,     /* a user credential is needed */
	R_SLOW = 1 << 1,     /* runs on the worker pool */
	R_IF_MATCH = 1 << 2, /* If-Match required */
	R_BODY = 1 << 3,     /* the handler reads the body; others accept only {} */
	R_RAW = 1 << 4,	     /* the body is a file, not JSON: up to API_UPLOAD_MAX */
	/*
	 * Reads only: the credential's check and the handler's reads share one
	 * read transaction (svc_read_begin), one snapshot, one begin and commit.
	 */
	R_READ = 1 << 5
};

struct route {
	const char *method;
	const char *pattern; /* after API_PREFIX; "{id}" matches a positive integer */
	handler_fn fn;
	unsigned flags;
	/*
	 * The access rule, by name (docs/SECURITY-MATRIX in SECURITY.md): who may
	 * call the route. Every route must carry one; `litecrm routes --json`
	 * prints them and tests/api/matrix.test.mjs checks each against every
	 * role, failing for a route without a rule.
	 */
	const char *access;
};

/* api_reply fills the response with o (a reference taken) and status. */
int api_reply(struct call *c, int status, json_t *o);
/* api_reply_record is api_reply() plus ETag: "<version>". */
int api_reply_record(struct call *c, int status, json_t *o, int64_t version);
/* api_reply_empty answers 204. */
int api_reply_empty(struct call *c);
/*
 * API_JSON_ARRAY sets arr to a new JSON array of one(&v[i]) for the n
 * records at v, or to NULL when memory runs out.
 */
#define API_JSON_ARRAY(arr, v, n, one)                                                             \
	do {                                                                                       \
		(arr) = json_array();                                                              \
		for (size_t i_ = 0; (arr) && i_ < (n); i_++)                                       \
			if (json_array_append_new((arr), one(&(v)[i_])) != 0) {                    \
				json_decref(arr);                                                  \
				(arr) = NULL;                                                      \
			}                                                                          \
	} while (0)

/* api_reply_items answers {"items":[...]} with an array it takes. */
int api_reply_items(struct call *c, json_t *arr);
/* api_parse_body reads the request object into dst by its field list. */
int api_parse_body(struct call *c, const char *entity, const struct api_field *fields, void *dst,
		   unsigned *set);
/* api_bad_param fills c->e with 400 request.bad_parameter for parameter name. */
int api_bad_param(struct call *c, const char *name, const char *why);
/* api_query_int reads integer parameter name within [lo, hi] into *out (unchanged when absent). */
int api_query_int(struct call *c, const char *name, int64_t lo, int64_t hi, int64_t *out);
/* api_query_date reads date parameter name into out (unchanged when absent). */
int api_query_date(struct call *c, const char *name, char out[DATE_LEN]);
/* api_query_owner resolves parameter owner (a username) into *id. */
int api_query_owner(struct call *c, int64_t *id);

/*
 * api_deal_query fills f from the deal-list parameters of GET /deals (every
 * filter, sort and page); *total is 1 when ?total=1.
 */
int api_deal_query(struct call *c, struct deal_filter *f, int *total);
/* api_reply_buf answers status with b's JSON (b's memory is taken). */
int api_reply_buf(struct call *c, int status, struct repr_buf *b);

/* Saved views (api_view.c); the size is in the declaration so route_tables[] can count it. */
#define API_VIEW_NROUTES 5
extern const struct route api_view_routes[API_VIEW_NROUTES];
extern const size_t api_view_nroutes;

/* Reports and history (api_report.c): GET /reports/..., GET /deals/{id}/changes. */
#define API_REPORT_NROUTES 10
extern const struct route api_report_routes[API_REPORT_NROUTES];
extern const size_t api_report_nroutes;

/* Notes and search (api_note.c). */
#define API_NOTE_NROUTES 10
extern const struct route api_note_routes[API_NOTE_NROUTES];
extern const size_t api_note_nroutes;

/* Export downloads (api_export.c): GET /export/deals.csv|.xlsx, /export/summary.csv|.xlsx. */
#define API_EXPORT_NROUTES 4
extern const struct route api_export_routes[API_EXPORT_NROUTES];
/* api_import.c: the web import (uploads, previews, progress). */
#define API_IMPORT_NROUTES 5
extern const struct route api_import_routes[API_IMPORT_NROUTES];
extern const size_t api_export_nroutes;

/* Audit log and deal trash (api_audit.c): GET /audit, /trash/deals, restore and purge. */
#define API_AUDIT_NROUTES 4
extern const struct route api_audit_routes[API_AUDIT_NROUTES];
extern const size_t api_audit_nroutes;

/* The pipeline board (api_board.c): GET /board. */
#define API_BOARD_NROUTES 1
extern const struct route api_board_routes[API_BOARD_NROUTES];
extern const size_t api_board_nroutes;

/* The session's context (api_session.c): GET /context. */
#define API_SESSION_NROUTES 1
extern const struct route api_session_routes[API_SESSION_NROUTES];
extern const size_t api_session_nroutes;

/* api_view_json is a saved view as GET /views/{id} answers it (api_view.c). */
json_t *api_view_json(const struct saved_view *v);

/* Route flags for the tables of feature files. */
#define API_AUTH   R_AUTH
#define API_AUTH_B (R_AUTH | R_BODY)
#define API_WRITE  (R_AUTH | R_BODY | R_IF_MATCH)

#endif
