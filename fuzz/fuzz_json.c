/*
 * fuzz_json.c - request bodies: api_json_parse (UTF-8, depth, one object)
 * then api_fields_parse against a field list of every field type.
 */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fuzz.h"
#include "model.h"

struct body {
	char name[CAP_NAME + 1];
	char note[16];
	char date[DATE_LEN];
	int n, p, flag, role, kind;
	int64_t id;
	char amount[48];
	struct api_ids ids;
};

static const struct api_field fields[] = {
    {"name", AF_STRING, 1, offsetof(struct body, name), CAP_NAME + 1},
    {"note", AF_NSTRING, 2, offsetof(struct body, note), 16},
    {"date", AF_DATE, 4, offsetof(struct body, date), DATE_LEN},
    {"n", AF_INT, 8, offsetof(struct body, n), sizeof(int)},
    {"p", AF_NINT, 16, offsetof(struct body, p), sizeof(int)},
    {"id", AF_ID, 32, offsetof(struct body, id), sizeof(int64_t)},
    {"flag", AF_BOOL, 64, offsetof(struct body, flag), sizeof(int)},
    {"amount", AF_AMOUNT, 128, offsetof(struct body, amount), 48},
    {"ids", AF_IDS, 256, offsetof(struct body, ids), sizeof(struct api_ids)},
    {"role", AF_ROLE, 512, offsetof(struct body, role), sizeof(int)},
    {"kind", AF_KIND, 1024, offsetof(struct body, kind), sizeof(int)},
    {NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errinfo e = {0};
	struct body b;
	json_t *o = NULL;
	unsigned set = 0;
	int64_t v;

	memset(&b, 0, sizeof(b));
	if (api_json_parse((const char *)data, size, &o, &e) != 0)
		return 0;
	if (api_fields_parse("fuzz", fields, o, &b, &set, &e) == 0) {
		if (set & 128)
			api_amount_parse(b.amount, 2, &v, &e);
		free(b.ids.v);
	}
	json_decref(o);
	return 0;
}
