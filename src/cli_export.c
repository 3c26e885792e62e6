/*
 * cli_export.c - `litecrm export deals|summary --format csv|xlsx -o FILE`
 * (filters as `deal list`'s, or a saved view) and `litecrm export all
 * --json`: the whole workspace as one versioned JSON document.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_io.h"
#include "export.h"
#include "import_all.h"
#include "repr.h"
#include "repr_note.h"
#include "svc_audit.h"
#include "svc_note.h"

static const char deals_usage[] =
    "usage: litecrm export deals|summary --format csv|xlsx -o FILE [filters]\n"
    "\n"
    "Writes the deals the filters select (every deal by default), or the pipeline\n"
    "summary, to FILE: CSV in UTF-8 with a BOM, or an Excel workbook with numbers,\n"
    "dates and amounts typed.\n"
    "  --format csv|xlsx    the file format (default: from FILE's extension)\n"
    "  -o, --output FILE    the file to write\n"
    "  --view ID            the filters of a saved view (other filters add to them)\n"
    "  --owner USER  --stage STAGE  --status open|won|lost  --company ID  --q TEXT\n"
    "  --close-from DATE  --close-to DATE  --amount-min N  --amount-max N\n"
    "  --sort FIELD  --order asc|desc\n"
    "  --json               progress as JSON lines on stderr, the result as JSON\n";

static int export_files(struct cli *c, int argc, char **argv)
{
	const char *format = NULL, *output = NULL, *view = NULL;
	const char *fv[11] = {NULL};
	static const char *const names[11] = {"owner",	    "stage",	"status",     "company",
					      "close_from", "close_to", "amount_min", "amount_max",
					      "q",	    "sort",	"order"};
	int json = 0, rc, summary = strcmp(argv[0], "summary") == 0;
	const struct cli_opt opts[] = {
	    {"format", CLI_OPT_STRING, &format},    {"output", CLI_OPT_STRING, &output},
	    {"view", CLI_OPT_STRING, &view},	    {"owner", CLI_OPT_STRING, &fv[0]},
	    {"stage", CLI_OPT_STRING, &fv[1]},	    {"status", CLI_OPT_STRING, &fv[2]},
	    {"company", CLI_OPT_STRING, &fv[3]},    {"close-from", CLI_OPT_STRING, &fv[4]},
	    {"close-to", CLI_OPT_STRING, &fv[5]},   {"amount-min", CLI_OPT_STRING, &fv[6]},
	    {"amount-max", CLI_OPT_STRING, &fv[7]}, {"q", CLI_OPT_STRING, &fv[8]},
	    {"sort", CLI_OPT_STRING, &fv[9]},	    {"order", CLI_OPT_STRING, &fv[10]},
	    {"json", CLI_OPT_FLAG, &json},	    {NULL, 0, NULL},
	};
	enum export_format fmt;
	struct deal_filter f;
	struct errinfo e = {0};
	struct cli_progress prog;
	int64_t view_id = 0;
	size_t n = 0, i;

	for (i = 1; i < (size_t)argc; i++)
		if (!strcmp(argv[i], "-o"))
			argv[i] = (char *)"--output";
	if ((rc = cli_parse(c, argc, argv, opts, deals_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (!output)
		return cli_usage_error(c, "name the file to write with -o FILE");
	if (!format) {
		size_t ln = strlen(output);

		format = ln > 5 && !strcmp(output + ln - 5, ".xlsx") ? "xlsx" : "csv";
	}
	if (export_format_parse(format, &fmt))
		return cli_usage_error(c, "--format: '%s' is not csv or xlsx", format);
	if (view && cli_id(c, "--view", view, &view_id))
		return CLI_USAGE;
	if ((rc = cli_open(c)))
		return rc;
	deal_filter_init(&f);
	f.desc = 0;
	if (view_id && (rc = export_filter_view(c->st, &c->actor, view_id, &f, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	for (i = 0; i < 11; i++) {
		if (fv[i] &&
		    (rc = export_filter_param(c->st, &c->actor, names[i], fv[i], &f, &e))) {
			rc = cli_fail(&e, rc);
			goto out;
		}
	}
	cli_progress_init(&prog, "export", json);
	if (summary)
		rc = export_summary(c->st, &c->actor, &f, fmt, output, &e);
	else
		rc = export_deals(c->st, &c->actor, &f, fmt, output, cli_progress_update, &prog, &n,
				  &e);
	cli_progress_end(&prog);
	if (rc) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json)
		rc = cli_print_json(json_pack("{s:s,s:s,s:I}", "file", output, "format", format,
					      "deals", (json_int_t)n));
	else if (summary)
		printf("wrote the summary to '%s'\n", output);
	else
		printf("wrote %zu deal%s to '%s'\n", n, n == 1 ? "" : "s", output);
	rc = rc ? rc : CLI_OK;
out:
	cli_close(c);
	return rc;
}

static const char all_usage[] =
    "usage: litecrm export all --json [-o FILE]\n"
    "\n"
    "Writes the whole workspace (settings, users without passwords, stages,\n"
    "companies, contacts, deals with their stage history, notes with the deals\n"
    "citing them, saved views) as one JSON document with a format version, to\n"
    "FILE or standard output. `litecrm import all FILE` reads it back.\n";

/* notes_json appends every note of the workspace, with the ids of the deals citing it. */
static int notes_json(struct cli *c, json_t *arr, struct errinfo *e)
{
	struct note_filter nf;
	size_t i, k, got;
	int rc;

	memset(&nf, 0, sizeof(nf));
	for (nf.limit = 500, nf.offset = 0;; nf.offset += 500) {
		struct note_list nl = {0};

		if ((rc = svc_note_list(c->st, &c->actor, &nf, &nl, e)))
			return rc;
		for (i = 0; i < nl.n; i++) {
			struct deal_list dl = {0};
			json_t *nj = note_json(&nl.v[i]), *ids = json_array();

			if ((rc = svc_note_deals(c->st, &c->actor, nl.v[i].id, &dl, e))) {
				json_decref(nj);
				json_decref(ids);
				note_list_release(&nl);
				return rc;
			}
			for (k = 0; k < dl.n; k++)
				json_array_append_new(ids, json_integer(dl.v[k].id));
			deal_list_release(&dl);
			json_object_set_new(nj, "deals", ids);
			json_array_append_new(arr, nj);
		}
		got = nl.n;
		note_list_release(&nl);
		if (got < 500)
			return 0;
	}
}

