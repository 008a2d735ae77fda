/* SPDX-License-Identifier: GPL-2.0-only */
/* Builds the fast path's map keys and values (include/fastpath.h) from
 * engine-encoded answers, exactly as bpf/xdp_dns.bpf.c reads them. */
#ifndef NAMESERVE_FP_ANSWER_H
#define NAMESERVE_FP_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fastpath.h"

/* Fills @a with @len bytes of answer records, zero padded, and their checksum
 * contribution. 0, -E2BIG if len > FP_ANSWER_MAX, -EINVAL on bad arguments. */
int fp_answer_build(struct fp_answer *a, const void *rrs, size_t len, uint16_t ancount,
		    uint32_t flags);

/*
 * Fills @e with the answer @a and what a query must match, (qtype, name)
 * lower-cased and zero padded, and @k with its key under @seed (the program's
 * name_seed). Returns the tier (0..FP_TIERS-1) whose map takes it, or -EINVAL
 * if the name is not a wire name of 1..255 bytes. The map's value is the first
 * fp_entry_size(tier) bytes of @e.
 */
int fp_entry_build(struct fp_entry *e, struct fp_key *k, uint64_t seed,
		   const uint8_t *lower_wire_name, size_t name_len, uint16_t qtype,
		   const struct fp_answer *a);

/* The key and tier alone, for lookups and deletes; as fp_entry_build. */
int fp_key_build(struct fp_key *k, uint64_t seed, const uint8_t *lower_wire_name,
		 size_t name_len, uint16_t qtype);

/* Value size of a tier's map; 0 for no tier. */
size_t fp_entry_size(int tier);

/* Whether @e, read from @tier's map, is the entry of (name, qtype): a key
 * is a hash, and another name's entry may hold it. */
bool fp_entry_matches(const struct fp_entry *e, int tier, const uint8_t *lower_wire_name,
		      size_t name_len, uint16_t qtype);

/* Folded one's-complement sum of @len bytes read as big-endian 16-bit words,
 * an odd tail padded with zero (RFC 1071), not complemented. */
uint16_t fp_csum16(const void *buf, size_t len);

#endif /* NAMESERVE_FP_ANSWER_H */
