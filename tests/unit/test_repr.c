/*
 * test_repr.c - JSON shapes (repr.c) and the request checks of the API
 * (api.c): exact amounts, deal fields, the field-list parser, If-Match, the
 * error table and the router's 404/405 answers.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "api.h"
#include "model.h"
#include "repr.h"

/* dump returns o as text (free it) and drops the reference. */
static char *dump(json_t *o)
{
	char *s;

	cr_assert_not_null(o);
	s = json_dumps(o, REPR_DUMP_FLAGS | JSON_ENCODE_ANY);
	json_decref(o);
	cr_assert_not_null(s);
	return s;
}

/* ---- money_json ---- */

Test(money_json, fraction_prints_exactly)
{
	char *s = dump(money_json(123456, 2));

	cr_expect_str_eq(s, "1234.56");
	free(s);
}

Test(money_json, whole_amount_is_an_integer)
{
	char *s = dump(money_json(12500000, 2));

	cr_expect_str_eq(s, "125000");
	free(s);
}

Test(money_json, zero_digit_currency)
{
	char *s = dump(money_json(125000, 0));

	cr_expect_str_eq(s, "125000");
	free(s);
}

Test(money_json, largest_amount_is_exact)
{
	char *s = dump(money_json(INT64_C(999999999999999), 2));

	cr_expect_str_eq(s, "9999999999999.99");
	free(s);
}

Test(money_json, small_and_negative)
{
	char *s = dump(money_json(5, 2));

	cr_expect_str_eq(s, "0.05");
	free(s);
	s = dump(money_json(-150, 2));
	cr_expect_str_eq(s, "-1.5");
	free(s);
}

/* ---- deal_json ---- */

static struct deal sample_deal(void)
{
	struct deal d;

	memset(&d, 0, sizeof(d));
	d.id = 7;
	d.company_id = 3;
	strcpy(d.company_name, "台積電");
	strcpy(d.name, "Fab tools");
	d.amount = 123456; /* 1234.56 */
	strcpy(d.currency, "TWD");
	d.stage_id = 4;
	strcpy(d.stage_key, "value_proposition");
	d.stage_kind = STAGE_OPEN;
	d.stage_probability = 50;
	d.probability = -1;
	d.owner_id = 2;
	strcpy(d.owner_username, "amy");
	strcpy(d.owner_name, "Amy");
	d.version = 5;
	strcpy(d.created_at, "2026-11-27T09:18:43Z");
	strcpy(d.updated_at, "2026-11-27T09:18:43Z");
	return d;
}

Test(deal_json, stage_probability_applies_without_override)
{
	struct deal d = sample_deal();
	json_t *o = deal_json(&d);

	cr_assert_not_null(o);
	cr_expect_eq(json_integer_value(json_object_get(o, "probability")), 50);
	cr_expect(json_is_null(json_object_get(o, "probability_override")));
	cr_expect(json_is_null(json_object_get(o, "assigned_by")));
	cr_expect(json_is_null(json_object_get(o, "close_date")));
	cr_expect_str_eq(json_string_value(json_object_get(o, "stage")), "value_proposition");
	cr_expect_str_eq(json_string_value(json_object_get(o, "status")), "open");
	cr_expect_str_eq(json_string_value(json_object_get(o, "owner")), "amy");
	cr_expect_str_eq(json_string_value(json_object_get(o, "company")), "台積電");
	cr_expect_eq(json_integer_value(json_object_get(o, "version")), 5);
	json_decref(o);
}

Test(deal_json, amounts_print_exactly)
{
	struct deal d = sample_deal();
	json_t *o = deal_json(&d);
	char *amount, *expected;

	cr_assert_not_null(o);
	amount = dump(json_incref(json_object_get(o, "amount")));
	expected = dump(json_incref(json_object_get(o, "expected")));
	cr_expect_str_eq(amount, "1234.56");
	cr_expect_str_eq(expected, "617.28");
	free(amount);
	free(expected);
	json_decref(o);
}