/* views_json appends every user's saved views (each listed by its owner). */
static int views_json(struct cli *c, const struct user_list *ul, json_t *arr, struct errinfo *e)
{
	for (size_t i = 0; i < ul->n; i++) {
		struct saved_view_list vl = {0};
		struct actor a = c->actor;
		int rc;

		a.system = 0;
		a.user_id = ul->v[i].id;
		a.role = ul->v[i].role;
		if ((rc = svc_view_list(c->st, &a, &vl, e)))
			return rc;
		for (size_t k = 0; k < vl.n; k++)
			if (vl.v[k].owner_id == ul->v[i].id)
				json_array_append_new(
				    arr, json_pack("{s:s,s:b,s:s,s:s}", "name", vl.v[k].name,
						   "shared", vl.v[k].shared != 0, "filter",
						   vl.v[k].filter, "owner", ul->v[i].username));
		saved_view_list_release(&vl);
	}
	return 0;
}

/* all_json builds the `export all` document of the workspace, reporting the deals read to prog. */
static int all_json(struct cli *c, struct cli_progress *prog, json_t **out, struct errinfo *e)
{
	int64_t total = 0;
	struct user_list ul = {0};
	struct stage_list sl = {0};
	struct company_list cl = {0};
	struct company_filter cf;
	struct deal_filter df;
	json_t *doc = json_object(), *arr;
	size_t i;
	int rc;

	if (!doc)
		return ERR_NOMEM;
	json_object_set_new(doc, "litecrm_export", json_integer(EXPORT_ALL_VERSION));
	json_object_set_new(doc, "workspace", workspace_json(&c->ws));
	if ((rc = svc_user_list(c->st, &c->actor, &ul, e)))
		goto out;
	arr = json_array();
	for (i = 0; i < ul.n; i++)
		json_array_append_new(arr, user_json(&ul.v[i]));
	json_object_set_new(doc, "users", arr);
	if ((rc = svc_stage_list(c->st, &c->actor, &sl, e)))
		goto out;
	arr = json_array();
	for (i = 0; i < sl.n; i++)
		json_array_append_new(arr, stage_json(&sl.v[i]));
	json_object_set_new(doc, "stages", arr);
	memset(&cf, 0, sizeof(cf));
	arr = json_array();
	json_object_set_new(doc, "companies", arr);
	for (cf.limit = 500, cf.offset = 0;; cf.offset += 500) {
		if ((rc = svc_company_list(c->st, &c->actor, &cf, &cl, e)))
			goto out;
		for (i = 0; i < cl.n; i++) {
			struct contact_list ctl = {0};
			json_t *co = company_json(&cl.v[i]), *ca = json_array();

			if ((rc = svc_contact_list(c->st, &c->actor, cl.v[i].id, &ctl, e)))
				goto out;
			for (size_t k = 0; k < ctl.n; k++)
				json_array_append_new(ca, contact_json(&ctl.v[k]));
			contact_list_release(&ctl);
			json_object_set_new(co, "contacts", ca);
			json_array_append_new(arr, co);
		}
		i = cl.n;
		company_list_release(&cl);
		if (i < 500)
			break;
	}
	arr = json_array();
	json_object_set_new(doc, "deals", arr);
	deal_filter_init(&df);
	df.desc = 0;
	for (df.limit = 500, df.offset = 0;; df.offset += 500) {
		struct deal_list dl = {0};

		if ((rc = svc_deal_list(c->st, &c->actor, &df, df.offset == 0, &dl, e)))
			goto out;
		if (df.offset == 0)
			total = dl.total;
		for (i = 0; i < dl.n; i++) {
			struct history_list hl = {0};
			json_t *dj = deal_json(&dl.v[i]), *ha = json_array();

			if ((rc = svc_deal_history(c->st, &c->actor, dl.v[i].id, &hl, e))) {
				deal_list_release(&dl);
				goto out;
			}
			for (size_t k = 0; k < hl.n; k++)
				json_array_append_new(ha, stage_change_json(&hl.v[k]));
			history_list_release(&hl);
			json_object_set_new(dj, "history", ha);
			json_array_append_new(arr, dj);
		}
		i = dl.n;
		deal_list_release(&dl);
		cli_progress_update(prog, (size_t)df.offset + i, total > 0 ? (size_t)total : 1);
		if (i < 500)
			break;
	}
	arr = json_array();
	json_object_set_new(doc, "notes", arr);
	if ((rc = notes_json(c, arr, e)))
		goto out;
	arr = json_array();
	json_object_set_new(doc, "views", arr);
	if ((rc = views_json(c, &ul, arr, e)))
		goto out;
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	user_list_release(&ul);
	stage_list_release(&sl);
	company_list_release(&cl);
	return rc;
}

