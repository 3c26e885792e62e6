/*
 * svc_import.c - the operations behind bulk import and backup (svc_import.h).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "svc_import.h"
#include "import.h"
#include "svc_audit.h"
#include "svc_int.h"

int svc_import_allowed(const struct actor *a, struct errinfo *e)
{
	if (!is_privileged(a))
		return errinfo_set(e, ERR_FORBIDDEN, "import.forbidden", NULL,
				   "only managers and admins import files");
	return 0;
}

static int companies_tx(struct store *st, const struct actor *a, struct company_list *out,
			struct errinfo *e)
{
	struct company_filter f;

	memset(&f, 0, sizeof(f));
	f.limit = 0; /* every company */
	return fail_std(e, st->ops->company_list(st, a->workspace_id, &f, out), "company");
}

int svc_import_companies(struct store *st, const struct actor *a, struct company_list *out,
			 struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, companies_tx(st, a, out, e));
	return rc;
}

static int need_batch(struct store *st, struct errinfo *e)
{
	if (!st->batch)
		return errinfo_set(e, ERR_INVALID, "server.error", NULL,
				   "an import must run inside a batch");
	return 0;
}

int svc_import_company_create(struct store *st, const struct actor *a, struct company *c,
			      struct errinfo *e)
{
	int rc;

	if ((rc = need_batch(st, e)))
		return rc;
	c->workspace_id = a->workspace_id;
	return fail_std(e, st->ops->company_create(st, c), "company");
}

int svc_import_deal_create(struct store *st, const struct actor *a, const struct workspace *w,
			   struct deal *d, const char *ext, struct errinfo *e)
{
	struct stage_change h;
	int rc;

	if ((rc = need_batch(st, e)))
		return rc;
	if (w->id != a->workspace_id)
		return errinfo_set(e, ERR_INVALID, "server.error", NULL, "wrong workspace");
	if (!is_privileged(a) && d->owner_id != a->user_id)
		return errinfo_set(e, ERR_FORBIDDEN, "deal.owner_forbidden", "owner",
				   "only managers assign deals to others");
	d->workspace_id = w->id;
	d->assigned_by = 0;
	d->assigned_at[0] = '\0';
	d->created_at[0] = '\0';
	if (d->owner_id != a->user_id) {
		d->assigned_by = a->user_id;
		store_now(d->assigned_at);
	}
	d->created_by = a->user_id;
	rc = st->ops->deal_create_ext(st, d, ext);
	if (rc == ERR_CONFLICT)
		return errinfo_set(e, rc, "import.external_id_taken", "external_id",
				   "external id '%.64s' belongs to another deal", ext);
	if (rc)
		return fail_std(e, rc, "deal");
	memset(&h, 0, sizeof(h));
	h.workspace_id = w->id;
	h.deal_id = d->id;
	h.to_stage_id = d->stage_id;
	h.changed_by = a->user_id;
	memcpy(h.changed_at, d->created_at, TS_LEN);
	if ((rc = st->ops->history_add(st, &h)))
		return fail_std(e, rc, "history");
	return 0;
}

static int find_tx(struct store *st, const struct actor *a, const char *ext, int64_t *id,
		   struct errinfo *e)
{
	int rc = st->ops->deal_external_find(st, a->workspace_id, ext, id);

	if (rc == ERR_NOTFOUND)
		return rc;
	return fail_std(e, rc, "deal");
}

int svc_import_deal_find(struct store *st, const struct actor *a, const char *ext, int64_t *id,
			 struct errinfo *e)
{
	int64_t v = 0;
	int rc;

	if (!st->ops->deal_external_find)
		return errinfo_set(e, ERR_INVALID, "import.external_id_unsupported", "external_id",
				   "this database backend keeps no external ids");
	WITH_TX(st, 0, rc, find_tx(st, a, ext, &v, e));
	if (rc == 0)
		*id = v;
	return rc;
}

int svc_backup(struct store *st, const char *path, struct errinfo *e)
{
	int rc;

	if (!st->ops->backup_to)
		return errinfo_set(e, ERR_INVALID, "backup.unsupported", NULL,
				   "the %s backend has no built-in backup: use pg_dump -Fc DBNAME "
				   "> FILE (and pg_restore to restore)",
				   st->ops->name);
	rc = st->ops->backup_to(st, path);
	if (rc == ERR_IO)
		return errinfo_set(e, rc, "backup.io", NULL, "cannot write '%.200s'", path);
	return fail_std(e, rc, "backup");
}

int svc_restore(struct store *st, const char *path, struct errinfo *e)
{
	int rc;

	if (!st->ops->restore_from)
		return errinfo_set(e, ERR_INVALID, "backup.unsupported", NULL,
				   "the %s backend has no built-in restore: use pg_restore",
				   st->ops->name);
	rc = st->ops->restore_from(st, path);
	if (rc == ERR_IO)
		return errinfo_set(e, rc, "restore.io", NULL, "cannot read '%.200s'", path);
	if (rc == ERR_INVALID)
		return errinfo_set(e, rc, "restore.invalid", NULL,
				   "'%.200s' is not a sound litecrm database (integrity check "
				   "failed or no schema)",
				   path);
	return fail_std(e, rc, "restore");
}

int svc_import_audit(struct store *st, const struct actor *a, int kind,
		     const struct import_result *res, struct errinfo *e)
{
	static const char *const kinds[] = {[IMPORT_DEALS] = "deals",
					    [IMPORT_COMPANIES] = "companies",
					    [IMPORT_CONTACTS] = "contacts"};

	if (kind < 0 || kind > IMPORT_CONTACTS)
		return fail_std(e, ERR_INVALID, "import");
	return fail_std(e,
			svc_audit_add(st, a, "import", "", 0, "{s:s,s:I,s:I,s:I,s:I}", "kind",
				      kinds[kind], "rows", (json_int_t)res->rows, "created",
				      (json_int_t)res->created, "updated", (json_int_t)res->updated,
				      "skipped", (json_int_t)res->nrejects),
			"audit");
}
