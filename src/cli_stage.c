/*
 * cli_stage.c - `litecrm stage list|set|add|remove`: the pipeline's stages.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"
#include "repr.h"

/* ---- stage list ---- */

static const char list_usage[] = "usage: litecrm stage list [--json]\n"
				 "\n"
				 "Lists the pipeline's stages in order.\n";

static void print_table(const struct stage_list *l)
{
	size_t i, wkey = 3, wzh = 5, wen = 7;

	for (i = 0; i < l->n; i++) {
		if (cli_width(l->v[i].key) > wkey)
			wkey = cli_width(l->v[i].key);
		if (cli_width(l->v[i].name_zh) > wzh)
			wzh = cli_width(l->v[i].name_zh);
		if (cli_width(l->v[i].name_en) > wen)
			wen = cli_width(l->v[i].name_en);
	}
	cli_cell("#", 2, 1);
	cli_cell("KEY", wkey, 0);
	cli_cell("ZH-TW", wzh, 0);
	cli_cell("ENGLISH", wen, 0);
	cli_cell("PROB", 4, 1);
	printf("KIND\n");
	for (i = 0; i < l->n; i++) {
		const struct stage *s = &l->v[i];
		char num[16], prob[16];

		snprintf(num, sizeof(num), "%d", s->position);
		snprintf(prob, sizeof(prob), "%d%%", s->probability);
		cli_cell(num, 2, 1);
		cli_cell(s->key, wkey, 0);
		cli_cell(s->name_zh, wzh, 0);
		cli_cell(s->name_en, wen, 0);
		cli_cell(prob, 4, 1);
		printf("%s\n", stage_kind_name(s->kind));
	}
}

