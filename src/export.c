/*
 * export.c - CSV and XLSX files of deals and of the summary (export.h).
 *
 * Both formats share one column list. The CSV holds amounts as plain
 * decimals in major units ("1234.5") so every spreadsheet reads them as
 * numbers; the XLSX writes them as numbers with a currency format, dates as
 * Excel dates, and ids and percentages as integers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <xlsxwriter.h>

#include "export.h"
#include "money.h"
#include "pipeline.h"
#include "svc_audit.h"
#include "text.h"

int export_format_parse(const char *s, enum export_format *out)
{
	if (!strcmp(s, "csv"))
		*out = EXPORT_CSV;
	else if (!strcmp(s, "xlsx"))
		*out = EXPORT_XLSX;
	else
		return ERR_INVALID;
	return 0;
}

static int bad(struct errinfo *e, const char *name, const char *why)
{
	return errinfo_set(e, ERR_INVALID, "request.bad_parameter", name, "parameter '%s' %s", name,
			   why);
}

int export_filter_param(struct store *st, const struct actor *a, const char *name,
			const char *value, struct deal_filter *f, struct errinfo *e)
{
	static const char *const sorts[] = {"id",   "updated", "close_date", "amount",
					    "name", "company", "stage"};
	char *end;
	int rc;

	if (!value || !value[0])
		return 0;
	if (!strcmp(name, "owner")) {
		struct user u;

		if ((rc = svc_user_get_by_name(st, a, value, &u, e)))
			return rc;
		f->owner_id = u.id;
	} else if (!strcmp(name, "stage")) {
		struct stage s;

		if ((rc = svc_stage_find(st, a, value, &s, e)))
			return rc;
		f->stage_id = s.id;
	} else if (!strcmp(name, "status")) {
		enum stage_kind k;

		if (stage_kind_parse(value, &k))
			return bad(e, name, "must be open, won or lost");
		f->status = (int)k;
	} else if (!strcmp(name, "company")) {
		long long id = strtoll(value, &end, 10);

		if (end == value || *end || id <= 0)
			return bad(e, name, "must be a company id");
		f->company_id = id;
	} else if (!strcmp(name, "close_from") || !strcmp(name, "close_to")) {
		if (!date_valid(value))
			return bad(e, name, "must be a date (YYYY-MM-DD)");
		snprintf(name[6] == 'f' ? f->close_from : f->close_to, DATE_LEN, "%s", value);
	} else if (!strcmp(name, "amount_min") || !strcmp(name, "amount_max")) {
		struct workspace w;
		int64_t v;

		if ((rc = svc_workspace_get(st, a, &w, e)))
			return rc;
		if (money_parse(value, money_digits(w.currency) < 0 ? 2 : money_digits(w.currency),
				&v) ||
		    v < 0)
			return bad(e, name, "must be a non-negative amount");
		*(name[7] == 'i' ? &f->amount_min : &f->amount_max) = v;
	} else if (!strcmp(name, "q")) {
		if (strlen(value) > CAP_QUERY)
			return bad(e, name, "is longer than 200 bytes");
		snprintf(f->q, sizeof(f->q), "%s", value);
	} else if (!strcmp(name, "sort")) {
		size_t i;

		for (i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
			if (!strcmp(sorts[i], value))
				break;
		if (i == sizeof(sorts) / sizeof(sorts[0]))
			return bad(e, name,
				   "must be id, updated, close_date, amount, name, company "
				   "or stage");
		f->sort = (enum deal_sort)i;
	} else if (!strcmp(name, "order")) {
		if (strcmp(value, "asc") && strcmp(value, "desc"))
			return bad(e, name, "must be asc or desc");
		f->desc = value[0] == 'd';
	} else {
		return bad(e, name, "is not a deal-list parameter");
	}
	return 0;
}

int export_filter_view(struct store *st, const struct actor *a, int64_t id, struct deal_filter *f,
		       struct errinfo *e)
{
	struct saved_view v;
	json_t *j, *val;
	const char *k;
	char num[32];
	int rc;

	if ((rc = svc_view_get(st, a, id, &v, e)))
		return rc;
	j = json_loads(v.filter, 0, NULL);
	if (!json_is_object(j)) {
		json_decref(j);
		return 0;
	}
	rc = 0;
	json_object_foreach(j, k, val)
	{
		const char *s = NULL;

		if (json_is_string(val)) {
			s = json_string_value(val);
		} else if (json_is_integer(val)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(val));
			s = num;
		}
		if (s && (rc = export_filter_param(st, a, k, s, f, e)))
			break;
	}
	json_decref(j);
	return rc;
}

/* ---- the rows ---- */

