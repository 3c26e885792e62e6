/*
 * import_history.h - `litecrm import history FILE.csv`: the stage history of
 * existing deals, from another CRM, so that the reports cover the past.
 *
 * The file is UTF-8 CSV with a header row naming, in any order (matched as
 * import.h matches deal columns):
 *
 *	deal_id, or company and deal      which deal (an id, or names)
 *	stage                              the stage entered (key, zh-TW or English name)
 *	changed_at                         when: YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)
 *	by (optional)                      the username who moved it
 *	amount (optional)                  the deal's amount from then on
 *
 * Each deal's rows, in file order, become its whole stage history (the first
 * one its creation); svc_history_import() checks and writes them in one
 * transaction.
 */
#ifndef LITECRM_IMPORT_HISTORY_H
#define LITECRM_IMPORT_HISTORY_H

#include <stddef.h>

#include "err.h"
#include "svc_report.h"

/*
 * import_history_parse reads data[0..len) into a new array of rows (*out,
 * *n; free() it). Returns 0, or ERR_INVALID / ERR_TOOBIG / ERR_NOMEM with e
 * naming the row (and column).
 */
int import_history_parse(const char *data, size_t len, struct history_row **out, size_t *n,
			 struct errinfo *e);

#endif
