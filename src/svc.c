/*
 * svc.c - the operations shared by the API and the CLI: transactions and
 * rights, workspaces, logins and tokens, users. Deals and reports are in
 * svc_deal.c, the pipeline in svc_stage.c, companies and contacts in
 * svc_company.c.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "money.h"
#include "pipeline.h"
#include "svc_audit.h"
#include "svc_int.h"
#include "svc_sec.h"
#include "text.h"

int row_raced(int rc, int64_t if_version)
{
	return rc == ERR_STALE && !if_version ? ERR_RETRY : rc;
}

int tx_finish(struct store *st, int rc)
{
	if (rc == 0) {
		rc = st->ops->commit(st);
		if (rc == 0)
			return 0;
	}
	st->ops->rollback(st);
	return rc;
}

/*
 * tx_pause waits before retry number tries + 1: a random time up to a bound
 * that doubles with each try (2 ms, 4 ms ... 128 ms), so that writers that
 * collided on the same rows (PostgreSQL's serialization failures, SQLite's
 * busy lock) do not collide again in step.
 */
void tx_pause(int tries)
{
	static _Thread_local uint64_t x;
	long bound = 2000000L << (tries < 6 ? tries : 6), ns;
	struct timespec ts;

	if (!x) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)&x ^ ((uint64_t)ts.tv_sec << 32) ^
		    1;
	}
	x ^= x << 13; /* xorshift64 */
	x ^= x >> 7;
	x ^= x << 17;
	ns = bound / 4 + (long)(x % (uint64_t)(bound - bound / 4));
	ts.tv_sec = 0;
	ts.tv_nsec = ns;
	nanosleep(&ts, NULL);
}

int is_privileged(const struct actor *a)
{
	return a->system || a->role == ROLE_ADMIN || a->role == ROLE_MANAGER;
}

int is_admin_actor(const struct actor *a)
{
	return a->system || a->role == ROLE_ADMIN;
}

int fail_std(struct errinfo *e, int rc, const char *entity)
{
	char code[64];

	if (rc >= 0 || (e && e->code[0]))
		return rc;
	switch (rc) {
	case ERR_NOTFOUND:
		snprintf(code, sizeof(code), "%s.not_found", entity);
		return errinfo_set(e, rc, code, NULL, "%s not found", entity);
	case ERR_FORBIDDEN:
		return errinfo_set(e, rc, "auth.forbidden", NULL, "not allowed to do this");
	case ERR_CONFLICT:
		snprintf(code, sizeof(code), "%s.duplicate", entity);
		return errinfo_set(e, rc, code, NULL, "such a %s already exists", entity);
	case ERR_STALE:
		return errinfo_set(e, rc, "request.stale", NULL,
				   "the %s was changed by someone else; reload it", entity);
	case ERR_INUSE:
		snprintf(code, sizeof(code), "%s.in_use", entity);
		return errinfo_set(e, rc, code, NULL, "the %s is still in use", entity);
	case ERR_RETRY:
		return errinfo_set(e, rc, "server.busy", NULL, "the database is busy; try again");
	case ERR_UNAUTH:
		return errinfo_set(e, rc, "auth.required", NULL, "not logged in");
	case ERR_NOMEM:
		return errinfo_set(e, rc, "server.error", NULL, "out of memory");
	case ERR_READONLY:
		return errinfo_set(e, rc, "server.read_only", NULL,
				   "the database is read-only; changes cannot be saved");
	case ERR_FULL:
		return errinfo_set(e, rc, "server.disk_full", NULL,
				   "the disk is full; changes cannot be saved");
	default:
		return errinfo_set(e, rc, "server.error", NULL, "%s failed: %s", entity,
				   err_str(rc));
	}
}

int copy_text(char *dst, size_t dstsz, const char *s, const char *entity, const char *field,
	      int required, struct errinfo *e)
{
	char code[64];
	int rc = text_trim_copy(dst, dstsz, s);

	if (rc == ERR_TOOBIG) {
		snprintf(code, sizeof(code), "%s.%s_too_long", entity, field);
		return errinfo_set(e, ERR_INVALID, code, field, "%s is longer than %zu bytes",
				   field, dstsz - 1);
	}
	if (rc) {
		snprintf(code, sizeof(code), "%s.%s_invalid", entity, field);
		return errinfo_set(e, ERR_INVALID, code, field, "%s is not valid UTF-8", field);
	}
	if (required && !dst[0]) {
		snprintf(code, sizeof(code), "%s.%s_required", entity, field);
		return errinfo_set(e, ERR_INVALID, code, field, "%s is required", field);
	}
	return 0;
}

