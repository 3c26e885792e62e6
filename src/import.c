/*
 * import.c - CSV import (import.h): the encoding step (iconv), a strict,
 * bounded CSV reader (libcsv) that maps the header and hands out rows, and
 * the importer that checks every row and then writes the records through
 * svc in one batch.
 *
 * The reader works on the whole file in memory and keeps only the current
 * record: a two-pass import parses twice rather than storing every row. The
 * importer keeps what every row needs (workspace, stages, users, and the
 * companies by normalised name in a hash table) for the whole import, so a
 * row costs its own inserts and little else.
 */
#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hashmap.h"
#include "import.h"
#include "money.h"
#include "pipeline.h"
#include "svc_import.h"
#include "text.h"

const char *import_column_name(enum import_col c)
{
	return csvfmt_column_name((int)c);
}

int import_kind_parse(const char *s, enum import_kind *out)
{
	if (!strcmp(s, "deals"))
		*out = IMPORT_DEALS;
	else if (!strcmp(s, "companies"))
		*out = IMPORT_COMPANIES;
	else if (!strcmp(s, "contacts"))
		*out = IMPORT_CONTACTS;
	else
		return ERR_INVALID;
	return 0;
}

/* col_allowed: 1 when column c belongs to an import of kind k. */
static int col_allowed(enum import_kind k, int c)
{
	if (c < 0 || c >= IMPORT_NCOLS)
		return 0;
	switch (k) {
	case IMPORT_DEALS:
		return c <= IMPORT_COL_EXTERNAL_ID;
	case IMPORT_COMPANIES:
		return c == IMPORT_COL_COMPANY || c == IMPORT_COL_WEBSITE || c == IMPORT_COL_PHONE;
	case IMPORT_CONTACTS:
		return c == IMPORT_COL_COMPANY || c == IMPORT_COL_NAME || c == IMPORT_COL_TITLE ||
		       c == IMPORT_COL_PHONE || c == IMPORT_COL_EMAIL;
	}
	return 0;
}

int import_column_allowed(enum import_kind k, int c)
{
	return col_allowed(k, c);
}

/* csv_quote appends s as one quoted CSV field to out[*o] (room checked by the caller). */
static void csv_quote(char *out, size_t *o, const char *s)
{
	out[(*o)++] = '"';
	for (; *s; s++) {
		if (*s == '"')
			out[(*o)++] = '"';
		out[(*o)++] = *s;
	}
	out[(*o)++] = '"';
}

char *import_rejects_csv(const struct import_result *res, size_t *len)
{
	size_t n = 64, o = 0, i;
	char *s;

	for (i = 0; i < res->nrejects; i++)
		n += 32 + strlen(res->rejects[i].column) + 2 * strlen(res->rejects[i].reason) +
		     2 * strlen(res->rejects[i].line ? res->rejects[i].line : "") + 8;
	if (!(s = malloc(n)))
		return NULL;
	o = (size_t)snprintf(s, n, "\xEF\xBB\xBFrow,column,reason,data\r\n");
	for (i = 0; i < res->nrejects; i++) {
		const struct import_reject *j = &res->rejects[i];

		o += (size_t)snprintf(s + o, n - o, "%zu,%s,", j->row, j->column);
		csv_quote(s, &o, j->reason);
		s[o++] = ',';
		csv_quote(s, &o, j->line ? j->line : "");
		s[o++] = '\r';
		s[o++] = '\n';
	}
	s[o] = '\0';
	*len = o;
	return s;
}

/* ---- encodings ---- */

/* convert runs iconv from enc over data into a new UTF-8 buffer. */
static int convert(const char *data, size_t len, const char *enc, char **out, size_t *outlen,
		   struct errinfo *e)
{
	iconv_t cd = iconv_open("UTF-8", enc);
	size_t cap = len * 2 + 16, inleft = len, outleft;
	char *buf = NULL, *in = (char *)data, *o;
	int rc = 0;

	if (cd == (iconv_t)-1)
		return errinfo_set(e, ERR_INVALID, "import.encoding", "encoding",
				   "unknown encoding '%.32s'", enc);
	if (cap > (size_t)IMPORT_MAX_BYTES * 2)
		cap = (size_t)IMPORT_MAX_BYTES * 2;
	buf = malloc(cap);
	if (!buf) {
		rc = errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
		goto out;
	}
	o = buf;
	outleft = cap;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
			if (errno == E2BIG) {
				rc = errinfo_set(e, ERR_TOOBIG, "import.file_too_big", NULL,
						 "the file is too large once converted to UTF-8");
			} else {
				rc = errinfo_set(e, ERR_INVALID, "import.encoding", "encoding",
						 "the file is not %s text (byte %zu); name its "
						 "encoding with --encoding",
						 enc, len - inleft + 1);
			}
			goto out;
		}
	}
	*outlen = cap - outleft;
	*out = buf;
	buf = NULL;
out:
	free(buf);
	iconv_close(cd);
	return rc;
}

