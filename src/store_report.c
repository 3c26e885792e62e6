/*
 * store_report.c - the backend-independent part of the report store calls:
 * releasing the lists the reports and history operations return.
 */
#include <stdlib.h>

#include "report.h"
#include "store.h"

void deal_change_list_release(struct deal_change_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void report_sum_list_release(struct report_sum_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void report_close_list_release(struct report_close_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void report_deal_list_release(struct report_deal_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void report_span_list_release(struct report_span_list *l)
{
	free(l->deal_id);
	free(l->v);
	l->deal_id = NULL;
	l->v = NULL;
	l->n = 0;
}

void report_change_list_release(struct report_change_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void report_reach_list_release(struct report_reach_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].reached);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void report_tally_list_release(struct report_tally_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
