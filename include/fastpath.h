/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The contract between bpf/xdp_dns.bpf.c and the agent: map layouts, limits and
 * counters. Only <linux/types.h> types, so clang -target bpf and gcc agree. */
#ifndef NAMESERVE_FASTPATH_H
#define NAMESERVE_FASTPATH_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define FP_QNAME_WIRE_MAX	256	/* a wire name is at most 255 bytes */
#define FP_LABEL_MAX		63
#define FP_ANSWER_MAX		256	/* answer-section bytes one entry can carry */
#define FP_EDNS_UDP_SIZE	1232	/* the UDP size we advertise (DNS flag day 2020) */
#define FP_ANSWERS_MAX_ENTRIES	(1 << 20)
#define FP_PIN_ROOT		"/sys/fs/bpf/nameserve"

/*
 * Answers live in four hash maps by qname length, so that an entry holds only
 * as many name bytes as its tier allows. The key is a 64-bit hash of the query
 * (fp_key_step() below): the kernel hashes and compares 8 bytes, not the name,
 * whose hash by the kernel costs more than the rest of a lookup. The entry
 * holds the name and the qtype, and the program compares them before it
 * answers, so a hash collision can never return another name's answer; two
 * names whose keys collide cannot both be in a map, and the agent leaves the
 * second to the engine.
 */
#define FP_TIER_0		32
#define FP_TIER_1		64
#define FP_TIER_2		128
#define FP_TIER_3		FP_QNAME_WIRE_MAX
#define FP_TIERS		4

struct fp_key {
	__u64	hash;		/* of the entry's qtype and qname: fp_key_step() */
};

/* Set on answers of zones the engine signs: with DO=1 the engine must answer. */
#define FP_ANSWER_F_PASS_DO	(1U << 0)
/* A steered RRset: policy indexes the policies map (include/fp_policy.h). */
#define FP_ANSWER_F_POLICY	(1U << 1)

struct fp_answer {
	__u16	len;		/* bytes used in data */
	__u16	ancount;	/* records in data */
	__u32	flags;		/* FP_ANSWER_F_* */
	__u32	csum;		/* folded 16-bit one's-complement sum of data[0..len),
				 * read as big-endian words from an even offset */
	__u32	policy;	/* with FP_ANSWER_F_POLICY; else zero */
	/* Answer records exactly as the engine writes them, owner names
	 * compressed to the question (0xc00c). */
	__u8	data[FP_ANSWER_MAX];
};

/*
 * A map value: the answer first, at the same place in every tier, then what
 * the query must match, the name in whole words so that the program compares
 * eight bytes at a time. fp_entry_256 is the widest; a narrower tier's value is
 * its first sizeof(struct fp_entry_N) bytes.
 */
#define FP_DEFINE_ENTRY(n)					\
	struct fp_entry_##n {					\
		struct fp_answer answer;			\
		__u16	qtype;		/* host order */	\
		__u8	qlen;		/* wire length of qname */	\
		__u8	pad[5];		/* zero */		\
		__u64	qname[(n) / 8];	/* lower case, zero padded */	\
	}
FP_DEFINE_ENTRY(32);
FP_DEFINE_ENTRY(64);
FP_DEFINE_ENTRY(128);
FP_DEFINE_ENTRY(256);

#define fp_entry fp_entry_256

/*
 * The key of (qtype, qname), computed by the program as it reads the name and
 * by the agent from the entry: @seed (chosen at load, so that no one can pick
 * names whose keys collide), then the qtype and the name's length, then the
 * lower-cased name a word at a time, the word that holds its last bytes zero
 * padded (a zero word when the length is a multiple of eight). A multiply and
 * a shift per word: the shift brings the product's high bits down, so that
 * every bit of a word reaches every bit of what follows.
 */
static __always_inline __u64 fp_key_step(__u64 h, __u64 word)
{
	h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 32);
}

static __always_inline __u64 fp_key_start(__u64 seed, __u16 qtype, __u8 qlen)
{
	return fp_key_step(seed, (__u64)qtype | (__u64)qlen << 16);
}

static __always_inline __u64 fp_key_final(__u64 h)
{
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

/*
 * Every packet bumps exactly one counter, at the program's one exit; packets
 * received is their sum. X-macro so the enum and nsctl's names cannot drift.
 */
#define FP_COUNTERS(X)							\
	X(FP_TX_ANSWER,		"answered")				\
	X(FP_PASS_NOT_DNS,	"pass_not_dns")		/* not UDP to our port */	\
	X(FP_PASS_FRAGMENT,	"pass_fragment")	/* IPv4 fragment, IPv6 ext header */ \
	X(FP_PASS_NOT_QUERY,	"pass_not_query")	/* QR, opcode, TC */	\
	X(FP_PASS_MALFORMED,	"pass_malformed")				\
	X(FP_PASS_CLASS,	"pass_class")		/* qclass other than IN */	\
	X(FP_PASS_EDNS,		"pass_edns")		/* OPT we do not answer */	\
	X(FP_PASS_DNSSEC,	"pass_dnssec")		/* DO=1 on a signed zone */	\
	X(FP_PASS_MISS,		"pass_miss")					\
	X(FP_PASS_TOO_BIG,	"pass_too_big")		/* over the client's UDP size */ \
	X(FP_PASS_ERROR,	"pass_error")		/* a helper failed */

#define FP_COUNTER_ENUM(id, name) id,
enum fp_counter {
	FP_COUNTERS(FP_COUNTER_ENUM)
	FP_COUNTER_MAX
};
#undef FP_COUNTER_ENUM

#endif /* NAMESERVE_FASTPATH_H */
