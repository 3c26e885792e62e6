/*
 * svc.h - the operations of litecrm: the one set of calls behind both front
 * doors (the HTTP API in api.c, the CLI in cli_*.c).
 *
 * Each call takes the store (one connection), the actor making the request,
 * and an errinfo to fill on failure. It checks the input, checks the actor's
 * rights (roles and the workspace's visibility setting), runs its reads or
 * its writes in one transaction (writes BEGIN IMMEDIATE, retried a bounded
 * number of times on ERR_RETRY), and returns 0 or a negative enum err.
 *
 * Visibility: an object the actor may not read is ERR_FORBIDDEN when the
 * actor asked for it by id and it exists in the workspace; lists, counts and
 * reports simply never contain it. Rows of another workspace are
 * ERR_NOTFOUND: they do not exist for the caller.
 */
#ifndef LITECRM_SVC_H
#define LITECRM_SVC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "model.h"
#include "store.h"

/* Who is calling. The CLI acts as the operator (system = 1): full rights. */
struct actor {
	int64_t workspace_id;
	int64_t user_id; /* 0 for the operator */
	enum role role;
	int system;
	int64_t token_id; /* the session or API token used, 0 for the CLI */
	enum token_kind token_kind;
	char addr[CAP_LOGIN_ADDR + 1]; /* the client address for the audit log; "" is "cli" */
};

/* actor_system returns the operator of workspace ws (the CLI's identity). */
struct actor actor_system(int64_t ws);

/*
 * svc_batch_begin opens one write transaction that the svc calls made until
 * svc_batch_end() join, so that a multi-row change (an import) is all or
 * nothing. svc_batch_end commits when rc is 0, else rolls back, and returns
 * the final status. Calls inside a batch are not retried.
 */
int svc_batch_begin(struct store *st, struct errinfo *e);
int svc_batch_end(struct store *st, int rc, struct errinfo *e);
/*
 * svc_bulk_begin is svc_batch_begin for a bulk write (an import) of about
 * rows records: the store may defer per-row upkeep (store_ops.bulk_hint),
 * which svc_batch_end then completes before the commit.
 */
int svc_bulk_begin(struct store *st, size_t rows, struct errinfo *e);
/*
 * svc_read_begin opens one read transaction that the read-only svc calls
 * made until svc_read_end() join: a request's authentication and its read
 * then cost one transaction and see one snapshot. A call that writes (a
 * session's touch, a batch) or a read that fails first ends it and then
 * runs as it would outside. 0, or the store's error (nothing is open then).
 */
int svc_read_begin(struct store *st);
void svc_read_end(struct store *st);

/*
 * svc_group_begin opens a group (store_ops.group_begin): the transactions of
 * the calls that follow, each with its own outcome and retries, are written
 * together by svc_group_end(st, 1), or not at all when it fails. It returns
 * ERR_INVALID when the store has no groups or a transaction is open.
 */
int svc_group_begin(struct store *st);
int svc_group_end(struct store *st, int commit);

/* ---- workspaces ---- */

/*
 * svc_workspace_find finds a workspace by slug; NULL or "" finds the first
 * one. For the CLI and logins: no rights are checked.
 */
int svc_workspace_find(struct store *st, const char *slug, struct workspace *out,
		       struct errinfo *e);

/*
 * svc_workspace_create creates a workspace with the default pipeline and a
 * first admin user (username, password). w->slug, w->name, w->currency and
 * w->language must be set; w->id and the admin's id are written back.
 */
int svc_workspace_create(struct store *st, struct workspace *w, const char *admin_username,
			 const char *admin_password, struct user *admin_out, struct errinfo *e);
int svc_workspace_get(struct store *st, const struct actor *a, struct workspace *out,
		      struct errinfo *e);

/* Settings patch: a field is applied when its bit is set in .set. */
enum {
	WS_SET_NAME = 1 << 0,
	WS_SET_CURRENCY = 1 << 1,
	WS_SET_LANGUAGE = 1 << 2,
	WS_SET_VISIBILITY = 1 << 3
};
struct workspace_input {
	unsigned set;
	char name[CAP_NAME + 1];
	char currency[4];
	char language[6];
	int members_see_all;
};
/* Admin only. if_version 0 skips the version check (CLI); otherwise ERR_STALE on mismatch. */
int svc_workspace_update(struct store *st, const struct actor *a, int64_t if_version,
			 const struct workspace_input *in, struct workspace *out,
			 struct errinfo *e);

/* ---- authentication ---- */

/* Length of a token's secret as text (base64url of 32 bytes, plus NUL). */
#define TOKEN_TEXT_LEN 48

