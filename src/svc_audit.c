/*
 * svc_audit.c - the audit log and the deal trash as operations (svc_audit.h):
 * rights, the one clock, and the transactions around the store's audit and
 * trash calls. The hooks that record each action live beside the actions
 * (svc.c, svc_deal.c, export.c, ...), all through svc_audit_add().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "report.h"
#include "svc_audit.h"
#include "svc_int.h"

void svc_audit_now(const char *override, char ts[TS_LEN])
{
	const char *env = getenv("LITECRM_NOW");
	int64_t t;

	if (override && override[0] && report_time_parse(override, &t) == 0) {
		report_time_format(t, ts);
		return;
	}
	if (env && env[0] && report_time_parse(env, &t) == 0) {
		report_time_format(t, ts);
		return;
	}
	store_now(ts);
}

int trash_cutoff(const char *now, char out[TS_LEN])
{
	int64_t t;

	if (!now || report_time_parse(now, &t))
		return ERR_INVALID;
	report_time_format(t - (int64_t)TRASH_KEEP_DAYS * REPORT_DAY, out);
	return 0;
}

/* entry_fill fills the row of action by a; detail from a json_pack format and its values. */
static int entry_fill(struct audit_entry *r, const struct actor *a, const char *action,
		      const char *target_type, int64_t target_id, const char *fmt, va_list ap)
{
	memset(r, 0, sizeof(*r));
	r->workspace_id = a->workspace_id;
	r->actor_id = a->system ? 0 : a->user_id;
	snprintf(r->action, sizeof(r->action), "%s", action);
	snprintf(r->target_type, sizeof(r->target_type), "%s", target_type ? target_type : "");
	r->target_id = target_id;
	snprintf(r->addr, sizeof(r->addr), "%s", a->addr[0] ? a->addr : "cli");
	svc_audit_now(NULL, r->at);
	if (fmt) {
		json_error_t err;
		json_t *o = json_vpack_ex(&err, 0, fmt, ap);
		size_t n;

		if (!o)
			return ERR_INVALID;
		n = json_dumpb(o, r->detail, sizeof(r->detail) - 1, JSON_COMPACT);
		json_decref(o);
		/* too long for the cap: say so rather than store a cut object */
		if (n == 0 || n >= sizeof(r->detail))
			snprintf(r->detail, sizeof(r->detail), "{\"truncated\":true}");
		else
			r->detail[n] = '\0';
	}
	return 0;
}

static int audit_add_tx(struct store *st, struct audit_entry *r, struct errinfo *e)
{
	return fail_std(e, st->ops->audit_add(st, r), "audit");
}

/* audit_vadd writes the row, in the open transaction or (own_tx) in one of its own. */
static int audit_vadd(struct store *st, const struct actor *a, const char *action,
		      const char *target_type, int64_t target_id, int own_tx, struct errinfo *e,
		      const char *fmt, va_list ap)
{
	struct audit_entry r;
	int rc = entry_fill(&r, a, action, target_type, target_id, fmt, ap);

	if (rc)
		return e ? fail_std(e, rc, "audit") : rc;
	if (!own_tx)
		return st->ops->audit_add(st, &r);
	WITH_TX(st, STORE_TX_ROWS, rc, audit_add_tx(st, &r, e));
	return rc;
}

int svc_audit_add(struct store *st, const struct actor *a, const char *action,
		  const char *target_type, int64_t target_id, const char *detail_fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, detail_fmt);
	rc = audit_vadd(st, a, action, target_type, target_id, 0, NULL, detail_fmt, ap);
	va_end(ap);
	return rc;
}

int svc_audit_event(struct store *st, const struct actor *a, const char *action,
		    const char *target_type, int64_t target_id, struct errinfo *e,
		    const char *detail_fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, detail_fmt);
	rc = audit_vadd(st, a, action, target_type, target_id, 1, e, detail_fmt, ap);
	va_end(ap);
	return rc;
}

void svc_audit_login_failed(struct store *st, int64_t ws, int64_t user_id, const char *username,
			    const char *addr, const char *why)
{
	struct actor anon = {.workspace_id = ws};
	struct errinfo ignored = {0};

	snprintf(anon.addr, sizeof(anon.addr), "%s", addr && addr[0] ? addr : "unknown");
	svc_audit_event(st, &anon, "login.failed", user_id ? "user" : "", user_id, &ignored,
			"{s:s,s:s}", "username", username, "reason", why);
}

static int audit_list_tx(struct store *st, const struct actor *a, const struct audit_filter *f,
			 struct audit_list *out, struct errinfo *e)
{
	return fail_std(e, st->ops->audit_list(st, a->workspace_id, f, out), "audit");
}

int svc_audit_list(struct store *st, const struct actor *a, struct audit_filter *f,
		   struct audit_list *out, struct errinfo *e)
{
	int rc;

	if (!is_admin_actor(a))
		return fail_std(e, ERR_FORBIDDEN, "audit");
	if (f->limit <= 0)
		f->limit = AUDIT_PAGE_DEFAULT;
	if (f->limit > AUDIT_PAGE_MAX)
		f->limit = AUDIT_PAGE_MAX;
	WITH_TX(st, 0, rc, audit_list_tx(st, a, f, out, e));
	return rc;
}

/* ---- the trash ---- */

static int purge_one(struct store *st, const struct actor *a, const struct trash_entry *t,
		     int expired)
{
	int rc = st->ops->trash_purge(st, a->workspace_id, t->deal.id);

	if (rc)
		return rc;
	return svc_audit_add(st, a, "deal.purge", "deal", t->deal.id, "{s:s,s:b}", "name",
			     t->deal.name, "expired", expired);
}

