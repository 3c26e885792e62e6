/*
 * report.c - the arithmetic of the sales-cycle reports (see report.h).
 *
 * Everything works on plain arrays built by svc_report.c: no SQL, no clock.
 * Grouped figures sort a small array of (key, deal) pairs and walk its runs;
 * statistics sort a scratch array of durations. Times are seconds since the
 * epoch, converted from and to text here with the proleptic Gregorian
 * calendar (no time zones: every stored time is UTC).
 */
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hashmap.h"
#include "money.h"
#include "report.h"

/* ---- time ---- */

/* days_from_civil: days since 1970-01-01 of y-m-d (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* digits reads n decimal digits at s into *out; 0 when they are not all digits. */
static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

static int month_days(int y, int m)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

int report_time_parse(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0;
	size_t i;

	if (!s || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return ERR_INVALID;
	if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || y < 1900)
		return ERR_INVALID;
	if (s[10] != '\0') {
		if ((s[10] != 'T' && s[10] != ' ') || !digits(s + 11, 2, &h) || s[13] != ':' ||
		    !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
			return ERR_INVALID;
		if (h > 23 || mi > 59 || se > 60)
			return ERR_INVALID;
		i = 19;
		if (s[i] == '.')
			for (i++; s[i] >= '0' && s[i] <= '9'; i++)
				;
		if (strcmp(s + i, "Z") != 0 && strcmp(s + i, "+00:00") != 0)
			return ERR_INVALID;
	}
	*out = days_from_civil(y, mo, d) * REPORT_DAY + h * 3600 + mi * 60 + se;
	return 0;
}

void report_time_format(int64_t t, char out[TS_LEN])
{
	int64_t days = t >= 0 ? t / REPORT_DAY : -((-t + REPORT_DAY - 1) / REPORT_DAY);
	int64_t rem = t - days * REPORT_DAY, y;
	char buf[80];
	size_t n;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)(y % 10000), m, d,
		 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
	n = strlen(buf);
	if (n >= TS_LEN)
		n = TS_LEN - 1;
	memcpy(out, buf, n);
	out[n] = '\0';
}

int report_date_end(const char *date, int64_t *out)
{
	int64_t t;

	if (!date || strlen(date) != 10 || report_time_parse(date, &t))
		return ERR_INVALID;
	*out = t + REPORT_DAY;
	return 0;
}

/* ---- periods ---- */

static int64_t period_code(int64_t y, int m, enum report_group g)
{
	return g == REPORT_GROUP_QUARTER ? y * 10 + (m - 1) / 3 + 1 : y * 100 + m;
}

int64_t report_period_of(int64_t t, enum report_group g)
{
	int64_t days = t >= 0 ? t / REPORT_DAY : -((-t + REPORT_DAY - 1) / REPORT_DAY), y;
	int m, d;

	civil_from_days(days, &y, &m, &d);
	return period_code(y, m, g);
}

int64_t report_period_of_date(const char *date, enum report_group g)
{
	int64_t t;

	if (!date || !date[0] || report_time_parse(date, &t))
		return 0;
	return report_period_of(t, g);
}

void report_period_name(int64_t code, enum report_group g, char out[16])
{
	if (g == REPORT_GROUP_QUARTER)
		snprintf(out, 16, "%04d-Q%d", (int)(code / 10 % 100000), (int)(code % 10));
	else
		snprintf(out, 16, "%04d-%02d", (int)(code / 100 % 100000), (int)(code % 100));
}

int64_t report_period_next(int64_t code, enum report_group g)
{
	if (g == REPORT_GROUP_QUARTER)
		return code % 10 == 4 ? (code / 10 + 1) * 10 + 1 : code + 1;
	return code % 100 == 12 ? (code / 100 + 1) * 100 + 1 : code + 1;
}

/* ---- numbers ---- */

int64_t report_div_round(int64_t num, int64_t den)
{
	__int128 n = num, dd = den, q;

	if (dd < 0) {
		n = -n;
		dd = -dd;
	}
	q = n >= 0 ? (2 * n + dd) / (2 * dd) : -((-2 * n + dd) / (2 * dd));
	return (int64_t)q;
}

int64_t report_days100(int64_t seconds)
{
	return report_div_round(seconds * 100, REPORT_DAY);
}

int64_t report_rate_bp(int64_t num, int64_t den)
{
	if (den == 0)
		return -1;
	return (int64_t)report_div_round(num * 10000, den);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * select_nth rearranges v[0..n) so that v[k] holds what a full sort would
 * put there, with no larger value before it and no smaller one after it
 * (quickselect, median-of-three pivot; a sort after 64 rounds bounds the
 * worst case). O(n) and no memory: the medians of a million durations need
 * no sort.
 */
static void select_nth(int64_t *v, size_t n, size_t k)
{
	int64_t lo = 0, hi = (int64_t)n - 1, want = (int64_t)k;

	for (int round = 0; hi > lo; round++) {
		int64_t i = lo, j = hi, mid = lo + (hi - lo) / 2, a = v[lo], b = v[mid], c = v[hi];
		int64_t pivot =
		    a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));

		if (round == 64) {
			if ((size_t)(hi - lo + 1) > 1)
				qsort(v + lo, (size_t)(hi - lo + 1), sizeof(*v), cmp_i64);
			return;
		}
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (want <= j)
			hi = j;
		else if (want >= i)
			lo = i;
		else
			return; /* v[j + 1 .. i - 1] all equal the pivot */
	}
}

void report_stats_of(int64_t *v, size_t n, struct report_stats *out)
{
	int64_t sum = 0, below;

	memset(out, 0, sizeof(*out));
	out->mean = out->median = -1;
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	out->count = (int64_t)n;
	out->sum = sum;
	out->mean = report_div_round(sum, (int64_t)n);
	select_nth(v, n, n / 2);
	if (n % 2) {
		out->median = v[n / 2];
		return;
	}
	/* The other middle value: the largest of those before v[n / 2]. */
	below = v[0];
	for (size_t i = 1; i < n / 2; i++)
		if (v[i] > below)
			below = v[i];
	out->median = report_div_round(below + v[n / 2], 2);
}

/* ---- the input ---- */

void report_history_spans(const int64_t *dids, struct report_span *sp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sp[i].to = i + 1 < n && dids[i + 1] == dids[i] ? sp[i + 1].from : REPORT_OPEN_END;
}

const struct report_stage *report_stage_find(const struct report_input *in, int64_t id)
{
	for (size_t i = 0; i < in->nstages; i++)
		if (in->stages[i].id == id)
			return &in->stages[i];
	return NULL;
}

void report_input_link(struct report_input *in)
{
	size_t j = 0;

	for (size_t i = 0; i < in->ndeals; i++) {
		struct report_deal *d = &in->deals[i];
		const struct report_stage *s = report_stage_find(in, d->stage_id);

		while (j < in->nspans && in->span_deal[j] < d->id)
			j++;
		d->span0 = j;
		while (j < in->nspans && in->span_deal[j] == d->id)
			j++;
		d->nspans = j - d->span0;
		d->kind = s ? s->kind : STAGE_OPEN;
		d->entered = d->nspans ? in->spans[j - 1].from : d->created;
	}
}

/*
 * spans_of returns the deal's spans, or one made up in *tmp for a deal
 * without history: its current stage since its creation.
 */
static const struct report_span *spans_of(const struct report_input *in,
					  const struct report_deal *d, struct report_span *tmp,
					  size_t *n)
{
	if (d->nspans) {
		*n = d->nspans;
		return in->spans + d->span0;
	}
	tmp->stage_id = d->stage_id;
	tmp->from = d->created;
	tmp->to = REPORT_OPEN_END;
	*n = 1;
	return tmp;
}

void report_keep_reached(struct report_input *in, int64_t stage_id)
{
	size_t o = 0;

	for (size_t i = 0; i < in->ndeals; i++) {
		const struct report_deal *d = &in->deals[i];
		struct report_span tmp;
		size_t n;
		const struct report_span *sp = spans_of(in, d, &tmp, &n);
		int keep = d->stage_id == stage_id;

		for (size_t k = 0; k < n && !keep; k++)
			keep = sp[k].stage_id == stage_id;
		if (keep)
			in->deals[o++] = *d;
	}
	in->ndeals = o;
}

