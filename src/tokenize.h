/*
 * tokenize.h - how litecrm reads text for search: the normalisation, the
 * units a text is made of, the tokens the full-text index stores, and the
 * reference matcher that defines what a search term finds.
 *
 * Pure domain: no SQL, no I/O. The SQLite backend registers these functions
 * as an FTS5 tokenizer; another backend can store the same tokens in a table,
 * or check candidates with tok_seq_find(), and give the same answers.
 *
 * The model (docs/API.md, "Search"):
 *
 *  1. Normalisation, one code point at a time (tok_fold): full-width ASCII
 *     forms U+FF01-U+FF5E become ASCII, the ideographic space U+3000 a space;
 *     Latin, Greek and Cyrillic capitals become small letters (ASCII A-Z,
 *     U+00C0-U+00DE but U+00D7, U+0391-U+03A9, U+0400-U+042F); Traditional
 *     Chinese characters of tokenize_ts.h become their Simplified form.
 *  2. Units (tok_class): a CJK code point (Han, kana, Hangul, bopomofo) is one
 *     unit; a maximal run of word code points (ASCII letters and digits, and
 *     every other code point outside the CJK, punctuation and symbol ranges)
 *     is one unit, a word, compared on its first TOK_WORD_MAX code points;
 *     everything else separates units and is dropped.
 *  3. A term (a word, a phrase in quotes, or mixed text such as "CCC營造")
 *     matches a text when the term's units appear as consecutive units of
 *     the text. So 報價 finds "報價單" and "報價 單" is found by the phrase
 *     "報價 單" and by 報價單 alike; amy finds "Amy" but not "amyx".
 *
 * The index (tok_index) gives every unit a position and one token: a word,
 * or a CJK character (a unigram). A query term (tok_query) becomes the same
 * tokens, a phrase over consecutive positions, which holds exactly when the
 * term's units are consecutive units of the text: the index is exact for
 * terms of any length and no candidate needs checking. (Bigrams and
 * trigrams colocated with each unigram made terms of two or three CJK
 * characters single tokens, but doubled the tokens a note writes, most of
 * them distinct n-grams: a bulk import spent most of its time in FTS5's
 * hash of pending terms. Now that a search stops counting at
 * SEARCH_COUNT_EXACT matches, a phrase costs about what one token does;
 * bench/README.md has the figures.)
 */
#ifndef LITECRM_TOKENIZE_H
#define LITECRM_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

/* Words are compared on their first TOK_WORD_MAX code points. */
#define TOK_WORD_MAX 64
/* The largest normalised unit or token, in bytes, NUL included. */
#define TOK_UNIT_SIZE (TOK_WORD_MAX * 4 + 1)

enum tok_kind { TOK_SEP = 0, TOK_WORD = 1, TOK_CJK = 2 };

/* tok_fold returns the normalised form of code point cp (step 1 above). */
uint32_t tok_fold(uint32_t cp);

/* tok_class returns the kind of a normalised code point (step 2 above). */
enum tok_kind tok_class(uint32_t cp);

/*
 * tok_utf8_next decodes the code point at s[*i] (n bytes in all) and
 * advances *i. An invalid byte decodes as U+FFFD and advances by one.
 */
uint32_t tok_utf8_next(const char *s, size_t n, size_t *i);

/* tok_utf8_put writes cp into out (room for 4 bytes); returns the bytes written. */
size_t tok_utf8_put(uint32_t cp, char *out);

/*
 * tok_norm_text writes the normalised form of s[0..n) (tok_fold of every
 * code point) into out (outsz bytes, NUL-terminated, cut at a code point).
 * Returns the length written. Tags are compared this way, whole.
 */
size_t tok_norm_text(const char *s, size_t n, char *out, size_t outsz);

/*
 * A unit: its kind, its normalised text, and the bytes [start, end) of the
 * original text it came from.
 */
struct tok_unit {
	enum tok_kind kind;
	unsigned char len; /* bytes of text */
	char text[TOK_UNIT_SIZE];
	size_t start, end;
};

/*
 * tok_unit_fn receives each unit in order; a nonzero return stops the scan
 * and is returned by tok_units().
 */
typedef int tok_unit_fn(void *ctx, const struct tok_unit *u);

/* tok_units calls fn for every unit of s[0..n) in order. Returns 0 or fn's stop value. */
int tok_units(const char *s, size_t n, tok_unit_fn *fn, void *ctx);

/* tok_count_units returns the number of units of s[0..n). */
size_t tok_count_units(const char *s, size_t n);

/*
 * tok_token_fn receives a token: its text, whether it shares the position
 * of the token before it (colocated: never for tok_index and tok_query, one
 * token a unit; a caller adding tokens of its own may), and the original
 * bytes [start, end) it covers. A nonzero return stops the scan and is
 * returned.
 */
typedef int tok_token_fn(void *ctx, const char *tok, size_t len, int colocated, size_t start,
			 size_t end);

/* tok_index emits the tokens the index stores for s[0..n) (CJK unigrams, words). */
int tok_index(const char *s, size_t n, tok_token_fn *fn, void *ctx);

/* tok_query emits the phrase tokens of one search term s[0..n). */
int tok_query(const char *s, size_t n, tok_token_fn *fn, void *ctx);

/* A text as its sequence of units; init with {0}, release with tok_seq_release(). */
struct tok_seq {
	struct tok_unit *v;
	size_t n, cap;
};

/* tok_seq_build fills seq with the units of s[0..n) (replacing what it held). ERR_NOMEM. */
int tok_seq_build(struct tok_seq *seq, const char *s, size_t n);
void tok_seq_release(struct tok_seq *seq);

/*
 * tok_seq_find returns the index of the first unit of hay at or after from
 * where the units of needle follow one another, or -1. An empty needle is
 * never found.
 */
long tok_seq_find(const struct tok_seq *hay, const struct tok_seq *needle, size_t from);

/* tok_match: 1 when term matches text (step 3 above), else 0; -1 when out of memory. */
int tok_match(const char *text, const char *term);

#endif
