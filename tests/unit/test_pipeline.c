/*
 * test_pipeline.c - the default pipeline, stage lookup, and text checks.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "err.h"
#include "pipeline.h"
#include "text.h"

Test(pipeline, default_is_the_article_s)
{
	static const int probs[] = {10, 10, 20, 50, 60, 70, 75, 90, 100, 0};
	size_t n;
	const struct stage *s = pipeline_default(&n);

	cr_assert_eq(n, 10);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(s[i].probability, probs[i], "stage %zu: %d", i, s[i].probability);
		cr_expect_eq(s[i].position, (int)i + 1);
		cr_expect(stage_key_valid(s[i].key), "key %s", s[i].key);
		cr_expect(s[i].guidance[0] != '\0');
	}
	cr_expect_eq(s[8].kind, STAGE_WON);
	cr_expect_eq(s[9].kind, STAGE_LOST);
	cr_expect_str_eq(s[3].key, "value_proposition");
	cr_expect_str_eq(s[3].name_zh, "價值主張");
}

Test(pipeline, stage_match_by_key_and_names)
{
	size_t n;
	const struct stage *s = pipeline_default(&n);

	cr_expect_eq(stage_match(s, n, "value_proposition"), 3);
	cr_expect_eq(stage_match(s, n, "價值主張"), 3);
	cr_expect_eq(stage_match(s, n, "value proposition"), 3);
	cr_expect_eq(stage_match(s, n, "提案/報價"), 6);
	cr_expect_eq(stage_match(s, n, "成交"), 8);
	cr_expect_eq(stage_match(s, n, "失敗"), 9);
	cr_expect_eq(stage_match(s, n, "nope"), -1);
}

Test(pipeline, roles_and_kinds_round_trip)
{
	enum role r;
	enum stage_kind k;

	cr_assert_eq(role_parse("manager", &r), 0);
	cr_expect_str_eq(role_name(r), "manager");
	cr_expect_eq(role_parse("root", &r), ERR_INVALID);
	cr_assert_eq(stage_kind_parse("lost", &k), 0);
	cr_expect_str_eq(stage_kind_name(k), "lost");
	cr_expect_eq(stage_kind_parse("maybe", &k), ERR_INVALID);
}

Test(pipeline, deal_probability_prefers_override)
{
	struct deal d = {.probability = -1, .stage_probability = 50};

	cr_expect_eq(deal_probability(&d), 50);
	d.probability = 0;
	cr_expect_eq(deal_probability(&d), 0);
}

Test(text, utf8_validation)
{
	cr_expect(utf8_valid("abc 營造", strlen("abc 營造")));
	cr_expect(!utf8_valid("\xff", 1));
	cr_expect(!utf8_valid("\xc0\xaf", 2), "overlong");
	cr_expect(!utf8_valid("\xed\xa0\x80", 3), "surrogate");
	cr_expect(!utf8_valid("\xe7\x87", 2), "truncated");
	cr_expect(!utf8_valid("a\0b", 3), "NUL");
}

Test(text, trim_copy)
{
	char buf[8];

	cr_assert_eq(text_trim_copy(buf, sizeof(buf), "  ab \t"), 0);
	cr_expect_str_eq(buf, "ab");
	cr_assert_eq(text_trim_copy(buf, sizeof(buf),
				    "\xe3\x80\x80"
				    "CCC\xe3\x80\x80"),
		     0);
	cr_expect_str_eq(buf, "CCC");
	cr_expect_eq(text_trim_copy(buf, sizeof(buf), "12345678"), ERR_TOOBIG);
	cr_expect_eq(text_trim_copy(buf, sizeof(buf), "\xff"), ERR_INVALID);
}

Test(text, dates)
{
	cr_expect(date_valid("2026-11-27"));
	cr_expect(date_valid("2024-02-29"));
	cr_expect(!date_valid("2026-02-29"));
	cr_expect(!date_valid("2026-02-30"));
	cr_expect(!date_valid("2026-13-01"));
	cr_expect(!date_valid("2026/11/27"));
	cr_expect(!date_valid("2026-11-2"));
	cr_expect(!date_valid("1900-00-10"));
}
