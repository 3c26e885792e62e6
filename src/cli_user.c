/*
 * cli_user.c - `litecrm user add|list|passwd` and `litecrm token add`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"
#include "repr.h"

/*
 * get_password fills pw from --password, --password-stdin or, when neither
 * is given and generate is set, a random one (then *generated is 1).
 * Returns 0 or an exit status.
 */
static int get_password(struct cli *c, const char *given, int from_stdin, int generate,
			char pw[CAP_PASSWORD + 2], int *generated)
{
	*generated = 0;
	if (given && from_stdin)
		return cli_usage_error(c, "give --password or --password-stdin, not both");
	if (from_stdin)
		return cli_password_read(pw, CAP_PASSWORD + 2);
	if (given) {
		if (strlen(given) > CAP_PASSWORD)
			return cli_error("the password is longer than %d bytes", CAP_PASSWORD);
		snprintf(pw, CAP_PASSWORD + 2, "%s", given);
		return 0;
	}
	if (!generate)
		return cli_usage_error(c, "give --password or --password-stdin");
	cli_password_generate(pw);
	*generated = 1;
	return 0;
}

/* ---- user add ---- */

static const char add_usage[] =
    "usage: litecrm user add USERNAME [--role admin|manager|member] [--name DISPLAY]\n"
    "                        [--email EMAIL] [--password PW | --password-stdin] [--json]\n"
    "\n"
    "Adds a user to the workspace (default role: member). Without a password one\n"
    "is generated and printed once.\n";

static int user_add(struct cli *c, int argc, char **argv)
{
	const char *role = "member", *name = NULL, *email = NULL, *password = NULL, *pos[1];
	int pw_stdin = 0, json = 0, generated, rc;
	const struct cli_opt opts[] = {
	    {"role", CLI_OPT_STRING, &role},
	    {"name", CLI_OPT_STRING, &name},
	    {"email", CLI_OPT_STRING, &email},
	    {"password", CLI_OPT_STRING, &password},
	    {"password-stdin", CLI_OPT_FLAG, &pw_stdin},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	char pw[CAP_PASSWORD + 2];
	struct user u;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, add_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	memset(&u, 0, sizeof(u));
	if (role_parse(role, &u.role) != 0)
		return cli_usage_error(c, "--role: '%s' is not admin, manager or member", role);
	if (strlen(pos[0]) > CAP_USERNAME)
		return cli_error("username '%.64s...' is longer than %d bytes", pos[0],
				 CAP_USERNAME);
	snprintf(u.username, sizeof(u.username), "%s", pos[0]);
	if (name && strlen(name) > CAP_NAME)
		return cli_error("--name is longer than %d bytes", CAP_NAME);
	snprintf(u.display_name, sizeof(u.display_name), "%s", name ? name : pos[0]);
	if (email && strlen(email) > CAP_EMAIL)
		return cli_error("--email is longer than %d bytes", CAP_EMAIL);
	snprintf(u.email, sizeof(u.email), "%s", email ? email : "");
	u.active = 1;
	if ((rc = get_password(c, password, pw_stdin, 1, pw, &generated)))
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	u.workspace_id = c->ws.id;
	if ((rc = svc_user_create(c->st, &c->actor, &u, pw, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *j = user_json(&u);

		if (j && generated)
			json_object_set_new(j, "password", json_string(pw));
		rc = cli_print_json(j);
		goto out;
	}
	printf("added %s '%s' (id %lld)\n", role_name(u.role), u.username, (long long)u.id);
	if (generated)
		printf("password for '%s': %s (shown once)\n", u.username, pw);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

/* ---- user list ---- */

static const char list_usage[] = "usage: litecrm user list [--json]\n"
				 "\n"
				 "Lists the workspace's users.\n";

static int user_list(struct cli *c, int argc, char **argv)
{
	int json = 0, rc;
	const struct cli_opt opts[] = {{"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	struct user_list l = {0};
	struct errinfo e = {0};
	size_t i, wname = 8, wuser = 8;

	if ((rc = cli_parse(c, argc, argv, opts, list_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_user_list(c->st, &c->actor, &l, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *arr = json_array();

		for (i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, user_json(&l.v[i]));
		rc = cli_print_json(cli_items_json(arr));
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		if (cli_width(l.v[i].username) > wuser)
			wuser = cli_width(l.v[i].username);
		if (cli_width(l.v[i].display_name) > wname)
			wname = cli_width(l.v[i].display_name);
	}
	cli_cell("ID", 4, 1);
	cli_cell("USERNAME", wuser, 0);
	cli_cell("NAME", wname, 0);
	cli_cell("ROLE", 7, 0);
	printf("ACTIVE\n");
	for (i = 0; i < l.n; i++) {
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)l.v[i].id);
		cli_cell(id, 4, 1);
		cli_cell(l.v[i].username, wuser, 0);
		cli_cell(l.v[i].display_name, wname, 0);
		cli_cell(role_name(l.v[i].role), 7, 0);
		printf("%s\n", l.v[i].active ? "yes" : "no");
	}
	rc = CLI_OK;
out:
	user_list_release(&l);
	cli_close(c);
	return rc;
}

/* ---- user passwd ---- */

static const char passwd_usage[] =
    "usage: litecrm user passwd USERNAME [--password PW | --password-stdin]\n"
    "\n"
    "Sets a user's password and ends their other sessions. Without a password one\n"
    "is generated and printed once.\n";

static int user_passwd(struct cli *c, int argc, char **argv)
{
	const char *password = NULL, *pos[1];
	int pw_stdin = 0, generated, rc;
	const struct cli_opt opts[] = {
	    {"password", CLI_OPT_STRING, &password},
	    {"password-stdin", CLI_OPT_FLAG, &pw_stdin},
	    {NULL, 0, NULL},
	};
	char pw[CAP_PASSWORD + 2];
	struct user u;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, passwd_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if ((rc = get_password(c, password, pw_stdin, 1, pw, &generated)))
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_user_get_by_name(c->st, &c->actor, pos[0], &u, &e)) ||
	    (rc = svc_user_passwd(c->st, &c->actor, u.id, NULL, pw, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	printf("password of '%s' changed\n", u.username);
	if (generated)
		printf("password for '%s': %s (shown once)\n", u.username, pw);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

static const struct cli_command user_commands[] = {
    {"add", user_add, "add a user"},
    {"list", user_list, "list the users"},
    {"passwd", user_passwd, "set a user's password"},
};

int cmd_user(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "user", user_commands,
			    sizeof(user_commands) / sizeof(user_commands[0]), argc, argv);
}

/* ---- token add ---- */

static const char token_add_usage[] =
    "usage: litecrm token add NAME --as USER [--json]\n"
    "\n"
    "Creates a personal API token for USER and prints its secret once. Send it as\n"
    "'Authorization: Bearer <secret>'.\n";

static int token_add(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int json = 0, rc;
	const struct cli_opt opts[] = {{"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	char secret[TOKEN_TEXT_LEN];
	struct token t;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, token_add_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if (!c->as)
		return cli_usage_error(c, "missing --as USER (a token belongs to a user)");
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_token_create(c->st, &c->actor, pos[0], secret, &t, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *j = token_json(&t);

		if (j)
			json_object_set_new(j, "token", json_string(secret));
		rc = cli_print_json(j);
		goto out;
	}
	printf("%s\n", secret);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

static const struct cli_command token_commands[] = {
    {"add", token_add, "create a personal API token"},
};

int cmd_token(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "token", token_commands,
			    sizeof(token_commands) / sizeof(token_commands[0]), argc, argv);
}
