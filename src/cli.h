/*
 * cli.h - what the sub-commands of the litecrm command line share: option
 * parsing, opening the database and the workspace, printing errors, tables
 * and --json output.
 *
 * Every command is a function `int cmd_x(struct cli *c, int argc, char **argv)`
 * where argv[0] is the command's own name; it returns the process's exit
 * status: CLI_OK, CLI_ERROR (the operation failed, one line on stderr) or
 * CLI_USAGE (the command line was wrong). The CLI calls svc.h only; it acts
 * as the workspace's operator (actor_system) unless --as USER is given.
 */
#ifndef LITECRM_CLI_H
#define LITECRM_CLI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "model.h"
#include "store.h"
#include "svc.h"

#define CLI_OK	  0
#define CLI_ERROR 1
#define CLI_USAGE 2

/* The database used when neither --db nor LITECRM_DB names one. */
#define CLI_DEFAULT_DB "litecrm.db"

/* The state of one run: global options, then the opened store and workspace. */
struct cli {
	char cmd[64];	       /* "deal add": the command, for messages */
	const char *db;	       /* --db, else LITECRM_DB, else CLI_DEFAULT_DB */
	const char *workspace; /* --workspace SLUG; NULL: the first workspace */
	const char *as;	       /* --as USERNAME; NULL: the operator */
	struct store *st;      /* set by cli_open */
	struct workspace ws;   /* set by cli_open */
	struct actor actor;    /* set by cli_open */
};

/* A row of a command table: main.c's, and each group's sub-commands. */
struct cli_command {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *help; /* one line for the listing */
};

/*
 * cli_dispatch runs the sub-command of group named by argv[1] (argv[0] is the
 * group), listing the sub-commands for --help or when none is given.
 */
int cli_dispatch(struct cli *c, const char *group, const struct cli_command *cmds, size_t n,
		 int argc, char **argv);

/* ---- options ---- */

enum cli_opt_type {
	CLI_OPT_FLAG,  /* out is int *: set to 1 */
	CLI_OPT_STRING /* out is const char **: the value */
};
struct cli_opt {
	const char *name; /* long name without "--" */
	enum cli_opt_type type;
	void *out;
};

/*
 * cli_parse reads argv[1..argc) of a command: the options of opts (a table
 * ending with a zero row; may be NULL), the global --db, --workspace and
 * --as, and --help/-h; "--name value" and "--name=value" both work, "--" ends
 * the options. Positional arguments go to pos[0..*npos); between min and max
 * are accepted. usage is the command's help text, printed for --help.
 * Returns -1 to go on, or the exit status to return now (CLI_OK after
 * --help, CLI_USAGE after a one-line complaint on stderr).
 */
int cli_parse(struct cli *c, int argc, char **argv, const struct cli_opt *opts, const char *usage,
	      const char **pos, size_t min, size_t max, size_t *npos);