/*
 * svc_login checks username/password in workspace slug ws_slug (NULL or ""
 * means the first workspace), creates a session token and writes its secret
 * text into secret_out. Slow by design (argon2id): never call it on an HTTP
 * event thread. Wrong user, wrong password and inactive user all return
 * ERR_UNAUTH with the same message.
 */
int svc_login(struct store *st, const char *ws_slug, const char *username, const char *password,
	      char secret_out[TOKEN_TEXT_LEN], struct user *user_out, struct errinfo *e);

/* svc_authenticate resolves a token secret into an actor; ERR_UNAUTH when unknown/expired. */
int svc_authenticate(struct store *st, const char *secret, struct actor *out, struct errinfo *e);

/* svc_logout ends the session (or revokes the API token) the actor used. */
int svc_logout(struct store *st, const struct actor *a, struct errinfo *e);

/* svc_token_create makes a personal API token for the actor; the secret is shown once. */
int svc_token_create(struct store *st, const struct actor *a, const char *name,
		     char secret_out[TOKEN_TEXT_LEN], struct token *out, struct errinfo *e);
int svc_token_list(struct store *st, const struct actor *a, struct token_list *out,
		   struct errinfo *e);
int svc_token_delete(struct store *st, const struct actor *a, int64_t id, struct errinfo *e);

/* svc_csrf_token derives the CSRF token of a session secret into out (hex, 65 bytes). */
void svc_csrf_token(const char *secret, char out[65]);

/* ---- users ---- */

/* svc_user_create: admin only. Password at least 8 characters. */
int svc_user_create(struct store *st, const struct actor *a, struct user *u, const char *password,
		    struct errinfo *e);
int svc_user_get(struct store *st, const struct actor *a, int64_t id, struct user *out,
		 struct errinfo *e);
/* svc_user_get_by_name: same rights as svc_user_get. */
int svc_user_get_by_name(struct store *st, const struct actor *a, const char *username,
			 struct user *out, struct errinfo *e);
int svc_user_list(struct store *st, const struct actor *a, struct user_list *out,
		  struct errinfo *e);

enum {
	USER_SET_DISPLAY = 1 << 0,
	USER_SET_EMAIL = 1 << 1,
	USER_SET_ROLE = 1 << 2,
	USER_SET_ACTIVE = 1 << 3
};
struct user_input {
	unsigned set;
	char display_name[CAP_NAME + 1];
	char email[CAP_EMAIL + 1];
	enum role role;
	int active;
};
/* Admin, or the user themself for display name and email only. */
int svc_user_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct user_input *in, struct user *out, struct errinfo *e);
/*
 * svc_user_passwd sets a new password: admins for anyone, users for
 * themselves (old_password required then). Ends the user's other sessions.
 */
int svc_user_passwd(struct store *st, const struct actor *a, int64_t id, const char *old_password,
		    const char *new_password, struct errinfo *e);

/* ---- pipeline stages ---- */

int svc_stage_list(struct store *st, const struct actor *a, struct stage_list *out,
		   struct errinfo *e);
/* svc_stage_get finds a stage by key, zh-TW name, English name or decimal id. */
int svc_stage_find(struct store *st, const struct actor *a, const char *ref, struct stage *out,
		   struct errinfo *e);

enum {
	STAGE_SET_KEY = 1 << 0,
	STAGE_SET_NAME_ZH = 1 << 1,
	STAGE_SET_NAME_EN = 1 << 2,
	STAGE_SET_GUIDANCE = 1 << 3,
	STAGE_SET_PROBABILITY = 1 << 4,
	STAGE_SET_KIND = 1 << 5,
	STAGE_SET_POSITION = 1 << 6,
	STAGE_SET_STALLED = 1 << 7 /* reports: stalled_days 1-3650; -1 or PROBABILITY_NONE clear */
};
struct stage_input {
	unsigned set;
	char key[CAP_KEY + 1];
	char name_zh[CAP_NAME + 1];
	char name_en[CAP_NAME + 1];
	char guidance[CAP_GUIDANCE + 1];
	int probability;
	enum stage_kind kind;
	int position;
	int stalled_days; /* reports and history */
};
/* Admins shape the pipeline; managers may change only probabilities. */
int svc_stage_create(struct store *st, const struct actor *a, const struct stage_input *in,
		     struct stage *out, struct errinfo *e);
int svc_stage_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		     const struct stage_input *in, struct stage *out, struct errinfo *e);
/* ERR_INUSE while deals are in the stage. */
int svc_stage_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		     struct errinfo *e);
/* svc_stage_reorder: ids lists every stage of the pipeline in its new order. */
int svc_stage_reorder(struct store *st, const struct actor *a, const int64_t *ids, size_t n,
		      struct errinfo *e);

