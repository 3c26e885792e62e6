/*
 * import.c - CSV import of deals: a strict, bounded CSV reader (libcsv) that
 * maps the header and hands out rows, and the importer that checks every row
 * and then creates the deals through svc.
 *
 * The reader works on the whole file in memory (capped at IMPORT_MAX_BYTES)
 * and keeps only the current record: a two-pass import parses twice rather
 * than storing every row.
 */
#include <csv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import.h"
#include "money.h"
#include "pipeline.h"
#include "text.h"

static const char *const col_names[IMPORT_NCOLS] = {
    [IMPORT_COL_COMPANY] = "company",	    [IMPORT_COL_DEAL] = "deal",
    [IMPORT_COL_STAGE] = "stage",	    [IMPORT_COL_AMOUNT] = "amount",
    [IMPORT_COL_CURRENCY] = "currency",	    [IMPORT_COL_OWNER] = "owner",
    [IMPORT_COL_CLOSE_DATE] = "close_date", [IMPORT_COL_PROBABILITY] = "probability",
    [IMPORT_COL_NEXT_STEP] = "next_step",
};

const char *import_column_name(enum import_col c)
{
	return (unsigned)c < IMPORT_NCOLS ? col_names[c] : "?";
}

/* ---- the CSV reader ---- */

/* The state of one parse: the record being assembled and the header's map. */
struct reader {
	import_row_fn fn;
	void *ctx;
	struct errinfo *e;
	int rc;	       /* first failure; callbacks do nothing once set */
	size_t record; /* records completed (header included) */
	size_t rows;   /* data rows handed to fn */
	/* The current record: NUL-separated fields in buf, starting at off[i]. */
	char *buf;
	size_t len, cap;
	size_t off[IMPORT_MAX_COLUMNS];
	size_t nfields;
	/* The header: colmap[i] is the column of field i, or -1. */
	int colmap[IMPORT_MAX_COLUMNS];
	size_t ncols;
};

/* libcsv's buffer for one field may not grow much past the field cap. */
static void *capped_realloc(void *p, size_t n)
{
	if (n > IMPORT_MAX_FIELD + 1024)
		return NULL;
	return realloc(p, n);
}

static int fail(struct reader *r, int rc, const char *code, const char *field, const char *msg)
{
	if (r->rc == 0) {
		errinfo_set(r->e, rc, code, field, "%s", msg);
		r->rc = rc;
	}
	return rc;
}

static void on_field(void *s, size_t n, void *data)
{
	struct reader *r = data;
	char msg[128];
	size_t need;
	char *nb;

	if (r->rc)
		return;
	if (n > IMPORT_MAX_FIELD) {
		snprintf(msg, sizeof(msg), "row %zu: a field is larger than %u KiB", r->record + 1,
			 IMPORT_MAX_FIELD >> 10);
		fail(r, ERR_TOOBIG, "import.field_too_big", NULL, msg);
		return;
	}
	if (r->nfields == IMPORT_MAX_COLUMNS) {
		snprintf(msg, sizeof(msg), "row %zu: more than %d fields", r->record + 1,
			 IMPORT_MAX_COLUMNS);
		fail(r, ERR_INVALID, "import.too_many_fields", NULL, msg);
		return;
	}
	if (n && !utf8_valid(s, n)) {
		snprintf(msg, sizeof(msg), "row %zu, field %zu: invalid UTF-8", r->record + 1,
			 r->nfields + 1);
		fail(r, ERR_INVALID, "import.invalid_utf8", NULL, msg);
		return;
	}
	need = r->len + n + 1;
	if (need > r->cap) {
		size_t cap = r->cap ? r->cap : 1024;

		while (cap < need)
			cap *= 2;
		nb = realloc(r->buf, cap);
		if (!nb) {
			fail(r, ERR_NOMEM, "server.nomem", NULL, "out of memory");
			return;
		}
		r->buf = nb;
		r->cap = cap;
	}
	r->off[r->nfields++] = r->len;
	if (n)
		memcpy(r->buf + r->len, s, n);
	r->buf[r->len + n] = '\0';
	r->len += n + 1;
}

