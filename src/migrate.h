/*
 * migrate.h - copying a whole workspace from one store to another (SQLite to
 * PostgreSQL), through the store operations only: no SQL, so any pair of
 * backends works and a table a feature adds slots in as one more step. A
 * target with the bulk-loading ops (copy_*, store.h) gets the large tables
 * through them.
 *
 * The copy runs in one write transaction on the target (all or nothing) and
 * one read transaction on the source (one snapshot). Rows get new ids on the
 * target; references are translated through id maps. Kept: every field the
 * store ops write, password hashes, token hashes, creation and change times.
 * Not kept: versions (every row starts at 1 again), and where rows are created
 * through the ops (not bulk-loaded) updated_at, which becomes created_at.
 * Trashed deals are copied into the target's trash.
 */
#ifndef LITECRM_MIGRATE_H
#define LITECRM_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "store.h"

#define MIGRATE_MAX_TABLES 16

struct migrate_options {
	const char *slug; /* the workspace to copy; NULL or "": the first */
	int force;	  /* write into a target that holds other workspaces */
	int tokens;	  /* copy login sessions and API tokens too */
};

/* One table's rows on both sides, counted again after the copy. */
struct migrate_count {
	const char *table;
	int64_t src, dst;
};

/* The summary figures (every deal of the workspace) on one side. */
struct migrate_figures {
	int64_t deals, amount, expected;
};

struct migrate_report {
	char slug[CAP_SLUG + 1];
	struct migrate_count counts[MIGRATE_MAX_TABLES];
	size_t ncounts;
	struct migrate_figures src, dst;
	size_t stages_compared; /* stages whose count, amount and expected matched */
	double copy_seconds, verify_seconds;
	int ok; /* every count and figure matched */
};

/*
 * migrate_workspace copies workspace o->slug of src into dst, then counts
 * every table and computes the summary on both sides into *out. Refuses
 * (ERR_CONFLICT, e filled) a dst that holds any workspace unless o->force,
 * and always one that holds a workspace with the same slug. Returns 0 when
 * the copy committed (check out->ok for the verification), else an enum err
 * with e filled and nothing written.
 */
int migrate_workspace(struct store *src, struct store *dst, const struct migrate_options *o,
		      struct migrate_report *out, struct errinfo *e);

#endif