int64_t report_stage_at(const struct report_input *in, const struct report_deal *d, int64_t t)
{
	struct report_span tmp;
	size_t n;
	const struct report_span *sp = spans_of(in, d, &tmp, &n);

	if (d->created >= t)
		return 0;
	for (size_t k = n; k-- > 0;)
		if (sp[k].from < t)
			return sp[k].stage_id;
	/* History that starts after the creation: the first stage known. */
	return sp[0].stage_id;
}

int64_t report_closed_at(const struct report_deal *d)
{
	return d->kind == STAGE_OPEN ? -1 : d->entered;
}

static int64_t cycle_of(const struct report_deal *d)
{
	int64_t s = d->entered - d->created;

	return s < 0 ? 0 : s;
}

/* ---- grouping ---- */

struct keyed {
	int64_t key;
	size_t deal;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->deal < y->deal ? -1 : x->deal > y->deal;
}

static int in_range(int64_t t, int64_t from, int64_t to)
{
	return t >= from && t < to;
}

int report_closes_of(const struct report_input *in, int64_t from, int64_t to,
		     struct report_close **out, size_t *n)
{
	struct report_close *v = malloc((in->ndeals ? in->ndeals : 1) * sizeof(*v));
	size_t nv = 0;

	if (!v)
		return ERR_NOMEM;
	for (size_t i = 0; i < in->ndeals; i++) {
		const struct report_deal *d = &in->deals[i];
		int64_t at = report_closed_at(d);

		if (at < 0 || !in_range(at, from, to))
			continue;
		v[nv].owner_id = d->owner_id;
		v[nv].at = at;
		v[nv].cycle = cycle_of(d);
		v[nv].amount = d->amount;
		v[nv++].won = d->kind == STAGE_WON;
	}
	*out = v;
	*n = nv;
	return 0;
}

/*
 * struct keymap numbers distinct int64_t keys 0, 1, 2... in order of first
 * sight (keys[k] is key number k; map indexes them by the key itself): the
 * groups of a report are few (owners, months), the deals many.
 */
struct keymap {
	struct hashmap map;
	int64_t *keys;
	size_t n, cap;
};

/* keymap_id sets *id to the number of key, adding it when new. */
static int keymap_id(struct keymap *m, int64_t key, size_t *id)
{
	struct hashmap_iter it;
	size_t k;

	for (k = hashmap_first(&m->map, (uint64_t)key, &it); k != HASHMAP_NONE;
	     k = hashmap_next(&m->map, &it))
		if (m->keys[k] == key) {
			*id = k;
			return 0;
		}
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 8;
		int64_t *keys = realloc(m->keys, cap * sizeof(*keys));

		if (!keys)
			return ERR_NOMEM;
		m->keys = keys;
		m->cap = cap;
	}
	if (hashmap_add(&m->map, (uint64_t)key, m->n))
		return ERR_NOMEM;
	m->keys[m->n] = key;
	*id = m->n++;
	return 0;
}

static void keymap_release(struct keymap *m)
{
	hashmap_release(&m->map);
	free(m->keys);
}

/*
 * report_closed_group makes two passes over the closes and keeps one value
 * of each: first the groups (numbered by a keymap) and their sizes, then
 * each group's won and lost cycles side by side in vals. The medians come
 * from select_nth, not a sort.
 */
int report_closed_group(const struct report_close *c, size_t nc, enum report_by by,
			enum report_group g, struct report_closed **out, size_t *n)
{
	struct keymap m = {0};
	uint32_t *id = malloc((nc ? nc : 1) * sizeof(*id));
	int64_t *vals = malloc((nc ? nc : 1) * sizeof(*vals));
	struct keyed *order = NULL;
	size_t *aux = NULL, *row, *at, *wpos, *lpos;
	struct report_closed *v = NULL;
	size_t ng, i, k, pos = 0;
	int rc = ERR_NOMEM;

	if (!id || !vals)
		goto out;
	for (i = 0; i < nc; i++) {
		int64_t key = by == REPORT_BY_OWNER    ? c[i].owner_id
			      : by == REPORT_BY_PERIOD ? report_period_of(c[i].at, g)
						       : 0;

		if (keymap_id(&m, key, &k))
			goto out;
		id[i] = (uint32_t)k;
	}
	ng = m.n || by != REPORT_BY_ALL ? m.n : 1; /* BY_ALL always gives one row */
	order = malloc((ng ? ng : 1) * sizeof(*order));
	aux = malloc((ng ? ng : 1) * 4 * sizeof(*aux));
	v = calloc(ng ? ng : 1, sizeof(*v));
	if (!order || !aux || !v)
		goto out;
	row = aux;
	at = aux + ng;
	wpos = aux + 2 * ng;
	lpos = aux + 3 * ng;
	/* Rows in key order: row[k] is group k's. */
	for (k = 0; k < m.n; k++) {
		order[k].key = m.keys[k];
		order[k].deal = k;
	}
	if (m.n > 1)
		qsort(order, m.n, sizeof(*order), cmp_keyed);
	for (k = 0; k < m.n; k++) {
		row[order[k].deal] = k;
		v[k].key = order[k].key;
	}
	for (i = 0; i < nc; i++) {
		if (c[i].won)
			v[row[id[i]]].won++;
		else
			v[row[id[i]]].lost++;
	}
	for (k = 0; k < ng; k++) {
		at[k] = wpos[k] = pos;
		lpos[k] = pos + (size_t)v[k].won;
		pos += (size_t)(v[k].won + v[k].lost);
	}
	for (i = 0; i < nc; i++) {
		struct report_closed *r = &v[row[id[i]]];

		if (c[i].won) {
			r->won_amount += c[i].amount;
			vals[wpos[row[id[i]]]++] = c[i].cycle;
		} else {
			r->lost_amount += c[i].amount;
			vals[lpos[row[id[i]]]++] = c[i].cycle;
		}
	}
	for (k = 0; k < ng; k++) {
		report_stats_of(vals + at[k], (size_t)v[k].won, &v[k].won_cycle);
		report_stats_of(vals + at[k] + v[k].won, (size_t)v[k].lost, &v[k].lost_cycle);
	}
	*out = v;
	*n = ng;
	v = NULL;
	rc = 0;
out:
	keymap_release(&m);
	free(id);
	free(vals);
	free(order);
	free(aux);
	free(v);
	return rc;
}

int report_closed_by(const struct report_input *in, int64_t from, int64_t to, enum report_by by,
		     enum report_group g, struct report_closed **out, size_t *n)
{
	struct report_close *c = NULL;
	size_t nc = 0;
	int rc = report_closes_of(in, from, to, &c, &nc);

	if (!rc)
		rc = report_closed_group(c, nc, by, g, out, n);
	free(c);
	return rc;
}

/* ---- time in stage ---- */

/* open_index returns the position of stage id among the open stages, or -1. */
static int open_index(const struct report_input *in, int64_t id)
{
	int k = 0;

	for (size_t i = 0; i < in->nstages; i++) {
		if (in->stages[i].kind != STAGE_OPEN)
			continue;
		if (in->stages[i].id == id)
			return k;
		k++;
	}
	return -1;
}

static size_t open_count(const struct report_input *in)
{
	size_t k = 0;

	for (size_t i = 0; i < in->nstages; i++)
		k += in->stages[i].kind == STAGE_OPEN;
	return k;
}

int report_time_in_stage(const struct report_input *in, int64_t from, int64_t to,
			 struct report_stage_time **out, size_t *n)
{
	size_t no = open_count(in), i, s;
	struct report_stage_time *v = calloc(no ? no : 1, sizeof(*v));
	int64_t *acc = calloc(no ? no : 1, sizeof(*acc));
	int64_t *vals = NULL;
	size_t *nvals = calloc(no ? no : 1, sizeof(*nvals));
	char *seen = calloc(no ? no : 1, 1);
	int rc = ERR_NOMEM;

