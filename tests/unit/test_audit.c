/*
 * test_audit.c - the audit log and the deal trash: the 30-day cutoff
 * (svc_audit.h) and the store contract on SQLite (store_checks.h, which
 * test_store_pg.c runs on PostgreSQL too): audit filters and keyset paging
 * bounded by workspace, a trashed deal gone from reads and the summary and
 * back with its id, history and field changes, expiry and purge.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "model.h"
#include "store.h"
#include "store_checks.h"
#include "svc_audit.h"

Test(audit, trash_cutoff_is_thirty_days_before)
{
	char out[TS_LEN];

	cr_assert_eq(trash_cutoff("2026-03-31T10:00:00Z", out), 0);
	cr_assert_str_eq(out, "2026-03-01T10:00:00Z");
	cr_assert_eq(trash_cutoff("2026-01-15T00:00:00Z", out), 0);
	cr_assert_str_eq(out, "2025-12-16T00:00:00Z");
	cr_assert_eq(trash_cutoff("2026-01-15", out), 0, "a date is its midnight");
	cr_assert_str_eq(out, "2025-12-16T00:00:00Z");
	cr_assert_eq(trash_cutoff("soon", out), ERR_INVALID);
	cr_assert_eq(trash_cutoff("", out), ERR_INVALID);
	cr_assert_eq(trash_cutoff(NULL, out), ERR_INVALID);
}

Test(audit, now_override_and_environment)
{
	char ts[TS_LEN];

	setenv("LITECRM_NOW", "2030-05-06T07:08:09Z", 1);
	svc_audit_now(NULL, ts);
	cr_assert_str_eq(ts, "2030-05-06T07:08:09Z");
	svc_audit_now("2031-01-02T03:04:05Z", ts);
	cr_assert_str_eq(ts, "2031-01-02T03:04:05Z", "an explicit --now wins");
	unsetenv("LITECRM_NOW");
	svc_audit_now(NULL, ts);
	cr_assert_eq(strlen(ts), 20);
	cr_assert_neq(strcmp(ts, "2030-05-06T07:08:09Z"), 0);
}

static void audit_row(struct store *db, int64_t ws, int64_t actor, const char *action,
		      const char *ttype, int64_t tid, const char *at)
{
	struct audit_entry a;

	memset(&a, 0, sizeof(a));
	a.workspace_id = ws;
	a.actor_id = actor;
	snprintf(a.action, sizeof(a.action), "%s", action);
	snprintf(a.target_type, sizeof(a.target_type), "%s", ttype);
	a.target_id = tid;
	snprintf(a.at, sizeof(a.at), "%s", at);
	strcpy(a.addr, "192.0.2.1");
	strcpy(a.detail, "{\"n\":1}");
	cr_assert_eq(db->ops->audit_add(db, &a), 0, "audit_add %s", action);
	cr_assert_gt(a.id, 0);
}

/* list runs audit_list with f and returns how many rows came; ids into got (at most 8). */
static size_t list(struct store *db, int64_t ws, const struct audit_filter *f, int64_t got[8])
{
	struct audit_list l = {0};
	size_t n;

	cr_assert_eq(db->ops->audit_list(db, ws, f, &l), 0);
	for (size_t i = 0; i < l.n && i < 8; i++)
		got[i] = l.v[i].id;
	for (size_t i = 1; i < l.n; i++)
		cr_assert_gt(l.v[i - 1].id, l.v[i].id, "newest first");
	n = l.n;
	audit_list_release(&l);
	return n;
}

static int64_t deal_count(struct store *db, int64_t ws)
{
	struct stage_sum_list l = {0};
	struct deal_filter f;
	int64_t n = 0;

	deal_filter_init(&f);
	cr_assert_eq(db->ops->summary(db, ws, &f, &l), 0);
	for (size_t i = 0; i < l.n; i++)
		n += l.v[i].count;
	stage_sum_list_release(&l);
	return n;
}

