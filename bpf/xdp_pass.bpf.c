// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Passes every frame. On veth, frames sent with XDP_TX by the peer are only
 * received when the receiving end has an XDP program too; this is that one. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