Test(deal_json, override_and_assignment)
{
	struct deal d = sample_deal();
	json_t *o;

	d.probability = 25;
	d.assigned_by = 1;
	strcpy(d.close_date, "2026-12-31");
	o = deal_json(&d);
	cr_assert_not_null(o);
	cr_expect_eq(json_integer_value(json_object_get(o, "probability")), 25);
	cr_expect_eq(json_integer_value(json_object_get(o, "probability_override")), 25);
	cr_expect_eq(json_integer_value(json_object_get(o, "assigned_by")), 1);
	cr_expect_str_eq(json_string_value(json_object_get(o, "close_date")), "2026-12-31");
	/* 1234.56 x 25% = 308.64 */
	cr_expect_eq(json_real_value(json_object_get(o, "expected")), 308.64);
	json_decref(o);
}

/* ---- deal_write: the same bytes as deal_json, dumped ---- */

/* expect_same_bytes checks deal_write(d) against json_dumps(deal_json(d)). */
static void expect_same_bytes(const struct deal *d)
{
	struct repr_buf b = {0};
	char *want = dump(deal_json(d));

	deal_write(&b, d);
	repr_put(&b, "", 1);
	cr_assert_eq(b.oom, 0);
	cr_expect_str_eq(b.p, want);
	free(b.p);
	free(want);
}

Test(deal_write, matches_deal_json)
{
	struct deal d = sample_deal();
	static const char *currencies[] = {"TWD", "JPY", "USD", "KWD", "XXX"};
	static const int64_t amounts[] = {
	    0, 1, 5, 99, 100, 123456, 100000000, -250, 999999999999999, 1000000000000000};
	size_t i, k;

	expect_same_bytes(&d);
	for (i = 0; i < sizeof(currencies) / sizeof(currencies[0]); i++)
		for (k = 0; k < sizeof(amounts) / sizeof(amounts[0]); k++) {
			strcpy(d.currency, currencies[i]);
			d.amount = amounts[k];
			d.probability = (int)(k * 11 % 101);
			expect_same_bytes(&d);
		}
}

Test(deal_write, escapes_and_nulls_as_jansson)
{
	struct deal d = sample_deal();

	strcpy(d.name, "a \"quoted\" \\ back/slash\ttab\nline\x01\x1f\x7f 中文 é");
	strcpy(d.company_name, "");
	strcpy(d.next_step, "\b\f\r");
	d.assigned_by = 9;
	strcpy(d.assigned_at, "2026-01-02T03:04:05Z");
	strcpy(d.close_date, "2026-12-31");
	d.created_by = 0;
	strcpy(d.created_at, "");
	d.stage_kind = STAGE_WON;
	expect_same_bytes(&d);
	d.stage_kind = STAGE_LOST;
	d.probability = 0;
	expect_same_bytes(&d);
}

/*
 * Strings are scanned 8 bytes at a time: a byte that needs an escape (or a
 * neighbour of one that does not) at every position of strings of every
 * length up to three words and a half, among ASCII and UTF-8 bytes.
 */
Test(deal_write, escapes_at_every_position)
{
	static const char *marks[] = {"\"", "\\", "\x01", "\x1f", "\n", " ",  "!",    "#",
				      "[",  "]",  "\x7f", "/",	  "é",	"中", "\"\\", "\t\x02"};
	static const char fill[] = "ab中c d\xc3\xa9xyz0123456789ABCDEFGHIJ";
	struct deal d = sample_deal();
	size_t m, len, pos;

	for (m = 0; m < sizeof(marks) / sizeof(marks[0]); m++)
		for (len = 0; len <= 28; len++)
			for (pos = 0; pos <= len; pos++) {
				size_t ml = strlen(marks[m]);
				size_t k, at = pos;

				/* fill's first len bytes, cut back to a whole character */
				for (k = len; k > 0 && ((unsigned char)fill[k] & 0xc0) == 0x80; k--)
					;
				memcpy(d.name, fill, k);
				d.name[k] = '\0';
				if (at > k)
					continue;
				while (at > 0 && ((unsigned char)d.name[at] & 0xc0) == 0x80)
					at--;
				memmove(d.name + at + ml, d.name + at, k - at + 1);
				memcpy(d.name + at, marks[m], ml);
				expect_same_bytes(&d);
			}
}