int import_decode(const char *data, size_t len, const char *enc, char **out, size_t *outlen,
		  char name[16], struct errinfo *e)
{
	const unsigned char *u = (const unsigned char *)data;
	size_t zeros_even = 0, zeros_odd = 0, i, n;

	*out = NULL;
	*outlen = len;
	if (enc && enc[0] && strcasecmp(enc, "auto") != 0) {
		if (!strcasecmp(enc, "utf-8") || !strcasecmp(enc, "utf8")) {
			snprintf(name, 16, "UTF-8");
			return 0;
		}
		snprintf(name, 16, "%s", !strcasecmp(enc, "big5") ? "CP950" : enc);
		if (len >= 2 &&
		    ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)) &&
		    !strncasecmp(enc, "utf-16", 6))
			return convert(data, len, "UTF-16", out, outlen, e);
		return convert(data, len, name, out, outlen, e);
	}
	if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
		snprintf(name, 16, "UTF-8");
		return 0;
	}
	if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
		snprintf(name, 16, "UTF-16LE");
		return convert(data + 2, len - 2, "UTF-16LE", out, outlen, e);
	}
	if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
		snprintf(name, 16, "UTF-16BE");
		return convert(data + 2, len - 2, "UTF-16BE", out, outlen, e);
	}
	if (utf8_valid(data, len)) {
		snprintf(name, 16, "UTF-8");
		return 0;
	}
	/* UTF-16 without a BOM: ASCII text leaves every other byte zero. */
	n = len < 4096 ? len : 4096;
	for (i = 0; i < n; i++)
		if (u[i] == 0 && i % 2)
			zeros_odd++;
		else if (u[i] == 0)
			zeros_even++;
	if (n >= 8 && zeros_odd > n / 4 && zeros_even == 0) {
		snprintf(name, 16, "UTF-16LE");
		return convert(data, len, "UTF-16LE", out, outlen, e);
	}
	if (n >= 8 && zeros_even > n / 4 && zeros_odd == 0) {
		snprintf(name, 16, "UTF-16BE");
		return convert(data, len, "UTF-16BE", out, outlen, e);
	}
	if (memchr(data, 0, len))
		return errinfo_set(e, ERR_INVALID, "import.encoding", "encoding",
				   "the file is not text (it holds zero bytes): not a CSV file");
	snprintf(name, 16, "CP950");
	return convert(data, len, "CP950", out, outlen, e);
}

/* ---- the CSV reader ---- */

