// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The fast path: answers well-formed standard queries for hot names from the
 * answers_* maps with XDP_TX, rewriting the query in place, and passes every
 * other packet up untouched so the kernel and the engine handle it. */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fastpath.h"
#include "fp_policy.h"
#include "fp_wire.h"
#include "fp_maps.h"

#define FP_CONTINUE		-1	/* a parser's "go on": not a verdict */

#define FP_VLAN_MAX		2	/* 802.1Q and 802.1ad (QinQ) */
#define FP_IPV4_OPT_WORDS	10	/* IHL 15 minus the fixed 5 words */
#define FP_LABELS_MAX		128	/* 255 bytes hold 127 one-byte labels and the root */
#define FP_EDNS_OPTS_MAX	8
#define FP_REPLY_TTL		64
/* What a reply can take at the frame's head: the XDP_PACKET_HEADROOM drivers
 * leave, less the struct xdp_frame that XDP_TX builds there. */
#define FP_HEAD_GROW_MAX	(256 - 40)
/* Headers and question, moved when the reply grows at the head: 22 bytes of
 * Ethernet and VLAN, 60 of IPv4, 8 of UDP, 12 + 259 of DNS at most. */
#define FP_MOVE_MAX		512

#ifndef ETH_P_8021AD
#define ETH_P_8021AD		0x88A8
#endif

struct fp_vlan_hdr {
	__be16	tci;
	__be16	proto;
};

/* What the parsers learn about a query; offsets count from the frame start. */
struct fp_query {
	__u64	qsum;		/* memory-order sum of the question bytes */
	__u32	l3_off;
	__u32	l4_off;
	__u32	ip_hlen;	/* IPv4 IHL * 4 */
	__u32	msg_end;	/* where the UDP length ends the DNS message */
	__u32	qlen;		/* wire qname length, root byte included */
	__u32	client_size;	/* the most the client takes over UDP */
	__u16	flags;		/* DNS header flags, host order */
	__u16	qtype;		/* host order */
	bool	v6;
	bool	opt;
	bool	dnssec_ok;
};

/* A steered answer: the records fp_policy_select() chose, in answer order,
 * and the answer assembled from them. */
struct fp_steered {
	__u64			launder;	/* as fp_scratch.launder */
	__u8			order[FP_POLICY_RECORDS_MAX];
	struct fp_answer	ans;
};

/* What does not fit the 512-byte stack. */
struct fp_scratch {
	__u64			launder;/* see fp_launder() */
	struct fp_key		key;
	/* The name lower-cased, zero padded past its end, as entries hold it. */
	__u64			qname[FP_QNAME_WIRE_MAX / 8];
	__u8			move[FP_MOVE_MAX];	/* see fp_make_room() */
	struct fp_steered	steer;
};

FP_ANSWERS_MAP(32);
FP_ANSWERS_MAP(64);
FP_ANSWERS_MAP(128);
FP_ANSWERS_MAP(256);

/* Traffic steering (include/fp_policy.h): the agent writes these; health
 * flips bits in the one mmapped element without touching any answer. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FP_POLICIES_MAX);
	__type(key, __u32);
	__type(value, struct fp_policy);
} policies SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_health);
} health SEC(".maps");

#define FP_LPM_MAP(name, key_type, value_type, max)		\
	struct {						\
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);		\
		__uint(map_flags, BPF_F_NO_PREALLOC);		\
		__uint(max_entries, max);			\
		__type(key, key_type);				\
		__type(value, value_type);			\
	} name SEC(".maps")

FP_LPM_MAP(geo_v4, struct fp_geo_v4_key, struct fp_geo, FP_GEO_MAX_ENTRIES);
FP_LPM_MAP(geo_v6, struct fp_geo_v6_key, struct fp_geo, FP_GEO_MAX_ENTRIES);
FP_LPM_MAP(policy_cidr_v4, struct fp_cidr_v4_key, __u32, FP_POLICY_CIDR_MAX);
FP_LPM_MAP(policy_cidr_v6, struct fp_cidr_v6_key, __u32, FP_POLICY_CIDR_MAX);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FP_POLICY_CODES_MAX);
	__type(key, struct fp_code_key);
	__type(value, __u32);
} policy_codes SEC(".maps");

FP_COUNTERS_MAP(counters);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fp_scratch);
} scratch SEC(".maps");

const volatile __u16 dns_port = 53;	/* host order */
/* The most bytes asked of a frame's tailroom at once; the rest comes from its
 * head. Lower only for drivers that leave no tailroom, and in tests. */
