/*
 * import_all.h - `litecrm import all FILE`: a whole workspace from the JSON
 * document `litecrm export all --json` writes (format versions 1 and 2):
 * settings, users, stages, companies with their contacts, deals with their
 * stage history, notes with their tags and the deals citing them, and saved
 * views. Everything is written in one transaction (all or nothing) as the
 * operator, through svc.
 *
 * Records get new ids; the document's ids only tie its parts together. Not
 * carried over (docs/API.md, "Moving a workspace"): passwords (users get a
 * random one: set it with `litecrm user passwd`), tokens and sessions, the
 * created_at/updated_at and version of companies, contacts, deals and views,
 * the creator and assigner of deals, field-change history, and external ids.
 * Note creation times and stage-history times are kept.
 */
#ifndef LITECRM_IMPORT_ALL_H
#define LITECRM_IMPORT_ALL_H

#include <jansson.h>

#include "svc.h"

/* The newest `export all` format version this build writes and reads. */
#define EXPORT_ALL_VERSION 2

struct import_all_result {
	size_t users, stages, companies, contacts, deals, history, notes, citations, views;
};

/* Called now and then with the deals written of all the document's deals; may be NULL. */
typedef void (*import_all_progress)(void *ctx, size_t done, size_t total);

/*
 * import_all writes doc into a's workspace (a: the operator). A workspace
 * that holds companies, deals or notes is refused (import.workspace_not_empty)
 * unless force is set; then the document's records are added beside them
 * (users and stages are matched by username and key). Returns 0 or a
 * negative enum err with e naming the part of the document at fault.
 */
int import_all(struct store *st, const struct actor *a, json_t *doc, int force,
	       import_all_progress progress, void *progress_ctx, struct import_all_result *res,
	       struct errinfo *e);

#endif