static const char *const columns[] = {
    "id",	   "company",  "deal",	"stage",      "stage_kind", "amount",	  "currency",
    "probability", "expected", "owner", "close_date", "next_step",  "created_at", "updated_at",
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static void csv_cell(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

/* The XLSX writer's state. */
struct xlsx {
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *bold, *money, *date, *pct;
};

/* currency_format writes Excel's number format for amounts in currency cur. */
static void currency_format(const char *cur, int digits, char *out, size_t outsz)
{
	const char *frac = digits == 0 ? "" : digits == 1 ? ".0" : digits == 2 ? ".00" : ".000";

	if (!strcmp(cur, "TWD"))
		snprintf(out, outsz, "\"NT$\"#,##0%s", frac);
	else if (!strcmp(cur, "USD"))
		snprintf(out, outsz, "\"$\"#,##0%s", frac);
	else
		snprintf(out, outsz, "#,##0%s \"%s\"", frac, cur);
}

static int xlsx_open(struct xlsx *x, const char *path, const char *sheet, const char *cur,
		     int digits)
{
	char fmt[64];
	lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};

	memset(x, 0, sizeof(*x));
	x->wb = workbook_new_opt(path, &opt);
	if (!x->wb)
		return ERR_IO;
	x->ws = workbook_add_worksheet(x->wb, sheet);
	x->bold = workbook_add_format(x->wb);
	format_set_bold(x->bold);
	x->money = workbook_add_format(x->wb);
	currency_format(cur, digits, fmt, sizeof(fmt));
	format_set_num_format(x->money, fmt);
	x->date = workbook_add_format(x->wb);
	format_set_num_format(x->date, "yyyy-mm-dd");
	x->pct = workbook_add_format(x->wb);
	format_set_num_format(x->pct, "0\"%\"");
	return x->ws ? 0 : ERR_IO;
}

static int xlsx_close(struct xlsx *x)
{
	return workbook_close(x->wb) == LXW_NO_ERROR ? 0 : ERR_IO;
}

static double major(int64_t minor, int digits)
{
	double d = (double)minor;

	for (int i = 0; i < digits; i++)
		d /= 10;
	return d;
}

/* write_deal writes deal d as row r (1-based after the header) of the open file. */
static void write_deal(FILE *f, struct xlsx *x, lxw_row_t r, const struct deal *d, int digits)
{
	char id[24], amount[40], expected[40], prob[8];
	int p = deal_probability(d);
	int64_t exp = money_expected(d->amount, p);

	if (f) {
		snprintf(id, sizeof(id), "%lld", (long long)d->id);
		money_format(d->amount, digits, amount, sizeof(amount));
		money_format(exp, digits, expected, sizeof(expected));
		snprintf(prob, sizeof(prob), "%d", p);
		csv_cell(f, id, 0);
		csv_cell(f, d->company_name, 0);
		csv_cell(f, d->name, 0);
		csv_cell(f, d->stage_key, 0);
		csv_cell(f, stage_kind_name(d->stage_kind), 0);
		csv_cell(f, amount, 0);
		csv_cell(f, d->currency, 0);
		csv_cell(f, prob, 0);
		csv_cell(f, expected, 0);
		csv_cell(f, d->owner_username, 0);
		csv_cell(f, d->close_date, 0);
		csv_cell(f, d->next_step, 0);
		csv_cell(f, d->created_at, 0);
		csv_cell(f, d->updated_at, 1);
		return;
	}
	worksheet_write_number(x->ws, r, 0, (double)d->id, NULL);
	worksheet_write_string(x->ws, r, 1, d->company_name, NULL);
	worksheet_write_string(x->ws, r, 2, d->name, NULL);
	worksheet_write_string(x->ws, r, 3, d->stage_key, NULL);
	worksheet_write_string(x->ws, r, 4, stage_kind_name(d->stage_kind), NULL);
	worksheet_write_number(x->ws, r, 5, major(d->amount, digits), x->money);
	worksheet_write_string(x->ws, r, 6, d->currency, NULL);
	worksheet_write_number(x->ws, r, 7, p, x->pct);
	worksheet_write_number(x->ws, r, 8, major(exp, digits), x->money);
	worksheet_write_string(x->ws, r, 9, d->owner_username, NULL);
	if (d->close_date[0]) {
		lxw_datetime dt = {0};

		sscanf(d->close_date, "%d-%d-%d", &dt.year, &dt.month, &dt.day);
		worksheet_write_datetime(x->ws, r, 10, &dt, x->date);
	}
	if (d->next_step[0])
		worksheet_write_string(x->ws, r, 11, d->next_step, NULL);
	worksheet_write_string(x->ws, r, 12, d->created_at, NULL);
	worksheet_write_string(x->ws, r, 13, d->updated_at, NULL);
}

/*
 * audit_export records a finished export in the audit log: what, in which
 * format, how many rows, and the filter's conditions that were set.
 */
static int audit_export(struct store *st, const struct actor *a, const char *kind,
			enum export_format fmt, const struct deal_filter *f, size_t rows,
			struct errinfo *e)
{
	return svc_audit_event(
	    st, a, "export", "", 0, e, "{s:s,s:s,s:I,s:{s:I,s:I,s:i,s:I,s:s,s:s,s:s}}", "kind",
	    kind, "format", fmt == EXPORT_CSV ? "csv" : "xlsx", "rows", (json_int_t)rows, "filter",
	    "owner_id", (json_int_t)f->owner_id, "stage_id", (json_int_t)f->stage_id, "status",
	    f->status, "company_id", (json_int_t)f->company_id, "close_from", f->close_from,
	    "close_to", f->close_to, "q", f->q);
}

int export_deals(struct store *st, const struct actor *a, const struct deal_filter *filter,
		 enum export_format fmt, const char *path,
		 void (*progress)(void *ctx, size_t done, size_t total), void *pctx, size_t *count,
		 struct errinfo *e)
{
	struct deal_filter f = *filter;
	struct deal_list l = {0};
	struct workspace w;
	struct xlsx x;
	FILE *out = NULL;
	size_t n = 0, i, total = 0;
	int rc, digits, xopen = 0;

	if ((rc = svc_workspace_get(st, a, &w, e)))
		return rc;
	digits = money_digits(w.currency) < 0 ? 2 : money_digits(w.currency);
	if (fmt == EXPORT_CSV) {
		out = fopen(path, "wb");
		if (!out)
			return errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'",
					   path);
		fputs("\xEF\xBB\xBF", out);
		for (i = 0; i < NCOLUMNS; i++)
			csv_cell(out, columns[i], i + 1 == NCOLUMNS);
	} else {
		if (xlsx_open(&x, path, "deals", w.currency, digits)) {
			if (x.wb)
				workbook_close(x.wb);
			return errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'",
					   path);
		}
		xopen = 1;
		for (i = 0; i < NCOLUMNS; i++)
			worksheet_write_string(x.ws, 0, (lxw_col_t)i, columns[i], x.bold);
		worksheet_freeze_panes(x.ws, 1, 0);
	}
	f.limit = 500;
	f.offset = 0;
	for (;;) {
		if ((rc = svc_deal_list(st, a, &f, f.offset == 0, &l, e)))
			goto out;
		if (f.offset == 0 && l.total > 0)
			total = (size_t)l.total;
		for (i = 0; i < l.n; i++) {
			n++;
			write_deal(out, xopen ? &x : NULL, (lxw_row_t)n, &l.v[i], digits);
		}
		if (progress)
			progress(pctx, n, total);
		if (l.n < (size_t)f.limit)
			break;
		f.offset += (int)l.n;
		deal_list_release(&l);
		if (xopen && n >= 1048575) /* Excel's last row */
			break;
	}
	rc = 0;