const volatile __u32 tail_grow_max = FP_PKT_OFF_MAX;

/* The answer keys' seed (fp_key_start()); the agent sets it at load. */
const volatile __u64 name_seed = 0;

/*
 * Verifier: a value read back from a map is just "some scalar". Paths that
 * reach the same point knowing different ranges for a value (one per loop exit,
 * per VLAN count, per IHL) would each be walked through the rest of the
 * program; laundering the value, then bounding it again, lets them share one
 * state. Only for values the code has already bounded by construction, and
 * masked at once: 6.1 does not keep an unbounded scalar spilled to the stack.
 */
static __always_inline __u64 fp_launder(struct fp_scratch *s, __u64 v)
{
	*(volatile __u64 *)&s->launder = v;
	return *(volatile __u64 *)&s->launder;
}

static __always_inline bool fp_ipv6_ext(__u8 nh)
{
	switch (nh) {
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_FRAGMENT:
	case IPPROTO_ESP:
	case IPPROTO_AH:
	case IPPROTO_DSTOPTS:
	case IPPROTO_MH:
	case 139:	/* HIP */
	case 140:	/* Shim6 */
	case 253:	/* RFC 3692 experiments */
	case 254:
		return true;
	}
	return false;
}

/* Ethernet, VLAN tags, IP and UDP: is this a DNS message to our port, and where. */
static __always_inline int fp_parse_l2_l4(struct xdp_md *ctx, struct fp_query *q)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct udphdr *udp;
	__u32 off = sizeof(*eth), ip_payload, ulen;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return FP_PASS_NOT_DNS;
	proto = eth->h_proto;
	for (i = 0; i < FP_VLAN_MAX; i++) {
		struct fp_vlan_hdr *vh = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return FP_PASS_NOT_DNS;
		proto = vh->proto;
		off += sizeof(*vh);
	}
	q->l3_off = off;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;
		__u32 tot;

		if ((void *)(ip + 1) > end)
			return FP_PASS_MALFORMED;
		if (ip->version != 4 || ip->ihl < 5)
			return FP_PASS_MALFORMED;
		if (ip->protocol != IPPROTO_UDP)
			return FP_PASS_NOT_DNS;
		if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET))
			return FP_PASS_FRAGMENT;
		q->ip_hlen = ip->ihl * 4;
		tot = bpf_ntohs(ip->tot_len);
		/* Verifier: 6.1 knows nothing of a byte-swapped value; bound it
		 * on its own (clang would fold both checks into one) before it
		 * moves a packet pointer. */
		if (tot > FP_PKT_OFF_MAX)
			return FP_PASS_MALFORMED;
		barrier_var(tot);
		if (tot < q->ip_hlen + sizeof(*udp) || data + off + tot > end)
			return FP_PASS_MALFORMED;
		ip_payload = tot - q->ip_hlen;
		off += q->ip_hlen;
		q->v6 = false;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end)
			return FP_PASS_MALFORMED;
		if (ip6->version != 6)
			return FP_PASS_MALFORMED;
		if (ip6->nexthdr != IPPROTO_UDP)
			return fp_ipv6_ext(ip6->nexthdr) ? FP_PASS_FRAGMENT : FP_PASS_NOT_DNS;
		ip_payload = bpf_ntohs(ip6->payload_len);
		/* Verifier: as for IPv4. */
		if (ip_payload > FP_PKT_OFF_MAX)
			return FP_PASS_MALFORMED;
		barrier_var(ip_payload);
		if (ip_payload < sizeof(*udp) || data + off + sizeof(*ip6) + ip_payload > end)
			return FP_PASS_MALFORMED;
		off += sizeof(*ip6);
		q->ip_hlen = 0;
		q->v6 = true;
	} else {
		return FP_PASS_NOT_DNS;
	}
	q->l4_off = off;

	udp = data + off;
	if ((void *)(udp + 1) > end)
		return FP_PASS_MALFORMED;
	if (udp->dest != bpf_htons(dns_port))
		return FP_PASS_NOT_DNS;
	/* No socket can answer port 0; neither do we. */
	if (udp->source == 0)
		return FP_PASS_MALFORMED;
	/* Bytes past the UDP length (Ethernet padding) are not the message. */
	ulen = bpf_ntohs(udp->len);
	if (ulen < sizeof(*udp) + DNS_HDR_LEN || ulen > ip_payload)
		return FP_PASS_MALFORMED;
	q->msg_end = off + ulen;
	if (q->msg_end > FP_PKT_OFF_MAX)
		return FP_PASS_MALFORMED;
	return FP_CONTINUE;
}

