/*
 * svc_audit.h - the audit log and the deal trash, as operations.
 *
 * The audit log records who did what, when and from where: logins, failed
 * logins, logouts, user, role, password and token changes, workspace
 * settings, stage changes, exports, deletions, restores, purges and bulk
 * imports (SECURITY.md lists every action code). svc_audit_add() writes a
 * row inside the transaction of the change it records, so a change rolled
 * back leaves no row; failed logins and exports, which change nothing, are
 * recorded in a transaction of their own. Only admins read the log.
 *
 * The trash: deleting a deal moves it out of every list, board, search,
 * report, summary and export (store.h, deal_trash). Admins and managers may
 * restore any trashed deal, a member the deals they own; only admins purge
 * one for good. Entries older than TRASH_KEEP_DAYS are purged when the trash
 * is next read or written (svc_trash_sweep); times come from svc_audit_now().
 */
#ifndef LITECRM_SVC_AUDIT_H
#define LITECRM_SVC_AUDIT_H

#include "svc.h"

#define TRASH_KEEP_DAYS	   30
#define AUDIT_PAGE_MAX	   500
#define AUDIT_PAGE_DEFAULT 100

/*
 * svc_audit_now writes the time the audit log and the trash go by into ts:
 * override when not NULL or empty (the CLI's --now), else $LITECRM_NOW when
 * set (tests), else the current time; all RFC 3339 UTC.
 */
void svc_audit_now(const char *override, char ts[TS_LEN]);

/*
 * svc_audit_add records action by a on target (type "" and id 0 when none)
 * inside the caller's open write transaction. detail_fmt is a jansson
 * json_pack format for an object (NULL: {}), followed by its values. Returns
 * 0 or the store's error, which must roll the change back.
 */
int svc_audit_add(struct store *st, const struct actor *a, const char *action,
		  const char *target_type, int64_t target_id, const char *detail_fmt, ...);

/* svc_audit_event is svc_audit_add in a transaction of its own (exports). */
int svc_audit_event(struct store *st, const struct actor *a, const char *action,
		    const char *target_type, int64_t target_id, struct errinfo *e,
		    const char *detail_fmt, ...);

/*
 * svc_audit_login_failed records a failed login to workspace ws from addr:
 * user_id 0 when no such user; username as typed (kept in the detail); why
 * one of "password", "disabled", "unknown_user", "throttled". Best effort,
 * in its own transaction: it never changes the answer the caller gives.
 */
void svc_audit_login_failed(struct store *st, int64_t ws, int64_t user_id, const char *username,
			    const char *addr, const char *why);

/* svc_audit_list reads the log (admins only), newest first; f->limit is capped. */
int svc_audit_list(struct store *st, const struct actor *a, struct audit_filter *f,
		   struct audit_list *out, struct errinfo *e);

/*
 * svc_trash_list purges what expired at `now` (NULL: svc_audit_now) and
 * reads the trash: every entry for admins and managers, a member's own
 * deals otherwise.
 */
int svc_trash_list(struct store *st, const struct actor *a, const char *now, struct trash_list *out,
		   struct errinfo *e);
/*
 * svc_deal_restore moves deal id back out of the trash with its history,
 * field changes and citations; out (may be NULL) receives it.
 * trash.not_found (404) when it is not in the trash (or expired),
 * trash.restore_conflict (409) when its company or stage is gone or its
 * external id was taken meanwhile.
 */
int svc_deal_restore(struct store *st, const struct actor *a, int64_t id, const char *now,
		     struct deal *out, struct errinfo *e);
/* svc_trash_purge deletes trashed deal id for good (admins only). */
int svc_trash_purge(struct store *st, const struct actor *a, int64_t id, const char *now,
		    struct errinfo *e);
/*
 * svc_trash_sweep purges every trashed deal of the actor's workspace deleted
 * more than TRASH_KEEP_DAYS before now, each recorded as deal.purge with
 * {"expired":true}; *purged (may be NULL) receives how many.
 */
int svc_trash_sweep(struct store *st, const struct actor *a, const char *now, int64_t *purged,
		    struct errinfo *e);

/*
 * trash_sweep_tx is svc_trash_sweep inside the caller's open write
 * transaction (svc_deal.c sweeps on every delete).
 */
int trash_sweep_tx(struct store *st, const struct actor *a, const char *now, struct errinfo *e);

/* trash_cutoff writes now minus TRASH_KEEP_DAYS into out; ERR_INVALID when now is no time. */
int trash_cutoff(const char *now, char out[TS_LEN]);

#endif