out:
	deal_list_release(&l);
	if (out && fclose(out) != 0 && rc == 0)
		rc = errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'", path);
	if (xopen && xlsx_close(&x) != 0 && rc == 0)
		rc = errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'", path);
	if (rc == 0)
		rc = audit_export(st, a, "deals", fmt, filter, n, e);
	if (rc == 0 && count)
		*count = n;
	return rc;
}

int export_summary(struct store *st, const struct actor *a, const struct deal_filter *f,
		   enum export_format fmt, const char *path, struct errinfo *e)
{
	static const char *const cols[] = {"stage", "name", "kind", "deals", "amount", "expected"};
	struct summary s;
	struct xlsx x;
	FILE *out = NULL;
	char buf[3][40];
	size_t i, k, r = 0;
	int rc;

	if ((rc = svc_summary(st, a, f, &s, e)))
		return rc;
	if (fmt == EXPORT_CSV) {
		out = fopen(path, "wb");
		if (!out) {
			rc = errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'",
					 path);
			goto out;
		}
		fputs("\xEF\xBB\xBF", out);
		for (k = 0; k < 6; k++)
			csv_cell(out, cols[k], k == 5);
	} else {
		if (xlsx_open(&x, path, "summary", s.currency, s.digits)) {
			if (x.wb)
				workbook_close(x.wb);
			rc = errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'",
					 path);
			goto out;
		}
		for (k = 0; k < 6; k++)
			worksheet_write_string(x.ws, 0, (lxw_col_t)k, cols[k], x.bold);
	}
	for (i = 0; i < s.stages.n; i++) {
		const struct stage *sg = &s.stages.v[i];
		const struct stage_sum *sm = &s.sums[i];

		r++;
		if (out) {
			snprintf(buf[0], sizeof(buf[0]), "%lld", (long long)sm->count);
			money_format(sm->amount, s.digits, buf[1], sizeof(buf[1]));
			money_format(sm->expected, s.digits, buf[2], sizeof(buf[2]));
			csv_cell(out, sg->key, 0);
			csv_cell(out, sg->name_zh, 0);
			csv_cell(out, stage_kind_name(sg->kind), 0);
			csv_cell(out, buf[0], 0);
			csv_cell(out, buf[1], 0);
			csv_cell(out, buf[2], 1);
			continue;
		}
		worksheet_write_string(x.ws, (lxw_row_t)r, 0, sg->key, NULL);
		worksheet_write_string(x.ws, (lxw_row_t)r, 1, sg->name_zh, NULL);
		worksheet_write_string(x.ws, (lxw_row_t)r, 2, stage_kind_name(sg->kind), NULL);
		worksheet_write_number(x.ws, (lxw_row_t)r, 3, (double)sm->count, NULL);
		worksheet_write_number(x.ws, (lxw_row_t)r, 4, major(sm->amount, s.digits), x.money);
		worksheet_write_number(x.ws, (lxw_row_t)r, 5, major(sm->expected, s.digits),
				       x.money);
	}
	if (out) {
		if (fclose(out) != 0)
			rc = errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'",
					 path);
	} else if (xlsx_close(&x) != 0) {
		rc = errinfo_set(e, ERR_IO, "export.io", NULL, "cannot write '%.200s'", path);
	}
	if (rc == 0)
		rc = audit_export(st, a, "summary", fmt, f, s.stages.n, e);
out:
	summary_release(&s);
	return rc;
}