/* The OPT record after the question (RFC 6891 6.1.2): only version 0 with
 * no options but COOKIE is ours to answer; the engine does the rest. */
static __always_inline int fp_parse_opt(struct xdp_md *ctx, struct fp_query *q, __u64 off)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 pos, opt_end, olen, size;
	__u8 *p;
	int i;

	/* Verifier: re-bound the offset so the pointer below keeps a range. */
	off &= FP_PKT_OFF_MAX;
	if (off + DNS_OPT_LEN > q->msg_end)
		return FP_PASS_MALFORMED;
	p = data + off;
	if ((void *)(p + DNS_OPT_LEN) > end)
		return FP_PASS_MALFORMED;
	if (p[0] != 0 || p[1] != 0 || p[2] != DNS_TYPE_OPT)
		return FP_PASS_EDNS;
	opt_end = off + DNS_OPT_LEN + ((p[9] << 8) | p[10]);
	if (opt_end != q->msg_end)
		return FP_PASS_MALFORMED;
	if (p[6] != 0)
		return FP_PASS_EDNS;		/* the engine sends BADVERS */
	size = (p[3] << 8) | p[4];
	q->client_size = size > DNS_UDP_MIN ? size : DNS_UDP_MIN;
	q->dnssec_ok = p[7] & EDNS_DO;
	q->opt = true;

	pos = off + DNS_OPT_LEN;
	for (i = 0; i < FP_EDNS_OPTS_MAX; i++) {
		if (pos == opt_end)
			return FP_CONTINUE;
		if (pos + 4 > opt_end)
			return FP_PASS_EDNS;
		/* Verifier: as above; pos <= opt_end <= FP_PKT_OFF_MAX already. */
		pos &= FP_PKT_OFF_MAX;
		p = data + pos;
		if ((void *)(p + 4) > end)
			return FP_PASS_MALFORMED;
		if (((p[0] << 8) | p[1]) != EDNS_OPT_COOKIE)
			return FP_PASS_EDNS;
		olen = (p[2] << 8) | p[3];
		pos += 4 + olen;
		if (pos > opt_end)
			return FP_PASS_EDNS;
	}
	return pos == opt_end ? FP_CONTINUE : FP_PASS_EDNS;
}

/*
 * The DNS header, the question and the optional OPT record. Leaves the key
 * and the lower-cased name in @s, and the tier of the name's length in @tier.
 */
