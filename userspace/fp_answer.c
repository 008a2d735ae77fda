// SPDX-License-Identifier: GPL-2.0-only
/* Map keys and values for the XDP fast path: the layout contract lives in
 * include/fastpath.h, the reader in bpf/xdp_dns.bpf.c. */
#include <errno.h>
#include <string.h>

#include "fp_answer.h"

_Static_assert(sizeof(struct fp_key) == 8, "fastpath ABI");
_Static_assert(sizeof(struct fp_answer) == 16 + FP_ANSWER_MAX, "fastpath ABI");
_Static_assert(sizeof(struct fp_entry_32) == sizeof(struct fp_answer) + 8 + FP_TIER_0,
	       "fastpath ABI");
_Static_assert(sizeof(struct fp_entry) == sizeof(struct fp_answer) + 8 + FP_TIER_3,
	       "fastpath ABI");

static const size_t fp_tier_width[FP_TIERS] = { FP_TIER_0, FP_TIER_1, FP_TIER_2, FP_TIER_3 };

uint16_t fp_csum16(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

int fp_answer_build(struct fp_answer *a, const void *rrs, size_t len, uint16_t ancount,
		    uint32_t flags)
{
	if (!a || (len && !rrs))
		return -EINVAL;
	if (len > FP_ANSWER_MAX)
		return -E2BIG;
	memset(a, 0, sizeof(*a));
	if (len)
		memcpy(a->data, rrs, len);
	a->len = len;
	a->ancount = ancount;
	a->flags = flags;
	a->csum = fp_csum16(a->data, len);
	return 0;
}

size_t fp_entry_size(int tier)
{
	static const size_t size[FP_TIERS] = {
		sizeof(struct fp_entry_32), sizeof(struct fp_entry_64),
		sizeof(struct fp_entry_128), sizeof(struct fp_entry_256),
	};

	if (tier < 0 || tier >= FP_TIERS)
		return 0;
	return size[tier];
}

/* Fills @e's name fields, lower-cased, and returns the tier, or -EINVAL. */
static int fp_entry_name(struct fp_entry *e, const uint8_t *lower_wire_name, size_t name_len,
			 uint16_t qtype)
{
	uint8_t *qname = (uint8_t *)e->qname;
	size_t pos = 0, i;
	int tier;

	if (!lower_wire_name || name_len == 0 || name_len > FP_QNAME_WIRE_MAX - 1)
		return -EINVAL;
	/* The program only ever looks up names that parse; anything else
	 * would sit in the map unreachable. */
	while (lower_wire_name[pos] != 0) {
		uint8_t len = lower_wire_name[pos];

		if (len > FP_LABEL_MAX || pos + 1 + len >= name_len)
			return -EINVAL;
		pos += 1 + len;
	}
	if (pos + 1 != name_len)
		return -EINVAL;

	e->qtype = qtype;
	e->qlen = name_len;
	memset(e->pad, 0, sizeof(e->pad));
	memset(e->qname, 0, sizeof(e->qname));
	for (i = 0; i < name_len; i++) {
		uint8_t c = lower_wire_name[i];

		/* Idempotent on lower-case input; keeps a caller's slip from
		 * installing an entry no query can reach. */
		qname[i] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
	}
	for (tier = 0; tier < FP_TIERS - 1; tier++)
		if (name_len <= fp_tier_width[tier])
			break;
	return tier;
}

/* As the program computes it: the words of the zero-padded name up to and
 * including the one that holds its last byte, or a zero word past a name
 * that fills its last word. */
static uint64_t fp_entry_key(const struct fp_entry *e, uint64_t seed)
{
	uint64_t h = fp_key_start(seed, e->qtype, e->qlen);
	size_t i;

	for (i = 0; i <= e->qlen / 8u; i++)	/* qlen < 256: within qname */
		h = fp_key_step(h, e->qname[i]);
	return fp_key_final(h);
}

int fp_entry_build(struct fp_entry *e, struct fp_key *k, uint64_t seed,
		   const uint8_t *lower_wire_name, size_t name_len, uint16_t qtype,
		   const struct fp_answer *a)
{
	int tier;

	if (!e || !k || !a)
		return -EINVAL;
	tier = fp_entry_name(e, lower_wire_name, name_len, qtype);
	if (tier < 0)
		return tier;
	e->answer = *a;
	k->hash = fp_entry_key(e, seed);
	return tier;
}

int fp_key_build(struct fp_key *k, uint64_t seed, const uint8_t *lower_wire_name,
		 size_t name_len, uint16_t qtype)
{
	struct fp_entry e;
	int tier;

	if (!k)
		return -EINVAL;
	tier = fp_entry_name(&e, lower_wire_name, name_len, qtype);
	if (tier < 0)
		return tier;
	k->hash = fp_entry_key(&e, seed);
	return tier;
}

bool fp_entry_matches(const struct fp_entry *e, int tier, const uint8_t *lower_wire_name,
		      size_t name_len, uint16_t qtype)
{
	return tier >= 0 && tier < FP_TIERS && e->qtype == qtype && e->qlen == name_len &&
	       name_len <= fp_tier_width[tier] &&
	       !memcmp(e->qname, lower_wire_name, name_len);
}
