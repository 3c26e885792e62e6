/*
 * money.h - amounts, currencies and the article's expected-revenue rule.
 *
 * Money is an int64_t count of the currency's minor unit plus an ISO 4217
 * code; the number of minor digits comes from the currency (TWD and USD: 2,
 * JPY: 0). This is the one place that rounds: nothing else multiplies money.
 */
#ifndef LITECRM_MONEY_H
#define LITECRM_MONEY_H

#include <stddef.h>
#include <stdint.h>

/* The largest amount accepted, in minor units: 10^15 (10^13 TWD). */
#define MONEY_MAX INT64_C(1000000000000000)

/*
 * money_digits returns the minor-unit digits of an ISO 4217 code (0-3), or -1
 * when litecrm does not know the code.
 */
int money_digits(const char *currency);

/*
 * money_expected returns amount x probability / 100 rounded half away from
 * zero to the minor unit. amount must be within +-MONEY_MAX and probability
 * within 0-100, so the product cannot overflow.
 */
int64_t money_expected(int64_t amount, int probability);

/*
 * money_parse reads a decimal amount in major units ("1234.56", "1234",
 * "-3") into minor units of a currency with the given digits. It refuses
 * more fraction digits than the currency has, anything that is not a plain
 * decimal, and magnitudes over MONEY_MAX. Returns 0 or ERR_INVALID.
 */
int money_parse(const char *s, int digits, int64_t *out);

/*
 * money_format writes amount (minor units) as a plain decimal in major units
 * into buf: "1234.56", "125000" (no fraction when it is zero), "-0.5".
 * Returns the length written (buf must hold at least 32 bytes).
 */
int money_format(int64_t amount, int digits, char *buf, size_t bufsz);

/*
 * money_format_grouped is money_format with thousands separators
 * ("2,358,000"), for people to read.
 */
int money_format_grouped(int64_t amount, int digits, char *buf, size_t bufsz);

#endif
