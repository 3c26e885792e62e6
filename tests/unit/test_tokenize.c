/*
 * test_tokenize.c - the normalisation, the units, the index and query
 * tokens, and the reference matcher of search (tokenize.h).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "tokenize.h"
#include "tokenize_ts.h"

struct toks {
	char s[1024];
};

static int collect(void *ctx, const char *tok, size_t len, int colocated, size_t start, size_t end)
{
	struct toks *t = ctx;

	(void)start;
	(void)end;
	strcat(t->s, colocated ? "+" : " ");
	strncat(t->s, tok, len);
	return 0;
}

static const char *index_of(const char *s)
{
	static struct toks t;

	t.s[0] = '\0';
	tok_index(s, strlen(s), collect, &t);
	return t.s;
}

static const char *query_of(const char *s)
{
	static struct toks t;

	t.s[0] = '\0';
	tok_query(s, strlen(s), collect, &t);
	return t.s;
}

Test(tokenize, folds_width_case_and_traditional)
{
	cr_expect_eq(tok_fold(0xFF21), 'a', "full-width A folds to a");
	cr_expect_eq(tok_fold(0xFF11), '1');
	cr_expect_eq(tok_fold(0x3000), ' ');
	cr_expect_eq(tok_fold('Q'), 'q');
	cr_expect_eq(tok_fold(0xC9), 0xE9, "É folds to é");
	cr_expect_eq(tok_fold(0x0416), 0x0436, "Cyrillic Ж folds to ж");
	cr_expect_eq(tok_fold(0x6236), 0x6237, "戶 folds to 户");
	cr_expect_eq(tok_fold(0x83EF), 0x534E, "華 folds to 华");
	cr_expect_eq(tok_fold(0x534E), 0x534E, "华 stays");
	cr_expect_eq(tok_fold(0x9020), 0x9020, "造 has one form");
}

Test(tokenize, the_fold_table_is_sorted_and_idempotent)
{
	size_t i = 0, n = sizeof(tok_ts_pairs) - 1, pairs = 0;
	uint32_t last = 0;

	while (i < n) {
		uint32_t t = tok_utf8_next(tok_ts_pairs, n, &i);
		uint32_t s = tok_utf8_next(tok_ts_pairs, n, &i);

		cr_assert_gt(t, last, "pair %zu out of order (U+%04X)", pairs, t);
		cr_expect_eq(tok_fold(t), s, "U+%04X", t);
		cr_expect_eq(tok_fold(s), s, "U+%04X folds again", s);
		last = t;
		pairs++;
	}
	cr_expect_gt(pairs, 400);
}

Test(tokenize, index_has_unigrams_and_words)
{
	cr_expect_str_eq(index_of("客戶ABC 報價"), " 客 户 abc 报 价");
	cr_expect_str_eq(index_of("華"), " 华");
	cr_expect_str_eq(index_of("營造報價x"), " 营 造 报 价 x");
	cr_expect_str_eq(index_of("Ｈｅｌｌｏ,world!"), " hello world");
	cr_expect_str_eq(index_of("、。「」"), "");
}

Test(tokenize, query_is_a_phrase_of_the_same_tokens)
{
	cr_expect_str_eq(query_of("華"), " 华");
	cr_expect_str_eq(query_of("客戶"), " 客 户");
	cr_expect_str_eq(query_of("營造報價單"), " 营 造 报 价 单");
	cr_expect_str_eq(query_of("CCC營造"), " ccc 营 造");
	cr_expect_str_eq(query_of("營造 ccc"), " 营 造 ccc");
	cr_expect_str_eq(query_of("Amy"), " amy");
}

Test(tokenize, words_are_cut_at_64_code_points)
{
	char a[200], b[200];

	memset(a, 'x', 70);
	a[70] = '\0';
	memset(b, 'x', 64);
	b[64] = '\0';
	cr_expect_eq(tok_count_units(a, strlen(a)), 1);
	cr_expect_eq(tok_match(a, b), 1, "a long word is compared on its first 64 characters");
}

Test(tokenize, match_is_units_in_a_row)
{
	cr_expect_eq(tok_match("CCC營造股份有限公司", "營造"), 1);
	cr_expect_eq(tok_match("CCC營造股份有限公司", "营造"), 1);
	cr_expect_eq(tok_match("CCC營造股份有限公司", "ccc營造"), 1);
	cr_expect_eq(tok_match("CCC營造股份有限公司", "華"), 0);
	cr_expect_eq(tok_match("amy lin", "AMY"), 1);
	cr_expect_eq(tok_match("amyx", "amy"), 0, "words match whole");
	cr_expect_eq(tok_match("報價 單", "報價單"), 1);
	cr_expect_eq(tok_match("ＡＢＣ公司", "abc"), 1);
	cr_expect_eq(tok_match("abc", "..."), 0, "a term without units matches nothing");
}
