/*
 * test_sec.c - reading the stored times the login throttle counts with:
 * whole seconds and milliseconds, and what is refused.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "svc_sec.h"

Test(sec, times_in_seconds_and_milliseconds)
{
	cr_expect_eq(ts_seconds("1970-01-01T00:00:00Z"), 0);
	cr_expect_eq(ts_seconds("2026-11-27T09:18:43Z"), 1795771123LL);
	cr_expect_eq(ts_millis("2026-11-27T09:18:43Z"), 1795771123000LL);
	cr_expect_eq(ts_millis("2026-11-27T09:18:43.125Z"), 1795771123125LL);
	cr_expect_eq(ts_millis("2026-11-27T09:18:43.5Z"), 1795771123500LL);
	cr_expect_eq(ts_millis("2026-11-27T09:18:43.123456Z"), 1795771123123LL);
	cr_expect_eq(ts_seconds("2026-11-27T09:18:43.999Z"), 1795771123LL);
}

Test(sec, bad_times_read_as_zero)
{
	cr_expect_eq(ts_millis(NULL), 0);
	cr_expect_eq(ts_millis(""), 0);
	cr_expect_eq(ts_millis("2026-11-27T09:18:43"), 0);
	cr_expect_eq(ts_millis("2026-11-27T09:18:43.Z"), 0);
	cr_expect_eq(ts_millis("2026-11-27T09:18:43.1Zx"), 0);
	cr_expect_eq(ts_millis("2026-11-27 09:18:43Z"), 0);
}

Test(sec, millisecond_stamps_sort_as_text)
{
	/* the fixed-width form keeps text order equal to time order */
	cr_expect_lt(strcmp("2026-11-27T09:18:43.999Z", "2026-11-27T09:18:44.000Z"), 0);
	cr_expect_lt(ts_millis("2026-11-27T09:18:43.999Z"), ts_millis("2026-11-27T09:18:44.000Z"));
}
