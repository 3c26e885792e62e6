/*
 * main.c - the litecrm command: global options, then one command from the
 * table below. Each command group lives in its own cli_*.c file; the shared
 * helpers are in cli.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "cli.h"

#ifndef LITECRM_VERSION
#define LITECRM_VERSION "0.1.0"
#endif

static const struct cli_command commands[] = {
    {"init", cmd_init, "create a database and a workspace"},
    {"demo", cmd_demo, "create the demo database (unless it exists)"},
    {"serve", cmd_serve, "run the web app and the HTTP API"},
    {"workspace", cmd_workspace, "show or change the workspace's settings"},
    {"user", cmd_user, "add, list users; set passwords"},
    {"token", cmd_token, "create a personal API token"},
    {"stage", cmd_stage, "list and edit the pipeline's stages"},
    {"company", cmd_company, "add and list companies"},
    {"deal", cmd_deal, "add, list, show, move and assign deals"},
    {"import", cmd_import, "import deals, companies, contacts or stage history from CSV"},
    {"export", cmd_export, "export deals or the summary to CSV or Excel, or all as JSON"},
    {"backup", cmd_backup, "copy the database to a file, also while serving"},
    {"restore", cmd_restore, "replace the database with a backup"},
    {"report", cmd_report, "the pipeline summary and the sales-cycle reports"},
    {"note", cmd_note, "add, list, show and cite notes about customers"},
    {"search", cmd_search, "search companies, contacts, deals and notes"},
    {"audit", cmd_audit, "the audit log: logins, changes of rights, exports, deletions"},
    {"migrate", cmd_migrate, "copy a workspace to another database (SQLite to PostgreSQL)"},
    {"routes", cmd_routes, NULL}, /* hidden: the route table for tests (security) */
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: litecrm [--db PATH] [--workspace SLUG] <command> [options]\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].help) /* a command without help is hidden */
			fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f,
		"\nglobal options (before or after the command):\n"
		"  --db PATH         the database (default: $LITECRM_DB, else ./%s)\n"
		"  --workspace SLUG  the workspace (default: the first)\n"
		"  --as USER         act as this user instead of the operator\n"
		"\nrun 'litecrm <command> --help' for a command's options.\n",
		CLI_DEFAULT_DB);
}

int main(int argc, char **argv)
{
	struct cli c;
	const char *env = getenv("LITECRM_DB");
	size_t i;
	int a = 1;

	memset(&c, 0, sizeof(c));
	c.db = env && env[0] ? env : CLI_DEFAULT_DB;
	snprintf(c.cmd, sizeof(c.cmd), "litecrm");
	if (auth_init() != 0) {
		fprintf(stderr, "litecrm: cannot initialise libsodium\n");
		return CLI_ERROR;
	}

	/* Global options before the command. */
	while (a < argc && argv[a][0] == '-') {
		const char *arg = argv[a];

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return CLI_OK;
		}
		if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
			printf("litecrm %s\n", LITECRM_VERSION);
			return CLI_OK;
		}
		if (!strcmp(arg, "--db") || !strcmp(arg, "--workspace") || !strcmp(arg, "--as")) {
			if (a + 1 == argc) {
				fprintf(stderr, "litecrm: option '%s' needs a value\n", arg);
				return CLI_USAGE;
			}
			const char **out = arg[2] == 'd'   ? &c.db
					   : arg[2] == 'w' ? &c.workspace
							   : &c.as;

			*out = argv[a + 1];
			a += 2;
			continue;
		}
		if (!strncmp(arg, "--db=", 5)) {
			c.db = arg + 5;
		} else if (!strncmp(arg, "--workspace=", 12)) {
			c.workspace = arg + 12;
		} else if (!strncmp(arg, "--as=", 5)) {
			c.as = arg + 5;
		} else {
			fprintf(stderr, "litecrm: unknown option '%s' (see 'litecrm --help')\n",
				arg);
			return CLI_USAGE;
		}
		a++;
	}
	if (a == argc) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[a], "help")) {
		usage(stdout);
		return CLI_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[a], commands[i].name)) {
			snprintf(c.cmd, sizeof(c.cmd), "%s", commands[i].name);
			return commands[i].fn(&c, argc - a, argv + a);
		}
	}
	fprintf(stderr, "litecrm: unknown command '%s' (see 'litecrm --help')\n", argv[a]);
	return CLI_USAGE;
}
