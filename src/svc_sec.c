/*
 * svc_sec.c - the session policy and login throttling (svc_sec.h). The
 * counting lives in the store (login_failure_*, login_known_*); the rules live
 * here, in one place, so both backends throttle alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_int.h"
#include "svc_sec.h"

static struct auth_policy g_policy = {
    .session_idle = AUTH_SESSION_IDLE_DEFAULT,
    .session_max = AUTH_SESSION_MAX_DEFAULT,
    .throttle = 1,
};

void svc_auth_policy_set(const struct auth_policy *p)
{
	g_policy = *p;
}

const struct auth_policy *svc_auth_policy(void)
{
	return &g_policy;
}

int svc_duration_parse(const char *s, long *out)
{
	char *end;
	long v, mult = 1;

	if (!s || !*s || *s < '0' || *s > '9')
		return ERR_INVALID;
	v = strtol(s, &end, 10);
	if (v < 0 || v > 10L * 365 * 24 * 3600)
		return ERR_INVALID;
	if (*end) {
		if (end[1])
			return ERR_INVALID;
		switch (*end) {
		case 's':
			break;
		case 'm':
			mult = 60;
			break;
		case 'h':
			mult = 3600;
			break;
		case 'd':
			mult = 24 * 3600;
			break;
		default:
			return ERR_INVALID;
		}
	}
	*out = v * mult;
	return 0;
}

long long ts_seconds(const char *ts)
{
	return ts_millis(ts) / 1000;
}

long long ts_millis(const char *ts)
{
	struct tm tm;
	const char *end;
	long long ms = 0;

	if (!ts || !ts[0])
		return 0;
	memset(&tm, 0, sizeof(tm));
	end = strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return 0;
	if (end[0] == '.') {
		int digits = 0;

		for (end++; *end >= '0' && *end <= '9'; end++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*end - '0');
		if (digits == 0)
			return 0;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (end[0] != 'Z' || end[1])
		return 0;
	return (long long)timegm(&tm) * 1000 + ms;
}

/* ts_at writes the RFC 3339 form of t into buf. */
static void ts_at(char buf[TS_LEN], long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, TS_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * Login failures are stamped to the millisecond, in one fixed-width form
 * (so the stamps still sort as text): a one-second delay counted in whole
 * seconds would be anything from nothing to a second.
 */
static void ts_at_ms(char buf[TS_LEN], long long ms)
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;
	size_t n;

	gmtime_r(&tt, &tm);
	n = strftime(buf, TS_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, TS_LEN - n, ".%03dZ", (int)(ms % 1000));
}

static long long now_millis(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void login_account_key(const char *slug, const char *username, char key[CAP_LOGIN_ACCOUNT + 1])
{
	snprintf(key, CAP_LOGIN_ACCOUNT + 1, "%.63s/%.64s", slug ? slug : "", username);
}

/* throttled answers ERR_THROTTLED for a wait of wait_ms, in whole seconds rounded up. */
static int throttled(struct errinfo *e, long long wait_ms, int *retry_after)
{
	long long wait = (wait_ms + 999) / 1000;

	if (wait < 1)
		wait = 1;
	*retry_after = (int)wait;
	return errinfo_set(e, ERR_THROTTLED, "auth.throttled", NULL,
			   "too many failed logins; try again in %lld seconds", wait);
}

/* check_tx applies the three rules of svc_sec.h inside one read transaction (times in ms). */
static int check_tx(struct store *st, const char *key, const char *addr, long long now,
		    int *retry_after, struct errinfo *e)
{
	struct login_failures pair, acct, by_addr;
	char since[TS_LEN], known_since[TS_LEN];
	long long wait = 0;
	int rc, known = 0;

	ts_at_ms(since, now - AUTH_WINDOW * 1000LL);
	rc = st->ops->login_failure_count(st, key, addr, since, &pair);
	if (rc)
		return fail_std(e, rc, "login");
	if (pair.count >= AUTH_PAIR_FREE) {
		long long n = pair.count - AUTH_PAIR_FREE;
		long long delay = n >= 10 ? AUTH_PAIR_DELAY_MAX : 1LL << n;

		if (delay > AUTH_PAIR_DELAY_MAX)
			delay = AUTH_PAIR_DELAY_MAX;
		wait = ts_millis(pair.last_at) + delay * 1000 - now;
		if (wait > 0)
			return throttled(e, wait, retry_after);
	}
	if ((rc = st->ops->login_failure_count(st, key, NULL, since, &acct)) ||
	    (rc = st->ops->login_failure_count(st, NULL, addr, since, &by_addr)))
		return fail_std(e, rc, "login");
	if (acct.count < AUTH_ACCOUNT_MAX && by_addr.count < AUTH_ADDR_MAX)
		return 0;
	ts_at(known_since, now / 1000 - AUTH_KNOWN_DAYS * 24LL * 3600);
	rc = st->ops->login_known_get(st, key, addr, known_since, &known);
	if (rc)
		return fail_std(e, rc, "login");
	if (known)
		return 0;
	/* Wait until the oldest failure of the full window leaves it. */
	if (acct.count >= AUTH_ACCOUNT_MAX)
		wait = ts_millis(acct.first_at) + AUTH_WINDOW * 1000LL - now;
	if (by_addr.count >= AUTH_ADDR_MAX &&
	    ts_millis(by_addr.first_at) + AUTH_WINDOW * 1000LL - now > wait)
		wait = ts_millis(by_addr.first_at) + AUTH_WINDOW * 1000LL - now;
	return throttled(e, wait, retry_after);
}

int login_throttle_check(struct store *st, const char *key, const char *addr, int *retry_after,
			 struct errinfo *e)
{
	int rc;

	if (!g_policy.throttle)
		return 0;
	WITH_TX(st, 0, rc, check_tx(st, key, addr, now_millis(), retry_after, e));
	return rc;
}

static int fail_tx(struct store *st, const char *key, const char *addr)
{
	char now[TS_LEN], prune[TS_LEN];
	long long t = now_millis();

	ts_at_ms(now, t);
	ts_at_ms(prune, t - AUTH_WINDOW * 1000LL);
	return st->ops->login_failure_add(st, key, addr, now, prune);
}

int login_throttle_fail(struct store *st, const char *key, const char *addr)
{
	int rc;

	if (!g_policy.throttle)
		return 0;
	WITH_TX(st, STORE_TX_ROWS, rc, fail_tx(st, key, addr));
	return rc;
}

static int ok_tx(struct store *st, const char *key, const char *addr)
{
	char now[TS_LEN];
	int rc;

	store_now(now);
	rc = st->ops->login_failure_clear(st, key, addr);
	if (rc == 0)
		rc = st->ops->login_known_add(st, key, addr, now);
	return rc;
}

int login_throttle_ok(struct store *st, const char *key, const char *addr)
{
	int rc;

	if (!g_policy.throttle)
		return 0;
	WITH_TX(st, STORE_TX_ROWS, rc, ok_tx(st, key, addr));
	return rc;
}
