# SPDX-License-Identifier: BSD-3-Clause
# tlsmon build.  Everything generated goes to $(OUTPUT); `make V=1` shows commands.

OUTPUT ?= .output
CLANG ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL ?= bpftool
CC ?= gcc
PREFIX ?= /usr/local
DESTDIR ?=
TLSMON_CORPUS ?= ../shared/corpus
export TLSMON_CORPUS

ARCH := $(shell uname -m)
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null || echo $(ARCH)-linux-gnu)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
MAKEFLAGS += --no-print-directory
endif

.DELETE_ON_ERROR:
# generated headers and objects are kept between builds
.SECONDARY:
.SUFFIXES:

VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

INCLUDES := -Iheaders -I$(OUTPUT)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -Wall -Wextra -Werror -Wno-unused-function \
	-I/usr/include/$(MULTIARCH) $(INCLUDES) -MMD -MP
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers
CFLAGS ?= -g -O2
USER_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -DTLSMON_VERSION='"$(VERSION)"' \
	$(INCLUDES) -Iuser -MMD -MP
LDLIBS := -lbpf -lelf -lz -lpcap -lssl -lcrypto -lncursesw -lseccomp -lm -lpthread

BPF_PROGS := tlsmon sockid
BPF_OBJS := $(patsubst %,$(OUTPUT)/%.bpf.o,$(BPF_PROGS))
SKELS := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))

