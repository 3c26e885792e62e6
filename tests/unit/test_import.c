/*
 * test_import.c - the CSV side of the deal import: header mapping, BOM,
 * quoting, ragged rows, caps, and errors that name the row and the column.
 * No database: rows are collected by a callback.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

/* The rows one parse handed out, column values copied ("(null)" when absent). */
struct got {
	size_t n;
	size_t row[16];
	char v[16][IMPORT_NCOLS][64];
	int fail_at; /* row number at which the callback fails, 0: never */
};

static int collect(const struct import_row *r, void *ctx, struct errinfo *e)
{
	struct got *g = ctx;
	size_t c;

	if (g->fail_at && (int)r->row == g->fail_at)
		return errinfo_set(e, ERR_INVALID, "test.stop", NULL, "row %zu: stop", r->row);
	cr_assert_lt(g->n, 16);
	g->row[g->n] = r->row;
	for (c = 0; c < IMPORT_NCOLS; c++)
		snprintf(g->v[g->n][c], sizeof(g->v[0][0]), "%s", r->v[c] ? r->v[c] : "(null)");
	g->n++;
	return 0;
}

static int parse(const char *csv, struct got *g, struct errinfo *e, size_t *rows)
{
	memset(e, 0, sizeof(*e));
	return import_csv_parse(csv, strlen(csv), collect, g, rows, e);
}

Test(import, maps_header_in_any_order_and_case)
{
	struct got g = {0};
	struct errinfo e;
	size_t rows = 99;

	cr_assert_eq(
	    parse("Owner, DEAL ,company,Close Date\namy,POS,DDD,2027-01-15\n", &g, &e, &rows), 0,
	    "%s", e.message);
	cr_assert_eq(rows, 1);
	cr_assert_eq(g.n, 1);
	cr_assert_eq(g.row[0], 2);
	cr_assert_str_eq(g.v[0][IMPORT_COL_COMPANY], "DDD");
	cr_assert_str_eq(g.v[0][IMPORT_COL_DEAL], "POS");
	cr_assert_str_eq(g.v[0][IMPORT_COL_OWNER], "amy");
	cr_assert_str_eq(g.v[0][IMPORT_COL_CLOSE_DATE], "2027-01-15");
	cr_assert_str_eq(g.v[0][IMPORT_COL_STAGE], "(null)");
	cr_assert_str_eq(g.v[0][IMPORT_COL_AMOUNT], "(null)");
}

Test(import, skips_a_utf8_bom_and_reads_utf8)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("\xEF\xBB\xBF"
			   "company,deal,stage\nCCC營造股份有限公司,工地管理平台,價值主張\n",
			   &g, &e, NULL),
		     0, "%s", e.message);
	cr_assert_eq(g.n, 1);
	cr_assert_str_eq(g.v[0][IMPORT_COL_COMPANY], "CCC營造股份有限公司");
	cr_assert_str_eq(g.v[0][IMPORT_COL_STAGE], "價值主張");
}

Test(import, reads_quoted_fields)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("company,deal,amount\r\n"
			   "\"A, Inc.\",\"say \"\"hi\"\"\",\"1,000\"\r\n"
			   "B,\"two\nlines\",5\r\n",
			   &g, &e, NULL),
		     0, "%s", e.message);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.v[0][IMPORT_COL_COMPANY], "A, Inc.");
	cr_assert_str_eq(g.v[0][IMPORT_COL_DEAL], "say \"hi\"");
	cr_assert_str_eq(g.v[0][IMPORT_COL_AMOUNT], "1,000");
	cr_assert_str_eq(g.v[1][IMPORT_COL_DEAL], "two\nlines");
	cr_assert_eq(g.row[1], 3);
}

Test(import, skips_blank_rows_and_counts_records)
{
	struct got g = {0};
	struct errinfo e;
	size_t rows = 0;

	cr_assert_eq(parse("company,deal\nA,x\n\n,\nB,y", &g, &e, &rows), 0, "%s", e.message);
	cr_assert_eq(rows, 2);
	cr_assert_eq(g.n, 2);
	cr_assert_str_eq(g.v[1][IMPORT_COL_COMPANY], "B");
	cr_assert_eq(g.row[1], 4, "row %zu", g.row[1]); /* ",": record 3; blank line uncounted */
}

