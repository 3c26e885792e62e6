/*
 * cli.c - helpers shared by the sub-commands: option parsing, the database
 * and workspace a command works on, error lines, tables and JSON output.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "repr.h"

/* ---- dispatch ---- */

static void list_commands(FILE *f, const char *group, const struct cli_command *cmds, size_t n)
{
	size_t i;

	fprintf(f, "usage: litecrm %s <command> [options]\n\ncommands:\n", group);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\nrun 'litecrm %s <command> --help' for a command's options.\n", group);
}

int cli_dispatch(struct cli *c, const char *group, const struct cli_command *cmds, size_t n,
		 int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		list_commands(stderr, group, cmds, n);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		list_commands(stdout, group, cmds, n);
		return CLI_OK;
	}
	for (i = 0; i < n; i++) {
		if (strcmp(argv[1], cmds[i].name) == 0) {
			snprintf(c->cmd, sizeof(c->cmd), "%s %s", group, cmds[i].name);
			return cmds[i].fn(c, argc - 1, argv + 1);
		}
	}
	snprintf(c->cmd, sizeof(c->cmd), "%s", group);
	return cli_usage_error(c, "unknown command '%s'", argv[1]);
}

/* ---- options ---- */

int cli_usage_error(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "litecrm: %s: ", c->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'litecrm %s --help')\n", c->cmd);
	return CLI_USAGE;
}

/* find_opt looks up the option named name[0..len) in opts (may be NULL). */
static const struct cli_opt *find_opt(const struct cli_opt *opts, const char *name, size_t len)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == len && strncmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

int cli_parse(struct cli *c, int argc, char **argv, const struct cli_opt *opts, const char *usage,
	      const char **pos, size_t min, size_t max, size_t *npos)
{
	const struct cli_opt globals[] = {
	    {"db", CLI_OPT_STRING, &c->db},
	    {"workspace", CLI_OPT_STRING, &c->workspace},
	    {"as", CLI_OPT_STRING, &c->as},
	    {NULL, 0, NULL},
	};
	size_t n = 0;
	int i, only_pos = 0;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *val = NULL;
		const struct cli_opt *o;
		size_t len;

		if (only_pos || arg[0] != '-' || arg[1] == '\0') {
			if (n == max)
				return cli_usage_error(c, "unexpected argument '%s'", arg);
			pos[n++] = arg;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			only_pos = 1;
			continue;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
			fputs(usage, stdout);
			return CLI_OK;
		}
		if (arg[1] != '-')
			return cli_usage_error(c, "unknown option '%s'", arg);
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		o = find_opt(opts, name, len);
		if (!o)
			o = find_opt(globals, name, len);
		if (!o)
			return cli_usage_error(c, "unknown option '--%.*s'", (int)len, name);
		if (o->type == CLI_OPT_FLAG) {
			if (eq)
				return cli_usage_error(c, "option '--%s' takes no value", o->name);
			*(int *)o->out = 1;
			continue;
		}
		if (eq)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return cli_usage_error(c, "option '--%s' needs a value", o->name);
		*(const char **)o->out = val;
	}
	if (n < min)
		return cli_usage_error(c, "missing argument%s", min - n > 1 ? "s" : "");
	if (npos)
		*npos = n;
	return -1;
}

int cli_int(const struct cli *c, const char *what, const char *s, long min, long max, int *out)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < min || v > max)
		return cli_usage_error(c, "%s: '%s' is not a number from %ld to %ld", what, s, min,
				       max);
	*out = (int)v;
	return 0;
}

int cli_id(const struct cli *c, const char *what, const char *s, int64_t *out)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0' || v <= 0)
		return cli_usage_error(c, "%s: '%s' is not an id", what, s);
	*out = v;
	return 0;
}

int cli_yesno(const struct cli *c, const char *what, const char *s, int *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "on"))
		*out = 1;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "off"))
		*out = 0;
	else
		return cli_usage_error(c, "%s: '%s' is not yes or no", what, s);
	return 0;
}

/* ---- the database ---- */

int cli_db_exists(const struct cli *c)
{
	if (strstr(c->db, "://"))
		return 1;
	return access(c->db, F_OK) == 0;
}

int cli_db_is_new(const struct cli *c)
{
	struct workspace_list l = {0};
	struct store *st = NULL;
	char errbuf[256];
	int empty;

	if (!strstr(c->db, "://"))
		return !cli_db_exists(c);
	/* A server that cannot be reached is "not new": the next open says why. */
	if (store_open(c->db, 0, &st, errbuf, sizeof(errbuf)) != 0)
		return 0;
	empty = st->ops->workspace_list(st, &l) == 0 && l.n == 0;
	workspace_list_release(&l);
	store_close(st);
	return empty;
}

