/*
 * import_history.c - the CSV reader of `litecrm import history` (see
 * import_history.h): a strict libcsv parse into struct history_row, bounded
 * by the caps of import.h. It checks shape only (header, field counts, UTF-8,
 * lengths); the meaning of the values is svc_history_import()'s to check.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "import_history.h"
#include "text.h"

enum hcol { HC_DEAL_ID = 0, HC_COMPANY, HC_DEAL, HC_STAGE, HC_CHANGED_AT, HC_BY, HC_AMOUNT, HC_N };

static const struct {
	const char *name;
	size_t off, size;
} hcols[HC_N] = {
    [HC_DEAL_ID] = {"deal_id", offsetof(struct history_row, deal_id), 24},
    [HC_COMPANY] = {"company", offsetof(struct history_row, company), CAP_NAME + 1},
    [HC_DEAL] = {"deal", offsetof(struct history_row, deal), CAP_NAME + 1},
    [HC_STAGE] = {"stage", offsetof(struct history_row, stage), CAP_NAME + 1},
    [HC_CHANGED_AT] = {"changed_at", offsetof(struct history_row, changed_at), 40},
    [HC_BY] = {"by", offsetof(struct history_row, by), CAP_USERNAME + 1},
    [HC_AMOUNT] = {"amount", offsetof(struct history_row, amount), 48},
};

struct hreader {
	struct errinfo *e;
	int rc;
	size_t record; /* records completed, the header included */
	int colmap[IMPORT_MAX_COLUMNS];
	size_t ncols, nfields;
	int blank;
	struct history_row cur;
	struct history_row *v;
	size_t n, cap;
};

static void hfail(struct hreader *r, int rc, const char *code, const char *field, const char *msg)
{
	if (!r->rc)
		r->rc = errinfo_set(r->e, rc, code, field, "%s", msg);
}

static int header_col(const char *s, size_t n)
{
	char norm[32];
	size_t i;

	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (!n || n >= sizeof(norm))
		return -1;
	for (i = 0; i < n; i++)
		norm[i] = s[i] == ' ' || s[i] == '-'   ? '_'
			  : s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a')
						       : s[i];
	norm[n] = '\0';
	for (i = 0; i < HC_N; i++)
		if (strcmp(norm, hcols[i].name) == 0)
			return (int)i;
	return -1;
}

static void on_field(void *s, size_t n, void *data)
{
	struct hreader *r = data;
	char msg[160], tmp[IMPORT_MAX_FIELD + 1];
	int c;

	if (r->rc)
		return;
	if (r->nfields == IMPORT_MAX_COLUMNS) {
		snprintf(msg, sizeof(msg), "row %zu: more than %d fields", r->record + 1,
			 IMPORT_MAX_COLUMNS);
		return hfail(r, ERR_INVALID, "import.too_many_fields", NULL, msg);
	}
	if (n && !utf8_valid(s, n)) {
		snprintf(msg, sizeof(msg), "row %zu, field %zu: invalid UTF-8", r->record + 1,
			 r->nfields + 1);
		return hfail(r, ERR_INVALID, "import.invalid_utf8", NULL, msg);
	}
	if (r->record == 0) {
		c = header_col(s, n);
		if (c < 0) {
			size_t k = n < 40 ? n : 40;

			memcpy(tmp, s, k);
			tmp[k] = '\0';
			snprintf(msg, sizeof(msg), "row 1: unknown column '%.40s'", tmp);
			return hfail(r, ERR_INVALID, "import.unknown_column", NULL, msg);
		}
		for (size_t i = 0; i < r->nfields; i++)
			if (r->colmap[i] == c) {
				snprintf(msg, sizeof(msg), "row 1: column '%s' appears twice",
					 hcols[c].name);
				return hfail(r, ERR_INVALID, "import.duplicate_column",
					     hcols[c].name, msg);
			}
		r->colmap[r->nfields++] = c;
		return;
	}
	if (r->nfields < r->ncols && n) {
		c = r->colmap[r->nfields];
		if (n > IMPORT_MAX_FIELD)
			n = IMPORT_MAX_FIELD;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		r->blank = 0;
		if (text_trim_copy((char *)&r->cur + hcols[c].off, hcols[c].size, tmp) != 0) {
			snprintf(msg, sizeof(msg), "row %zu, column '%s': longer than %zu bytes",
				 r->record + 1, hcols[c].name, hcols[c].size - 1);
			return hfail(r, ERR_INVALID, "import.too_long", hcols[c].name, msg);
		}
	}
	r->nfields++;
}

