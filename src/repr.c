/*
 * repr.c - JSON shapes of litecrm's records (see repr.h and docs/API.md).
 *
 * Every builder returns a new reference or NULL when jansson runs out of
 * memory (or a stored string is not valid UTF-8, which the front doors never
 * let in). Amounts go through money_json() so that they print exactly when
 * dumped with REPR_DUMP_FLAGS.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "pipeline.h"
#include "report.h"
#include "repr.h"
#include "svc_audit.h"

/* str_or_null: a JSON string, or null when s is empty. */
static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

/* id_or_null: a JSON integer, or null when id is 0. */
static json_t *id_or_null(int64_t id)
{
	return id ? json_integer(id) : json_null();
}

static int64_t pow10i(int digits)
{
	int64_t r = 1;

	while (digits-- > 0)
		r *= 10;
	return r;
}

/* currency_digits: the minor-unit digits of currency, 2 when litecrm does not know it. */
static int currency_digits(const char *currency)
{
	int d = money_digits(currency);

	return d < 0 ? 2 : d;
}

json_t *money_json(int64_t amount, int digits)
{
	int64_t scale;

	if (digits < 0 || digits > 3)
		digits = 2;
	scale = pow10i(digits);
	if (amount % scale == 0)
		return json_integer(amount / scale);
	/*
	 * amount is at most 10^15 minor units, so the quotient has at most 15
	 * significant digits and %.15g (REPR_DUMP_FLAGS) prints it back exactly.
	 */
	return json_real((double)amount / (double)scale);
}

json_t *workspace_json(const struct workspace *w)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:I}", "id", (json_int_t)w->id, "slug", w->slug,
			 "name", w->name, "currency", w->currency, "language", w->language,
			 "members_see_all", w->members_see_all != 0, "version",
			 (json_int_t)w->version);
}

json_t *user_json(const struct user *u)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:b,s:I,s:o}", "id", (json_int_t)u->id, "username",
			 u->username, "display_name", u->display_name, "email", u->email, "role",
			 role_name(u->role), "active", u->active != 0, "version",
			 (json_int_t)u->version, "created_at", str_or_null(u->created_at));
}

json_t *stage_json(const struct stage *s)
{
	/* stalled_days (reports and history): null when the stage never stalls. */
	return json_pack("{s:I,s:s,s:s,s:s,s:s,s:i,s:s,s:i,s:I,s:o}", "id", (json_int_t)s->id,
			 "key", s->key, "name_zh", s->name_zh, "name_en", s->name_en, "guidance",
			 s->guidance, "probability", s->probability, "kind",
			 stage_kind_name(s->kind), "position", s->position, "version",
			 (json_int_t)s->version, "stalled_days",
			 s->stalled_days > 0 ? json_integer(s->stalled_days) : json_null());
}

json_t *company_json(const struct company *c)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:I,s:o,s:o}", "id", (json_int_t)c->id, "name", c->name,
			 "website", c->website, "phone", c->phone, "version",
			 (json_int_t)c->version, "created_at", str_or_null(c->created_at),
			 "updated_at", str_or_null(c->updated_at));
}

json_t *contact_json(const struct contact *c)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:I,s:o,s:o}", "id", (json_int_t)c->id,
			 "company_id", (json_int_t)c->company_id, "name", c->name, "title",
			 c->title, "phone", c->phone, "email", c->email, "version",
			 (json_int_t)c->version, "created_at", str_or_null(c->created_at),
			 "updated_at", str_or_null(c->updated_at));
}

json_t *deal_json(const struct deal *d)
{
	int digits = currency_digits(d->currency);
	int prob = d->probability >= 0 ? d->probability : d->stage_probability;
	json_t *o;

	o = json_pack("{s:I,s:I,s:s,s:s,s:o,s:s,s:I,s:s,s:s,s:i,s:o,s:o}", "id", (json_int_t)d->id,
		      "company_id", (json_int_t)d->company_id, "company", d->company_name, "name",
		      d->name, "amount", money_json(d->amount, digits), "currency", d->currency,
		      "stage_id", (json_int_t)d->stage_id, "stage", d->stage_key, "status",
		      stage_kind_name(d->stage_kind), "probability", prob, "probability_override",
		      d->probability >= 0 ? json_integer(d->probability) : json_null(), "expected",
		      money_json(money_expected(d->amount, prob), digits));
	if (!o)
		return NULL;
	/* json_pack takes at most so many pairs readably; the rest go in a second pass. */
	if (json_object_update_new(
		o,
		json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:s,s:o,s:o,s:o,s:I}", "owner_id",
			  (json_int_t)d->owner_id, "owner", d->owner_username, "owner_name",
			  d->owner_name, "assigned_by", id_or_null(d->assigned_by), "assigned_at",
			  str_or_null(d->assigned_at), "close_date", str_or_null(d->close_date),
			  "next_step", d->next_step, "created_by", id_or_null(d->created_by),
			  "created_at", str_or_null(d->created_at), "updated_at",
			  str_or_null(d->updated_at), "version", (json_int_t)d->version)) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- JSON written directly (struct repr_buf) ---- */