	/* vals holds, per open stage, one value per deal: no x ndeals. */
	if (!v || !acc || !nvals || !seen)
		goto out;
	vals = malloc((no ? no : 1) * (in->ndeals ? in->ndeals : 1) * sizeof(*vals));
	if (!vals)
		goto out;
	for (i = 0, s = 0; i < in->nstages; i++)
		if (in->stages[i].kind == STAGE_OPEN)
			v[s++].stage_id = in->stages[i].id;
	for (i = 0; i < in->ndeals; i++) {
		const struct report_deal *d = &in->deals[i];
		struct report_span tmp;
		size_t ns;
		const struct report_span *sp;

		if (d->kind == STAGE_OPEN) {
			int oi = open_index(in, d->stage_id);

			if (oi >= 0)
				v[oi].current++;
		}
		if (!in_range(d->created, from, to))
			continue;
		sp = spans_of(in, d, &tmp, &ns);
		memset(acc, 0, no * sizeof(*acc));
		memset(seen, 0, no);
		for (size_t k = 0; k < ns; k++) {
			int oi = open_index(in, sp[k].stage_id);
			int64_t end = sp[k].to < in->now ? sp[k].to : in->now;

			if (oi < 0 || sp[k].from >= in->now)
				continue;
			seen[oi] = 1;
			acc[oi] += end - sp[k].from;
		}
		for (s = 0; s < no; s++)
			if (seen[s])
				vals[s * in->ndeals + nvals[s]++] = acc[s];
	}
	for (s = 0; s < no; s++)
		report_stats_of(vals + s * in->ndeals, nvals[s], &v[s].stay);
	*out = v;
	*n = no;
	v = NULL;
	rc = 0;
out:
	free(v);
	free(acc);
	free(vals);
	free(nvals);
	free(seen);
	return rc;
}

int report_bottleneck(const struct report_stage_time *v, size_t n)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		if (v[i].stay.count == 0)
			continue;
		if (best < 0 || v[i].stay.median > v[best].stay.median ||
		    (v[i].stay.median == v[best].stay.median && v[i].stay.mean > v[best].stay.mean))
			best = (int)i;
	}
	return best;
}

/* ---- the funnel ---- */

/*
 * funnel_add counts `deals` deals whose furthest open stage is furthest (its
 * open index; no, the number of open stages, when won; -1: none) and whose
 * current stage is of kind.
 */
static void funnel_add(struct report_funnel *v, size_t no, int furthest, enum stage_kind kind,
		       int64_t deals)
{
	for (size_t s = 0; s < no && (int)s <= furthest; s++) {
		v[s].reached += deals;
		if ((int)s < furthest)
			v[s].advanced += deals;
		if (kind == STAGE_WON)
			v[s].won += deals;
	}
	if (furthest >= 0 && furthest < (int)no) {
		if (kind == STAGE_LOST)
			v[furthest].lost += deals;
		else if (kind == STAGE_OPEN)
			v[furthest].open += deals;
	}
}

/* furthest_of folds stage id into the furthest open index so far (won: no). */
static int furthest_of(const struct report_input *in, size_t no, int64_t id, int furthest)
{
	const struct report_stage *st = report_stage_find(in, id);
	int oi = st && st->kind == STAGE_WON ? (int)no : open_index(in, id);

	return oi > furthest ? oi : furthest;
}

static struct report_funnel *funnel_new(const struct report_input *in, size_t *no)
{
	struct report_funnel *v;
	size_t i, s;

	*no = open_count(in);
	v = calloc(*no ? *no : 1, sizeof(*v));
	if (!v)
		return NULL;
	for (i = 0, s = 0; i < in->nstages; i++)
		if (in->stages[i].kind == STAGE_OPEN)
			v[s++].stage_id = in->stages[i].id;
	return v;
}

int report_funnel_groups(const struct report_input *in, const struct report_reach *g, size_t ng,
			 struct report_funnel **out, size_t *n)
{
	size_t no;
	struct report_funnel *v = funnel_new(in, &no);

	if (!v)
		return ERR_NOMEM;
	for (size_t i = 0; i < ng; i++) {
		const struct report_stage *cur = report_stage_find(in, g[i].stage_id);
		enum stage_kind kind = cur ? cur->kind : STAGE_OPEN;
		int furthest = -1;
		const char *p = g[i].reached ? g[i].reached : "";

		while (*p) {
			char *end;
			long long id = strtoll(p, &end, 10);

			if (end == p)
				break;
			furthest = furthest_of(in, no, (int64_t)id, furthest);
			p = *end == ',' ? end + 1 : end;
		}
		if (kind == STAGE_WON)
			furthest = (int)no;
		funnel_add(v, no, furthest, kind, g[i].deals);
	}
	*out = v;
	*n = no;
	return 0;
}

int report_funnel(const struct report_input *in, int64_t from, int64_t to,
		  struct report_funnel **out, size_t *n)
{
	size_t no, i;
	struct report_funnel *v = funnel_new(in, &no);

	if (!v)
		return ERR_NOMEM;
	for (i = 0; i < in->ndeals; i++) {
		const struct report_deal *d = &in->deals[i];
		struct report_span tmp;
		size_t ns;
		const struct report_span *sp;
		int furthest = -1; /* open index; (int)no when won */

		if (!in_range(d->created, from, to))
			continue;
		sp = spans_of(in, d, &tmp, &ns);
		for (size_t k = 0; k < ns; k++)
			furthest = furthest_of(in, no, sp[k].stage_id, furthest);
		if (d->kind == STAGE_WON)
			furthest = (int)no;
		funnel_add(v, no, furthest, d->kind, 1);
	}
	*out = v;
	*n = no;
	return 0;
}

/* ---- stalled deals ---- */

static int cmp_stalled(const void *a, const void *b)
{
	const struct report_stalled *x = a, *y = b;

	if (x->seconds != y->seconds)
		return x->seconds > y->seconds ? -1 : 1;
	return x->deal_id < y->deal_id ? -1 : x->deal_id > y->deal_id;
}

static void swap_stalled(struct report_stalled *x, struct report_stalled *y)
{
	struct report_stalled t = *x;

	*x = *y;
	*y = t;
}

/*
 * select_stalled rearranges v[0..n) so that v[k] holds what the sort by
 * cmp_stalled would put there, the ones before it sorting before it and
 * the ones after it after it: as select_nth, with the pivot moved aside
 * (the keys are unique, deal ids).
 */
static void select_stalled(struct report_stalled *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	for (int round = 0; hi > lo; round++) {
		size_t mid = lo + (hi - lo) / 2, i, j;

		if (round == 64) {
			qsort(v + lo, hi - lo + 1, sizeof(*v), cmp_stalled);
			return;
		}
		/* median of three to v[hi] */
		if (cmp_stalled(&v[mid], &v[lo]) < 0)
			swap_stalled(&v[mid], &v[lo]);
		if (cmp_stalled(&v[hi], &v[lo]) < 0)
			swap_stalled(&v[hi], &v[lo]);
		if (cmp_stalled(&v[mid], &v[hi]) < 0)
			swap_stalled(&v[mid], &v[hi]);
		for (i = j = lo; j < hi; j++)
			if (cmp_stalled(&v[j], &v[hi]) < 0)
				swap_stalled(&v[i++], &v[j]);
		swap_stalled(&v[i], &v[hi]);
		if (k == i)
			return;
		if (k < i)
			hi = i - 1;
		else
			lo = i + 1;
	}
}

