// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The benchmark's upper bound: bounces every IPv4/UDP frame back with MACs,
 * addresses and ports swapped and the DNS QR bit set, doing no lookup. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

SEC("xdp")
int xdp_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;
	__u8 mac[ETH_ALEN], *dns;
	__u32 addr;
	__u16 port;
	__u32 sum;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP) ||
	    ip->protocol != IPPROTO_UDP || ip->ihl != 5)
		return XDP_PASS;
	udp = (void *)(ip + 1);
	dns = (void *)(udp + 1);
	if ((void *)(dns + 3) > end)
		return XDP_PASS;

	/* Queries only: a reflected reply would loop between two reflectors. */
	if (dns[2] & 0x80)
		return XDP_PASS;

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	dns[2] |= 0x80;
	/* Swaps keep the sum; setting QR adds 0x8000 to one word (RFC 1624). */
	if (udp->check) {
		sum = (__u16)~bpf_ntohs(udp->check) + 0x8000;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = ~sum & 0xffff;
		udp->check = bpf_htons(sum ? sum : 0xffff);
	}
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
