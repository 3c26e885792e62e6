/*
 * cli_backup.c - `litecrm backup FILE` and `litecrm restore FILE --force`:
 * whole-database copies through the store (SQLite's online backup API; the
 * server may keep running). PostgreSQL databases are told to use pg_dump.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "svc_import.h"

static const char backup_usage[] =
    "usage: litecrm backup FILE\n"
    "\n"
    "Writes a consistent copy of the whole database to FILE (a SQLite database\n"
    "file), also while 'litecrm serve' is running. For PostgreSQL use pg_dump.\n";

int cmd_backup(struct cli *c, int argc, char **argv)
{
	struct errinfo e = {0};
	const char *pos[1];
	int rc;

	if ((rc = cli_parse(c, argc, argv, NULL, backup_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if (access(pos[0], F_OK) == 0)
		return cli_error("'%s' exists: the backup is written to a new file", pos[0]);
	if ((rc = cli_open_store(c, 0)))
		return rc;
	rc = svc_backup(c->st, pos[0], &e);
	if (rc)
		rc = cli_fail(&e, rc);
	else
		printf("backed up '%s' to '%s'\n", c->db, pos[0]);
	cli_close(c);
	return rc ? CLI_ERROR : CLI_OK;
}

static const char restore_usage[] =
    "usage: litecrm restore FILE [--force]\n"
    "\n"
    "Replaces the whole database with FILE (a copy 'litecrm backup' wrote), after\n"
    "checking it (PRAGMA integrity_check, a litecrm schema). A database that\n"
    "already holds a workspace is overwritten only with --force.\n"
    "  --force  overwrite the database\n";

int cmd_restore(struct cli *c, int argc, char **argv)
{
	struct errinfo e = {0};
	struct workspace_list l = {0};
	const char *pos[1];
	int force = 0, rc;
	const struct cli_opt opts[] = {
	    {"force", CLI_OPT_FLAG, &force},
	    {NULL, 0, NULL},
	};

	if ((rc = cli_parse(c, argc, argv, opts, restore_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if (access(pos[0], R_OK) != 0)
		return cli_error("cannot read '%s'", pos[0]);
	if ((rc = cli_open_store(c, 1)))
		return rc;
	if (c->st->ops->workspace_list(c->st, &l) == 0 && l.n > 0 && !force) {
		workspace_list_release(&l);
		cli_close(c);
		return cli_error("'%s' holds data: restoring overwrites all of it; add --force",
				 c->db);
	}
	workspace_list_release(&l);
	rc = svc_restore(c->st, pos[0], &e);
	if (rc)
		rc = cli_fail(&e, rc);
	else
		printf("restored '%s' from '%s'\n", c->db, pos[0]);
	cli_close(c);
	return rc ? CLI_ERROR : CLI_OK;
}