Test(import, header_only_is_zero_rows)
{
	struct got g = {0};
	struct errinfo e;
	size_t rows = 7;

	cr_assert_eq(parse("company,deal\n", &g, &e, &rows), 0, "%s", e.message);
	cr_assert_eq(rows, 0);
}

Test(import, ragged_row_names_the_row)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("company,deal,amount\nA,x,1\nB,y\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "row 3: 2 fields, but the header has 3");
	cr_assert_str_eq(e.code, "import.ragged_row");
	cr_assert_eq(g.n, 1);
}

Test(import, unknown_columns_are_named)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("company,deal,colour,size\nA,x,red,L\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "row 1: unknown columns 'colour', 'size'");
	cr_assert_eq(g.n, 0);
	cr_assert_eq(parse("company,deal,colour\nA,x,red\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "row 1: unknown column 'colour'");
}

Test(import, required_and_duplicate_columns)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("company,amount\nA,1\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "row 1: missing column 'deal'");
	cr_assert_str_eq(e.field, "deal");
	cr_assert_eq(parse("company,deal,Company\nA,x,B\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "row 1: column 'company' appears twice");
}

Test(import, data_without_a_header_is_refused)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("BBB,年度維護合約,勘探,150000\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.code, "import.no_header");
	cr_assert(strstr(e.message, "row 1: no header row") == e.message, "%s", e.message);
	cr_assert_eq(parse("", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "the file is empty (no header row)");
	cr_assert_eq(parse("\xEF\xBB\xBF", &g, &e, NULL), ERR_INVALID);
}

Test(import, malformed_quotes_are_refused)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("company,deal\nA,x\nB,\"y\"z\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.code, "import.malformed");
	cr_assert(strstr(e.message, "row 3:") == e.message, "%s", e.message);
	cr_assert(strstr(e.message, "line 3") != NULL, "%s", e.message);
	cr_assert_eq(parse("company,deal\nA,\"unclosed\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.code, "import.malformed");
}

Test(import, invalid_utf8_is_refused)
{
	struct got g = {0};
	struct errinfo e;

	cr_assert_eq(parse("company,deal\nA,\xC3\x28\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "row 2, field 2: invalid UTF-8");
}

Test(import, a_field_over_the_cap_is_too_big)
{
	size_t n = IMPORT_MAX_FIELD + 10, i;
	char *csv = malloc(n + 64);
	struct got g = {0};
	struct errinfo e = {0};
	int rc;

	cr_assert_not_null(csv);
	strcpy(csv, "company,deal\nA,\"");
	i = strlen(csv);
	memset(csv + i, 'x', n);
	strcpy(csv + i + n, "\"\n");
	rc = import_csv_parse(csv, strlen(csv), collect, &g, NULL, &e);
	free(csv);
	cr_assert_eq(rc, ERR_TOOBIG, "%d %s", rc, e.message);
	cr_assert_str_eq(e.message, "row 2: a field is larger than 64 KiB");
}

Test(import, a_file_over_the_cap_is_too_big)
{
	char *csv = calloc(1, IMPORT_MAX_BYTES + 1);
	struct got g = {0};
	struct errinfo e = {0};
	int rc;

	cr_assert_not_null(csv);
	rc = import_csv_parse(csv, IMPORT_MAX_BYTES + 1, collect, &g, NULL, &e);
	free(csv);
	cr_assert_eq(rc, ERR_TOOBIG);
	cr_assert_str_eq(e.message, "the file is larger than 1024 MiB");
}

Test(import, the_callbacks_error_stops_the_parse)
{
	struct got g = {0};
	struct errinfo e;

	g.fail_at = 3;
	cr_assert_eq(parse("company,deal\nA,x\nB,y\nC,z\n", &g, &e, NULL), ERR_INVALID);
	cr_assert_str_eq(e.message, "row 3: stop");
	cr_assert_eq(g.n, 1);
}

Test(import, column_names)
{
	cr_assert_str_eq(import_column_name(IMPORT_COL_CLOSE_DATE), "close_date");
	cr_assert_str_eq(import_column_name(IMPORT_COL_NEXT_STEP), "next_step");
}
