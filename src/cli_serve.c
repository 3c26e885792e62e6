/*
 * cli_serve.c - setting up and running litecrm: `init` (a new database and
 * workspace), `demo` (the article's example team and pipeline), `serve` (the
 * web app and the API) and `workspace show|set`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "http.h"
#include "import.h"
#include "repr.h"
#include "svc_sec.h"

/* unlink_db removes a database file this run created and could not finish. */
static void unlink_db(const char *db)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
	char path[4096];
	size_t i;

	if (strstr(db, "://"))
		return;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", db, suffixes[i]);
		unlink(path);
	}
}

/* ---- init ---- */

static const char init_usage[] =
    "usage: litecrm init [--db PATH] [--workspace SLUG] [--name NAME] [--currency CODE]\n"
    "                    [--language zh-TW|en] [--admin USER]\n"
    "                    [--password PW | --password-stdin] [--json]\n"
    "\n"
    "Creates the database (when missing) and a workspace with the default pipeline\n"
    "and its first admin. Without a password one is generated and printed once.\n"
    "Refuses when the workspace already exists.\n"
    "\n"
    "  --workspace SLUG   the workspace's short name (default: main)\n"
    "  --name NAME        its display name (default: the slug)\n"
    "  --currency CODE    ISO 4217 currency of its deals (default: TWD)\n"
    "  --language LANG    zh-TW or en (default: zh-TW)\n"
    "  --admin USER       the first admin's username (default: admin)\n";