/* The state of one parse: the record being assembled and the header's map. */
struct reader {
	import_row_fn fn;
	void *ctx;
	struct errinfo *e;
	struct import_header_opts *h;
	int rc;	       /* first failure; callbacks do nothing once set */
	size_t record; /* records completed (header included) */
	size_t rows;   /* data rows handed to fn */
	/* The current record: NUL-separated fields in buf, starting at off[i]. */
	char *buf;
	size_t len, cap;
	size_t off[IMPORT_MAX_COLUMNS];
	const char *field[IMPORT_MAX_COLUMNS];
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

/*
 * map_lookup finds header cell in the --map text: returns 1 with *col set
 * (-1 to ignore) when the map names it, 0 when not, or -1 after failing r
 * on a bad map.
 */
static int map_lookup(struct reader *r, const char *cell, int *col)
{
	const char *p = r->h->map;
	char want[256], left[256], right[64], msg[200];

	if (!p || !*p)
		return 0;
	csvfmt_norm(cell, 1, want, sizeof(want));
	while (*p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		char tmp[256];
		size_t ln;

		if (!eq || (size_t)(eq - p) >= sizeof(tmp) || (size_t)(end - eq) > sizeof(right)) {
			snprintf(msg, sizeof(msg), "--map: '%.*s' is not 'Header=column'",
				 (int)((end - p) > 60 ? 60 : end - p), p);
			fail(r, ERR_INVALID, "import.map_invalid", "map", msg);
			return -1;
		}
		ln = (size_t)(eq - p);
		memcpy(tmp, p, ln);
		tmp[ln] = '\0';
		csvfmt_norm(tmp, 1, left, sizeof(left));
		memcpy(right, eq + 1, (size_t)(end - eq - 1));
		right[end - eq - 1] = '\0';
		if (strcmp(left, want) == 0) {
			if (!strcmp(right, "-") || !strcmp(right, "ignore")) {
				*col = -1;
				return 1;
			}
			*col = csvfmt_column_parse(right);
			if (*col < 0 || !col_allowed(r->h->kind, *col)) {
				snprintf(msg, sizeof(msg), "--map: '%.40s' is not a column here",
					 right);
				fail(r, ERR_INVALID, "import.map_invalid", "map", msg);
				return -1;
			}
			return 1;
		}
		p = comma ? comma + 1 : end;
	}
	return 0;
}

void import_header_release(struct import_header_opts *h)
{
	for (size_t i = 0; i < h->ncells; i++)
		free(h->cells[i]);
	free(h->cells);
	free(h->cols);
	h->cells = NULL;
	h->cols = NULL;
	h->ncells = 0;
}

/* keep_cells copies the header row into r->h (keep_cells); 0 or ERR_NOMEM. */
static int keep_cells(struct reader *r)
{
	struct import_header_opts *h = r->h;

	import_header_release(h);
	h->cells = calloc(r->nfields + 1, sizeof(*h->cells));
	h->cols = calloc(r->nfields + 1, sizeof(*h->cols));
	if (!h->cells || !h->cols)
		return fail(r, ERR_NOMEM, "server.nomem", NULL, "out of memory");
	for (size_t i = 0; i < r->nfields; i++) {
		h->cols[i] = -1;
		if (!(h->cells[i] = strdup(r->buf + r->off[i])))
			return fail(r, ERR_NOMEM, "server.nomem", NULL, "out of memory");
		h->ncells = i + 1;
	}
	return 0;
}

/* map_header reads the current record as the header row. */
static void map_header(struct reader *r)
{
	char msg[256];
	int seen[IMPORT_NCOLS] = {0}, mapped[IMPORT_MAX_COLUMNS] = {0}, foreign = 0;
	size_t i, known = 0, unknown = 0, o = 0, ig = 0;
	enum csvfmt_source src = CSVFMT_LITECRM;

	r->ncols = r->nfields;
	r->h->ignored[0] = '\0';
	if (r->h->keep_cells && keep_cells(r))
		return;
	for (i = 0; i < r->nfields; i++) {
		const char *cell = r->buf + r->off[i];
		enum csvfmt_source s = CSVFMT_LITECRM;
		int c, m = map_lookup(r, cell, &c);

		if (m < 0)
			return;
		if (m == 0) {
			c = csvfmt_header(cell, &s);
			if (c >= 0 && !col_allowed(r->h->kind, c))
				c = -1;
		} else {
			mapped[i] = 1;
		}
		if (c >= 0 && s != CSVFMT_LITECRM) {
			foreign = 1;
			src = s;
		}
		r->colmap[i] = c;
		if (r->h->cols)
			r->h->cols[i] = c;
		if (c < 0) {
			if (!mapped[i])
				unknown++;
			continue;
		}
		known++;
		if (seen[c]) {
			snprintf(msg, sizeof(msg), "row 1: column '%s' appears twice",
				 csvfmt_column_name(c));
			fail(r, ERR_INVALID, "import.duplicate_column", csvfmt_column_name(c), msg);
			return;
		}
		seen[c] = 1;
	}
	r->h->source = src;
	if (known == 0) {
		fail(r, ERR_INVALID, "import.no_header", NULL,
		     "row 1: no header row (expected columns company, deal, stage, amount, "
		     "currency, owner, close_date)");
		return;
	}
	if (unknown && !foreign) {
		o = (size_t)snprintf(msg, sizeof(msg), "row 1: unknown column%s",
				     unknown > 1 ? "s" : "");
		for (i = 0; i < r->nfields && o < sizeof(msg); i++)
			if (r->colmap[i] < 0 && !mapped[i])
				o += (size_t)snprintf(msg + o, sizeof(msg) - o, "%s'%.40s'",
						      o > 22 ? ", " : " ", r->buf + r->off[i]);
		fail(r, ERR_INVALID, "import.unknown_column", NULL, msg);
		return;
	}
	for (i = 0; i < r->nfields && ig < sizeof(r->h->ignored); i++)
		if (r->colmap[i] < 0)
			ig += (size_t)snprintf(r->h->ignored + ig, sizeof(r->h->ignored) - ig,
					       "%s'%.40s'", ig ? ", " : "", r->buf + r->off[i]);
	for (i = 0; i < IMPORT_NCOLS; i++) {
		int need = r->h->kind == IMPORT_DEALS
			       ? (i == IMPORT_COL_COMPANY || i == IMPORT_COL_DEAL)
			   : r->h->kind == IMPORT_COMPANIES ? i == IMPORT_COL_COMPANY
							    : i == IMPORT_COL_NAME;

		if (need && !seen[i]) {
			snprintf(msg, sizeof(msg), "row 1: missing column '%s'",
				 csvfmt_column_name((int)i));
			fail(r, ERR_INVALID, "import.missing_column", csvfmt_column_name((int)i),
			     msg);
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
	memset(row.v, 0, sizeof(row.v));
	row.row = r->record;
	for (i = 0; i < r->nfields; i++) {
		r->field[i] = r->buf + r->off[i];
		if (r->colmap[i] >= 0)
			row.v[r->colmap[i]] = r->field[i];
	}
	row.field = r->field;
	row.nfield = r->nfields;
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

/* first_line_delim: '\t' when the header line has tabs and no commas, else ','. */
static unsigned char first_line_delim(const char *data, size_t len)
{
	int tabs = 0, commas = 0;

	for (size_t i = 0; i < len && data[i] != '\n'; i++) {
		tabs += data[i] == '\t';
		commas += data[i] == ',';
	}
	return tabs && !commas ? '\t' : ',';
}

/* A progress hook for the chunks of one parse. */
struct parse_progress {
	void (*fn)(void *ctx, size_t done, size_t total);
	void *ctx;
	size_t base, total;
};

static int parse_csv(const char *data, size_t len, struct import_header_opts *h, import_row_fn fn,
		     void *ctx, size_t *rows, const struct parse_progress *pp, struct errinfo *e)
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
	r.h = h;
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
	csv_set_delim(&p, first_line_delim(data + pos, len - pos));
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
		if (pp && pp->fn && (pos & ((1u << 20) - 1)) < 65536)
			pp->fn(pp->ctx, pp->base + pos, pp->total);
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

int import_csv_parse_opts(const char *data, size_t len, struct import_header_opts *h,
			  import_row_fn fn, void *ctx, size_t *rows, struct errinfo *e)
{
	return parse_csv(data, len, h, fn, ctx, rows, NULL, e);
}

int import_csv_parse(const char *data, size_t len, import_row_fn fn, void *ctx, size_t *rows,
		     struct errinfo *e)
{
	struct import_header_opts h;

	memset(&h, 0, sizeof(h));
	h.kind = IMPORT_DEALS;
	return parse_csv(data, len, &h, fn, ctx, rows, NULL, e);
}

/* ---- companies by normalised name ---- */

/* csvfmt_norm(name) -> company id: v[0..n) in order of addition, map over it. */
struct name_entry {
	char *key;
	int64_t id;
};

struct name_table {
	struct name_entry *v;
	size_t n, cap;
	struct hashmap map;
};

static void names_free(struct name_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].key);
	free(t->v);
	hashmap_release(&t->map);
	memset(t, 0, sizeof(*t));
}

/* names_find returns the entry of key, NULL when there is none. */
static struct name_entry *names_find(const struct name_table *t, const char *key, uint64_t h)
{
	struct hashmap_iter it;

	for (size_t k = hashmap_first(&t->map, h, &it); k != HASHMAP_NONE;
	     k = hashmap_next(&t->map, &it))
		if (!strcmp(t->v[k].key, key))
			return &t->v[k];
	return NULL;
}

static int64_t names_get(const struct name_table *t, const char *key)
{
	struct name_entry *x = names_find(t, key, hashmap_hash_str(key));

	return x ? x->id : 0;
}

/* names_put adds key -> id (first one wins); 0 or ERR_NOMEM. */
static int names_put(struct name_table *t, const char *key, int64_t id)
{
	uint64_t h = hashmap_hash_str(key);
	char *dup;

	if (names_find(t, key, h))
		return 0;
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 512;
		struct name_entry *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return ERR_NOMEM;
		t->v = v;
		t->cap = cap;
	}
	if (!(dup = strdup(key)) || hashmap_add(&t->map, h, t->n)) {
		free(dup);
		return ERR_NOMEM;
	}
	t->v[t->n].key = dup;
	t->v[t->n++].id = id;
	return 0;
}

/* ---- the importer ---- */

/* A company id that stands for "created by this import when written". */
#define COMPANY_PENDING (-1)

struct importer {
	struct store *st;
	const struct actor *a;
	const struct import_opts *o;
	struct workspace ws;
	int digits;
	struct stage_list stages;
	struct user_list users;
	struct name_table companies;
	struct import_result *res;
	int create;
	/* Pass 1 under skip_bad: the rows that failed, in order, for pass 2 to skip. */
	size_t *bad;
	size_t nbad, badcap, badnext;
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
		 col >= 0 ? csvfmt_column_name(col) : "");
	if (col >= 0)
		return errinfo_set(e, ERR_INVALID, code, csvfmt_column_name(col),
				   "row %zu, column '%s': %s", r->row, csvfmt_column_name(col),
				   detail);
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

/* find_owner finds the user named by username, display name or e-mail; -1 when none. */
static int find_owner(const struct user_list *users, const char *s)
{
	size_t i;

	for (i = 0; i < users->n; i++)
		if (strcmp(users->v[i].username, s) == 0)
			return (int)i;
	for (i = 0; i < users->n; i++)
		if (strcasecmp(users->v[i].username, s) == 0 ||
		    (users->v[i].email[0] && strcasecmp(users->v[i].email, s) == 0))
			return (int)i;
	for (i = 0; i < users->n; i++)
		if (csvfmt_same_name(users->v[i].display_name, s))
			return (int)i;
	return -1;
}

/* find_stage finds a stage by key, zh-TW or English name, also after normalising. */
static int find_stage(const struct stage_list *l, const char *s)
{
	char a[CAP_NAME * 2 + 1], b[CAP_NAME * 2 + 1];
	int i = stage_match(l->v, l->n, s);

	if (i >= 0)
		return i;
	csvfmt_norm(s, 1, a, sizeof(a));
	for (size_t j = 0; j < l->n; j++) {
		csvfmt_norm(l->v[j].name_en, 1, b, sizeof(b));
		if (strcmp(a, b) == 0 || csvfmt_same_name(l->v[j].name_zh, s) ||
		    csvfmt_same_name(l->v[j].key, s))
			return (int)j;
	}
	return -1;
}

/* company_ref resolves the company named in col into *id (COMPANY_PENDING when new). */
static int company_ref(struct importer *im, const struct import_row *r, const char *name,
		       int64_t *id, struct errinfo *e)
{
	char key[CAP_NAME * 2 + 1];
	struct company c;
	int rc;

	csvfmt_norm(name, 1, key, sizeof(key));
	*id = names_get(&im->companies, key);
	if (*id > 0 || (*id == COMPANY_PENDING && !im->create))
		return 0;
	if (!im->create) {
		*id = COMPANY_PENDING;
		if (names_put(&im->companies, key, COMPANY_PENDING))
			return errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
		return 0;
	}
	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	if ((rc = svc_import_company_create(im->st, im->a, &c, e))) {
		im->res->error_row = r->row;
		return rc;
	}
	im->res->companies++;
	*id = c.id;
	if (names_put(&im->companies, key, c.id))
		return errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
	return 0;
}

/* The checked content of one deal row. */
struct deal_row {
	struct deal d;
	unsigned set; /* DEAL_SET_* of the columns present and non-empty */
	char company[CAP_NAME + 1];
	char ext[CAP_NAME + 1];
};

/* deal_row_check checks row r completely and turns it into dr (no writes). */
static int deal_row_check(struct importer *im, const struct import_row *r, struct deal_row *dr,
			  struct errinfo *e)
{
	struct deal *d = &dr->d;
	char buf[CAP_NAME + 1];
	int rc, idx;

