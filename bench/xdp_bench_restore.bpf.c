// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Benchmark harness: BPF_PROG_TEST_RUN with repeat runs a program on the same
 * buffer, so a program that rewrites its packet would see its own reply from
 * the second run on. This one puts the original frame back, then tail-calls
 * the program under test; the cost of the restore is measured on its own. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define BENCH_FRAME_MAX		1024

struct bench_frame {
	__u32	len;
	__u8	data[BENCH_FRAME_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_frame);
} frame SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

/* Set when the program under test grows every reply at the frame's head (a
 * zero tail_grow_max): the restore then takes those bytes back from the head,
 * or each run would start lower in the headroom until none was left. */
const volatile __u32 head_grows = 0;

SEC("xdp")
int xdp_bench_restore(struct xdp_md *ctx)
{
	struct bench_frame *f;
	__u32 zero = 0, len;
	long delta;

	f = bpf_map_lookup_elem(&frame, &zero);
	if (!f)
		return XDP_ABORTED;
	len = f->len;
	if (len < 14 || len > BENCH_FRAME_MAX)
		return XDP_ABORTED;
	delta = (long)len - (long)bpf_xdp_get_buff_len(ctx);
	if (head_grows && delta < 0) {
		if (bpf_xdp_adjust_head(ctx, -delta))
			return XDP_ABORTED;
		delta = 0;
	}
	if (delta && bpf_xdp_adjust_tail(ctx, delta))
		return XDP_ABORTED;
	if (bpf_xdp_store_bytes(ctx, 0, f->data, len))
		return XDP_ABORTED;
	bpf_tail_call(ctx, &target, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