int load_ws(struct store *st, const struct actor *a, struct workspace *w, struct errinfo *e)
{
	return fail_std(e, st->ops->workspace_get(st, a->workspace_id, w), "workspace");
}

int deal_visible(const struct actor *a, const struct workspace *w, const struct deal *d)
{
	return is_privileged(a) || w->members_see_all || d->owner_id == a->user_id;
}

int deal_writable(const struct actor *a, const struct deal *d)
{
	return is_privileged(a) || d->owner_id == a->user_id;
}

struct actor actor_system(int64_t ws)
{
	struct actor a = {.workspace_id = ws, .role = ROLE_ADMIN, .system = 1, .addr = "cli"};

	return a;
}

int svc_read_begin(struct store *st)
{
	int rc;

	if (st->batch || st->read_scope)
		return 0;
	if ((rc = st->ops->begin(st, 0)))
		return rc;
	st->read_scope = 1;
	return 0;
}

void svc_read_end(struct store *st)
{
	if (!st->read_scope)
		return;
	st->read_scope = 0;
	tx_finish(st, 0); /* nothing was written: a failed commit only rolls back */
}

int svc_batch_begin(struct store *st, struct errinfo *e)
{
	int rc;

	svc_read_end(st);
	if (st->batch)
		return errinfo_set(e, ERR_INVALID, "server.error", NULL, "a batch is already open");
	if ((rc = st->ops->begin(st, STORE_TX_BATCH)))
		return fail_std(e, rc, "batch");
	st->batch = 1;
	return 0;
}

int svc_bulk_begin(struct store *st, size_t rows, struct errinfo *e)
{
	int rc;

	if (st->batch)
		return errinfo_set(e, ERR_INVALID, "server.error", NULL, "a batch is already open");
	if (st->ops->bulk_hint && (rc = st->ops->bulk_hint(st, rows > INT_MAX ? INT_MAX
							       : rows	      ? (int)rows
									      : 1)))
		return fail_std(e, rc, "batch");
	if ((rc = svc_batch_begin(st, e))) {
		if (st->ops->bulk_hint)
			st->ops->bulk_hint(st, 0);
		return rc;
	}
	st->batch = 2;
	return 0;
}

int svc_batch_end(struct store *st, int rc, struct errinfo *e)
{
	int bulk = st->batch == 2;

	if (!st->batch)
		return rc;
	if (bulk && rc == 0 && st->ops->bulk_flush)
		rc = fail_std(e, st->ops->bulk_flush(st), "batch");
	st->batch = 0;
	rc = fail_std(e, tx_finish(st, rc), "batch");
	if (bulk && st->ops->bulk_hint && st->ops->bulk_hint(st, 0) && rc == 0)
		rc = errinfo_set(e, ERR_DB, "server.error", NULL, "cannot leave bulk mode");
	return rc;
}

int svc_group_begin(struct store *st)
{
	if (!st->ops->group_begin || st->batch)
		return ERR_INVALID;
	return st->ops->group_begin(st);
}

int svc_group_end(struct store *st, int commit)
{
	return st->ops->group_end ? st->ops->group_end(st, commit) : ERR_INVALID;
}

/* ---- workspaces ---- */

static int workspace_find_tx(struct store *st, const char *slug, struct workspace *w,
			     struct errinfo *e)
{
	struct workspace_list l = {0};
	int rc;

	if (slug && slug[0]) {
		rc = st->ops->workspace_get_by_slug(st, slug, w);
		if (rc == ERR_NOTFOUND)
			return errinfo_set(e, rc, "workspace.not_found", "workspace",
					   "no workspace '%.63s'", slug);
		return fail_std(e, rc, "workspace");
	}
	if ((rc = st->ops->workspace_list(st, &l)))
		return fail_std(e, rc, "workspace");
	if (l.n == 0)
		rc = errinfo_set(e, ERR_NOTFOUND, "workspace.not_found", "workspace",
				 "the database holds no workspace yet");
	else
		*w = l.v[0];
	workspace_list_release(&l);
	return rc;
}

int svc_workspace_find(struct store *st, const char *slug, struct workspace *out, struct errinfo *e)
{
	struct workspace w;
	int rc;

	WITH_TX(st, 0, rc, workspace_find_tx(st, slug, &w, e));
	if (rc == 0)
		*out = w;
	return rc;
}

