/*
 * store.c - the backend-independent part of the store: choosing a backend by
 * URL, the clock the store stamps rows with, filter defaults and the release
 * functions of the lists every backend returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "store.h"
#include "store_int.h"

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_pg_url(const char *url)
{
	return has_prefix(url, "postgresql://") || has_prefix(url, "postgres://");
}

int store_open(const char *url, int create, struct store **out, char *errbuf, size_t errsz)
{
	if (!url || !*url) {
		if (errsz)
			snprintf(errbuf, errsz, "no database given");
		return ERR_INVALID;
	}
	if (is_pg_url(url))
		return store_pg_open(url, create, out, errbuf, errsz);
	return store_sqlite_open(url, create, out, errbuf, errsz);
}

int store_writers(const char *url, int cores)
{
	if (url && is_pg_url(url))
		return cores > 0 ? cores : 1;
	return 1;
}

void store_now(char buf[TS_LEN])
{
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, TS_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, TS_LEN, "1970-01-01T00:00:00Z");
}

void deal_filter_init(struct deal_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->status = -1;
	f->amount_min = -1;
	f->amount_max = -1;
	f->sort = DEAL_SORT_ID;
	f->desc = 1;
	f->limit = 50;
}

int deal_filter_narrows(const struct deal_filter *f)
{
	return f->stage_id != 0 || f->status >= 0 || f->company_id != 0 || f->amount_min >= 0 ||
	       f->amount_max >= 0 || f->q[0] != 0;
}

/*
 * Every list is an array v of n records owning no other memory: release frees
 * the array and leaves an empty list, so releasing twice is harmless.
 */
#define LIST_RELEASE(l)                                                                            \
	do {                                                                                       \
		if (l) {                                                                           \
			free((l)->v);                                                              \
			(l)->v = NULL;                                                             \
			(l)->n = 0;                                                                \
		}                                                                                  \
	} while (0)

void deal_list_release(struct deal_list *l)
{
	LIST_RELEASE(l);
	if (l)
		l->total = -1;
}

void stage_list_release(struct stage_list *l)
{
	LIST_RELEASE(l);
}

void user_list_release(struct user_list *l)
{
	LIST_RELEASE(l);
}

void company_list_release(struct company_list *l)
{
	LIST_RELEASE(l);
}

void contact_list_release(struct contact_list *l)
{
	LIST_RELEASE(l);
}

void workspace_list_release(struct workspace_list *l)
{
	LIST_RELEASE(l);
}

void history_list_release(struct history_list *l)
{
	LIST_RELEASE(l);
}

void stage_sum_list_release(struct stage_sum_list *l)
{
	LIST_RELEASE(l);
}

void board_card_list_release(struct board_card_list *l)
{
	LIST_RELEASE(l);
}

void token_list_release(struct token_list *l)
{
	LIST_RELEASE(l);
}

void audit_list_release(struct audit_list *l)
{
	LIST_RELEASE(l);
}

void trash_list_release(struct trash_list *l)
{
	LIST_RELEASE(l);
}
