/*
 * fuzz.h - the libFuzzer entry point every fuzz target defines. Built with
 * clang -fsanitize=fuzzer (`make fuzz`) libFuzzer drives it; built with any
 * compiler plus replay.c (`make test-fuzz`, part of `make test`) it replays
 * the committed corpus fuzz/corpus/<target>/.
 */
#ifndef LITECRM_FUZZ_H
#define LITECRM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