USER_SRCS := $(wildcard user/*.c user/*/*.c)
# user/*.c run the program (main(), live, offline, the outputs' wiring); the
# stage folders below are also linked into the tests, benchmarks and fuzzers
USER_LIB_SRCS := $(wildcard user/*/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
USER_LIB_OBJS := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_LIB_SRCS))

# cmocka test programs, a folder per group (tests/run.sh runs them by group):
# tests/GROUP/test_NAME.c -> $(OUTPUT)/tests/GROUP/test_NAME
TEST_GROUPS := unit bpf oracle
TEST_SRCS := $(foreach g,$(TEST_GROUPS),$(wildcard tests/$(g)/test_*.c))
TEST_BINS := $(patsubst tests/%.c,$(OUTPUT)/tests/%,$(TEST_SRCS))
TEST_HELPER_SRCS := $(wildcard tests/lib/*.c)
TEST_HELPER_OBJS := $(patsubst tests/lib/%.c,$(OUTPUT)/tests/lib/%.o,$(TEST_HELPER_SRCS))

# small programs the tests call (tests/tools/NAME.c -> $(OUTPUT)/tests/tools/NAME)
TEST_TOOL_SRCS := $(wildcard tests/tools/*.c)
TEST_TOOL_BINS := $(patsubst tests/tools/%.c,$(OUTPUT)/tests/tools/%,$(TEST_TOOL_SRCS))

FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(FUZZ_SRCS))
FUZZ_BINS := $(patsubst %,$(OUTPUT)/fuzz/%,$(FUZZ_NAMES))
REPLAY_BINS := $(patsubst %,$(OUTPUT)/fuzz/%-replay,$(FUZZ_NAMES))
FUZZ_CFLAGS := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer $(WARN) -std=gnu11 -D_GNU_SOURCE $(INCLUDES) -Iuser \
	-DTLSMON_VERSION='"$(VERSION)"'
FUZZ_LIB_SRCS := $(filter-out user/ui/dashboard.c,$(USER_LIB_SRCS))
# one command compiles and links each harness, so no .d files: depend on every header it may read
FUZZ_HDRS := $(wildcard headers/*.h user/*.h user/*/*.h tests/lib/*.h)

.PHONY: all deps run demo test bench fuzz install clean tests fuzz-build help bench-build

all: $(OUTPUT)/tlsmon

help:
	@echo "targets: deps all run demo test bench fuzz install clean   (V=1 for verbose)"

deps:
	$(Q)scripts/deps.sh

$(OUTPUT) $(OUTPUT)/user $(OUTPUT)/tests $(OUTPUT)/tests/lib $(OUTPUT)/fuzz:
	$(Q)mkdir -p $@

# BPF objects keep BTF (bpftool and the loader need it) but no DWARF.
$(OUTPUT)/%.bpf.o: bpf/%.bpf.c | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(OUTPUT)/user/%.o: user/%.c $(SKELS) | $(OUTPUT)/user
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

$(OUTPUT)/tlsmon: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_CFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT)/tests/lib/%.o: tests/lib/%.c $(SKELS) | $(OUTPUT)/tests/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/lib -c $< -o $@

$(TEST_BINS): $(OUTPUT)/tests/%: tests/%.c $(USER_LIB_OBJS) $(TEST_HELPER_OBJS) $(SKELS)
	$(call msg,TEST-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/lib $< $(USER_LIB_OBJS) $(TEST_HELPER_OBJS) $(LDLIBS) -lcmocka -o $@

$(OUTPUT)/tests/tools/%: tests/tools/%.c | $(OUTPUT)/tests
	$(call msg,TOOL-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $< $(LDLIBS) -o $@

# Fuzz harnesses: libFuzzer + ASan/UBSan, and the same code as a corpus replayer.
$(OUTPUT)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) $(FUZZ_HDRS) $(SKELS) | $(OUTPUT)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_SRCS) $(LDLIBS) -o $@

$(OUTPUT)/fuzz/%-replay: tests/fuzz/%.c tests/fuzz/replay_main.c $(FUZZ_LIB_SRCS) $(FUZZ_HDRS) $(SKELS) | $(OUTPUT)/fuzz
	$(call msg,REPLAY,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< tests/fuzz/replay_main.c $(FUZZ_LIB_SRCS) $(LDLIBS) -o $@

# tlsmon under ASan + UBSan, for the asan test group (the BPF objects are the same).
ASAN_CFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer
ASAN_OBJS := $(patsubst user/%.c,$(OUTPUT)/asan/user/%.o,$(USER_SRCS))

$(OUTPUT)/asan/user:
	$(Q)mkdir -p $@

$(OUTPUT)/asan/user/%.o: user/%.c $(SKELS) | $(OUTPUT)/asan/user
	$(call msg,CC-ASAN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(ASAN_CFLAGS) -c $< -o $@

$(OUTPUT)/asan/tlsmon: $(ASAN_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(USER_CFLAGS) $(ASAN_CFLAGS) $^ $(LDLIBS) -o $@

tests: all $(TEST_BINS) $(TEST_TOOL_BINS) $(REPLAY_BINS) $(FUZZ_BINS) \
	$(OUTPUT)/asan/tlsmon

fuzz-build: $(FUZZ_BINS) $(REPLAY_BINS)

test: deps
	$(Q)$(MAKE) tests
	$(Q)tests/run.sh

fuzz: deps
	$(Q)$(MAKE) fuzz-build
	$(Q)scripts/fuzz.sh $(FUZZ_NAMES)

run: deps
	$(Q)$(MAKE) all
	$(Q)scripts/run.sh

demo: deps
	$(Q)$(MAKE) all
	$(Q)scripts/demo.sh

# make bench: bench/bench_*.c are programs, the other bench/*.c their helpers,
# bench/*.bpf.c reference BPF programs (a skeleton each); output in $(OUTPUT)/bench.
BENCH_BPF_SRCS := $(wildcard bench/*.bpf.c)
BENCH_PROG_SRCS := $(wildcard bench/bench_*.c)
BENCH_LIB_SRCS := $(filter-out $(BENCH_BPF_SRCS) $(BENCH_PROG_SRCS),$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(OUTPUT)/bench/%,$(BENCH_PROG_SRCS))
BENCH_LIB_OBJS := $(patsubst bench/%.c,$(OUTPUT)/bench/%.o,$(BENCH_LIB_SRCS))
BENCH_SKELS := $(patsubst bench/%.bpf.c,$(OUTPUT)/bench/%.skel.h,$(BENCH_BPF_SRCS))

$(OUTPUT)/bench:
	$(Q)mkdir -p $@

$(OUTPUT)/bench/%.bpf.o: bench/%.bpf.c | $(OUTPUT)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(OUTPUT)/bench/%.o: bench/%.c $(SKELS) | $(OUTPUT)/bench
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/lib -c $< -o $@

$(OUTPUT)/bench/%: bench/%.c $(BENCH_LIB_OBJS) $(USER_LIB_OBJS) $(TEST_HELPER_OBJS) $(BENCH_SKELS) | $(OUTPUT)/bench
	$(call msg,BENCH-CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests/lib -I$(OUTPUT)/bench $< $(BENCH_LIB_OBJS) \
		$(USER_LIB_OBJS) $(TEST_HELPER_OBJS) $(LDLIBS) -lssl -lpthread -o $@

bench-build: all $(BENCH_BINS)

bench: deps
	$(Q)scripts/deps.sh --bench
	$(Q)$(MAKE) bench-build
	$(Q)OUTPUT=$(OUTPUT) scripts/bench.sh

install: all
	$(Q)OUTPUT=$(OUTPUT) scripts/install.sh "$(DESTDIR)" "$(PREFIX)"

clean:
	$(call msg,CLEAN,$(OUTPUT))
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*/*.d)
-include $(wildcard $(OUTPUT)/bench/*.d)
-include $(wildcard $(OUTPUT)/asan/user/*.d $(OUTPUT)/asan/user/*/*.d)
