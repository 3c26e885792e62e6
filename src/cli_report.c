/*
 * cli_report.c - `litecrm report summary`: the article's dashboard of won,
 * lost and open deals, and the figures of each stage.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "money.h"
#include "repr.h"
#include "text.h"

static const char summary_usage[] =
    "usage: litecrm report summary [--owner USER] [--close-from DATE] [--close-to DATE]\n"
    "                              [--lang en|zh-TW] [--json]\n"
    "\n"
    "Totals of the deals the actor may see: closed won, closed lost, open (amount\n"
    "and expected revenue = amount x probability), and per stage. --json prints the\n"
    "API's GET /api/v1/reports/summary.\n";

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
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"owner", CLI_OPT_STRING, &owner}, {"close-from", CLI_OPT_STRING, &from},
	    {"close-to", CLI_OPT_STRING, &to}, {"lang", CLI_OPT_STRING, &lang},
	    {"json", CLI_OPT_FLAG, &json},     {NULL, 0, NULL},
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
	if ((rc = svc_summary(c->st, &c->actor, &f, &s, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	have_summary = 1;
	if (json) {
		rc = cli_print_json(summary_json(&s, lang));
		goto out;
	}
	print_summary(&s, lang);
	rc = CLI_OK;
out:
	if (have_summary)
		summary_release(&s);
	cli_close(c);
	return rc;
}

static const struct cli_command report_commands[] = {
    {"summary", report_summary, "won, lost and open totals, and each stage's"},
};

int cmd_report(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "report", report_commands,
			    sizeof(report_commands) / sizeof(report_commands[0]), argc, argv);
}