int cli_open_store(struct cli *c, int create)
{
	char errbuf[256] = "";

	if (!create && !cli_db_exists(c))
		return cli_error("cannot open database '%s': no such file", c->db);
	if (store_open(c->db, create, &c->st, errbuf, sizeof(errbuf)) != 0) {
		c->st = NULL;
		return cli_error("cannot open database '%s': %s", c->db,
				 errbuf[0] ? errbuf : "failed");
	}
	return 0;
}

int cli_workspace_find(struct store *st, const char *slug, struct workspace *out)
{
	struct errinfo e = {0};

	return svc_workspace_find(st, slug, out, &e);
}

int cli_user_actor(struct cli *c, const char *username, struct actor *out)
{
	struct actor op = actor_system(c->ws.id);
	struct errinfo e = {0};
	struct user u;
	int rc;

	if ((rc = svc_user_get_by_name(c->st, &op, username, &u, &e)))
		return cli_fail(&e, rc);
	if (!u.active)
		return cli_error("user '%s' is not active", username);
	memset(out, 0, sizeof(*out));
	out->workspace_id = c->ws.id;
	out->user_id = u.id;
	out->role = u.role;
	out->system = 0;
	out->token_id = 0;
	out->token_kind = TOKEN_SESSION;
	snprintf(out->addr, sizeof(out->addr), "cli");
	return 0;
}

int cli_open(struct cli *c)
{
	int rc;

	if ((rc = cli_open_store(c, 0)))
		return rc;
	rc = cli_workspace_find(c->st, c->workspace, &c->ws);
	if (rc == ERR_NOTFOUND && c->workspace && c->workspace[0])
		rc = cli_error("no workspace '%s' in '%s'", c->workspace, c->db);
	else if (rc == ERR_NOTFOUND)
		rc = cli_error("no workspace in '%s' (run 'litecrm init')", c->db);
	else if (rc)
		rc = cli_error("cannot read database '%s': %s", c->db, err_str(rc));
	if (rc)
		goto out;
	c->actor = actor_system(c->ws.id);
	if (c->as && (rc = cli_user_actor(c, c->as, &c->actor)))
		goto out;
	return 0;
out:
	cli_close(c);
	return CLI_ERROR;
}

void cli_close(struct cli *c)
{
	store_close(c->st);
	c->st = NULL;
}

/* ---- output ---- */

int cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("litecrm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_ERROR;
}

int cli_fail(const struct errinfo *e, int rc)
{
	return cli_error("%s", e && e->message[0] ? e->message : err_str(rc));
}

int cli_print_json(json_t *j)
{
	char *s;

	if (!j)
		return cli_error("out of memory");
	s = json_dumps(j, REPR_DUMP_FLAGS);
	json_decref(j);
	if (!s)
		return cli_error("out of memory");
	puts(s);
	free(s);
	return CLI_OK;
}

json_t *cli_items_json(json_t *arr)
{
	if (!arr)
		return NULL;
	return json_pack("{s:o}", "items", arr);
}

/* wide: 1 for code points a terminal shows two columns wide. */
static int wide(unsigned cp)
{
	return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
	       (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	       (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
	       (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
	       (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t cli_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	while (*p) {
		unsigned cp = *p;
		int extra = 0;

		if (cp >= 0xF0)
			cp &= 0x07, extra = 3;
		else if (cp >= 0xE0)
			cp &= 0x0F, extra = 2;
		else if (cp >= 0xC0)
			cp &= 0x1F, extra = 1;
		p++;
		while (extra-- > 0 && (*p & 0xC0) == 0x80)
			cp = (cp << 6) | (*p++ & 0x3F);
		w += wide(cp) ? 2 : 1;
	}
	return w;
}

void cli_cell(const char *s, size_t width, int right)
{
	size_t w = cli_width(s);
	size_t pad = w < width ? width - w : 0;

	if (right)
		printf("%*s%s ", (int)pad, "", s);
	else
		printf("%s%*s ", s, (int)pad, "");
}

/* ---- passwords ---- */

void cli_password_generate(char buf[CLI_PASSWORD_LEN + 1])
{
	/* No 0/O, 1/l/I: easy to read aloud and type. */
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t i;

	for (i = 0; i < CLI_PASSWORD_LEN; i++)
		buf[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	buf[CLI_PASSWORD_LEN] = '\0';
}

int cli_password_read(char *buf, size_t bufsz)
{
	size_t n;

	if (!fgets(buf, (int)bufsz, stdin))
		return cli_error("cannot read the password from standard input");
	n = strlen(buf);
	if (n == bufsz - 1 && buf[n - 1] != '\n')
		return cli_error("the password is longer than %zu bytes", bufsz - 2);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return 0;
}
