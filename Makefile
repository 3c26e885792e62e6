# litecrm - one GNU Makefile.
#
#   make            build ./litecrm
#   make run        install missing packages, build, open the demo database, serve
#   make test       every test: unit (Criterion) and black-box (node:test), plain
#                   and under SANITIZE=address,undefined
#   make bench      the benchmark (see bench/README.md)
#   make SANITIZE=address,undefined   a sanitizer build in build-san/

CC      ?= gcc
PKGS    := libmicrohttpd jansson sqlite3 libsodium
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
UNITSRC := $(sort $(wildcard tests/unit/*.c))
UNITBIN := $(BUILD)/unit-tests

.PHONY: all run test test-unit test-api test-san bench clean fmt deps

all: $(BIN)

deps:
	@./scripts/deps.sh

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD):
	@mkdir -p $@

$(BIN): $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(UNITBIN): $(LIBOBJS) $(UNITSRC)
	$(CC) $(CFLAGS) -Isrc $(LDFLAGS) -o $@ $(UNITSRC) $(LIBOBJS) $(LDLIBS) -lcriterion

run: deps
	@$(MAKE) --no-print-directory all
	./litecrm demo --db litecrm.db
	./litecrm serve --db litecrm.db --listen 127.0.0.1:8080

test-unit: $(UNITBIN)
	$(UNITBIN)

test-api: $(BIN)
	LITECRM_BIN=$(abspath $(BIN)) node --test --test-concurrency=2 tests/api/

# The whole suite, then again under the sanitizers.
test: deps
	@$(MAKE) --no-print-directory test-unit test-api
	@$(MAKE) --no-print-directory SANITIZE=address,undefined test-unit test-api

bench: all
	./bench/run

fmt:
	clang-format -i src/*.c src/*.h tests/unit/*.c

clean:
	rm -rf build build-san litecrm

-include $(OBJS:.o=.d)