	memset(dr, 0, sizeof(*dr));
	d->probability = -1;
	if ((rc = get_text(im, e, r, IMPORT_COL_COMPANY, dr->company, sizeof(dr->company))))
		return rc;
	if (!dr->company[0])
		return row_fail(im, e, r, IMPORT_COL_COMPANY, "import.required", "empty");
	if ((rc = get_text(im, e, r, IMPORT_COL_DEAL, d->name, sizeof(d->name))))
		return rc;
	if (!d->name[0])
		return row_fail(im, e, r, IMPORT_COL_DEAL, "import.required", "empty");
	if ((rc = get_text(im, e, r, IMPORT_COL_EXTERNAL_ID, dr->ext, sizeof(dr->ext))))
		return rc;

	if ((rc = get_text(im, e, r, IMPORT_COL_STAGE, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		idx = find_stage(&im->stages, buf);
		if (idx < 0)
			return row_fail(im, e, r, IMPORT_COL_STAGE, "import.stage_unknown",
					"unknown stage '%s'", buf);
		d->stage_id = im->stages.v[idx].id;
		dr->set |= DEAL_SET_STAGE;
	} else {
		for (size_t j = 0; j < im->stages.n && !d->stage_id; j++)
			if (im->stages.v[j].kind == STAGE_OPEN)
				d->stage_id = im->stages.v[j].id;
		if (!d->stage_id)
			return row_fail(im, e, r, IMPORT_COL_STAGE, "import.stage_unknown",
					"empty, and the pipeline has no open stage");
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_CURRENCY, buf, sizeof(buf))))
		return rc;
	if (buf[0] && strcasecmp(buf, im->ws.currency) != 0 &&
	    !(strcasecmp(im->ws.currency, "TWD") == 0 &&
	      (!strcasecmp(buf, "NTD") || !strcasecmp(buf, "NT$"))))
		return row_fail(im, e, r, IMPORT_COL_CURRENCY, "import.currency_mismatch",
				"'%.40s' is not the workspace currency '%s'", buf, im->ws.currency);
	memcpy(d->currency, im->ws.currency, sizeof(d->currency));

