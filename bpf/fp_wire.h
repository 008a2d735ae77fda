/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* DNS wire constants and the word-at-a-time helpers of the XDP fast path:
 * lower-casing, checksum sums and packet loads. Also used by the benchmark's
 * floor program (bench/xdp_floor.bpf.c), so both do the same work the same way. */
#ifndef NAMESERVE_FP_WIRE_H
#define NAMESERVE_FP_WIRE_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fastpath.h"

/* Verifier: packet offsets are kept below this so a pointer built from one
 * keeps its range; no linear XDP frame is this long. */
#define FP_PKT_OFF_MAX		0x3fff

#define DNS_HDR_LEN		12
#define DNS_UDP_MIN		512	/* RFC 1035 4.2.1, without EDNS */
#define DNS_QR			0x8000
#define DNS_OPCODE		0x7800
#define DNS_AA			0x0400
#define DNS_TC			0x0200
#define DNS_RD			0x0100
#define DNS_CD			0x0010
#define DNS_CLASS_IN		1
#define DNS_TYPE_OPT		41
#define DNS_OPT_LEN		11	/* root owner, type, class, ttl, rdlength */
#define EDNS_OPT_COOKIE		10	/* RFC 7873; the engine ignores it too */
#define EDNS_DO			0x80	/* in the high byte of the OPT flags */

#define IP_MF			0x2000	/* not in the UAPI headers */
#define IP_OFFSET		0x1fff

struct fp_dnshdr {
	__be16	id;
	__be16	flags;
	__be16	qdcount;
	__be16	ancount;
	__be16	nscount;
	__be16	arcount;
};

static __always_inline __u16 fp_csum_fold(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/*
 * Sums are kept in memory order, as the kernel's __wsum: adding 16- or 32-bit
 * loads and storing the folded complement gives the right bytes on either
 * endianness. A big-endian value v enters as bpf_htons(v); a run of bytes that
 * starts at an odd offset contributes its even-offset sum byte-swapped.
 */
static __always_inline __u32 fp_csum_be(__u16 v, __u64 odd)
{
	__u32 vv = (__u32)v << 16 | v;

	/* Verifier: swapped without a branch, so the paths for odd and even
	 * offsets are not walked twice. */
	return bpf_htons((vv >> (8 * (odd & 1))) & 0xffff);
}

/* ASCII A-Z to a-z in eight bytes at once; label lengths (1..63) and zero
 * padding are never in A-Z, so the whole wire name can go through. */
static __always_inline __u64 fp_lower8(__u64 x)
{
	__u64 h = x & 0x7f7f7f7f7f7f7f7fULL;
	__u64 ge_a = h + 0x3f3f3f3f3f3f3f3fULL;		/* high bit: >= 'A' */
	__u64 gt_z = h + 0x2525252525252525ULL;		/* high bit: > 'Z' */
	__u64 upper = ge_a & ~gt_z & ~x & 0x8080808080808080ULL;

	return x | (upper >> 2);
}

/* The last @k (0..7) bytes of a word loaded from memory, moved to where its
 * first bytes were, the rest zero. Two shifts: one by 64 would be undefined. */
static __always_inline __u64 fp_last_bytes(__u64 x, __u64 k)
{
	__u64 half = 4 * (8 - k);

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (x >> half) >> half;
#else
	return (x << half) << half;
#endif
}

/* The eight packet bytes at @off, which are known to be in the packet. */
static __always_inline int fp_load8(void *data, void *end, __u64 off, __u64 *x)
{
	__u64 *p = data + (off & FP_PKT_OFF_MAX);

	if ((void *)(p + 1) > end)
		return -1;
	*x = *p;
	return 0;
}

/* The first 8 bytes of our OPT record as one little-endian word. */
static __always_inline __u64 fp_opt_head(bool dnssec_ok)
{
	return (__u64)DNS_TYPE_OPT << 16 | (__u64)(FP_EDNS_UDP_SIZE >> 8) << 24 |
	       (__u64)(FP_EDNS_UDP_SIZE & 0xff) << 32 | (__u64)(dnssec_ok ? EDNS_DO : 0) << 56;
}

#endif /* NAMESERVE_FP_WIRE_H */