int report_stalled(const struct report_input *in, size_t limit, struct report_stalled **out,
		   size_t *n)
{
	struct report_stalled *v = malloc((in->ndeals ? in->ndeals : 1) * sizeof(*v));
	const struct report_stage *st = NULL;
	size_t nv = 0;

	if (!v)
		return ERR_NOMEM;
	for (size_t i = 0; i < in->ndeals; i++) {
		const struct report_deal *d = &in->deals[i];
		int64_t secs = in->now - d->entered;

		/* the deals of a stage mostly come together: look up a new one only */
		if (!i || d->stage_id != in->deals[i - 1].stage_id)
			st = report_stage_find(in, d->stage_id);

		if (d->kind != STAGE_OPEN || !st || st->stalled_days <= 0)
			continue;
		if (secs <= (int64_t)st->stalled_days * REPORT_DAY)
			continue;
		v[nv].deal = i;
		v[nv].deal_id = d->id;
		v[nv].seconds = secs;
		v[nv++].stalled_days = st->stalled_days;
	}
	if (nv > limit)
		select_stalled(v, nv, limit);
	if ((nv < limit ? nv : limit) > 1)
		qsort(v, nv < limit ? nv : limit, sizeof(*v), cmp_stalled);
	*out = v;
	*n = nv;
	return 0;
}

/* ---- velocity ---- */

void report_velocity_of(struct report_velocity *v)
{
	__int128 num, den;

	if (v->won == 0 || v->won_cycle_sum <= 0) {
		v->velocity = -1;
		return;
	}
	num = (__int128)v->open * v->won_amount * v->won * REPORT_DAY;
	den = (__int128)(v->won + v->lost) * v->won_cycle_sum;
	v->velocity = (int64_t)((2 * num + den) / (2 * den));
}

/* stage_open_at: 1 when d was open (created, in an open stage) at moment t. */
static int stage_open_at(const struct report_input *in, const struct report_deal *d, int64_t t)
{
	int64_t id = report_stage_at(in, d, t);
	const struct report_stage *st;

	if (!id)
		return 0;
	st = report_stage_find(in, id);
	return st && st->kind == STAGE_OPEN;
}

int report_velocity(const struct report_input *in, int64_t from, int64_t to, enum report_group g,
		    struct report_velocity **out, size_t *n)
{
	struct report_closed *c = NULL;
	struct report_closed *all = NULL;
	size_t nc = 0, nall = 0, i;
	struct report_velocity *v = NULL;
	int rc;

	if ((rc = report_closed_by(in, from, to, REPORT_BY_PERIOD, g, &c, &nc)))
		return rc;
	if ((rc = report_closed_by(in, from, to, REPORT_BY_ALL, g, &all, &nall)))
		goto out;
	v = calloc(nc + 1, sizeof(*v));
	rc = ERR_NOMEM;
	if (!v)
		goto out;
	for (i = 0; i <= nc; i++) {
		const struct report_closed *r = i == 0 ? &all[0] : &c[i - 1];
		struct report_velocity *w = &v[i];
		int64_t end = in->now;

		w->key = i == 0 ? 0 : r->key;
		w->won = r->won;
		w->lost = r->lost;
		w->won_amount = r->won_amount;
		w->won_cycle_sum = r->won_cycle.sum;
		if (i > 0) {
			/* The end of the period: the first moment of the next one. */
			int64_t nx = report_period_next(r->key, g), y, e;
			int m = g == REPORT_GROUP_QUARTER ? (int)((nx % 10) - 1) * 3 + 1
							  : (int)(nx % 100);

			y = g == REPORT_GROUP_QUARTER ? nx / 10 : nx / 100;
			e = days_from_civil(y, m, 1) * REPORT_DAY;
			if (e < end)
				end = e;
		}
		for (size_t k = 0; k < in->ndeals; k++)
			w->open += i == 0 ? in->deals[k].kind == STAGE_OPEN
					  : stage_open_at(in, &in->deals[k], end);
		report_velocity_of(w);
	}
	*out = v;
	*n = nc + 1;
	v = NULL;
	rc = 0;
out:
	free(c);
	free(all);
	free(v);
	return rc;
}

/* ---- the pipeline at a past moment ---- */

/*
 * value_at returns the value field of deal id held at moment t: the old
 * value of the first change at or after t, else current.
 */
static int64_t value_at(const struct report_input *in, size_t *cur, int64_t id,
			enum report_field field, int64_t t, int64_t current)
{
	size_t i;

	while (*cur < in->nchanges && in->changes[*cur].deal_id < id)
		(*cur)++;
	for (i = *cur; i < in->nchanges && in->changes[i].deal_id == id; i++)
		if (in->changes[i].field == field && in->changes[i].at >= t)
			return in->changes[i].old;
	return current;
}

/* asof_rows returns zeroed rows for the open stages in order and the total (last), or NULL. */
static struct report_asof *asof_rows(const struct report_input *in, size_t *no)
{
	struct report_asof *v;
	size_t s = 0;