static __always_inline int fp_parse_dns(struct xdp_md *ctx, struct fp_query *q,
					struct fp_scratch *s, int *tier)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 qname_off = q->l4_off + sizeof(struct udphdr) + DNS_HDR_LEN;
	struct fp_dnshdr *dns = data + q->l4_off + sizeof(struct udphdr);
	__u64 n, qend, sum = 0;
	__u16 qtype, arcount;
	__u8 *p;

	if ((void *)(dns + 1) > end)
		return FP_PASS_MALFORMED;
	q->flags = bpf_ntohs(dns->flags);
	if (q->flags & (DNS_QR | DNS_OPCODE | DNS_TC))
		return FP_PASS_NOT_QUERY;
	arcount = bpf_ntohs(dns->arcount);
	if (dns->qdcount != bpf_htons(1) || dns->ancount || dns->nscount || arcount > 1)
		return FP_PASS_MALFORMED;

	if (fp_name_len(data, end, qname_off, FP_LABELS_MAX, FP_QNAME_WIRE_MAX - 1, &n))
		return FP_PASS_MALFORMED;
	/* Verifier: each exit from the walk's loop knows n differently. */
	n = fp_launder(s, n) & 0xff;
	q->qlen = n;
	qend = qname_off + n + 4;
	if (qend > q->msg_end)
		return FP_PASS_MALFORMED;

	p = data + qname_off + n;
	if ((void *)(p + 4) > end)
		return FP_PASS_MALFORMED;
	qtype = (p[0] << 8) | p[1];
	if (p[2] != 0 || p[3] != DNS_CLASS_IN)
		return FP_PASS_CLASS;

	/* The name lower-cased, its key and its sum, in one pass. */
	q->qtype = qtype;
	if (fp_name_words(data, end, qname_off, n, FP_QNAME_WIRE_MAX / 8, s->qname,
			  fp_key_start(name_seed, qtype, n), &s->key.hash, &sum))
		return FP_PASS_ERROR;
	/* Then type and class, at the name's end. */
	q->qsum = sum + fp_csum_be(qtype, n & 1) + fp_csum_be(DNS_CLASS_IN, n & 1);

	if (n <= FP_TIER_0)
		*tier = 0;
	else if (n <= FP_TIER_1)
		*tier = 1;
	else if (n <= FP_TIER_2)
		*tier = 2;
	else
		*tier = 3;

	/* Verifier: after the word loops, so they are walked once per tier
	 * and not once per way through the OPT record as well. */
	q->client_size = DNS_UDP_MIN;
	q->opt = false;
	q->dnssec_ok = false;
	if (arcount)
		return fp_parse_opt(ctx, q, qend);
	return qend == q->msg_end ? FP_CONTINUE : FP_PASS_MALFORMED;
}

/*
 * The entry of @tier's map under the query's key, if it is the query's: the
 * key is a hash, and the name and qtype decide. Whole words: past the name's
 * end both sides are zero. Verifier: one function per tier, so that the word
 * loop knows the entry's width.
 */
