/*
 * cli_deal.c - `litecrm deal add|list|show|move|assign` (`litecrm import` is
 * in cli_import.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "import.h"
#include "money.h"
#include "pipeline.h"
#include "repr.h"
#include "text.h"

/* copy_opt copies option value v into dst; complains when it does not fit. */
static int copy_opt(const char *opt, const char *v, char *dst, size_t dstsz)
{
	if (strlen(v) >= dstsz)
		return cli_error("%s is longer than %zu bytes", opt, dstsz - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* parse_amount reads --amount in major units of currency (empty: the workspace's). */
static int parse_amount(struct cli *c, const char *s, const char *currency, int64_t *out)
{
	int digits = money_digits(currency[0] ? currency : c->ws.currency);

	if (digits < 0)
		return cli_error("unknown currency '%s'", currency);
	if (money_parse(s, digits, out) != 0)
		return cli_error("'%s' is not an amount in %s", s,
				 currency[0] ? currency : c->ws.currency);
	return 0;
}

static void amount_text(const struct deal *d, int64_t amount, char *buf, size_t bufsz)
{
	int digits = money_digits(d->currency);

	money_format_grouped(amount, digits < 0 ? 0 : digits, buf, bufsz);
}

/* ---- deal add ---- */

static const char add_usage[] =
    "usage: litecrm deal add --company NAME --name NAME [--amount N] [--currency CODE]\n"
    "                        [--stage STAGE] [--owner USER] [--close-date YYYY-MM-DD]\n"
    "                        [--probability N] [--next-step TEXT] [--json]\n"
    "\n"
    "Adds a deal. The company is found by name, or created. STAGE is a key, a zh-TW\n"
    "or an English name (default: the first open stage). --amount is in major units\n"
    "(1234.5). --probability overrides the stage's.\n";

static int deal_add(struct cli *c, int argc, char **argv)
{
	const char *company = NULL, *name = NULL, *amount = NULL, *currency = NULL;
	const char *stage = NULL, *owner = NULL, *close = NULL, *prob = NULL, *next = NULL;
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"company", CLI_OPT_STRING, &company},
	    {"name", CLI_OPT_STRING, &name},
	    {"amount", CLI_OPT_STRING, &amount},
	    {"currency", CLI_OPT_STRING, &currency},
	    {"stage", CLI_OPT_STRING, &stage},
	    {"owner", CLI_OPT_STRING, &owner},
	    {"close-date", CLI_OPT_STRING, &close},
	    {"probability", CLI_OPT_STRING, &prob},
	    {"next-step", CLI_OPT_STRING, &next},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct deal_input in;
	struct deal d;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, add_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (!company)
		return cli_usage_error(c, "missing --company");
	if (!name)
		return cli_usage_error(c, "missing --name");
	memset(&in, 0, sizeof(in));
	in.set = DEAL_SET_COMPANY | DEAL_SET_NAME;
	if (copy_opt("--company", company, in.company, sizeof(in.company)) ||
	    copy_opt("--name", name, in.name, sizeof(in.name)))
		return CLI_ERROR;
	if (currency) {
		if (copy_opt("--currency", currency, in.currency, sizeof(in.currency)))
			return CLI_ERROR;
		in.set |= DEAL_SET_CURRENCY;
	}
	if (stage) {
		if (copy_opt("--stage", stage, in.stage, sizeof(in.stage)))
			return CLI_ERROR;
		in.set |= DEAL_SET_STAGE;
	}
	if (owner) {
		if (copy_opt("--owner", owner, in.owner, sizeof(in.owner)))
			return CLI_ERROR;
		in.set |= DEAL_SET_OWNER;
	}
	if (close) {
		if (copy_opt("--close-date", close, in.close_date, sizeof(in.close_date)))
			return CLI_ERROR;
		in.set |= DEAL_SET_CLOSE_DATE;
	}
	if (next) {
		if (copy_opt("--next-step", next, in.next_step, sizeof(in.next_step)))
			return CLI_ERROR;
		in.set |= DEAL_SET_NEXT_STEP;
	}
	if (prob) {
		if (cli_int(c, "--probability", prob, 0, 100, &in.probability))
			return CLI_USAGE;
		in.set |= DEAL_SET_PROBABILITY;
	}
	if ((rc = cli_open(c)))
		return rc;
	if (amount) {
		if ((rc = parse_amount(c, amount, in.currency, &in.amount)))
			goto out;
		in.set |= DEAL_SET_AMOUNT;
	}
	if ((rc = svc_deal_create(c->st, &c->actor, &in, &d, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		rc = cli_print_json(deal_json(&d));
		goto out;
	}
	printf("added deal %lld '%s' (%s) in stage '%s'\n", (long long)d.id, d.name, d.company_name,
	       d.stage_key);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

/* ---- deal list ---- */

static const char list_usage[] =
    "usage: litecrm deal list [--owner USER] [--stage STAGE] [--status open|won|lost]\n"
    "                         [--company ID|NAME] [--q TEXT] [--close-from DATE]\n"
    "                         [--close-to DATE] [--sort FIELD] [--desc] [--limit N]\n"
    "                         [--offset N] [--json]\n"
    "\n"
    "Lists the deals the actor may see (newest first by default).\n"
    "  --sort FIELD  id, updated, close_date, amount, name, company or stage\n"
    "  --limit N     1-500 (default 50)\n";

static const char *const sort_names[] = {
    [DEAL_SORT_ID] = "id",
    [DEAL_SORT_UPDATED] = "updated",
    [DEAL_SORT_CLOSE_DATE] = "close_date",
    [DEAL_SORT_AMOUNT] = "amount",
    [DEAL_SORT_NAME] = "name",
    [DEAL_SORT_COMPANY] = "company",
    [DEAL_SORT_STAGE] = "stage",
};

/* find_company resolves --company: an id, or an exact company name. */
static int find_company(struct cli *c, const char *s, int64_t *out)
{
	struct company_filter f;
	struct company_list l = {0};
	struct errinfo e = {0};
	char *end;
	long long id = strtoll(s, &end, 10);
	size_t i;
	int rc;

	if (end != s && *end == '\0' && id > 0) {
		*out = id;
		return 0;
	}
	memset(&f, 0, sizeof(f));
	if (copy_opt("--company", s, f.q, sizeof(f.q)))
		return CLI_ERROR;
	f.limit = 500;
	if ((rc = svc_company_list(c->st, &c->actor, &f, &l, &e)))
		return cli_fail(&e, rc);
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].name, s) == 0)
			break;
	if (i < l.n)
		*out = l.v[i].id;
	else
		rc = cli_error("unknown company '%s'", s);
	company_list_release(&l);
	return rc;
}

static void print_deals(const struct deal_list *l)
{
	size_t i, wco = 7, wname = 4, wstage = 5, wowner = 5;
	char buf[48];

	for (i = 0; i < l->n; i++) {
		const struct deal *d = &l->v[i];

		if (cli_width(d->company_name) > wco)
			wco = cli_width(d->company_name);
		if (cli_width(d->name) > wname)
			wname = cli_width(d->name);
		if (cli_width(d->stage_key) > wstage)
			wstage = cli_width(d->stage_key);
		if (cli_width(d->owner_username) > wowner)
			wowner = cli_width(d->owner_username);
	}
	cli_cell("ID", 4, 1);
	cli_cell("COMPANY", wco, 0);
	cli_cell("DEAL", wname, 0);
	cli_cell("STAGE", wstage, 0);
	cli_cell("AMOUNT", 14, 1);
	cli_cell("PROB", 4, 1);
	cli_cell("OWNER", wowner, 0);
	printf("CLOSE\n");
	for (i = 0; i < l->n; i++) {
		const struct deal *d = &l->v[i];

		snprintf(buf, sizeof(buf), "%lld", (long long)d->id);
		cli_cell(buf, 4, 1);
		cli_cell(d->company_name, wco, 0);
		cli_cell(d->name, wname, 0);
		cli_cell(d->stage_key, wstage, 0);
		amount_text(d, d->amount, buf, sizeof(buf));
		cli_cell(buf, 14, 1);
		snprintf(buf, sizeof(buf), "%d%%", deal_probability(d));
		cli_cell(buf, 4, 1);
		cli_cell(d->owner_username, wowner, 0);
		printf("%s\n", d->close_date);
	}
}

static int deal_list_cmd(struct cli *c, int argc, char **argv)
{
	const char *owner = NULL, *stage = NULL, *status = NULL, *company = NULL, *q = NULL;
	const char *from = NULL, *to = NULL, *sort = NULL, *limit = NULL, *offset = NULL;
	int desc = 0, json = 0, rc;
	const struct cli_opt opts[] = {
	    {"owner", CLI_OPT_STRING, &owner},
	    {"stage", CLI_OPT_STRING, &stage},
	    {"status", CLI_OPT_STRING, &status},
	    {"company", CLI_OPT_STRING, &company},
	    {"q", CLI_OPT_STRING, &q},
	    {"close-from", CLI_OPT_STRING, &from},
	    {"close-to", CLI_OPT_STRING, &to},
	    {"sort", CLI_OPT_STRING, &sort},
	    {"desc", CLI_OPT_FLAG, &desc},
	    {"limit", CLI_OPT_STRING, &limit},
	    {"offset", CLI_OPT_STRING, &offset},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct deal_filter f;
	struct deal_list l = {0};
	struct errinfo e = {0};
	struct user u;
	struct stage s;
	enum stage_kind kind;
	size_t i;

	if ((rc = cli_parse(c, argc, argv, opts, list_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	deal_filter_init(&f);
	if (sort) {
		for (i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
			if (strcmp(sort, sort_names[i]) == 0)
				break;
		if (i == sizeof(sort_names) / sizeof(sort_names[0]))
			return cli_usage_error(c, "--sort: '%s' is not a sort field", sort);
		f.sort = (enum deal_sort)i;
		f.desc = desc;
	} else if (desc) {
		f.desc = 1;
	}
	if (status) {
		if (stage_kind_parse(status, &kind) != 0)
			return cli_usage_error(c, "--status: '%s' is not open, won or lost",
					       status);
		f.status = (int)kind;
	}
	if (limit && cli_int(c, "--limit", limit, 1, 500, &f.limit))
		return CLI_USAGE;
	if (offset && cli_int(c, "--offset", offset, 0, 1000000000, &f.offset))
		return CLI_USAGE;
	if (from && !date_valid(from))
		return cli_usage_error(c, "--close-from: '%s' is not a date (YYYY-MM-DD)", from);
	if (to && !date_valid(to))
		return cli_usage_error(c, "--close-to: '%s' is not a date (YYYY-MM-DD)", to);
	snprintf(f.close_from, sizeof(f.close_from), "%s", from ? from : "");
	snprintf(f.close_to, sizeof(f.close_to), "%s", to ? to : "");
	if (q && copy_opt("--q", q, f.q, sizeof(f.q)))
		return CLI_ERROR;
	if ((rc = cli_open(c)))
		return rc;
	if (owner) {
		if ((rc = svc_user_get_by_name(c->st, &c->actor, owner, &u, &e))) {
			rc = cli_fail(&e, rc);
			goto out;
		}
		f.owner_id = u.id;
	}
	if (stage) {
		if ((rc = svc_stage_find(c->st, &c->actor, stage, &s, &e))) {
			rc = cli_fail(&e, rc);
			goto out;
		}
		f.stage_id = s.id;
	}
	if (company && (rc = find_company(c, company, &f.company_id)))
		goto out;
	if ((rc = svc_deal_list(c->st, &c->actor, &f, 0, &l, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *arr = json_array(), *j;

		for (i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, deal_json(&l.v[i]));
		j = cli_items_json(arr);
		if (j) {
			json_object_set_new(j, "limit", json_integer(f.limit));
			json_object_set_new(j, "offset", json_integer(f.offset));
		}
		rc = cli_print_json(j);
		goto out;
	}
	print_deals(&l);
	rc = CLI_OK;
out:
	deal_list_release(&l);
	cli_close(c);
	return rc;
}

/* ---- deal show ---- */

static const char show_usage[] =
    "usage: litecrm deal show ID [--json]\n"
    "\n"
    "Shows a deal, its stage history and its field changes. With --json: the\n"
    "deal as the API gives it, plus \"history\" and \"changes\".\n";

static void print_deal(const struct deal *d, const struct history_list *h)
{
	char amount[48], expected[48];
	int p = deal_probability(d);
	size_t i;

	amount_text(d, d->amount, amount, sizeof(amount));
	amount_text(d, money_expected(d->amount, p), expected, sizeof(expected));
	printf("deal %lld: %s\n", (long long)d->id, d->name);
	printf("  company      %s (id %lld)\n", d->company_name, (long long)d->company_id);
	printf("  stage        %s (%s)\n", d->stage_key, stage_kind_name(d->stage_kind));
	printf("  amount       %s %s\n", amount, d->currency);
	printf("  probability  %d%% (%s)\n", p, d->probability >= 0 ? "override" : "stage");
	printf("  expected     %s %s\n", expected, d->currency);
	printf("  owner        %s (%s)\n", d->owner_username, d->owner_name);
	printf("  close date   %s\n", d->close_date[0] ? d->close_date : "-");
	printf("  next step    %s\n", d->next_step[0] ? d->next_step : "-");
	printf("  created      %s\n", d->created_at);
	printf("  updated      %s (version %lld)\n", d->updated_at, (long long)d->version);
	printf("history:\n");
	for (i = 0; i < h->n; i++) {
		const struct stage_change *sc = &h->v[i];

		printf("  %s  %s -> %s  by %s\n", sc->changed_at,
		       sc->from_key[0] ? sc->from_key : "(new)", sc->to_key,
		       sc->by_username[0] ? sc->by_username : "(operator)");
	}
}

static int deal_show(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int json = 0, rc;
	const struct cli_opt opts[] = {{"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	struct history_list h = {0};
	struct errinfo e = {0};
	struct deal d;
	int64_t id;
	size_t i;

	if ((rc = cli_parse(c, argc, argv, opts, show_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if (cli_id(c, "deal", pos[0], &id))
		return CLI_USAGE;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_deal_get(c->st, &c->actor, id, &d, &e)) ||
	    (rc = svc_deal_history(c->st, &c->actor, id, &h, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *j = deal_json(&d), *arr = json_array();

		for (i = 0; arr && i < h.n; i++)
			json_array_append_new(arr, stage_change_json(&h.v[i]));
		if (j && arr && json_object_set_new(j, "history", arr) == 0)
			arr = NULL;
		json_decref(arr);
		if (j && (rc = cli_deal_changes(c, &d, j))) { /* reports and history */
			json_decref(j);
			goto out;
		}
		rc = cli_print_json(j);
		goto out;
	}
	print_deal(&d, &h);
	rc = cli_deal_changes(c, &d, NULL) ? CLI_ERROR : CLI_OK; /* reports and history */
out:
	history_list_release(&h);
	cli_close(c);
	return rc;
}

/* ---- deal move / assign ---- */

static const char move_usage[] =
    "usage: litecrm deal move ID STAGE [--json]\n"
    "\n"
    "Moves a deal to a stage (a key, a zh-TW or an English name); records it in\n"
    "the deal's history.\n";

static const char assign_usage[] = "usage: litecrm deal assign ID USER [--json]\n"
				   "\n"
				   "Gives a deal to another owner (managers and admins).\n";

/* update runs one svc_deal_update of a single field and prints the deal. */
static int update(struct cli *c, int argc, char **argv, const char *usage, unsigned field)
{
	const char *pos[2];
	int json = 0, rc;
	const struct cli_opt opts[] = {{"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	struct deal_input in;
	struct errinfo e = {0};
	struct deal d;
	int64_t id;

	if ((rc = cli_parse(c, argc, argv, opts, usage, pos, 2, 2, NULL)) >= 0)
		return rc;
	if (cli_id(c, "deal", pos[0], &id))
		return CLI_USAGE;
	memset(&in, 0, sizeof(in));
	in.set = field;
	if (field == DEAL_SET_STAGE ? copy_opt("stage", pos[1], in.stage, sizeof(in.stage))
				    : copy_opt("user", pos[1], in.owner, sizeof(in.owner)))
		return CLI_ERROR;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_deal_update(c->st, &c->actor, id, 0, &in, &d, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		rc = cli_print_json(deal_json(&d));
		goto out;
	}
	if (field == DEAL_SET_STAGE)
		printf("deal %lld is now in stage '%s'\n", (long long)d.id, d.stage_key);
	else
		printf("deal %lld is now owned by '%s'\n", (long long)d.id, d.owner_username);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

static int deal_move(struct cli *c, int argc, char **argv)
{
	return update(c, argc, argv, move_usage, DEAL_SET_STAGE);
}

static int deal_assign(struct cli *c, int argc, char **argv)
{
	return update(c, argc, argv, assign_usage, DEAL_SET_OWNER);
}

static const struct cli_command deal_commands[] = {
    {"add", deal_add, "add a deal"},
    {"list", deal_list_cmd, "list deals"},
    {"show", deal_show, "show a deal and its history"},
    {"move", deal_move, "move a deal to a stage"},
    {"assign", deal_assign, "give a deal to another owner"},
    {"delete", cli_deal_delete, "move a deal to the trash"},
    {"restore", cli_deal_restore, "bring a deal back from the trash"},
    {"trash", cli_deal_trash, "list or purge the trashed deals"},
};

int cmd_deal(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "deal", deal_commands,
			    sizeof(deal_commands) / sizeof(deal_commands[0]), argc, argv);
}