static int slug_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return i >= 1 && i <= CAP_SLUG;
}

static int check_language(const char *s, struct errinfo *e)
{
	if (strcmp(s, "zh-TW") != 0 && strcmp(s, "en") != 0)
		return errinfo_set(e, ERR_INVALID, "workspace.language_invalid", "language",
				   "language must be 'zh-TW' or 'en', not '%s'", s);
	return 0;
}

static int check_currency(const char *s, struct errinfo *e)
{
	if (money_digits(s) < 0)
		return errinfo_set(e, ERR_INVALID, "workspace.currency_invalid", "currency",
				   "unknown currency '%s' (ISO 4217 code expected)", s);
	return 0;
}

static int check_password(const char *pw, struct errinfo *e)
{
	size_t len = strlen(pw);

	if (len < 8)
		return errinfo_set(e, ERR_INVALID, "user.password_too_short", "password",
				   "the password needs at least 8 characters");
	if (len > CAP_PASSWORD)
		return errinfo_set(e, ERR_INVALID, "user.password_too_long", "password",
				   "the password is longer than %d bytes", CAP_PASSWORD);
	if (!utf8_valid(pw, len))
		return errinfo_set(e, ERR_INVALID, "user.password_invalid", "password",
				   "the password is not valid UTF-8");
	return 0;
}

static int workspace_create_tx(struct store *st, struct workspace *w, struct user *admin,
			       const char *hash, struct errinfo *e)
{
	const struct stage *def;
	size_t n, i;
	int rc;

	rc = st->ops->workspace_create(st, w);
	if (rc == ERR_CONFLICT)
		return errinfo_set(e, rc, "workspace.duplicate", "slug",
				   "workspace '%s' already exists", w->slug);
	if (rc)
		return fail_std(e, rc, "workspace");
	def = pipeline_default(&n);
	for (i = 0; i < n; i++) {
		struct stage s = def[i];

		s.workspace_id = w->id;
		rc = st->ops->stage_create(st, &s);
		if (rc)
			return fail_std(e, rc, "stage");
	}
	admin->workspace_id = w->id;
	rc = st->ops->user_create(st, admin, hash);
	return fail_std(e, rc, "user");
}

int svc_workspace_create(struct store *st, struct workspace *w, const char *admin_username,
			 const char *admin_password, struct user *admin_out, struct errinfo *e)
{
	struct workspace nw = *w;
	struct user admin = {0};
	char hash[AUTH_HASH_LEN];
	int rc;

	if (!slug_valid(w->slug))
		return errinfo_set(e, ERR_INVALID, "workspace.slug_invalid", "slug",
				   "workspace name '%s' must be 1-63 of a-z, 0-9 and '-'", w->slug);
	if ((rc = copy_text(nw.name, sizeof(nw.name), w->name[0] ? w->name : w->slug, "workspace",
			    "name", 1, e)))
		return rc;
	if (!nw.currency[0])
		snprintf(nw.currency, sizeof(nw.currency), "TWD");
	if (!nw.language[0])
		snprintf(nw.language, sizeof(nw.language), "zh-TW");
	if ((rc = check_currency(nw.currency, e)) || (rc = check_language(nw.language, e)))
		return rc;
	if (!username_valid(admin_username))
		return errinfo_set(e, ERR_INVALID, "user.username_invalid", "username",
				   "username '%s' must be 1-64 of A-Z, a-z, 0-9, '.', '_', '-'",
				   admin_username);
	if ((rc = check_password(admin_password, e)))
		return rc;
	snprintf(admin.username, sizeof(admin.username), "%s", admin_username);
	snprintf(admin.display_name, sizeof(admin.display_name), "%s", admin_username);
	admin.role = ROLE_ADMIN;
	admin.active = 1;
	if (auth_password_hash(admin_password, hash))
		return fail_std(e, ERR_NOMEM, "user");
	WITH_TX(st, STORE_TX_WRITE, rc, workspace_create_tx(st, &nw, &admin, hash, e));
	if (rc)
		return rc;
	*w = nw;
	if (admin_out)
		*admin_out = admin;
	return 0;
}

int svc_workspace_get(struct store *st, const struct actor *a, struct workspace *out,
		      struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, load_ws(st, a, out, e));
	return rc;
}

static int workspace_update_tx(struct store *st, const struct actor *a, int64_t if_version,
			       const struct workspace_input *in, struct workspace *w,
			       struct errinfo *e)
{
	int rc;

