/*
 * pipeline.h - the sales cycle: the default nine-stage pipeline, stage kinds,
 * roles, and the rules a stage or a deal must satisfy. Pure domain logic: no
 * SQL, no HTTP.
 */
#ifndef LITECRM_PIPELINE_H
#define LITECRM_PIPELINE_H

#include <stddef.h>

#include "model.h"

/*
 * pipeline_default returns the article's pipeline: Prospecting 10 ...
 * Negotiation/Review 90, Closed Won 100, Closed Lost 0, with zh-TW and English
 * names and guidance, positions 1..n. *n receives the count. The array is
 * static; do not free it.
 */
const struct stage *pipeline_default(size_t *n);

/* stage_kind_name returns "open", "won" or "lost". */
const char *stage_kind_name(enum stage_kind k);
/* stage_kind_parse maps "open"/"won"/"lost" to *out; returns 0 or ERR_INVALID. */
int stage_kind_parse(const char *s, enum stage_kind *out);

/* role_name returns "admin", "manager" or "member". */
const char *role_name(enum role r);
/* role_parse maps a role name to *out; returns 0 or ERR_INVALID. */
int role_parse(const char *s, enum role *out);

/* deal_probability is the probability that applies to d: its override or its stage's. */
int deal_probability(const struct deal *d);

/*
 * stage_match finds the stage named by s among stages[0..n): by key, by
 * zh-TW name or by English name (case-insensitive for ASCII). Returns its
 * index or -1.
 */
int stage_match(const struct stage *stages, size_t n, const char *s);

/* stage_key_valid: 1 when s is 1-64 of [a-z0-9_], starting with a letter. */
int stage_key_valid(const char *s);

#endif
