/*
 * test_money.c - the money rules: digits, parsing, formatting, and the one
 * rounding of amount x probability.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "err.h"
#include "money.h"

Test(money, digits_of_known_and_unknown_codes)
{
	cr_expect_eq(money_digits("TWD"), 2);
	cr_expect_eq(money_digits("JPY"), 0);
	cr_expect_eq(money_digits("KWD"), 3);
	cr_expect_eq(money_digits("XXX"), -1);
	cr_expect_eq(money_digits("AUD"), 2); /* the table's ends */
	cr_expect_eq(money_digits("ZAR"), 2);
	cr_expect_eq(money_digits("VND"), 0);
	cr_expect_eq(money_digits("BHD"), 3);
	cr_expect_eq(money_digits("AAA"), -1);
	cr_expect_eq(money_digits("ZZZ"), -1);
	cr_expect_eq(money_digits("twd"), -1);
	cr_expect_eq(money_digits(""), -1);
}

Test(money, expected_rounds_half_away_from_zero)
{
	cr_expect_eq(money_expected(100000000, 50), 50000000);
	cr_expect_eq(money_expected(5, 50), 3, "2.5 rounds to 3, got %lld",
		     (long long)money_expected(5, 50));
	cr_expect_eq(money_expected(-5, 50), -3);
	cr_expect_eq(money_expected(4, 10), 0);
	cr_expect_eq(money_expected(5, 10), 1);
	cr_expect_eq(money_expected(MONEY_MAX, 100), MONEY_MAX);
	cr_expect_eq(money_expected(12345, 0), 0);
	cr_expect_eq(money_expected(149, 1), 1);
	cr_expect_eq(money_expected(150, 1), 2);
}

Test(money, the_article_figures_add_up)
{
	/* The seed fixture's open deals with the default probabilities (TWD, cents). */
	static const struct {
		long long amount;
		int p;
	} open[] = {{150000, 10}, {134000, 10}, {174000, 20}, {1000000, 50},
		    {120000, 60}, {280000, 75}, {500000, 90}};
	long long total = 0, expected = 0;

	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		total += open[i].amount;
		expected += money_expected(open[i].amount * 100, open[i].p) / 100;
	}
	cr_expect_eq(total, 2358000);
	cr_expect_eq(expected, 1295200, "expected %lld", expected);
}

Test(money, parse_accepts_plain_decimals)
{
	int64_t v = 0;

	cr_assert_eq(money_parse("1234.56", 2, &v), 0);
	cr_expect_eq(v, 123456);
	cr_assert_eq(money_parse("125000", 2, &v), 0);
	cr_expect_eq(v, 12500000);
	cr_assert_eq(money_parse("1.5", 2, &v), 0);
	cr_expect_eq(v, 150);
	cr_assert_eq(money_parse("-3", 0, &v), 0);
	cr_expect_eq(v, -3);
	cr_assert_eq(money_parse("2.500", 2, &v), 0);
	cr_expect_eq(v, 250);
	cr_assert_eq(money_parse("10000000000000", 2, &v), 0);
	cr_expect_eq(v, MONEY_MAX);
}

Test(money, parse_refuses_the_rest)
{
	int64_t v = 42;

	cr_expect_eq(money_parse("1.234", 2, &v), ERR_INVALID);
	cr_expect_eq(money_parse("1.5", 0, &v), ERR_INVALID);
	cr_expect_eq(money_parse("", 2, &v), ERR_INVALID);
	cr_expect_eq(money_parse(".", 2, &v), ERR_INVALID);
	cr_expect_eq(money_parse("12x", 2, &v), ERR_INVALID);
	cr_expect_eq(money_parse("1,000", 2, &v), ERR_INVALID);
	cr_expect_eq(money_parse("1e5", 2, &v), ERR_INVALID);
	cr_expect_eq(money_parse("10000000000001", 2, &v), ERR_INVALID);
	cr_expect_eq(money_parse("99999999999999999999999", 2, &v), ERR_INVALID);
	cr_expect_eq(v, 42, "out-parameter untouched on failure");
}

Test(money, format_plain_and_grouped)
{
	char buf[64];

	money_format(123456, 2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1234.56");
	money_format(12500000, 2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "125000");
	money_format(150, 2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1.5");
	money_format(-50, 2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "-0.5");
	money_format(7, 0, buf, sizeof(buf));
	cr_expect_str_eq(buf, "7");
	money_format_grouped(235800000, 2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "2,358,000");
	money_format_grouped(123456789, 2, buf, sizeof(buf));
	cr_expect_str_eq(buf, "1,234,567.89");
	money_format_grouped(-100000, 0, buf, sizeof(buf));
	cr_expect_str_eq(buf, "-100,000");
	money_format_grouped(999, 0, buf, sizeof(buf));
	cr_expect_str_eq(buf, "999");
}
