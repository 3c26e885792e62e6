/*
 * test_search.c - the search query language (search.h): parsing and the
 * reference matcher.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "search.h"

static struct search_query q;
static struct errinfo e;

static int parse(const char *s)
{
	search_query_release(&q);
	memset(&e, 0, sizeof(e));
	return search_parse(s, &q, &e);
}

static int matches(const char *query, const char *title, const char *body)
{
	struct search_doc d = {.title = title,
			       .body = body,
			       .author = "amy",
			       .author_name = "Amy Lin",
			       .company = "CCC營造股份有限公司"};
	const char *tags[] = {"高優先", "Follow Up"};

	d.tags = tags;
	d.ntags = 2;
	cr_assert_eq(parse(query), 0, "parse %s: %s", query, e.message);
	return search_doc_match(&q, &d);
}

Test(search, parses_terms_phrases_fields_and_or)
{
	cr_assert_eq(parse("營造 \"報價 單\" -華 title:開啟中 author:amy tag:高優先 a OR b"), 0);
	cr_assert_eq(q.n, 8);
	cr_expect_eq(q.nclauses, 7);
	cr_expect_eq(q.atom[1].phrase, 1);
	cr_expect_str_eq(q.atom[1].text, "報價 單");
	cr_expect_eq(q.atom[2].negate, 1);
	cr_expect_eq(q.atom[3].field, SEARCH_TITLE);
	cr_expect_str_eq(q.atom[3].text, "開啟中");
	cr_expect_eq(q.atom[4].field, SEARCH_AUTHOR);
	cr_expect_eq(q.atom[5].field, SEARCH_TAG);
	cr_expect_eq(q.atom[6].clause, q.atom[7].clause, "a OR b is one clause");
	search_query_release(&q);
}

Test(search, odd_input_is_read_plainly)
{
	cr_assert_eq(parse("OR"), 0);
	cr_expect_eq(q.n, 1, "a lone OR is a word");
	cr_assert_eq(parse("foo:bar"), 0);
	cr_expect_eq(q.atom[0].field, SEARCH_ANY, "an unknown prefix is text");
	cr_assert_eq(parse("... 、。"), 0);
	cr_expect_eq(q.n, 0, "punctuation-only terms are dropped");
	cr_assert_eq(parse("－華 ＴＩＴＬＥ：x"), 0);
	cr_expect_eq(q.atom[0].negate, 1, "full-width minus excludes");
	cr_assert_eq(parse("\"unterminated phrase"), 0);
	cr_expect_str_eq(q.atom[0].text, "unterminated phrase");
	cr_expect_eq(parse("a OR -b"), ERR_INVALID);
	cr_expect_str_eq(e.code, "search.query_invalid");
	cr_expect_eq(parse("a b c d e f g h i j k l m n o p q"), ERR_INVALID);
	cr_expect_str_eq(e.code, "search.query_too_complex");
	search_query_release(&q);
}

Test(search, matcher_follows_the_language)
{
	cr_expect_eq(matches("營造 報價", "營造", "報價單"), 1, "AND across title and body");
	cr_expect_eq(matches("營造 華", "營造", "報價單"), 0);
	cr_expect_eq(matches("華 OR 報價", "營造", "報價單"), 1);
	cr_expect_eq(matches("營造 -報價", "營造", "報價單"), 0);
	cr_expect_eq(matches("title:報價", "營造", "報價單"), 0);
	cr_expect_eq(matches("body:報價", "營造", "報價單"), 1);
	cr_expect_eq(matches("author:amy", "x", ""), 1);
	cr_expect_eq(matches("author:lin", "x", ""), 1, "the display name counts");
	cr_expect_eq(matches("company:营造", "x", ""), 1);
	cr_expect_eq(matches("tag:高优先", "x", ""), 1, "tags fold like text");
	cr_expect_eq(matches("tag:高", "x", ""), 0, "tags match whole");
	cr_expect_eq(matches("tag:\"follow up\"", "x", ""), 1);
	cr_expect_eq(matches("-華", "營造", "報價"), 1, "only exclusions");
	cr_expect_eq(matches("...", "營造", "報價"), 0, "nothing left finds nothing");
	search_query_release(&q);
}

Test(search, marks_matches_and_cuts_snippets)
{
	char out[512];

	cr_assert_eq(parse("報價 amy"), 0);
	cr_assert_eq(search_mark(&q, SEARCH_BODY, "新 報價單 for Amy!", 0, out, sizeof(out)), 0);
	cr_expect_str_eq(out, "新 \x01報價\x02單 for \x01"
			      "Amy\x02!");
	cr_assert_eq(parse("華"), 0);
	cr_assert_eq(search_mark(&q, SEARCH_BODY, "一二三四五六七八九十華南", 4, out, sizeof(out)),
		     0);
	cr_expect(strstr(out, "\x01華\x02") != NULL, "%s", out);
	cr_expect(strncmp(out, "…", strlen("…")) == 0, "a cut start is shown: %s", out);
	search_query_release(&q);
}
