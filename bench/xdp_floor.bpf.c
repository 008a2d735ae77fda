// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The benchmark's floor: the least work an answer from nameserved's maps can
 * take, to tell what the machine allows from what the fast path spends. It
 * answers the hot zone's shape only (untagged IPv4 without options, names of
 * at most 32 bytes, no EDNS option, one-tier answers of up to 64 bytes, no
 * DNSSEC or steering flags) and passes everything else. Its lookup is the
 * cheapest one found: a per-CPU direct-mapped copy of the entries it has
 * answered, in front of nameserved's answers_32 map, which the benchmark
 * hands it together with nameserved's key seed. Not a server.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>

#include "fp_wire.h"
#include "fp_maps.h"

#define FLOOR_LINES		4096
#define FLOOR_ANSWER_MAX	64
#define FLOOR_UDP_OFF		(sizeof(struct ethhdr) + sizeof(struct iphdr))
#define FLOOR_QNAME_OFF		(FLOOR_UDP_OFF + sizeof(struct udphdr) + DNS_HDR_LEN)

/* One cached answer, in two cache lines. */
struct floor_line {
	__u64	key;
	__u64	epoch;
	__u16	qtype;
	__u8	qlen;
	__u8	alen;
	__u16	ancount;
	__u16	csum;
	__u64	qname[FP_TIER_0 / 8];
	__u8	answer[FLOOR_ANSWER_MAX];
	__u64	pad;
};
_Static_assert(sizeof(struct floor_line) == 128, "a line is two cache lines");

FP_ANSWERS_MAP(32);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FLOOR_LINES);
	__type(key, __u32);
	__type(value, struct floor_line);
} lines SEC(".maps");

FP_COUNTERS_MAP(counters);

/* Set after load: nameserved's name_seed. A real cache would have its agent
 * bump the epoch on every map write; loading it here keeps that cost in. */
volatile __u64 name_seed;
volatile __u64 epoch;

static __always_inline bool floor_same_name(const __u64 *a, const __u64 *b)
{
	return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
}

/* The answer for the name in @w (@n bytes) and @qtype: from this CPU's line,
 * else from the map, which then fills the line. */
static __always_inline const struct floor_line *floor_lookup(__u64 key, const __u64 *w,
							     __u64 n, __u16 qtype)
{
	__u32 idx = key & (FLOOR_LINES - 1);
	const struct fp_entry_32 *e;
	struct floor_line *l;
	__u64 ep = epoch;
	int i;

	l = bpf_map_lookup_elem(&lines, &idx);
	if (!l)
		return NULL;
	if (l->epoch == ep && l->key == key && l->qtype == qtype && l->qlen == n &&
	    floor_same_name(l->qname, w))
		return l;
	e = bpf_map_lookup_elem(&answers_32, &key);
	if (!e || e->qtype != qtype || e->qlen != n || !floor_same_name(e->qname, w))
		return NULL;
	if (e->answer.flags || e->answer.len < 8 || e->answer.len > FLOOR_ANSWER_MAX)
		return NULL;
	l->key = key;
	l->epoch = ep;
	l->qtype = qtype;
	l->qlen = n;
	l->alen = e->answer.len;
	l->ancount = e->answer.ancount;
	l->csum = e->answer.csum;
	for (i = 0; i < FP_TIER_0 / 8; i++)
		l->qname[i] = w[i];
	for (i = 0; i < FLOOR_ANSWER_MAX / 8; i++)
		((__u64 *)l->answer)[i] = ((const __u64 *)e->answer.data)[i];
	return l;
}