#define FP_DEFINE_LOOKUP(n)							\
static __always_inline const struct fp_answer *					\
fp_lookup_##n(const struct fp_query *q, const struct fp_scratch *s)		\
{										\
	const struct fp_entry_##n *e;						\
	__u64 last = q->qlen / 8;						\
	int i;									\
										\
	/* Verifier: the loop's exits would each know qlen differently. */	\
	barrier_var(last);							\
	e = bpf_map_lookup_elem(&answers_##n, &s->key);			\
	if (!e || e->qtype != q->qtype || e->qlen != q->qlen)			\
		return NULL;							\
	for (i = 0; i < (n) / 8; i++) {						\
		if (i > last)							\
			break;							\
		if (e->qname[i] != s->qname[i])					\
			return NULL;						\
	}									\
	return &e->answer;							\
}
FP_DEFINE_LOOKUP(32)
FP_DEFINE_LOOKUP(64)
FP_DEFINE_LOOKUP(128)
FP_DEFINE_LOOKUP(256)

static __always_inline const struct fp_answer *fp_lookup(const struct fp_query *q,
							 const struct fp_scratch *s, int tier)
{
	switch (tier) {
	case 0:
		return fp_lookup_32(q, s);
	case 1:
		return fp_lookup_64(q, s);
	case 2:
		return fp_lookup_128(q, s);
	default:
		return fp_lookup_256(q, s);
	}
}

/*
 * The region of the client at the packet's source address, for the policy at
 * @pidx: its longest matching CIDR rule, else the rule for the country the
 * geo tries give, else for the continent, else 0. ECS queries never get here.
 */
static __always_inline __u32 fp_region(struct xdp_md *ctx, const struct fp_query *q,
				       __u32 pidx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct fp_code_key ck;
	struct fp_geo *g;
	__u32 *r;

	if (q->v6) {
		struct ipv6hdr *ip6 = data + (q->l3_off & 0xff);
		struct fp_cidr_v6_key c6;
		struct fp_geo_v6_key g6;

		if ((void *)(ip6 + 1) > end)
			return 0;
		c6.prefixlen = 32 + 128;
		c6.policy = bpf_htonl(pidx);
		__builtin_memcpy(c6.addr, &ip6->saddr, 16);
		r = bpf_map_lookup_elem(&policy_cidr_v6, &c6);
		if (r)
			return *r;
		g6.prefixlen = 128;
		__builtin_memcpy(g6.addr, c6.addr, 16);
		g = bpf_map_lookup_elem(&geo_v6, &g6);
	} else {
		struct iphdr *ip = data + (q->l3_off & 0xff);
		struct fp_cidr_v4_key c4;
		struct fp_geo_v4_key g4;

		if ((void *)(ip + 1) > end)
			return 0;
		c4.prefixlen = 32 + 32;
		c4.policy = bpf_htonl(pidx);
		__builtin_memcpy(c4.addr, &ip->saddr, 4);
		r = bpf_map_lookup_elem(&policy_cidr_v4, &c4);
		if (r)
			return *r;
		g4.prefixlen = 32;
		__builtin_memcpy(g4.addr, c4.addr, 4);
		g = bpf_map_lookup_elem(&geo_v4, &g4);
	}
	if (!g)
		return 0;
	ck.policy = pidx;
	ck.pad = 0;
	if (g->country[0]) {
		ck.kind = FP_GEO_COUNTRY;
		ck.code[0] = g->country[0];
		ck.code[1] = g->country[1];
		r = bpf_map_lookup_elem(&policy_codes, &ck);
		if (r)
			return *r;
	}
	if (g->continent[0]) {
		ck.kind = FP_GEO_CONTINENT;
		ck.code[0] = g->continent[0];
		ck.code[1] = g->continent[1];
		r = bpf_map_lookup_elem(&policy_codes, &ck);
		if (r)
			return *r;
	}
	return 0;
}

/* Policies are on A and AAAA only: their records, owner compressed to the
 * question, have these lengths. */
#define FP_RR_LEN_A		16
#define FP_RR_LEN_AAAA		28

/* The @k chosen records, @rr_len bytes each, from @a into @out's answer.
 * Verifier: @rr_len is a constant, so every offset is bounded by constants
 * alone, which 6.1 keeps even when it spills the values. */
static __always_inline int fp_steer_copy(const struct fp_policy *p, const struct fp_answer *a,
					 struct fp_steered *out, __u32 k, const __u32 rr_len)
{
	__u64 src, dst, sum = 0;
	const __u8 *o;
	__u32 j, i;
	__u8 *d;

	if (k * rr_len > FP_ANSWER_MAX)
		return -1;
	for (j = 0; j < FP_POLICY_RECORDS_MAX; j++) {
		if (j >= k)
			break;
		i = out->order[j] & (FP_POLICY_RECORDS_MAX - 1);
		src = i * rr_len;
		dst = j * rr_len;
		/* A record past the entry's data is a broken policy. */
		if (src + rr_len > a->len)
			return -1;
		if (src > FP_ANSWER_MAX - rr_len || dst > FP_ANSWER_MAX - rr_len)
			return -1;
		o = a->data + src;
		d = out->ans.data + dst;
		*(__u64 *)d = *(const __u64 *)o;
		*(__u64 *)(d + 8) = *(const __u64 *)(o + 8);
		if (rr_len == FP_RR_LEN_AAAA) {
			*(__u64 *)(d + 16) = *(const __u64 *)(o + 16);
			*(__u32 *)(d + 24) = *(const __u32 *)(o + 24);
		}
		sum += p->csum[i];
	}
	out->ans.len = k * rr_len;
	out->ans.ancount = k;
	out->ans.flags = a->flags & FP_ANSWER_F_PASS_DO;
	out->ans.csum = fp_csum_fold(sum);
	out->ans.policy = 0;
	return 0;
}

/*
 * Chooses the records of policy @p for @region and assembles them from the
 * entry @a into @out: each record copied from a->data at its index times
 * rr_len, the answer's sum the sum of the records' (each starts on an even
 * offset). 0, or -1 for a broken policy or entry.
 *
 * Verifier: a global function, verified once on its own and returning an
 * unknown scalar; inlined, the selection's paths would be walked again for
 * every answer tier, query shape and region lookup reaching it.
 */
__noinline int fp_steer_pick(const struct fp_policy *p, __u32 region, const struct fp_health *h,
			     const struct fp_answer *a, struct fp_steered *out)
{
	__u32 k;

	if (!p || !h || !a || !out)
		return -1;
	if (p->rr_len != FP_RR_LEN_A && p->rr_len != FP_RR_LEN_AAAA)
		return -1;
	k = fp_policy_select(p, region, h, bpf_get_prandom_u32(), out->order, NULL);
	/* Verifier: each way through the selection knows k differently; the
	 * copy below is walked once, not once per way. */
	*(volatile __u64 *)&out->launder = k;
	k = *(volatile __u64 *)&out->launder & 0xff;
	if (k == 0 || k > FP_POLICY_RECORDS_MAX)
		return -1;
	if (p->rr_len == FP_RR_LEN_A)
		return fp_steer_copy(p, a, out, k, FP_RR_LEN_A);
	if (p->rr_len == FP_RR_LEN_AAAA)
		return fp_steer_copy(p, a, out, k, FP_RR_LEN_AAAA);
	return -1;
}

/*
 * A steered RRset: the records its policy chooses for this client, assembled
 * in the scratch answer, so fp_reply() sends them as it sends any entry. NULL
 * for a broken policy; the engine answers then.
 */
static __always_inline const struct fp_answer *fp_steer(struct xdp_md *ctx,
							const struct fp_query *q,
							struct fp_scratch *s,
							const struct fp_answer *a)
{
	const struct fp_policy *p;
	const struct fp_health *h;
	__u32 pidx = a->policy, zero = 0, region = 0;

	p = bpf_map_lookup_elem(&policies, &pidx);
	h = bpf_map_lookup_elem(&health, &zero);
	if (!p || !h)
		return NULL;
	if (p->flags & FP_POLICY_F_GEO)
		region = fp_region(ctx, q, pidx);
	if (fp_steer_pick(p, region, h, a, &s->steer))
		return NULL;
	return &s->steer.ans;
}

/*
 * Moves the first @keep bytes from @head to the frame start in whole words,
 * lowest first: each word is read before any store reaches it, as the
 * destination lies below the source. The last word may carry up to seven bytes
 * past @keep; they land where the answer and OPT record are written next.
 * Cheaper than the load and store helpers; when the words would run past the
 * frame's end (a reply with no answer and no OPT), they do the job instead.
 */
static __always_inline int fp_move_words(struct xdp_md *ctx, long head, __u32 keep)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 src = (__u64)head & 0xff, words = (keep + 7) / 8, off;
	__u64 *d, *p;
	int i;

	if (data + src + 8 * words > end)
		return -1;
	for (i = 0; i < FP_MOVE_MAX / 8; i++) {
		if (i >= words)
			break;
		/* Verifier: one scalar offset per pointer, checked right
		 * before its use; d's own check, as it does not see that d
		 * lies below p. */
		off = src + 8 * i;
		barrier_var(off);
		p = data + (off & FP_PKT_OFF_MAX);
		d = data + 8 * i;
		if ((void *)(p + 1) > end || (void *)(d + 1) > end)
			return -1;
		*d = *p;
	}
	return 0;
}

