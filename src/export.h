/*
 * export.h - deals and the summary as files people open in Excel: CSV
 * (UTF-8 with a BOM, so Excel reads Chinese correctly) and XLSX
 * (libxlsxwriter: a header row, numbers typed as numbers, dates as dates,
 * amounts in a currency format). Both front doors use it: the CLI's
 * `litecrm export` and GET /api/v1/export/deals.csv|.xlsx.
 *
 * Deals are read through svc_deal_list, so visibility applies as for any
 * deal list; the filter is the deal list's (its parameters as in GET
 * /api/v1/deals, or a saved view's).
 */
#ifndef LITECRM_EXPORT_H
#define LITECRM_EXPORT_H

#include <stddef.h>

#include "err.h"
#include "store.h"
#include "svc.h"

enum export_format { EXPORT_CSV = 0, EXPORT_XLSX };

/* export_format_parse maps "csv" or "xlsx" to *out; 0 or ERR_INVALID. */
int export_format_parse(const char *s, enum export_format *out);

/*
 * export_filter_param applies one deal-list parameter (owner, stage,
 * status, company, close_from, close_to, amount_min, amount_max, q, sort,
 * order; as GET /api/v1/deals names them) to f. Unknown names and bad
 * values are ERR_INVALID with e naming the parameter.
 */
int export_filter_param(struct store *st, const struct actor *a, const char *name,
			const char *value, struct deal_filter *f, struct errinfo *e);

/* export_filter_view applies the parameters of saved view id to f. */
int export_filter_view(struct store *st, const struct actor *a, int64_t id, struct deal_filter *f,
		       struct errinfo *e);

/*
 * export_deals writes every deal matching f that the actor may see to the
 * new file path, as fmt. progress (may be NULL) hears (done, total) now and
 * then. *count (may be NULL) receives the number of deals. Returns 0, or a
 * negative enum err with e filled (ERR_IO when path cannot be written).
 */
int export_deals(struct store *st, const struct actor *a, const struct deal_filter *f,
		 enum export_format fmt, const char *path,
		 void (*progress)(void *ctx, size_t done, size_t total), void *pctx, size_t *count,
		 struct errinfo *e);

/* export_summary writes the pipeline summary (svc_summary of f) to path as fmt. */
int export_summary(struct store *st, const struct actor *a, const struct deal_filter *f,
		   enum export_format fmt, const char *path, struct errinfo *e);

#endif
