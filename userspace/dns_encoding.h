/* SPDX-License-Identifier: GPL-2.0-only */
/* Binary-to-text encodings used in RDATA presentation: base64 (RFC 4648 §4),
 * base32hex without padding (RFC 4648 §7, NSEC3 per RFC 5155 §3.3) and hex. */
#ifndef NAMESERVE_DNS_ENCODING_H
#define NAMESERVE_DNS_ENCODING_H

#include <stddef.h>
#include <stdint.h>

/* Each encoder writes a NUL-terminated string and returns its length, or
 * -ENOSPC. Each decoder returns the byte count, -EINVAL for bad input or
 * -ENOSPC when out is too small. */
int dns_encoding_b64_encode(char *out, size_t cap, const uint8_t *in, size_t len);
int dns_encoding_b64_decode(uint8_t *out, size_t cap, const char *in, size_t len);
int dns_encoding_b32hex_encode(char *out, size_t cap, const uint8_t *in, size_t len);
int dns_encoding_b32hex_decode(uint8_t *out, size_t cap, const char *in, size_t len);
int dns_encoding_hex_encode(char *out, size_t cap, const uint8_t *in, size_t len);
/* Hex digits only, an even count; case-insensitive. */
int dns_encoding_hex_decode(uint8_t *out, size_t cap, const char *in, size_t len);

#endif /* NAMESERVE_DNS_ENCODING_H */