static __always_inline int floor_answer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	struct fp_dnshdr *dns = (void *)(udp + 1);
	__u64 w[8] = {}, n, key, sum = 0, qend, aoff, isum;
	const struct floor_line *l;
	__u32 saddr, daddr, ulen;
	__u16 qtype, flags, sport, dport, tot, csum;
	bool opt, dnssec_ok = false;
	__u8 *p, *o;

	if ((void *)(dns + 1) > end)
		return FP_PASS_NOT_DNS;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || *(__u8 *)ip != 0x45 ||
	    ip->protocol != IPPROTO_UDP || (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) ||
	    udp->dest != bpf_htons(53))
		return FP_PASS_NOT_DNS;
	flags = bpf_ntohs(dns->flags);
	if ((flags & (DNS_QR | DNS_OPCODE | DNS_TC)) || dns->qdcount != bpf_htons(1) ||
	    dns->ancount || dns->nscount || (dns->arcount & ~bpf_htons(1)))
		return FP_PASS_NOT_QUERY;
	if (fp_name_len(data, end, FLOOR_QNAME_OFF, FP_TIER_0, FP_TIER_0 + 1, &n))
		return FP_PASS_MISS;
	n &= 2 * FP_TIER_0 - 1;
	p = data + FLOOR_QNAME_OFF + n;
	if ((void *)(p + 4) > end)
		return FP_PASS_MALFORMED;
	qtype = (p[0] << 8) | p[1];
	if (p[2] != 0 || p[3] != DNS_CLASS_IN)
		return FP_PASS_CLASS;
	qend = FLOOR_QNAME_OFF + n + 4;
	opt = dns->arcount != 0;
	if (opt) {
		o = p + 4;
		if ((void *)(o + DNS_OPT_LEN) > end)
			return FP_PASS_MALFORMED;
		if (o[0] || o[1] || o[2] != DNS_TYPE_OPT || o[6] || o[9] || o[10])
			return FP_PASS_EDNS;
		dnssec_ok = o[7] & EDNS_DO;
		qend += DNS_OPT_LEN;
	}
	if (data + qend != end || bpf_ntohs(udp->len) != qend - FLOOR_UDP_OFF)
		return FP_PASS_MALFORMED;

	/* The key and the question's sum, as the fast path computes them. */
	if (fp_name_words(data, end, FLOOR_QNAME_OFF, n, FP_TIER_0 / 8, w,
			  fp_key_start(name_seed, qtype, n), &key, &sum))
		return FP_PASS_MALFORMED;
	l = floor_lookup(key, w, n, qtype);
	if (!l)
		return FP_PASS_MISS;

	/* The reply: grown at the tail by the answer, rewritten in place. */
	if (bpf_xdp_adjust_tail(ctx, l->alen))
		return FP_PASS_ERROR;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	udp = (void *)(ip + 1);
	dns = (void *)(udp + 1);
	if ((void *)(dns + 1) > end)
		return FP_PASS_ERROR;
	fp_swap_macs(eth);
	ulen = qend - FLOOR_UDP_OFF + l->alen;
	tot = bpf_htons(sizeof(*ip) + ulen);
	saddr = ip->saddr;
	daddr = ip->daddr;
	isum = (__u64)saddr + daddr + *(__u16 *)ip + tot + ip->id + ip->frag_off +
	       bpf_htons(64 << 8 | IPPROTO_UDP);
	ip->saddr = daddr;
	ip->daddr = saddr;
	ip->ttl = 64;
	ip->tot_len = tot;
	ip->check = ~fp_csum_fold(isum);
	sport = udp->source;
	dport = udp->dest;
	flags = bpf_htons(DNS_QR | DNS_AA | (flags & (DNS_RD | DNS_CD)));
	udp->source = dport;
	udp->dest = sport;
	udp->len = bpf_htons(ulen);
	dns->flags = flags;
	dns->ancount = bpf_htons(l->ancount);
	sum += bpf_htons(IPPROTO_UDP) + 2 * bpf_htons(ulen) + (__u64)saddr + daddr + sport +
	       dport + dns->id + flags + dns->qdcount + dns->ancount + dns->arcount +
	       fp_csum_be(qtype, n) + fp_csum_be(DNS_CLASS_IN, n) + fp_csum_be(l->csum, n);

	aoff = (FLOOR_QNAME_OFF + n + 4) & 0xff;
	if (fp_put_answer(data, end, aoff, l->answer, l->alen, FLOOR_ANSWER_MAX))
		return FP_PASS_ERROR;
	if (opt && fp_put_opt(data, end, (aoff + l->alen) & 0x1ff, dnssec_ok, n + l->alen, &sum))
		return FP_PASS_ERROR;
	csum = ~fp_csum_fold(sum);
	udp->check = csum ? csum : 0xffff;
	return FP_TX_ANSWER;
}

SEC("xdp")
int xdp_floor(struct xdp_md *ctx)
{
	__u32 verdict = floor_answer(ctx);
	__u64 *cnt = bpf_map_lookup_elem(&counters, &verdict);

	if (cnt)
		*cnt += 1;
	return verdict == FP_TX_ANSWER ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
