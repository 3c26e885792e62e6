/*
 * api_board.c - GET /api/v1/board: the pipeline board in one request (the
 * stages, each column's figures and first cards), and one column's next
 * page with ?stage=KEY&after=ID. Every GET /deals filter applies
 * (api_deal_query), or a saved view's with view=ID (export_filter_view, as
 * the export does), with the same visibility (svc_board).
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "api_int.h"
#include "export.h"
#include "repr.h"
#include "web.h"

/* The deal-list filters, which a request adds to a saved view's (view=ID). */
static const char *const filter_names[] = {
    "owner",	"stage",      "status",	    "company", "close_from",
    "close_to", "amount_min", "amount_max", "q",       NULL,
};

/* view_query fills f from saved view id, then the request's own filters. */
static int view_query(struct call *c, int64_t id, struct deal_filter *f)
{
	int rc;

	deal_filter_init(f);
	if ((rc = export_filter_view(c->st, &c->actor, id, f, &c->e)))
		return rc;
	for (size_t i = 0; i < c->req->nquery; i++)
		for (size_t k = 0; filter_names[k]; k++)
			if (!strcmp(c->req->query[i].name, filter_names[k]) &&
			    (rc = export_filter_param(c->st, &c->actor, filter_names[k],
						      c->req->query[i].value, f, &c->e)))
				return rc;
	return 0;
}

/*
 * gzip_answer replaces the answer's body by its gzip form (level 1: a board
 * of 128 KB becomes about 20 KB in well under a millisecond). On any failure
 * the answer stays as it is.
 */
static void gzip_answer(struct api_response *r)
{
	z_stream z = {0};
	unsigned char *out;
	uLong cap;

	if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return;
	cap = deflateBound(&z, (uLong)r->body_len);
	out = malloc(cap);
	z.next_in = (unsigned char *)r->body;
	z.avail_in = (uInt)r->body_len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (out && deflate(&z, Z_FINISH) == Z_STREAM_END &&
	    api_response_add_header(r, "Content-Encoding", "gzip") == 0) {
		free(r->body);
		r->body = (char *)out;
		r->body_len = z.total_out;
		out = NULL;
	}
	free(out);
	deflateEnd(&z);
}

static int h_board(struct call *c)
{
	struct deal_filter f;
	struct board bd;
	struct repr_buf b = {0};
	int64_t limit = BOARD_LIMIT_DEFAULT, after = 0, view = 0;
	int total, rc;

	/* GET /deals's filters (its sort, order, offset and total do not apply), or a view's */
	rc = api_query_int(c, "view", 1, INT64_MAX / 2, &view);
	if (rc == 0)
		rc = view ? view_query(c, view, &f) : api_deal_query(c, &f, &total);
	if (rc == 0)
		rc = api_query_int(c, "limit", 1, BOARD_LIMIT_MAX, &limit);
	if (rc == 0)
		rc = api_query_int(c, "after", 1, INT64_MAX / 2, &after);
	if (rc != 0)
		return rc;
	if (after && !f.stage_id)
		return api_bad_param(c, "after", "pages one column: give its stage too");
	rc = svc_board(c->st, &c->actor, &f, after, (int)limit, &bd, &c->e);
	if (rc != 0)
		return rc;
	board_write(&b, &bd);
	board_release(&bd);
	if ((rc = api_reply_buf(c, 200, &b)) != 0)
		return rc;
	/* the answer depends on Accept-Encoding; gzip it when asked and worth it */
	if (api_response_add_header(c->resp, "Vary", "Accept-Encoding") == 0 &&
	    c->resp->body_len >= 1024 && web_accepts_gzip(c->req->accept_encoding))
		gzip_answer(c->resp);
	return 0;
}

const struct route api_board_routes[API_BOARD_NROUTES] = {
    {"GET", "/board", h_board, API_AUTH | R_READ, "user"},
};
const size_t api_board_nroutes = sizeof(api_board_routes) / sizeof(api_board_routes[0]);