void repr_reserve(struct repr_buf *b, size_t n)
{
	char *p;
	size_t cap;

	if (b->oom || n <= b->cap - b->len)
		return;
	cap = b->cap ? b->cap : 1024;
	while (cap - b->len < n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

void repr_put(struct repr_buf *b, const char *s, size_t n)
{
	if (n > b->cap - b->len) {
		repr_reserve(b, n);
		if (b->oom)
			return;
	} else if (b->oom) {
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void repr_put_str(struct repr_buf *b, const char *s)
{
	repr_put(b, s, strlen(s));
}

/* repr_put_int writes v in decimal, as "%" PRId64 would (without printf's cost). */
void repr_put_int(struct repr_buf *b, int64_t v)
{
	char t[24], *p = t + sizeof(t);
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	repr_put(b, p, (size_t)(t + sizeof(t) - p));
}

/* Each byte of a 64-bit word: the masks of the word-at-a-time scan below. */
#define BYTES_01 0x0101010101010101ULL
#define BYTES_80 0x8080808080808080ULL

/*
 * json_word_plain: none of the 8 bytes of w is '"', '\\' or below 0x20.
 * (w - 0x20 in each byte) & ~w has a byte's top bit set where that byte is
 * below 0x20 (a borrow can set more bits, but only above a byte that is
 * below 0x20: the answer "any" stays exact); w ^ c turns bytes equal to c
 * into zero bytes, found the same way.
 */
static int json_word_plain(uint64_t w)
{
	uint64_t q = w ^ (BYTES_01 * '"'), bs = w ^ (BYTES_01 * '\\');

	return !((((w - BYTES_01 * 0x20) & ~w) | ((q - BYTES_01) & ~q) | ((bs - BYTES_01) & ~bs)) &
		 BYTES_80);
}

/* json_byte_plain: c needs no escape in a JSON string. */
static int json_byte_plain(unsigned char c)
{
	return c >= 0x20 && c != '"' && c != '\\';
}

/*
 * put_json_escaped writes s from its first byte that needs an escape (at
 * s + from) on, escaping '"', '\\' and control characters; the opening
 * quote and s's first from bytes are written already.
 */
static void put_json_escaped(struct repr_buf *b, const char *s, size_t from)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *run = s + from;
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};

	for (s += from; *s; s++) {
		unsigned char c = (unsigned char)*s;
		const char *e = NULL;
		size_t n = 2;

		if (json_byte_plain(c))
			continue;
		repr_put(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			e = esc;
			n = 6;
		}
		repr_put(b, e, n);
	}
	repr_put(b, run, (size_t)(s - run));
	repr_put(b, "\"", 1);
}

/*
 * put_json_str writes s as a JSON string the way jansson dumps it without
 * JSON_ENSURE_ASCII: '"', '\\' and control characters escaped, the rest
 * (UTF-8, checked when it came in) as is. Most strings need no escape: they
 * are scanned 8 bytes at a time (within strlen(s): no read past the string)
 * and copied at once.
 */
static void put_json_str(struct repr_buf *b, const char *s)
{
	size_t n = strlen(s), i = 0;
	uint64_t w;
	char *p;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, s + i, 8);
		if (!json_word_plain(w))
			break;
	}
	while (i < n && json_byte_plain((unsigned char)s[i]))
		i++;
	repr_reserve(b, n + 2);
	if (b->oom)
		return;
	p = b->p + b->len;
	*p++ = '"';
	memcpy(p, s, i);
	b->len += i + 1;
	if (i < n) {
		put_json_escaped(b, s, i);
		return;
	}
	p[i] = '"';
	b->len++;
}

/* put_str_or_null: a JSON string, or null when s is empty (str_or_null). */
static void put_str_or_null(struct repr_buf *b, const char *s)
{
	if (s[0])
		put_json_str(b, s);
	else
		repr_put(b, "null", 4);
}

static void put_id_or_null(struct repr_buf *b, int64_t id)
{
	if (id)
		repr_put_int(b, id);
	else
		repr_put(b, "null", 4);
}

