# accelnet — build, test and run.
#
#   make            build bin/accelnetd, bin/accelnet-agent, bin/accelnet
#   make test       sanitizer build + every suite (unit, integration, lint)
#   make run        private PostgreSQL + accelnetd on https://127.0.0.1:8443
#   make bench      optimized build + benchmarks (ratios against baselines)
#   make install    PREFIX=/usr/local DESTDIR=
#   make format     clang-format every C file (make format-check only checks)
#
# SAN=1 builds with AddressSanitizer and UBSan into build/san (make test does
# this by itself). Missing Debian packages are installed by scripts/deps.sh.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SAN     ?= 0

PKGS := libmicrohttpd jansson libpq libcurl libsodium
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wno-missing-field-initializers

ifeq ($(SAN),1)
BUILD   := build/san
BINDIR  := build/san/bin
OPTFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
BUILD   := build/rel
BINDIR  := bin
OPTFLAGS := -O2 -g
endif

DEPS_STAMP := build/.deps-ok

# Quiet by default; V=1 shows the commands.
ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2)
endif
# pkg-config is only asked once the packages are there.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CPPFLAGS += -I. -D_GNU_SOURCE
CFLAGS   += -std=c11 $(WARN) $(OPTFLAGS) -MMD -MP
LDFLAGS  += $(filter -fsanitize%,$(OPTFLAGS))
LDLIBS   += -lpthread

# --- sources ------------------------------------------------------------------
COMMON_SRC  := $(wildcard common/*.c)
DB_SRC      := $(wildcard db/*.c)
SERVICE_SRC := $(filter-out service/main.c,$(wildcard service/*.c)) $(wildcard api/*.c) \
               $(wildcard scheduler/*.c)
AGENT_SRC   := $(filter-out agent/main.c,$(wildcard agent/*.c))
CLI_SRC     := $(filter-out cli/main.c,$(wildcard cli/*.c))
MIGRATIONS  := $(sort $(wildcard db/migrations/*.sql))
MIGR_GEN    := $(BUILD)/gen/migrations_gen.c

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

LIB_CORE  := $(BUILD)/libcore.a
LIB_SVC   := $(BUILD)/libsvc.a
LIB_AGENT := $(BUILD)/libagent.a
LIB_CLI   := $(BUILD)/libcli.a

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
IT_SRC    := $(wildcard tests/integration/it_*.c)
IT_LIB    := $(filter-out $(IT_SRC),$(wildcard tests/integration/*.c))
IT_BIN    := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(IT_SRC))

BENCH_SRC := $(wildcard bench/bench_*.c)
BENCH_LIB := $(filter-out $(BENCH_SRC),$(wildcard bench/*.c))
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

PROGRAMS := $(BINDIR)/accelnetd $(BINDIR)/accelnet-agent $(BINDIR)/accelnet

.SECONDARY:
.PHONY: all test test-build bench bench-build bench-run run install clean format format-check
all: $(PROGRAMS)

$(DEPS_STAMP): scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(dir $@) && touch $@

# Every object waits for the packages (order-only, so a stamp refresh does
# not rebuild everything).
$(BUILD)/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

# Migrations are compiled into accelnetd, so an installed daemon needs no
# data files to bring a database up to date.
$(MIGR_GEN): $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	$(Q)scripts/embed-migrations.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(LIB_CORE): $(call obj,$(COMMON_SRC))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIB_SVC): $(call obj,$(SERVICE_SRC) $(DB_SRC)) $(BUILD)/obj/gen/migrations_gen.o
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIB_AGENT): $(call obj,$(AGENT_SRC)) $(LIB_CORE)
	$(Q)rm -f $@ && ar rcs $@ $(call obj,$(AGENT_SRC))
$(LIB_CLI): $(call obj,$(CLI_SRC)) $(LIB_CORE)
	$(Q)rm -f $@ && ar rcs $@ $(call obj,$(CLI_SRC))

$(BINDIR)/accelnetd: $(call obj,service/main.c) $(LIB_SVC) $(LIB_CORE)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)
$(BINDIR)/accelnet-agent: $(call obj,agent/main.c) $(LIB_AGENT) $(LIB_CORE)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)
$(BINDIR)/accelnet: $(call obj,cli/main.c) $(LIB_CLI) $(LIB_CORE)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# Unit tests link every module library. Integration tests talk to the
# programs only over HTTP and libpq; they link the service library only to
# read its route table (tests generated from it, e.g. access control).
$(BUILD)/tests/test_%: $(call obj,tests/unit/test_%.c) $(LIB_SVC) $(LIB_AGENT) $(LIB_CLI) $(LIB_CORE)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka $(LDLIBS)
$(BUILD)/tests/it_%: $(call obj,tests/integration/it_%.c) $(call obj,$(IT_LIB)) $(LIB_SVC) $(LIB_CORE)
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka $(LDLIBS)

# The bench programs are built like the integration tests (they use the same
# helpers, to run a fleet of real processes) and run by bench/run.sh.
$(BUILD)/bench/bench_%: $(call obj,bench/bench_%.c) $(call obj,$(BENCH_LIB)) $(call obj,$(IT_LIB))
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lcmocka $(LDLIBS)

# make test builds the bench programs too (not runs them), so that they keep
# compiling as the helpers change.
test-build: $(PROGRAMS) $(UNIT_BIN) $(IT_BIN) $(BENCH_BIN)
bench-build: $(PROGRAMS) $(BENCH_BIN)
bench-run: bench-build
	@ACCELNET_BENCH_BUILD='$(BUILD): $(CC) $(OPTFLAGS)' bench/run.sh $(BUILD) $(BINDIR)

# --- the two commands ---------------------------------------------------------
test: | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory SAN=1 test-build
	@tests/run.sh build/san

run: all
	@scripts/run.sh

# Benchmarks: always the optimized build without sanitizers (build/rel and
# bin/, what `make` builds), whatever SAN says. Prints ratios against
# baselines measured in the same run; never fails for being slow.
bench: | $(DEPS_STAMP)
	@$(MAKE) --no-print-directory SAN=0 bench-run

# --- checks -------------------------------------------------------------------
SRC_ALL = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
format:
	clang-format -i $(SRC_ALL)
format-check:
	@clang-format --dry-run --Werror $(SRC_ALL)

# The man page is made by the CLI from its command table (`accelnet __man`),
# so that it says what --help says; the completion script asks the CLI too.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0755 $(BINDIR)/accelnetd $(BINDIR)/accelnet-agent $(BINDIR)/accelnet \
		$(DESTDIR)$(PREFIX)/bin/
	$(BINDIR)/accelnet __man > $(BUILD)/accelnet.1
	install -m 0644 $(BUILD)/accelnet.1 $(DESTDIR)$(PREFIX)/share/man/man1/accelnet.1
	install -m 0644 cli/accelnet.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/accelnet

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
