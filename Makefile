# SPDX-License-Identifier: GPL-2.0-only
# nameserve: one Makefile for the XDP program, the agent, nsctl and the tests.

BUILD		?= build
CC		?= gcc
CLANG		?= clang
BPFTOOL		?= bpftool
ARCH		:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

ifeq ($(V),1)
Q :=
msg =
else
Q := @
msg = @printf '  %-10s %s\n' "$(1)" "$(2)";
endif

# Debian keeps asm/types.h under the multiarch dir: let clang -target bpf find it.
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_INCLUDES	:= -Iinclude $(CLANG_BPF_SYS_INCLUDES)

CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP
CPPFLAGS	+= -Iinclude -Iuserspace -I$(BUILD)
# MaxMind test databases for the geo tests (see ../shared/geo/README.md).
export NAMESERVE_GEO_DIR ?= $(abspath ../shared/geo)

LDLIBS		+= -lxdp -lbpf -lelf -lz -lpthread -lurcu -llmdb -lmicrohttpd -ljansson -lssl -lcrypto -lmaxminddb

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# Every userspace/*.c but the daemon's main goes into one static library that the
# daemon and the unit tests link.
LIB_SRCS	:= $(filter-out userspace/nameserved.c,$(wildcard userspace/*.c))
LIB_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB		:= $(BUILD)/libnameserve.a

# nsctl sees only include/ and ctl/; everything but its main goes into a library
# that its unit tests (tests/test_nsctl_*.c) link.
CTL_SRCS	:= $(wildcard ctl/*.c)
CTL_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS))
CTL_LIB_OBJS	:= $(filter-out $(BUILD)/ctl/nsctl.o,$(CTL_OBJS))
CTL_LIB		:= $(BUILD)/libnsctl.a
CTL_CPPFLAGS	:= -Iinclude -Ictl
CTL_LDLIBS	:= -lcurl -ljansson -lbpf

BENCH_BPF_OBJS	:= $(patsubst bench/%.bpf.c,$(BUILD)/bench/%.bpf.o,$(wildcard bench/*.bpf.c))
BENCH_BINS	:= $(BUILD)/bench/xdp_prog_bench $(BUILD)/bench/api_bulk $(BUILD)/bench/health_bench

TEST_SRCS	:= $(wildcard tests/test_*.c)
TEST_BINS	:= $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

.PHONY: all clean test unit-test selftest asan-selftest vm-test bench fuzz fuzz-smoke demo
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/nameserved $(BUILD)/nsctl $(TEST_BINS) $(BENCH_BPF_OBJS) $(BENCH_BINS)

$(BUILD) $(BUILD)/userspace $(BUILD)/ctl $(BUILD)/tests $(BUILD)/bench:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard include/*.h bpf/*.h) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(BPF_INCLUDES) -Wall -Werror -c $< -o $@

# The benchmark's own programs (its reference points), beside but not in the product.
$(BUILD)/bench/%.bpf.o: bench/%.bpf.c $(wildcard include/*.h bpf/*.h) | $(BUILD)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(BPF_INCLUDES) -Ibpf -Wall -Werror -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/userspace/%.o: userspace/%.c $(SKELS) | $(BUILD)/userspace
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/ctl/%.o: ctl/%.c | $(BUILD)/ctl
	$(call msg,CC,$@)
	$(Q)$(CC) $(CTL_CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/nameserved: $(BUILD)/userspace/nameserved.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(CTL_LIB): $(CTL_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/nsctl: $(BUILD)/ctl/nsctl.o $(CTL_LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(CTL_LDLIBS) -o $@

$(BUILD)/tests/%: tests/%.c $(LIB) $(SKELS) | $(BUILD)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $< $(LIB) $(LDLIBS) -lcmocka -o $@

# nsctl's own tests link its library, not the daemon's.
$(BUILD)/tests/test_nsctl_%: tests/test_nsctl_%.c $(CTL_LIB) | $(BUILD)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CTL_CPPFLAGS) -Itests $(CFLAGS) $< $(CTL_LIB) $(CTL_LDLIBS) -lcmocka -o $@

$(BUILD)/bench/xdp_prog_bench: bench/xdp_prog_bench.c $(LIB) $(SKELS) \
		$(patsubst %.bpf.o,%.skel.h,$(BENCH_BPF_OBJS)) | $(BUILD)/bench
	$(call msg,BENCH-CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/bench/api_bulk: bench/api_bulk.c $(LIB) | $(BUILD)/bench
	$(call msg,BENCH-CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/bench/health_bench: bench/health_bench.c $(LIB) | $(BUILD)/bench
	$(call msg,BENCH-CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

unit-test: $(TEST_BINS)
	$(Q)tests/run_unit.sh $(TEST_BINS)

selftest: all
	$(Q)selftests/run.sh

# The malformed-input and API selftests against a daemon built with ASan and UBSan in
# its own build directory (the BPF objects are rebuilt there as they are; libbpf
# and libxdp stay uninstrumented). Any sanitizer report stops the daemon, and
# the test also reads its log after a clean SIGTERM.
ASAN_BUILD	:= $(BUILD)/asan
ASAN_FLAGS	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined

asan-selftest: all
	$(Q)CFLAGS='-O1 -g -fno-omit-frame-pointer $(ASAN_FLAGS)' LDFLAGS='$(ASAN_FLAGS)' \
		$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) $(ASAN_BUILD)/nameserved
	$(Q)NAMESERVED=$(abspath $(ASAN_BUILD))/nameserved \
		ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		selftests/run.sh test_malformed.sh test_api.sh test_api_policy.sh \
		test_api_healthchecks.sh

# The README's first command: the demo zone served in a namespace pair, queried.
demo: all
	$(Q)scripts/demo.sh

# The same selftests under Debian's 6.1 LTS kernel, when QEMU is installed.
vm-test: all
	$(Q)vm/run --kernel 6.1 -- env NAMESERVE_GEO_DIR=$(NAMESERVE_GEO_DIR) $(CURDIR)/selftests/run_vm.sh

# The demo too: it is the README's first command.
test: all unit-test selftest
	$(Q)$(MAKE) --no-print-directory demo
	$(Q)$(MAKE) --no-print-directory asan-selftest
	$(Q)if [ -f "$$($(CLANG) -print-file-name=libclang_rt.fuzzer-$$(uname -m).a)" ]; then \
		$(MAKE) --no-print-directory fuzz-smoke; \
	else echo "fuzz-smoke: SKIP (clang's libFuzzer runtime, libclang-rt-14-dev, not installed)"; fi
	$(Q)if command -v qemu-system-x86_64 >/dev/null; then $(MAKE) --no-print-directory vm-test; \
	else echo "vm-test: SKIP (qemu-system-x86 not installed)"; fi

bench: all
	$(Q)bench/run.sh

# libFuzzer targets, built by clang with their own sanitized copy of the
# wire, zone and engine sources they exercise (the library itself is built by gcc).
FUZZ_SRCS	:= $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS	:= $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_SRCS	:= $(addprefix userspace/,dns_name.c dns_rdata.c dns_svcb.c dns_text.c \
		   dns_encoding.c dns_type.c zonefile.c dns_msg.c zone.c zone_store.c \
		   engine.c log.c metrics.c policy.c geo.c health_spec.c)
FUZZ_CFLAGS	:= -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

fuzz: $(FUZZ_BINS)

# Every target for a short bounded time on a copy of its corpus (crashes kept in
# $(BUILD)/fuzz/artifacts); longer runs by hand, see fuzz/README.md.
FUZZ_SMOKE_SECS	?= 15

fuzz-smoke: $(FUZZ_BINS)
	$(Q)fuzz/smoke.sh $(FUZZ_SMOKE_SECS) $(BUILD)/fuzz/artifacts $(FUZZ_BINS)

$(BUILD)/fuzz:
	$(Q)mkdir -p $@

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard userspace/*.h include/*.h) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -Iinclude -Iuserspace $(FUZZ_CFLAGS) $< $(FUZZ_LIB_SRCS) -lurcu -lbpf -lmaxminddb -ljansson -lpthread -o $@

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*/*.d)
