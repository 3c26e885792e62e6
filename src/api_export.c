/*
 * api_export.c - GET /api/v1/export/deals.csv|.xlsx and
 * /export/summary.csv|.xlsx: the files export.c writes, as downloads
 * (Content-Disposition: attachment). The query takes GET /deals's filter
 * parameters and view=ID (a saved view's filters, the others added).
 * These run on the worker pool (R_SLOW): a large workspace takes a while.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_int.h"
#include "export.h"

/* The largest export answered over HTTP; the CLI has no cap. */
#define EXPORT_HTTP_MAX (256u << 20)

static const char csv_ctype[] = "text/csv; charset=utf-8";
static const char xlsx_ctype[] =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/* read_all reads the file at path into a new buffer. */
static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n = -1;
	char *buf;

	if (!f)
		return ERR_IO;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || (size_t)n > EXPORT_HTTP_MAX ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return n > 0 ? ERR_TOOBIG : ERR_IO;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return ERR_IO;
	}
	fclose(f);
	*out = buf;
	*len = (size_t)n;
	return 0;
}

static int h_export(struct call *c, int summary, enum export_format fmt)
{
	char tmp[] = "/tmp/litecrm-export-XXXXXX", disp[96];
	struct deal_filter f;
	int64_t view = 0;
	char *body = NULL;
	size_t len = 0, i;
	int fd, rc;

	deal_filter_init(&f);
	f.desc = 0;
	if ((rc = api_query_int(c, "view", 1, INT64_MAX / 2, &view)))
		return rc;
	if (view && (rc = export_filter_view(c->st, &c->actor, view, &f, &c->e)))
		return rc;
	for (i = 0; i < c->req->nquery; i++) {
		const char *n = c->req->query[i].name;

		if (!strcmp(n, "view"))
			continue;
		if ((rc = export_filter_param(c->st, &c->actor, n, c->req->query[i].value, &f,
					      &c->e)))
			return rc;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return errinfo_set(&c->e, ERR_IO, "server.error", NULL, "cannot make a temp file");
	close(fd);
	rc = summary ? export_summary(c->st, &c->actor, &f, fmt, tmp, &c->e)
		     : export_deals(c->st, &c->actor, &f, fmt, tmp, NULL, NULL, NULL, &c->e);
	if (rc == 0) {
		rc = read_all(tmp, &body, &len);
		if (rc == ERR_TOOBIG)
			errinfo_set(&c->e, rc, "export.too_big", NULL,
				    "the export is larger than %u MiB: use 'litecrm export'",
				    EXPORT_HTTP_MAX >> 20);
	}
	unlink(tmp);
	if (rc)
		return rc;
	free(c->resp->body);
	c->resp->body = body;
	c->resp->body_len = len;
	c->resp->status = 200;
	c->resp->content_type = fmt == EXPORT_CSV ? csv_ctype : xlsx_ctype;
	snprintf(disp, sizeof(disp), "attachment; filename=\"%s.%s\"",
		 summary ? "summary" : "deals", fmt == EXPORT_CSV ? "csv" : "xlsx");
	api_response_add_header(c->resp, "Content-Disposition", disp);
	return 0;
}

static int h_deals_csv(struct call *c)
{
	return h_export(c, 0, EXPORT_CSV);
}

static int h_deals_xlsx(struct call *c)
{
	return h_export(c, 0, EXPORT_XLSX);
}

static int h_summary_csv(struct call *c)
{
	return h_export(c, 1, EXPORT_CSV);
}

static int h_summary_xlsx(struct call *c)
{
	return h_export(c, 1, EXPORT_XLSX);
}

const struct route api_export_routes[API_EXPORT_NROUTES] = {
    {"GET", "/export/deals.csv", h_deals_csv, API_AUTH | R_SLOW, "user"},
    {"GET", "/export/deals.xlsx", h_deals_xlsx, API_AUTH | R_SLOW, "user"},
    {"GET", "/export/summary.csv", h_summary_csv, API_AUTH | R_SLOW, "user"},
    {"GET", "/export/summary.xlsx", h_summary_xlsx, API_AUTH | R_SLOW, "user"},
};
const size_t api_export_nroutes = API_EXPORT_NROUTES;
