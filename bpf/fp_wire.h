/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* DNS wire constants and the word-at-a-time helpers of the XDP fast path:
 * lower-casing, checksum sums and packet loads. Also used by the benchmark's
 * floor program (bench/xdp_floor.bpf.c), so both do the same work the same way. */
#ifndef NAMESERVE_FP_WIRE_H
#define NAMESERVE_FP_WIRE_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/if_ether.h>
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

/*
 * The question's name at @off: labels of 1..63 bytes, no compression (RFC 1035
 * 4.1.4: a pointer cannot start a message's first name), at most @labels_max
 * labels and fewer than @len_max bytes. Its wire length, root byte included,
 * in *@len; -1 for a name that breaks any of that. A walk into the Ethernet
 * padding is the caller's to catch, with the message's end.
 */
static __always_inline int fp_name_len(void *data, void *end, __u64 off, const int labels_max,
				       const __u64 len_max, __u64 *len)
{
	__u64 n = 0, l = 0;
	__u8 *p;
	int i;

	for (i = 0; i < labels_max; i++) {
		p = data + off + n;
		if ((void *)(p + 1) > end)
			return -1;
		l = *p;
		n++;
		if (l == 0)
			break;
		if (l > FP_LABEL_MAX)
			return -1;
		n += l;
		if (n >= len_max)
			return -1;
	}
	if (l != 0)
		return -1;
	*len = n;
	return 0;
}

/*
 * One pass over the name of @n bytes at @off, a word at a time: lower-cased
 * into @w as entries hold it (whole words, then the word that ends where the
 * name ends, shifted so that only its last bytes remain), in *@key the key
 * stepped from @h over those words, and the name's sum added to *@sum (the name starts
 * at an even offset of the UDP segment). -1 if a word is not in the packet.
 */
static __always_inline int fp_name_words(void *data, void *end, __u64 off, __u64 n,
					 const int words_max, __u64 *w, __u64 h, __u64 *key,
					 __u64 *sum)
{
	__u64 full = n / 8, last, x, s = *sum;
	int i;

	/* Verifier: hide full's bound from clang, which would otherwise drop
	 * the constant loop bound and count down to full instead: 6.1 cannot
	 * follow that. */
	barrier_var(full);
	for (i = 0; i < words_max; i++) {
		if (i >= full)
			break;
		if (fp_load8(data, end, off + 8 * i, &x))
			return -1;
		s += (x & 0xffffffff) + (x >> 32);
		x = fp_lower8(x);
		w[i] = x;
		h = fp_key_step(h, x);
	}
	/* Verifier: a scalar offset, not a pointer with a negative one. The
	 * word starts inside the DNS header at worst. */
	last = off + n - 8;
	barrier_var(last);
	if (fp_load8(data, end, last, &x))
		return -1;
	x = fp_last_bytes(x, n & 7);
	s += (x & 0xffffffff) + (x >> 32);
	x = fp_lower8(x);
	w[full] = x;
	*key = fp_key_final(fp_key_step(h, x));
	*sum = s;
	return 0;
}

static __always_inline void fp_swap_macs(struct ethhdr *eth)
{
	__u8 mac[ETH_ALEN];

	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
}

/*
 * Writes the @alen (8..@max) answer bytes of @src at @aoff: whole words, then
 * one word that ends where the answer ends, overlapping the last: no byte loop
 * and no helper call. -1 if they do not fit the packet.
 */
static __always_inline int fp_put_answer(void *data, void *end, __u64 aoff, const __u8 *src,
					 __u32 alen, const __u32 max)
{
	__u64 *d, tail;
	__u32 i;

	for (i = 0; i < max / 8; i++) {
		if (i >= alen / 8)
			break;
		d = data + aoff + 8 * i;
		if ((void *)(d + 1) > end)
			return -1;
		*d = *(const __u64 *)(src + 8 * i);
	}
	/* Verifier: 6.1 does not carry the caller's checks on alen over to
	 * its spilled copy; check again what is used here. */
	tail = alen - 8;
	barrier_var(tail);
	if (tail > max - 8)
		return -1;
	/* Verifier: one scalar offset; data + x - 8 would be a pointer with a
	 * negative fixed offset. */
	d = data + ((aoff + tail) & FP_PKT_OFF_MAX);
	if ((void *)(d + 1) > end)
		return -1;
	*d = *(const __u64 *)(src + tail);
	return 0;
}

/*
 * Our OPT record at @ooff: root owner, type, our size, extended rcode 0,
 * version 0, the DO bit, then the rest of the flags and rdlength 0, as two
 * stores overlapping in the byte of DO. Its sum, at an @odd offset of the
 * segment or not, is added to *@sum. -1 if it does not fit the packet.
 */
static __always_inline int fp_put_opt(void *data, void *end, __u64 ooff, bool dnssec_ok,
				      __u64 odd, __u64 *sum)
{
	__u8 *o = data + ooff;

	if ((void *)(o + DNS_OPT_LEN) > end)
		return -1;
	*(__u64 *)o = fp_opt_head(dnssec_ok);
	*(__u32 *)(o + 7) = dnssec_ok ? EDNS_DO : 0;
	*sum += fp_csum_be((DNS_TYPE_OPT << 8 | FP_EDNS_UDP_SIZE >> 8) +
			   ((FP_EDNS_UDP_SIZE & 0xff) << 8) + (dnssec_ok ? EDNS_DO : 0), odd);
	return 0;
}

#endif /* NAMESERVE_FP_WIRE_H */
