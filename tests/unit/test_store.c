/*
 * test_store.c - the SQLite store: schema, isolation between workspaces,
 * uniqueness, optimistic versions, deal lists, the summary, stages and
 * history. Each test gets a fresh database file under /tmp.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "model.h"
#include "store.h"
#include "store_sqlite_int.h"

#include "report_facts_check.h"

static char db_path[64];
static struct store *db;

/* Two workspaces, each with one user, two open stages, a won and a lost one, a company. */
static struct workspace ws1, ws2;
static struct user u1, u1b, u2;
static struct stage st1[4], st2[4];
static struct company co1, co2;

static void remove_db(void)
{
	char p[80];

	unlink(db_path);
	snprintf(p, sizeof(p), "%s-wal", db_path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db_path);
	unlink(p);
}

static void open_db(void)
{
	char err[256] = "";
	int rc = store_open(db_path, 1, &db, err, sizeof(err));

	cr_assert_eq(rc, 0, "store_open: %d %s", rc, err);
}

static void make_workspace(struct workspace *w, const char *slug)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->slug, sizeof(w->slug), "%s", slug);
	snprintf(w->name, sizeof(w->name), "Workspace %s", slug);
	strcpy(w->currency, "TWD");
	strcpy(w->language, "en");
	cr_assert_eq(db->ops->workspace_create(db, w), 0);
}

static void make_user(struct user *u, int64_t ws, const char *name, enum role role)
{
	memset(u, 0, sizeof(*u));
	u->workspace_id = ws;
	snprintf(u->username, sizeof(u->username), "%s", name);
	snprintf(u->display_name, sizeof(u->display_name), "User %s", name);
	u->role = role;
	u->active = 1;
	cr_assert_eq(db->ops->user_create(db, u, "$argon2id$x"), 0);
}

static void make_stage(struct stage *g, int64_t ws, const char *key, int prob, enum stage_kind k,
		       int pos)
{
	memset(g, 0, sizeof(*g));
	g->workspace_id = ws;
	snprintf(g->key, sizeof(g->key), "%s", key);
	snprintf(g->name_en, sizeof(g->name_en), "Stage %s", key);
	snprintf(g->name_zh, sizeof(g->name_zh), "階段 %s", key);
	g->probability = prob;
	g->kind = k;
	g->position = pos;
	cr_assert_eq(db->ops->stage_create(db, g), 0, "stage_create %s", key);
}

static void make_company(struct company *c, int64_t ws, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->workspace_id = ws;
	snprintf(c->name, sizeof(c->name), "%s", name);
	cr_assert_eq(db->ops->company_create(db, c), 0, "company_create %s", name);
}

static void deal_init(struct deal *d, int64_t ws, int64_t company, int64_t stage, int64_t owner,
		      const char *name, int64_t amount)
{
	memset(d, 0, sizeof(*d));
	d->workspace_id = ws;
	d->company_id = company;
	d->stage_id = stage;
	d->owner_id = owner;
	d->created_by = owner;
	d->probability = -1;
	d->amount = amount;
	strcpy(d->currency, "TWD");
	snprintf(d->name, sizeof(d->name), "%s", name);
}

static int64_t make_deal(int64_t ws, int64_t company, int64_t stage, int64_t owner,
			 const char *name, int64_t amount, int prob, const char *close)
{
	struct deal d;

	deal_init(&d, ws, company, stage, owner, name, amount);
	d.probability = prob;
	snprintf(d.close_date, sizeof(d.close_date), "%s", close ? close : "");
	cr_assert_eq(db->ops->deal_create(db, &d), 0, "deal_create %s", name);
	cr_assert_gt(d.id, 0);
	cr_assert_eq(d.version, 1);
	return d.id;
}

static void setup(void)
{
	int fd;

	snprintf(db_path, sizeof(db_path), "/tmp/litecrm-test-store-XXXXXX");
	fd = mkstemp(db_path);
	cr_assert_geq(fd, 0);
	close(fd);
	open_db();
	make_workspace(&ws1, "one");
	make_workspace(&ws2, "two");
	make_user(&u1, ws1.id, "alice", ROLE_ADMIN);
	make_user(&u1b, ws1.id, "bob", ROLE_MEMBER);
	make_user(&u2, ws2.id, "alice", ROLE_ADMIN);
	make_stage(&st1[0], ws1.id, "prospecting", 10, STAGE_OPEN, 0);
	make_stage(&st1[1], ws1.id, "proposal", 50, STAGE_OPEN, 0);
	make_stage(&st1[2], ws1.id, "won", 100, STAGE_WON, 0);
	make_stage(&st1[3], ws1.id, "lost", 0, STAGE_LOST, 0);
	make_stage(&st2[0], ws2.id, "prospecting", 10, STAGE_OPEN, 0);
	make_stage(&st2[1], ws2.id, "proposal", 50, STAGE_OPEN, 0);
	make_stage(&st2[2], ws2.id, "won", 100, STAGE_WON, 0);
	make_stage(&st2[3], ws2.id, "lost", 0, STAGE_LOST, 0);
	make_company(&co1, ws1.id, "Acme");
	make_company(&co2, ws2.id, "Acme");
}

static void teardown(void)
{
	store_close(db);
	db = NULL;
	remove_db();
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, open_twice_keeps_data_and_schema)
{
	struct workspace w;

	store_close(db);
	open_db(); /* migrations already applied: nothing to do, nothing lost */
	store_close(db);
	open_db();
	cr_assert_eq(db->ops->workspace_get_by_slug(db, "one", &w), 0);
	cr_assert_eq(w.id, ws1.id);
	cr_assert_str_eq(w.currency, "TWD");
	cr_assert_eq(w.version, 1);
	cr_assert_eq(strlen(w.created_at), 20, "created_at '%s'", w.created_at);
}

