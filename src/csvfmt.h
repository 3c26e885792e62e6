/*
 * csvfmt.h - the formats of the spreadsheets and CRM exports people import:
 * which column a header names (litecrm's own names, a Salesforce opportunity
 * report in English or zh-TW, a HubSpot deals export, a Pipedrive deals
 * export, or an explicit --map), and values as people type them (amounts
 * "NT$1,234,567", "1,234.50", "12.5萬"; dates "2026/11/27", "2026-11-27",
 * "11/27/2026"), plus the one text normalisation that makes
 * "ＣＣＣ營造股份有限公司" and "CCC營造股份有限公司 " the same company.
 *
 * Pure domain: no files, no database, no encodings (the text is UTF-8 here).
 */
#ifndef LITECRM_CSVFMT_H
#define LITECRM_CSVFMT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* The columns an import knows; which apply depends on the kind imported. */
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
	IMPORT_COL_EXTERNAL_ID,
	IMPORT_COL_WEBSITE,
	IMPORT_COL_PHONE,
	IMPORT_COL_NAME, /* a contact's name */
	IMPORT_COL_TITLE,
	IMPORT_COL_EMAIL,
	IMPORT_NCOLS
};

/* The exports whose headers are recognised. */
enum csvfmt_source {
	CSVFMT_LITECRM = 0, /* litecrm's own names ("company", "close_date") */
	CSVFMT_SALESFORCE,
	CSVFMT_HUBSPOT,
	CSVFMT_PIPEDRIVE
};

/* csvfmt_column_name returns the canonical name of column c ("close_date"), or "?". */
const char *csvfmt_column_name(int c);
/* csvfmt_column_parse maps a canonical name ("amount", "close date") to a column, or -1. */
int csvfmt_column_parse(const char *name);
/* csvfmt_source_name returns "litecrm", "salesforce", "hubspot" or "pipedrive". */
const char *csvfmt_source_name(enum csvfmt_source s);

/*
 * csvfmt_header maps one header cell to a column: litecrm's names, then the
 * known headers of every source. *source (may be NULL) receives the source
 * whose header it is (CSVFMT_LITECRM for litecrm's own). Returns the column
 * or -1.
 */
int csvfmt_header(const char *cell, enum csvfmt_source *source);

/*
 * csvfmt_norm writes s normalised for comparing names into out (size outsz,
 * cut at a character boundary when longer): full-width ASCII (U+FF01-FF5E)
 * becomes ASCII, U+3000 and runs of white space become one space, leading
 * and trailing space goes; with fold, ASCII letters are lower-cased.
 * Returns the length written.
 */
size_t csvfmt_norm(const char *s, int fold, char *out, size_t outsz);

/* csvfmt_same_name: 1 when a and b are equal after csvfmt_norm(fold = 1). */
int csvfmt_same_name(const char *a, const char *b);

/*
 * csvfmt_amount reads an amount as people type it into minor units of a
 * currency with digits digits: an optional currency mark ("NT$", "$", "US$",
 * "TWD", "NTD", "元"), thousands separators placed as such ("1,234,567"),
 * full-width digits, and a 萬 (x10,000) or 億 (x100,000,000) suffix
 * ("12.5萬"). Returns 0, or ERR_INVALID (not an amount, more precision than
 * the currency has, negative, or over MONEY_MAX).
 */
int csvfmt_amount(const char *s, int digits, int64_t *out);

/* Day order of dates written with the year last ("11/27/2026"). */
enum csvfmt_date_order {
	CSVFMT_DATE_AUTO = 0, /* decided by a part over 12; otherwise ambiguous */
	CSVFMT_DATE_MDY,
	CSVFMT_DATE_DMY
};
/* csvfmt_date_order_parse maps "auto", "mdy", "dmy" (also "ymd": auto) to *out. */
int csvfmt_date_order_parse(const char *s, enum csvfmt_date_order *out);

/*
 * csvfmt_date reads a date into out ("YYYY-MM-DD"): year first with '-',
 * '/' or '.' ("2026/11/27", "2026-1-5"), "2026年11月27日", or year last
 * ("11/27/2026") in the given order; a time after a space or 'T' is
 * ignored. Returns 0, ERR_INVALID when it is no calendar date, or
 * ERR_CONFLICT when the order is CSVFMT_DATE_AUTO and both month and day
 * could be either ("05/06/2026").
 */
int csvfmt_date(const char *s, enum csvfmt_date_order order, char out[DATE_LEN]);

/* csvfmt_percent reads "50", "50%", "50.0 %" (0-100) into *out; 0 or ERR_INVALID. */
int csvfmt_percent(const char *s, int *out);

#endif