void check_audit_and_trash(struct store *db, int64_t ws, int64_t other, int64_t user,
			   int64_t company, int64_t stage)
{
	struct audit_filter f;
	struct trash_list tl = {0};
	struct history_list hl = {0};
	struct id_list ids = {0};
	struct trash_entry te;
	struct stage_change h;
	struct deal d, back;
	int64_t got[8], before;

	/* the audit log: filters, keyset paging, workspaces apart */
	cr_assert_eq(db->ops->begin(db, 1), 0);
	audit_row(db, ws, user, "login", "user", user, "2026-01-01T10:00:00Z");
	audit_row(db, ws, 0, "login.failed", "", 0, "2026-01-02T10:00:00Z");
	audit_row(db, ws, user, "user.role", "user", user, "2026-01-03T10:00:00Z");
	audit_row(db, other, user, "login", "user", user, "2026-01-03T11:00:00Z");
	cr_assert_eq(db->ops->commit(db), 0);
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	cr_assert_eq(list(db, ws, &f, got), 3, "only this workspace's rows");
	f.limit = 2;
	cr_assert_eq(list(db, ws, &f, got), 2);
	f.before_id = got[1];
	f.limit = 10;
	cr_assert_eq(list(db, ws, &f, got), 1, "the page after the cursor");
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	strcpy(f.action, "user.");
	cr_assert_eq(list(db, ws, &f, got), 1, "a group prefix");
	strcpy(f.action, "login");
	cr_assert_eq(list(db, ws, &f, got), 1, "an exact action, not login.failed");
	f.action[0] = '\0';
	f.actor_id = -1;
	cr_assert_eq(list(db, ws, &f, got), 1, "anonymous rows");
	f.actor_id = user;
	strcpy(f.target_type, "user");
	f.target_id = user;
	cr_assert_eq(list(db, ws, &f, got), 2);
	memset(&f, 0, sizeof(f));
	f.limit = 10;
	strcpy(f.since, "2026-01-02T00:00:00Z");
	strcpy(f.until, "2026-01-03T00:00:00Z");
	cr_assert_eq(list(db, ws, &f, got), 1, "since inclusive, until exclusive");

	/* the trash: a deal with history and a field change */
	memset(&d, 0, sizeof(d));
	d.workspace_id = ws;
	d.company_id = company;
	d.stage_id = stage;
	d.owner_id = user;
	d.created_by = user;
	d.probability = -1;
	d.amount = 123400;
	strcpy(d.currency, "TWD");
	strcpy(d.name, "trash check");
	cr_assert_eq(db->ops->begin(db, 1), 0);
	cr_assert_eq(db->ops->deal_create(db, &d), 0);
	memset(&h, 0, sizeof(h));
	h.workspace_id = ws;
	h.deal_id = d.id;
	h.to_stage_id = stage;
	h.changed_by = user;
	cr_assert_eq(db->ops->history_add(db, &h), 0);
	cr_assert_eq(db->ops->commit(db), 0);
	before = deal_count(db, ws);

	cr_assert_eq(db->ops->begin(db, 1), 0);
	cr_assert_eq(db->ops->deal_trash(db, ws, d.id, user, "2026-02-01T00:00:00Z"), 0);
	cr_assert_eq(db->ops->deal_trash(db, ws, d.id, user, "2026-02-01T00:00:00Z"), ERR_NOTFOUND);
	cr_assert_eq(db->ops->commit(db), 0);
	cr_assert_eq(db->ops->deal_get(db, ws, d.id, &back), ERR_NOTFOUND);
	cr_assert_eq(deal_count(db, ws), before - 1, "the summary leaves it out");
	cr_assert_eq(db->ops->trash_list(db, other, 0, &tl), 0);
	cr_assert_eq(tl.n, 0, "another workspace sees no trash of this one");
	trash_list_release(&tl);
	cr_assert_eq(db->ops->trash_list(db, ws, 0, &tl), 0);
	cr_assert_eq(tl.n, 1);
	cr_assert_eq(tl.v[0].deal.id, d.id);
	cr_assert_str_eq(tl.v[0].deal.name, "trash check");
	cr_assert_str_eq(tl.v[0].deal.company_name, "Acme");
	cr_assert_str_eq(tl.v[0].deleted_at, "2026-02-01T00:00:00Z");
	cr_assert_eq(tl.v[0].deleted_by, user);
	trash_list_release(&tl);
	cr_assert_eq(db->ops->trash_list(db, ws, user + 1000, &tl), 0);
	cr_assert_eq(tl.n, 0, "another owner's trash");
	trash_list_release(&tl);
	cr_assert_eq(db->ops->trash_expired(db, ws, "2026-02-01T00:00:00Z", &ids), 0);
	cr_assert_eq(ids.n, 0, "not before its own time");
	id_list_release(&ids);
	cr_assert_eq(db->ops->trash_expired(db, ws, "2026-02-01T00:00:01Z", &ids), 0);
	cr_assert_eq(ids.n, 1);
	cr_assert_eq(ids.v[0], d.id);
	id_list_release(&ids);

	cr_assert_eq(db->ops->begin(db, 1), 0);
	cr_assert_eq(db->ops->deal_untrash(db, ws, d.id), 0);
	cr_assert_eq(db->ops->deal_untrash(db, ws, d.id), ERR_NOTFOUND);
	cr_assert_eq(db->ops->commit(db), 0);
	cr_assert_eq(db->ops->deal_get(db, ws, d.id, &back), 0);
	cr_assert_eq(back.amount, 123400);
	cr_assert_eq(back.version, d.version);
	cr_assert_eq(deal_count(db, ws), before, "counted again");
	cr_assert_eq(db->ops->history_list(db, ws, d.id, &hl), 0);
	cr_assert_eq(hl.n, 1, "its history came back");
	cr_assert_eq(hl.v[0].id, h.id);
	history_list_release(&hl);
	cr_assert_eq(db->ops->trash_get(db, ws, d.id, &te), ERR_NOTFOUND);

	/* purge: gone for good */
	cr_assert_eq(db->ops->begin(db, 1), 0);
	cr_assert_eq(db->ops->deal_trash(db, ws, d.id, 0, "2026-02-02T00:00:00Z"), 0);
	cr_assert_eq(db->ops->trash_get(db, ws, d.id, &te), 0);
	cr_assert_eq(te.deleted_by, 0, "the operator");
	cr_assert_eq(db->ops->trash_purge(db, other, d.id), ERR_NOTFOUND,
		     "not from another workspace");
	cr_assert_eq(db->ops->trash_purge(db, ws, d.id), 0);
	cr_assert_eq(db->ops->deal_untrash(db, ws, d.id), ERR_NOTFOUND);
	cr_assert_eq(db->ops->commit(db), 0);
}