Test(repr_put_int, prints_as_printf)
{
	static const int64_t v[] = {0,
				    1,
				    -1,
				    9,
				    10,
				    -10,
				    123456789,
				    INT64_MAX,
				    INT64_MIN,
				    INT64_MIN + 1,
				    1000000000000000000};
	char want[32];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct repr_buf b = {0};

		repr_put_int(&b, v[i]);
		repr_put(&b, "", 1);
		snprintf(want, sizeof(want), "%" PRId64, v[i]);
		cr_assert_eq(b.oom, 0);
		cr_expect_str_eq(b.p, want);
		free(b.p);
	}
}

Test(repr_reserve, keeps_what_was_written)
{
	struct repr_buf b = {0};

	repr_put_str(&b, "abc");
	repr_reserve(&b, 100000);
	cr_assert_eq(b.oom, 0);
	cr_expect_geq(b.cap - b.len, 100000);
	repr_put(&b, "", 1);
	cr_expect_str_eq(b.p, "abc");
	free(b.p);
}

/* ---- summary_json ---- */

Test(summary_json, stage_names_follow_lang)
{
	struct stage st[1];
	struct stage_sum sum[1] = {
	    {.stage_id = 1, .count = 1, .amount = 100000000, .expected = 50000000}};
	struct summary s;
	json_t *o, *item;

	memset(st, 0, sizeof(st));
	st[0].id = 1;
	strcpy(st[0].key, "value_proposition");
	strcpy(st[0].name_zh, "價值主張");
	strcpy(st[0].name_en, "Value Proposition");
	st[0].probability = 50;
	memset(&s, 0, sizeof(s));
	strcpy(s.currency, "TWD");
	s.digits = 2;
	s.won_count = 1;
	s.won_amount = 12500000;
	s.stages.v = st;
	s.stages.n = 1;
	s.sums = sum;

	o = summary_json(&s, "en");
	cr_assert_not_null(o);
	item = json_array_get(json_object_get(o, "stages"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(item, "name")), "Value Proposition");
	cr_expect_eq(json_integer_value(json_object_get(item, "amount")), 1000000);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(o, "won"), "amount")),
		     125000);
	cr_expect_not_null(json_object_get(json_object_get(o, "open"), "expected"));
	json_decref(o);

	o = summary_json(&s, "zh-TW");
	item = json_array_get(json_object_get(o, "stages"), 0);
	cr_expect_str_eq(json_string_value(json_object_get(item, "name")), "價值主張");
	json_decref(o);
}

/* ---- request JSON ---- */

struct sample {
	char name[11];
	int n;
	int opt;
	int64_t id;
	int flag;
	char amount[48];
	char date[DATE_LEN];
	struct api_ids ids;
};
static const struct api_field sample_fields[] = {
    {"name", AF_STRING, 1, offsetof(struct sample, name), 11},
    {"n", AF_INT, 2, offsetof(struct sample, n), sizeof(int)},
    {"opt", AF_NINT, 4, offsetof(struct sample, opt), sizeof(int)},
    {"id", AF_ID, 8, offsetof(struct sample, id), sizeof(int64_t)},
    {"flag", AF_BOOL, 16, offsetof(struct sample, flag), sizeof(int)},
    {"amount", AF_AMOUNT, 32, offsetof(struct sample, amount), 48},
    {"close_date", AF_DATE, 64, offsetof(struct sample, date), DATE_LEN},
    {"ids", AF_IDS, 128, offsetof(struct sample, ids), sizeof(struct api_ids)},
    {NULL},
};

/* parse runs text through api_json_parse and api_fields_parse. */
static int parse(const char *text, struct sample *out, unsigned *set, struct errinfo *e)
{
	json_t *o = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	*set = 0;
	rc = api_json_parse(text, strlen(text), &o, e);
	if (rc != 0)
		return rc;
	rc = api_fields_parse("deal", sample_fields, o, out, set, e);
	json_decref(o);
	return rc;
}

