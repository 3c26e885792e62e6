/*
 * import.h - bulk import of deals, companies and contacts from CSV, for every
 * front door (the CLI's `litecrm import KIND FILE`, the API's
 * POST /api/v1/import/deals).
 *
 * The file: CSV (RFC 4180, parsed strictly with libcsv; a tab-separated file
 * such as Excel's "Unicode text" is recognised by its header row) in UTF-8
 * with or without a byte-order mark, UTF-16LE/BE with a BOM, or Big5/CP950;
 * detected, or named (import_opts.encoding). A header row names the columns
 * in any order: litecrm's own names (csvfmt.h: company, deal, stage, amount,
 * currency, owner, close_date, probability, next_step, external_id; for
 * companies website and phone; for contacts name, title, email, phone), the
 * headers of a Salesforce opportunity report (English or zh-TW), a HubSpot
 * deals export or a Pipedrive deals export, or what --map says
 * ("Deal Title=deal,Value=amount,Colour=-": '-' ignores a column). A column
 * nobody knows is an error that names it, except in a recognised export of
 * another system, where it is ignored and listed in the result.
 *
 * Rows are numbered as a spreadsheet shows them: the header is row 1, the
 * first data row 2 (blank lines are not counted). Every error names the row
 * and, for a value, the column: "row 4, column 'amount': '12x' is not an
 * amount".
 *
 * All-or-nothing by default: every row is checked first; only when all pass
 * are the records written, in one transaction (svc_batch_begin), so a
 * failure leaves the database as it was. With skip_bad the rows that fail
 * their check are left out and listed in the result's rejects instead. A
 * deal row whose external_id was imported before updates that deal.
 */
#ifndef LITECRM_IMPORT_H
#define LITECRM_IMPORT_H

#include <stddef.h>

#include "csvfmt.h"
#include "err.h"
#include "store.h"
#include "svc.h"

/* Caps: the whole file, one field, data rows, columns of the header. */
#define IMPORT_MAX_BYTES   (1024u << 20)
#define IMPORT_MAX_FIELD   (64u << 10)
#define IMPORT_MAX_ROWS	   5000000
#define IMPORT_MAX_COLUMNS 256

/* import_column_name returns the header name of column c ("close_date"). */
const char *import_column_name(enum import_col c);

/*
 * One data row as parsed: v[c] is the raw text of column c (not trimmed,
 * valid UTF-8, NUL-terminated), or NULL when the header has no such column;
 * field[0..nfield) are all the fields of the record as read. The strings
 * live until the row callback returns.
 */
struct import_row {
	size_t row; /* spreadsheet row number: the header is row 1 */
	const char *v[IMPORT_NCOLS];
	const char *const *field;
	size_t nfield;
};

/*
 * import_row_fn is called once per non-blank data row, in file order. It
 * returns 0 to go on, or a negative enum err (with e filled) to stop the
 * parse, which then returns that value.
 */
typedef int (*import_row_fn)(const struct import_row *r, void *ctx, struct errinfo *e);

/* What is imported. */
enum import_kind { IMPORT_DEALS = 0, IMPORT_COMPANIES, IMPORT_CONTACTS };

/* import_kind_parse maps "deals", "companies", "contacts" to *out; 0 or ERR_INVALID. */
int import_kind_parse(const char *s, enum import_kind *out);

/* How the header is read. */
struct import_header_opts {
	enum import_kind kind;
	const char *map; /* "Header=column,..." or NULL */
	/* Written by the parse: the source recognised, and the columns ignored. */
	enum csvfmt_source source;
	char ignored[256];
	/*
	 * With keep_cells set, the parse also keeps the header row: cells[i]
	 * (malloc'd) and cols[i] (its column, or -1 when ignored or unknown)
	 * for i < ncells; import_header_release frees them. Kept even when the
	 * header fails, so a caller can show what it read.
	 */
	int keep_cells;
	char **cells;
	int *cols;
	size_t ncells;
};
/* import_header_release frees the cells an import_header_opts kept. */
void import_header_release(struct import_header_opts *h);

