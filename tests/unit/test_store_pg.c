/*
 * test_store_pg.c - the PostgreSQL store against a real server: the rounding
 * of lc_expected() equals money_expected() deal by deal, workspace isolation,
 * the error mapping (conflict, stale, in use), text matching that ignores
 * the server's locale and note search on its index. Every test is skipped unless
 * LITECRM_TEST_PG_URL names a database (make test-pg sets it); each test works in workspaces of its
 * own.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "model.h"
#include "money.h"
#include "search.h"
#include "store.h"
#include "store_checks.h"
#include "store_pg_int.h"

#include "report_facts_check.h"

static struct store *db;
static struct workspace ws1, ws2;
static struct user u1, u2;
static struct stage st1, st2;
static struct company co1, co2;

static void make_ws(struct workspace *w, struct user *u, struct stage *g, struct company *c,
		    const char *tag)
{
	static int seq;

	memset(w, 0, sizeof(*w));
	snprintf(w->slug, sizeof(w->slug), "%s-%d-%ld-%d", tag, (int)getpid(), (long)time(NULL),
		 seq++);
	snprintf(w->name, sizeof(w->name), "W %s", tag);
	strcpy(w->currency, "TWD");
	strcpy(w->language, "en");
	cr_assert_eq(db->ops->workspace_create(db, w), 0);
	memset(u, 0, sizeof(*u));
	u->workspace_id = w->id;
	strcpy(u->username, "alice");
	u->role = ROLE_ADMIN;
	u->active = 1;
	cr_assert_eq(db->ops->user_create(db, u, "$argon2id$x"), 0);
	memset(g, 0, sizeof(*g));
	g->workspace_id = w->id;
	strcpy(g->key, "open");
	g->probability = 10;
	g->kind = STAGE_OPEN;
	cr_assert_eq(db->ops->stage_create(db, g), 0);
	memset(c, 0, sizeof(*c));
	c->workspace_id = w->id;
	strcpy(c->name, "Acme");
	cr_assert_eq(db->ops->company_create(db, c), 0);
}

static void setup(void)
{
	const char *url = getenv("LITECRM_TEST_PG_URL");
	char err[256] = "";

	if (!url || !*url)
		cr_skip_test("LITECRM_TEST_PG_URL is not set (make test-pg sets it)");
	cr_assert_eq(store_open(url, 0, &db, err, sizeof(err)), 0, "store_open: %s", err);
	make_ws(&ws1, &u1, &st1, &co1, "one");
	make_ws(&ws2, &u2, &st2, &co2, "two");
}

static void teardown(void)
{
	store_close(db);
	db = NULL;
}

TestSuite(store_pg, .init = setup, .fini = teardown);

static int64_t deal_in(const struct workspace *w, const struct user *u, const struct stage *g,
		       const struct company *c, const char *name, int64_t amount, int prob,
		       const char *close)
{
	struct deal d;

	memset(&d, 0, sizeof(d));
	d.workspace_id = w->id;
	d.company_id = c->id;
	d.stage_id = g->id;
	d.owner_id = u->id;
	d.created_by = u->id;
	d.amount = amount;
	d.probability = prob;
	strcpy(d.currency, "TWD");
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.close_date, sizeof(d.close_date), "%s", close ? close : "");
	cr_assert_eq(db->ops->deal_create(db, &d), 0, "deal_create %s", name);
	return d.id;
}

Test(store_pg, lc_expected_rounds_as_money_expected)
{
	static const int64_t amounts[] = {-MONEY_MAX, -1000000000000001,
					  -151,	      -150,
					  -50,	      -49,
					  -1,	      0,
					  1,	      49,
					  50,	      51,
					  149,	      150,
					  250,	      12345,
					  999999999,  MONEY_MAX};
	static const int probs[] = {0, 1, 10, 33, 49, 50, 51, 67, 75, 99, 100};
	struct deal_filter f;
	struct stage_sum_list l = {0};
	char date[DATE_LEN];
	size_t i, j;
	unsigned k = 0;

	for (i = 0; i < sizeof(amounts) / sizeof(amounts[0]); i++) {
		for (j = 0; j < sizeof(probs) / sizeof(probs[0]); j++, k++) {
			/* One close date per deal: the summary of that date is that deal. */
			snprintf(date, sizeof(date), "%04u-01-01", (1000 + k) % 10000);
			deal_in(&ws1, &u1, &st1, &co1, "r", amounts[i], probs[j], date);
			deal_filter_init(&f);
			strcpy(f.close_from, date);
			strcpy(f.close_to, date);
			cr_assert_eq(db->ops->summary(db, ws1.id, &f, &l), 0);
			cr_assert_eq(l.n, 1);
			cr_assert_eq(l.v[0].expected, money_expected(amounts[i], probs[j]),
				     "amount %lld x %d%%: sql %lld, C %lld", (long long)amounts[i],
				     probs[j], (long long)l.v[0].expected,
				     (long long)money_expected(amounts[i], probs[j]));
			stage_sum_list_release(&l);
		}
	}
}