	if ((rc = load_ws(st, a, w, e)))
		return rc;
	if (if_version && if_version != w->version)
		return fail_std(e, ERR_STALE, "workspace");
	if (in->set & WS_SET_NAME &&
	    (rc = copy_text(w->name, sizeof(w->name), in->name, "workspace", "name", 1, e)))
		return rc;
	if (in->set & WS_SET_LANGUAGE) {
		if ((rc = check_language(in->language, e)))
			return rc;
		snprintf(w->language, sizeof(w->language), "%s", in->language);
	}
	if (in->set & WS_SET_CURRENCY && strcmp(in->currency, w->currency) != 0) {
		struct deal_filter f;
		struct deal_list l = {0};

		if ((rc = check_currency(in->currency, e)))
			return rc;
		deal_filter_init(&f);
		f.limit = 1;
		if ((rc = st->ops->deal_list(st, w->id, &f, 0, &l)))
			return fail_std(e, rc, "workspace");
		rc = l.n > 0;
		deal_list_release(&l);
		if (rc)
			return errinfo_set(e, ERR_CONFLICT, "workspace.currency_in_use", "currency",
					   "the workspace has deals in %s; its currency cannot "
					   "change",
					   w->currency);
		snprintf(w->currency, sizeof(w->currency), "%s", in->currency);
	}
	if (in->set & WS_SET_VISIBILITY)
		w->members_see_all = in->members_see_all ? 1 : 0;
	if ((rc = st->ops->workspace_update(st, w)))
		return fail_std(e, rc, "workspace");
	return fail_std(e,
			svc_audit_add(st, a, "workspace.update", "workspace", w->id,
				      "{s:s,s:s,s:b}", "language", w->language, "currency",
				      w->currency, "members_see_all", w->members_see_all),
			"audit");
}

int svc_workspace_update(struct store *st, const struct actor *a, int64_t if_version,
			 const struct workspace_input *in, struct workspace *out, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if (!is_admin_actor(a))
		return fail_std(e, ERR_FORBIDDEN, "workspace");
	WITH_TX(st, STORE_TX_WRITE, rc, workspace_update_tx(st, a, if_version, in, &w, e));
	if (rc == 0)
		*out = w;
	return rc;
}

/* ---- authentication ---- */