	if ((rc = get_text(im, e, r, IMPORT_COL_AMOUNT, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		if (buf[0] == '-' && csvfmt_amount(buf + 1, im->digits, &d->amount) == 0)
			return row_fail(im, e, r, IMPORT_COL_AMOUNT, "import.amount_negative",
					"'%.40s' is negative", buf);
		if (csvfmt_amount(buf, im->digits, &d->amount) != 0)
			return row_fail(im, e, r, IMPORT_COL_AMOUNT, "import.amount_invalid",
					"'%.40s' is not an amount", buf);
		dr->set |= DEAL_SET_AMOUNT;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_OWNER, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		int i = find_owner(&im->users, buf);

		if (i < 0)
			return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_unknown",
					"unknown user '%.64s'", buf);
		if (!im->users.v[i].active)
			return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_inactive",
					"user '%s' is not active", buf);
		if (!im->a->system && im->a->role == ROLE_MEMBER &&
		    im->users.v[i].id != im->a->user_id)
			return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_forbidden",
					"'%s': members import only their own deals", buf);
		d->owner_id = im->users.v[i].id;
		dr->set |= DEAL_SET_OWNER;
	} else if (im->a->system) {
		return row_fail(im, e, r, IMPORT_COL_OWNER, "import.owner_required",
				"empty (name the owner of every deal)");
	} else {
		d->owner_id = im->a->user_id;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_CLOSE_DATE, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		rc = csvfmt_date(buf, im->o->date_order, d->close_date);
		if (rc == ERR_CONFLICT)
			return row_fail(im, e, r, IMPORT_COL_CLOSE_DATE, "import.date_ambiguous",
					"'%.40s' could be month/day or day/month: give "
					"--date-format mdy or dmy",
					buf);
		if (rc)
			return row_fail(im, e, r, IMPORT_COL_CLOSE_DATE, "import.date_invalid",
					"'%.40s' is not a date (YYYY-MM-DD, YYYY/MM/DD or "
					"MM/DD/YYYY)",
					buf);
		dr->set |= DEAL_SET_CLOSE_DATE;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_PROBABILITY, buf, sizeof(buf))))
		return rc;
	if (buf[0]) {
		if (csvfmt_percent(buf, &d->probability) != 0)
			return row_fail(im, e, r, IMPORT_COL_PROBABILITY, "import.probability",
					"'%.40s' is not a percentage 0-100", buf);
		dr->set |= DEAL_SET_PROBABILITY;
	}

	if ((rc = get_text(im, e, r, IMPORT_COL_NEXT_STEP, d->next_step, sizeof(d->next_step))))
		return rc;
	if (d->next_step[0])
		dr->set |= DEAL_SET_NEXT_STEP;
	return company_ref(im, r, dr->company, &d->company_id, e);
}