Test(fields, every_type_reads)
{
	struct sample s;
	struct errinfo e;
	unsigned set;
	int rc;

	rc = parse("{\"name\":\"Acme\",\"n\":3,\"opt\":null,\"id\":9000000000,\"flag\":true,"
		   "\"amount\":1234.56,\"close_date\":\"2026-02-28\",\"ids\":[3,1,2]}",
		   &s, &set, &e);
	cr_assert_eq(rc, 0, "rc %d: %s %s", rc, e.code, e.message);
	cr_expect_eq(set, 255u);
	cr_expect_str_eq(s.name, "Acme");
	cr_expect_eq(s.n, 3);
	cr_expect_eq(s.opt, PROBABILITY_NONE);
	cr_expect_eq(s.id, INT64_C(9000000000));
	cr_expect_eq(s.flag, 1);
	cr_expect_str_eq(s.amount, "1234.56");
	cr_expect_str_eq(s.date, "2026-02-28");
	cr_assert_eq(s.ids.n, 3u);
	cr_expect_eq(s.ids.v[0], 3);
	free(s.ids.v);
}

Test(fields, empty_body_is_an_empty_object)
{
	struct sample s;
	struct errinfo e;
	unsigned set;

	cr_expect_eq(parse("", &s, &set, &e), 0);
	cr_expect_eq(set, 0u);
}