	*no = open_count(in);
	if (!(v = calloc(*no + 1, sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < in->nstages; i++)
		if (in->stages[i].kind == STAGE_OPEN)
			v[s++].stage_id = in->stages[i].id;
	return v;
}

/* asof_total sums the rows v[0..no) into v[no]. */
static void asof_total(struct report_asof *v, size_t no)
{
	for (size_t s = 0; s < no; s++) {
		v[no].count += v[s].count;
		v[no].amount += v[s].amount;
		v[no].expected += v[s].expected;
	}
}

int report_as_of(const struct report_input *in, int64_t t, struct report_asof **out, size_t *n)
{
	size_t no, i, cur = 0;
	struct report_asof *v = asof_rows(in, &no);

	if (!v)
		return ERR_NOMEM;
	for (i = 0; i < in->ndeals; i++) {
		const struct report_deal *d = &in->deals[i];
		int64_t id = report_stage_at(in, d, t), amount, prob;
		const struct report_stage *st;
		int oi;

		if (!id || (oi = open_index(in, id)) < 0)
			continue;
		st = report_stage_find(in, id);
		amount = value_at(in, &cur, d->id, REPORT_FIELD_AMOUNT, t, d->amount);
		prob = value_at(in, &cur, d->id, REPORT_FIELD_PROBABILITY, t, d->probability);
		if (prob < 0 || prob > 100)
			prob = st->probability;
		v[oi].count++;
		v[oi].amount += amount;
		v[oi].expected += money_expected(amount, (int)prob);
	}
	asof_total(v, no);
	*out = v;
	*n = no + 1;
	return 0;
}

/* ---- the leaderboard ---- */

static int64_t deal_expected(const struct report_input *in, const struct report_deal *d)
{
	const struct report_stage *st = report_stage_find(in, d->stage_id);
	int p = d->probability >= 0 ? d->probability : st ? st->probability : 0;

	return money_expected(d->amount, p);
}

static int cmp_leader(const void *a, const void *b)
{
	const struct report_leader *x = a, *y = b;

	if (x->won_amount != y->won_amount)
		return x->won_amount > y->won_amount ? -1 : 1;
	if (x->won != y->won)
		return x->won > y->won ? -1 : 1;
	return x->owner_id < y->owner_id ? -1 : x->owner_id > y->owner_id;
}

int report_leaderboard(const struct report_input *in, int64_t from, int64_t to,
		       struct report_leader **out, size_t *n)
{
	struct keyed *k = malloc((in->ndeals ? in->ndeals : 1) * sizeof(*k));
	int64_t *won = malloc((in->ndeals ? in->ndeals : 1) * sizeof(*won));
	struct report_leader *v = NULL;
	size_t nv = 0, i, j;
	int rc = ERR_NOMEM;

	if (!k || !won)
		goto out;
	for (i = 0; i < in->ndeals; i++) {
		k[i].key = in->deals[i].owner_id;
		k[i].deal = i;
	}
	if (in->ndeals > 1)
		qsort(k, in->ndeals, sizeof(*k), cmp_keyed);
	v = calloc(in->ndeals ? in->ndeals : 1, sizeof(*v));
	if (!v)
		goto out;
	for (i = 0; i < in->ndeals; i = j) {
		struct report_leader *r = &v[nv++];
		size_t nw = 0;

		r->owner_id = k[i].key;
		for (j = i; j < in->ndeals && k[j].key == r->owner_id; j++) {
			const struct report_deal *d = &in->deals[k[j].deal];
			int64_t at = report_closed_at(d);

			if (d->kind == STAGE_OPEN) {
				r->open++;
				r->open_amount += d->amount;
				r->open_expected += deal_expected(in, d);
			} else if (in_range(at, from, to) && d->kind == STAGE_WON) {
				r->won++;
				r->won_amount += d->amount;
				won[nw++] = cycle_of(d);
			} else if (in_range(at, from, to)) {
				r->lost++;
				r->lost_amount += d->amount;
			}
		}
		report_stats_of(won, nw, &r->won_cycle);
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_leader);
	*out = v;
	*n = nv;
	v = NULL;
	rc = 0;
out:
	free(k);
	free(won);
	free(v);
	return rc;
}

int report_leaderboard_sums(const struct report_input *in, const struct report_close *c, size_t nc,
			    const struct report_sum *g, size_t ng, struct report_leader **out,
			    size_t *n)
{
	struct report_closed *k = NULL;
	size_t nk = 0;
	int rc = report_closed_group(c, nc, REPORT_BY_OWNER, REPORT_GROUP_MONTH, &k, &nk);

	if (!rc)
		rc = report_leaderboard_groups(in, k, nk, g, ng, out, n);
	free(k);
	return rc;
}

int report_leaderboard_groups(const struct report_input *in, const struct report_closed *k,
			      size_t nk, const struct report_sum *g, size_t ng,
			      struct report_leader **out, size_t *n)
{
	struct report_leader *w = calloc(nk + ng + 1, sizeof(*w));
	size_t nw = 0, i, j;

	if (!w)
		return ERR_NOMEM;
	for (i = 0; i < nk; i++, nw++) {
		w[nw].owner_id = k[i].key;
		w[nw].won = k[i].won;
		w[nw].lost = k[i].lost;
		w[nw].won_amount = k[i].won_amount;
		w[nw].lost_amount = k[i].lost_amount;
		w[nw].won_cycle = k[i].won_cycle;
	}
	for (i = 0; i < ng; i++) {
		const struct report_stage *st = report_stage_find(in, g[i].stage_id);

		for (j = 0; j < nw && w[j].owner_id != g[i].owner_id; j++)
			;
		if (j == nw) {
			w[j].owner_id = g[i].owner_id;
			w[j].won_cycle.mean = w[j].won_cycle.median = -1;
			nw++;
		}
		if (st && st->kind == STAGE_OPEN) {
			w[j].open += g[i].deals;
			w[j].open_amount += g[i].amount;
			w[j].open_expected += g[i].expected;
		}
	}
	if (nw > 1)
		qsort(w, nw, sizeof(*w), cmp_leader);
	*out = w;
	*n = nw;
	return 0;
}

/*
 * count_strided counts the int64_t keys at keys, keys + step... (n of them),
 * each weight times the int64_t at weights the same way (1 when NULL), into
 * a new array of (key, count) by key.
 */
static int count_strided(const char *keys, const char *weights, size_t step, size_t n,
			 struct report_count **out, size_t *nout)
{
	struct keymap m = {0};
	struct report_count *v = NULL;
	int64_t key, w = 1;
	size_t k, i;
	int rc = ERR_NOMEM;

	for (i = 0; i < n; i++) {
		memcpy(&key, keys + i * step, sizeof(key));
		if (keymap_id(&m, key, &k))
			goto out;
	}
	v = calloc(m.n ? m.n : 1, sizeof(*v));
	if (!v)
		goto out;
	for (k = 0; k < m.n; k++)
		v[k].key = m.keys[k];
	for (i = 0; i < n; i++) {
		memcpy(&key, keys + i * step, sizeof(key));
		if (weights)
			memcpy(&w, weights + i * step, sizeof(w));
		keymap_id(&m, key, &k); /* a known key: found, never added */
		v[k].count += w;
	}
	if (m.n > 1)
		qsort(v, m.n, sizeof(*v), cmp_i64); /* by key, the first member */
	*out = v;
	*nout = m.n;
	v = NULL;
	rc = 0;
out:
	keymap_release(&m);
	free(v);
	return rc;
}

int report_count_keys(const int64_t *keys, size_t n, struct report_count **out, size_t *nout)
{
	return count_strided((const char *)keys, NULL, sizeof(*keys), n, out, nout);
}

int report_count_sums(const struct report_sum *g, size_t n, int by_owner, struct report_count **out,
		      size_t *nout)
{
	const char *base = (const char *)g;
	size_t key = by_owner ? offsetof(struct report_sum, owner_id)
			      : offsetof(struct report_sum, stage_id);

	return count_strided(n ? base + key : NULL,
			     n ? base + offsetof(struct report_sum, deals) : NULL, sizeof(*g), n,
			     out, nout);
}

int report_pairs_add(struct report_pairs *p, int64_t stage_id, int64_t owner_id)
{
	uint64_t h = (uint64_t)stage_id * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)owner_id;
	struct hashmap_iter it;
	size_t k;

	for (k = hashmap_first(&p->map, h, &it); k != HASHMAP_NONE; k = hashmap_next(&p->map, &it))
		if (p->v[k].stage_id == stage_id && p->v[k].owner_id == owner_id) {
			p->v[k].deals++;
			return 0;
		}
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 32;
		struct report_sum *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return ERR_NOMEM;
		p->v = v;
		p->cap = cap;
	}
	if (hashmap_add(&p->map, h, p->n))
		return ERR_NOMEM;
	memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
	p->v[p->n].stage_id = stage_id;
	p->v[p->n].owner_id = owner_id;
	p->v[p->n].deals = 1;
	p->n++;
	return 0;
}

void report_pairs_release(struct report_pairs *p)
{
	hashmap_release(&p->map);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* ---- the forecast ---- */

static int cmp_month(const void *a, const void *b)
{
	const struct report_month *x = a, *y = b;
	int64_t kx = x->key ? x->key : INT64_MAX, ky = y->key ? y->key : INT64_MAX;

	return kx < ky ? -1 : kx > ky;
}

int report_forecast_sums(const struct report_input *in, const struct report_sum *g, size_t ng,
			 struct report_month **out, size_t *n)
{
	struct report_month *v = calloc(ng ? ng : 1, sizeof(*v));
	size_t nv = 0, i, j;

	if (!v)
		return ERR_NOMEM;
	for (i = 0; i < ng; i++) {
		const struct report_stage *s = report_stage_find(in, g[i].stage_id);
		char date[DATE_LEN];
		int64_t key;

		if (!s || s->kind == STAGE_LOST)
			continue;
		snprintf(date, sizeof(date), "%.7s-01", g[i].month);
		key = g[i].month[0] ? report_period_of_date(date, REPORT_GROUP_MONTH) : 0;
		for (j = 0; j < nv && v[j].key != key; j++)
			;
		if (j == nv)
			v[nv++].key = key;
		if (s->kind == STAGE_WON) {
			v[j].won += g[i].deals;
			v[j].won_amount += g[i].amount;
		} else {
			v[j].open += g[i].deals;
			v[j].open_amount += g[i].amount;
			v[j].expected += g[i].expected;
		}
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_month);
	*out = v;
	*n = nv;
	return 0;
}

int report_forecast(const struct report_input *in, struct report_month **out, size_t *n)
{
	struct keyed *k = malloc((in->ndeals ? in->ndeals : 1) * sizeof(*k));
	struct report_month *v = NULL;
	size_t nk = 0, nv = 0, i, j;
	int rc = ERR_NOMEM;

	if (!k)
		goto out;
	for (i = 0; i < in->ndeals; i++) {
		const struct report_deal *d = &in->deals[i];
		int64_t key;

		if (d->kind == STAGE_LOST)
			continue;
		key = report_period_of_date(d->close_date, REPORT_GROUP_MONTH);
		k[nk].key = key ? key : INT64_MAX; /* no close date: last */
		k[nk++].deal = i;
	}
	if (nk > 1)
		qsort(k, nk, sizeof(*k), cmp_keyed);
	v = calloc(nk ? nk : 1, sizeof(*v));
	if (!v)
		goto out;
	for (i = 0; i < nk; i = j) {
		struct report_month *r = &v[nv++];

		r->key = k[i].key == INT64_MAX ? 0 : k[i].key;
		for (j = i; j < nk && k[j].key == k[i].key; j++) {
			const struct report_deal *d = &in->deals[k[j].deal];

			if (d->kind == STAGE_WON) {
				r->won++;
				r->won_amount += d->amount;
			} else {
				r->open++;
				r->open_amount += d->amount;
				r->expected += deal_expected(in, d);
			}
		}
	}
	*out = v;
	*n = nv;
	v = NULL;
	rc = 0;
out:
	free(k);
	free(v);
	return rc;
}

void report_months_sum(const struct report_month *v, size_t n, int64_t first, int64_t last,
		       struct report_month *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (!v[i].key || v[i].key < first || v[i].key > last)
			continue;
		out->open += v[i].open;
		out->open_amount += v[i].open_amount;
		out->expected += v[i].expected;
		out->won += v[i].won;
		out->won_amount += v[i].won_amount;
	}
}

