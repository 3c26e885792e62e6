/*
 * cli_import.c - `litecrm import deals|companies|contacts|history FILE`, and
 * the file reading and progress bar the import, export and backup commands
 * share (cli_io.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_io.h"
#include "import.h"
#include "import_all.h"

/* ---- shared: files and progress ---- */

int cli_read_file(const char *path, size_t max, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0, got;
	char *buf = NULL, *nb, why[128];
	int rc = CLI_ERROR;

	if (!f) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		why[0] = (char)tolower((unsigned char)why[0]);
		return cli_error("cannot open '%s': %s", path, why);
	}
	for (;;) {
		if (n == cap || !buf) {
			if (buf)
				cap *= 2;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				cli_error("out of memory");
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > max) {
			cli_error("%s: the file is larger than %zu MiB", path, max >> 20);
			goto out;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		cli_error("cannot read '%s'", path);
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return rc;
}

void cli_progress_init(struct cli_progress *p, const char *what, int json)
{
	memset(p, 0, sizeof(*p));
	p->what = what;
	p->tty = isatty(STDERR_FILENO);
	p->json = json;
	p->last = -1;
	p->after = 1.0;
	if (getenv("LITECRM_PROGRESS_AFTER"))
		p->after = atof(getenv("LITECRM_PROGRESS_AFTER"));
	clock_gettime(CLOCK_MONOTONIC, &p->start);
}

void cli_progress_update(void *ctx, size_t done, size_t total)
{
	struct cli_progress *p = ctx;
	struct timespec now;
	double secs;
	int pct, i;

	if (!p || total == 0 || (!p->tty && !p->json))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - p->start.tv_sec) + (now.tv_nsec - p->start.tv_nsec) / 1e9;
	if (secs < p->after)
		return;
	pct = (int)(done * 100 / total);
	if (pct == p->last)
		return;
	p->last = pct;
	p->shown = 1;
	if (p->json) {
		fprintf(stderr, "{\"progress\":%.2f,\"what\":\"%s\",\"seconds\":%.1f}\n",
			pct / 100.0, p->what, secs);
		return;
	}
	fprintf(stderr, "\r%s [", p->what);
	for (i = 0; i < 30; i++)
		fputc(i < pct * 30 / 100 ? '#' : ' ', stderr);
	fprintf(stderr, "] %3d%%", pct);
	fflush(stderr);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->shown && p->tty && !p->json)
		fputc('\n', stderr);
}

/* ---- import ---- */

static const char import_usage[] =
    "usage: litecrm import deals|companies|contacts FILE.csv [options]\n"
    "\n"
    "Imports from a CSV file ('-': standard input) in UTF-8 (with or without a BOM),\n"
    "UTF-16 with a BOM (Excel's \"Unicode text\") or Big5/CP950. The header row names\n"
    "the columns in any order: litecrm's own (company, deal, stage, amount, currency,\n"
    "owner, close_date, probability, next_step, external_id; companies: company,\n"
    "website, phone; contacts: name, company, title, phone, email), or those of a\n"
    "Salesforce opportunity report, a HubSpot deals export or a Pipedrive deals\n"
    "export. All or nothing: one bad row and nothing is imported, unless\n"
    "--skip-bad. A deal whose external_id was imported before is updated, not\n"
    "duplicated. Managers and admins only.\n"
    "  --dry-run            check only and report\n"
    "  --skip-bad           import the good rows; write the bad ones to the reject file\n"
    "  --reject FILE        the reject file (default: FILE.rejects.csv)\n"
    "  --encoding ENC       utf-8, utf-16, big5, cp950, ... (default: detect)\n"
    "  --map 'H=col,...'    map header H to column col ('-': ignore the column)\n"
    "  --date-format F      auto (default), mdy or dmy for dates such as 05/06/2026\n"
    "  --json               print the result as JSON (progress as JSON lines on stderr)\n";