static void on_record(int ch, void *data)
{
	struct hreader *r = data;
	char msg[160];

	(void)ch;
	if (r->rc)
		return;
	r->record++;
	if (r->record == 1) {
		int seen[HC_N] = {0};

		r->ncols = r->nfields;
		for (size_t i = 0; i < r->nfields; i++)
			seen[r->colmap[i]] = 1;
		if (!seen[HC_STAGE] || !seen[HC_CHANGED_AT] ||
		    (!seen[HC_DEAL_ID] && (!seen[HC_COMPANY] || !seen[HC_DEAL])))
			hfail(r, ERR_INVALID, "import.missing_column", NULL,
			      "row 1: the header needs stage, changed_at, and deal_id or company "
			      "and deal");
		goto next;
	}
	if (r->blank)
		goto next;
	if (r->nfields != r->ncols) {
		snprintf(msg, sizeof(msg), "row %zu: %zu fields, but the header has %zu", r->record,
			 r->nfields, r->ncols);
		hfail(r, ERR_INVALID, "import.ragged_row", NULL, msg);
		goto next;
	}
	if (r->n == IMPORT_MAX_ROWS) {
		snprintf(msg, sizeof(msg), "row %zu: more than %d rows", r->record,
			 IMPORT_MAX_ROWS);
		hfail(r, ERR_TOOBIG, "import.too_many_rows", NULL, msg);
		goto next;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct history_row *p = realloc(r->v, cap * sizeof(*p));

		if (!p) {
			hfail(r, ERR_NOMEM, "server.nomem", NULL, "out of memory");
			goto next;
		}
		r->v = p;
		r->cap = cap;
	}
	r->cur.row = r->record;
	r->v[r->n++] = r->cur;
next:
	memset(&r->cur, 0, sizeof(r->cur));
	r->nfields = 0;
	r->blank = 1;
}

static void *capped_realloc(void *p, size_t n)
{
	return n > IMPORT_MAX_FIELD + 1024 ? NULL : realloc(p, n);
}

int import_history_parse(const char *data, size_t len, struct history_row **out, size_t *n,
			 struct errinfo *e)
{
	struct csv_parser p;
	struct hreader *r;
	size_t pos = 0;
	int rc;

	if (len > IMPORT_MAX_BYTES)
		return errinfo_set(e, ERR_TOOBIG, "import.file_too_big", NULL,
				   "the file is larger than %u MiB", IMPORT_MAX_BYTES >> 20);
	r = calloc(1, sizeof(*r));
	if (!r)
		return errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
	r->e = e;
	r->blank = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
		free(r);
		return errinfo_set(e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
	}
	csv_set_realloc_func(&p, capped_realloc);
	if (csv_parse(&p, data + pos, len - pos, on_field, on_record, r) != len - pos && !r->rc)
		hfail(r, ERR_INVALID, "import.malformed", NULL,
		      "malformed CSV (a stray or unclosed quote, or a field over 64 KiB)");
	if (!r->rc && csv_fini(&p, on_field, on_record, r) != 0)
		hfail(r, ERR_INVALID, "import.malformed", NULL,
		      "malformed CSV at the end (an unclosed quote)");
	if (!r->rc && r->record == 0)
		hfail(r, ERR_INVALID, "import.no_header", NULL,
		      "the file is empty (no header row)");
	csv_free(&p);
	rc = r->rc;
	if (!rc) {
		*out = r->v;
		*n = r->n;
		r->v = NULL;
	}
	free(r->v);
	free(r);
	return rc;
}
