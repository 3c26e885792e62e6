/*
 * text.h - checks and small transformations of UTF-8 text and dates.
 */
#ifndef LITECRM_TEXT_H
#define LITECRM_TEXT_H

#include <stddef.h>

/* utf8_valid: 1 when s[0..len) is well-formed UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t len);

/*
 * text_trim_copy copies s into dst (size dstsz) without leading and trailing
 * ASCII white space and U+3000. Returns 0, or ERR_TOOBIG when the trimmed text
 * does not fit (dst is then unchanged), or ERR_INVALID for invalid UTF-8.
 */
int text_trim_copy(char *dst, size_t dstsz, const char *s);

/* date_valid: 1 when s is a real calendar date "YYYY-MM-DD" (years 1900-9999). */
int date_valid(const char *s);

/* date_today writes today's UTC date "YYYY-MM-DD" into buf[11]. */
void date_today(char buf[11]);

/* username_valid: 1 when s is 1-64 of [A-Za-z0-9._-]. */
int username_valid(const char *s);

#endif
