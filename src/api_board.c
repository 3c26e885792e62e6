/*
 * api_board.c - GET /api/v1/board: the pipeline board in one request (the
 * stages, each column's figures and first cards), and one column's next
 * page with ?stage=KEY&after=ID. Every GET /deals filter applies
 * (api_deal_query), or a saved view's with view=ID (export_filter_view, as
 * the export does), with the same visibility (svc_board).
 */
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "export.h"
#include "repr.h"

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
	return api_reply_buf(c, 200, &b);
}

const struct route api_board_routes[API_BOARD_NROUTES] = {
    {"GET", "/board", h_board, API_AUTH, "user"},
};
const size_t api_board_nroutes = sizeof(api_board_routes) / sizeof(api_board_routes[0]);
