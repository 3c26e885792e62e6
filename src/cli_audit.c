/*
 * cli_audit.c - the command line of the audit log and the deal trash:
 * `litecrm audit` and `litecrm deal delete|restore|trash`. The CLI acts as
 * the operator (or --as USER) and is recorded from the address "cli".
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "repr.h"
#include "svc_audit.h"

static const char audit_usage[] =
    "usage: litecrm audit [--action CODE] [--actor USER|-] [--target-type TYPE]\n"
    "                     [--target-id ID] [--since TIME] [--until TIME]\n"
    "                     [--before ID] [--limit N] [--json]\n"
    "\n"
    "Shows the workspace's audit log, newest first (admins; the operator).\n"
    "  --action CODE  one action such as deal.delete, or all of a group: 'user.'\n"
    "  --actor -      anonymous rows only (failed logins)\n"
    "  --since/--until  RFC 3339 times or dates (until a date: to its end)\n"
    "  --before ID    the page after the row with this id (keyset paging)\n"
    "  --limit N      1-500 (default 100)\n";

/* time_opt normalises an RFC 3339 time or a date (its end when end_of_day) into out. */
static int time_opt(const struct cli *c, const char *what, const char *s, int end_of_day,
		    char out[TS_LEN])
{
	int64_t t;

	out[0] = '\0';
	if (!s)
		return 0;
	if (strlen(s) == 10 && end_of_day ? report_date_end(s, &t) : report_time_parse(s, &t))
		return cli_usage_error(c, "%s '%s' is not a time such as 2026-11-27T09:00:00Z",
				       what, s);
	report_time_format(t, out);
	return 0;
}

static void print_audit(const struct audit_entry *a)
{
	char target[48] = "";

	if (a->target_type[0])
		snprintf(target, sizeof(target), "%s %lld", a->target_type,
			 (long long)a->target_id);
	printf("%-7lld %s  %-16s %-16s %-14s %-15s %s\n", (long long)a->id, a->at, a->action,
	       a->actor_username[0] ? a->actor_username : "-", target, a->addr, a->detail);
}

int cmd_audit(struct cli *c, int argc, char **argv)
{
	const char *action = NULL, *actor = NULL, *ttype = NULL, *tid = NULL, *since = NULL,
		   *until = NULL, *before = NULL, *limit = NULL;
	int json = 0, rc, n;
	const struct cli_opt opts[] = {
	    {"action", CLI_OPT_STRING, &action},     {"actor", CLI_OPT_STRING, &actor},
	    {"target-type", CLI_OPT_STRING, &ttype}, {"target-id", CLI_OPT_STRING, &tid},
	    {"since", CLI_OPT_STRING, &since},	     {"until", CLI_OPT_STRING, &until},
	    {"before", CLI_OPT_STRING, &before},     {"limit", CLI_OPT_STRING, &limit},
	    {"json", CLI_OPT_FLAG, &json},	     {NULL, 0, NULL},
	};
	struct audit_filter f;
	struct audit_list l = {0};
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, audit_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	memset(&f, 0, sizeof(f));
	if (action && strlen(action) > CAP_AUDIT_ACTION)
		return cli_usage_error(c, "--action '%s' is not an action code", action);
	if (ttype && strlen(ttype) > CAP_AUDIT_TARGET)
		return cli_usage_error(c, "--target-type '%s' is not a record type", ttype);
	snprintf(f.action, sizeof(f.action), "%s", action ? action : "");
	snprintf(f.target_type, sizeof(f.target_type), "%s", ttype ? ttype : "");
	if ((tid && cli_id(c, "--target-id", tid, &f.target_id)) ||
	    (before && cli_id(c, "--before", before, &f.before_id)) ||
	    time_opt(c, "--since", since, 0, f.since) || time_opt(c, "--until", until, 1, f.until))
		return CLI_USAGE;
	f.limit = AUDIT_PAGE_DEFAULT;
	if (limit) {
		if (cli_int(c, "--limit", limit, 1, AUDIT_PAGE_MAX, &n))
			return CLI_USAGE;
		f.limit = n;
	}
	if ((rc = cli_open(c)))
		return rc;
	if (actor && !strcmp(actor, "-")) {
		f.actor_id = -1;
	} else if (actor) {
		struct user u;

		if ((rc = svc_user_get_by_name(c->st, &c->actor, actor, &u, &e)))
			goto fail;
		f.actor_id = u.id;
	}
	if ((rc = svc_audit_list(c->st, &c->actor, &f, &l, &e)))
		goto fail;
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, audit_entry_json(&l.v[i]));
		rc = cli_print_json(cli_items_json(arr));
	} else {
		for (size_t i = 0; i < l.n; i++)
			print_audit(&l.v[i]);
		rc = CLI_OK;
	}
	audit_list_release(&l);
	cli_close(c);
	return rc;