/* ---- from what the store keeps for the history reports ---- */

static void swap_weighted(struct report_weighted *a, struct report_weighted *b)
{
	struct report_weighted t = *a;

	*a = *b;
	*b = t;
}

static int cmp_weighted(const void *a, const void *b)
{
	return cmp_i64(&((const struct report_weighted *)a)->value,
		       &((const struct report_weighted *)b)->value);
}

/*
 * weighted_nth returns the value of rank k (from 0) of the multiset
 * v[0..n), each value counted weight times (k below the total weight):
 * quickselect with a three-way partition (the ranks of a value that occurs
 * a thousand times are one step), a sort after 64 rounds.
 */
static int64_t weighted_nth(struct report_weighted *v, size_t n, int64_t k)
{
	size_t lo = 0, hi = n;

	for (int round = 0;; round++) {
		size_t lt = lo, gt = hi, j = lo;
		int64_t a = v[lo].value, b = v[lo + (hi - lo) / 2].value, c = v[hi - 1].value;
		int64_t pivot =
		    a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		int64_t wl = 0, we = 0;

		if (round == 64) {
			qsort(v + lo, hi - lo, sizeof(*v), cmp_weighted);
			for (j = lo; j + 1 < hi && k >= v[j].weight; j++)
				k -= v[j].weight;
			return v[j].value;
		}
		while (j < gt) {
			if (v[j].value < pivot) {
				wl += v[j].weight;
				swap_weighted(&v[lt++], &v[j++]);
			} else if (v[j].value > pivot) {
				swap_weighted(&v[j], &v[--gt]);
			} else {
				we += v[j++].weight;
			}
		}
		if (k < wl) {
			hi = lt;
		} else if (k < wl + we) {
			return pivot;
		} else {
			k -= wl + we;
			lo = gt;
		}
	}
}

void report_stats_weighted(struct report_weighted *v, size_t n, struct report_stats *out)
{
	int64_t count = 0, sum = 0, hi;

	memset(out, 0, sizeof(*out));
	out->mean = out->median = -1;
	for (size_t i = 0; i < n; i++) {
		count += v[i].weight;
		sum += v[i].value * v[i].weight;
	}
	if (count == 0)
		return;
	out->count = count;
	out->sum = sum;
	out->mean = report_div_round(sum, count);
	hi = weighted_nth(v, n, count / 2);
	out->median = count % 2 ? hi : report_div_round(weighted_nth(v, n, count / 2 - 1) + hi, 2);
}

/* A bucket of one stage's values: deals of them in [lo, lo + REPORT_DAY). */
struct bucket {
	int64_t lo, deals, sum;
	int64_t day;
	int open;
};

static int cmp_bucket(const void *a, const void *b)
{
	return cmp_i64(&((const struct bucket *)a)->lo, &((const struct bucket *)b)->lo);
}

/*
 * by_stage counts the rows t[0..nt) with deals per open stage: (*oi)[i] is
 * row i's open stage (-1: none, or no deals) and (*pos)[k + 1] where stage
 * k's rows start; placing each row at (*pos)[(*oi)[i] + 1]++ then leaves
 * stage k's rows at (*pos)[k]..(*pos)[k + 1]. free() both.
 */
static int by_stage(const struct report_input *in, const struct report_tally *t, size_t nt,
		    int **oi, size_t **pos)
{
	size_t no = open_count(in), i, k;

	*oi = malloc((nt ? nt : 1) * sizeof(**oi));
	*pos = calloc(no + 2, sizeof(**pos));
	if (!*oi || !*pos) {
		free(*oi);
		free(*pos);
		*oi = NULL;
		*pos = NULL;
		return ERR_NOMEM;
	}
	for (i = 0; i < nt; i++) {
		/* the rows come by stage: one look-up per stage */
		int s = i && t[i].stage_id == t[i - 1].stage_id ? (*oi)[i - 1]
								: open_index(in, t[i].stage_id);

		(*oi)[i] = s >= 0 && t[i].deals > 0 ? s : -1;
		if ((*oi)[i] >= 0)
			(*pos)[s + 2]++;
	}
	for (k = 0; k < no; k++)
		(*pos)[k + 2] += (*pos)[k + 1];
	return 0;
}

/*
 * stage_buckets sorts the buckets t[0..nt) of the open stages by stage and
 * value: *out gets them (free() it), stage k's at (*at)[k]..(*at)[k + 1]
 * ((*at) no + 1 entries, free() it).
 */
static int stage_buckets(const struct report_input *in, const struct report_tally *t, size_t nt,
			 struct bucket **out, size_t **at)
{
	size_t no = open_count(in), i, k, *pos = NULL;
	struct bucket *b = malloc((nt ? nt : 1) * sizeof(*b));
	int *oi = NULL;

	if (!b || by_stage(in, t, nt, &oi, &pos)) {
		free(b);
		return ERR_NOMEM;
	}
	for (i = 0; i < nt; i++) {
		struct bucket *e;

		if (oi[i] < 0)
			continue;
		e = &b[pos[oi[i] + 1]++];
		e->day = t[i].key;
		e->open = t[i].open != 0;
		e->lo = t[i].key * REPORT_DAY + (e->open ? in->now : 0);
		e->deals = t[i].deals;
		e->sum = t[i].amount + (e->open ? in->now * t[i].deals : 0);
	}
	for (k = 0; k < no; k++)
		if (pos[k + 1] - pos[k] > 1)
			qsort(b + pos[k], pos[k + 1] - pos[k], sizeof(*b), cmp_bucket);
	free(oi);
	*out = b;
	*at = pos;
	return 0;
}

/*
 * What the median of one stage needs: the count and sum of its values, the
 * ranks k1 <= k2 of the middle ones (the same for an odd count), the range
 * [lo, hi) that holds both, and base, the values in the buckets wholly
 * below lo. The rows to read are those of every bucket that overlaps
 * [lo, hi) (in_window).
 */
struct dwell_plan {
	int64_t count, sum, k1, k2, lo, hi, base;
};

/*
 * dwell_plan plans the median of the buckets b[0..n), sorted by lo. lo is
 * the greatest start of a bucket with at most k1 values in the buckets that
 * start before it (so at most k1 values below it: the k1-th is not below);
 * hi the least end of a bucket with more than k2 values in the buckets that
 * end by then (so the k2-th is below it).
 */
static void dwell_plan(const struct bucket *b, size_t n, struct dwell_plan *p)
{
	int64_t below = 0, cum = 0;
	size_t i, j;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++) {
		p->count += b[i].deals;
		p->sum += b[i].sum;
	}
	if (!p->count)
		return;
	p->k1 = (p->count - 1) / 2;
	p->k2 = p->count / 2;
	p->hi = INT64_MAX;
	for (i = 0; i < n; i = j) {
		int64_t group = 0;

		for (j = i; j < n && b[j].lo == b[i].lo; j++)
			group += b[j].deals;
		if (below <= p->k1)
			p->lo = b[i].lo;
		below += group;
		cum += group;
		if (cum > p->k2 && p->hi == INT64_MAX)
			p->hi = b[i].lo + REPORT_DAY;
	}
	for (i = 0; i < n; i++)
		if (b[i].lo + REPORT_DAY <= p->lo)
			p->base += b[i].deals;
}

