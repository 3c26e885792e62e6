/*
 * import.h - bulk import of deals from CSV, for every front door (the CLI's
 * `litecrm import deals` now, the web app's upload later).
 *
 * The file is UTF-8 CSV (RFC 4180, parsed strictly with libcsv), an optional
 * byte-order mark, and a header row naming the columns in any order:
 *
 *	company, deal (required), stage, amount, currency, owner, close_date,
 *	probability, next_step (optional)
 *
 * Header names are matched case-insensitively, with ' ' and '-' read as '_'.
 * A column the importer does not know is an error that names it.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1, the
 * first deal row 2 (blank lines are not counted). Every error names the row
 * and, for a value, the column: "row 4, column 'amount': '12x' is not an
 * amount".
 *
 * The import is all-or-nothing: every row is checked first (stage known,
 * owner an active user, amount a decimal in the workspace currency, date
 * valid); only when all pass are the deals created. svc.h offers no
 * transaction spanning several calls, so a failure while creating (a
 * concurrent change) is undone by deleting what the import had created.
 */
#ifndef LITECRM_IMPORT_H
#define LITECRM_IMPORT_H

#include <stddef.h>

#include "err.h"
#include "store.h"
#include "svc.h"

/* Caps: the whole file, one field, data rows, columns of the header. */
#define IMPORT_MAX_BYTES   (16u << 20)
#define IMPORT_MAX_FIELD   (64u << 10)
#define IMPORT_MAX_ROWS	   100000
#define IMPORT_MAX_COLUMNS 32

/* The columns the importer knows. */
enum import_col {
	IMPORT_COL_COMPANY = 0,
	IMPORT_COL_DEAL,
	IMPORT_COL_STAGE,
	IMPORT_COL_AMOUNT,
	IMPORT_COL_CURRENCY,
	IMPORT_COL_OWNER,
	IMPORT_COL_CLOSE_DATE,
	IMPORT_COL_PROBABILITY,
	IMPORT_COL_NEXT_STEP,
	IMPORT_NCOLS
};

/* import_column_name returns the header name of column c ("close_date"). */
const char *import_column_name(enum import_col c);

/*
 * One data row as parsed: v[c] is the raw text of column c (not trimmed,
 * valid UTF-8, NUL-terminated), or NULL when the header has no such column.
 * The strings live until the row callback returns.
 */
struct import_row {
	size_t row; /* spreadsheet row number: the header is row 1 */
	const char *v[IMPORT_NCOLS];
};

/*
 * import_row_fn is called once per non-blank data row, in file order. It
 * returns 0 to go on, or a negative enum err (with e filled) to stop the
 * parse, which then returns that value.
 */
typedef int (*import_row_fn)(const struct import_row *r, void *ctx, struct errinfo *e);

/*
 * import_csv_parse reads data[0..len) (a leading UTF-8 BOM is skipped), maps
 * the header row, checks every row has as many fields as the header and that
 * every field is valid UTF-8 within IMPORT_MAX_FIELD bytes, and calls fn for
 * each data row. Touches no database. On success writes the number of data
 * rows into *rows (may be NULL) and returns 0; otherwise returns ERR_INVALID,
 * ERR_TOOBIG, ERR_NOMEM or fn's error, with e naming the row (and column).
 */
int import_csv_parse(const char *data, size_t len, import_row_fn fn, void *ctx, size_t *rows,
		     struct errinfo *e);

struct import_result {
	size_t rows;	       /* data rows checked */
	size_t imported;       /* deals created (0 for a dry run or a failure) */
	size_t error_row;      /* on a failing value: its row; else 0 (see the message) */
	char error_column[64]; /* on a failing value: its column; else "" */
};

/*
 * import_deals_csv imports the deals of a CSV file into the actor's
 * workspace, as that actor (the operator must name an owner on every row).
 * With dry_run set it only checks. res (required) is filled in every case;
 * returns 0 or a negative enum err with e's message naming the row and
 * column ("row 4, column 'amount': '12x' is not an amount").
 */
int import_deals_csv(struct store *st, const struct actor *a, const char *data, size_t len,
		     int dry_run, struct import_result *res, struct errinfo *e);

#endif