/*
 * Makes the frame @delta bytes longer (or shorter) for the reply, its first
 * @keep bytes (headers and question) kept at the front. Most drivers leave the
 * rest of a page as tailroom, but veth (since its page_pool copies) and generic
 * XDP leave little more than the frame's cache-line slack; then the head, where
 * drivers leave XDP_PACKET_HEADROOM, gives the rest and the kept bytes move
 * forward. On failure the frame is as it was.
 */
static __always_inline int fp_make_room(struct xdp_md *ctx, struct fp_scratch *s, long delta,
					__u32 keep)
{
	long head, tail;

	if (delta == 0)
		return 0;
	if (delta <= (long)tail_grow_max && !bpf_xdp_adjust_tail(ctx, delta))
		return 0;
	if (delta < 0)
		return -1;
	head = delta < FP_HEAD_GROW_MAX ? delta : FP_HEAD_GROW_MAX;
	tail = delta - head;
	if (tail && (tail > (long)tail_grow_max || bpf_xdp_adjust_tail(ctx, tail)))
		return -1;
	if (bpf_xdp_adjust_head(ctx, -head))
		goto undo_tail;
	if (keep == 0 || keep > FP_MOVE_MAX)
		goto undo_head;
	if (!fp_move_words(ctx, head, keep))
		return 0;
	/* Verifier: the helpers take a length known to fit the buffer. */
	if (bpf_xdp_load_bytes(ctx, head, s->move, keep) ||
	    bpf_xdp_store_bytes(ctx, 0, s->move, keep))
		goto undo_head;
	return 0;
undo_head:
	bpf_xdp_adjust_head(ctx, head);
undo_tail:
	if (tail)
		bpf_xdp_adjust_tail(ctx, -tail);
	return -1;
}