static int in_window(const struct bucket *b, const struct dwell_plan *p)
{
	return b->lo < p->hi && b->lo + REPORT_DAY > p->lo;
}

int report_dwell_ranges(const struct report_input *in, const struct report_tally *t, size_t nt,
			struct report_dwell_range **out, size_t *n)
{
	size_t no = open_count(in), nv = 0, *at = NULL;
	struct report_dwell_range *v = malloc((no ? no : 1) * 2 * sizeof(*v));
	struct bucket *b = NULL;
	int rc = ERR_NOMEM;

	if (!v || (rc = stage_buckets(in, t, nt, &b, &at)))
		goto out;
	for (size_t s = 0, k = 0; s < in->nstages; s++) {
		struct dwell_plan p;

		if (in->stages[s].kind != STAGE_OPEN)
			continue;
		dwell_plan(b + at[k], at[k + 1] - at[k], &p);
		for (int open = 0; open < 2 && p.count; open++) {
			int64_t first = INT64_MAX, last = INT64_MIN;

			for (size_t i = at[k]; i < at[k + 1]; i++) {
				if (b[i].open != open || !in_window(&b[i], &p))
					continue;
				first = b[i].day < first ? b[i].day : first;
				last = b[i].day > last ? b[i].day : last;
			}
			if (first > last)
				continue;
			v[nv].stage_id = in->stages[s].id;
			v[nv].open = open;
			v[nv].lo = first * REPORT_DAY;
			v[nv].hi = (last + 1) * REPORT_DAY;
			nv++;
		}
		k++;
	}
	*out = v;
	*n = nv;
	v = NULL;
	rc = 0;
out:
	free(v);
	free(b);
	free(at);
	return rc;
}

int report_time_in_stage_days(const struct report_input *in, const struct report_tally *t,
			      size_t nt, const struct report_tally *rows, size_t nr,
			      const struct report_sum *cur, size_t ncur,
			      struct report_stage_time **out, size_t *n)
{
	size_t no = open_count(in), i, s, *at = NULL, *wat = NULL;
	struct report_stage_time *v = calloc(no ? no : 1, sizeof(*v));
	struct report_weighted *w = malloc((nr ? nr : 1) * sizeof(*w));
	int *oi = NULL;
	struct bucket *b = NULL;
	int rc = ERR_NOMEM;

	if (!v || !w || (rc = stage_buckets(in, t, nt, &b, &at)) ||
	    (rc = by_stage(in, rows, nr, &oi, &wat)))
		goto out;
	for (i = 0, s = 0; i < in->nstages; i++)
		if (in->stages[i].kind == STAGE_OPEN)
			v[s++].stage_id = in->stages[i].id;
	for (i = 0; i < ncur; i++) {
		int k = open_index(in, cur[i].stage_id);

		if (k >= 0)
			v[k].current += cur[i].deals;
	}
	/* Each open stage's values side by side in w. */
	for (i = 0; i < nr; i++) {
		struct report_weighted *e;

		if (oi[i] < 0)
			continue;
		e = &w[wat[oi[i] + 1]++];
		e->value = rows[i].open ? in->now + rows[i].key : rows[i].key;
		e->weight = rows[i].deals;
	}
	for (s = 0; s < no; s++) {
		struct report_stats *st = &v[s].stay;
		struct report_weighted *ws = w + wat[s];
		size_t nw = wat[s + 1] - wat[s];
		struct dwell_plan p;
		int64_t read = 0, hi;

		dwell_plan(b + at[s], at[s + 1] - at[s], &p);
		st->mean = st->median = -1;
		if (!p.count)
			continue;
		/* the rows read are exactly those of the buckets in the window */
		for (i = 0; i < nw; i++)
			read += ws[i].weight;
		for (i = at[s]; i < at[s + 1]; i++)
			if (in_window(&b[i], &p))
				read -= b[i].deals;
		if (read) {
			rc = ERR_DB;
			goto out;
		}
		st->count = p.count;
		st->sum = p.sum;
		st->mean = report_div_round(p.sum, p.count);
		hi = weighted_nth(ws, nw, p.k2 - p.base);
		st->median = p.k1 == p.k2
				 ? hi
				 : report_div_round(weighted_nth(ws, nw, p.k1 - p.base) + hi, 2);
	}
	*out = v;
	*n = no;
	v = NULL;
	rc = 0;
out:
	free(v);
	free(wat);
	free(w);
	free(oi);
	free(b);
	free(at);
	return rc;
}

int report_closed_tallies(const struct report_input *in, const struct report_tally *t, size_t nt,
			  enum report_by by, enum report_group g, struct report_closed **out,
			  size_t *n)
{
	/* the closed rows by key (row numbers in deal), then one group per key */
	struct keyed *o = malloc((nt ? nt : 1) * sizeof(*o));
	struct report_closed *v = NULL;
	size_t no = 0, nv = 0, i;

	if (!o)
		return ERR_NOMEM;
	for (i = 0; i < nt; i++) {
		const struct report_stage *st = report_stage_find(in, t[i].stage_id);

		if (!st || st->kind == STAGE_OPEN || t[i].deals == 0)
			continue;
		o[no].key = by == REPORT_BY_OWNER    ? t[i].owner_id
			    : by == REPORT_BY_PERIOD ? report_period_of(t[i].key * REPORT_DAY, g)
						     : 0;
		o[no++].deal = i;
	}
	if (by != REPORT_BY_ALL && no > 1)
		qsort(o, no, sizeof(*o), cmp_keyed);
	for (i = 0; i < no; i++)
		nv += !i || o[i].key != o[i - 1].key;
	v = calloc(nv ? nv : 1, sizeof(*v));
	nv = 0;
	if (!v) {
		free(o);
		return ERR_NOMEM;
	}
	for (i = 0; i < no; i++) {
		const struct report_tally *r = &t[o[i].deal];
		struct report_closed *c;

		if (!nv || v[nv - 1].key != o[i].key)
			v[nv++].key = o[i].key;
		c = &v[nv - 1];
		if (report_stage_find(in, r->stage_id)->kind == STAGE_WON) {
			c->won += r->deals;
			c->won_amount += r->amount;
		} else {
			c->lost += r->deals;
			c->lost_amount += r->amount;
		}
	}
	if (!nv && by == REPORT_BY_ALL) /* BY_ALL always gives one row */
		v[nv++].key = 0;
	for (i = 0; i < nv; i++) {
		v[i].won_cycle.mean = v[i].won_cycle.median = -1;
		v[i].lost_cycle.mean = v[i].lost_cycle.median = -1;
	}
	free(o);
	*out = v;
	*n = nv;
	return 0;
}

int report_cycles_init(struct report_cycles *c, const struct report_input *in,
		       const struct report_tally *t, size_t nt, unsigned wanted,
		       enum report_group g, int won_only)
{
	size_t pos = 0, b, k;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->group = g;
	c->won_only = won_only;
	for (b = 0; b < 3 && !rc; b++)
		if (wanted & (1u << b))
			rc = report_closed_tallies(in, t, nt, (enum report_by)b, g, &c->g[b],
						   &c->n[b]);
	if (rc)
		return rc;
	/* the overall row's values are the owners' side by side: no copy of their own */
	c->all_of_owners = c->g[REPORT_BY_ALL] && c->g[REPORT_BY_OWNER];
	for (b = 0; b < 3; b++) {
		if (!c->g[b] || (b == REPORT_BY_ALL && c->all_of_owners))
			continue;
		c->at[b] = malloc(2 * (c->n[b] ? c->n[b] : 1) * sizeof(size_t));
		c->end[b] = malloc(2 * (c->n[b] ? c->n[b] : 1) * sizeof(size_t));
		if (!c->at[b] || !c->end[b])
			return ERR_NOMEM;
		/* every group's won values, then every group's lost values */
		for (int lost = 0; lost < 2; lost++) {
			c->lo[b][lost] = pos;
			for (k = 0; k < c->n[b]; k++) {
				c->at[b][2 * k + lost] = pos;
				pos += lost ? (won_only ? 0 : (size_t)c->g[b][k].lost)
					    : (size_t)c->g[b][k].won;
				c->end[b][2 * k + lost] = pos;
			}
			c->hi[b][lost] = pos;
		}
	}
	c->vals = malloc((pos ? pos : 1) * sizeof(*c->vals));
	return c->vals ? 0 : ERR_NOMEM;
}