/* header_match maps a header cell to a column: case-insensitive, ' ' and '-' as '_'. */
static int header_match(const char *cell)
{
	char norm[32];
	size_t i, n;

	while (*cell == ' ' || *cell == '\t')
		cell++;
	n = strlen(cell);
	while (n && (cell[n - 1] == ' ' || cell[n - 1] == '\t'))
		n--;
	if (n == 0 || n >= sizeof(norm))
		return -1;
	for (i = 0; i < n; i++) {
		char c = cell[i];

		norm[i] = (c == ' ' || c == '-') ? '_' : (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
	}
	norm[n] = '\0';
	for (i = 0; i < IMPORT_NCOLS; i++)
		if (strcmp(norm, col_names[i]) == 0)
			return (int)i;
	return -1;
}

/* map_header reads the current record as the header row. */
static void map_header(struct reader *r)
{
	char msg[256];
	int seen[IMPORT_NCOLS] = {0};
	size_t i, known = 0, o = 0;

	r->ncols = r->nfields;
	for (i = 0; i < r->nfields; i++) {
		int c = header_match(r->buf + r->off[i]);

		r->colmap[i] = c;
		if (c < 0)
			continue;
		known++;
		if (seen[c]) {
			snprintf(msg, sizeof(msg), "row 1: column '%s' appears twice",
				 col_names[c]);
			fail(r, ERR_INVALID, "import.duplicate_column", col_names[c], msg);
			return;
		}
		seen[c] = 1;
	}
	if (known == 0) {
		fail(r, ERR_INVALID, "import.no_header", NULL,
		     "row 1: no header row (expected columns company, deal, stage, amount, "
		     "currency, owner, close_date)");
		return;
	}
	if (known < r->nfields) {
		o = (size_t)snprintf(msg, sizeof(msg), "row 1: unknown column%s",
				     r->nfields - known > 1 ? "s" : "");
		for (i = 0; i < r->nfields && o < sizeof(msg); i++)
			if (r->colmap[i] < 0)
				o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s'%.40s'",
						      o > 22 ? ", " : " ", r->buf + r->off[i]);
		fail(r, ERR_INVALID, "import.unknown_column", NULL, msg);
		return;
	}
	for (i = 0; i < IMPORT_NCOLS; i++) {
		if (i != IMPORT_COL_COMPANY && i != IMPORT_COL_DEAL)
			continue;
		if (!seen[i]) {
			snprintf(msg, sizeof(msg), "row 1: missing column '%s'", col_names[i]);
			fail(r, ERR_INVALID, "import.missing_column", col_names[i], msg);
			return;
		}
	}
}

static void on_record(int c, void *data)
{
	struct reader *r = data;
	struct import_row row;
	char msg[128];
	size_t i;
	int blank = 1;

	(void)c;
	if (r->rc)
		return;
	r->record++;
	if (r->record == 1) {
		map_header(r);
		goto next;
	}
	for (i = 0; i < r->nfields; i++)
		if (r->buf[r->off[i]] != '\0')
			blank = 0;
	if (blank)
		goto next; /* a blank line, or a spreadsheet's ",,,,," */
	if (r->nfields != r->ncols) {
		snprintf(msg, sizeof(msg), "row %zu: %zu field%s, but the header has %zu",
			 r->record, r->nfields, r->nfields == 1 ? "" : "s", r->ncols);
		fail(r, ERR_INVALID, "import.ragged_row", NULL, msg);
		goto next;
	}
	if (r->rows == IMPORT_MAX_ROWS) {
		snprintf(msg, sizeof(msg), "row %zu: more than %d rows", r->record,
			 IMPORT_MAX_ROWS);
		fail(r, ERR_TOOBIG, "import.too_many_rows", NULL, msg);
		goto next;
	}
	memset(&row, 0, sizeof(row));
	row.row = r->record;
	for (i = 0; i < r->nfields; i++)
		row.v[r->colmap[i]] = r->buf + r->off[i];
	r->rows++;
	r->rc = r->fn ? r->fn(&row, r->ctx, r->e) : 0;
next:
	r->nfields = 0;
	r->len = 0;
}

