/*
 * svc_int.h - helpers shared by the svc_*.c files; not for the front doors.
 */
#ifndef LITECRM_SVC_INT_H
#define LITECRM_SVC_INT_H

#include "svc.h"

/* How many times a write transaction is retried on ERR_RETRY. */
#define TX_RETRIES 8

/*
 * WITH_TX runs `call` (an expression giving an int status) inside a
 * transaction, committing on 0 and rolling back otherwise, and retries the
 * whole transaction on ERR_RETRY. rc receives the final status. Inside a
 * batch (svc_batch_begin) the call joins the batch's transaction instead.
 * Inside a read scope (svc_read_begin) a read joins the open transaction;
 * a write, or a read that failed, ends the scope first and then runs alone
 * (a read only again on ERR_RETRY).
 */
#define WITH_TX(st, write, rc, call)                                                               \
	do {                                                                                       \
		if ((st)->batch) {                                                                 \
			(rc) = (call);                                                             \
			break;                                                                     \
		}                                                                                  \
		if ((st)->read_scope) {                                                            \
			if (!(write) && ((rc) = (call)) == 0)                                      \
				break;                                                             \
			svc_read_end(st);                                                          \
			if (!(write) && (rc) != ERR_RETRY)                                         \
				break;                                                             \
		}                                                                                  \
		for (int tries_ = 0;; tries_++) {                                                  \
			(rc) = (st)->ops->begin((st), (write));                                    \
			if ((rc) == 0)                                                             \
				(rc) = tx_finish((st), (call));                                    \
			if ((rc) != ERR_RETRY || tries_ >= TX_RETRIES)                             \
				break;                                                             \
			tx_pause(tries_);                                                          \
		}                                                                                  \
	} while (0)

/*
 * row_raced maps the status of a version-guarded write of a row read earlier
 * in the same STORE_TX_ROWS transaction: ERR_STALE without a version from
 * the caller (if_version 0) means another write committed in between, and
 * the transaction runs again (ERR_RETRY) on the row as it is then. Other
 * statuses pass unchanged.
 */
int row_raced(int rc, int64_t if_version);

/* tx_finish commits when rc is 0, else rolls back; returns the final status. */
int tx_finish(struct store *st, int rc);
/* tx_pause sleeps a little longer after each failed try. */
void tx_pause(int tries);

/* is_privileged: the operator, admins and managers see and edit every deal. */
int is_privileged(const struct actor *a);

/* is_admin_actor: the operator and admins. */
int is_admin_actor(const struct actor *a);

/*
 * fail_std fills e for a status the caller has no better words for (database
 * and retry failures) and returns rc unchanged. entity names the subject.
 */
int fail_std(struct errinfo *e, int rc, const char *entity);

/*
 * copy_text checks s (valid UTF-8, trimmed, at most dstsz-1 bytes) into dst.
 * On failure it fills e with "<entity>.<field>_invalid" or "_too_long".
 * required: an empty result is "<entity>.<field>_required".
 */
int copy_text(char *dst, size_t dstsz, const char *s, const char *entity, const char *field,
	      int required, struct errinfo *e);

/* load_ws reads the actor's workspace. */
int load_ws(struct store *st, const struct actor *a, struct workspace *w, struct errinfo *e);

/* deal_visible: 1 when a may read d under workspace w's setting. */
int deal_visible(const struct actor *a, const struct workspace *w, const struct deal *d);
/* deal_writable: 1 when a may change d. */
int deal_writable(const struct actor *a, const struct deal *d);

/* company_visible: 0 when visible, ERR_FORBIDDEN when not, or a store error. */
int company_visible(struct store *st, const struct actor *a, const struct workspace *w,
		    int64_t company_id);

#endif
