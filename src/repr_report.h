/*
 * repr_report.h - the JSON of the sales-cycle reports and of field changes,
 * shared by the API and the CLI's --json (docs/API.md, "Reports"). Every
 * function returns a new reference (json_decref() it), or NULL when out of
 * memory.
 */
#ifndef LITECRM_REPR_REPORT_H
#define LITECRM_REPR_REPORT_H

#include <jansson.h>

#include "store.h"
#include "svc_report.h"

/* report_result_json: the answer of GET /api/v1/reports/NAME; lang picks stage names. */
json_t *report_result_json(const struct report_result *r, const char *lang);

/*
 * deal_change_json: one field change; amounts in major units of a currency
 * with digits digits, owners as usernames when users knows them.
 */
json_t *deal_change_json(const struct deal_change *c, int digits, const struct user_list *users);

#endif