/* Turns the query into the reply in place: same headers and question, the
 * answer records after it, our OPT when the query had one. */
static __always_inline int fp_reply(struct xdp_md *ctx, struct fp_query *q,
				    struct fp_scratch *s, const struct fp_answer *a)
{
	__u32 alen = a->len, dns_len, ulen, frame_len, aoff, i;
	__u16 flags, sport, dport, ancount = a->ancount;
	void *data, *end;
	struct ethhdr *eth;
	struct udphdr *udp;
	struct fp_dnshdr *dns;
	__u64 sum;
	__u16 csum;
	__u32 av;
	long delta;

	/* No record is shorter than 11 bytes: 1..7 is a broken entry. */
	if (alen > FP_ANSWER_MAX || (alen && alen < 8))
		return FP_PASS_ERROR;
	if ((a->flags & FP_ANSWER_F_PASS_DO) && q->dnssec_ok)
		return FP_PASS_DNSSEC;
	dns_len = DNS_HDR_LEN + q->qlen + 4 + alen + (q->opt ? DNS_OPT_LEN : 0);
	if (dns_len > q->client_size)
		return FP_PASS_TOO_BIG;
	av = a->csum;

	ulen = sizeof(*udp) + dns_len;
	frame_len = q->l4_off + ulen;
	/* The question stays where it is; the answer starts right after it. */
	aoff = q->l4_off + sizeof(*udp) + DNS_HDR_LEN + q->qlen + 4;
	/* A program without xdp.frags never sees a fragmented frame: its
	 * linear part is the whole, and no helper call is needed to learn it. */
	delta = (long)frame_len - (long)(ctx->data_end - ctx->data);
	if (fp_make_room(ctx, s, delta, aoff))
		return FP_PASS_ERROR;

	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return FP_PASS_ERROR;
	fp_swap_macs(eth);

	/*
	 * Sums are taken from the values read before the rewrite and the ones
	 * written, never by reading back: a load that straddles stores just
	 * made stalls. First the pseudo-header's protocol and length, then the
	 * UDP length field.
	 */
	sum = bpf_htons(IPPROTO_UDP) + 2 * bpf_htons(ulen);
	if (q->v6) {
		struct ipv6hdr *ip6 = data + (q->l3_off & 0xff);
		__u64 a0, a1, b0, b1;

		if ((void *)(ip6 + 1) > end)
			return FP_PASS_ERROR;
		a0 = *(__u64 *)&ip6->saddr;
		a1 = *((__u64 *)&ip6->saddr + 1);
		b0 = *(__u64 *)&ip6->daddr;
		b1 = *((__u64 *)&ip6->daddr + 1);
		*(__u64 *)&ip6->saddr = b0;
		*((__u64 *)&ip6->saddr + 1) = b1;
		*(__u64 *)&ip6->daddr = a0;
		*((__u64 *)&ip6->daddr + 1) = a1;
		ip6->hop_limit = FP_REPLY_TTL;
		ip6->payload_len = bpf_htons(ulen);
		sum += (a0 & 0xffffffff) + (a0 >> 32) + (a1 & 0xffffffff) + (a1 >> 32) +
		       (b0 & 0xffffffff) + (b0 >> 32) + (b1 & 0xffffffff) + (b1 >> 32);
	} else {
		struct iphdr *ip = data + (q->l3_off & 0xff);
		__u32 saddr, daddr, *opt;
		__u16 tot = bpf_htons(q->ip_hlen + ulen);
		__u64 isum;

		if ((void *)(ip + 1) > end)
			return FP_PASS_ERROR;
		saddr = ip->saddr;
		daddr = ip->daddr;
		sum += (__u64)saddr + daddr;
		isum = (__u64)saddr + daddr + *(__u16 *)ip + tot + ip->id + ip->frag_off +
		       bpf_htons(FP_REPLY_TTL << 8 | ip->protocol);
		/* Options are kept as they are and covered by the checksum. */
		for (i = 0; i < FP_IPV4_OPT_WORDS; i++) {
			if (i >= q->ip_hlen / 4 - 5)
				break;
			opt = (__u32 *)(ip + 1) + i;
			if ((void *)(opt + 1) > end)
				return FP_PASS_ERROR;
			isum += *opt;
		}
		ip->saddr = daddr;
		ip->daddr = saddr;
		ip->ttl = FP_REPLY_TTL;
		ip->tot_len = tot;
		ip->check = ~fp_csum_fold(isum);
	}

