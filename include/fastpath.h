/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* The contract between bpf/xdp_dns.bpf.c and the agent: map layouts, limits and
 * counters. Only <linux/types.h> types, so clang -target bpf and gcc agree. */
#ifndef NAMESERVE_FASTPATH_H
#define NAMESERVE_FASTPATH_H

#include <linux/types.h>

#define FP_QNAME_WIRE_MAX	256	/* a wire name is at most 255 bytes */
#define FP_LABEL_MAX		63
#define FP_ANSWER_MAX		256	/* answer-section bytes one entry can carry */
#define FP_EDNS_UDP_SIZE	1232	/* the UDP size we advertise (DNS flag day 2020) */
#define FP_ANSWERS_MAX_ENTRIES	(1 << 20)
#define FP_PIN_ROOT		"/sys/fs/bpf/nameserve"

/*
 * Answers live in four hash maps by qname length, so the common short name
 * hashes and compares 36 bytes instead of 260. A key is the qtype followed by the
 * lower-cased wire qname, zero padded to its tier: the whole name is part of the
 * key, so a hash collision can never return another name's answer.
 */
#define FP_TIER_0		32
#define FP_TIER_1		64
#define FP_TIER_2		128
#define FP_TIER_3		FP_QNAME_WIRE_MAX
#define FP_TIERS		4

#define FP_DEFINE_KEY(n)			\
	struct fp_key_##n {			\
		__u16	qtype;		/* host order */	\
		__u16	pad;		/* zero */		\
		__u8	qname[n];	/* lower case, zero padded */	\
	}
FP_DEFINE_KEY(32);
FP_DEFINE_KEY(64);
FP_DEFINE_KEY(128);
FP_DEFINE_KEY(256);

/* The widest key; narrower tiers read only its first 4 + tier bytes. */
#define fp_answer_key fp_key_256

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