Test(store_pg, workspaces_are_isolated)
{
	struct deal d;
	int64_t id = deal_in(&ws1, &u1, &st1, &co1, "mine", 100, -1, NULL);

	cr_assert_eq(db->ops->deal_get(db, ws2.id, id, &d), ERR_NOTFOUND);
	cr_assert_eq(db->ops->deal_get(db, ws1.id, id, &d), 0);
	cr_assert_eq(d.probability, -1);
	cr_assert_str_eq(d.close_date, "");
	cr_assert_str_eq(d.company_name, "Acme");
	/* A deal of ws2 cannot point at ws1's company. */
	d.workspace_id = ws2.id;
	d.stage_id = st2.id;
	d.owner_id = u2.id;
	d.created_by = u2.id;
	d.company_id = co1.id;
	cr_assert_eq(db->ops->deal_create(db, &d), ERR_INVALID);
}

Test(store_pg, errors_map_to_enum_err)
{
	struct company c = co1;
	struct deal d;
	int64_t id = deal_in(&ws1, &u1, &st1, &co1, "x", 100, -1, NULL);

	c.id = 0;
	cr_assert_eq(db->ops->company_create(db, &c), ERR_CONFLICT);
	cr_assert_eq(db->ops->deal_get(db, ws1.id, id, &d), 0);
	d.amount = 5;
	cr_assert_eq(db->ops->deal_update(db, &d), 0);
	cr_assert_eq(d.version, 2);
	d.version = 1;
	cr_assert_eq(db->ops->deal_update(db, &d), ERR_STALE);
	d.id = id + 1000000;
	cr_assert_eq(db->ops->deal_update(db, &d), ERR_NOTFOUND);
	cr_assert_eq(db->ops->stage_delete(db, ws1.id, st1.id), ERR_INUSE);
	cr_assert_eq(db->ops->company_delete(db, ws1.id, co1.id), ERR_INUSE);
}

Test(store_pg, text_matching_ignores_the_locale)
{
	struct deal_filter f;
	struct deal_list l = {0};

	deal_in(&ws1, &u1, &st1, &co1, "雲端遷移 Cloud", 1, -1, NULL);
	deal_in(&ws1, &u1, &st1, &co1, "ÉCOLE", 1, -1, NULL);
	deal_filter_init(&f);
	strcpy(f.q, "端");
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.total, 1);
	deal_list_release(&l);
	strcpy(f.q, "cLOUD");
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	cr_assert_eq(l.n, 1);
	deal_list_release(&l);
	/* Like SQLite's lower(): ASCII only, so "école" does not match "ÉCOLE". */
	strcpy(f.q, "école");
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	cr_assert_eq(l.n, 0);
	deal_list_release(&l);
}

static int64_t note_in(const char *title, const char *body)
{
	struct note n;

	memset(&n, 0, sizeof(n));
	n.workspace_id = ws1.id;
	n.company_id = co1.id;
	n.author_id = u1.id;
	snprintf(n.title, sizeof(n.title), "%s", title);
	snprintf(n.body, sizeof(n.body), "%s", body);
	cr_assert_eq(db->ops->note_create(db, &n), 0, "note_create %s", title);
	return n.id;
}

