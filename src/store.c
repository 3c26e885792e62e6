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

/* ---- the deals a transaction touched (store_int.h) ---- */

int deal_set_add(struct deal_set *set, int64_t ws, int64_t id, int fresh)
{
	/* a create writes the deal, then its history row: the same key twice in a row */
	if (set->n && set->v[set->n - 1].ws == ws && set->v[set->n - 1].id == id) {
		set->v[set->n - 1].fresh |= fresh;
		return 0;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 64;
		struct deal_key *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return ERR_NOMEM;
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n].ws = ws;
	set->v[set->n].id = id;
	set->v[set->n].fresh = fresh;
	set->n++;
	return 0;
}

void deal_set_drop(struct deal_set *set, int64_t ws, int64_t id)
{
	size_t j = 0;

	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].ws != ws || set->v[i].id != id)
			set->v[j++] = set->v[i];
	set->n = j;
}

void deal_set_settle(struct deal_set *set, int64_t ws, int64_t id)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->v[i].ws == ws && (!id || set->v[i].id == id))
			set->v[i].fresh = 0;
}

static int deal_key_cmp(const void *a, const void *b)
{
	const struct deal_key *x = a, *y = b;

	if (x->ws != y->ws)
		return x->ws < y->ws ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* deal_set_sort leaves each deal once, in order, fresh when one of its entries was. */
static void deal_set_sort(struct deal_set *set)
{
	size_t j = 0;

	if (set->n < 2)
		return;
	qsort(set->v, set->n, sizeof(*set->v), deal_key_cmp);
	for (size_t i = 1; i < set->n; i++)
		if (deal_key_cmp(&set->v[i], &set->v[j]))
			set->v[++j] = set->v[i];
		else
			set->v[j].fresh |= set->v[i].fresh;
	set->n = j + 1;
}

int deal_set_flush(struct deal_set *set, int (*rows)(void *ctx, int64_t ws, int64_t id, int fresh),
		   void *ctx)
{
	int rc = 0;

	deal_set_sort(set);
	for (size_t i = 0; i < set->n && !rc; i++)
		rc = rows(ctx, set->v[i].ws, set->v[i].id, set->v[i].fresh);
	set->n = 0;
	return rc;
}

void deal_set_free(struct deal_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = set->cap = 0;
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