int cmd_init(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *currency = "TWD", *language = "zh-TW", *admin = "admin";
	const char *password = NULL;
	int pw_stdin = 0, json = 0, existed, rc;
	const struct cli_opt opts[] = {
	    {"name", CLI_OPT_STRING, &name},	     {"currency", CLI_OPT_STRING, &currency},
	    {"language", CLI_OPT_STRING, &language}, {"admin", CLI_OPT_STRING, &admin},
	    {"password", CLI_OPT_STRING, &password}, {"password-stdin", CLI_OPT_FLAG, &pw_stdin},
	    {"json", CLI_OPT_FLAG, &json},	     {NULL, 0, NULL},
	};
	char pw[CAP_PASSWORD + 2], gen[CLI_PASSWORD_LEN + 1] = "";
	struct workspace w, found;
	struct user u;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, init_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (password && pw_stdin)
		return cli_usage_error(c, "give --password or --password-stdin, not both");
	if (!c->workspace || !c->workspace[0])
		c->workspace = "main";
	if (pw_stdin) {
		if (cli_password_read(pw, sizeof(pw)))
			return CLI_ERROR;
		password = pw;
	} else if (!password) {
		cli_password_generate(gen);
		password = gen;
	}

	existed = cli_db_exists(c);
	if ((rc = cli_open_store(c, 1)))
		return rc;
	if (cli_workspace_find(c->st, c->workspace, &found) == 0) {
		rc = cli_error("workspace '%s' already exists in '%s'", c->workspace, c->db);
		goto out;
	}
	memset(&w, 0, sizeof(w));
	snprintf(w.slug, sizeof(w.slug), "%s", c->workspace);
	snprintf(w.name, sizeof(w.name), "%s", name ? name : c->workspace);
	snprintf(w.currency, sizeof(w.currency), "%s", currency);
	snprintf(w.language, sizeof(w.language), "%s", language);
	if ((rc = svc_workspace_create(c->st, &w, admin, password, &u, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *j =
		    json_pack("{s:o,s:o}", "workspace", workspace_json(&w), "admin", user_json(&u));

		if (j && gen[0])
			json_object_set_new(j, "password", json_string(gen));
		rc = cli_print_json(j);
		goto out;
	}
	printf("created workspace '%s' in '%s' with admin '%s'\n", w.slug, c->db, u.username);
	if (gen[0])
		printf("password for '%s': %s (shown once)\n", u.username, gen);
	rc = CLI_OK;
out:
	cli_close(c);
	if (rc && !existed)
		unlink_db(c->db);
	return rc;
}

/* ---- demo ---- */

/* testdata/seed-example.csv: the article's dashboard, deal by deal. */
static const char demo_csv[] =
    "company,deal,stage,amount,currency,owner,close_date\n"
    "BBB資訊有限公司,年度維護合約,勘探,150000,TWD,amy,2026-12-20\n"
    "DDD餐飲集團,POS 導入,條件驗證,134000,TWD,ben,2027-01-15\n"
    "EEE物流股份有限公司,倉儲系統升級,需求分析,174000,TWD,amy,2027-01-31\n"
    "CCC營造股份有限公司,工地管理平台,價值主張,1000000,TWD,ben,2027-02-28\n"
    "FFF生技股份有限公司,實驗室資料系統,辨認決策者,120000,TWD,chen,2027-01-10\n"
    "GGG貿易有限公司,報價系統,提案/報價,280000,TWD,chen,2026-12-31\n"
    "HHH製造股份有限公司,產線看板,談判/檢視,500000,TWD,amy,2026-12-15\n"
    "AAA科技股份有限公司,雲端遷移,成交,125000,TWD,ben,2026-11-10\n"
    "III顧問有限公司,訓練課程,失敗,30000,TWD,chen,2026-10-30\n"
    "HHH製造股份有限公司,備品管理,失敗,25000,TWD,amy,2026-11-05\n";

static const struct {
	const char *username, *display_name, *email;
} demo_members[] = {
    {"amy", "Amy Lin", "amy@example.com"},
    {"ben", "Ben Chen", "ben@example.com"},
    {"chen", "Chen Wei", "chen@example.com"},
};

static const char demo_usage[] =
    "usage: litecrm demo [--db PATH]\n"
    "\n"
    "Creates the demo database when it does not exist: workspace 'demo' (TWD, zh-TW),\n"
    "admin 'admin', members amy, ben and chen, and the article's ten example deals.\n"
    "Passwords are random and printed once; set LITECRM_DEMO_PASSWORD to choose them.\n"
    "When the database exists it is left as it is.\n";

/* demo_fill creates the demo workspace, its users and deals in the open store. */
static int demo_fill(struct cli *c, const char *admin_pw, const char *member_pw)
{
	struct workspace w;
	struct user admin, u;
	struct actor op;
	struct import_result res;
	struct errinfo e = {0};
	size_t i;
	int rc;

	memset(&w, 0, sizeof(w));
	snprintf(w.slug, sizeof(w.slug), "demo");
	snprintf(w.name, sizeof(w.name), "Demo");
	snprintf(w.currency, sizeof(w.currency), "TWD");
	snprintf(w.language, sizeof(w.language), "zh-TW");
	w.members_see_all = 0;
	if ((rc = svc_workspace_create(c->st, &w, "admin", admin_pw, &admin, &e)))
		return cli_fail(&e, rc);
	op = actor_system(w.id);
	for (i = 0; i < sizeof(demo_members) / sizeof(demo_members[0]); i++) {
		memset(&u, 0, sizeof(u));
		u.workspace_id = w.id;
		snprintf(u.username, sizeof(u.username), "%s", demo_members[i].username);
		snprintf(u.display_name, sizeof(u.display_name), "%s",
			 demo_members[i].display_name);
		snprintf(u.email, sizeof(u.email), "%s", demo_members[i].email);
		u.role = ROLE_MEMBER;
		u.active = 1;
		if ((rc = svc_user_create(c->st, &op, &u, member_pw, &e)))
			return cli_fail(&e, rc);
	}
	if ((rc = import_deals_csv(c->st, &op, demo_csv, sizeof(demo_csv) - 1, 0, &res, &e)))
		return cli_error("demo data: %s", e.message[0] ? e.message : err_str(rc));
	return CLI_OK;
}

int cmd_demo(struct cli *c, int argc, char **argv)
{
	char admin_pw[CLI_PASSWORD_LEN + 1], member_pw[CLI_PASSWORD_LEN + 1];
	const char *fixed = getenv("LITECRM_DEMO_PASSWORD");
	int rc;

	if ((rc = cli_parse(c, argc, argv, NULL, demo_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (!cli_db_is_new(c)) {
		printf("using existing database '%s'; log in as the admin you created (password "
		       "printed when it was created)\n",
		       c->db);
		return CLI_OK;
	}
	cli_password_generate(admin_pw);
	cli_password_generate(member_pw);
	if ((rc = cli_open_store(c, 1)))
		return rc;
	rc = demo_fill(c, fixed && fixed[0] ? fixed : admin_pw,
		       fixed && fixed[0] ? fixed : member_pw);
	cli_close(c);
	if (rc) {
		unlink_db(c->db);
		return rc;
	}
	printf("created demo database '%s'\n", c->db);
	printf("log in at http://127.0.0.1:8080 as admin / %s (members: amy, ben, chen / %s)\n",
	       fixed && fixed[0] ? fixed : admin_pw, fixed && fixed[0] ? fixed : member_pw);
	return CLI_OK;
}

/* ---- serve ---- */

static const char serve_usage[] =
    "usage: litecrm serve [--db PATH] [--listen ADDR:PORT] [--threads N] [--workers N]\n"
    "                     [--writers N] [--quiet]\n"
    "\n"
    "Serves the web app and the HTTP API until interrupted (Ctrl-C or SIGTERM).\n"
    "\n"
    "  --listen ADDR:PORT  where to listen (default: 127.0.0.1:8080)\n"
    "  --threads N         event threads (default: one per core)\n"
    "  --workers N         worker threads for slow calls (default: one per core)\n"
    "  --writers N         threads that run writes (default: 1 on SQLite, which\n"
    "                      writes one transaction at a time; one per core on\n"
    "                      PostgreSQL)\n"
    "  --quiet             no request log\n"
    "  --hello TEXT        benchmark: answer every request with TEXT\n"
    "\n"
    "security (see SECURITY.md):\n"
    "  --tls-cert FILE     serve HTTPS with this PEM certificate (chain)\n"
    "  --tls-key FILE      and this PEM private key\n"
    "  --trust-proxy       behind a reverse proxy: the client address is the last\n"
    "                      X-Forwarded-For entry, HTTPS is X-Forwarded-Proto\n"
    "  --session-idle D    end login sessions unused for D (default 12h; 0: never)\n"
    "  --session-max D     end login sessions D after login (default 7d)\n"
    "  --client-timeout S  close connections idle or slow for S seconds (default 30)\n"
    "                      (durations: 90, 90s, 15m, 12h, 7d)\n";

int cmd_serve(struct cli *c, int argc, char **argv)
{
	const char *listen = "127.0.0.1:8080", *threads = NULL, *workers = NULL, *hello = NULL;
	const char *writers = NULL;
	const char *tls_cert = NULL, *tls_key = NULL, *idle = NULL, *max = NULL, *timeout = NULL;
	int quiet = 0, trust_proxy = 0, rc;
	const struct cli_opt opts[] = {
	    {"listen", CLI_OPT_STRING, &listen},
	    {"threads", CLI_OPT_STRING, &threads},
	    {"workers", CLI_OPT_STRING, &workers},
	    {"writers", CLI_OPT_STRING, &writers},
	    {"quiet", CLI_OPT_FLAG, &quiet},
	    {"hello", CLI_OPT_STRING, &hello},
	    /* security */
	    {"tls-cert", CLI_OPT_STRING, &tls_cert},
	    {"tls-key", CLI_OPT_STRING, &tls_key},
	    {"trust-proxy", CLI_OPT_FLAG, &trust_proxy},
	    {"session-idle", CLI_OPT_STRING, &idle},
	    {"session-max", CLI_OPT_STRING, &max},
	    {"client-timeout", CLI_OPT_STRING, &timeout},
	    {NULL, 0, NULL},
	};
	struct http_config cfg;
	struct auth_policy pol = *svc_auth_policy();

	if ((rc = cli_parse(c, argc, argv, opts, serve_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	memset(&cfg, 0, sizeof(cfg));
	if (threads && cli_int(c, "--threads", threads, 0, 1024, &cfg.threads))
		return CLI_USAGE;
	if (workers && cli_int(c, "--workers", workers, 0, 1024, &cfg.workers))
		return CLI_USAGE;
	if (writers && cli_int(c, "--writers", writers, 0, 1024, &cfg.writers))
		return CLI_USAGE;
	if (!strchr(listen, ':'))
		return cli_usage_error(c, "--listen: '%s' is not ADDR:PORT", listen);
	cfg.db = c->db;
	cfg.listen = listen;
	cfg.quiet = quiet;
	cfg.hello_only = hello;
	/* security */
	if (!tls_cert != !tls_key)
		return cli_usage_error(c, "--tls-cert and --tls-key go together");
	cfg.tls_cert = tls_cert;
	cfg.tls_key = tls_key;
	cfg.trust_proxy = trust_proxy;
	if (idle && svc_duration_parse(idle, &pol.session_idle))
		return cli_usage_error(c, "--session-idle: '%s' is not a duration", idle);
	if (max && (svc_duration_parse(max, &pol.session_max) || pol.session_max < 1))
		return cli_usage_error(c, "--session-max: '%s' is not a duration", max);
	if (timeout && cli_int(c, "--client-timeout", timeout, 1, 3600, &cfg.client_timeout))
		return CLI_USAGE;
	svc_auth_policy_set(&pol);
	if (!hello) {
		/* Fail here, plainly, rather than on every request. */
		if ((rc = cli_open(c)))
			return rc;
		cli_close(c);
	}
	return http_serve(&cfg) == 0 ? CLI_OK : CLI_ERROR;
}

/* ---- workspace ---- */

static const char ws_show_usage[] = "usage: litecrm workspace show [--json]\n"
				    "\n"
				    "Shows the workspace's settings.\n";

static void ws_print(const struct workspace *w)
{
	printf("slug             %s\n", w->slug);
	printf("name             %s\n", w->name);
	printf("currency         %s\n", w->currency);
	printf("language         %s\n", w->language);
	printf("members see all  %s\n", w->members_see_all ? "yes" : "no");
	printf("created          %s\n", w->created_at);
}

static int ws_show(struct cli *c, int argc, char **argv)
{
	int json = 0, rc;
	const struct cli_opt opts[] = {{"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	struct workspace w;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, ws_show_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_workspace_get(c->st, &c->actor, &w, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		rc = cli_print_json(workspace_json(&w));
		goto out;
	}
	ws_print(&w);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

static const char ws_set_usage[] =
    "usage: litecrm workspace set [--name NAME] [--currency CODE] [--language zh-TW|en]\n"
    "                             [--members-see-all yes|no] [--json]\n"
    "\n"
    "Changes the workspace's settings (admins; the operator by default).\n";

static int ws_set(struct cli *c, int argc, char **argv)
{
	const char *name = NULL, *currency = NULL, *language = NULL, *see_all = NULL;
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"name", CLI_OPT_STRING, &name},	     {"currency", CLI_OPT_STRING, &currency},
	    {"language", CLI_OPT_STRING, &language}, {"members-see-all", CLI_OPT_STRING, &see_all},
	    {"json", CLI_OPT_FLAG, &json},	     {NULL, 0, NULL},
	};
	struct workspace_input in;
	struct workspace w;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, ws_set_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	memset(&in, 0, sizeof(in));
	if (see_all) {
		if (cli_yesno(c, "--members-see-all", see_all, &in.members_see_all))
			return CLI_USAGE;
		in.set |= WS_SET_VISIBILITY;
	}
	if (name) {
		snprintf(in.name, sizeof(in.name), "%s", name);
		in.set |= WS_SET_NAME;
	}
	if (currency) {
		if (strlen(currency) != 3)
			return cli_usage_error(c, "--currency: '%s' is not a currency code",
					       currency);
		snprintf(in.currency, sizeof(in.currency), "%s", currency);
		in.set |= WS_SET_CURRENCY;
	}
	if (language) {
		if (strlen(language) >= sizeof(in.language))
			return cli_usage_error(c, "--language: '%s' is not zh-TW or en", language);
		snprintf(in.language, sizeof(in.language), "%s", language);
		in.set |= WS_SET_LANGUAGE;
	}
	if (!in.set)
		return cli_usage_error(c, "nothing to change");
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_workspace_update(c->st, &c->actor, 0, &in, &w, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		rc = cli_print_json(workspace_json(&w));
		goto out;
	}
	ws_print(&w);
	rc = CLI_OK;
out:
	cli_close(c);
	return rc;
}

static const struct cli_command ws_commands[] = {
    {"show", ws_show, "show the workspace's settings"},
    {"set", ws_set, "change the workspace's settings"},
};

int cmd_workspace(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "workspace", ws_commands,
			    sizeof(ws_commands) / sizeof(ws_commands[0]), argc, argv);
}