Test(audit, store_sqlite)
{
	char path[64], err[256] = "", side[80];
	struct store *db = NULL;
	struct workspace w[2];
	struct user u;
	struct company c;
	struct stage g;
	int fd;

	snprintf(path, sizeof(path), "/tmp/litecrm-test-audit-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(store_open(path, 1, &db, err, sizeof(err)), 0, "store_open: %s", err);
	for (int i = 0; i < 2; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		snprintf(w[i].slug, sizeof(w[i].slug), "w%d", i);
		strcpy(w[i].name, "W");
		strcpy(w[i].currency, "TWD");
		strcpy(w[i].language, "en");
		cr_assert_eq(db->ops->workspace_create(db, &w[i]), 0);
	}
	memset(&u, 0, sizeof(u));
	u.workspace_id = w[0].id;
	strcpy(u.username, "alice");
	u.role = ROLE_ADMIN;
	u.active = 1;
	cr_assert_eq(db->ops->user_create(db, &u, "$argon2id$x"), 0);
	memset(&g, 0, sizeof(g));
	g.workspace_id = w[0].id;
	strcpy(g.key, "open");
	g.probability = 10;
	g.kind = STAGE_OPEN;
	cr_assert_eq(db->ops->stage_create(db, &g), 0);
	memset(&c, 0, sizeof(c));
	c.workspace_id = w[0].id;
	strcpy(c.name, "Acme");
	cr_assert_eq(db->ops->company_create(db, &c), 0);
	check_audit_and_trash(db, w[0].id, w[1].id, u.id, c.id, g.id);
	store_close(db);
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
}