	udp = data + (q->l4_off & 0xff);
	dns = (void *)(udp + 1);
	if ((void *)(dns + 1) > end)
		return FP_PASS_ERROR;
	sport = udp->source;
	dport = udp->dest;
	flags = bpf_htons(DNS_QR | DNS_AA | (q->flags & (DNS_RD | DNS_CD)));
	udp->source = dport;
	udp->dest = sport;
	udp->len = bpf_htons(ulen);
	udp->check = 0;
	dns->flags = flags;
	dns->qdcount = bpf_htons(1);
	dns->ancount = bpf_htons(ancount);
	dns->nscount = 0;
	dns->arcount = bpf_htons(q->opt ? 1 : 0);
	sum += sport + dport + dns->id + flags + bpf_htons(1) + bpf_htons(ancount) +
	       bpf_htons(q->opt ? 1 : 0) + q->qsum;

	aoff &= FP_PKT_OFF_MAX;
	if (alen >= 8 && fp_put_answer(data, end, aoff, a->data, alen, FP_ANSWER_MAX))
		return FP_PASS_ERROR;
	if (alen)
		sum += fp_csum_be(av, q->qlen & 1);
	if (q->opt && fp_put_opt(data, end, (aoff + alen) & FP_PKT_OFF_MAX, q->dnssec_ok,
				 (q->qlen + alen) & 1, &sum))
		return FP_PASS_ERROR;

	/* From scratch, never from the query's: over veth its checksum may be
	 * a partial one left by TX offload. Zero means "none" in IPv4. */
	csum = ~fp_csum_fold(sum);
	udp->check = csum ? csum : 0xffff;
	return FP_TX_ANSWER;
}

static __always_inline int fp_handle(struct xdp_md *ctx)
{
	struct fp_query q = {};
	struct fp_scratch *s;
	const struct fp_answer *a;
	__u32 zero = 0;
	int ret, tier = 0;
	__u64 v;

	ret = fp_parse_l2_l4(ctx, &q);
	if (ret != FP_CONTINUE)
		return ret;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return FP_PASS_ERROR;
	/* Verifier: one state for every VLAN count and IP header length; the
	 * masks are no-ops on values fp_parse_l2_l4 has bounded. */
	v = fp_launder(s, q.l3_off | q.l4_off << 8 | q.ip_hlen << 16 | (__u64)q.msg_end << 24);
	q.l3_off = v & 0x1f;
	q.l4_off = (v >> 8) & 0x7f;
	q.ip_hlen = (v >> 16) & 0x3f;
	q.msg_end = (v >> 24) & FP_PKT_OFF_MAX;
	ret = fp_parse_dns(ctx, &q, s, &tier);
	if (ret != FP_CONTINUE)
		return ret;
	a = fp_lookup(&q, s, tier);
	if (!a)
		return FP_PASS_MISS;
	if (a->flags & FP_ANSWER_F_POLICY) {
		a = fp_steer(ctx, &q, s, a);
		if (!a)
			return FP_PASS_ERROR;
	}
	return fp_reply(ctx, &q, s, a);
}

SEC("xdp")
int xdp_dns(struct xdp_md *ctx)
{
	__u32 verdict = fp_handle(ctx);
	__u64 *cnt;

	/* The one exit: every packet bumps exactly one counter. */
	cnt = bpf_map_lookup_elem(&counters, &verdict);
	if (cnt)
		*cnt += 1;
	return verdict == FP_TX_ANSWER ? XDP_TX : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