static int stage_list_cmd(struct cli *c, int argc, char **argv)
{
	int json = 0, rc;
	const struct cli_opt opts[] = {{"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	struct stage_list l = {0};
	struct errinfo e = {0};
	size_t i;

	if ((rc = cli_parse(c, argc, argv, opts, list_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_stage_list(c->st, &c->actor, &l, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *arr = json_array();

		for (i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, stage_json(&l.v[i]));
		rc = cli_print_json(cli_items_json(arr));
		goto out;
	}
	print_table(&l);
	rc = CLI_OK;
out:
	stage_list_release(&l);
	cli_close(c);
	return rc;
}

/* ---- stage set / add: the shared fields ---- */

struct stage_args {
	const char *probability, *name_zh, *name_en, *guidance, *position, *kind, *key;
	const char *stalled_days; /* reports and history: N, or "none" */
	int json;
};

/* fill_input turns the options into a stage_input; returns 0 or an exit status. */
static int fill_input(struct cli *c, const struct stage_args *a, struct stage_input *in)
{
	static const struct {
		const char *opt;
		size_t cap;
	} caps[] = {{"--name-zh", CAP_NAME},
		    {"--name-en", CAP_NAME},
		    {"--guidance", CAP_GUIDANCE},
		    {"--key", CAP_KEY}};
	const char *vals[] = {a->name_zh, a->name_en, a->guidance, a->key};
	size_t i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (vals[i] && strlen(vals[i]) > caps[i].cap)
			return cli_error("%s is longer than %zu bytes", caps[i].opt, caps[i].cap);
	if (a->probability) {
		if (cli_int(c, "--probability", a->probability, 0, 100, &in->probability))
			return CLI_USAGE;
		in->set |= STAGE_SET_PROBABILITY;
	}
	if (a->position) {
		if (cli_int(c, "--position", a->position, 1, 1000, &in->position))
			return CLI_USAGE;
		in->set |= STAGE_SET_POSITION;
	}
	if (a->kind) {
		if (stage_kind_parse(a->kind, &in->kind) != 0)
			return cli_usage_error(c, "--kind: '%s' is not open, won or lost", a->kind);
		in->set |= STAGE_SET_KIND;
	}
	if (a->name_zh) {
		snprintf(in->name_zh, sizeof(in->name_zh), "%s", a->name_zh);
		in->set |= STAGE_SET_NAME_ZH;
	}
	if (a->name_en) {
		snprintf(in->name_en, sizeof(in->name_en), "%s", a->name_en);
		in->set |= STAGE_SET_NAME_EN;
	}
	if (a->guidance) {
		snprintf(in->guidance, sizeof(in->guidance), "%s", a->guidance);
		in->set |= STAGE_SET_GUIDANCE;
	}
	if (a->key) {
		snprintf(in->key, sizeof(in->key), "%s", a->key);
		in->set |= STAGE_SET_KEY;
	}
	/* reports and history: "stalled after N days"; "none" clears it. */
	if (a->stalled_days) {
		if (strcmp(a->stalled_days, "none") == 0)
			in->stalled_days = -1;
		else if (cli_int(c, "--stalled-days", a->stalled_days, 1, 3650, &in->stalled_days))
			return CLI_USAGE;
		in->set |= STAGE_SET_STALLED;
	}
	return 0;
}

static int print_stage(const struct stage *s, int json)
{
	struct stage_list one = {(struct stage *)s, 1};

	if (json)
		return cli_print_json(stage_json(s));
	print_table(&one);
	return CLI_OK;
}

/* ---- stage set ---- */

static const char set_usage[] =
    "usage: litecrm stage set STAGE [--probability N] [--name-zh NAME] [--name-en NAME]\n"
    "                         [--guidance TEXT] [--position N] [--kind open|won|lost]\n"
    "                         [--key KEY] [--stalled-days N|none] [--json]\n"
    "\n"
    "Changes a stage, named by key, zh-TW name or English name. Managers may change\n"
    "only the probability. --stalled-days N marks its deals stalled after N days in\n"
    "it (reports, board); none clears it.\n";

static int stage_set(struct cli *c, int argc, char **argv)
{
	struct stage_args a = {0};
	const struct cli_opt opts[] = {
	    {"probability", CLI_OPT_STRING, &a.probability},
	    {"name-zh", CLI_OPT_STRING, &a.name_zh},
	    {"name-en", CLI_OPT_STRING, &a.name_en},
	    {"guidance", CLI_OPT_STRING, &a.guidance},
	    {"position", CLI_OPT_STRING, &a.position},
	    {"kind", CLI_OPT_STRING, &a.kind},
	    {"key", CLI_OPT_STRING, &a.key},
	    {"stalled-days", CLI_OPT_STRING, &a.stalled_days},
	    {"json", CLI_OPT_FLAG, &a.json},
	    {NULL, 0, NULL},
	};
	const char *pos[1];
	struct stage_input in;
	struct stage s;
	struct errinfo e = {0};
	int rc;

	if ((rc = cli_parse(c, argc, argv, opts, set_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if ((rc = fill_input(c, &a, &in)))
		return rc;
	if (!in.set)
		return cli_usage_error(c, "nothing to change");
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_stage_find(c->st, &c->actor, pos[0], &s, &e)) ||
	    (rc = svc_stage_update(c->st, &c->actor, s.id, 0, &in, &s, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	rc = print_stage(&s, a.json);
out:
	cli_close(c);
	return rc;
}

/* ---- stage add ---- */

static const char add_usage[] =
    "usage: litecrm stage add KEY --name-zh NAME --name-en NAME [--probability N]\n"
    "                         [--guidance TEXT] [--position N] [--kind open|won|lost]\n"
    "                         [--json]\n"
    "\n"
    "Adds a stage (default kind: open; default position: the end).\n"
    "KEY is [a-z][a-z0-9_]*, at most 64 characters.\n";

static int stage_add(struct cli *c, int argc, char **argv)
{
	struct stage_args a = {0};
	const struct cli_opt opts[] = {
	    {"probability", CLI_OPT_STRING, &a.probability},
	    {"name-zh", CLI_OPT_STRING, &a.name_zh},
	    {"name-en", CLI_OPT_STRING, &a.name_en},
	    {"guidance", CLI_OPT_STRING, &a.guidance},
	    {"position", CLI_OPT_STRING, &a.position},
	    {"kind", CLI_OPT_STRING, &a.kind},
	    {"json", CLI_OPT_FLAG, &a.json},
	    {NULL, 0, NULL},
	};
	const char *pos[1];
	struct stage_input in;
	struct stage s;
	struct errinfo e = {0};
	int rc;

	if ((rc = cli_parse(c, argc, argv, opts, add_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	a.key = pos[0];
	if (!stage_key_valid(a.key))
		return cli_error("'%s' is not a stage key ([a-z][a-z0-9_]*, at most 64)", a.key);
	if ((rc = fill_input(c, &a, &in)))
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_stage_create(c->st, &c->actor, &in, &s, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	rc = print_stage(&s, a.json);
out:
	cli_close(c);
	return rc;
}

/* ---- stage remove ---- */

static const char remove_usage[] = "usage: litecrm stage remove STAGE\n"
				   "\n"
				   "Removes a stage that holds no deals (admins).\n";

static int stage_remove(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	struct stage s;
	struct errinfo e = {0};
	int rc;

	if ((rc = cli_parse(c, argc, argv, NULL, remove_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_stage_find(c->st, &c->actor, pos[0], &s, &e)) ||
	    (rc = svc_stage_delete(c->st, &c->actor, s.id, 0, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	printf("removed stage '%s'\n", s.key);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

static const struct cli_command stage_commands[] = {
    {"list", stage_list_cmd, "list the stages"},
    {"set", stage_set, "change a stage"},
    {"add", stage_add, "add a stage"},
    {"remove", stage_remove, "remove an empty stage"},
};

int cmd_stage(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "stage", stage_commands,
			    sizeof(stage_commands) / sizeof(stage_commands[0]), argc, argv);
}