Test(fields, unknown_field)
{
	struct sample s;
	struct errinfo e;
	unsigned set;

	cr_expect_eq(parse("{\"nmae\":\"x\"}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.unknown_field");
	cr_expect_str_eq(e.field, "nmae");
}

Test(fields, wrong_type_names_the_field)
{
	struct sample s;
	struct errinfo e;
	unsigned set;

	cr_expect_eq(parse("{\"n\":\"3\"}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.type");
	cr_expect_str_eq(e.field, "n");
	cr_expect_eq(parse("{\"flag\":1}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.type");
	cr_expect_eq(parse("{\"ids\":[1,\"2\"]}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.field, "ids");
	cr_expect_eq(parse("{\"amount\":true}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.type");
}

Test(fields, string_over_cap)
{
	struct sample s;
	struct errinfo e;
	unsigned set;

	cr_expect_eq(parse("{\"name\":\"0123456789\"}", &s, &set, &e), 0);
	cr_expect_eq(parse("{\"name\":\"01234567890\"}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "deal.name_too_long");
	cr_expect_str_eq(e.field, "name");
}

Test(fields, bad_date)
{
	struct sample s;
	struct errinfo e;
	unsigned set;

	cr_expect_eq(parse("{\"close_date\":\"2026-02-30\"}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "deal.close_date_invalid");
	cr_expect_eq(parse("{\"close_date\":null}", &s, &set, &e), 0);
	cr_expect_str_eq(s.date, "");
}

Test(fields, malformed_and_not_an_object)
{
	struct sample s;
	struct errinfo e;
	unsigned set;

	cr_expect_eq(parse("{\"name\":", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.malformed_json");
	cr_expect_eq(parse("[1,2]", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.malformed_json");
	cr_expect_eq(parse("{\"name\":\"a\",\"name\":\"b\"}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.malformed_json");
}

Test(fields, invalid_utf8)
{
	struct sample s;
	struct errinfo e;
	unsigned set;

	cr_expect_eq(parse("{\"name\":\"\xff\xfe\"}", &s, &set, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.invalid_utf8");
}

Test(fields, nesting_deeper_than_32)
{
	char text[200];
	json_t *o = NULL;
	struct errinfo e = {0};
	int i, n = 0;

	n += sprintf(text + n, "{\"a\":");
	for (i = 0; i < 40; i++)
		text[n++] = '[';
	for (i = 0; i < 40; i++)
		text[n++] = ']';
	text[n++] = '}';
	text[n] = '\0';
	cr_expect_eq(api_json_parse(text, strlen(text), &o, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "request.malformed_json");
	/* Brackets inside strings do not count. */
	snprintf(text, sizeof(text), "{\"a\":\"%s\"}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	cr_expect_eq(api_json_parse(text, strlen(text), &o, &e), 0, "%s", e.message);
	json_decref(o);
}

/* ---- amounts ---- */

Test(amount, exact_conversion)
{
	struct errinfo e = {0};
	int64_t v = 0;

	cr_expect_eq(api_amount_parse("1234.56", 2, &v, &e), 0);
	cr_expect_eq(v, 123456);
	cr_expect_eq(api_amount_parse("125000", 2, &v, &e), 0);
	cr_expect_eq(v, 12500000);
	cr_expect_eq(api_amount_parse("1.5", 0, &v, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "deal.amount_invalid");
	cr_expect_eq(api_amount_parse("1e+20", 2, &v, &e), ERR_INVALID);
	cr_expect_eq(api_amount_parse("-3", 2, &v, &e), ERR_INVALID);
	cr_expect_str_eq(e.code, "deal.amount_negative");
}

Test(amount, real_goes_through_15_digits)
{
	struct sample s;
	struct errinfo e;
	unsigned set;
	int64_t v = 0;

	/* 0.1 + 0.2 style noise disappears at 15 significant digits. */
	cr_assert_eq(parse("{\"amount\":1234.5600000000001}", &s, &set, &e), 0);
	cr_expect_eq(api_amount_parse(s.amount, 2, &v, &e), 0);
	cr_expect_eq(v, 123456);
	cr_assert_eq(parse("{\"amount\":\"99.90\"}", &s, &set, &e), 0);
	cr_expect_eq(api_amount_parse(s.amount, 2, &v, &e), 0);
	cr_expect_eq(v, 9990);
}

/* ---- If-Match ---- */

Test(if_match, accepted_forms)
{
	int64_t v = 0;

	cr_expect_eq(api_if_match_parse("\"7\"", &v), 0);
	cr_expect_eq(v, 7);
	cr_expect_eq(api_if_match_parse("7", &v), 0);
	cr_expect_eq(v, 7);
	cr_expect_eq(api_if_match_parse("W/\"12\"", &v), 0);
	cr_expect_eq(v, 12);
	cr_expect_eq(api_if_match_parse(" \"3\" ", &v), 0);
	cr_expect_eq(v, 3);
}

Test(if_match, refused_forms)
{
	int64_t v = 0;

	cr_expect_eq(api_if_match_parse("*", &v), ERR_INVALID);
	cr_expect_eq(api_if_match_parse("\"0\"", &v), ERR_INVALID);
	cr_expect_eq(api_if_match_parse("\"\"", &v), ERR_INVALID);
	cr_expect_eq(api_if_match_parse("\"7", &v), ERR_INVALID);
	cr_expect_eq(api_if_match_parse("abc", &v), ERR_INVALID);
	cr_expect_eq(api_if_match_parse("-1", &v), ERR_INVALID);
}

/* ---- the error table ---- */

Test(errors, statuses_and_codes)
{
	const char *code;

	cr_expect_eq(api_error_status(ERR_INVALID, "deal.name_required", &code), 400);
	cr_expect_str_eq(code, "deal.name_required");
	cr_expect_eq(api_error_status(ERR_UNAUTH, "", &code), 401);
	cr_expect_str_eq(code, "auth.required");
	cr_expect_eq(api_error_status(ERR_FORBIDDEN, "", &code), 403);
	cr_expect_eq(api_error_status(ERR_NOTFOUND, "deal.not_found", &code), 404);
	cr_expect_eq(api_error_status(ERR_CONFLICT, "", &code), 409);
	cr_expect_eq(api_error_status(ERR_INUSE, "stage.in_use", &code), 409);
	cr_expect_eq(api_error_status(ERR_STALE, "deal.version", &code), 412);
	cr_expect_str_eq(code, "request.stale");
	cr_expect_eq(api_error_status(ERR_TOOBIG, "", &code), 413);
	cr_expect_eq(api_error_status(ERR_TOOBIG, "deal.name_too_long", &code), 400);
	cr_expect_eq(api_error_status(ERR_PRECOND, "", &code), 428);
	cr_expect_str_eq(code, "request.if_match_required");
	cr_expect_eq(api_error_status(ERR_THROTTLED, "", &code), 429);
	cr_expect_eq(api_error_status(ERR_RETRY, "", &code), 503);
	cr_expect_eq(api_error_status(ERR_DB, "sqlite.oops", &code), 500);
	cr_expect_str_eq(code, "server.error");
}

/* ---- routing (no database needed) ---- */

static json_t *handle(const char *method, const char *path, struct api_response *r)
{
	struct api_request req;
	json_error_t jerr;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	api_handle(NULL, &req, r);
	return r->body ? json_loadb(r->body, r->body_len, 0, &jerr) : NULL;
}

static const char *error_code(json_t *o)
{
	return json_string_value(json_object_get(json_object_get(o, "error"), "code"));
}

Test(router, health_needs_nothing)
{
	struct api_response r;
	json_t *o = handle("GET", "/api/v1/health", &r);

	cr_expect_eq(r.status, 200);
	cr_expect(json_is_true(json_object_get(o, "ok")));
	json_decref(o);
	api_response_release(&r);
}

Test(router, unknown_path_and_wrong_method)
{
	struct api_response r;
	json_t *o;

	o = handle("GET", "/api/v1/nothing", &r);
	cr_expect_eq(r.status, 404);
	cr_expect_str_eq(error_code(o), "route.not_found");
	json_decref(o);
	api_response_release(&r);

	o = handle("DELETE", "/api/v1/deals", &r);
	cr_expect_eq(r.status, 405);
	cr_expect_str_eq(error_code(o), "route.method");
	json_decref(o);
	api_response_release(&r);

	o = handle("GET", "/api/v1/stages/order", &r);
	cr_expect_eq(r.status, 405);
	json_decref(o);
	api_response_release(&r);

	o = handle("GET", "/api/v1/deals/0", &r);
	cr_expect_eq(r.status, 404);
	json_decref(o);
	api_response_release(&r);
}

/* A route matched beforehand (http.c's first callback) answers as one searched for. */
Test(router, matched_once)
{
	struct api_request req;
	struct api_response r;
	json_error_t jerr;
	json_t *o;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/api/v1/health";
	api_route_match(req.method, req.path, &req.match);
	cr_expect_not_null(req.match.route);
	cr_expect_eq(api_match_slow(&req.match), 0);
	cr_expect_eq(api_match_body_max(&req.match), (size_t)API_BODY_MAX);
	api_handle(NULL, &req, &r);
	cr_expect_eq(r.status, 200);
	api_response_release(&r);

	/* no route for the method: still 405 with Allow, found by searching again */
	req.method = "DELETE";
	req.path = "/api/v1/deals";
	api_route_match(req.method, req.path, &req.match);
	cr_expect_null(req.match.route);
	api_handle(NULL, &req, &r);
	cr_expect_eq(r.status, 405);
	cr_expect_eq(r.nheaders, 1);
	cr_expect_str_eq(r.headers[0].name, "Allow");
	o = json_loadb(r.body, r.body_len, 0, &jerr);
	cr_expect_str_eq(error_code(o), "route.method");
	json_decref(o);
	api_response_release(&r);

	api_route_match("GET", "/api/v1/deals/12", &req.match);
	cr_expect_eq(req.match.id, 12);
	api_route_match("POST", "/api/v1/login", &req.match);
	cr_expect(api_match_slow(&req.match));
}

Test(router, slow_routes)
{
	cr_expect(api_route_slow("POST", "/api/v1/login"));
	cr_expect(api_route_slow("POST", "/api/v1/users"));
	cr_expect(api_route_slow("POST", "/api/v1/users/3/password"));
	cr_expect(api_route_slow("GET", "/api/v1/reports/summary"));
	cr_expect(!api_route_slow("GET", "/api/v1/deals"));
	cr_expect(!api_route_slow("PATCH", "/api/v1/users/3"));
}
