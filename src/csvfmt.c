/*
 * csvfmt.c - header recognition and value parsing for imports (csvfmt.h).
 *
 * Headers are compared after csvfmt_norm() with case folded and the
 * separators ' ', '_', '-' and '.' dropped, so "Close Date", "close_date"
 * and "Deal - Expected close date" reduce to plain keys looked up in one
 * alias table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csvfmt.h"
#include "err.h"
#include "money.h"
#include "text.h"

static const char *const col_names[IMPORT_NCOLS] = {
    [IMPORT_COL_COMPANY] = "company",
    [IMPORT_COL_DEAL] = "deal",
    [IMPORT_COL_STAGE] = "stage",
    [IMPORT_COL_AMOUNT] = "amount",
    [IMPORT_COL_CURRENCY] = "currency",
    [IMPORT_COL_OWNER] = "owner",
    [IMPORT_COL_CLOSE_DATE] = "close_date",
    [IMPORT_COL_PROBABILITY] = "probability",
    [IMPORT_COL_NEXT_STEP] = "next_step",
    [IMPORT_COL_EXTERNAL_ID] = "external_id",
    [IMPORT_COL_WEBSITE] = "website",
    [IMPORT_COL_PHONE] = "phone",
    [IMPORT_COL_NAME] = "name",
    [IMPORT_COL_TITLE] = "title",
    [IMPORT_COL_EMAIL] = "email",
};

/* Known headers of other systems, as keys (see the file comment). */
static const struct alias {
	const char *key;
	int col;
	enum csvfmt_source source;
} aliases[] = {
    /* Salesforce opportunity report, English */
    {"opportunityname", IMPORT_COL_DEAL, CSVFMT_SALESFORCE},
    {"accountname", IMPORT_COL_COMPANY, CSVFMT_SALESFORCE},
    {"opportunityowner", IMPORT_COL_OWNER, CSVFMT_SALESFORCE},
    {"probability(%)", IMPORT_COL_PROBABILITY, CSVFMT_SALESFORCE},
    {"opportunityid", IMPORT_COL_EXTERNAL_ID, CSVFMT_SALESFORCE},
    {"opportunitycurrency", IMPORT_COL_CURRENCY, CSVFMT_SALESFORCE},
    {"amountcurrency", IMPORT_COL_CURRENCY, CSVFMT_SALESFORCE},
    /* Salesforce opportunity report, zh-TW */
    {"商機名稱", IMPORT_COL_DEAL, CSVFMT_SALESFORCE},
    {"客戶名稱", IMPORT_COL_COMPANY, CSVFMT_SALESFORCE},
    {"階段", IMPORT_COL_STAGE, CSVFMT_SALESFORCE},
    {"金額", IMPORT_COL_AMOUNT, CSVFMT_SALESFORCE},
    {"結束日期", IMPORT_COL_CLOSE_DATE, CSVFMT_SALESFORCE},
    {"商機所有人", IMPORT_COL_OWNER, CSVFMT_SALESFORCE},
    {"機率(%)", IMPORT_COL_PROBABILITY, CSVFMT_SALESFORCE},
    {"下一步", IMPORT_COL_NEXT_STEP, CSVFMT_SALESFORCE},
    {"商機id", IMPORT_COL_EXTERNAL_ID, CSVFMT_SALESFORCE},
    {"商機幣別", IMPORT_COL_CURRENCY, CSVFMT_SALESFORCE},
    /* HubSpot deals export */
    {"dealname", IMPORT_COL_DEAL, CSVFMT_HUBSPOT},
    {"dealstage", IMPORT_COL_STAGE, CSVFMT_HUBSPOT},
    {"dealowner", IMPORT_COL_OWNER, CSVFMT_HUBSPOT},
    {"recordid", IMPORT_COL_EXTERNAL_ID, CSVFMT_HUBSPOT},
    {"associatedcompany", IMPORT_COL_COMPANY, CSVFMT_HUBSPOT},
    {"dealprobability", IMPORT_COL_PROBABILITY, CSVFMT_HUBSPOT},
    {"currencycode", IMPORT_COL_CURRENCY, CSVFMT_HUBSPOT},
    {"companyname", IMPORT_COL_COMPANY, CSVFMT_HUBSPOT},
    {"phonenumber", IMPORT_COL_PHONE, CSVFMT_HUBSPOT},
    {"websiteurl", IMPORT_COL_WEBSITE, CSVFMT_HUBSPOT},
    {"jobtitle", IMPORT_COL_TITLE, CSVFMT_HUBSPOT},
    /* Pipedrive deals export */
    {"dealtitle", IMPORT_COL_DEAL, CSVFMT_PIPEDRIVE},
    {"dealvalue", IMPORT_COL_AMOUNT, CSVFMT_PIPEDRIVE},
    {"dealcurrency", IMPORT_COL_CURRENCY, CSVFMT_PIPEDRIVE},
    {"dealorganization", IMPORT_COL_COMPANY, CSVFMT_PIPEDRIVE},
    {"dealstage", IMPORT_COL_STAGE, CSVFMT_PIPEDRIVE},
    {"dealowner", IMPORT_COL_OWNER, CSVFMT_PIPEDRIVE},
    {"dealexpectedclosedate", IMPORT_COL_CLOSE_DATE, CSVFMT_PIPEDRIVE},
    {"dealid", IMPORT_COL_EXTERNAL_ID, CSVFMT_PIPEDRIVE},
    {"dealprobability", IMPORT_COL_PROBABILITY, CSVFMT_PIPEDRIVE},
    {"dealnextactivitysubject", IMPORT_COL_NEXT_STEP, CSVFMT_PIPEDRIVE},
    /* headers several systems share, read as litecrm's */
    {"closedate", IMPORT_COL_CLOSE_DATE, CSVFMT_LITECRM},
    {"nextstep", IMPORT_COL_NEXT_STEP, CSVFMT_LITECRM},
    {"externalid", IMPORT_COL_EXTERNAL_ID, CSVFMT_LITECRM},
    {"organization", IMPORT_COL_COMPANY, CSVFMT_LITECRM},
};