static void ts_after(char buf[TS_LEN], long seconds)
{
	time_t t = time(NULL) + seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, TS_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int bad_login(struct errinfo *e)
{
	return errinfo_set(e, ERR_UNAUTH, "auth.invalid_credentials", NULL,
			   "wrong username or password");
}

static int login_lookup_tx(struct store *st, const char *ws_slug, const char *username,
			   struct workspace *w, struct user *u, char *hash, struct errinfo *e)
{
	struct errinfo ignored = {0};
	int rc = workspace_find_tx(st, ws_slug, w, &ignored);

	if (rc == ERR_NOTFOUND)
		return bad_login(e);
	if (rc)
		return fail_std(e, rc, "workspace");
	rc = st->ops->user_get_by_name(st, w->id, username, u, hash, AUTH_HASH_LEN);
	if (rc == ERR_NOTFOUND)
		return bad_login(e);
	return fail_std(e, rc, "user");
}

static int token_create_tx(struct store *st, struct token *t, struct errinfo *e)
{
	return fail_std(e, st->ops->token_create(st, t), "token");
}

/* login_tx opens the session of a login and records it. */
static int login_tx(struct store *st, struct token *t, const char *addr, struct errinfo *e)
{
	struct actor a = {.workspace_id = t->workspace_id, .user_id = t->user_id};
	int rc;

	snprintf(a.addr, sizeof(a.addr), "%s", addr[0] ? addr : "unknown");
	if ((rc = token_create_tx(st, t, e)))
		return rc;
	return fail_std(e, svc_audit_add(st, &a, "login", "user", t->user_id, NULL), "audit");
}

/* api_token_tx creates an API token and records it (never its secret). */
static int api_token_tx(struct store *st, const struct actor *a, struct token *t, struct errinfo *e)
{
	int rc;

	if ((rc = token_create_tx(st, t, e)))
		return rc;
	return fail_std(
	    e, svc_audit_add(st, a, "token.create", "token", t->id, "{s:s}", "name", t->name),
	    "audit");
}

int svc_login(struct store *st, const char *ws_slug, const char *username, const char *password,
	      char secret_out[TOKEN_TEXT_LEN], struct user *user_out, struct errinfo *e)
{
	int retry_after = 0;

	return svc_login_from(st, ws_slug, username, password, NULL, secret_out, user_out,
			      &retry_after, e);
}

/*
 * svc_login_from (svc_sec.h): the lookup is cheap and comes first so the
 * throttle key names the workspace found; the throttle is applied before any
 * password is checked; every failure is counted, known user or not.
 */
int svc_login_from(struct store *st, const char *ws_slug, const char *username,
		   const char *password, const char *addr, char secret_out[TOKEN_TEXT_LEN],
		   struct user *user_out, int *retry_after, struct errinfo *e)
{
	struct workspace w;
	struct user u;
	struct token t = {0};
	char hash[AUTH_HASH_LEN] = "", secret[AUTH_TOKEN_LEN], key[CAP_LOGIN_ACCOUNT + 1];
	int rc, found;

	if (!addr)
		addr = "";
	memset(&w, 0, sizeof(w));
	if (!username_valid(username) || strlen(password) > CAP_PASSWORD) {
		auth_password_burn(password);
		return bad_login(e);
	}
	WITH_TX(st, 0, rc, login_lookup_tx(st, ws_slug, username, &w, &u, hash, e));
	if (rc && rc != ERR_UNAUTH)
		return rc;
	found = rc == 0;
	login_account_key(found ? w.slug : ws_slug, username, key);
	rc = login_throttle_check(st, key, addr, retry_after, e);
	if (rc) {
		if (rc == ERR_THROTTLED && w.id > 0)
			svc_audit_login_failed(st, w.id, found ? u.id : 0, username, addr,
					       "throttled");
		return rc;
	}
	if (!found) {
		auth_password_burn(password);
		login_throttle_fail(st, key, addr);
		if (w.id > 0)
			svc_audit_login_failed(st, w.id, 0, username, addr, "unknown_user");
		return bad_login(e);
	}
	if (auth_password_verify(hash, password) != 0 || !u.active) {
		login_throttle_fail(st, key, addr);
		svc_audit_login_failed(st, w.id, u.id, username, addr,
				       u.active ? "password" : "disabled");
		return bad_login(e);
	}
	auth_token_new(secret, t.hash);
	t.workspace_id = w.id;
	t.user_id = u.id;
	t.kind = TOKEN_SESSION;
	ts_after(t.expires_at, svc_auth_policy()->session_max);
	WITH_TX(st, STORE_TX_ROWS, rc, login_tx(st, &t, addr, e));
	if (rc)
		return rc;
	login_throttle_ok(st, key, addr);
	memcpy(secret_out, secret, AUTH_TOKEN_LEN);
	if (user_out)
		*user_out = u;
	return 0;
}

static int authenticate_tx(struct store *st, const unsigned char *hash, struct token *t,
			   struct user *u, struct errinfo *e)
{
	char now[TS_LEN];
	int rc;

	store_now(now);
	rc = st->ops->token_lookup(st, hash, now, t, u);
	if (rc == ERR_NOTFOUND || (rc == 0 && !u->active))
		return errinfo_set(e, ERR_UNAUTH, "auth.required", NULL,
				   "the session has ended; log in again");
	return fail_std(e, rc, "session");
}

static int token_touch_tx(struct store *st, const struct token *t, const char *now)
{
	return st->ops->token_touch(st, t->workspace_id, t->id, now);
}

/*
 * session_idle_check ends a login session unused for longer than the policy's
 * idle time (svc_sec.h), and otherwise records its use, at most every
 * idle/4 seconds (60 at most) so that reads stay reads. API tokens never idle out.
 */
static int session_idle_check(struct store *st, const struct token *t, struct errinfo *e)
{
	const struct auth_policy *p = svc_auth_policy();
	long long now = (long long)time(NULL), last;
	long every = p->session_idle > 0 ? p->session_idle / 4 : 60;
	char stamp[TS_LEN];
	int rc;

	if (t->kind != TOKEN_SESSION)
		return 0;
	last = ts_seconds(t->last_used_at[0] ? t->last_used_at : t->created_at);
	if (p->session_idle > 0 && last > 0 && now - last > p->session_idle) {
		struct actor a = {.workspace_id = t->workspace_id, .token_id = t->id};

		svc_logout(st, &a, e);
		return errinfo_set(e, ERR_UNAUTH, "auth.required", NULL,
				   "the session has ended; log in again");
	}
	if (every > 60)
		every = 60;
	if (now - last < every)
		return 0;
	store_now(stamp);
	WITH_TX(st, STORE_TX_ROWS, rc, token_touch_tx(st, t, stamp));
	return rc == ERR_RETRY ? 0 : fail_std(e, rc, "session"); /* a busy touch can wait */
}

int svc_authenticate(struct store *st, const char *secret, struct actor *out, struct errinfo *e)
{
	unsigned char hash[32];
	struct token t;
	struct user u;
	int rc;

	if (auth_token_hash(secret, hash))
		return errinfo_set(e, ERR_UNAUTH, "auth.required", NULL,
				   "the session has ended; log in again");
	WITH_TX(st, 0, rc, authenticate_tx(st, hash, &t, &u, e));
	if (rc)
		return rc;
	rc = session_idle_check(st, &t, e);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	out->workspace_id = t.workspace_id;
	out->user_id = u.id;
	out->role = u.role;
	out->token_id = t.id;
	out->token_kind = t.kind;
	return 0;
}

static int logout_tx(struct store *st, const struct actor *a, struct errinfo *e)
{
	int rc = st->ops->token_delete(st, a->workspace_id, a->token_id);

	/* a logout, not a session ended by the idle rule (no user then) */
	if (rc == 0 && a->user_id)
		rc = svc_audit_add(st, a, "logout", "user", a->user_id, NULL);
	return fail_std(e, rc == ERR_NOTFOUND ? 0 : rc, "session");
}

int svc_logout(struct store *st, const struct actor *a, struct errinfo *e)
{
	int rc;

	if (!a->token_id)
		return 0;
	WITH_TX(st, STORE_TX_ROWS, rc, logout_tx(st, a, e));
	return rc;
}

int svc_token_create(struct store *st, const struct actor *a, const char *name,
		     char secret_out[TOKEN_TEXT_LEN], struct token *out, struct errinfo *e)
{
	struct token t = {0};
	char secret[AUTH_TOKEN_LEN];
	int rc;

	if (a->system || !a->user_id)
		return errinfo_set(e, ERR_INVALID, "token.user_required", NULL,
				   "a token belongs to a user; name one");
	if ((rc = copy_text(t.name, sizeof(t.name), name, "token", "name", 1, e)))
		return rc;
	auth_token_new(secret, t.hash);
	t.workspace_id = a->workspace_id;
	t.user_id = a->user_id;
	t.kind = TOKEN_API;
	WITH_TX(st, STORE_TX_ROWS, rc, api_token_tx(st, a, &t, e));
	if (rc)
		return rc;
	memcpy(secret_out, secret, AUTH_TOKEN_LEN);
	*out = t;
	return 0;
}

static int token_list_tx(struct store *st, const struct actor *a, struct token_list *out,
			 struct errinfo *e)
{
	return fail_std(e, st->ops->token_list(st, a->workspace_id, a->user_id, out), "token");
}

int svc_token_list(struct store *st, const struct actor *a, struct token_list *out,
		   struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, token_list_tx(st, a, out, e));
	return rc;
}