/* write_rejects writes res's rejects as CSV: row, column, reason, then the row itself. */
static int write_rejects(const char *path, const struct import_result *res)
{
	size_t len = 0;
	char *csv = import_rejects_csv(res, &len);
	FILE *f;
	int bad;

	if (!csv)
		return cli_error("out of memory");
	if (!(f = fopen(path, "wb"))) {
		free(csv);
		return cli_error("cannot write '%s': %s", path, strerror(errno));
	}
	bad = fwrite(csv, 1, len, f) != len;
	free(csv);
	if (fclose(f) != 0 || bad)
		return cli_error("cannot write '%s'", path);
	return 0;
}

static int import_cmd(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *encoding = NULL, *map = NULL, *datefmt = NULL, *rejects = NULL;
	int dry = 0, json = 0, skip = 0, rc;
	const struct cli_opt opts[] = {
	    {"dry-run", CLI_OPT_FLAG, &dry},	       {"json", CLI_OPT_FLAG, &json},
	    {"skip-bad", CLI_OPT_FLAG, &skip},	       {"reject", CLI_OPT_STRING, &rejects},
	    {"encoding", CLI_OPT_STRING, &encoding},   {"map", CLI_OPT_STRING, &map},
	    {"date-format", CLI_OPT_STRING, &datefmt}, {NULL, 0, NULL},
	};
	struct import_result res;
	struct import_opts o;
	struct cli_progress prog;
	struct errinfo e = {0};
	char *data = NULL, rejpath[4096];
	size_t len = 0, i;
	const char *kind = argv[0];

	memset(&res, 0, sizeof(res));
	memset(&o, 0, sizeof(o));
	if ((rc = cli_parse(c, argc, argv, opts, import_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if (import_kind_parse(!strcmp(kind, "deals")	   ? "deals"
			      : !strcmp(kind, "companies") ? "companies"
							   : "contacts",
			      &o.kind))
		return cli_usage_error(c, "unknown kind '%s'", kind);
	if (datefmt && csvfmt_date_order_parse(datefmt, &o.date_order))
		return cli_usage_error(c, "--date-format: '%s' is not auto, mdy or dmy", datefmt);
	o.dry_run = dry;
	o.skip_bad = skip;
	o.encoding = encoding;
	o.map = map;
	cli_progress_init(&prog, "import", json);
	o.progress = cli_progress_update;
	o.progress_ctx = &prog;
	snprintf(rejpath, sizeof(rejpath), "%s.rejects.csv",
		 strcmp(pos[0], "-") == 0 ? "stdin" : pos[0]);
	if ((rc = cli_read_file(pos[0], IMPORT_MAX_BYTES, &data, &len)))
		return rc;
	if ((rc = cli_open(c)))
		goto out;
	rc = import_run(c->st, &c->actor, data, len, &o, &res, &e);
	cli_progress_end(&prog);
	if (rc) {
		rc = cli_error("%s: %s", pos[0], e.message[0] ? e.message : err_str(rc));
		goto out;
	}
	if (res.nrejects && (rc = write_rejects(rejects ? rejects : rejpath, &res)))
		goto out;
	if (json) {
		json_t *j = json_pack(
		    "{s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "imported", (json_int_t)res.imported,
		    "created", (json_int_t)res.created, "updated", (json_int_t)res.updated,
		    "companies_created", (json_int_t)res.companies, "rows", (json_int_t)res.rows,
		    "encoding", res.encoding, "format", csvfmt_source_name(res.source));

		if (j && dry) {
			json_object_set_new(j, "checked", json_integer((json_int_t)res.rows));
			json_object_set_new(j, "dry_run", json_true());
		}
		if (j && res.ignored[0])
			json_object_set_new(j, "ignored_columns", json_string(res.ignored));
		if (j) {
			json_t *arr = json_array();

			for (i = 0; arr && i < res.nrejects; i++)
				json_array_append_new(arr,
						      json_pack("{s:I,s:s,s:s}", "row",
								(json_int_t)res.rejects[i].row,
								"column", res.rejects[i].column,
								"reason", res.rejects[i].reason));
			json_object_set_new(j, "rejected", arr);
			if (res.nrejects)
				json_object_set_new(j, "reject_file",
						    json_string(rejects ? rejects : rejpath));
		}
		rc = cli_print_json(j);
		goto out;
	}
	if (res.source != CSVFMT_LITECRM)
		printf("read a %s export (%s)\n", csvfmt_source_name(res.source), res.encoding);
	if (res.ignored[0])
		printf("ignored columns: %s\n", res.ignored);
	if (dry)
		printf("checked %zu row%s: %zu can be imported (dry run, nothing imported)\n",
		       res.rows, res.rows == 1 ? "" : "s", res.rows - res.nrejects);
	else if (o.kind == IMPORT_DEALS)
		printf("imported %zu deal%s (%zu created, %zu updated; %zu new compan%s)\n",
		       res.imported, res.imported == 1 ? "" : "s", res.created, res.updated,
		       res.companies, res.companies == 1 ? "y" : "ies");
	else
		printf("imported %zu %s\n", res.imported, kind);
	if (res.nrejects)
		printf("left out %zu bad row%s: see '%s'\n", res.nrejects,
		       res.nrejects == 1 ? "" : "s", rejects ? rejects : rejpath);
	rc = CLI_OK;
out:
	import_result_release(&res);
	free(data);
	cli_close(c);
	return rc;
}

static const char all_usage[] =
    "usage: litecrm import all FILE.json [--force] [--json]\n"
    "\n"
    "Reads a whole workspace from the document `litecrm export all --json` wrote:\n"
    "settings, users, stages, companies and contacts, deals with their stage\n"
    "history, notes with their citations, saved views. All or nothing. Records get\n"
    "new ids; users get a random password (set it with `litecrm user passwd`).\n"
    "  --force    import even though the workspace holds companies, deals or notes\n"
    "             (the records are added beside them)\n"
    "  --json     print the counts as JSON (progress as JSON lines on stderr)\n";

static int import_all_cmd(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int force = 0, json = 0, rc;
	const struct cli_opt opts[] = {
	    {"force", CLI_OPT_FLAG, &force},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct import_all_result res;
	struct cli_progress prog;
	struct errinfo e = {0};
	json_error_t jerr;
	json_t *doc = NULL;
	char *data = NULL;
	size_t len = 0;

	if ((rc = cli_parse(c, argc, argv, opts, all_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if ((rc = cli_read_file(pos[0], IMPORT_MAX_BYTES, &data, &len)))
		return rc;
	doc = json_loadb(data, len, 0, &jerr);
	free(data);
	if (!doc)
		return cli_error("%s: not JSON (line %d: %s)", pos[0], jerr.line, jerr.text);
	if ((rc = cli_open(c)))
		goto out;
	cli_progress_init(&prog, "import", json);
	rc = import_all(c->st, &c->actor, doc, force, cli_progress_update, &prog, &res, &e);
	cli_progress_end(&prog);
	if (rc) {
		rc = cli_error("%s: %s", pos[0], e.message[0] ? e.message : err_str(rc));
		goto out;
	}
	if (json) {
		rc = cli_print_json(json_pack(
		    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "users", (json_int_t)res.users,
		    "stages", (json_int_t)res.stages, "companies", (json_int_t)res.companies,
		    "contacts", (json_int_t)res.contacts, "deals", (json_int_t)res.deals, "history",
		    (json_int_t)res.history, "notes", (json_int_t)res.notes, "citations",
		    (json_int_t)res.citations, "views", (json_int_t)res.views));
		goto out;
	}
	printf("imported %zu users, %zu stages, %zu companies, %zu contacts, %zu deals (%zu "
	       "history rows), %zu notes (%zu citations), %zu saved views\n",
	       res.users, res.stages, res.companies, res.contacts, res.deals, res.history,
	       res.notes, res.citations, res.views);
	rc = CLI_OK;
out:
	json_decref(doc);
	cli_close(c);
	return rc;
}

static const struct cli_command import_commands[] = {
    {"deals", import_cmd, "import deals from a CSV file"},
    {"companies", import_cmd, "import companies from a CSV file"},
    {"contacts", import_cmd, "import contacts from a CSV file"},
    {"history", cli_import_history, "import deals' stage history from a CSV file"},
    {"all", import_all_cmd, "import a whole workspace from `export all --json`"},
};

int cmd_import(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "import", import_commands,
			    sizeof(import_commands) / sizeof(import_commands[0]), argc, argv);
}
