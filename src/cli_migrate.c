/*
 * cli_migrate.c - `litecrm migrate`: copy a workspace from one database to
 * another (a SQLite file to PostgreSQL), then verify it (migrate.c).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "migrate.h"
#include "money.h"

static const char migrate_usage[] =
    "usage: litecrm migrate --from DB --to DB [--workspace SLUG] [--force] [--no-tokens]\n"
    "\n"
    "Copies one workspace (--workspace, default: the first) with its users and their\n"
    "password hashes, login sessions and API tokens, stages, companies, contacts, notes,\n"
    "deals, stage history, field changes, citations, saved views, the audit log and the\n"
    "trash from --from to --to, in one transaction, e.g.\n"
    "  litecrm migrate --from litecrm.db --to postgresql://crm@db.example/crm\n"
    "Then counts every table and computes the pipeline summary on both sides and prints\n"
    "both; exits 1 when anything differs. Refuses a target that holds any workspace\n"
    "unless --force (never one holding the same workspace). Ids are new on the target;\n"
    "versions start again at 1. A SQLite target that does not exist is created; a\n"
    "PostgreSQL target is loaded with COPY. While the source holds trashed deals it is\n"
    "read in a write transaction (rolled back: it is left unchanged).\n"
    "\n"
    "  --no-tokens  do not copy sessions and API tokens (everyone logs in again)\n";

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* open_db opens a database; a SQLite target (create set) may be a new file. */
static int open_db(const char *url, int create, struct store **out)
{
	char errbuf[256] = "";

	if (!create && !strstr(url, "://")) {
		struct cli tmp = {.db = url};

		if (!cli_db_exists(&tmp))
			return cli_error("cannot open database '%s': no such file", url);
	}
	if (store_open(url, create, out, errbuf, sizeof(errbuf)) != 0)
		return cli_error("cannot open database '%s': %s", url,
				 errbuf[0] ? errbuf : "failed");
	return 0;
}

int cmd_migrate(struct cli *c, int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	int force = 0, no_tokens = 0, rc;
	const struct cli_opt opts[] = {
	    {"from", CLI_OPT_STRING, &from},
	    {"to", CLI_OPT_STRING, &to},
	    {"force", CLI_OPT_FLAG, &force},
	    {"no-tokens", CLI_OPT_FLAG, &no_tokens},
	    {NULL, 0, NULL},
	};
	struct migrate_options o = {0};
	struct migrate_report rep;
	struct errinfo e = {0};
	struct store *src = NULL, *dst = NULL;
	struct timespec t0;
	char a[48], b[48];
	size_t i;

	if ((rc = cli_parse(c, argc, argv, opts, migrate_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (!from || !to)
		return cli_usage_error(c, "give both --from and --to");
	if (!strcmp(from, to))
		return cli_usage_error(c, "--from and --to name the same database");
	o.slug = c->workspace;
	o.force = force;
	o.tokens = !no_tokens;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = open_db(from, 0, &src)) || (rc = open_db(to, 1, &dst)))
		goto out;
	rc = migrate_workspace(src, dst, &o, &rep, &e);
	if (rc) {
		rc = cli_error("migrate: %s", e.message[0] ? e.message : err_str(rc));
		goto out;
	}
	printf("copied workspace '%s' from '%s' to '%s' in %.2f s (copy %.2f s, verification "
	       "%.2f s)\n\n",
	       rep.slug, from, to, seconds_since(&t0), rep.copy_seconds, rep.verify_seconds);
	printf("%-16s %12s %12s\n", "table", "source", "target");
	for (i = 0; i < rep.ncounts; i++) {
		const struct migrate_count *k = &rep.counts[i];

		printf("%-16s %12lld %12lld  %s\n", k->table, (long long)k->src, (long long)k->dst,
		       k->src == k->dst				  ? "ok"
		       : !strcmp(k->table, "tokens") && !o.tokens ? "(not copied)"
								  : "DIFFERENT");
	}
	printf("\n%-16s %12s %12s\n", "summary", "source", "target");
	printf("%-16s %12lld %12lld\n", "deals", (long long)rep.src.deals,
	       (long long)rep.dst.deals);
	money_format(rep.src.amount, 0, a, sizeof(a));
	money_format(rep.dst.amount, 0, b, sizeof(b));
	printf("%-16s %12s %12s  (minor units)\n", "amount", a, b);
	money_format(rep.src.expected, 0, a, sizeof(a));
	money_format(rep.dst.expected, 0, b, sizeof(b));
	printf("%-16s %12s %12s  (minor units)\n", "expected", a, b);
	printf("%-16s %12zu stages with equal count, amount and expected\n", "per stage",
	       rep.stages_compared);
	printf("\nverification: %s\n", rep.ok ? "ok, both sides agree" : "FAILED");
	rc = rep.ok ? CLI_OK : CLI_ERROR;
out:
	store_close(src);
	store_close(dst);
	return rc;
}
