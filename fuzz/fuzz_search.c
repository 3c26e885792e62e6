/* fuzz_search.c - the search query language (search_parse), as typed in ?q=. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct search_query q;
	struct errinfo e = {0};
	char *s;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&q, 0, sizeof(q));
	if (search_parse(s, &q, &e) == 0)
		search_has_terms(&q);
	search_query_release(&q); /* also after a failure: atoms built so far */
	free(s);
	return 0;
}