/* cli_usage_error prints "litecrm: CMD: MESSAGE (see 'litecrm CMD --help')"; returns CLI_USAGE. */
int cli_usage_error(const struct cli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * cli_int parses s as a decimal integer within [min, max] for option what
 * ("--limit"); on failure complains and returns CLI_USAGE, else 0.
 */
int cli_int(const struct cli *c, const char *what, const char *s, long min, long max, int *out);
/* cli_id parses a record id (a positive integer) the same way. */
int cli_id(const struct cli *c, const char *what, const char *s, int64_t *out);
/* cli_yesno parses yes/no/true/false/1/0 the same way. */
int cli_yesno(const struct cli *c, const char *what, const char *s, int *out);

/* ---- the database ---- */

/*
 * cli_open opens c->db (creating nothing), finds the workspace (--workspace
 * or the first) and sets the actor (the operator, or the --as user). On
 * failure prints why and returns CLI_ERROR. Close with cli_close().
 */
int cli_open(struct cli *c);
/* cli_open_store opens c->db only; create as for store_open(). */
int cli_open_store(struct cli *c, int create);
void cli_close(struct cli *c);

/* cli_db_exists: 1 when the database c->db exists (URLs are taken to exist). */
int cli_db_exists(const struct cli *c);

/*
 * cli_db_is_new: 1 when c->db holds nothing yet - a file that does not exist,
 * or a database URL (PostgreSQL) whose database has no workspace.
 */
int cli_db_is_new(const struct cli *c);

/* cli_workspace_find finds the workspace slug (NULL or "": the first). */
int cli_workspace_find(struct store *st, const char *slug, struct workspace *out);

/* cli_user_actor builds the actor of user username in workspace ws. */
int cli_user_actor(struct cli *c, const char *username, struct actor *out);

/* ---- output ---- */

/* cli_error prints "litecrm: MESSAGE" on stderr; returns CLI_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cli_fail prints the error of a failed svc call (e, or err_str(rc)); returns CLI_ERROR. */
int cli_fail(const struct errinfo *e, int rc);

/*
 * cli_print_json prints j (compact, REPR_DUMP_FLAGS) and a newline on
 * stdout, and releases it. j NULL means out of memory. Returns an exit status.
 */
int cli_print_json(json_t *j);
/* cli_items_json wraps an array as {"items": arr}, as the API lists do (steals arr). */
json_t *cli_items_json(json_t *arr);

/* cli_width returns the terminal columns UTF-8 text s takes (East Asian wide: 2). */
size_t cli_width(const char *s);
/* cli_cell prints s left-aligned (right when right is set) in width columns, then a space. */
void cli_cell(const char *s, size_t width, int right);

/* ---- passwords ---- */

/* Length of a generated password. */
#define CLI_PASSWORD_LEN 16
/* cli_password_generate writes a random readable password into buf[CLI_PASSWORD_LEN + 1]. */
void cli_password_generate(char buf[CLI_PASSWORD_LEN + 1]);
/*
 * cli_password_read reads one line from stdin into buf (size CAP_PASSWORD + 2:
 * room for the newline) without its newline. Returns 0, or CLI_ERROR after saying why.
 */
int cli_password_read(char *buf, size_t bufsz);

/* ---- the command groups (cli_*.c) ---- */

int cmd_init(struct cli *c, int argc, char **argv);
int cmd_demo(struct cli *c, int argc, char **argv);
int cmd_serve(struct cli *c, int argc, char **argv);
int cmd_workspace(struct cli *c, int argc, char **argv);
int cmd_user(struct cli *c, int argc, char **argv);
int cmd_token(struct cli *c, int argc, char **argv);
int cmd_stage(struct cli *c, int argc, char **argv);
int cmd_company(struct cli *c, int argc, char **argv);
int cmd_deal(struct cli *c, int argc, char **argv);
int cmd_import(struct cli *c, int argc, char **argv);
int cmd_report(struct cli *c, int argc, char **argv);
/* migrating to another database (cli_migrate.c) */
int cmd_migrate(struct cli *c, int argc, char **argv);
/* notes and search (cli_note.c) */
int cmd_note(struct cli *c, int argc, char **argv);
int cmd_search(struct cli *c, int argc, char **argv);
/* security, cli_sec.c: the hidden `routes --json` for the access matrix test */
int cmd_routes(struct cli *c, int argc, char **argv);

/* import, export, backup: cli_import.c has cmd_import; cli_export.c, cli_backup.c */
int cmd_export(struct cli *c, int argc, char **argv);
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);

/* reports and history (cli_report.c): `import history`, and `deal show`'s field changes. */
int cli_import_history(struct cli *c, int argc, char **argv);
/* audit log and deal trash (cli_audit.c) */
int cmd_audit(struct cli *c, int argc, char **argv);
int cli_deal_delete(struct cli *c, int argc, char **argv);
int cli_deal_restore(struct cli *c, int argc, char **argv);
int cli_deal_trash(struct cli *c, int argc, char **argv);
/*
 * cli_deal_changes prints deal d's field changes, or with j sets j["changes"]
 * to them. Returns 0 or CLI_ERROR after saying why.
 */
int cli_deal_changes(struct cli *c, const struct deal *d, json_t *j);

#endif