/* ---- companies and contacts ---- */

enum { COMPANY_SET_NAME = 1 << 0, COMPANY_SET_WEBSITE = 1 << 1, COMPANY_SET_PHONE = 1 << 2 };
struct company_input {
	unsigned set;
	char name[CAP_NAME + 1];
	char website[CAP_NAME + 1];
	char phone[CAP_PHONE + 1];
};
/* Anyone may create a company; names are unique per workspace after trimming (ERR_CONFLICT). */
int svc_company_create(struct store *st, const struct actor *a, const struct company_input *in,
		       struct company *out, struct errinfo *e);
int svc_company_get(struct store *st, const struct actor *a, int64_t id, struct company *out,
		    struct errinfo *e);
int svc_company_list(struct store *st, const struct actor *a, struct company_filter *f,
		     struct company_list *out, struct errinfo *e);
/* Managers and admins. */
int svc_company_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       const struct company_input *in, struct company *out, struct errinfo *e);
/* Managers and admins; ERR_INUSE while the company has deals. */
int svc_company_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       struct errinfo *e);

enum {
	CONTACT_SET_COMPANY = 1 << 0,
	CONTACT_SET_NAME = 1 << 1,
	CONTACT_SET_TITLE = 1 << 2,
	CONTACT_SET_PHONE = 1 << 3,
	CONTACT_SET_EMAIL = 1 << 4
};
struct contact_input {
	unsigned set;
	int64_t company_id;
	char name[CAP_NAME + 1];
	char title[CAP_NAME + 1];
	char phone[CAP_PHONE + 1];
	char email[CAP_EMAIL + 1];
};
/* Contacts follow their company's visibility; writers are managers, admins, or a
 * member who owns a deal of the company. */
int svc_contact_create(struct store *st, const struct actor *a, const struct contact_input *in,
		       struct contact *out, struct errinfo *e);
int svc_contact_get(struct store *st, const struct actor *a, int64_t id, struct contact *out,
		    struct errinfo *e);
int svc_contact_list(struct store *st, const struct actor *a, int64_t company_id,
		     struct contact_list *out, struct errinfo *e);
int svc_contact_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       const struct contact_input *in, struct contact *out, struct errinfo *e);
int svc_contact_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       struct errinfo *e);

/* ---- deals ---- */

enum {
	DEAL_SET_COMPANY = 1 << 0, /* company_id, or company (a name: found or created) */
	DEAL_SET_NAME = 1 << 1,
	DEAL_SET_AMOUNT = 1 << 2, /* amount in minor units of currency */
	DEAL_SET_CURRENCY = 1 << 3,
	DEAL_SET_STAGE = 1 << 4,       /* stage_id, or stage (key, zh-TW or English name) */
	DEAL_SET_PROBABILITY = 1 << 5, /* probability 0-100, or PROBABILITY_NONE to clear */
	DEAL_SET_OWNER = 1 << 6,       /* owner_id, or owner (a username) */
	DEAL_SET_CLOSE_DATE = 1 << 7,  /* "" clears it */
	DEAL_SET_NEXT_STEP = 1 << 8
};
/* deal_input.probability that clears the deal's override (the stage's applies). */
#define PROBABILITY_NONE (-1000)

struct deal_input {
	unsigned set;
	int64_t company_id;
	char company[CAP_NAME + 1];
	char name[CAP_NAME + 1];
	int64_t amount;
	char currency[4]; /* empty: the workspace's */
	int64_t stage_id;
	char stage[CAP_NAME + 1];
	int probability;
	int64_t owner_id;
	char owner[CAP_USERNAME + 1];
	char close_date[DATE_LEN];
	char next_step[CAP_NEXTSTEP + 1];
};

/*
 * svc_deal_create: company, name and stage are required (stage defaults to
 * the first open stage); a member's deal is always their own; managers and
 * admins may set any active owner (recorded as assigned by them). The first
 * history row (from 0 to the stage) is written with the deal.
 */
int svc_deal_create(struct store *st, const struct actor *a, const struct deal_input *in,
		    struct deal *out, struct errinfo *e);
int svc_deal_get(struct store *st, const struct actor *a, int64_t id, struct deal *out,
		 struct errinfo *e);
/* svc_deal_list applies visibility and caps f->limit at 500 (default 50). */
int svc_deal_list(struct store *st, const struct actor *a, struct deal_filter *f, int count_total,
		  struct deal_list *out, struct errinfo *e);