const char *csvfmt_column_name(int c)
{
	return c >= 0 && c < IMPORT_NCOLS ? col_names[c] : "?";
}

const char *csvfmt_source_name(enum csvfmt_source s)
{
	static const char *const names[] = {"litecrm", "salesforce", "hubspot", "pipedrive"};

	return (unsigned)s < 4 ? names[s] : "?";
}

/* header_key reduces a header to its key: csvfmt_norm, then no separators. */
static void header_key(const char *cell, char *out, size_t outsz)
{
	char norm[256];
	size_t i, o = 0;

	csvfmt_norm(cell, 1, norm, sizeof(norm));
	for (i = 0; norm[i] && o + 1 < outsz; i++)
		if (!strchr(" _-.", norm[i]))
			out[o++] = norm[i];
	out[o] = '\0';
}

int csvfmt_column_parse(const char *name)
{
	char key[64], ckey[64];
	int c;

	header_key(name, key, sizeof(key));
	for (c = 0; c < IMPORT_NCOLS; c++) {
		header_key(col_names[c], ckey, sizeof(ckey));
		if (key[0] && strcmp(key, ckey) == 0)
			return c;
	}
	return -1;
}

int csvfmt_header(const char *cell, enum csvfmt_source *source)
{
	char key[256];
	size_t i;
	int c = csvfmt_column_parse(cell);

	if (c >= 0) {
		if (source)
			*source = CSVFMT_LITECRM;
		return c;
	}
	header_key(cell, key, sizeof(key));
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (strcmp(aliases[i].key, key) == 0) {
			if (source)
				*source = aliases[i].source;
			return aliases[i].col;
		}
	}
	return -1;
}

/* ---- normalisation ---- */

size_t csvfmt_norm(const char *s, int fold, char *out, size_t outsz)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	int space = 0;

	if (outsz == 0)
		return 0;
	while (*p) {
		unsigned char c = *p;
		size_t n = 1;
		char ch = 0;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
			space = 1;
			p++;
			continue;
		}
		if (c == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
			space = 1;
			p += 3;
			continue;
		}
		if (c == 0xEF && p[1] >= 0xBC && p[1] <= 0xBD && p[2] >= 0x80 && p[2] <= 0xBF) {
			unsigned cp = 0xF000 | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);

			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				ch = (char)(cp - 0xFF01 + 0x21);
				n = 3;
			}
		}
		if (space && o > 0) {
			if (o + 1 >= outsz)
				break;
			out[o++] = ' ';
		}
		space = 0;
		if (ch) {
			if (o + 1 >= outsz)
				break;
			out[o++] = fold && ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
			p += n;
			continue;
		}
		/* One whole UTF-8 sequence, or nothing when it does not fit. */
		n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
		for (size_t k = 1; k < n; k++)
			if (!p[k])
				n = k;
		if (o + n >= outsz)
			break;
		for (size_t k = 0; k < n; k++)
			out[o++] = fold && p[k] >= 'A' && p[k] <= 'Z' ? (char)(p[k] - 'A' + 'a')
								      : (char)p[k];
		p += n;
	}
	out[o] = '\0';
	return o;
}

int csvfmt_same_name(const char *a, const char *b)
{
	char na[CAP_NAME * 2 + 1], nb[CAP_NAME * 2 + 1];

	csvfmt_norm(a, 1, na, sizeof(na));
	csvfmt_norm(b, 1, nb, sizeof(nb));
	return strcmp(na, nb) == 0;
}

/* ---- values ---- */

/* strip_prefix drops prefix p (ASCII, case-insensitive) from *s; 1 when it did. */
static int strip_prefix(const char **s, const char *p)
{
	size_t n = strlen(p);

	if (strncasecmp(*s, p, n) != 0)
		return 0;
	*s += n;
	while (**s == ' ')
		(*s)++;
	return 1;
}

/* strip_suffix drops suffix p from buf[0..*n); 1 when it did. */
static int strip_suffix(char *buf, size_t *n, const char *p)
{
	size_t k = strlen(p);

	if (*n < k || strncasecmp(buf + *n - k, p, k) != 0)
		return 0;
	*n -= k;
	while (*n && buf[*n - 1] == ' ')
		(*n)--;
	buf[*n] = '\0';
	return 1;
}