/* sql_int: the first column of the first row of sql, run on the test's connection. */
static int64_t sql_int(const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	cr_assert_eq(sqlite3_prepare_v2(sq(db)->db, sql, -1, &st, NULL), SQLITE_OK, "%s", sql);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int page_cache_kib(void)
{
	int64_t v = sql_int("PRAGMA cache_size");

	return (int)(v < 0 ? -v : v);
}

Test(store, page_cache_survives_a_bulk_write)
{
	cr_assert_eq(page_cache_kib(), 2000);
	cr_assert_eq(db->ops->cache_size(db, 0), ERR_INVALID);
	cr_assert_eq(db->ops->cache_size(db, 32768), 0);
	cr_assert_eq(page_cache_kib(), 32768);
	cr_assert_eq(db->ops->bulk_hint(db, 100), 0);
	cr_assert_neq(page_cache_kib(), 32768, "a bulk write sets its own cache");
	cr_assert_eq(db->ops->bulk_hint(db, 0), 0);
	cr_assert_eq(page_cache_kib(), 32768, "the owner's size returns after a bulk write");
}

Test(store, open_missing_file_without_create)
{
	struct store *s = NULL;
	char err[256] = "";
	int rc = store_open("/tmp/litecrm-test-no-such-dir/x.db", 0, &s, err, sizeof(err));

	cr_assert_eq(rc, ERR_IO, "rc %d", rc);
	cr_assert_null(s);
	cr_assert_str_eq(err, "cannot open database '/tmp/litecrm-test-no-such-dir/x.db': no "
			      "such file");
}

Test(store, open_postgres_url_unreachable)
{
	struct store *s = NULL;
	char err[256] = "";

	/* postgresql:// URLs go to the PostgreSQL backend (tests/unit/test_store_pg.c). */
	cr_assert_eq(store_open("postgresql:///crm?host=/tmp/litecrm-test-no-such-dir&port=1", 1,
				&s, err, sizeof(err)),
		     ERR_IO);
	cr_assert_null(s);
	cr_assert_neq(err[0], '\0');
	cr_assert_eq(store_open("postgres:///crm?host=/tmp/litecrm-test-no-such-dir&port=1", 1, &s,
				err, sizeof(err)),
		     ERR_IO);
	cr_assert_null(s);
}

Test(store, filter_init_defaults)
{
	struct deal_filter f;

	deal_filter_init(&f);
	cr_assert_eq(f.status, -1);
	cr_assert_eq(f.amount_min, -1);
	cr_assert_eq(f.amount_max, -1);
	cr_assert_eq(f.sort, DEAL_SORT_ID);
	cr_assert_eq(f.desc, 1);
	cr_assert_eq(f.limit, 50);
	cr_assert_eq(f.owner_id, 0);
	cr_assert_str_eq(f.q, "");
}

Test(store, store_now_is_rfc3339_utc)
{
	char ts[TS_LEN];

	store_now(ts);
	cr_assert_eq(strlen(ts), 20, "'%s'", ts);
	cr_assert_eq(ts[4], '-');
	cr_assert_eq(ts[10], 'T');
	cr_assert_eq(ts[19], 'Z');
}

Test(store, deal_roundtrip_with_joined_fields)
{
	struct deal d, g;

	deal_init(&d, ws1.id, co1.id, st1[1].id, u1b.id, "Big order", 123456);
	d.assigned_by = u1.id;
	strcpy(d.assigned_at, "2026-11-27T09:18:43Z");
	strcpy(d.close_date, "2026-12-31");
	strcpy(d.next_step, "call back");
	cr_assert_eq(db->ops->deal_create(db, &d), 0);
	cr_assert_str_eq(d.created_at, d.updated_at);
	cr_assert_eq(db->ops->deal_get(db, ws1.id, d.id, &g), 0);
	cr_assert_eq(g.id, d.id);
	cr_assert_eq(g.amount, 123456);
	cr_assert_eq(g.probability, -1);
	cr_assert_eq(g.assigned_by, u1.id);
	cr_assert_str_eq(g.assigned_at, "2026-11-27T09:18:43Z");
	cr_assert_str_eq(g.close_date, "2026-12-31");
	cr_assert_str_eq(g.next_step, "call back");
	cr_assert_str_eq(g.company_name, "Acme");
	cr_assert_str_eq(g.owner_username, "bob");
	cr_assert_str_eq(g.owner_name, "User bob");
	cr_assert_str_eq(g.stage_key, "proposal");
	cr_assert_eq(g.stage_kind, STAGE_OPEN);
	cr_assert_eq(g.stage_probability, 50);
	cr_assert_eq(g.version, 1);

	/* Clearing optional values stores NULL and reads back as 0 / -1 / "". */
	g.assigned_by = 0;
	g.assigned_at[0] = '\0';
	g.close_date[0] = '\0';
	g.probability = 0;
	cr_assert_eq(db->ops->deal_update(db, &g), 0);
	cr_assert_eq(g.version, 2);
	cr_assert_eq(db->ops->deal_get(db, ws1.id, d.id, &g), 0);
	cr_assert_eq(g.assigned_by, 0);
	cr_assert_str_eq(g.close_date, "");
	cr_assert_eq(g.probability, 0);
	cr_assert_eq(g.version, 2);
}

Test(store, workspace_isolation)
{
	struct deal d, g;
	struct company c;
	struct deal_list l;
	struct deal_filter f;
	int64_t id = make_deal(ws1.id, co1.id, st1[0].id, u1.id, "Secret", 100, -1, NULL);

	cr_assert_eq(db->ops->deal_get(db, ws2.id, id, &g), ERR_NOTFOUND);
	cr_assert_eq(db->ops->deal_get(db, ws1.id, id, &d), 0);
	d.workspace_id = ws2.id;
	d.company_id = co2.id;
	d.stage_id = st2[0].id;
	d.owner_id = u2.id;
	cr_assert_eq(db->ops->deal_update(db, &d), ERR_NOTFOUND);
	cr_assert_eq(db->ops->deal_delete(db, ws2.id, id), ERR_NOTFOUND);
	cr_assert_eq(db->ops->company_get(db, ws2.id, co1.id, &c), ERR_NOTFOUND);
	cr_assert_eq(db->ops->history_add(db, &(struct stage_change){.workspace_id = ws2.id,
								     .deal_id = id,
								     .to_stage_id = st2[0].id}),
		     ERR_INVALID);

	/* A deal cannot point at another workspace's company, stage or user. */
	deal_init(&d, ws2.id, co1.id, st2[0].id, u2.id, "Cross", 1);
	cr_assert_eq(db->ops->deal_create(db, &d), ERR_INVALID);
	deal_init(&d, ws2.id, co2.id, st1[0].id, u2.id, "Cross", 1);
	cr_assert_eq(db->ops->deal_create(db, &d), ERR_INVALID);
	deal_init(&d, ws2.id, co2.id, st2[0].id, u1.id, "Cross", 1);
	cr_assert_eq(db->ops->deal_create(db, &d), ERR_INVALID);

	deal_filter_init(&f);
	cr_assert_eq(db->ops->deal_list(db, ws2.id, &f, 1, &l), 0);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(l.total, 0);
	deal_list_release(&l);
	cr_assert_eq(db->ops->deal_get(db, ws1.id, id, &g), 0);
	cr_assert_str_eq(g.name, "Secret");
	cr_assert_eq(g.version, 1);
}

Test(store, unique_conflicts)
{
	struct workspace w = ws1;
	struct user u;
	struct stage g;
	struct company c;
	struct token t = {0}, t2;

	w.id = 0;
	cr_assert_eq(db->ops->workspace_create(db, &w), ERR_CONFLICT);

	memset(&u, 0, sizeof(u));
	u.workspace_id = ws1.id;
	strcpy(u.username, "alice");
	cr_assert_eq(db->ops->user_create(db, &u, "h"), ERR_CONFLICT);
	u.workspace_id = ws2.id;
	strcpy(u.username, "bob"); /* bob exists in ws1 only */
	cr_assert_eq(db->ops->user_create(db, &u, "h"), 0);

	memset(&g, 0, sizeof(g));
	g.workspace_id = ws1.id;
	strcpy(g.key, "proposal");
	cr_assert_eq(db->ops->stage_create(db, &g), ERR_CONFLICT);

	memset(&c, 0, sizeof(c));
	c.workspace_id = ws1.id;
	strcpy(c.name, "Acme");
	cr_assert_eq(db->ops->company_create(db, &c), ERR_CONFLICT);
	strcpy(c.name, "acme"); /* names compare case-sensitively */
	cr_assert_eq(db->ops->company_create(db, &c), 0);
	strcpy(c.name, "Acme");
	cr_assert_eq(db->ops->company_update(db, &c), ERR_CONFLICT);

	t.workspace_id = ws1.id;
	t.user_id = u1.id;
	t.kind = TOKEN_API;
	memset(t.hash, 7, sizeof(t.hash));
	t2 = t;
	cr_assert_eq(db->ops->token_create(db, &t), 0);
	cr_assert_eq(db->ops->token_create(db, &t2), ERR_CONFLICT);
}

Test(store, stale_version)
{
	struct deal a, b;
	struct company c;
	int64_t id = make_deal(ws1.id, co1.id, st1[0].id, u1.id, "Deal", 100, -1, NULL);

	cr_assert_eq(db->ops->deal_get(db, ws1.id, id, &a), 0);
	b = a;
	strcpy(a.name, "First");
	cr_assert_eq(db->ops->deal_update(db, &a), 0);
	cr_assert_eq(a.version, 2);
	strcpy(b.name, "Second");
	cr_assert_eq(db->ops->deal_update(db, &b), ERR_STALE);
	cr_assert_eq(b.version, 1, "unchanged on failure");
	cr_assert_eq(db->ops->deal_get(db, ws1.id, id, &b), 0);
	cr_assert_str_eq(b.name, "First");
	cr_assert_eq(b.version, 2);

	b.id = id + 1000;
	cr_assert_eq(db->ops->deal_update(db, &b), ERR_NOTFOUND);

	c = co1;
	c.version = 7;
	cr_assert_eq(db->ops->company_update(db, &c), ERR_STALE);
	c.version = 1;
	strcpy(c.website, "https://acme.example");
	cr_assert_eq(db->ops->company_update(db, &c), 0);
	cr_assert_eq(c.version, 2);
}

static void expect_names(struct deal_list *l, const char *const *names, size_t n)
{
	size_t i;

	cr_assert_eq(l->n, n, "rows: got %zu, want %zu", l->n, n);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(l->v[i].name, names[i], "row %zu: got '%s', want '%s'", i,
				 l->v[i].name, names[i]);
}

Test(store, deal_list_filters_sort_paging)
{
	struct company beta;
	struct deal_filter f;
	struct deal_list l;

	make_company(&beta, ws1.id, "Beta Corp");
	make_deal(ws1.id, co1.id, st1[0].id, u1.id, "alpha", 300, -1, "2026-03-01");
	make_deal(ws1.id, co1.id, st1[1].id, u1b.id, "Bravo", 100, -1, NULL);
	make_deal(ws1.id, beta.id, st1[2].id, u1.id, "charlie", 200, -1, "2026-01-15");
	make_deal(ws1.id, beta.id, st1[3].id, u1b.id, "delta", 400, -1, "2026-02-01");
	make_deal(ws2.id, co2.id, st2[0].id, u2.id, "other ws", 1, -1, NULL);

	deal_filter_init(&f);
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	expect_names(&l, (const char *[]){"delta", "charlie", "Bravo", "alpha"}, 4);
	cr_assert_eq(l.total, 4);
	cr_assert_str_eq(l.v[0].company_name, "Beta Corp");
	deal_list_release(&l);

	f.sort = DEAL_SORT_NAME;
	f.desc = 0;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"alpha", "Bravo", "charlie", "delta"}, 4);
	cr_assert_eq(l.total, -1);
	deal_list_release(&l);

	f.sort = DEAL_SORT_AMOUNT;
	f.desc = 1;
	f.limit = 2;
	f.offset = 1;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	expect_names(&l, (const char *[]){"alpha", "charlie"}, 2);
	cr_assert_eq(l.total, 4);
	deal_list_release(&l);

	/* Close dates ascending, the deal without one last. */
	deal_filter_init(&f);
	f.sort = DEAL_SORT_CLOSE_DATE;
	f.desc = 0;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"charlie", "delta", "alpha", "Bravo"}, 4);
	deal_list_release(&l);

	f.sort = DEAL_SORT_STAGE;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"alpha", "Bravo", "charlie", "delta"}, 4);
	deal_list_release(&l);

	f.sort = DEAL_SORT_COMPANY;
	f.desc = 1;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"delta", "charlie", "Bravo", "alpha"}, 4);
	deal_list_release(&l);

	/* Filters. */
	deal_filter_init(&f);
	f.desc = 0;
	f.owner_id = u1b.id;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	expect_names(&l, (const char *[]){"Bravo", "delta"}, 2);
	cr_assert_eq(l.total, 2);
	cr_assert_str_eq(l.v[0].owner_username, "bob");
	deal_list_release(&l);

	f.visible_to = u1.id; /* another owner as well: nothing matches */
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	cr_assert_eq(l.n, 0);
	cr_assert_eq(l.total, 0);
	deal_list_release(&l);

	deal_filter_init(&f);
	f.desc = 0;
	f.visible_to = u1.id;
	f.status = STAGE_OPEN;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	expect_names(&l, (const char *[]){"alpha"}, 1);
	deal_list_release(&l);

	deal_filter_init(&f);
	f.desc = 0;
	f.stage_id = st1[3].id;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"delta"}, 1);
	deal_list_release(&l);

	deal_filter_init(&f);
	f.desc = 0;
	f.company_id = beta.id;
	f.amount_min = 250;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"delta"}, 1);
	deal_list_release(&l);

	deal_filter_init(&f);
	f.desc = 0;
	f.amount_min = 100;
	f.amount_max = 300;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	expect_names(&l, (const char *[]){"alpha", "Bravo", "charlie"}, 3);
	cr_assert_eq(l.total, 3);
	deal_list_release(&l);

	deal_filter_init(&f);
	f.desc = 0;
	strcpy(f.close_from, "2026-02-01");
	strcpy(f.close_to, "2026-03-01");
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"alpha", "delta"}, 2);
	deal_list_release(&l);

	/* q: a substring of the deal or company name, ASCII case-insensitive. */
	deal_filter_init(&f);
	f.desc = 0;
	strcpy(f.q, "BRAV");
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	expect_names(&l, (const char *[]){"Bravo"}, 1);
	cr_assert_eq(l.total, 1);
	deal_list_release(&l);
	strcpy(f.q, "beta c");
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	expect_names(&l, (const char *[]){"charlie", "delta"}, 2);
	deal_list_release(&l);
	strcpy(f.q, "%");
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), 0);
	cr_assert_eq(l.n, 0, "q is literal text, not a pattern");
	deal_list_release(&l);

	deal_filter_init(&f);
	f.sort = (enum deal_sort)99;
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 0, &l), ERR_INVALID);
}