/*
 * import_csv_parse reads UTF-8 data[0..len) (a leading BOM is skipped) as a
 * deals file: maps the header row, checks every row has as many fields as
 * the header and that every field is valid UTF-8 within IMPORT_MAX_FIELD
 * bytes, and calls fn for each data row. Touches no database. On success
 * writes the number of data rows into *rows (may be NULL) and returns 0;
 * otherwise returns ERR_INVALID, ERR_TOOBIG, ERR_NOMEM or fn's error, with
 * e naming the row (and column).
 */
int import_csv_parse(const char *data, size_t len, import_row_fn fn, void *ctx, size_t *rows,
		     struct errinfo *e);
/* import_csv_parse_opts is import_csv_parse for any kind and map (h required). */
int import_csv_parse_opts(const char *data, size_t len, struct import_header_opts *h,
			  import_row_fn fn, void *ctx, size_t *rows, struct errinfo *e);

/*
 * import_decode turns data[0..len) in encoding enc (NULL or "auto":
 * detected: a BOM, else valid UTF-8, else UTF-16 by its zero bytes, else
 * CP950) into UTF-8. When the data is UTF-8 already *out is NULL and
 * nothing is copied; otherwise *out is a new buffer (free() it) of *outlen
 * bytes. name (16 bytes) receives the encoding used. Returns 0 or
 * ERR_INVALID ("import.encoding") naming where the text stops making sense.
 */
int import_decode(const char *data, size_t len, const char *enc, char **out, size_t *outlen,
		  char name[16], struct errinfo *e);

/* A row left out by skip_bad, and why. */
struct import_reject {
	size_t row;
	char column[64];
	char reason[256];
	char *line; /* the row's fields as one CSV line (malloc'd) */
};

struct import_opts {
	enum import_kind kind;
	int dry_run;
	int skip_bad;
	const char *encoding; /* NULL: detect */
	const char *map;      /* NULL: none */
	enum csvfmt_date_order date_order;
	/* Called now and then with the bytes read so far of 2 x len (two passes); may be NULL. */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
	size_t preview; /* keep this many first data rows in the result (a preview) */
};

/* A data row kept for a preview: its fields as read. */
struct import_preview_row {
	size_t row;
	char **field;
	size_t nfield;
};

struct import_result {
	size_t rows;	       /* data rows read */
	size_t imported;       /* records created or updated (0 for a dry run or failure) */
	size_t created;	       /* of which created */
	size_t updated;	       /* of which updated (an external id seen before) */
	size_t companies;      /* companies created along (deals, contacts) */
	size_t error_row;      /* on a failing value: its row; else 0 (see the message) */
	char error_column[64]; /* on a failing value: its column; else "" */
	char encoding[16];     /* the encoding read */
	enum csvfmt_source source;
	char ignored[256]; /* header cells ignored, quoted and comma-separated */
	struct import_reject *rejects;
	size_t nrejects;
	/* The header row read (see import_header_opts.cells) and the preview rows. */
	struct import_header_opts header;
	struct import_preview_row *preview;
	size_t npreview;
};
/*
 * import_rejects_csv writes res's rejects as a CSV file (a UTF-8 BOM, then
 * row, column, reason and the row itself as one CSV line) into a new string
 * of *len bytes (free() it); NULL when out of memory.
 */
char *import_rejects_csv(const struct import_result *res, size_t *len);
/* import_column_allowed: 1 when column c (enum import_col) belongs to an import of kind k. */
int import_column_allowed(enum import_kind k, int c);
/* import_result_release frees the rejects, header and preview of r. */
void import_result_release(struct import_result *r);

/*
 * import_run imports data[0..len) into the actor's workspace, as that actor
 * (the operator must name an owner on every deal row). res (required) is
 * filled in every case; release it with import_result_release(). Returns 0
 * or a negative enum err with e's message naming the row and column.
 */
int import_run(struct store *st, const struct actor *a, const char *data, size_t len,
	       const struct import_opts *o, struct import_result *res, struct errinfo *e);

/* import_deals_csv is import_run of deals with only dry_run set. */
int import_deals_csv(struct store *st, const struct actor *a, const char *data, size_t len,
		     int dry_run, struct import_result *res, struct errinfo *e);

#endif