/* line_at returns the 1-based line of byte offset off in data. */
static size_t line_at(const char *data, size_t off)
{
	size_t i, line = 1;

	for (i = 0; i < off; i++)
		if (data[i] == '\n')
			line++;
	return line;
}

int import_csv_parse(const char *data, size_t len, import_row_fn fn, void *ctx, size_t *rows,
		     struct errinfo *e)
{
	struct csv_parser p;
	struct reader r;
	char msg[160];
	size_t pos = 0, done;
	int rc = 0, parser = 0;

	memset(&r, 0, sizeof(r));
	r.fn = fn;
	r.ctx = ctx;
	r.e = e;
	if (len > IMPORT_MAX_BYTES) {
		rc = errinfo_set(e, ERR_TOOBIG, "import.file_too_big", NULL,
				 "the file is larger than %u MiB", IMPORT_MAX_BYTES >> 20);
		goto out;
	}
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		rc = errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
		goto out;
	}
	parser = 1;
	csv_set_realloc_func(&p, capped_realloc);
	while (pos < len && !r.rc) {
		size_t chunk = len - pos > 65536 ? 65536 : len - pos;

		done = csv_parse(&p, data + pos, chunk, on_field, on_record, &r);
		if (done < chunk && !r.rc) {
			int err = csv_error(&p);

			if (err == CSV_ENOMEM && csv_get_buffer_size(&p) >= IMPORT_MAX_FIELD) {
				snprintf(msg, sizeof(msg), "row %zu: a field is larger than %u KiB",
					 r.record + 1, IMPORT_MAX_FIELD >> 10);
				fail(&r, ERR_TOOBIG, "import.field_too_big", NULL, msg);
			} else if (err == CSV_EPARSE) {
				snprintf(msg, sizeof(msg),
					 "row %zu: malformed CSV at line %zu (a stray or unclosed "
					 "quote)",
					 r.record + 1, line_at(data, pos + done));
				fail(&r, ERR_INVALID, "import.malformed", NULL, msg);
			} else {
				fail(&r, ERR_NOMEM, "server.nomem", NULL, "out of memory");
			}
		}
		pos += chunk;
	}
	if (!r.rc && csv_fini(&p, on_field, on_record, &r) != 0 && !r.rc) {
		snprintf(msg, sizeof(msg), "row %zu: malformed CSV at the end (an unclosed quote)",
			 r.record + 1);
		fail(&r, ERR_INVALID, "import.malformed", NULL, msg);
	}
	if (!r.rc && r.record == 0)
		fail(&r, ERR_INVALID, "import.no_header", NULL,
		     "the file is empty (no header row)");
	rc = r.rc;
	if (rc == 0 && rows)
		*rows = r.rows;
out:
	if (parser)
		csv_free(&p);
	free(r.buf);
	return rc;
}

/* ---- the importer ---- */

struct importer {
	struct store *st;
	const struct actor *a;
	struct workspace ws;
	int digits;
	struct stage_list stages;
	struct user_list users;
	struct import_result *res;
	int create;
};