static int token_delete_tx(struct store *st, const struct actor *a, int64_t id, struct errinfo *e)
{
	struct token_list l = {0};
	int rc, found = 0;

	if ((rc = st->ops->token_list(st, a->workspace_id, a->user_id, &l)))
		return fail_std(e, rc, "token");
	for (size_t i = 0; i < l.n; i++)
		found |= l.v[i].id == id;
	token_list_release(&l);
	if (!found)
		return fail_std(e, ERR_NOTFOUND, "token");
	if ((rc = st->ops->token_delete(st, a->workspace_id, id)))
		return fail_std(e, rc, "token");
	return fail_std(e, svc_audit_add(st, a, "token.revoke", "token", id, NULL), "audit");
}

int svc_token_delete(struct store *st, const struct actor *a, int64_t id, struct errinfo *e)
{
	int rc;

	WITH_TX(st, STORE_TX_WRITE, rc, token_delete_tx(st, a, id, e));
	return rc;
}

void svc_csrf_token(const char *secret, char out[65])
{
	auth_csrf(secret, out);
}

/* ---- users ---- */

static int user_create_tx(struct store *st, const struct actor *a, struct user *u, const char *hash,
			  struct errinfo *e)
{
	int rc = st->ops->user_create(st, u, hash);

	if (rc == ERR_CONFLICT)
		return errinfo_set(e, rc, "user.duplicate", "username", "user '%s' already exists",
				   u->username);
	if (rc == 0)
		rc = svc_audit_add(st, a, "user.create", "user", u->id, "{s:s,s:s}", "username",
				   u->username, "role", role_name(u->role));
	return fail_std(e, rc, "user");
}

