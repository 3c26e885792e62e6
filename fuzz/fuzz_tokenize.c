/* fuzz_tokenize.c - the text tokenizer of notes and search (tok_index, tok_norm_text). */
#include "fuzz.h"
#include "tokenize.h"

static int on_token(void *ctx, const char *tok, size_t len, int colocated, size_t start, size_t end)
{
	(void)tok;
	(void)colocated;
	(void)start;
	(void)end;
	*(size_t *)ctx += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[1024];
	size_t n = 0;

	tok_index((const char *)data, size, on_token, &n);
	tok_norm_text((const char *)data, size, out, sizeof(out));
	tok_count_units((const char *)data, size);
	return 0;
}
