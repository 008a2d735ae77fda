// SPDX-License-Identifier: GPL-2.0-only
/* Map keys and values for the XDP fast path: the layout contract lives in
 * include/fastpath.h, the reader in bpf/xdp_dns.bpf.c. */
#include <errno.h>
#include <string.h>

#include "fp_answer.h"

_Static_assert(sizeof(struct fp_answer_key) == FP_QNAME_WIRE_MAX + 4, "fastpath ABI");
_Static_assert(sizeof(struct fp_key_32) == FP_TIER_0 + 4, "fastpath ABI");
_Static_assert(sizeof(struct fp_answer) == 16 + FP_ANSWER_MAX, "fastpath ABI");

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

size_t fp_key_size(int tier)
{
	if (tier < 0 || tier >= FP_TIERS)
		return 0;
	return 4 + fp_tier_width[tier];
}

int fp_key_build(struct fp_answer_key *k, const uint8_t *lower_wire_name, size_t name_len,
		 uint16_t qtype)
{
	size_t pos = 0, i;
	int tier;

	if (!k || !lower_wire_name || name_len == 0 || name_len > FP_QNAME_WIRE_MAX - 1)
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

	memset(k, 0, sizeof(*k));
	k->qtype = qtype;
	for (i = 0; i < name_len; i++) {
		uint8_t c = lower_wire_name[i];

		/* Idempotent on lower-case input; keeps a caller's slip from
		 * installing an entry no query can reach. */
		k->qname[i] = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
	}
	for (tier = 0; tier < FP_TIERS - 1; tier++)
		if (name_len <= fp_tier_width[tier])
			break;
	return tier;
}
