/*
 * svc_sec.h - the security rules of the operations: the session
 * policy (idle and absolute expiry) and login throttling. svc.c's login and
 * authentication call these; `litecrm serve` sets the policy once at start.
 *
 * Throttling. Failed logins are counted for an hour by account key (the
 * workspace slug and the username as typed, so an unknown username throttles
 * exactly like a real one) and by client address:
 *  - per (account, address): the first AUTH_PAIR_FREE failures are free, then
 *    each next attempt must wait 2^(n - free) seconds after the last failure,
 *    at most AUTH_PAIR_DELAY_MAX: strict, and it only slows that one address;
 *  - per account: at most AUTH_ACCOUNT_MAX failures an hour from addresses the
 *    account has not logged in from successfully in the last 30 days; an
 *    address it has (a known-good address) still gets in, so an attacker
 *    cannot lock a real user out from their usual place;
 *  - per address: at most AUTH_ADDR_MAX failures an hour over all accounts
 *    (password spraying), again except for known-good (account, address) pairs.
 * A refused attempt is ERR_THROTTLED (429 auth.throttled) with the seconds to
 * wait; the password is then not checked at all.
 */
#ifndef LITECRM_SVC_SEC_H
#define LITECRM_SVC_SEC_H

#include "svc.h"

#define AUTH_PAIR_FREE	    5
#define AUTH_PAIR_DELAY_MAX 900
#define AUTH_ACCOUNT_MAX    100
#define AUTH_ADDR_MAX	    300
#define AUTH_WINDOW	    3600
#define AUTH_KNOWN_DAYS	    30

struct auth_policy {
	long session_idle; /* seconds a session may stay unused; 0: no idle expiry */
	long session_max;  /* seconds a session lasts at most from login */
	int throttle;	   /* 0 turns throttling off (never in production) */
};

/* The defaults: idle 12 hours, absolute 7 days, throttling on. */
#define AUTH_SESSION_IDLE_DEFAULT (12L * 3600)
#define AUTH_SESSION_MAX_DEFAULT  (7L * 24 * 3600)

/* svc_auth_policy_set replaces the policy; call before any thread serves. */
void svc_auth_policy_set(const struct auth_policy *p);
/* svc_auth_policy returns the policy in force. */
const struct auth_policy *svc_auth_policy(void);

/*
 * svc_duration_parse reads "90", "90s", "15m", "12h" or "7d" into seconds.
 * Returns 0, or ERR_INVALID.
 */
int svc_duration_parse(const char *s, long *out);

/*
 * svc_login_from is svc_login() from client address addr (NULL or "" when
 * unknown): it applies the throttle, and on ERR_THROTTLED writes the seconds
 * to wait into *retry_after.
 */
int svc_login_from(struct store *st, const char *ws_slug, const char *username,
		   const char *password, const char *addr, char secret_out[TOKEN_TEXT_LEN],
		   struct user *user_out, int *retry_after, struct errinfo *e);

/* ---- for svc.c ---- */

/* login_account_key writes the throttle key of (slug, username) into key. */
void login_account_key(const char *slug, const char *username, char key[CAP_LOGIN_ACCOUNT + 1]);
/*
 * login_throttle_check: 0 when an attempt of key from addr may proceed, or
 * ERR_THROTTLED with e filled and *retry_after set (or a store error).
 */
int login_throttle_check(struct store *st, const char *key, const char *addr, int *retry_after,
			 struct errinfo *e);
/* login_throttle_fail records a failed attempt; login_throttle_ok a successful one. */
int login_throttle_fail(struct store *st, const char *key, const char *addr);
int login_throttle_ok(struct store *st, const char *key, const char *addr);

/*
 * ts_seconds and ts_millis read an RFC 3339 UTC time "YYYY-MM-DDTHH:MM:SSZ",
 * with or without a fraction of a second ("…:SS.125Z"); 0 when empty or bad.
 */
long long ts_seconds(const char *ts);
long long ts_millis(const char *ts);

#endif
