/* SPDX-License-Identifier: GPL-2.0-only */
/* Builds the fast path's map keys and values (include/fastpath.h) from
 * engine-encoded answers, exactly as bpf/xdp_dns.bpf.c reads them. */
#ifndef NAMESERVE_FP_ANSWER_H
#define NAMESERVE_FP_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "fastpath.h"

/* Fills @a with @len bytes of answer records, zero padded, and their checksum
 * contribution. 0, -E2BIG if len > FP_ANSWER_MAX, -EINVAL on bad arguments. */
int fp_answer_build(struct fp_answer *a, const void *rrs, size_t len, uint16_t ancount,
		    uint32_t flags);

/* Fills @k for (name, qtype), zero padded, and returns the tier (0..FP_TIERS-1)
 * whose map takes it, or -EINVAL if the name is not a wire name of 1..255
 * bytes. The map's key is the first fp_key_size(tier) bytes of @k. */
int fp_key_build(struct fp_answer_key *k, const uint8_t *lower_wire_name, size_t name_len,
		 uint16_t qtype);

/* Key size of a tier's map: qtype, pad and the tier's name width. */
size_t fp_key_size(int tier);

/* Folded one's-complement sum of @len bytes read as big-endian 16-bit words,
 * an odd tail padded with zero (RFC 1071), not complemented. */
uint16_t fp_csum16(const void *buf, size_t len);

#endif /* NAMESERVE_FP_ANSWER_H */
