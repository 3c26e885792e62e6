/*
 * svc_import.h - the operations behind bulk import (import.c): the fast path
 * that creates many deals inside one batch (svc_batch_begin) without
 * re-reading the workspace, the pipeline and the users for every row, and
 * the look-ups an import needs that the one-record calls of svc.h do not
 * offer. Rights are those of svc_deal_create and svc_company_create.
 */
#ifndef LITECRM_SVC_IMPORT_H
#define LITECRM_SVC_IMPORT_H

#include "svc.h"

/*
 * svc_import_allowed checks that a may bulk import: the operator, admins
 * and managers; members may not (ERR_FORBIDDEN, import.forbidden).
 */
int svc_import_allowed(const struct actor *a, struct errinfo *e);

/*
 * svc_import_companies reads every company of the actor's workspace into
 * out (release with company_list_release), for matching names: an import
 * that names an existing company attaches to it, as svc_deal_create does,
 * whoever may see it.
 */
int svc_import_companies(struct store *st, const struct actor *a, struct company_list *out,
			 struct errinfo *e);

/*
 * svc_import_company_create creates company c (name set, already trimmed)
 * inside the open batch; writes c's id. ERR_INVALID when no batch is open.
 */
int svc_import_company_create(struct store *st, const struct actor *a, struct company *c,
			      struct errinfo *e);

/*
 * svc_import_deal_create creates deal d inside the open batch. The caller
 * has resolved and checked every field of d against the workspace w, the
 * stages and the active users it read in the same batch (company_id,
 * stage_id, owner_id, amount, currency, probability, close_date); here the
 * owner right is checked (a member creates only their own deals), the
 * assignment, creator and first history row are written, and ext (NULL or
 * "": none) is kept as the deal's external id. Writes d's id and version.
 */
int svc_import_deal_create(struct store *st, const struct actor *a, const struct workspace *w,
			   struct deal *d, const char *ext, struct errinfo *e);

/*
 * svc_import_deal_find finds the deal imported with external id ext into
 * *id; ERR_NOTFOUND when none. ERR_INVALID when the backend keeps no
 * external ids.
 */
int svc_import_deal_find(struct store *st, const struct actor *a, const char *ext, int64_t *id,
			 struct errinfo *e);

/*
 * svc_import_audit records a bulk import of kind (enum import_kind, import.h)
 * with its counts from res in the audit log, inside the import's batch.
 */
struct import_result;
int svc_import_audit(struct store *st, const struct actor *a, int kind,
		     const struct import_result *res, struct errinfo *e);

/*
 * svc_backup writes a consistent copy of the database to path (the operator
 * only; the database may be in use). ERR_INVALID with guidance for backends
 * that cannot (PostgreSQL: pg_dump).
 */
int svc_backup(struct store *st, const char *path, struct errinfo *e);
/* svc_restore replaces the database with the checked copy at path (the operator only). */
int svc_restore(struct store *st, const char *path, struct errinfo *e);

#endif