static const struct stage_sum *find_sum(const struct stage_sum_list *l, int64_t stage)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].stage_id == stage)
			return &l->v[i];
	return NULL;
}

Test(store, summary_sums_and_rounding)
{
	struct deal_filter f;
	struct stage_sum_list l;
	const struct stage_sum *m;

	/* proposal is 50%: 5 minor units -> 2.5 -> 3; an override of 50 on a 10% stage too. */
	make_deal(ws1.id, co1.id, st1[1].id, u1.id, "a", 5, -1, "2026-01-10");
	make_deal(ws1.id, co1.id, st1[1].id, u1b.id, "b", 1001, -1, "2026-02-10");
	make_deal(ws1.id, co1.id, st1[0].id, u1.id, "c", 5, 50, "2026-01-20");
	make_deal(ws1.id, co1.id, st1[0].id, u1.id, "d", 1000, -1, NULL);
	make_deal(ws1.id, co1.id, st1[0].id, u1b.id, "e", 15, 0, "2026-03-01");
	make_deal(ws1.id, co1.id, st1[2].id, u1.id, "f", 700, -1, "2026-01-05");
	make_deal(ws2.id, co2.id, st2[1].id, u2.id, "x", 999999, -1, NULL);

	deal_filter_init(&f);
	cr_assert_eq(db->ops->summary(db, ws1.id, &f, &l), 0);
	cr_assert_eq(l.n, 3);
	m = find_sum(&l, st1[1].id);
	cr_assert_not_null(m);
	cr_assert_eq(m->count, 2);
	cr_assert_eq(m->amount, 1006);
	cr_assert_eq(m->expected, 3 + 501, "expected %lld", (long long)m->expected);
	m = find_sum(&l, st1[0].id);
	cr_assert_not_null(m);
	cr_assert_eq(m->count, 3);
	cr_assert_eq(m->amount, 1020);
	cr_assert_eq(m->expected, 3 + 100 + 0, "expected %lld", (long long)m->expected);
	m = find_sum(&l, st1[2].id);
	cr_assert_eq(m->count, 1);
	cr_assert_eq(m->expected, 700);
	cr_assert_null(find_sum(&l, st1[3].id));
	stage_sum_list_release(&l);

	/* Owner and close-date window; a deal without a close date is outside any window. */
	f.visible_to = u1.id;
	strcpy(f.close_from, "2026-01-01");
	strcpy(f.close_to, "2026-01-31");
	cr_assert_eq(db->ops->summary(db, ws1.id, &f, &l), 0);
	cr_assert_eq(l.n, 3);
	m = find_sum(&l, st1[0].id);
	cr_assert_eq(m->count, 1);
	cr_assert_eq(m->expected, 3);
	m = find_sum(&l, st1[1].id);
	cr_assert_eq(m->count, 1);
	cr_assert_eq(m->amount, 5);
	stage_sum_list_release(&l);

	deal_filter_init(&f);
	f.owner_id = u1b.id;
	cr_assert_eq(db->ops->summary(db, ws1.id, &f, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_eq(find_sum(&l, st1[1].id)->expected, 501);
	stage_sum_list_release(&l);
}

Test(store, summary_large_amounts_exact)
{
	struct deal_filter f;
	struct stage_sum_list l;
	int i;

	/* 10^15 minor units each: sums beyond 2^53 must stay exact. */
	for (i = 0; i < 9; i++)
		make_deal(ws1.id, co1.id, st1[1].id, u1.id, "big", INT64_C(1000000000000000) - i,
			  -1, NULL);
	deal_filter_init(&f);
	cr_assert_eq(db->ops->summary(db, ws1.id, &f, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.v[0].amount, INT64_C(9000000000000000) - 36);
	/* Each rounds on its own: (10^15 - i) / 2, halves away from zero. */
	cr_assert_eq(l.v[0].expected, INT64_C(4500000000000000) - 16, "expected %lld",
		     (long long)l.v[0].expected);
	stage_sum_list_release(&l);
}

static void expect_stage_order(int64_t ws, const char *const *keys, size_t n)
{
	struct stage_list l;
	size_t i;

	cr_assert_eq(db->ops->stage_list(db, ws, &l), 0);
	cr_assert_eq(l.n, n, "stages: got %zu, want %zu", l.n, n);
	for (i = 0; i < n; i++) {
		cr_assert_str_eq(l.v[i].key, keys[i], "position %zu: got '%s', want '%s'", i + 1,
				 l.v[i].key, keys[i]);
		cr_assert_eq(l.v[i].position, (int)i + 1);
	}
	stage_list_release(&l);
}

Test(store, stage_positions)
{
	struct stage g, q;
	int64_t ids[4];

	expect_stage_order(ws1.id, (const char *[]){"prospecting", "proposal", "won", "lost"}, 4);
	make_stage(&g, ws1.id, "qualify", 20, STAGE_OPEN, 2);
	cr_assert_eq(g.position, 2);
	expect_stage_order(
	    ws1.id, (const char *[]){"prospecting", "qualify", "proposal", "won", "lost"}, 5);
	make_stage(&q, ws1.id, "later", 30, STAGE_OPEN, 99);
	cr_assert_eq(q.position, 6);

	cr_assert_eq(db->ops->stage_delete(db, ws1.id, g.id), 0);
	expect_stage_order(ws1.id,
			   (const char *[]){"prospecting", "proposal", "won", "lost", "later"}, 5);

	/* Moving a stage by update shifts the ones in between. */
	cr_assert_eq(db->ops->stage_get(db, ws1.id, q.id, &q), 0);
	q.position = 3;
	q.probability = 35;
	cr_assert_eq(db->ops->stage_update(db, &q), 0);
	expect_stage_order(ws1.id,
			   (const char *[]){"prospecting", "proposal", "later", "won", "lost"}, 5);
	q.version = 1;
	cr_assert_eq(db->ops->stage_update(db, &q), ERR_STALE);
	cr_assert_eq(db->ops->stage_delete(db, ws1.id, q.id), 0);

	ids[0] = st1[3].id;
	ids[1] = st1[2].id;
	ids[2] = st1[1].id;
	ids[3] = st1[0].id;
	cr_assert_eq(db->ops->stage_set_positions(db, ws1.id, ids, 4), 0);
	expect_stage_order(ws1.id, (const char *[]){"lost", "won", "proposal", "prospecting"}, 4);

	cr_assert_eq(db->ops->stage_set_positions(db, ws1.id, ids, 3), ERR_INVALID);
	ids[3] = ids[0]; /* a duplicate */
	cr_assert_eq(db->ops->stage_set_positions(db, ws1.id, ids, 4), ERR_INVALID);
	ids[3] = st2[0].id; /* another workspace's stage */
	cr_assert_eq(db->ops->begin(db, 1), 0);
	cr_assert_eq(db->ops->stage_set_positions(db, ws1.id, ids, 4), ERR_INVALID);
	cr_assert_eq(db->ops->rollback(db), 0);
	expect_stage_order(ws1.id, (const char *[]){"lost", "won", "proposal", "prospecting"}, 4);
	expect_stage_order(ws2.id, (const char *[]){"prospecting", "proposal", "won", "lost"}, 4);
}

Test(store, stage_delete_with_deals_in_use)
{
	int64_t n = -1;
	int64_t id = make_deal(ws1.id, co1.id, st1[1].id, u1.id, "Deal", 1, -1, NULL);

	cr_assert_eq(db->ops->stage_deal_count(db, ws1.id, st1[1].id, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(db->ops->stage_delete(db, ws1.id, st1[1].id), ERR_INUSE);
	cr_assert_eq(db->ops->stage_delete(db, ws2.id, st1[1].id), ERR_NOTFOUND);
	cr_assert_eq(db->ops->company_delete(db, ws1.id, co1.id), ERR_INUSE);
	cr_assert_eq(db->ops->company_deal_count(db, ws1.id, co1.id, &n), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(db->ops->deal_delete(db, ws1.id, id), 0);
	cr_assert_eq(db->ops->deal_delete(db, ws1.id, id), ERR_NOTFOUND);
	cr_assert_eq(db->ops->stage_delete(db, ws1.id, st1[1].id), 0);
	expect_stage_order(ws1.id, (const char *[]){"prospecting", "won", "lost"}, 3);
	cr_assert_eq(db->ops->company_delete(db, ws1.id, co1.id), 0);
}

Test(store, history_add_and_list)
{
	struct stage_change h = {0};
	struct history_list l;
	int64_t id = make_deal(ws1.id, co1.id, st1[0].id, u1.id, "Deal", 1, -1, NULL);

	h.workspace_id = ws1.id;
	h.deal_id = id;
	h.to_stage_id = st1[0].id;
	h.changed_by = u1.id;
	strcpy(h.changed_at, "2026-01-01T00:00:00Z");
	cr_assert_eq(db->ops->history_add(db, &h), 0);
	h.from_stage_id = st1[0].id;
	h.to_stage_id = st1[1].id;
	h.changed_by = u1b.id;
	strcpy(h.changed_at, "2026-01-02T00:00:00Z");
	cr_assert_eq(db->ops->history_add(db, &h), 0);
	h.from_stage_id = st1[1].id;
	h.to_stage_id = st1[2].id;
	h.changed_at[0] = '\0'; /* now */
	cr_assert_eq(db->ops->history_add(db, &h), 0);
	cr_assert_eq(strlen(h.changed_at), 20);

	cr_assert_eq(db->ops->history_list(db, ws1.id, id, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_assert_eq(l.v[0].from_stage_id, 0);
	cr_assert_str_eq(l.v[0].from_key, "");
	cr_assert_str_eq(l.v[0].to_key, "prospecting");
	cr_assert_str_eq(l.v[0].by_username, "alice");
	cr_assert_str_eq(l.v[1].from_key, "prospecting");
	cr_assert_str_eq(l.v[1].to_key, "proposal");
	cr_assert_str_eq(l.v[1].by_username, "bob");
	cr_assert_str_eq(l.v[2].to_key, "won");
	cr_assert_lt(l.v[0].id, l.v[1].id);
	history_list_release(&l);

	cr_assert_eq(db->ops->history_list(db, ws2.id, id, &l), 0);
	cr_assert_eq(l.n, 0);
	history_list_release(&l);

	cr_assert_eq(db->ops->deal_delete(db, ws1.id, id), 0);
	cr_assert_eq(db->ops->history_list(db, ws1.id, id, &l), 0);
	cr_assert_eq(l.n, 0, "history goes with its deal");
	history_list_release(&l);
}

Test(store, tokens)
{
	struct token t = {0}, got;
	struct user gu;
	struct token_list l;
	unsigned char other[32];

	t.workspace_id = ws1.id;
	t.user_id = u1.id;
	t.kind = TOKEN_SESSION;
	memset(t.hash, 1, sizeof(t.hash));
	strcpy(t.expires_at, "2026-01-01T00:00:00Z");
	cr_assert_eq(db->ops->token_create(db, &t), 0);
	cr_assert_eq(db->ops->token_lookup(db, t.hash, "2025-12-31T23:59:59Z", &got, &gu), 0);
	cr_assert_eq(got.id, t.id);
	cr_assert_eq(got.user_id, u1.id);
	cr_assert_eq(gu.id, u1.id);
	cr_assert_eq(gu.workspace_id, ws1.id);
	cr_assert_str_eq(gu.username, u1.username);
	cr_assert_eq(memcmp(got.hash, t.hash, 32), 0);
	cr_assert_eq(db->ops->token_lookup(db, t.hash, "2026-01-01T00:00:00Z", &got, &gu),
		     ERR_NOTFOUND);

	memset(&t, 0, sizeof(t));
	t.workspace_id = ws1.id;
	t.user_id = u1.id;
	t.kind = TOKEN_API;
	strcpy(t.name, "ci");
	memset(t.hash, 2, sizeof(t.hash));
	cr_assert_eq(db->ops->token_create(db, &t), 0);
	cr_assert_eq(db->ops->token_lookup(db, t.hash, "2099-01-01T00:00:00Z", &got, &gu), 0);
	cr_assert_str_eq(got.name, "ci");
	cr_assert_str_eq(got.expires_at, "");
	cr_assert_eq(db->ops->token_touch(db, ws1.id, t.id, "2026-05-05T00:00:00Z"), 0);
	cr_assert_eq(db->ops->token_touch(db, ws2.id, t.id, "2026-05-05T00:00:00Z"), ERR_NOTFOUND);
	memset(other, 3, sizeof(other));
	cr_assert_eq(db->ops->token_lookup(db, other, "2026-01-01T00:00:00Z", &got, &gu),
		     ERR_NOTFOUND);

	cr_assert_eq(db->ops->token_list(db, ws1.id, u1.id, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[1].last_used_at, "2026-05-05T00:00:00Z");
	token_list_release(&l);

	cr_assert_eq(db->ops->token_delete_user(db, ws1.id, u1.id, TOKEN_SESSION), 0);
	cr_assert_eq(db->ops->token_list(db, ws1.id, u1.id, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_eq(l.v[0].kind, TOKEN_API);
	token_list_release(&l);
	cr_assert_eq(db->ops->token_delete(db, ws2.id, t.id), ERR_NOTFOUND);
	cr_assert_eq(db->ops->token_delete(db, ws1.id, t.id), 0);
}

Test(store, users_and_passwords)
{
	struct user u;
	struct user_list l;
	char hash[128];
	int64_t n;

	cr_assert_eq(db->ops->user_get_by_name(db, ws1.id, "alice", &u, hash, sizeof(hash)), 0);
	cr_assert_eq(u.id, u1.id);
	cr_assert_str_eq(hash, "$argon2id$x");
	cr_assert_eq(db->ops->user_get_by_name(db, ws1.id, "alice", &u, hash, 4), ERR_TOOBIG);
	cr_assert_eq(db->ops->user_set_password(db, ws1.id, u1.id, "$argon2id$y"), 0);
	cr_assert_eq(db->ops->user_set_password(db, ws2.id, u1.id, "$argon2id$z"), ERR_NOTFOUND);
	cr_assert_eq(db->ops->user_get_by_name(db, ws1.id, "alice", &u, hash, sizeof(hash)), 0);
	cr_assert_str_eq(hash, "$argon2id$y");
	cr_assert_eq(db->ops->user_get_by_name(db, ws1.id, "carol", &u, NULL, 0), ERR_NOTFOUND);

	u.active = 0;
	u.role = ROLE_MANAGER;
	cr_assert_eq(db->ops->user_update(db, &u), 0);
	cr_assert_eq(u.version, 2);
	cr_assert_eq(db->ops->user_get(db, ws1.id, u1.id, &u), 0);
	cr_assert_eq(u.active, 0);
	cr_assert_eq(u.role, ROLE_MANAGER);
	cr_assert_eq(db->ops->user_get(db, ws2.id, u1.id, &u), ERR_NOTFOUND);

	cr_assert_eq(db->ops->user_count(db, ws1.id, &n), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(db->ops->user_list(db, ws1.id, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[1].username, "bob");
	user_list_release(&l);
}

Test(store, workspaces)
{
	struct workspace w;
	struct workspace_list l;

	cr_assert_eq(db->ops->workspace_get(db, ws2.id, &w), 0);
	cr_assert_str_eq(w.slug, "two");
	w.members_see_all = 1;
	strcpy(w.language, "zh-TW");
	cr_assert_eq(db->ops->workspace_update(db, &w), 0);
	cr_assert_eq(w.version, 2);
	w.version = 1;
	cr_assert_eq(db->ops->workspace_update(db, &w), ERR_STALE);
	w.id = 999;
	cr_assert_eq(db->ops->workspace_update(db, &w), ERR_NOTFOUND);
	cr_assert_eq(db->ops->workspace_get(db, 999, &w), ERR_NOTFOUND);
	cr_assert_eq(db->ops->workspace_get_by_slug(db, "two", &w), 0);
	cr_assert_eq(w.members_see_all, 1);
	cr_assert_str_eq(w.language, "zh-TW");
	cr_assert_eq(db->ops->workspace_list(db, &l), 0);
	cr_assert_eq(l.n, 2);
	cr_assert_str_eq(l.v[0].slug, "one");
	workspace_list_release(&l);
}

Test(store, companies_and_contacts)
{
	struct company c, d;
	struct company_filter f = {0};
	struct company_list l;
	struct contact k = {0}, g;
	struct contact_list kl;

	make_company(&c, ws1.id, "Zeta Ltd");
	make_company(&d, ws1.id, "beta");
	make_deal(ws1.id, c.id, st1[0].id, u1b.id, "bob's", 1, -1, NULL);

	cr_assert_eq(db->ops->company_get_by_name(db, ws1.id, "Zeta Ltd", &c), 0);
	cr_assert_eq(db->ops->company_get_by_name(db, ws1.id, "zeta ltd", &c), ERR_NOTFOUND);

	cr_assert_eq(db->ops->company_list(db, ws1.id, &f, &l), 0);
	cr_assert_eq(l.n, 3);
	cr_assert_str_eq(l.v[0].name, "Acme");
	cr_assert_str_eq(l.v[1].name, "beta");
	company_list_release(&l);

	f.visible_to = u1b.id;
	cr_assert_eq(db->ops->company_list(db, ws1.id, &f, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.v[0].name, "Zeta Ltd");
	company_list_release(&l);

	memset(&f, 0, sizeof(f));
	strcpy(f.q, "ET");
	f.limit = 1;
	f.offset = 1;
	cr_assert_eq(db->ops->company_list(db, ws1.id, &f, &l), 0);
	cr_assert_eq(l.n, 1);
	cr_assert_str_eq(l.v[0].name, "Zeta Ltd");
	company_list_release(&l);

	k.workspace_id = ws1.id;
	k.company_id = d.id;
	strcpy(k.name, "Carol");
	strcpy(k.email, "carol@example.com");
	cr_assert_eq(db->ops->contact_create(db, &k), 0);
	k.company_id = co2.id; /* another workspace's company */
	cr_assert_eq(db->ops->contact_update(db, &k), ERR_INVALID);
	k.company_id = d.id;
	strcpy(k.title, "CTO");
	cr_assert_eq(db->ops->contact_update(db, &k), 0);
	cr_assert_eq(k.version, 2);
	cr_assert_eq(db->ops->contact_get(db, ws1.id, k.id, &g), 0);
	cr_assert_str_eq(g.title, "CTO");
	cr_assert_eq(db->ops->contact_get(db, ws2.id, k.id, &g), ERR_NOTFOUND);
	cr_assert_eq(db->ops->contact_list(db, ws1.id, d.id, &kl), 0);
	cr_assert_eq(kl.n, 1);
	contact_list_release(&kl);

	/* A company without deals goes, with its contacts. */
	cr_assert_eq(db->ops->company_delete(db, ws1.id, d.id), 0);
	cr_assert_eq(db->ops->contact_get(db, ws1.id, k.id, &g), ERR_NOTFOUND);
}

Test(store, transactions)
{
	struct company c;
	struct deal_filter f;
	struct deal_list l;

	cr_assert_eq(db->ops->begin(db, 1), 0);
	make_deal(ws1.id, co1.id, st1[0].id, u1.id, "temp", 1, -1, NULL);
	make_company(&c, ws1.id, "Temp Co");
	cr_assert_eq(db->ops->rollback(db), 0);
	cr_assert_eq(db->ops->company_get(db, ws1.id, c.id, &c), ERR_NOTFOUND);
	deal_filter_init(&f);
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	cr_assert_eq(l.total, 0);
	deal_list_release(&l);
	cr_assert_eq(db->ops->rollback(db), 0, "rollback outside a transaction is harmless");

	cr_assert_eq(db->ops->begin(db, 1), 0);
	make_deal(ws1.id, co1.id, st1[0].id, u1.id, "kept", 1, -1, NULL);
	cr_assert_eq(db->ops->commit(db), 0);
	cr_assert_eq(db->ops->begin(db, 0), 0);
	cr_assert_eq(db->ops->deal_list(db, ws1.id, &f, 1, &l), 0);
	cr_assert_eq(l.total, 1);
	deal_list_release(&l);
	cr_assert_eq(db->ops->commit(db), 0);
}

Test(store, group_keeps_each_transactions_outcome)
{
	struct store *other = NULL;
	struct company a, b, c, g;
	char err[256] = "";

	cr_assert_eq(store_open(db_path, 0, &other, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(db->ops->group_begin(db), 0);
	cr_assert_neq(db->ops->group_begin(db), 0, "a group inside a group is refused");

	cr_assert_eq(db->ops->begin(db, 1), 0); /* kept */
	make_company(&a, ws1.id, "Group A");
	cr_assert_eq(db->ops->commit(db), 0);

	cr_assert_eq(db->ops->begin(db, 1), 0); /* undone alone */
	make_company(&b, ws1.id, "Group B");
	cr_assert_eq(db->ops->rollback(db), 0);

	cr_assert_eq(db->ops->begin(db, 0), 0); /* sees the one before it */
	cr_assert_eq(db->ops->company_get(db, ws1.id, a.id, &g), 0);
	cr_assert_eq(db->ops->company_get_by_name(db, ws1.id, "Group B", &g), ERR_NOTFOUND);
	cr_assert_eq(db->ops->commit(db), 0);

	cr_assert_eq(db->ops->begin(db, 1), 0);
	make_company(&c, ws1.id, "Group C");
	cr_assert_eq(db->ops->commit(db), 0);

	cr_assert_eq(other->ops->company_get(other, ws1.id, a.id, &g), ERR_NOTFOUND,
		     "nothing is visible before the group commits");
	cr_assert_eq(db->ops->group_end(db, 1), 0);
	cr_assert_eq(other->ops->company_get(other, ws1.id, a.id, &g), 0);
	cr_assert_eq(other->ops->company_get_by_name(other, ws1.id, "Group B", &g), ERR_NOTFOUND);
	cr_assert_eq(other->ops->company_get_by_name(other, ws1.id, "Group C", &g), 0);
	cr_assert_eq(g.id, c.id);

	/* A group rolled back writes nothing; transactions are whole again after it. */
	cr_assert_eq(db->ops->group_begin(db), 0);
	cr_assert_eq(db->ops->begin(db, 1), 0);
	make_company(&b, ws1.id, "Group D");
	cr_assert_eq(db->ops->commit(db), 0);
	cr_assert_eq(db->ops->group_end(db, 0), 0);
	cr_assert_eq(db->ops->company_get_by_name(db, ws1.id, "Group D", &g), ERR_NOTFOUND);
	cr_assert_neq(db->ops->group_end(db, 1), 0, "no group is open");
	cr_assert_eq(db->ops->begin(db, 1), 0);
	make_company(&b, ws1.id, "Group E");
	cr_assert_eq(db->ops->rollback(db), 0);
	cr_assert_eq(db->ops->company_get_by_name(db, ws1.id, "Group E", &g), ERR_NOTFOUND);
	store_close(other);
}

Test(store, second_connection_reads_during_write)
{
	struct store *other = NULL;
	struct company c;
	char err[256] = "";

	cr_assert_eq(store_open(db_path, 0, &other, err, sizeof(err)), 0, "%s", err);
	make_company(&c, ws1.id, "Shared");
	cr_assert_eq(other->ops->company_get(other, ws1.id, c.id, &c), 0);

	cr_assert_eq(db->ops->begin(db, 1), 0);
	cr_assert_eq(other->ops->begin(other, 0), 0);
	cr_assert_eq(other->ops->company_get(other, ws1.id, c.id, &c), 0, "readers go on in WAL");
	cr_assert_eq(other->ops->commit(other), 0);
	cr_assert_eq(db->ops->commit(db), 0);
	store_close(other);
}

/* The deal facts the reports read equal a replay of the stage history. */
static int log_wakes;

static void log_wake_count(void *arg)
{
	(void)arg;
	log_wakes++;
}

/* The write-ahead log's size in bytes (0 when there is none). */
static long log_bytes(void)
{
	char p[80];
	FILE *f;
	long n = 0;

	snprintf(p, sizeof(p), "%s-wal", db_path);
	f = fopen(p, "rb");
	if (f) {
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fclose(f);
	}
	return n;
}

/*
 * A connection that hands its checkpoints off wakes the checkpointer past
 * `pages` and, with nobody copying the log, copies it itself past `cap`:
 * 400 deals (some ten pages each, 16 MB of log uncopied) stay within the cap
 * plus one write's pages.
 */
Test(store, log_hand_off_wakes_and_bounds_the_log)
{
	long start = log_bytes(); /* the set-up's writes: the file is reused, not cut */
	int left = -1;

	cr_assert_eq(db->ops->log_hand_off(db, 0, 64, log_wake_count, NULL), ERR_INVALID);
	cr_assert_eq(db->ops->log_hand_off(db, 16, 64, log_wake_count, NULL), 0);
	log_wakes = 0;
	for (int i = 0; i < 400; i++) {
		char name[32];

		snprintf(name, sizeof(name), "log %d", i);
		make_deal(ws1.id, co1.id, st1[0].id, u1.id, name, 100 + i, -1, NULL);
		cr_assert_leq(log_bytes(), start + (64 + 64) * (4096 + 24),
			      "deal %d: log of %ld bytes", i, log_bytes());
	}
	cr_assert_gt(log_wakes, 0);
	cr_assert_eq(db->ops->log_checkpoint(db, 1, &left), 0);
	cr_assert_eq(left, 0);
}

Test(store, report_facts_equal_history_replay)
{
	report_facts_check(db, ws1.id, co1.id, 20261127u, -1);
	cr_assert_gt(sql_int("SELECT count(*) FROM deal_dwell"), 0);
	/*
	 * The readers skip rows no deal counts in any more, so the check above
	 * cannot see them: the upkeep must delete them, or the tables grow
	 * with every move.
	 */
	cr_assert_eq(sql_int("SELECT count(*) FROM deal_dwell WHERE deals = 0"), 0);
	cr_assert_eq(sql_int("SELECT count(*) FROM deal_dwell_day WHERE deals = 0"), 0);
	report_facts_check(db, ws2.id, co2.id, 7u, 3); /* and after report rebuild */
}

/*
 * fc_bulk runs one bulk write as an import makes it (bulk_hint, one batch,
 * the flush before the commit): n new deals, with one history row or none,
 * some of them moved or edited again in the same write (no deletes: an
 * import deletes nothing, and with foreign keys off in bulk mode a deal's
 * delete leaves its history behind); with
 * old, the same write also moves one of the deals from before (old), so that
 * the flush recomputes the workspace instead of adding the new deals' rows.
 */
static void fc_bulk(struct fc *f, int n, int64_t old)
{
	struct store *st = f->db;
	size_t first = f->nids;

	f->bulk = 1;
	if (st->ops->bulk_hint)
		cr_assert_eq(st->ops->bulk_hint(st, n), 0);
	cr_assert_eq(st->ops->begin(st, STORE_TX_BATCH), 0);
	for (int i = 0; i < n; i++) {
		unsigned op = fc_rand(f) % 10;
		size_t k = f->nids > first ? first + fc_rand(f) % (f->nids - first) : 0;

		if (f->nids == first || op < 6)
			fc_create(f);
		else if (op < 8)
			fc_move(f, f->ids[k]);
		else
			fc_edit(f, f->ids[k]);
		if (old && i == n / 2)
			fc_move(f, old);
	}
	if (st->ops->bulk_flush)
		cr_assert_eq(st->ops->bulk_flush(st), 0);
	cr_assert_eq(st->ops->commit(st), 0);
	if (st->ops->bulk_hint)
		cr_assert_eq(st->ops->bulk_hint(st, 0), 0);
	f->bulk = 0;
}

/*
 * report_facts_check_bulk runs report_facts_check's rounds in workspace ws,
 * then bulk writes into it (fc_bulk), the first into an empty set of new
 * deals' rows, each compared with the replay as the rounds are.
 */
static void report_facts_check_bulk(struct store *st, int64_t ws, int64_t company, unsigned seed)
{
	static const char *const keys[FC_STAGES] = {"fc_a", "fc_b",   "fc_c",
						    "fc_d", "fc_won", "fc_lost"};
	struct report_deal_list old = {0};
	struct fc f;

	report_facts_check(st, ws, company, seed, -1);
	memset(&f, 0, sizeof(f));
	f.db = st;
	f.ws = ws;
	f.company = company;
	f.seed = seed + 1;
	for (int i = 0; i < FC_STAGES; i++)
		cr_assert_eq(st->ops->stage_get_by_key(st, ws, keys[i], &f.stages[i]), 0);
	for (int i = 0; i < FC_OWNERS; i++) {
		struct user u;
		char name[16];

		snprintf(name, sizeof(name), "fc%d", i);
		cr_assert_eq(st->ops->user_get_by_name(st, ws, name, &u, NULL, 0), 0);
		f.owners[i] = u.id;
	}
	cr_assert_eq(st->ops->report_deals(st, ws, 0, &old), 0);
	cr_assert_gt(old.n, 10);
	for (int round = 0; round < 4; round++) {
		fc_bulk(&f, 40 + 20 * round, round == 2 ? old.v[old.n / 2].id : 0);
		fc_compare(&f, 0, INT64_MIN, INT64_MAX, FC_T0 + 400 * 86400);
		fc_compare(&f, f.owners[round % FC_OWNERS], FC_T0 + 30 * 86400, FC_T0 + 250 * 86400,
			   FC_T0 + 260 * 86400);
		fc_compare(&f, 0, INT64_MIN, INT64_MAX, FC_T0 + 300 * 86400 + 4321);
	}
	report_deal_list_release(&old);
}

/*
 * A bulk write (an import) adds its new deals' report rows at its flush, or
 * recomputes the workspace's when it also wrote an older deal: the same
 * facts as the replay either way.
 */
Test(store, bulk_write_facts_equal_history_replay)
{
	report_facts_check_bulk(db, ws1.id, co1.id, 20261128u);
}

/* lookup_names reads "stage", then "user" twice, then "stage" again in one read transaction. */
static void lookup_names(const char *user, const char *stage, int want, int64_t uid, int64_t sid)
{
	struct user gu;
	struct stage gs;
	int k;

	cr_assert_eq(db->ops->begin(db, 0), 0);
	for (k = 0; k < 2; k++) {
		cr_assert_eq(db->ops->stage_get_by_key(db, ws1.id, stage, &gs), want, "stage %s",
			     stage);
		if (want == 0)
			cr_assert_eq(gs.id, sid);
		cr_assert_eq(db->ops->user_get_by_name(db, ws1.id, user, &gu, NULL, 0), want,
			     "user %s", user);
		if (want == 0)
			cr_assert_eq(gu.id, uid);
	}
	cr_assert_eq(db->ops->commit(db), 0);
}

/*
 * rename_names renames u and g through store by, then checks that the old
 * names are gone and the new ones found through db.
 */
static void rename_names(struct store *by, struct user *u, struct stage *g, const char *name,
			 const char *key)
{
	char was_name[sizeof(u->username)], was_key[sizeof(g->key)];

	strcpy(was_name, u->username);
	strcpy(was_key, g->key);
	snprintf(u->username, sizeof(u->username), "%s", name);
	cr_assert_eq(by->ops->user_update(by, u), 0);
	snprintf(g->key, sizeof(g->key), "%s", key);
	cr_assert_eq(by->ops->stage_update(by, g), 0);
	lookup_names(was_name, was_key, ERR_NOTFOUND, 0, 0);
	lookup_names(name, key, 0, u->id, g->id);
}

/*
 * A user read by name and a stage by key are read again after a rename,
 * by another connection or by this one.
 */
Test(store, name_lookups_follow_renames)
{
	struct store *other;
	struct user u;
	struct stage g;
	char err[256] = "";

	make_user(&u, ws1.id, "rita", ROLE_MEMBER);
	make_stage(&g, ws1.id, "demo", 20, STAGE_OPEN, 0);
	cr_assert_eq(store_open(db_path, 1, &other, err, sizeof(err)), 0, "%s", err);
	lookup_names("rita", "demo", 0, u.id, g.id);
	lookup_names("rita", "demo", 0, u.id, g.id);
	rename_names(other, &u, &g, "rita2", "demo2");
	rename_names(db, &u, &g, "rita", "demo");
	store_close(other);
}