/* deal_write creates the deal of dr, or updates the one its external id names. */
static int deal_write(struct importer *im, struct deal_row *dr, struct errinfo *e)
{
	struct deal_input in;
	struct deal out;
	int64_t id = 0;
	int rc;

	if (dr->ext[0]) {
		rc = svc_import_deal_find(im->st, im->a, dr->ext, &id, e);
		if (rc && rc != ERR_NOTFOUND)
			return rc;
	}
	if (!id) {
		if ((rc = svc_import_deal_create(im->st, im->a, &im->ws, &dr->d, dr->ext, e)))
			return rc;
		im->res->created++;
		return 0;
	}
	memset(&in, 0, sizeof(in));
	in.set = DEAL_SET_COMPANY | DEAL_SET_NAME | dr->set;
	in.company_id = dr->d.company_id;
	snprintf(in.name, sizeof(in.name), "%s", dr->d.name);
	in.amount = dr->d.amount;
	in.stage_id = dr->d.stage_id;
	in.probability = dr->d.probability;
	in.owner_id = dr->d.owner_id;
	memcpy(in.close_date, dr->d.close_date, DATE_LEN);
	snprintf(in.next_step, sizeof(in.next_step), "%s", dr->d.next_step);
	if ((rc = svc_deal_update(im->st, im->a, id, 0, &in, &out, e)))
		return rc;
	im->res->updated++;
	return 0;
}

static int company_row(struct importer *im, const struct import_row *r, struct errinfo *e)
{
	struct company_input in;
	struct company c;
	char key[CAP_NAME * 2 + 1];
	int rc;

	memset(&in, 0, sizeof(in));
	if ((rc = get_text(im, e, r, IMPORT_COL_COMPANY, in.name, sizeof(in.name))))
		return rc;
	if (!in.name[0])
		return row_fail(im, e, r, IMPORT_COL_COMPANY, "import.required", "empty");
	if ((rc = get_text(im, e, r, IMPORT_COL_WEBSITE, in.website, sizeof(in.website))))
		return rc;
	if ((rc = get_text(im, e, r, IMPORT_COL_PHONE, in.phone, sizeof(in.phone))))
		return rc;
	in.set = COMPANY_SET_NAME | COMPANY_SET_WEBSITE | COMPANY_SET_PHONE;
	csvfmt_norm(in.name, 1, key, sizeof(key));
	if (names_get(&im->companies, key))
		return 0; /* known: matched, not duplicated */
	if (!im->create)
		return names_put(&im->companies, key, COMPANY_PENDING) ? ERR_NOMEM : 0;
	if ((rc = svc_company_create(im->st, im->a, &in, &c, e)))
		return rc;
	im->res->created++;
	return names_put(&im->companies, key, c.id) ? ERR_NOMEM : 0;
}

static int contact_row(struct importer *im, const struct import_row *r, struct errinfo *e)
{
	struct contact_input in;
	struct contact out;
	char company[CAP_NAME + 1];
	int rc;

	memset(&in, 0, sizeof(in));
	if ((rc = get_text(im, e, r, IMPORT_COL_NAME, in.name, sizeof(in.name))))
		return rc;
	if (!in.name[0])
		return row_fail(im, e, r, IMPORT_COL_NAME, "import.required", "empty");
	if ((rc = get_text(im, e, r, IMPORT_COL_TITLE, in.title, sizeof(in.title))) ||
	    (rc = get_text(im, e, r, IMPORT_COL_PHONE, in.phone, sizeof(in.phone))) ||
	    (rc = get_text(im, e, r, IMPORT_COL_EMAIL, in.email, sizeof(in.email))) ||
	    (rc = get_text(im, e, r, IMPORT_COL_COMPANY, company, sizeof(company))))
		return rc;
	in.set = CONTACT_SET_NAME | CONTACT_SET_TITLE | CONTACT_SET_PHONE | CONTACT_SET_EMAIL;
	if (company[0]) {
		if ((rc = company_ref(im, r, company, &in.company_id, e)))
			return rc;
		in.set |= CONTACT_SET_COMPANY;
	}
	if (!im->create)
		return 0;
	if ((rc = svc_contact_create(im->st, im->a, &in, &out, e)))
		return rc;
	im->res->created++;
	return 0;
}

