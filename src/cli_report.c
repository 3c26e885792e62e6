/*
 * cli_report.c - `litecrm report summary`: the article's dashboard of won,
 * lost and open deals, and the figures of each stage; `litecrm report NAME`
 * for the sales-cycle reports (forecast, win-rate, cycle-length,
 * time-in-stage, funnel, stalled, velocity, pipeline-as-of, leaderboard);
 * `litecrm import history FILE.csv`; and the field changes `deal show`
 * prints.
 *
 * The text output is a plain rendering of the same JSON the API answers
 * (report_result_json), so the two front doors never disagree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "import.h"
#include "import_history.h"
#include "money.h"
#include "repr.h"
#include "repr_report.h"
#include "svc_report.h"
#include "text.h"

static const char summary_usage[] =
    "usage: litecrm report summary [--owner USER] [--close-from DATE] [--close-to DATE]\n"
    "                              [--by-owner] [--lang en|zh-TW] [--json]\n"
    "\n"
    "Totals of the deals the actor may see: closed won, closed lost, open (amount\n"
    "and expected revenue = amount x probability), and per stage; --by-owner adds\n"
    "each owner's totals. --json prints the API's GET /api/v1/reports/summary\n"
    "(with --by-owner: ?group=owner).\n";

/* print_owners prints the per-owner totals of a summary by owner. */
static void print_owners(const struct summary *s)
{
	char won[32], lost[32], open[32], exp[32];
	size_t i, wname = 5;

	for (i = 0; i < s->nowners; i++)
		if (cli_width(s->owners[i].username) > wname)
			wname = cli_width(s->owners[i].username);
	printf("\n");
	cli_cell("OWNER", wname, 0);
	printf("%12s %12s %12s %12s %6s\n", "WON", "LOST", "OPEN", "EXPECTED", "DEALS");
	for (i = 0; i < s->nowners; i++) {
		const struct summary_totals *t = &s->owners[i].t;

		money_format_grouped(t->won_amount, s->digits, won, sizeof(won));
		money_format_grouped(t->lost_amount, s->digits, lost, sizeof(lost));
		money_format_grouped(t->open_amount, s->digits, open, sizeof(open));
		money_format_grouped(t->open_expected, s->digits, exp, sizeof(exp));
		cli_cell(s->owners[i].username, wname, 0);
		printf("%12s %12s %12s %12s %6lld\n", won, lost, open, exp,
		       (long long)(t->won_count + t->lost_count + t->open_count));
	}
}

static void print_tile(const char *label, int64_t count, int64_t amount, const struct summary *s)
{
	char buf[48];

	money_format_grouped(amount, s->digits, buf, sizeof(buf));
	printf("%-5s %4lld deal%s %12s %s", label, (long long)count, count == 1 ? " " : "s", buf,
	       s->currency);
}

static void print_summary(const struct summary *s, const char *lang)
{
	char num[48];
	size_t i, wname = 5;
	int zh = strcmp(lang, "zh-TW") == 0;

	print_tile("won", s->won_count, s->won_amount, s);
	printf("\n");
	print_tile("lost", s->lost_count, s->lost_amount, s);
	printf("\n");
	print_tile("open", s->open_count, s->open_amount, s);
	money_format_grouped(s->open_expected, s->digits, num, sizeof(num));
	printf("  expected %s %s\n\n", num, s->currency);

	for (i = 0; i < s->stages.n; i++) {
		const struct stage *st = &s->stages.v[i];
		size_t w = cli_width(zh ? st->name_zh : st->name_en);

		if (w > wname)
			wname = w;
	}
	cli_cell("#", 2, 1);
	cli_cell("STAGE", wname, 0);
	cli_cell("PROB", 4, 1);
	cli_cell("DEALS", 5, 1);
	cli_cell("AMOUNT", 12, 1);
	printf("%12s\n", "EXPECTED");
	for (i = 0; i < s->stages.n; i++) {
		const struct stage *st = &s->stages.v[i];
		const struct stage_sum *sum = &s->sums[i];

		snprintf(num, sizeof(num), "%d", st->position);
		cli_cell(num, 2, 1);
		cli_cell(zh ? st->name_zh : st->name_en, wname, 0);
		snprintf(num, sizeof(num), "%d%%", st->probability);
		cli_cell(num, 4, 1);
		snprintf(num, sizeof(num), "%lld", (long long)sum->count);
		cli_cell(num, 5, 1);
		money_format_grouped(sum->amount, s->digits, num, sizeof(num));
		cli_cell(num, 12, 1);
		money_format_grouped(sum->expected, s->digits, num, sizeof(num));
		printf("%12s\n", num);
	}
}