/* row_fail fills e with "row N, column 'c': ..." and records row and column in res. */
static int __attribute__((format(printf, 6, 7)))
row_fail(struct importer *im, struct errinfo *e, const struct import_row *r, int col,
	 const char *code, const char *fmt, ...)
{
	char detail[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	im->res->error_row = r->row;
	snprintf(im->res->error_column, sizeof(im->res->error_column), "%s",
		 col >= 0 ? col_names[col] : "");
	if (col >= 0)
		return errinfo_set(e, ERR_INVALID, code, col_names[col], "row %zu, column '%s': %s",
				   r->row, col_names[col], detail);
	return errinfo_set(e, ERR_INVALID, code, NULL, "row %zu: %s", r->row, detail);
}

/*
 * get_text trims column col of r into dst. Returns 0 (dst "" when the column
 * is absent or empty) or an error naming the cell.
 */
static int get_text(struct importer *im, struct errinfo *e, const struct import_row *r, int col,
		    char *dst, size_t dstsz)
{
	dst[0] = '\0';
	if (!r->v[col])
		return 0;
	if (text_trim_copy(dst, dstsz, r->v[col]) != 0)
		return row_fail(im, e, r, col, "import.too_long", "longer than %zu bytes",
				dstsz - 1);
	return 0;
}

/*
 * ungroup copies an amount, dropping thousands separators when they are
 * placed as such ("1,234,567.5"); anything else is copied as is, for
 * money_parse to judge.
 */
static void ungroup(const char *s, char *dst, size_t dstsz)
{
	const char *p = s;
	size_t o = 0, run = 0;
	int ok = strchr(s, ',') != NULL, commas = 0;

	if (*p == '-')
		p++;
	for (; ok && *p && *p != '.'; p++) {
		if (*p >= '0' && *p <= '9') {
			run++;
		} else if (*p == ',') {
			ok = run > 0 && (commas ? run == 3 : run <= 3);
			commas++;
			run = 0;
		} else {
			ok = 0;
		}
	}
	if (ok && run != 3)
		ok = 0;
	for (p = s; *p && o + 1 < dstsz; p++)
		if (!ok || *p != ',')
			dst[o++] = *p;
	dst[o] = '\0';
}

/* row_input checks row r completely and turns it into a deal_input. */
static int row_input(struct importer *im, const struct import_row *r, struct deal_input *in,
		     struct errinfo *e)
{
	char buf[CAP_NAME + 1], amount[48];
	size_t i;
	int rc, idx;

	memset(in, 0, sizeof(*in));
	if ((rc = get_text(im, e, r, IMPORT_COL_COMPANY, in->company, sizeof(in->company))))
		return rc;
	if (!in->company[0])
		return row_fail(im, e, r, IMPORT_COL_COMPANY, "import.required", "empty");
	in->set |= DEAL_SET_COMPANY;
	if ((rc = get_text(im, e, r, IMPORT_COL_DEAL, in->name, sizeof(in->name))))
		return rc;
	if (!in->name[0])
		return row_fail(im, e, r, IMPORT_COL_DEAL, "import.required", "empty");
	in->set |= DEAL_SET_NAME;

	if ((rc = get_text(im, e, r, IMPORT_COL_STAGE, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		idx = stage_match(im->stages.v, im->stages.n, buf);
		if (idx < 0)
			return row_fail(im, e, r, IMPORT_COL_STAGE, "import.stage_unknown",
					"unknown stage '%s'", buf);
		in->stage_id = im->stages.v[idx].id;
		in->set |= DEAL_SET_STAGE;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_CURRENCY, buf, sizeof(buf))))
		return rc;
	if (buf[0] && strcasecmp(buf, im->ws.currency) != 0)
		return row_fail(im, e, r, IMPORT_COL_CURRENCY, "import.currency_mismatch",
				"'%.40s' is not the workspace currency '%s'", buf, im->ws.currency);
	memcpy(in->currency, im->ws.currency, sizeof(in->currency));
	in->set |= DEAL_SET_CURRENCY;

	if ((rc = get_text(im, e, r, IMPORT_COL_AMOUNT, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		ungroup(buf, amount, sizeof(amount));
		if (money_parse(amount, im->digits, &in->amount) != 0)
			return row_fail(im, e, r, IMPORT_COL_AMOUNT, "import.amount_invalid",
					"'%.40s' is not an amount", buf);
		if (in->amount < 0)
			return row_fail(im, e, r, IMPORT_COL_AMOUNT, "import.amount_negative",
					"'%.40s' is negative", buf);
		in->set |= DEAL_SET_AMOUNT;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_OWNER, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		for (i = 0; i < im->users.n; i++)
			if (strcmp(im->users.v[i].username, buf) == 0)
				break;
		if (i == im->users.n)
			return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_unknown",
					"unknown user '%.64s'", buf);
		if (!im->users.v[i].active)
			return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_inactive",
					"user '%s' is not active", buf);
		if (!im->a->system && im->a->role == ROLE_MEMBER &&
		    im->users.v[i].id != im->a->user_id)
			return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_forbidden",
					"'%s': members import only their own deals", buf);
		in->owner_id = im->users.v[i].id;
		in->set |= DEAL_SET_OWNER;
	} else if (im->a->system) {
		return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_required",
				"empty (name the owner of every deal)");
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_CLOSE_DATE, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		if (!date_valid(buf))
			return row_fail(im, e, r, IMPORT_COL_CLOSE_DATE, "import.date_invalid",
					"'%.40s' is not a date (YYYY-MM-DD)", buf);
		memcpy(in->close_date, buf, DATE_LEN);
		in->set |= DEAL_SET_CLOSE_DATE;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_PROBABILITY, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		char *end;
		long p = strtol(buf, &end, 10);

		if (end == buf || (*end != '\0' && strcmp(end, "%") != 0) || p < 0 || p > 100)
			return row_fail(im, e, r, IMPORT_COL_PROBABILITY, "import.probability",
					"'%.40s' is not a percentage 0-100", buf);
		in->probability = (int)p;
		in->set |= DEAL_SET_PROBABILITY;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_NEXT_STEP, in->next_step, sizeof(in->next_step))))
		return rc;
	if (in->next_step[0])
		in->set |= DEAL_SET_NEXT_STEP;
	return 0;
}

