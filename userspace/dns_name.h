/* SPDX-License-Identifier: GPL-2.0-only */
/* Domain names in uncompressed wire format: length-prefixed labels ending in the
 * root label (RFC 1035 §3.1). Comparisons ignore ASCII case (RFC 4343). */
#ifndef NAMESERVE_DNS_NAME_H
#define NAMESERVE_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX	255
#define DNS_LABEL_MAX	63
#define DNS_NAME_TEXT_MAX (4 * DNS_NAME_MAX + 1)	/* every byte as \DDD */

/* Length of the wire name at name, root label included; -EINVAL if it is not
 * well formed within max bytes (a compression pointer counts as malformed). */
int dns_name_len(const uint8_t *name, size_t max);

/* Presentation to wire: \X and \DDD escapes, "@" for origin; a name without a
 * trailing dot is relative to origin (NULL origin: -EINVAL). Returns the length;
 * -EINVAL for bad syntax, -EMSGSIZE for a label over 63, -ENAMETOOLONG over 255. */
int dns_name_from_text(uint8_t out[DNS_NAME_MAX], const char *text, size_t len,
		       const uint8_t *origin);

/* A short reason for an error of dns_name_from_text ("label longer than 63"). */
const char *dns_name_strerror(int err);

/* Wire to presentation, absolute with trailing dot, escaping as RFC 4343 does.
 * Returns the text length or -ENOSPC. */
int dns_name_to_text(char *out, size_t cap, const uint8_t *name);

void dns_name_lower(uint8_t *name);
bool dns_name_equal(const uint8_t *a, const uint8_t *b);
/* RFC 4034 §6.1 canonical order: <0, 0, >0. */
int dns_name_cmp_canonical(const uint8_t *a, const uint8_t *b);
/* Labels, not counting the root label. */
int dns_name_labels(const uint8_t *name);
/* True when name equals parent or lies below it. */
bool dns_name_is_subdomain(const uint8_t *name, const uint8_t *parent);
/* The name without its first label; NULL for the root. */
const uint8_t *dns_name_parent(const uint8_t *name);
/* Case-insensitive hash for lookup tables. */
uint32_t dns_name_hash(const uint8_t *name);

/* Reads a possibly compressed name of message msg at *pos into out and moves
 * *pos past it. Pointers must point backwards; loops, overlong names and reads
 * past msglen give -EBADMSG. Returns the uncompressed length. */
int dns_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos,
		    uint8_t out[DNS_NAME_MAX]);

#endif /* NAMESERVE_DNS_NAME_H */