int svc_user_create(struct store *st, const struct actor *a, struct user *u, const char *password,
		    struct errinfo *e)
{
	struct user nu = {0};
	char hash[AUTH_HASH_LEN];
	int rc;

	if (!is_admin_actor(a))
		return fail_std(e, ERR_FORBIDDEN, "user");
	if (!username_valid(u->username))
		return errinfo_set(e, ERR_INVALID, "user.username_invalid", "username",
				   "username '%.64s' must be 1-64 of A-Z, a-z, 0-9, '.', '_', '-'",
				   u->username);
	if ((rc = check_password(password, e)))
		return rc;
	snprintf(nu.username, sizeof(nu.username), "%s", u->username);
	if ((rc = copy_text(nu.display_name, sizeof(nu.display_name),
			    u->display_name[0] ? u->display_name : u->username, "user",
			    "display_name", 1, e)) ||
	    (rc = copy_text(nu.email, sizeof(nu.email), u->email, "user", "email", 0, e)))
		return rc;
	if (u->role != ROLE_ADMIN && u->role != ROLE_MANAGER && u->role != ROLE_MEMBER)
		return errinfo_set(e, ERR_INVALID, "user.role_invalid", "role",
				   "role must be admin, manager or member");
	nu.role = u->role;
	nu.active = 1;
	nu.workspace_id = a->workspace_id;
	if (auth_password_hash(password, hash))
		return fail_std(e, ERR_NOMEM, "user");
	WITH_TX(st, STORE_TX_WRITE, rc, user_create_tx(st, a, &nu, hash, e));
	if (rc == 0)
		*u = nu;
	return rc;
}

static int user_get_tx(struct store *st, const struct actor *a, int64_t id, struct user *out,
		       struct errinfo *e)
{
	return fail_std(e, st->ops->user_get(st, a->workspace_id, id, out), "user");
}

int svc_user_get(struct store *st, const struct actor *a, int64_t id, struct user *out,
		 struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, user_get_tx(st, a, id, out, e));
	return rc;
}

static int user_get_by_name_tx(struct store *st, const struct actor *a, const char *name,
			       struct user *out, struct errinfo *e)
{
	int rc = st->ops->user_get_by_name(st, a->workspace_id, name, out, NULL, 0);

	if (rc == ERR_NOTFOUND)
		return errinfo_set(e, rc, "user.not_found", "username", "no user '%.64s'", name);
	return fail_std(e, rc, "user");
}

int svc_user_get_by_name(struct store *st, const struct actor *a, const char *username,
			 struct user *out, struct errinfo *e)
{
	int rc;

	if (!username_valid(username))
		return errinfo_set(e, ERR_NOTFOUND, "user.not_found", "username", "no user '%.64s'",
				   username);
	WITH_TX(st, 0, rc, user_get_by_name_tx(st, a, username, out, e));
	return rc;
}

static int user_list_tx(struct store *st, const struct actor *a, struct user_list *out,
			struct errinfo *e)
{
	return fail_std(e, st->ops->user_list(st, a->workspace_id, out), "user");
}

int svc_user_list(struct store *st, const struct actor *a, struct user_list *out, struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, user_list_tx(st, a, out, e));
	return rc;
}

/* other_active_admins counts active admins other than id. */
static int other_active_admins(struct store *st, int64_t ws, int64_t id, int64_t *out)
{
	struct user_list l = {0};
	int rc = st->ops->user_list(st, ws, &l);

	if (rc)
		return rc;
	*out = 0;
	for (size_t i = 0; i < l.n; i++)
		*out += l.v[i].id != id && l.v[i].active && l.v[i].role == ROLE_ADMIN;
	user_list_release(&l);
	return 0;
}

