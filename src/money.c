/*
 * money.c - currency digits, parsing and formatting of amounts, and the
 * expected-revenue rounding rule.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "money.h"

/* ISO 4217 codes litecrm accepts, with their minor-unit digits; sorted (money_digits bisects). */
static const struct {
	const char code[4];
	int digits;
} currencies[] = {
    {"AUD", 2}, {"BHD", 3}, {"BRL", 2}, {"CAD", 2}, {"CHF", 2}, {"CNY", 2}, {"CZK", 2},
    {"DKK", 2}, {"EUR", 2}, {"GBP", 2}, {"HKD", 2}, {"IDR", 2}, {"ILS", 2}, {"INR", 2},
    {"ISK", 0}, {"JPY", 0}, {"KRW", 0}, {"KWD", 3}, {"MOP", 2}, {"MXN", 2}, {"MYR", 2},
    {"NOK", 2}, {"NZD", 2}, {"PHP", 2}, {"PLN", 2}, {"SEK", 2}, {"SGD", 2}, {"THB", 2},
    {"TRY", 2}, {"TWD", 2}, {"USD", 2}, {"VND", 0}, {"ZAR", 2},
};

int money_digits(const char *currency)
{
	size_t lo = 0, hi = sizeof(currencies) / sizeof(currencies[0]);

	if (!currency)
		return -1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(currencies[mid].code, currency);

		if (c == 0)
			return currencies[mid].digits;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int64_t money_expected(int64_t amount, int probability)
{
	int64_t p = amount * probability;

	/* Integer division truncates toward zero; add half first to round away. */
	if (p >= 0)
		return (p + 50) / 100;
	return (p - 50) / 100;
}

static int64_t pow10i(int digits)
{
	int64_t r = 1;

	while (digits-- > 0)
		r *= 10;
	return r;
}

int money_parse(const char *s, int digits, int64_t *out)
{
	int neg = 0, fdigits = 0, seen_digit = 0;
	int64_t whole = 0, frac = 0;
	const char *p = s;

	if (!s || digits < 0)
		return ERR_INVALID;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++) {
		seen_digit = 1;
		whole = whole * 10 + (*p - '0');
		if (whole > MONEY_MAX)
			return ERR_INVALID;
	}
	if (*p == '.') {
		p++;
		for (; *p >= '0' && *p <= '9'; p++) {
			seen_digit = 1;
			if (++fdigits > digits) {
				if (*p != '0')
					return ERR_INVALID;
				continue; /* trailing zeros beyond the minor unit are harmless */
			}
			frac = frac * 10 + (*p - '0');
		}
	}
	if (*p != '\0' || !seen_digit)
		return ERR_INVALID;
	if (fdigits > digits)
		fdigits = digits;
	frac *= pow10i(digits - fdigits);
	if (whole > MONEY_MAX / pow10i(digits))
		return ERR_INVALID;
	whole = whole * pow10i(digits) + frac;
	if (whole > MONEY_MAX)
		return ERR_INVALID;
	*out = neg ? -whole : whole;
	return 0;
}

int money_format(int64_t amount, int digits, char *buf, size_t bufsz)
{
	int64_t scale = pow10i(digits);
	uint64_t mag = amount < 0 ? (uint64_t)(-(amount + 1)) + 1 : (uint64_t)amount;
	uint64_t whole = mag / (uint64_t)scale, frac = mag % (uint64_t)scale;
	int n;

	if (frac == 0 || digits == 0)
		return snprintf(buf, bufsz, "%s%llu", amount < 0 ? "-" : "",
				(unsigned long long)whole);
	n = snprintf(buf, bufsz, "%s%llu.%0*llu", amount < 0 ? "-" : "", (unsigned long long)whole,
		     digits, (unsigned long long)frac);
	/* Drop trailing zeros of the fraction: 12.50 -> 12.5. */
	while (n > 0 && (size_t)n < bufsz && buf[n - 1] == '0')
		buf[--n] = '\0';
	return n;
}

int money_format_grouped(int64_t amount, int digits, char *buf, size_t bufsz)
{
	char plain[48], out[64];
	const char *dot, *start;
	size_t intlen, i, o = 0;

	money_format(amount, digits, plain, sizeof(plain));
	start = plain[0] == '-' ? plain + 1 : plain;
	dot = strchr(start, '.');
	intlen = dot ? (size_t)(dot - start) : strlen(start);
	if (plain[0] == '-')
		out[o++] = '-';
	for (i = 0; i < intlen; i++) {
		if (i > 0 && (intlen - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = start[i];
	}
	out[o] = '\0';
	if (dot)
		snprintf(out + o, sizeof(out) - o, "%s", dot);
	return snprintf(buf, bufsz, "%s", out);
}
