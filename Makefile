# litecrm - one GNU Makefile.
#
#   make            build ./litecrm
#   make run        install missing packages, build, open the demo database, serve
#   make test       every test: unit (Criterion) and black-box (node:test), plain
#                   and under SANITIZE=address,undefined
#   make bench      the benchmark (see bench/README.md)
#   make SANITIZE=address,undefined   a sanitizer build in build-san/

CC      ?= gcc
PKGS    := libmicrohttpd jansson sqlite3 libsodium libpq xlsxwriter zlib
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-missing-field-initializers \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -lm

ifdef SANITIZE
BUILD   ?= build-san
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
BIN     := $(BUILD)/litecrm
else
BUILD   ?= build
BIN     := litecrm
endif

SRCS    := $(sort $(wildcard src/*.c))
LIBSRCS := $(filter-out src/main.c,$(SRCS))
OBJS    := $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS := $(LIBSRCS:src/%.c=$(BUILD)/%.o)
# The web app: web/ and the pinned npm libraries, embedded by scripts/embed-web.mjs.
WEBSRCS := $(shell find web -type f 2>/dev/null) scripts/embed-web.mjs
WEBOBJ  := $(BUILD)/web_assets.o
OBJS    += $(WEBOBJ)
LIBOBJS += $(WEBOBJ)
UNITSRC := $(sort $(wildcard tests/unit/*.c))
UNITHDR := $(wildcard tests/unit/*.h)
UNITBIN := $(BUILD)/unit-tests

.PHONY: all run test test-unit test-api test-browser test-pg test-valgrind test-san test-bench bench bench-reports clean fmt deps
.PHONY: test-fuzz fuzz fuzz-run

all: $(BIN)

deps:
	@./scripts/deps.sh

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD):
	@mkdir -p $@

# npm ci installs package-lock.json's pinned packages when node_modules is missing or old.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

$(BUILD)/web_assets.c: $(WEBSRCS) node_modules/.package-lock.json | $(BUILD)
	node scripts/embed-web.mjs $@

$(WEBOBJ): $(BUILD)/web_assets.c
	$(CC) $(CFLAGS) -Isrc -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNITBIN): $(LIBOBJS) $(UNITSRC) $(UNITHDR)
	$(CC) $(CFLAGS) -Isrc $(LDFLAGS) -o $@ $(UNITSRC) $(LIBOBJS) $(LDLIBS) -lcriterion

run: deps
	@$(MAKE) --no-print-directory all
	./litecrm demo --db litecrm.db
	./litecrm serve --db litecrm.db --listen 127.0.0.1:8080

test-unit: $(UNITBIN)
	$(UNITBIN)

# Three files at a time: many tests wait on sleeps and time-outs, not the CPU.
test-api: $(BIN)
	LITECRM_BIN=$(abspath $(BIN)) $(if $(SANITIZE),LITECRM_TEST_SLOW=3) node --test --test-concurrency=3 tests/api/

# The web app in Debian's chromium, headless (playwright-core); screenshots
# go to tests/out/screenshots/. Two files at a time (each has its own server and
# browser). Not repeated under the sanitizers (slow there).
test-browser: $(BIN) node_modules/.package-lock.json
	LITECRM_BIN=$(abspath $(BIN)) node --test --test-concurrency=2 tests/browser/

# The CLI tests and a server that answers every route, in valgrind memcheck:
# any memory error, or any block still allocated at exit, fails the run.
VALGRIND = valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
	--errors-for-leak-kinds=all
test-valgrind: $(BIN)
	LITECRM_BIN=$(abspath $(BIN)) LITECRM_WRAP="$(VALGRIND)" node --test --test-concurrency=2 \
		tests/api/cli.test.mjs tests/api/serve-exit.test.mjs

# The whole suite, then again under the sanitizers and valgrind, then against PostgreSQL.
test: deps
	@$(MAKE) --no-print-directory test-unit test-fuzz test-api test-browser test-bench
	@$(MAKE) --no-print-directory SANITIZE=address,undefined test-unit test-fuzz test-api
	@$(MAKE) --no-print-directory test-valgrind
	@$(MAKE) --no-print-directory test-pg

# PostgreSQL: the store's PostgreSQL unit tests and the whole black-box suite
# (API, CLI and browser), against a throw-away cluster scripts/pg-test-cluster.sh
# starts and stops.
test-pg: $(BIN) $(UNITBIN) node_modules/.package-lock.json
	./scripts/pg-test-cluster.sh run sh -c '$(UNITBIN) --filter "store_pg/*" && \
		LITECRM_BIN=$(abspath $(BIN)) node --test --test-concurrency=3 tests/api/ && \
		LITECRM_BIN=$(abspath $(BIN)) node --test --test-concurrency=2 tests/browser/'

bench: all
	./bench/run

# The benchmark once, small (bench/run --smoke): every scenario answers without
# an error; nothing is asserted on speed.
test-bench: $(BIN)
	LITECRM_BIN=$(abspath $(BIN)) ./bench/run --smoke

# The sales-cycle reports over 1,000,000 deals (see bench/README.md, "Reports").
bench-reports: all
	./bench/reports

# ---- security: fuzzing; see SECURITY.md ----
# Each fuzz/fuzz_<target>.c defines LLVMFuzzerTestOneInput. `make test-fuzz`
# (part of `make test`) links it with fuzz/replay.c using $(CC) and replays the
# committed corpus fuzz/corpus/<target>/; `make fuzz FUZZ_SECONDS=60` builds
# it with clang -fsanitize=fuzzer,address,undefined in build-fuzz/ and runs
# libFuzzer for that long per target (new inputs go to build-fuzz/corpus-<target>/).
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_SECONDS ?= 60

ifdef FUZZ_ENGINE
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -Wno-error
LDFLAGS += -fsanitize=address,undefined
endif

$(BUILD)/fuzz-%: fuzz/fuzz_%.c fuzz/replay.c fuzz/fuzz.h $(LIBOBJS)
	$(CC) $(CFLAGS) -Isrc -Ifuzz $(LDFLAGS) -o $@ $< fuzz/replay.c $(LIBOBJS) $(LDLIBS)

test-fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-%)
	@for t in $(FUZZ_TARGETS); do $(BUILD)/fuzz-$$t fuzz/corpus/$$t || exit 1; done

$(BUILD)/libfuzzer-%: fuzz/fuzz_%.c fuzz/fuzz.h $(LIBOBJS)
	$(CC) $(CFLAGS) -Isrc -Ifuzz -fsanitize=fuzzer,address,undefined -o $@ $< $(LIBOBJS) $(LDLIBS)

fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz BIN=build-fuzz/litecrm CC=clang FUZZ_ENGINE=1 fuzz-run

fuzz-run: $(FUZZ_TARGETS:%=$(BUILD)/libfuzzer-%)
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/corpus-$$t; \
		echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
		$(BUILD)/libfuzzer-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-max_len=65536 $(BUILD)/corpus-$$t fuzz/corpus/$$t 2>&1 | \
			grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss|==.*ERROR|SUMMARY)|cov:" | tail -4 \
			|| exit 1; \
	done

fmt:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/unit/*.h fuzz/*.c fuzz/*.h

clean:
	rm -rf build build-san build-fuzz litecrm

-include $(OBJS:.o=.d)