static int user_update_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			  const struct user_input *in, struct user *u, struct errinfo *e)
{
	struct user before;
	int rc;

	if ((rc = user_get_tx(st, a, id, u, e)))
		return rc;
	if (if_version && if_version != u->version)
		return fail_std(e, ERR_STALE, "user");
	before = *u;
	if (in->set & USER_SET_DISPLAY &&
	    (rc = copy_text(u->display_name, sizeof(u->display_name), in->display_name, "user",
			    "display_name", 1, e)))
		return rc;
	if (in->set & USER_SET_EMAIL &&
	    (rc = copy_text(u->email, sizeof(u->email), in->email, "user", "email", 0, e)))
		return rc;
	if (in->set & USER_SET_ROLE) {
		if (in->role != ROLE_ADMIN && in->role != ROLE_MANAGER && in->role != ROLE_MEMBER)
			return errinfo_set(e, ERR_INVALID, "user.role_invalid", "role",
					   "role must be admin, manager or member");
		u->role = in->role;
	}
	if (in->set & USER_SET_ACTIVE)
		u->active = in->active ? 1 : 0;
	if (u->role != ROLE_ADMIN || !u->active) {
		int64_t others;

		if ((rc = other_active_admins(st, a->workspace_id, id, &others)))
			return fail_std(e, rc, "user");
		if (others == 0)
			return errinfo_set(e, ERR_CONFLICT, "user.last_admin", NULL,
					   "the workspace needs at least one active admin");
	}
	if ((rc = st->ops->user_update(st, u)))
		return fail_std(e, rc, "user");
	if (!u->active)
		rc = st->ops->token_delete_user(st, a->workspace_id, id, -1);
	if (rc == 0 && u->role != before.role)
		rc = svc_audit_add(st, a, "user.role", "user", id, "{s:s,s:s,s:s}", "username",
				   u->username, "from", role_name(before.role), "to",
				   role_name(u->role));
	if (rc == 0 && u->active != before.active)
		rc = svc_audit_add(st, a, u->active ? "user.enable" : "user.disable", "user", id,
				   "{s:s}", "username", u->username);
	return fail_std(e, rc, "user");
}

int svc_user_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct user_input *in, struct user *out, struct errinfo *e)
{
	struct user u;
	int rc;

	if (!is_admin_actor(a) &&
	    (a->user_id != id || (in->set & ~(unsigned)(USER_SET_DISPLAY | USER_SET_EMAIL))))
		return fail_std(e, ERR_FORBIDDEN, "user");
	WITH_TX(st, STORE_TX_WRITE, rc, user_update_tx(st, a, id, if_version, in, &u, e));
	if (rc == 0)
		*out = u;
	return rc;
}

static int passwd_read_tx(struct store *st, const struct actor *a, int64_t id, struct user *u,
			  char *hash, struct errinfo *e)
{
	int rc;

	if ((rc = user_get_tx(st, a, id, u, e)))
		return rc;
	return fail_std(
	    e, st->ops->user_get_by_name(st, a->workspace_id, u->username, u, hash, AUTH_HASH_LEN),
	    "user");
}

static int passwd_write_tx(struct store *st, const struct actor *a, int64_t id, const char *hash,
			   struct errinfo *e)
{
	struct token_list l = {0};
	int rc = st->ops->user_set_password(st, a->workspace_id, id, hash);

	/* End the user's sessions, except the one making the change. */
	if (rc == 0)
		rc = st->ops->token_list(st, a->workspace_id, id, &l);
	for (size_t i = 0; rc == 0 && i < l.n; i++)
		if (l.v[i].kind == TOKEN_SESSION && l.v[i].id != a->token_id)
			rc = st->ops->token_delete(st, a->workspace_id, l.v[i].id);
	token_list_release(&l);
	if (rc == 0)
		rc = svc_audit_add(st, a, "password.change", "user", id, "{s:b}", "self",
				   !a->system && a->user_id == id);
	return fail_std(e, rc, "user");
}

int svc_user_passwd(struct store *st, const struct actor *a, int64_t id, const char *old_password,
		    const char *new_password, struct errinfo *e)
{
	struct user u;
	char hash[AUTH_HASH_LEN];
	int rc;

	if (!is_admin_actor(a) && a->user_id != id)
		return fail_std(e, ERR_FORBIDDEN, "user");
	if ((rc = check_password(new_password, e)))
		return rc;
	WITH_TX(st, 0, rc, passwd_read_tx(st, a, id, &u, hash, e));
	if (rc)
		return rc;
	if (!is_admin_actor(a) && (!old_password || auth_password_verify(hash, old_password) != 0))
		return errinfo_set(e, ERR_FORBIDDEN, "user.old_password_wrong", "old_password",
				   "the current password is wrong");
	if (auth_password_hash(new_password, hash))
		return fail_std(e, ERR_NOMEM, "user");
	WITH_TX(st, STORE_TX_WRITE, rc, passwd_write_tx(st, a, id, hash, e));
	return rc;
}