/* closed_row sets *row to the group of key in v[0..n) (by key); ERR_DB when there is none. */
static int closed_row(const struct report_closed *v, size_t n, int64_t key, size_t *row)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n || v[lo].key != key)
		return ERR_DB;
	*row = lo;
	return 0;
}

int report_cycles_add(void *ctx, const struct report_close *x)
{
	struct report_cycles *c = ctx;
	size_t row[3] = {0, 0, 0};
	int64_t day = x->at / REPORT_DAY - (x->at % REPORT_DAY < 0);

	if (c->won_only && !x->won)
		return 0;
	if (c->g[REPORT_BY_OWNER] && (!c->owner_ok || x->owner_id != c->last_owner)) {
		if (closed_row(c->g[REPORT_BY_OWNER], c->n[REPORT_BY_OWNER], x->owner_id,
			       &c->owner_row))
			return ERR_DB;
		c->last_owner = x->owner_id;
		c->owner_ok = 1;
	}
	if (c->g[REPORT_BY_PERIOD] && (!c->day_ok || day != c->last_day)) {
		if (closed_row(c->g[REPORT_BY_PERIOD], c->n[REPORT_BY_PERIOD],
			       report_period_of(day * REPORT_DAY, c->group), &c->day_row))
			return ERR_DB;
		c->last_day = day;
		c->day_ok = 1;
	}
	row[REPORT_BY_OWNER] = c->owner_row;
	row[REPORT_BY_PERIOD] = c->day_row;
	for (size_t b = 0; b < 3; b++) {
		size_t slot = 2 * row[b] + !x->won;

		if (!c->at[b])
			continue;
		if (c->at[b][slot] == c->end[b][slot])
			return ERR_DB;
		c->vals[c->at[b][slot]++] = x->cycle;
	}
	return 0;
}

int report_cycles_finish(struct report_cycles *c)
{
	static const size_t order[] = {REPORT_BY_OWNER, REPORT_BY_PERIOD, REPORT_BY_ALL};

	/* the overall row last: its selection moves the owners' values across their groups */
	for (size_t o = 0; o < 3; o++) {
		size_t b = order[o];

		for (size_t k = 0; c->g[b] && k < c->n[b]; k++) {
			struct report_closed *r = &c->g[b][k];
			const size_t *lo = c->lo[b], *hi = c->hi[b];

			if (b == REPORT_BY_ALL && c->all_of_owners) {
				lo = c->lo[REPORT_BY_OWNER];
				hi = c->hi[REPORT_BY_OWNER];
				if (hi[0] - lo[0] != (size_t)r->won ||
				    (!c->won_only && hi[1] - lo[1] != (size_t)r->lost))
					return ERR_DB;
				report_stats_of(c->vals + lo[0], (size_t)r->won, &r->won_cycle);
				if (!c->won_only)
					report_stats_of(c->vals + lo[1], (size_t)r->lost,
							&r->lost_cycle);
				continue;
			}
			if (c->at[b][2 * k] != c->end[b][2 * k] ||
			    c->at[b][2 * k + 1] != c->end[b][2 * k + 1])
				return ERR_DB;
			report_stats_of(c->vals + c->end[b][2 * k] - r->won, (size_t)r->won,
					&r->won_cycle);
			if (!c->won_only)
				report_stats_of(c->vals + c->end[b][2 * k + 1] - r->lost,
						(size_t)r->lost, &r->lost_cycle);
		}
	}
	return 0;
}

void report_cycles_release(struct report_cycles *c)
{
	for (size_t b = 0; b < 3; b++) {
		free(c->g[b]);
		free(c->at[b]);
		free(c->end[b]);
	}
	free(c->vals);
	memset(c, 0, sizeof(*c));
}

int report_as_of_tallies(const struct report_input *in, const struct report_tally *t, size_t nt,
			 struct report_asof **out, size_t *n)
{
	size_t no, i;
	struct report_asof *v = asof_rows(in, &no);

	if (!v)
		return ERR_NOMEM;
	for (i = 0; i < nt; i++) {
		int k = open_index(in, t[i].stage_id);

		if (k < 0)
			continue;
		v[k].count += t[i].deals;
		v[k].amount += t[i].amount;
		v[k].expected += t[i].extra;
	}
	asof_total(v, no);
	*out = v;
	*n = no + 1;
	return 0;
}

void report_as_of_adjust(struct report_asof *v, const struct report_asof *with,
			 const struct report_asof *without, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].count += with[i].count - without[i].count;
		v[i].amount += with[i].amount - without[i].amount;
		v[i].expected += with[i].expected - without[i].expected;
	}
}

/* period_end returns the first moment after period code p. */
static int64_t period_end(int64_t p, enum report_group g)
{
	int64_t nx = report_period_next(p, g);
	int m = g == REPORT_GROUP_QUARTER ? (int)((nx % 10) - 1) * 3 + 1 : (int)(nx % 100);

	return days_from_civil(g == REPORT_GROUP_QUARTER ? nx / 10 : nx / 100, m, 1) * REPORT_DAY;
}

static int cmp_velocity(const void *a, const void *b)
{
	return cmp_i64(&((const struct report_velocity *)a)->key,
		       &((const struct report_velocity *)b)->key);
}

int report_velocity_tallies(const struct report_input *in, const struct report_tally *c, size_t nc,
			    const struct report_tally *o, size_t no, int64_t open_now,
			    enum report_group g, struct report_velocity **out, size_t *n)
{
	struct report_velocity *v = calloc(nc + 1, sizeof(*v));
	size_t nv = 1, i, k, j = 0;
	int64_t open = 0;

	if (!v)
		return ERR_NOMEM;
	/* v[0] the whole range, then one row per period with a close, in order. */
	for (i = 0; i < nc; i++) {
		const struct report_stage *st = report_stage_find(in, c[i].stage_id);
		int64_t key;

		if (!st || st->kind == STAGE_OPEN || c[i].deals <= 0)
			continue;
		key = report_period_of(c[i].key * REPORT_DAY, g);
		for (k = 1; k < nv && v[k].key != key; k++)
			;
		if (k == nv)
			v[nv++].key = key;
		for (size_t r = 0; r < 2; r++) {
			struct report_velocity *w = &v[r ? k : 0];

			if (st->kind == STAGE_WON) {
				w->won += c[i].deals;
				w->won_amount += c[i].amount;
				w->won_cycle_sum += c[i].extra;
			} else {
				w->lost += c[i].deals;
			}
		}
	}
	if (nv > 2)
		qsort(v + 1, nv - 1, sizeof(*v), cmp_velocity);
	/* The deals open at each period's end (or now): deal_open summed in day order. */
	v[0].open = open_now;
	for (k = 1; k < nv; k++) {
		int64_t end = period_end(v[k].key, g);

		if (end > in->now)
			end = in->now;
		for (; j < no && o[j].key * REPORT_DAY < end; j++) {
			const struct report_stage *st = report_stage_find(in, o[j].stage_id);

			if (st && st->kind == STAGE_OPEN)
				open += o[j].deals;
		}
		v[k].open = open;
	}
	for (k = 0; k < nv; k++)
		report_velocity_of(&v[k]);
	*out = v;
	*n = nv;
	return 0;
}
