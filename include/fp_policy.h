/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Traffic steering as the fast path and the engine both run it: the compiled
 * policy of one RRset, the health bitmap, the geo maps' layouts, and the one
 * selection function both call, so the two cannot disagree. */
#ifndef NAMESERVE_FP_POLICY_H
#define NAMESERVE_FP_POLICY_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define FP_POLICY_RECORDS_MAX	16	/* records of one steered RRset */
#define FP_POLICY_REGIONS_MAX	32	/* region 0 is the default, 1.. the geo rules */
#define FP_POLICY_MULTI_MAX	8	/* records a multivalue answer carries */
#define FP_POLICIES_MAX		(1 << 16)
#define FP_HEALTH_SLOTS		(1 << 16)
#define FP_HEALTH_WORDS		(FP_HEALTH_SLOTS / 64)
#define FP_HEALTH_NONE		(FP_HEALTH_SLOTS - 1)	/* never marked down */
#define FP_GEO_MAX_ENTRIES	(1 << 21)
#define FP_POLICY_CIDR_MAX	(1 << 16)
#define FP_POLICY_CODES_MAX	(1 << 16)

enum fp_policy_mode {
	FP_POLICY_ALL,		/* every chosen record, in order */
	FP_POLICY_WEIGHTED,	/* one record, with probability weight / sum */
	FP_POLICY_MULTIVALUE,	/* up to FP_POLICY_MULTI_MAX records, shuffled */
};

#define FP_POLICY_F_GEO		(1U << 0)	/* the region depends on the client */

/* The records a region may answer with, as bitmasks over record indices. The
 * secondaries serve only while no primary is healthy. */
struct fp_region {
	__u16	primary;
	__u16	secondary;
};

/*
 * One steered RRset. The answer map's entry for it carries FP_ANSWER_F_POLICY,
 * this policy's index in fp_answer.policy, and in data the records one after
 * another, rr_len bytes each, owners compressed to the question (0xc00c).
 * Records of weight 0 are in no region's masks.
 */
struct fp_policy {
	__u8		mode;		/* enum fp_policy_mode */
	__u8		nrecords;	/* 1..FP_POLICY_RECORDS_MAX */
	__u8		rr_len;		/* even: every record starts on an even offset */
	__u8		nregions;	/* 1..FP_POLICY_REGIONS_MAX */
	__u32		flags;		/* FP_POLICY_F_* */
	__u16		weight[FP_POLICY_RECORDS_MAX];
	__u16		health[FP_POLICY_RECORDS_MAX];	/* slot, or FP_HEALTH_NONE */
	__u16		csum[FP_POLICY_RECORDS_MAX];	/* folded sum of each record */
	struct fp_region region[FP_POLICY_REGIONS_MAX];
};

/* One bit per health check slot, set while the check says down: a zeroed map
 * is all healthy, and a check flips its bit without touching any answer. The
 * map is one mmapable element that the agent writes with atomic bit ops. */
struct fp_health {
	__u64	down[FP_HEALTH_WORDS];
};

/* Client location, from the geo LPM tries (geo_v4, geo_v6). Codes are ASCII,
 * upper case, zero when the database has none. */
struct fp_geo {
	char	country[2];	/* ISO 3166-1 alpha-2 */
	char	continent[2];	/* AF AN AS EU NA OC SA */
};

struct fp_geo_v4_key {
	__u32	prefixlen;
	__u8	addr[4];
};

struct fp_geo_v6_key {
	__u32	prefixlen;
	__u8	addr[16];
};

/* A policy's explicit CIDR rules (policy_cidr_v4, policy_cidr_v6): the policy
 * index comes first so one trie serves every policy; prefixlen counts its 32
 * bits too. The value is the region, a __u32. */
struct fp_cidr_v4_key {
	__u32	prefixlen;	/* 32 + network bits */
	__u32	policy;		/* big endian: the trie matches bytes in order */
	__u8	addr[4];
};

struct fp_cidr_v6_key {
	__u32	prefixlen;
	__u32	policy;		/* big endian */
	__u8	addr[16];
};

enum fp_geo_kind { FP_GEO_COUNTRY = 1, FP_GEO_CONTINENT = 2 };