static int on_row(const struct import_row *r, void *ctx, struct errinfo *e)
{
	struct importer *im = ctx;
	struct deal_input in;
	struct deal d;
	int rc;

	if ((rc = row_input(im, r, &in, e)))
		return rc;
	if (!im->create)
		return 0;
	rc = svc_deal_create(im->st, im->a, &in, &d, e);
	if (rc) {
		char msg[sizeof(e->message)];

		snprintf(msg, sizeof(msg), "%s", e->message[0] ? e->message : err_str(rc));
		im->res->error_row = r->row;
		snprintf(im->res->error_column, sizeof(im->res->error_column), "%s", e->field);
		snprintf(e->message, sizeof(e->message), "row %zu: %.230s", r->row, msg);
		return rc;
	}
	im->res->imported++;
	return 0;
}

int import_deals_csv(struct store *st, const struct actor *a, const char *data, size_t len,
		     int dry_run, struct import_result *res, struct errinfo *e)
{
	struct importer im;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&im, 0, sizeof(im));
	im.st = st;
	im.a = a;
	im.res = res;
	if ((rc = svc_workspace_get(st, a, &im.ws, e)))
		goto out;
	im.digits = money_digits(im.ws.currency);
	if (im.digits < 0) {
		rc = errinfo_set(e, ERR_INVALID, "import.currency", NULL,
				 "the workspace currency '%s' is unknown", im.ws.currency);
		goto out;
	}
	if ((rc = svc_stage_list(st, a, &im.stages, e)))
		goto out;
	if ((rc = svc_user_list(st, a, &im.users, e)))
		goto out;

	/* Pass 1: check every row; nothing is written. */
	rc = import_csv_parse(data, len, on_row, &im, &res->rows, e);
	if (rc || dry_run)
		goto out;

	/* Pass 2: create every deal in one transaction. */
	im.create = 1;
	if ((rc = svc_batch_begin(st, e)))
		goto out;
	rc = import_csv_parse(data, len, on_row, &im, NULL, e);
	rc = svc_batch_end(st, rc, e);
	if (rc)
		res->imported = 0;
out:
	stage_list_release(&im.stages);
	user_list_release(&im.users);
	return rc;
}