static int export_all(struct cli *c, int argc, char **argv)
{
	const char *output = NULL;
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"json", CLI_OPT_FLAG, &json},
	    {"output", CLI_OPT_STRING, &output},
	    {NULL, 0, NULL},
	};
	struct errinfo e = {0};
	struct cli_progress prog;
	json_t *doc = NULL;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-o"))
			argv[i] = (char *)"--output";
	if ((rc = cli_parse(c, argc, argv, opts, all_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (!json)
		return cli_usage_error(c, "only --json is supported");
	if ((rc = cli_open(c)))
		return rc;
	cli_progress_init(&prog, "export", json);
	rc = all_json(c, &prog, &doc, &e);
	cli_progress_end(&prog);
	if (rc == 0)
		rc = svc_audit_event(c->st, &c->actor, "export", "", 0, &e, "{s:s,s:s}", "kind",
				     "all", "format", "json");
	if (rc) {
		json_decref(doc);
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (output) {
		rc = json_dump_file(doc, output, JSON_SORT_KEYS | JSON_COMPACT) == 0
			 ? CLI_OK
			 : cli_error("cannot write '%s'", output);
		json_decref(doc);
	} else {
		json_object_set_new(doc, "litecrm_export", json_integer(EXPORT_ALL_VERSION));
		rc = cli_print_json(doc);
	}
out:
	cli_close(c);
	return rc;
}

static const struct cli_command export_commands[] = {
    {"deals", export_files, "deals to CSV or XLSX"},
    {"summary", export_files, "the pipeline summary to CSV or XLSX"},
    {"all", export_all, "the whole workspace as versioned JSON"},
};

int cmd_export(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "export", export_commands,
			    sizeof(export_commands) / sizeof(export_commands[0]), argc, argv);
}