/* A policy's country and continent rules (policy_codes); the value is the region. */
struct fp_code_key {
	__u32	policy;
	__u8	kind;		/* enum fp_geo_kind */
	__u8	pad;		/* zero */
	char	code[2];
};

static __always_inline __u32 fp_policy_xorshift(__u32 x)
{
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/* A number in [0, n) from a 32-bit random value, without a division. */
static __always_inline __u32 fp_policy_range(__u32 rnd, __u32 n)
{
	return (__u32)(((__u64)rnd * n) >> 32);
}

static __always_inline int fp_policy_down(const struct fp_health *h, __u16 slot)
{
	const __u64 *w = &h->down[(slot >> 6) & (FP_HEALTH_WORDS - 1)];

	/* The checker flips bits with atomic ops from another thread. */
#ifdef __bpf__
	return (*w >> (slot & 63)) & 1;
#else
	return (__atomic_load_n(w, __ATOMIC_RELAXED) >> (slot & 63)) & 1;
#endif
}

/*
 * The selection that follows the client's region (its longest matching CIDR
 * rule, else the rule for its country, else for its continent, else region
 * 0), which each side resolves with its own lookups.
 *
 * Chooses the records that answer, in answer order, into order[] (room for
 * FP_POLICY_RECORDS_MAX) and returns how many; 0 only for a broken policy.
 * The region's primaries that are healthy; else its secondaries that are;
 * else, failing open, all its primaries. Then by mode: all of them, one by
 * weight, or up to FP_POLICY_MULTI_MAX shuffled. rnd is a fresh random value.
 * *fail_open (may be NULL) is set when no candidate was healthy.
 */
static __always_inline __u32 fp_policy_select(const struct fp_policy *p, __u32 region,
					      const struct fp_health *h, __u32 rnd,
					      __u8 *order, int *fail_open)
{
	__u32 i, n = 0, k, total = 0, pick, j, m;
	__u16 healthy = 0, cand;
	const struct fp_region *r;
	__u8 t;

	if (region >= p->nregions)
		region = 0;
	r = &p->region[region & (FP_POLICY_REGIONS_MAX - 1)];
	for (i = 0; i < FP_POLICY_RECORDS_MAX; i++) {
		if (i >= p->nrecords)
			break;
		if (!fp_policy_down(h, p->health[i]))
			healthy |= 1U << i;
	}
	cand = r->primary & healthy;
	if (!cand)
		cand = r->secondary & healthy;
	if (fail_open)
		*fail_open = !cand;
	if (!cand)
		cand = r->primary;

	for (i = 0; i < FP_POLICY_RECORDS_MAX; i++) {
		if (!(cand >> i & 1))
			continue;
		order[n & (FP_POLICY_RECORDS_MAX - 1)] = i;
		total += p->weight[i];
		n++;
	}
	if (!n)
		return 0;

	if (p->mode == FP_POLICY_WEIGHTED) {
		if (!total)
			return 0;
		pick = fp_policy_range(rnd, total);
		for (j = 0; j < FP_POLICY_RECORDS_MAX; j++) {
			if (j >= n)
				break;
			i = order[j & (FP_POLICY_RECORDS_MAX - 1)] & (FP_POLICY_RECORDS_MAX - 1);
			if (pick < p->weight[i]) {
				order[0] = i;
				return 1;
			}
			pick -= p->weight[i];
		}
		return 0;
	}
	if (p->mode == FP_POLICY_MULTIVALUE) {
		/* A partial Fisher-Yates: the first k places are a uniform
		 * random ordered choice of k out of n. */
		k = n < FP_POLICY_MULTI_MAX ? n : FP_POLICY_MULTI_MAX;
		for (j = 0; j < FP_POLICY_MULTI_MAX; j++) {
			if (j >= k)
				break;
			rnd = fp_policy_xorshift(rnd | 1);
			m = j + fp_policy_range(rnd, n - j);
			t = order[j & (FP_POLICY_RECORDS_MAX - 1)];
			order[j & (FP_POLICY_RECORDS_MAX - 1)] = order[m & (FP_POLICY_RECORDS_MAX - 1)];
			order[m & (FP_POLICY_RECORDS_MAX - 1)] = t;
		}
		return k;
	}
	return n;
}

#endif /* NAMESERVE_FP_POLICY_H */
