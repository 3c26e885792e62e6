/*
 * cli_sec.c - the command line's security helpers.
 *
 * `litecrm routes --json` prints every route of the HTTP API with its method,
 * pattern, flags and access rule, so that tests/api/matrix.test.mjs can build
 * the access-control matrix from the route table itself. It is hidden from
 * `litecrm --help`: it is for tests and reviewers, not for operators.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cli.h"

static const char routes_usage[] =
    "usage: litecrm routes [--json]\n"
    "\n"
    "Lists the routes of the HTTP API: method, path, flags and access rule.\n";

int cmd_routes(struct cli *c, int argc, char **argv)
{
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	json_t *arr;
	size_t i;

	if ((rc = cli_parse(c, argc, argv, opts, routes_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	arr = api_routes_json();
	if (!arr)
		return cli_error("cannot list the routes: out of memory");
	if (json)
		return cli_print_json(arr);
	for (i = 0; i < json_array_size(arr); i++) {
		json_t *r = json_array_get(arr, i), *acc = json_object_get(r, "access");

		printf("%-7s %-36s %s\n", json_string_value(json_object_get(r, "method")),
		       json_string_value(json_object_get(r, "pattern")),
		       json_is_string(acc) ? json_string_value(acc) : "(no rule)");
	}
	json_decref(arr);
	return CLI_OK;
}