fail:
	rc = cli_fail(&e, rc);
	cli_close(c);
	return rc;
}

/* ---- deal delete / restore / trash ---- */

static const char delete_usage[] =
    "usage: litecrm deal delete ID\n"
    "\n"
    "Moves a deal to the trash: it leaves every list, report and export and can\n"
    "be restored for 30 days (litecrm deal restore ID).\n";

static const char restore_usage[] = "usage: litecrm deal restore ID [--now TIME] [--json]\n"
				    "\n"
				    "Brings a deal back from the trash with its history, field\n"
				    "changes and cited notes.\n";

static const char trash_usage[] =
    "usage: litecrm deal trash [--purge ID] [--now TIME] [--json]\n"
    "\n"
    "Lists the trashed deals, newest first, after purging those deleted more than\n"
    "30 days before now.\n"
    "  --purge ID  delete one trashed deal for good (admins; the operator)\n"
    "  --now TIME  the moment to go by (RFC 3339), instead of the clock\n";

/* now_opt checks --now: "" when absent. */
static int now_opt(const struct cli *c, const char *s, char out[TS_LEN])
{
	char cut[TS_LEN];

	out[0] = '\0';
	if (!s)
		return 0;
	if (trash_cutoff(s, cut))
		return cli_usage_error(c, "--now '%s' is not a time such as 2026-11-27T09:00:00Z",
				       s);
	snprintf(out, TS_LEN, "%s", s);
	return 0;
}

int cli_deal_delete(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	struct errinfo e = {0};
	int64_t id;
	int rc;

	if ((rc = cli_parse(c, argc, argv, NULL, delete_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if (cli_id(c, "deal", pos[0], &id))
		return CLI_USAGE;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_deal_delete(c->st, &c->actor, id, 0, &e)))
		rc = cli_fail(&e, rc);
	else
		printf("deal %lld is in the trash for %d days\n", (long long)id, TRASH_KEEP_DAYS);
	cli_close(c);
	return rc;
}

int cli_deal_restore(struct cli *c, int argc, char **argv)
{
	const char *pos[1], *now = NULL;
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"now", CLI_OPT_STRING, &now}, {"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	struct errinfo e = {0};
	char ts[TS_LEN];
	struct deal d;
	int64_t id;

	if ((rc = cli_parse(c, argc, argv, opts, restore_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if (cli_id(c, "deal", pos[0], &id) || now_opt(c, now, ts))
		return CLI_USAGE;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_deal_restore(c->st, &c->actor, id, ts, &d, &e)))
		rc = cli_fail(&e, rc);
	else if (json)
		rc = cli_print_json(deal_json(&d));
	else
		printf("deal %lld '%s' is back\n", (long long)d.id, d.name);
	cli_close(c);
	return rc;
}

int cli_deal_trash(struct cli *c, int argc, char **argv)
{
	const char *purge = NULL, *now = NULL;
	int json = 0, rc;
	const struct cli_opt opts[] = {{"purge", CLI_OPT_STRING, &purge},
				       {"now", CLI_OPT_STRING, &now},
				       {"json", CLI_OPT_FLAG, &json},
				       {NULL, 0, NULL}};
	struct trash_list l = {0};
	struct errinfo e = {0};
	char ts[TS_LEN];
	int64_t id = 0;

	if ((rc = cli_parse(c, argc, argv, opts, trash_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if ((purge && cli_id(c, "--purge", purge, &id)) || now_opt(c, now, ts))
		return CLI_USAGE;
	if ((rc = cli_open(c)))
		return rc;
	if (id && (rc = svc_trash_purge(c->st, &c->actor, id, ts, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if ((rc = svc_trash_list(c->st, &c->actor, ts, &l, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, trash_entry_json(&l.v[i]));
		rc = cli_print_json(cli_items_json(arr));
		goto out;
	}
	if (id)
		printf("deal %lld purged\n", (long long)id);
	for (size_t i = 0; i < l.n; i++)
		printf("%-7lld %-32s %-20s deleted %s by %s\n", (long long)l.v[i].deal.id,
		       l.v[i].deal.name, l.v[i].deal.company_name, l.v[i].deleted_at,
		       l.v[i].deleted_by_username[0] ? l.v[i].deleted_by_username : "-");
	rc = CLI_OK;
out:
	trash_list_release(&l);
	cli_close(c);
	return rc;
}
