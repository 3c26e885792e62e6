/*
 * cli_company.c - `litecrm company add|list`.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "repr.h"

/* ---- company add ---- */

static const char add_usage[] =
    "usage: litecrm company add NAME [--website URL] [--phone PHONE] [--json]\n"
    "\n"
    "Adds a company. Names are unique in the workspace.\n";

static int company_add(struct cli *c, int argc, char **argv)
{
	const char *website = NULL, *phone = NULL, *pos[1];
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"website", CLI_OPT_STRING, &website},
	    {"phone", CLI_OPT_STRING, &phone},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct company_input in;
	struct company co;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, add_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	memset(&in, 0, sizeof(in));
	if (strlen(pos[0]) > CAP_NAME)
		return cli_error("the company name is longer than %d bytes", CAP_NAME);
	snprintf(in.name, sizeof(in.name), "%s", pos[0]);
	in.set |= COMPANY_SET_NAME;
	if (website) {
		if (strlen(website) > CAP_NAME)
			return cli_error("--website is longer than %d bytes", CAP_NAME);
		snprintf(in.website, sizeof(in.website), "%s", website);
		in.set |= COMPANY_SET_WEBSITE;
	}
	if (phone) {
		if (strlen(phone) > CAP_PHONE)
			return cli_error("--phone is longer than %d bytes", CAP_PHONE);
		snprintf(in.phone, sizeof(in.phone), "%s", phone);
		in.set |= COMPANY_SET_PHONE;
	}
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_company_create(c->st, &c->actor, &in, &co, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		rc = cli_print_json(company_json(&co));
		goto out;
	}
	printf("added company '%s' (id %lld)\n", co.name, (long long)co.id);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

/* ---- company list ---- */

static const char list_usage[] =
    "usage: litecrm company list [--q TEXT] [--limit N] [--offset N] [--json]\n"
    "\n"
    "Lists the companies (those with a visible deal, for members), by name.\n"
    "  --q TEXT    only names containing TEXT\n"
    "  --limit N   at most N (1-500, default 500)\n";

static int company_list_cmd(struct cli *c, int argc, char **argv)
{
	const char *q = NULL, *limit = NULL, *offset = NULL;
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"q", CLI_OPT_STRING, &q},
	    {"limit", CLI_OPT_STRING, &limit},
	    {"offset", CLI_OPT_STRING, &offset},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct company_filter f;
	struct company_list l = {0};
	struct errinfo e = {0};
	size_t i, wname = 4;

	if ((rc = cli_parse(c, argc, argv, opts, list_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.limit = 500;
	if (limit && cli_int(c, "--limit", limit, 1, 500, &f.limit))
		return CLI_USAGE;
	if (offset && cli_int(c, "--offset", offset, 0, 1000000000, &f.offset))
		return CLI_USAGE;
	if (q) {
		if (strlen(q) > CAP_QUERY)
			return cli_error("--q is longer than %d bytes", CAP_QUERY);
		snprintf(f.q, sizeof(f.q), "%s", q);
	}
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_company_list(c->st, &c->actor, &f, &l, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *arr = json_array();

		for (i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, company_json(&l.v[i]));
		rc = cli_print_json(cli_items_json(arr));
		goto out;
	}
	for (i = 0; i < l.n; i++)
		if (cli_width(l.v[i].name) > wname)
			wname = cli_width(l.v[i].name);
	cli_cell("ID", 4, 1);
	cli_cell("NAME", wname, 0);
	cli_cell("PHONE", 14, 0);
	printf("WEBSITE\n");
	for (i = 0; i < l.n; i++) {
		char id[24];

		snprintf(id, sizeof(id), "%lld", (long long)l.v[i].id);
		cli_cell(id, 4, 1);
		cli_cell(l.v[i].name, wname, 0);
		cli_cell(l.v[i].phone, 14, 0);
		printf("%s\n", l.v[i].website);
	}
	rc = CLI_OK;
out:
	company_list_release(&l);
	cli_close(c);
	return rc;
}

static const struct cli_command company_commands[] = {
    {"add", company_add, "add a company"},
    {"list", company_list_cmd, "list companies"},
};

int cmd_company(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "company", company_commands,
			    sizeof(company_commands) / sizeof(company_commands[0]), argc, argv);
}