/*
 * put_money writes what money_json() dumps as: an integer, or the quotient
 * as jansson prints a real with JSON_REAL_PRECISION(15) ("%.15g", and ".0"
 * when that has neither a point nor an exponent).
 */
static void put_money(struct repr_buf *b, int64_t amount, int digits)
{
	int64_t scale;
	char t[40];
	int n;

	if (digits < 0 || digits > 3)
		digits = 2;
	scale = pow10i(digits);
	if (amount % scale == 0) {
		repr_put_int(b, amount / scale);
		return;
	}
	n = snprintf(t, sizeof(t), "%.15g", (double)amount / (double)scale);
	if (n > 0 && (size_t)n < sizeof(t) - 2 && !strpbrk(t, ".eE")) {
		memcpy(t + n, ".0", 3);
		n += 2;
	}
	repr_put(b, t, (size_t)n);
}

/*
 * put_lit is repr_put inlined, for a string literal: its length known, the
 * compiler copies it with a few moves instead of a call to memcpy.
 */
static inline void put_lit(struct repr_buf *b, const char *s, size_t n)
{
	if (n > b->cap - b->len)
		repr_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* KEY writes a string literal: the key and its punctuation. */
#define KEY(b, lit) put_lit(b, lit, sizeof(lit) - 1)

void deal_write(struct repr_buf *b, const struct deal *d)
{
	int digits = currency_digits(d->currency);
	int prob = d->probability >= 0 ? d->probability : d->stage_probability;

	KEY(b, "{\"id\":");
	repr_put_int(b, d->id);
	KEY(b, ",\"company_id\":");
	repr_put_int(b, d->company_id);
	KEY(b, ",\"company\":");
	put_json_str(b, d->company_name);
	KEY(b, ",\"name\":");
	put_json_str(b, d->name);
	KEY(b, ",\"amount\":");
	put_money(b, d->amount, digits);
	KEY(b, ",\"currency\":");
	put_json_str(b, d->currency);
	KEY(b, ",\"stage_id\":");
	repr_put_int(b, d->stage_id);
	KEY(b, ",\"stage\":");
	put_json_str(b, d->stage_key);
	KEY(b, ",\"status\":");
	put_json_str(b, stage_kind_name(d->stage_kind));
	KEY(b, ",\"probability\":");
	repr_put_int(b, prob);
	KEY(b, ",\"probability_override\":");
	if (d->probability >= 0)
		repr_put_int(b, d->probability);
	else
		repr_put(b, "null", 4);
	KEY(b, ",\"expected\":");
	put_money(b, money_expected(d->amount, prob), digits);
	KEY(b, ",\"owner_id\":");
	repr_put_int(b, d->owner_id);
	KEY(b, ",\"owner\":");
	put_json_str(b, d->owner_username);
	KEY(b, ",\"owner_name\":");
	put_json_str(b, d->owner_name);
	KEY(b, ",\"assigned_by\":");
	put_id_or_null(b, d->assigned_by);
	KEY(b, ",\"assigned_at\":");
	put_str_or_null(b, d->assigned_at);
	KEY(b, ",\"close_date\":");
	put_str_or_null(b, d->close_date);
	KEY(b, ",\"next_step\":");
	put_json_str(b, d->next_step);
	KEY(b, ",\"created_by\":");
	put_id_or_null(b, d->created_by);
	KEY(b, ",\"created_at\":");
	put_str_or_null(b, d->created_at);
	KEY(b, ",\"updated_at\":");
	put_str_or_null(b, d->updated_at);
	KEY(b, ",\"version\":");
	repr_put_int(b, d->version);
	repr_put(b, "}", 1);
}

/*
 * board_card_write: one card of GET /board. The stage and status are the
 * column's; overdue and stalled are computed here from the board's today
 * and now (stalled as GET /reports/stalled counts it).
 */
static void board_card_write(struct repr_buf *b, const struct board *bd, const struct stage *stg,
			     const struct board_card *c)
{
	int digits = currency_digits(c->currency);
	int prob = c->probability >= 0 ? c->probability : c->stage_probability;
	int open = c->stage_kind == STAGE_OPEN;
	int64_t secs = bd->now - c->entered;

	KEY(b, "{\"id\":");
	repr_put_int(b, c->id);
	KEY(b, ",\"company\":");
	put_json_str(b, c->company_name);
	KEY(b, ",\"name\":");
	put_json_str(b, c->name);
	KEY(b, ",\"amount\":");
	put_money(b, c->amount, digits);
	KEY(b, ",\"expected\":");
	put_money(b, money_expected(c->amount, prob), digits);
	KEY(b, ",\"probability_override\":");
	if (c->probability >= 0)
		repr_put_int(b, c->probability);
	else
		repr_put(b, "null", 4);
	KEY(b, ",\"owner_id\":");
	repr_put_int(b, c->owner_id);
	KEY(b, ",\"owner\":");
	put_json_str(b, c->owner_username);
	KEY(b, ",\"owner_name\":");
	put_json_str(b, c->owner_name);
	KEY(b, ",\"close_date\":");
	put_str_or_null(b, c->close_date);
	KEY(b, ",\"version\":");
	repr_put_int(b, c->version);
	if (open && c->close_date[0] && strcmp(c->close_date, bd->today) < 0)
		KEY(b, ",\"overdue\":true");
	if (open && c->entered > 0 && stg->stalled_days > 0 &&
	    secs > (int64_t)stg->stalled_days * 86400) {
		KEY(b, ",\"stalled\":{\"days\":");
		put_money(b, report_days100(secs), 2);
		KEY(b, ",\"stalled_days\":");
		repr_put_int(b, stg->stalled_days);
		repr_put(b, "}", 1);
	}
	repr_put(b, "}", 1);
}

void board_write(struct repr_buf *b, const struct board *bd)
{
	const struct summary *s = &bd->sum;
	int digits = s->digits >= 0 ? s->digits : currency_digits(s->currency);
	int first = 1;

	KEY(b, "{\"currency\":");
	put_json_str(b, s->currency);
	if (!bd->paging) {
		KEY(b, ",\"today\":");
		put_json_str(b, bd->today);
		KEY(b, ",\"stages\":[");
		for (size_t i = 0; i < s->stages.n; i++) {
			json_t *o = stage_json(&s->stages.v[i]);
			char *t = o ? json_dumps(o, REPR_DUMP_FLAGS) : NULL;

			if (!t)
				b->oom = 1;
			else {
				if (i)
					repr_put(b, ",", 1);
				repr_put_str(b, t);
			}
			free(t);
			json_decref(o);
		}
		KEY(b, "],\"open\":{\"count\":");
		repr_put_int(b, s->open_count);
		KEY(b, ",\"amount\":");
		put_money(b, s->open_amount, digits);
		KEY(b, ",\"expected\":");
		put_money(b, s->open_expected, digits);
		repr_put(b, "}", 1);
	}
	KEY(b, ",\"columns\":[");
	for (size_t i = 0; i < s->stages.n; i++) {
		const struct stage *stg = &s->stages.v[i];
		const struct board_column *c = &bd->cols[i];

		if (bd->paging && bd->paging != stg->id)
			continue;
		if (!first)
			repr_put(b, ",", 1);
		first = 0;
		KEY(b, "{\"stage_id\":");
		repr_put_int(b, stg->id);
		KEY(b, ",\"stage\":");
		put_json_str(b, stg->key);
		if (!bd->paging) {
			KEY(b, ",\"count\":");
			repr_put_int(b, s->sums[i].count);
			KEY(b, ",\"amount\":");
			put_money(b, s->sums[i].amount, digits);
			KEY(b, ",\"expected\":");
			put_money(b, s->sums[i].expected, digits);
		}
		KEY(b, ",\"cards\":[");
		for (size_t j = 0; j < c->cards.n; j++) {
			if (j)
				repr_put(b, ",", 1);
			board_card_write(b, bd, stg, &c->cards.v[j]);
		}
		KEY(b, "],\"more\":");
		if (c->more)
			KEY(b, "true");
		else
			KEY(b, "false");
		repr_put(b, "}", 1);
	}
	KEY(b, "]}");
}

json_t *stage_change_json(const struct stage_change *h)
{
	return json_pack("{s:I,s:I,s:o,s:o,s:o,s:I,s:o,s:o,s:o}", "id", (json_int_t)h->id,
			 "deal_id", (json_int_t)h->deal_id, "from_stage",
			 h->from_stage_id ? str_or_null(h->from_key) : json_null(), "to_stage",
			 str_or_null(h->to_key), "from_stage_id", id_or_null(h->from_stage_id),
			 "to_stage_id", (json_int_t)h->to_stage_id, "changed_by",
			 id_or_null(h->changed_by), "changed_by_username",
			 str_or_null(h->by_username), "changed_at", str_or_null(h->changed_at));
}

json_t *token_json(const struct token *t)
{
	return json_pack("{s:I,s:s,s:s,s:o,s:o,s:o}", "id", (json_int_t)t->id, "name", t->name,
			 "kind", t->kind == TOKEN_API ? "api" : "session", "created_at",
			 str_or_null(t->created_at), "last_used_at", str_or_null(t->last_used_at),
			 "expires_at", str_or_null(t->expires_at));
}

/* bucket_json: {"count","amount"} plus "expected" when expected >= 0. */
static json_t *bucket_json(int64_t count, int64_t amount, int64_t expected, int digits)
{
	if (expected < 0)
		return json_pack("{s:I,s:o}", "count", (json_int_t)count, "amount",
				 money_json(amount, digits));
	return json_pack("{s:I,s:o,s:o}", "count", (json_int_t)count, "amount",
			 money_json(amount, digits), "expected", money_json(expected, digits));
}

json_t *summary_json(const struct summary *s, const char *lang)
{
	int digits = s->digits >= 0 ? s->digits : currency_digits(s->currency);
	int en = lang && strcmp(lang, "en") == 0;
	json_t *stages = NULL, *o = NULL;
	size_t i;

	stages = json_array();
	if (!stages)
		goto fail;
	for (i = 0; i < s->stages.n; i++) {
		const struct stage *st = &s->stages.v[i];
		const struct stage_sum *sum = s->sums ? &s->sums[i] : NULL;
		json_t *item;

		item = json_pack("{s:I,s:s,s:s,s:i,s:s,s:I,s:o,s:o}", "id", (json_int_t)st->id,
				 "key", st->key, "name", en ? st->name_en : st->name_zh,
				 "probability", st->probability, "kind", stage_kind_name(st->kind),
				 "count", (json_int_t)(sum ? sum->count : 0), "amount",
				 money_json(sum ? sum->amount : 0, digits), "expected",
				 money_json(sum ? sum->expected : 0, digits));
		if (json_array_append_new(stages, item) != 0)
			goto fail;
	}
	o = json_pack("{s:s,s:o,s:o,s:o,s:O}", "currency", s->currency, "won",
		      bucket_json(s->won_count, s->won_amount, -1, digits), "lost",
		      bucket_json(s->lost_count, s->lost_amount, -1, digits), "open",
		      bucket_json(s->open_count, s->open_amount, s->open_expected, digits),
		      "stages", stages);
	if (o && s->owners) {
		json_t *owners = json_array();

		for (i = 0; owners && i < s->nowners; i++) {
			const struct owner_summary *w = &s->owners[i];
			const struct summary_totals *t = &w->t;

			if (json_array_append_new(
				owners,
				json_pack(
				    "{s:I,s:s,s:s,s:o,s:o,s:o}", "owner_id",
				    (json_int_t)w->owner_id, "owner", w->username, "owner_name",
				    w->display_name, "won",
				    bucket_json(t->won_count, t->won_amount, -1, digits), "lost",
				    bucket_json(t->lost_count, t->lost_amount, -1, digits), "open",
				    bucket_json(t->open_count, t->open_amount, t->open_expected,
						digits))) != 0) {
				json_decref(owners);
				owners = NULL;
			}
		}
		if (!owners || json_object_set_new(o, "owners", owners) != 0) {
			json_decref(o);
			o = NULL;
		}
	}
fail:
	json_decref(stages);
	return o;
}

json_t *audit_entry_json(const struct audit_entry *a)
{
	json_t *detail = json_loads(a->detail, 0, NULL);

	if (!json_is_object(detail)) {
		json_decref(detail);
		detail = json_object();
	}
	return json_pack("{s:I,s:s,s:o,s:o,s:s,s:o,s:o,s:s,s:o}", "id", (json_int_t)a->id, "at",
			 a->at, "actor_id", id_or_null(a->actor_id), "actor",
			 str_or_null(a->actor_username), "action", a->action, "target_type",
			 str_or_null(a->target_type), "target_id", id_or_null(a->target_id), "addr",
			 a->addr, "detail", detail);
}

json_t *trash_entry_json(const struct trash_entry *t)
{
	json_t *o = deal_json(&t->deal);
	char until[TS_LEN] = "";
	int64_t at;

	if (!o)
		return NULL;
	if (report_time_parse(t->deleted_at, &at) == 0)
		report_time_format(at + (int64_t)TRASH_KEEP_DAYS * REPORT_DAY, until);
	if (json_object_update_new(o, json_pack("{s:s,s:o,s:o,s:o}", "deleted_at", t->deleted_at,
						"deleted_by", id_or_null(t->deleted_by),
						"deleted_by_username",
						str_or_null(t->deleted_by_username), "purge_after",
						str_or_null(until))) != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