/*
 * svc_deal_update applies a patch under optimistic concurrency: if_version
 * must equal the deal's version (ERR_STALE otherwise; 0 skips the check, for
 * the CLI). A stage change writes one history row; an owner change needs a
 * manager or admin and records who assigned it.
 */
int svc_deal_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct deal_input *in, struct deal *out, struct errinfo *e);
int svc_deal_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    struct errinfo *e);
int svc_deal_history(struct store *st, const struct actor *a, int64_t id, struct history_list *out,
		     struct errinfo *e);

/* ---- reports ---- */

/* The won, lost and open totals of a set of deals. */
struct summary_totals {
	int64_t won_count, won_amount;
	int64_t lost_count, lost_amount;
	int64_t open_count, open_amount, open_expected;
};

/* One owner's totals in a summary by owner. */
struct owner_summary {
	int64_t owner_id;
	char username[CAP_USERNAME + 1];
	char display_name[CAP_NAME + 1];
	struct summary_totals t;
};

struct summary {
	char currency[4];
	int digits; /* minor-unit digits of currency */
	int64_t won_count, won_amount;
	int64_t lost_count, lost_amount;
	int64_t open_count, open_amount, open_expected;
	struct stage_list stages;     /* every stage, in order */
	struct stage_sum *sums;	      /* sums[i] belongs to stages.v[i] */
	struct owner_summary *owners; /* svc_summary_owners: owners with deals, users' order */
	size_t nowners;
};
/*
 * svc_summary computes the article's dashboard for the deals the actor may
 * see, filtered by f->owner_id and f->close_from/close_to. Release with
 * summary_release().
 */
int svc_summary(struct store *st, const struct actor *a, const struct deal_filter *f,
		struct summary *out, struct errinfo *e);
/*
 * svc_summary_owners is svc_summary plus, in out->owners, the totals of each
 * owner with deals under f that the actor may see (a member who sees only
 * her own deals gets her own row), read in the same transaction.
 */
int svc_summary_owners(struct store *st, const struct actor *a, const struct deal_filter *f,
		       struct summary *out, struct errinfo *e);
void summary_release(struct summary *s);

/* ---- the board ---- */

/* One board column: the first cards (newest first) and whether more follow. */
struct board_column {
	struct board_card_list cards;
	int more;
};

struct board {
	struct summary sum;	   /* stages and their figures under the filter (svc_summary) */
	struct board_column *cols; /* cols[i] belongs to sum.stages.v[i] */
	int64_t now;		   /* stalled days count to this (svc_report_now) */
	char today[DATE_LEN];	   /* a card closing before it is overdue */
	int64_t paging;		   /* the stage of the one column read (after): no figures */
};
/* The cards a board column shows at once, by default and at most. */
#define BOARD_LIMIT_DEFAULT 50
#define BOARD_LIMIT_MAX	    200
/*
 * svc_board reads the board under a deal-list filter in one read transaction:
 * every stage, its figures (as svc_summary's under f) and its first limit
 * cards the actor may see. With after > 0 it pages one column instead:
 * f->stage_id's cards below that id, without the figures (after needs a
 * stage). Release with board_release().
 */
int svc_board(struct store *st, const struct actor *a, const struct deal_filter *f, int64_t after,
	      int limit, struct board *out, struct errinfo *e);
void board_release(struct board *b);

/* ---- saved views (svc_view.c) ---- */

/*
 * A saved view is a named deal-list filter. Its owner sees and edits it; a
 * shared view is visible to everyone in the workspace, and managers and
 * admins may also edit or delete it. Names are unique per owner
 * (view.duplicate). filter is the caller's text (the API keeps a JSON object
 * of deal-list parameters there); svc only checks its length.
 */
enum { VIEW_SET_NAME = 1 << 0, VIEW_SET_SHARED = 1 << 1, VIEW_SET_FILTER = 1 << 2 };
struct view_input {
	unsigned set;
	char name[CAP_NAME + 1];
	int shared;
	char filter[CAP_VIEW_FILTER + 1];
};
int svc_view_create(struct store *st, const struct actor *a, const struct view_input *in,
		    struct saved_view *out, struct errinfo *e);
int svc_view_get(struct store *st, const struct actor *a, int64_t id, struct saved_view *out,
		 struct errinfo *e);
/* svc_view_list gives the actor's own views and every shared view; release the list. */
int svc_view_list(struct store *st, const struct actor *a, struct saved_view_list *out,
		  struct errinfo *e);
int svc_view_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct view_input *in, struct saved_view *out, struct errinfo *e);
int svc_view_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    struct errinfo *e);

#endif
