/*
 * repr.h - JSON representations of litecrm's records, shared by the HTTP API
 * and the CLI's --json output so that both print the same shapes.
 *
 * Every function returns a new jansson reference (json_decref() it), or NULL
 * when out of memory. Amounts are numbers in the currency's major unit
 * (exact: 1234.56), written with money_json().
 */
#ifndef LITECRM_REPR_H
#define LITECRM_REPR_H

#include <jansson.h>

#include "model.h"
#include "store.h"
#include "svc.h"

/* Flags for json_dumps that keep amounts exact (15 significant digits). */
#define REPR_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* money_json: an integer when the amount has no fraction, else a real. */
json_t *money_json(int64_t amount, int digits);

json_t *workspace_json(const struct workspace *w);
json_t *user_json(const struct user *u);
json_t *stage_json(const struct stage *s);
json_t *company_json(const struct company *c);
json_t *contact_json(const struct contact *c);
/* deal_json: digits are the minor-unit digits of d->currency. */
json_t *deal_json(const struct deal *d);
json_t *stage_change_json(const struct stage_change *h);

/*
 * struct repr_buf: JSON written straight into a growing buffer, for the hot
 * paths (a deal, a page of deals), where building a jansson tree and dumping
 * it cost most of a request. deal_write() appends exactly the bytes that
 * json_dumps(deal_json(d), REPR_DUMP_FLAGS) prints. A failed allocation
 * sets .oom and later appends do nothing; free(.p) when done.
 */
struct repr_buf {
	char *p;
	size_t len, cap;
	int oom;
};

void repr_put(struct repr_buf *b, const char *s, size_t n);
/* repr_reserve makes room for n more bytes at once (a page of deals: no regrowing). */
void repr_reserve(struct repr_buf *b, size_t n);
void repr_put_str(struct repr_buf *b, const char *s); /* a C string, as is */
void repr_put_int(struct repr_buf *b, int64_t v);
void deal_write(struct repr_buf *b, const struct deal *d);
/*
 * board_write: GET /board's answer (stages, figures, open totals, columns of
 * cards; one column and no figures when bd pages one).
 */
void board_write(struct repr_buf *b, const struct board *bd);
json_t *token_json(const struct token *t);
/* summary_json: the shape of GET /api/v1/reports/summary; lang picks stage names. */
json_t *summary_json(const struct summary *s, const char *lang);
/* audit_entry_json: one row of GET /api/v1/audit (detail as an object). */
json_t *audit_entry_json(const struct audit_entry *a);
/* trash_entry_json: deal_json() plus deleted_at, deleted_by(_username) and purge_after. */
json_t *trash_entry_json(const struct trash_entry *t);

#endif