int csvfmt_amount(const char *s, int digits, int64_t *out)
{
	static const char *const marks[] = {"NT$", "US$", "NTD", "TWD", "USD", "$"};
	char norm[96], plain[96];
	const char *p;
	size_t n, i, o = 0, run = 0;
	int shift = 0, commas = 0, ok = 1;
	int64_t v;

	if (csvfmt_norm(s, 0, norm, sizeof(norm)) >= sizeof(norm) - 1 || digits < 0)
		return ERR_INVALID;
	p = norm;
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strip_prefix(&p, marks[i]))
			break;
	memmove(norm, p, strlen(p) + 1);
	n = strlen(norm);
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (strip_suffix(norm, &n, marks[i]))
			break;
	strip_suffix(norm, &n, "元");
	if (strip_suffix(norm, &n, "萬") || strip_suffix(norm, &n, "万"))
		shift = 4;
	else if (strip_suffix(norm, &n, "億") || strip_suffix(norm, &n, "亿"))
		shift = 8;
	if (n == 0 || norm[0] == '-')
		return ERR_INVALID;
	/* Thousands separators: only where they group by three before the point. */
	for (i = 0; i < n && norm[i] != '.'; i++) {
		if (norm[i] >= '0' && norm[i] <= '9') {
			run++;
		} else if (norm[i] == ',') {
			ok = ok && run > 0 && (commas ? run == 3 : run <= 3);
			commas++;
			run = 0;
		} else {
			return ERR_INVALID;
		}
	}
	if (commas && (!ok || run != 3))
		return ERR_INVALID;
	for (i = 0; i < n; i++)
		if (norm[i] != ',')
			plain[o++] = norm[i];
	plain[o] = '\0';
	if (money_parse(plain, digits + shift, &v) != 0 || v < 0)
		return ERR_INVALID;
	*out = v;
	return 0;
}

int csvfmt_date_order_parse(const char *s, enum csvfmt_date_order *out)
{
	if (!strcmp(s, "auto") || !strcmp(s, "ymd"))
		*out = CSVFMT_DATE_AUTO;
	else if (!strcmp(s, "mdy"))
		*out = CSVFMT_DATE_MDY;
	else if (!strcmp(s, "dmy"))
		*out = CSVFMT_DATE_DMY;
	else
		return ERR_INVALID;
	return 0;
}

/* number reads 1-max digits at *p; -1 when there are none or too many. */
static int number(const char **p, int max)
{
	int v = 0, n = 0;

	while (**p >= '0' && **p <= '9') {
		if (++n > max)
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return n ? v : -1;
}

/* sep reads one date separator ('-', '/', '.', or the given UTF-8 word); 0 when none. */
static int sep(const char **p, const char *word)
{
	if (**p == '-' || **p == '/' || **p == '.') {
		(*p)++;
		return 1;
	}
	if (word && strncmp(*p, word, strlen(word)) == 0) {
		*p += strlen(word);
		return 1;
	}
	return 0;
}

int csvfmt_date(const char *s, enum csvfmt_date_order order, char out[DATE_LEN])
{
	char buf[DATE_LEN + 8];
	const char *p = s;
	int a, b, c, y, m, d;

	while (*p == ' ')
		p++;
	a = number(&p, 4);
	if (a < 0 || !sep(&p, "年"))
		return ERR_INVALID;
	b = number(&p, 2);
	if (b < 0 || !sep(&p, "月"))
		return ERR_INVALID;
	c = number(&p, 4);
	if (c < 0)
		return ERR_INVALID;
	if (strncmp(p, "日", strlen("日")) == 0)
		p += strlen("日");
	if (*p && *p != ' ' && *p != 'T')
		return ERR_INVALID;
	if (a >= 1000) { /* year first */
		if (c > 31)
			return ERR_INVALID;
		y = a, m = b, d = c;
	} else {
		if (c < 1000)
			return ERR_INVALID;
		y = c;
		if (order == CSVFMT_DATE_MDY) {
			m = a, d = b;
		} else if (order == CSVFMT_DATE_DMY) {
			d = a, m = b;
		} else if (a > 12 && b <= 12) {
			d = a, m = b;
		} else if (b > 12 && a <= 12) {
			m = a, d = b;
		} else if (a == b) {
			m = a, d = b;
		} else {
			return ERR_CONFLICT;
		}
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", y, m, d);
	if (!date_valid(buf))
		return ERR_INVALID;
	memcpy(out, buf, DATE_LEN);
	return 0;
}

int csvfmt_percent(const char *s, int *out)
{
	char norm[32];
	char *end;
	double v;
	size_t n;

	csvfmt_norm(s, 0, norm, sizeof(norm));
	n = strlen(norm);
	strip_suffix(norm, &n, "%");
	if (n == 0)
		return ERR_INVALID;
	v = strtod(norm, &end);
	if (end == norm || *end != '\0' || v < 0 || v > 100 || v != (double)(int)v)
		return ERR_INVALID;
	*out = (int)v;
	return 0;
}