/* search_ids runs query q (limit 10) and returns its total; the ids go to ids. */
static int64_t search_ids(const char *q, int offset, int64_t *ids, size_t *n)
{
	struct search_query sq;
	struct errinfo e;
	struct note_search ns = {.q = &sq, .limit = 10, .offset = offset};
	struct note_hits h = {0};
	int64_t total;

	memset(&e, 0, sizeof(e));
	cr_assert_eq(search_parse(q, &sq, &e), 0, "parse %s", q);
	cr_assert_eq(db->ops->note_search(db, ws1.id, &ns, &h), 0, "search %s", q);
	search_query_release(&sq);
	*n = h.n;
	for (size_t i = 0; i < h.n; i++)
		ids[i] = h.id[i];
	total = h.total;
	note_hits_release(&h);
	return total;
}

/*
 * Note search on the note_search index, both ways it answers (the keys alone
 * for terms of one or two units, the keys then the unit strings otherwise):
 * a pair of units split between title and body is no match, title matches
 * come first, and updates and other workspaces are seen.
 */
Test(store_pg, note_search_on_its_index)
{
	int64_t b, c, d, ids[10];
	struct note n;
	size_t k;

	note_in("報", "價單 pilot");		     /* 報價 only across title and body */
	b = note_in("會議", "客戶要報價 pilot run"); /* 報價 in the body */
	c = note_in("報價 pilot", "預算");	     /* 報價 in the title: first */
	d = note_in("備忘", "報價。價 pilot"); /* the keys of "報價 pilot", not the phrase */
	cr_assert_eq(search_ids("報價", 0, ids, &k), 3);
	cr_assert_eq(k, 3);
	cr_assert_eq(ids[0], c);
	cr_assert_eq(ids[1], d);
	cr_assert_eq(ids[2], b);
	cr_assert_eq(search_ids("報價 -會議", 0, ids, &k), 2); /* the unit strings decide */
	cr_assert_eq(ids[0], c);
	cr_assert_eq(ids[1], d);
	cr_assert_eq(search_ids("\"pilot run\"", 0, ids, &k), 1);
	cr_assert_eq(ids[0], b);
	cr_assert_eq(search_ids("\"報價 pilot\"", 0, ids, &k), 2); /* three units */
	cr_assert_eq(ids[0], c);
	cr_assert_eq(ids[1], b);
	cr_assert_eq(search_ids("pilot", 0, ids, &k), 4);
	cr_assert_eq(ids[0], c);
	cr_assert_eq(search_ids("pilot", 5, ids, &k), 4); /* past the end: the total still */
	cr_assert_eq(k, 0);
	cr_assert_eq(search_ids("報價單", 0, ids, &k), 0);
	cr_assert_eq(db->ops->note_get(db, ws1.id, b, &n), 0);
	snprintf(n.body, sizeof(n.body), "%s", "報價單");
	cr_assert_eq(db->ops->note_update(db, &n), 0);
	cr_assert_eq(search_ids("報價單", 0, ids, &k), 1);
	cr_assert_eq(ids[0], b);
	cr_assert_eq(search_ids("pilot", 0, ids, &k), 3);
	cr_assert_eq(search_ids("預算", 0, ids, &k), 1);
	cr_assert_eq(ids[0], c);
}

Test(store_pg, audit_log_and_deal_trash)
{
	check_audit_and_trash(db, ws1.id, ws2.id, u1.id, co1.id, st1.id);
}

/* pg_int: the first column of the first row of sql, on the test's connection. */
static long long pg_int(const char *sql)
{
	PGresult *r = PQexec(((struct pg_store *)db)->conn, sql);
	long long v;

	cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql,
		     PQerrorMessage(((struct pg_store *)db)->conn));
	v = PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return v;
}

/* The deal facts the reports read equal a replay of the stage history. */
Test(store_pg, report_facts_equal_history_replay)
{
	report_facts_check(db, ws1.id, co1.id, 20261127u, -1);
	cr_assert_gt(pg_int("SELECT count(*) FROM deal_dwell"), 0);
	/* rows no deal counts in any more: the readers skip them, the upkeep deletes them */
	cr_assert_eq(pg_int("SELECT count(*) FROM deal_dwell WHERE deals = 0"), 0);
	cr_assert_eq(pg_int("SELECT count(*) FROM deal_dwell_day WHERE deals = 0"), 0);
	report_facts_check(db, ws2.id, co2.id, 7u, 3); /* and after report rebuild */
}