/* csv_line writes the fields of r as one CSV line into a new string. */
static char *csv_line(const struct import_row *r)
{
	size_t n = 1, i, o = 0;
	char *s;

	for (i = 0; i < r->nfield; i++)
		n += strlen(r->field[i]) * 2 + 3;
	s = malloc(n);
	if (!s)
		return NULL;
	for (i = 0; i < r->nfield; i++) {
		if (i)
			s[o++] = ',';
		csv_quote(s, &o, r->field[i]);
	}
	s[o] = '\0';
	return s;
}

/* reject records row r as left out, with e's reason. */
static int reject(struct importer *im, const struct import_row *r, const struct errinfo *e)
{
	struct import_result *res = im->res;
	struct import_reject *j;

	if (res->nrejects % 256 == 0) {
		void *nv = realloc(res->rejects, (res->nrejects + 256) * sizeof(*res->rejects));

		if (!nv)
			return ERR_NOMEM;
		res->rejects = nv;
	}
	j = &res->rejects[res->nrejects++];
	memset(j, 0, sizeof(*j));
	j->row = r->row;
	snprintf(j->column, sizeof(j->column), "%s", e->field);
	snprintf(j->reason, sizeof(j->reason), "%s", e->message);
	j->line = csv_line(r);
	if (im->nbad == im->badcap) {
		size_t cap = im->badcap ? im->badcap * 2 : 256;
		size_t *nb = realloc(im->bad, cap * sizeof(*nb));

		if (!nb)
			return ERR_NOMEM;
		im->bad = nb;
		im->badcap = cap;
	}
	im->bad[im->nbad++] = r->row;
	return 0;
}

/* keep_preview copies row r into res's preview; 0 or ERR_NOMEM. */
static int keep_preview(struct import_result *res, const struct import_row *r)
{
	struct import_preview_row *p;
	void *nv = realloc(res->preview, (res->npreview + 1) * sizeof(*res->preview));

	if (!nv)
		return ERR_NOMEM;
	res->preview = nv;
	p = &res->preview[res->npreview++];
	p->row = r->row;
	p->nfield = 0;
	p->field = calloc(r->nfield + 1, sizeof(*p->field));
	if (!p->field)
		return ERR_NOMEM;
	for (size_t i = 0; i < r->nfield; i++) {
		if (!(p->field[i] = strdup(r->field[i])))
			return ERR_NOMEM;
		p->nfield = i + 1;
	}
	return 0;
}

static int on_row(const struct import_row *r, void *ctx, struct errinfo *e)
{
	struct importer *im = ctx;
	struct deal_row dr;
	int rc;

	if (!im->create && im->res->npreview < im->o->preview && keep_preview(im->res, r))
		return errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
	if (im->create && im->badnext < im->nbad && im->bad[im->badnext] == r->row) {
		im->badnext++;
		return 0; /* rejected in pass 1 */
	}
	switch (im->o->kind) {
	case IMPORT_DEALS:
		rc = deal_row_check(im, r, &dr, e);
		if (rc == 0 && im->create)
			rc = deal_write(im, &dr, e);
		break;
	case IMPORT_COMPANIES:
		rc = company_row(im, r, e);
		break;
	default:
		rc = contact_row(im, r, e);
		break;
	}
	if (rc == ERR_INVALID && !im->create && im->o->skip_bad) {
		im->res->error_row = 0;
		im->res->error_column[0] = '\0';
		rc = reject(im, r, e);
		memset(e, 0, sizeof(*e));
		return rc;
	}
	if (rc && im->create) {
		char msg[sizeof(e->message)];

		snprintf(msg, sizeof(msg), "%s", e->message[0] ? e->message : err_str(rc));
		if (strncmp(msg, "row ", 4) != 0) {
			im->res->error_row = r->row;
			snprintf(im->res->error_column, sizeof(im->res->error_column), "%s",
				 e->field);
			snprintf(e->message, sizeof(e->message), "row %zu: %.230s", r->row, msg);
		}
	}
	if (rc == 0 && im->create)
		im->res->imported++;
	return rc;
}

