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
LDLIBS		+= -lxdp -lbpf -lelf -lz -lpthread -lurcu

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# Every userspace/*.c but the daemon's main goes into one static library that the
# daemon and the unit tests link.
LIB_SRCS	:= $(filter-out userspace/nameserved.c,$(wildcard userspace/*.c))
LIB_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
LIB		:= $(BUILD)/libnameserve.a

CTL_SRCS	:= $(wildcard ctl/*.c)
CTL_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS))

BENCH_BPF_OBJS	:= $(patsubst bench/%.bpf.c,$(BUILD)/bench/%.bpf.o,$(wildcard bench/*.bpf.c))
BENCH_BINS	:= $(BUILD)/bench/xdp_prog_bench

TEST_SRCS	:= $(wildcard tests/test_*.c)
TEST_BINS	:= $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))

.PHONY: all clean test unit-test selftest vm-test bench fuzz demo
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/nameserved $(BUILD)/nsctl $(TEST_BINS) $(BENCH_BPF_OBJS) $(BENCH_BINS)

$(BUILD) $(BUILD)/userspace $(BUILD)/ctl $(BUILD)/tests $(BUILD)/bench:
	$(Q)mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard include/*.h bpf/*.h) | $(BUILD)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(BPF_INCLUDES) -Wall -Werror -c $< -o $@

# The benchmark's own programs (upper bounds), beside but not in the product.
$(BUILD)/bench/%.bpf.o: bench/%.bpf.c $(wildcard include/*.h) | $(BUILD)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) $(BPF_INCLUDES) -Wall -Werror -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/userspace/%.o: userspace/%.c $(SKELS) | $(BUILD)/userspace
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/ctl/%.o: ctl/%.c | $(BUILD)/ctl
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/nameserved: $(BUILD)/userspace/nameserved.o $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/nsctl: $(CTL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ -lbpf -ljansson -o $@

$(BUILD)/tests/%: tests/%.c $(LIB) $(SKELS) | $(BUILD)/tests
	$(call msg,TEST-CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $< $(LIB) $(LDLIBS) -lcmocka -o $@

$(BUILD)/bench/xdp_prog_bench: bench/xdp_prog_bench.c $(LIB) $(SKELS) \
		$(patsubst %.bpf.o,%.skel.h,$(BENCH_BPF_OBJS)) | $(BUILD)/bench
	$(call msg,BENCH-CC,$@)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

unit-test: $(TEST_BINS)
	$(Q)tests/run_unit.sh $(TEST_BINS)

selftest: all
	$(Q)selftests/run.sh

# The README's first command: the demo zone served in a namespace pair, queried.
demo: all
	$(Q)scripts/demo.sh

# The same selftests under Debian's 6.1 LTS kernel, when QEMU is installed.
vm-test: all
	$(Q)vm/run --kernel 6.1 -- $(CURDIR)/selftests/run_vm.sh

test: all unit-test selftest
	$(Q)if command -v qemu-system-x86_64 >/dev/null; then $(MAKE) --no-print-directory vm-test; \
	else echo "vm-test: SKIP (qemu-system-x86 not installed)"; fi

bench: all
	$(Q)bench/run.sh

# libFuzzer targets, built by clang with their own sanitized copy of the
# presentation/wire sources they exercise (the library itself is built by gcc).
FUZZ_SRCS	:= $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS	:= $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_SRCS	:= $(addprefix userspace/,dns_name.c dns_rdata.c dns_svcb.c dns_text.c \
		   dns_encoding.c dns_type.c zonefile.c)
FUZZ_CFLAGS	:= -g -O1 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		   -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

fuzz: $(FUZZ_BINS)

$(BUILD)/fuzz:
	$(Q)mkdir -p $@

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_LIB_SRCS) $(wildcard userspace/*.h) | $(BUILD)/fuzz
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) -Iuserspace $(FUZZ_CFLAGS) $< $(FUZZ_LIB_SRCS) -o $@

clean:
	$(call msg,CLEAN,$(BUILD))
	$(Q)rm -rf $(BUILD)

-include $(wildcard $(BUILD)/*/*.d)
