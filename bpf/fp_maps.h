/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The shapes of the maps the fast path's programs share: an answer tier and
 * the per-verdict counters. The program and the benchmark's floor each declare
 * their own from these, so both read the agent's entries the same way. */
#ifndef NAMESERVE_FP_MAPS_H
#define NAMESERVE_FP_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "fastpath.h"

#define FP_ANSWERS_MAP(n)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_HASH);		\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__uint(max_entries, FP_ANSWERS_MAX_ENTRIES);	\
		__type(key, struct fp_key);			\
		__type(value, struct fp_entry_##n);		\
	} answers_##n SEC(".maps")

/* Per-CPU, one slot per enum fp_counter: nsctl stats sums the CPUs. */
#define FP_COUNTERS_MAP(name)					\
	struct {						\
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);	\
		__uint(max_entries, FP_COUNTER_MAX);		\
		__type(key, __u32);				\
		__type(value, __u64);				\
	} name SEC(".maps")

#endif /* NAMESERVE_FP_MAPS_H */