/* load reads what every row needs: the workspace, stages, users and companies. */
static int load(struct importer *im, struct errinfo *e)
{
	struct company_list cl = {0};
	char key[CAP_NAME * 2 + 1];
	int rc;

	stage_list_release(&im->stages);
	user_list_release(&im->users);
	names_free(&im->companies);
	if ((rc = svc_workspace_get(im->st, im->a, &im->ws, e)))
		return rc;
	im->digits = money_digits(im->ws.currency);
	if (im->digits < 0)
		return errinfo_set(e, ERR_INVALID, "import.currency", NULL,
				   "the workspace currency '%s' is unknown", im->ws.currency);
	if ((rc = svc_stage_list(im->st, im->a, &im->stages, e)))
		return rc;
	if ((rc = svc_user_list(im->st, im->a, &im->users, e)))
		return rc;
	if ((rc = svc_import_companies(im->st, im->a, &cl, e)))
		return rc;
	for (size_t i = 0; i < cl.n && rc == 0; i++) {
		csvfmt_norm(cl.v[i].name, 1, key, sizeof(key));
		if (names_put(&im->companies, key, cl.v[i].id))
			rc = errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
	}
	company_list_release(&cl);
	return rc;
}

void import_result_release(struct import_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrejects; i++)
		free(r->rejects[i].line);
	free(r->rejects);
	r->rejects = NULL;
	r->nrejects = 0;
	for (size_t i = 0; i < r->npreview; i++) {
		for (size_t j = 0; j < r->preview[i].nfield; j++)
			free(r->preview[i].field[j]);
		free(r->preview[i].field);
	}
	free(r->preview);
	r->preview = NULL;
	r->npreview = 0;
	import_header_release(&r->header);
}

/* header_done moves what the parse learnt of the header into res. */
static void header_done(struct import_result *res, struct import_header_opts *h)
{
	res->source = h->source;
	memcpy(res->ignored, h->ignored, sizeof(res->ignored));
	import_header_release(&res->header);
	res->header = *h; /* the kept cells pass to res */
	h->cells = NULL;
	h->cols = NULL;
	h->ncells = 0;
	h->keep_cells = 0;
}

/* count_lines estimates the rows of data (for the store's bulk mode). */
static size_t count_lines(const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	size_t n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

int import_run(struct store *st, const struct actor *a, const char *data, size_t len,
	       const struct import_opts *o, struct import_result *res, struct errinfo *e)
{
	struct import_header_opts h;
	struct parse_progress pp;
	struct importer im;
	char *utf8 = NULL;
	size_t ulen = len;
	int rc, one;

	memset(res, 0, sizeof(*res));
	memset(&im, 0, sizeof(im));
	memset(&h, 0, sizeof(h));
	im.st = st;
	im.a = a;
	im.o = o;
	im.res = res;
	h.kind = o->kind;
	h.map = o->map;
	h.keep_cells = o->preview > 0;
	if ((rc = svc_import_allowed(a, e)))
		goto out;
	if (len > IMPORT_MAX_BYTES) {
		rc = errinfo_set(e, ERR_TOOBIG, "import.file_too_big", NULL,
				 "the file is larger than %u MiB", IMPORT_MAX_BYTES >> 20);
		goto out;
	}
	if ((rc = import_decode(data, len, o->encoding, &utf8, &ulen, res->encoding, e)))
		goto out;
	if (utf8)
		data = utf8;
	len = ulen;
	/*
	 * All or nothing: without skip_bad one pass checks and writes each row
	 * inside the one transaction, and the first bad row rolls it all back.
	 * A dry run only checks; skip_bad checks every row first (pass 1) to
	 * know which ones pass 2 leaves out.
	 */
	one = !o->dry_run && !o->skip_bad;
	pp.fn = o->progress;
	pp.ctx = o->progress_ctx;
	pp.base = 0;
	pp.total = one ? len : len * 2;
	if (!one) {
		if ((rc = load(&im, e)))
			goto out;
		rc = parse_csv(data, len, &h, on_row, &im, &res->rows, &pp, e);
		header_done(res, &h);
		if (rc || o->dry_run)
			goto out;
		pp.base = len;
	}

	im.create = 1;
	if ((rc = svc_bulk_begin(st, one ? count_lines(data, len) : res->rows, e)))
		goto out;
	rc = load(&im, e);
	if (rc == 0)
		rc = parse_csv(data, len, &h, on_row, &im, one ? &res->rows : NULL, &pp, e);
	if (one)
		header_done(res, &h);
	if (rc == 0)
		rc = svc_import_audit(st, a, o->kind, res, e); /* the audit log */
	rc = svc_batch_end(st, rc, e);
	if (rc) {
		res->imported = res->created = res->updated = res->companies = 0;
	}
	if (o->progress)
		o->progress(o->progress_ctx, pp.total, pp.total);
out:
	free(utf8);
	free(im.bad);
	names_free(&im.companies);
	stage_list_release(&im.stages);
	user_list_release(&im.users);
	return rc;
}

int import_deals_csv(struct store *st, const struct actor *a, const char *data, size_t len,
		     int dry_run, struct import_result *res, struct errinfo *e)
{
	struct import_opts o;

	memset(&o, 0, sizeof(o));
	o.kind = IMPORT_DEALS;
	o.dry_run = dry_run;
	return import_run(st, a, data, len, &o, res, e);
}