static int report_summary(struct cli *c, int argc, char **argv)
{
	const char *owner = NULL, *from = NULL, *to = NULL, *lang = NULL;
	int json = 0, by_owner = 0, rc;
	const struct cli_opt opts[] = {
	    {"owner", CLI_OPT_STRING, &owner},
	    {"close-from", CLI_OPT_STRING, &from},
	    {"close-to", CLI_OPT_STRING, &to},
	    {"lang", CLI_OPT_STRING, &lang},
	    {"by-owner", CLI_OPT_FLAG, &by_owner},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct deal_filter f;
	struct summary s;
	struct errinfo e = {0};
	struct user u;
	int have_summary = 0;

	if ((rc = cli_parse(c, argc, argv, opts, summary_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "zh-TW") != 0)
		return cli_usage_error(c, "--lang: '%s' is not en or zh-TW", lang);
	if (from && !date_valid(from))
		return cli_usage_error(c, "--close-from: '%s' is not a date (YYYY-MM-DD)", from);
	if (to && !date_valid(to))
		return cli_usage_error(c, "--close-to: '%s' is not a date (YYYY-MM-DD)", to);
	deal_filter_init(&f);
	snprintf(f.close_from, sizeof(f.close_from), "%s", from ? from : "");
	snprintf(f.close_to, sizeof(f.close_to), "%s", to ? to : "");
	if ((rc = cli_open(c)))
		return rc;
	if (!lang)
		lang = c->ws.language;
	if (owner) {
		if ((rc = svc_user_get_by_name(c->st, &c->actor, owner, &u, &e))) {
			rc = cli_fail(&e, rc);
			goto out;
		}
		f.owner_id = u.id;
	}
	if ((rc = by_owner ? svc_summary_owners(c->st, &c->actor, &f, &s, &e)
			   : svc_summary(c->st, &c->actor, &f, &s, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	have_summary = 1;
	if (json) {
		rc = cli_print_json(summary_json(&s, lang));
		goto out;
	}
	print_summary(&s, lang);
	if (by_owner)
		print_owners(&s);
	rc = CLI_OK;
out:
	if (have_summary)
		summary_release(&s);
	cli_close(c);
	return rc;
}

/* ---- the sales-cycle reports ---- */

static const char cycle_usage[] =
    "usage: litecrm report NAME [--owner USER] [--stage STAGE] [--from DATE] [--to DATE]\n"
    "                           [--group month|quarter] [--today DATE] [--as-of DATE]\n"
    "                           [--limit N] [--lang en|zh-TW] [--json]\n"
    "\n"
    "NAME is forecast, win-rate, cycle-length, time-in-stage, funnel, stalled,\n"
    "velocity, pipeline-as-of or leaderboard. The filters are those of the API\n"
    "(docs/API.md, \"Reports\"): --stage keeps deals that ever entered the stage;\n"
    "--from/--to bound the period; --today sets \"now\" (default $LITECRM_TODAY,\n"
    "else the clock). --json prints GET /api/v1/reports/NAME.\n";

/* num: a JSON number or null as text ("-" for null). */
static const char *num(json_t *v, char *buf, size_t sz)
{
	if (json_is_integer(v))
		snprintf(buf, sz, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sz, "%.2f", json_real_value(v));
	else if (json_is_string(v))
		snprintf(buf, sz, "%s", json_string_value(v));
	else
		snprintf(buf, sz, "-");
	return buf;
}

/* print_rows prints arr's objects as a table of the given keys. */
static void print_rows(json_t *arr, const char *const *keys, size_t nkeys)
{
	size_t w[16] = {0}, i, k;
	char buf[64];
	json_t *row;

	for (k = 0; k < nkeys && k < 16; k++)
		w[k] = strlen(keys[k]);
	json_array_foreach(arr, i, row)
	{
		for (k = 0; k < nkeys && k < 16; k++) {
			size_t n = cli_width(num(json_object_get(row, keys[k]), buf, sizeof(buf)));

			if (n > w[k])
				w[k] = n;
		}
	}
	for (k = 0; k < nkeys && k < 16; k++) {
		char up[32];
		size_t j;

		for (j = 0; keys[k][j] && j + 1 < sizeof(up); j++)
			up[j] =
			    keys[k][j] >= 'a' && keys[k][j] <= 'z' ? keys[k][j] - 32 : keys[k][j];
		up[j] = '\0';
		cli_cell(up, w[k], k > 0);
	}
	printf("\n");
	json_array_foreach(arr, i, row)
	{
		for (k = 0; k < nkeys && k < 16; k++)
			cli_cell(num(json_object_get(row, keys[k]), buf, sizeof(buf)), w[k], k > 0);
		printf("\n");
	}
}

/* one: wraps a single object in an array labelled by key = label, for print_rows. */
static json_t *one(json_t *o, const char *key, const char *label)
{
	json_t *arr = json_array(), *c = json_deep_copy(o);

	if (c && json_is_object(c))
		json_object_set_new(c, key, json_string(label));
	json_array_append_new(arr, c ? c : json_object());
	return arr;
}

/* flat_cycle turns {"owner","won":{...},"lost":{...}} rows into flat rows. */
static json_t *flat_cycle(json_t *arr, const char *label)
{
	json_t *out = json_array(), *row;
	size_t i;

	json_array_foreach(arr, i, row)
	{
		json_t *f = json_object(), *won = json_object_get(row, "won"),
		       *lost = json_object_get(row, "lost");

		json_object_set(f, label, json_object_get(row, label));
		json_object_set(f, "won", json_object_get(won, "count"));
		json_object_set(f, "won_median", json_object_get(won, "median_days"));
		json_object_set(f, "won_mean", json_object_get(won, "mean_days"));
		json_object_set(f, "lost", json_object_get(lost, "count"));
		json_object_set(f, "lost_median", json_object_get(lost, "median_days"));
		json_object_set(f, "lost_mean", json_object_get(lost, "mean_days"));
		json_array_append_new(out, f);
	}
	return out;
}

static void print_report(json_t *j, enum report_kind kind)
{
	static const char *const closed[] = {
	    "group", "won", "lost", "won_amount", "lost_amount", "win_rate", "win_rate_value"};
	static const char *const cyc[] = {"group", "won",	  "won_median", "won_mean",
					  "lost",  "lost_median", "lost_mean"};
	static const char *const stage_time[] = {"key", "count", "median_days", "mean_days",
						 "current"};
	static const char *const funnel[] = {"key",  "reached", "advanced",   "won",
					     "lost", "open",	"conversion", "win_rate"};
	static const char *const stalled[] = {"deal_id", "name", "owner",	"stage",
					      "since",	 "days", "stalled_days"};
	static const char *const velo[] = {"period",   "open",	      "won",	    "lost",
					   "win_rate", "average_won", "cycle_days", "velocity"};
	static const char *const asof[] = {"key", "count", "amount", "expected"};
	static const char *const lead[] = {"owner",    "won",	   "won_amount",
					   "lost",     "open",	   "open_amount",
					   "expected", "win_rate", "cycle_median_days"};
	static const char *const month[] = {"month",	"open", "open_amount",
					    "expected", "won",	"won_amount"};
	json_t *t, *u;
	size_t i;
	char buf[64];

#define N(a) (sizeof(a) / sizeof(a[0]))
	printf("%s  (%lld deals, now %s, %s)\n", json_string_value(json_object_get(j, "report")),
	       (long long)json_integer_value(json_object_get(j, "deals")),
	       json_string_value(json_object_get(j, "now")),
	       json_string_value(json_object_get(j, "currency")));
	switch (kind) {
	case REPORT_WIN_RATE:
	case REPORT_CYCLE_LENGTH: {
		json_t *all = json_array(), *row;
		static const char *const labels[] = {"overall", "by_owner", "by_period"};
		static const char *const keys[] = {NULL, "owner", "period"};

		for (int g = 0; g < 3; g++) {
			json_t *src = json_object_get(j, labels[g]);

			t = g == 0 ? one(src, "group", "all") : json_deep_copy(src);
			json_array_foreach(t, i, row)
			{
				if (g)
					json_object_set(row, "group",
							json_object_get(row, keys[g]));
				json_array_append(all, row);
			}
			json_decref(t);
		}
		if (kind == REPORT_WIN_RATE) {
			print_rows(all, closed, N(closed));
		} else {
			t = flat_cycle(all, "group");
			print_rows(t, cyc, N(cyc));
			json_decref(t);
		}
		json_decref(all);
		break;
	}
	case REPORT_TIME_IN_STAGE:
		print_rows(json_object_get(j, "stages"), stage_time, N(stage_time));
		t = json_object_get(j, "bottleneck");
		printf("bottleneck: %s\n",
		       json_is_object(t) ? json_string_value(json_object_get(t, "key")) : "-");
		break;
	case REPORT_FUNNEL:
		print_rows(json_object_get(j, "stages"), funnel, N(funnel));
		break;
	case REPORT_STALLED:
		printf("stalled: %s\n", num(json_object_get(j, "total"), buf, sizeof(buf)));
		print_rows(json_object_get(j, "items"), stalled, N(stalled));
		break;
	case REPORT_VELOCITY:
		t = one(json_object_get(j, "overall"), "period", "all");
		u = json_object_get(j, "by_period");
		json_array_extend(t, u);
		print_rows(t, velo, N(velo));
		json_decref(t);
		break;
	case REPORT_PIPELINE_AS_OF:
		printf("as of %s\n", json_string_value(json_object_get(j, "as_of")));
		t = json_deep_copy(json_object_get(j, "stages"));
		u = json_deep_copy(json_object_get(j, "total"));
		if (json_is_object(u)) {
			json_object_set_new(u, "key", json_string("total"));
			json_array_append_new(t, u);
		} else {
			json_decref(u);
		}
		print_rows(t, asof, N(asof));
		json_decref(t);
		break;
	case REPORT_LEADERBOARD:
		print_rows(json_object_get(j, "items"), lead, N(lead));
		break;
	case REPORT_FORECAST:
		print_rows(json_object_get(j, "months"), month, N(month));
		t = json_object_get(j, "quarter");
		printf("\nquarter %s: open %s, expected %s, won %s\n",
		       json_string_value(json_object_get(t, "quarter")),
		       num(json_object_get(t, "open_amount"), buf, sizeof(buf)),
		       num(json_object_get(t, "expected"), buf + 20, 20),
		       num(json_object_get(t, "won_amount"), buf + 40, 20));
		printf("\nnext 12 months:\n");
		print_rows(json_object_get(j, "next_12_months"), month, N(month));
		break;
	default:
		break;
	}
#undef N
}

/* report_cycle runs the report named argv[0] (a command of report_commands). */
static int report_cycle(struct cli *c, int argc, char **argv)
{
	const char *owner = NULL, *stage = NULL, *from = NULL, *to = NULL, *group = NULL,
		   *today = NULL, *as_of = NULL, *limit = NULL, *lang = NULL;
	int json = 0, rc, kind = report_kind_find(argv[0]), have = 0;
	const struct cli_opt opts[] = {
	    {"owner", CLI_OPT_STRING, &owner},
	    {"stage", CLI_OPT_STRING, &stage},
	    {"from", CLI_OPT_STRING, &from},
	    {"to", CLI_OPT_STRING, &to},
	    {"group", CLI_OPT_STRING, &group},
	    {"today", CLI_OPT_STRING, &today},
	    {"as-of", CLI_OPT_STRING, &as_of},
	    {"limit", CLI_OPT_STRING, &limit},
	    {"lang", CLI_OPT_STRING, &lang},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	const char *dates[][2] = {
	    {"--from", from}, {"--to", to}, {"--today", today}, {"--as-of", as_of}};
	struct report_query q;
	struct report_result r;
	struct errinfo e = {0};
	struct user u;
	struct stage sg;
	json_t *j;

	if ((rc = cli_parse(c, argc, argv, opts, cycle_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	(void)dates;
	from = from ? from : "";
	to = to ? to : "";
	today = today ? today : "";
	as_of = as_of ? as_of : "";
	{
		const char *dv[][2] = {
		    {"--from", from}, {"--to", to}, {"--today", today}, {"--as-of", as_of}};

		for (size_t i = 0; i < 4; i++)
			if (dv[i][1][0] && !date_valid(dv[i][1]))
				return cli_usage_error(c, "%s: '%s' is not a date (YYYY-MM-DD)",
						       dv[i][0], dv[i][1]);
	}
	if (lang && strcmp(lang, "en") != 0 && strcmp(lang, "zh-TW") != 0)
		return cli_usage_error(c, "--lang: '%s' is not en or zh-TW", lang);
	if (group && strcmp(group, "month") != 0 && strcmp(group, "quarter") != 0)
		return cli_usage_error(c, "--group: '%s' is not month or quarter", group);
	report_query_init(&q);
	q.kind = (enum report_kind)kind;
	if (limit && cli_int(c, "--limit", limit, 1, 500, &q.limit))
		return CLI_USAGE;
	q.group =
	    group && strcmp(group, "quarter") == 0 ? REPORT_GROUP_QUARTER : REPORT_GROUP_MONTH;
	snprintf(q.from, sizeof(q.from), "%s", from);
	snprintf(q.to, sizeof(q.to), "%s", to);
	snprintf(q.today, sizeof(q.today), "%s", today);
	snprintf(q.as_of, sizeof(q.as_of), "%s", as_of);
	if ((rc = cli_open(c)))
		return rc;
	if (!lang)
		lang = strcmp(c->ws.language, "en") == 0 ? "en" : "zh-TW";
	if (owner) {
		if ((rc = svc_user_get_by_name(c->st, &c->actor, owner, &u, &e))) {
			rc = cli_fail(&e, rc);
			goto out;
		}
		q.owner_id = u.id;
	}
	if (stage) {
		if ((rc = svc_stage_find(c->st, &c->actor, stage, &sg, &e))) {
			rc = cli_fail(&e, rc);
			goto out;
		}
		q.stage_id = sg.id;
	}
	have = 1;
	if ((rc = svc_report(c->st, &c->actor, &q, &r, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	j = report_result_json(&r, lang);
	if (json) {
		rc = cli_print_json(j);
		goto out;
	}
	if (!j) {
		rc = cli_error("out of memory");
		goto out;
	}
	print_report(j, q.kind);
	json_decref(j);
	rc = CLI_OK;
out:
	if (have)
		report_result_release(&r);
	cli_close(c);
	return rc;
}

/* ---- import history ---- */

static const char import_history_usage[] =
    "usage: litecrm import history FILE.csv [--dry-run] [--json]\n"
    "\n"
    "Replaces the stage history of existing deals with the file's rows, so that\n"
    "the reports cover the time before litecrm. Columns (header row, any order):\n"
    "deal_id, or company and deal; stage; changed_at (YYYY-MM-DD or\n"
    "YYYY-MM-DDTHH:MM:SSZ, UTC); by (a username, optional); amount (optional).\n"
    "Each deal's rows, in file order, become its history; the first is its\n"
    "creation. Rows must be in time order per deal, change the stage each time,\n"
    "and end in the deal's current stage (and amount, when given). All or\n"
    "nothing: one bad row imports nothing. '-' reads stdin.\n";

/* slurp reads a whole file (or stdin for "-") of at most IMPORT_MAX_BYTES. */
static int slurp(const char *path, char **out, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, got;
	int rc = CLI_ERROR;

	if (!f)
		return cli_error("cannot open '%s'", path);
	for (;;) {
		if (n == cap) {
			char *p;

			cap = cap ? cap * 2 : 65536;
			if (cap > IMPORT_MAX_BYTES + 1)
				cap = IMPORT_MAX_BYTES + 1;
			p = realloc(buf, cap);
			if (!p) {
				cli_error("out of memory");
				goto out;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > IMPORT_MAX_BYTES) {
			cli_error("%s: the file is larger than %u MiB", path,
				  IMPORT_MAX_BYTES >> 20);
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

int cli_import_history(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int dry = 0, json = 0, rc;
	const struct cli_opt opts[] = {
	    {"dry-run", CLI_OPT_FLAG, &dry},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct history_import_result res;
	struct history_row *rows = NULL;
	struct errinfo e = {0};
	char *data = NULL;
	size_t len = 0, n = 0;

	if ((rc = cli_parse(c, argc, argv, opts, import_history_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if ((rc = slurp(pos[0], &data, &len)))
		return rc;
	if ((rc = import_history_parse(data, len, &rows, &n, &e))) {
		rc = cli_error("%s: %s", pos[0], e.message[0] ? e.message : err_str(rc));
		free(data);
		return rc;
	}
	if ((rc = cli_open(c)))
		goto out;
	if ((rc = svc_history_import(c->st, &c->actor, rows, n, dry, &res, &e))) {
		rc = cli_error("%s: %s", pos[0], e.message[0] ? e.message : err_str(rc));
		goto out;
	}
	if (json) {
		rc = cli_print_json(json_pack("{s:I,s:I,s:b}", "rows", (json_int_t)res.rows,
					      "deals", (json_int_t)res.deals, "dry_run", dry));
		goto out;
	}
	if (dry)
		printf("checked %zu history row%s: all can be imported (dry run)\n", res.rows,
		       res.rows == 1 ? "" : "s");
	else
		printf("imported %zu history row%s for %zu deal%s\n", res.rows,
		       res.rows == 1 ? "" : "s", res.deals, res.deals == 1 ? "" : "s");
	rc = CLI_OK;
out:
	free(data);
	free(rows);
	cli_close(c);
	return rc;
}

/* ---- field changes of deal show ---- */

int cli_deal_changes(struct cli *c, const struct deal *d, json_t *j)
{
	struct deal_change_list l = {0};
	struct user_list users = {0};
	struct errinfo e = {0};
	int digits = money_digits(d->currency), rc;

	if ((rc = svc_deal_changes(c->st, &c->actor, d->id, &l, &e)) ||
	    (rc = svc_user_list(c->st, &c->actor, &users, &e)))
		goto out;
	if (j) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, deal_change_json(&l.v[i], digits, &users));
		if (!arr || json_object_set_new(j, "changes", arr) != 0)
			rc = ERR_NOMEM;
		goto out;
	}
	printf("changes:\n");
	for (size_t i = 0; i < l.n; i++) {
		json_t *o = deal_change_json(&l.v[i], digits, &users);
		char a[64], b[64];

		if (!o)
			continue;
		printf("  %s  %s: %s -> %s  by %s\n", l.v[i].changed_at, l.v[i].field,
		       num(json_object_get(o, "old"), a, sizeof(a)),
		       num(json_object_get(o, "new"), b, sizeof(b)),
		       l.v[i].by_username[0] ? l.v[i].by_username : "(operator)");
		json_decref(o);
	}
out:
	deal_change_list_release(&l);
	user_list_release(&users);
	return rc ? cli_fail(&e, rc) : 0;
}

/* report_rebuild recomputes the stored report aggregates (svc_report_rebuild). */
static int report_rebuild(struct cli *c, int argc, char **argv)
{
	const struct cli_opt opts[] = {{NULL, 0, NULL}};
	struct errinfo e = {0};
	int rc;

	if ((rc = cli_parse(c, argc, argv, opts, "usage: litecrm report rebuild\n", NULL, 0, 0,
			    NULL)) >= 0)
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	rc = svc_report_rebuild(c->st, &c->actor, &e);
	cli_close(c);
	return rc ? cli_fail(&e, rc) : 0;
}

static const struct cli_command report_commands[] = {
    {"summary", report_summary, "won, lost and open totals, and each stage's"},
    {"forecast", report_cycle, "open, expected and won amounts by month of close date"},
    {"win-rate", report_cycle, "won / (won + lost), by count and value"},
    {"cycle-length", report_cycle, "days from creation to close, won and lost"},
    {"time-in-stage", report_cycle, "days deals spend in each stage; the bottleneck"},
    {"funnel", report_cycle, "how many deals reached each stage, went on, won, lost"},
    {"stalled", report_cycle, "open deals past their stage's stalled setting"},
    {"velocity", report_cycle, "open x win rate x average won / cycle length"},
    {"pipeline-as-of", report_cycle, "the open pipeline as it stood on a date"},
    {"leaderboard", report_cycle, "per owner: won, open, expected, win rate, cycle"},
    {"rebuild", report_rebuild, "recompute the stored sums and deal facts from the deals"},
};

int cmd_report(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "report", report_commands,
			    sizeof(report_commands) / sizeof(report_commands[0]), argc, argv);
}