/* sweep_tx purges, inside the open transaction, what expired at now. */
static int sweep_tx(struct store *st, const struct actor *a, const char *now, int64_t *purged,
		    struct errinfo *e)
{
	struct actor sys = actor_system(a->workspace_id);
	struct id_list ids = {0};
	char cutoff[TS_LEN];
	int rc;

	*purged = 0;
	if (trash_cutoff(now, cutoff))
		return errinfo_set(e, ERR_INVALID, "trash.now_invalid", "now",
				   "'%s' is not a time such as 2026-11-27T09:00:00Z", now);
	snprintf(sys.addr, sizeof(sys.addr), "%s", a->addr);
	if ((rc = st->ops->trash_expired(st, a->workspace_id, cutoff, &ids)))
		return fail_std(e, rc, "trash");
	for (size_t i = 0; rc == 0 && i < ids.n; i++) {
		struct trash_entry t;

		rc = st->ops->trash_get(st, a->workspace_id, ids.v[i], &t);
		if (rc == 0)
			rc = purge_one(st, &sys, &t, 1);
		*purged += rc == 0;
	}
	id_list_release(&ids);
	return fail_std(e, rc, "trash");
}

int trash_sweep_tx(struct store *st, const struct actor *a, const char *now, struct errinfo *e)
{
	int64_t purged;

	return sweep_tx(st, a, now, &purged, e);
}

static int trash_list_tx(struct store *st, const struct actor *a, const char *now,
			 struct trash_list *out, struct errinfo *e)
{
	int64_t purged;
	int rc;

	if ((rc = sweep_tx(st, a, now, &purged, e)))
		return rc;
	return fail_std(
	    e, st->ops->trash_list(st, a->workspace_id, is_privileged(a) ? 0 : a->user_id, out),
	    "trash");
}

int svc_trash_list(struct store *st, const struct actor *a, const char *now, struct trash_list *out,
		   struct errinfo *e)
{
	char ts[TS_LEN];
	int rc;

	svc_audit_now(now, ts);
	WITH_TX(st, STORE_TX_WRITE, rc, trash_list_tx(st, a, ts, out, e));
	return rc;
}

/* trash_read finds trashed deal id and checks that a may restore it (purge: admins only). */
static int trash_read(struct store *st, const struct actor *a, int64_t id, int purge,
		      struct trash_entry *t, struct errinfo *e)
{
	int rc = st->ops->trash_get(st, a->workspace_id, id, t);

	if (rc == ERR_NOTFOUND)
		return errinfo_set(e, rc, "trash.not_found", NULL, "deal %lld is not in the trash",
				   (long long)id);
	if (rc)
		return fail_std(e, rc, "trash");
	if (purge ? !is_admin_actor(a) : !deal_writable(a, &t->deal))
		return fail_std(e, ERR_FORBIDDEN, "trash");
	return 0;
}

static int restore_tx(struct store *st, const struct actor *a, int64_t id, const char *now,
		      struct deal *out, struct errinfo *e)
{
	struct trash_entry t;
	int64_t purged;
	int rc;

	if ((rc = sweep_tx(st, a, now, &purged, e)) || (rc = trash_read(st, a, id, 0, &t, e)))
		return rc;
	rc = st->ops->deal_untrash(st, a->workspace_id, id);
	if (rc == ERR_INVALID || rc == ERR_CONFLICT)
		return errinfo_set(e, ERR_CONFLICT, "trash.restore_conflict", NULL,
				   "deal %lld cannot come back: its company or stage is gone or "
				   "its external id is taken",
				   (long long)id);
	if (rc)
		return fail_std(e, rc, "trash");
	if ((rc = svc_audit_add(st, a, "deal.restore", "deal", id, "{s:s,s:s}", "name", t.deal.name,
				"deleted_at", t.deleted_at)))
		return fail_std(e, rc, "audit");
	return fail_std(e, st->ops->deal_get(st, a->workspace_id, id, out), "deal");
}

int svc_deal_restore(struct store *st, const struct actor *a, int64_t id, const char *now,
		     struct deal *out, struct errinfo *e)
{
	struct deal d;
	char ts[TS_LEN];
	int rc;

	svc_audit_now(now, ts);
	WITH_TX(st, STORE_TX_WRITE, rc, restore_tx(st, a, id, ts, &d, e));
	if (rc == 0 && out)
		*out = d;
	return rc;
}

static int purge_tx(struct store *st, const struct actor *a, int64_t id, const char *now,
		    struct errinfo *e)
{
	struct trash_entry t;
	int64_t purged;
	int rc;

	if ((rc = sweep_tx(st, a, now, &purged, e)) || (rc = trash_read(st, a, id, 1, &t, e)))
		return rc;
	return fail_std(e, purge_one(st, a, &t, 0), "trash");
}

int svc_trash_purge(struct store *st, const struct actor *a, int64_t id, const char *now,
		    struct errinfo *e)
{
	char ts[TS_LEN];
	int rc;

	if (!is_admin_actor(a))
		return fail_std(e, ERR_FORBIDDEN, "trash");
	svc_audit_now(now, ts);
	WITH_TX(st, STORE_TX_WRITE, rc, purge_tx(st, a, id, ts, e));
	return rc;
}

int svc_trash_sweep(struct store *st, const struct actor *a, const char *now, int64_t *purged,
		    struct errinfo *e)
{
	char ts[TS_LEN];
	int64_t n = 0;
	int rc;

	svc_audit_now(now, ts);
	WITH_TX(st, STORE_TX_WRITE, rc, sweep_tx(st, a, ts, &n, e));
	if (rc == 0 && purged)
		*purged = n;
	return rc;
}
