/* SPDX-License-Identifier: GPL-2.0-only */
/* Record types and their RDATA: presentation format <-> uncompressed wire format,
 * for every type an operator uses, and RFC 3597 for the rest. */
#ifndef NAMESERVE_DNS_RDATA_H
#define NAMESERVE_DNS_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum dns_type {
	DNS_TYPE_A = 1, DNS_TYPE_NS = 2, DNS_TYPE_CNAME = 5, DNS_TYPE_SOA = 6,
	DNS_TYPE_PTR = 12, DNS_TYPE_HINFO = 13, DNS_TYPE_MX = 15, DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28, DNS_TYPE_SRV = 33, DNS_TYPE_NAPTR = 35, DNS_TYPE_CERT = 37,
	DNS_TYPE_DNAME = 39, DNS_TYPE_OPT = 41, DNS_TYPE_DS = 43, DNS_TYPE_SSHFP = 44,
	DNS_TYPE_RRSIG = 46, DNS_TYPE_NSEC = 47, DNS_TYPE_DNSKEY = 48,
	DNS_TYPE_NSEC3 = 50, DNS_TYPE_NSEC3PARAM = 51, DNS_TYPE_TLSA = 52,
	DNS_TYPE_CDS = 59, DNS_TYPE_CDNSKEY = 60, DNS_TYPE_SVCB = 64,
	DNS_TYPE_HTTPS = 65, DNS_TYPE_IXFR = 251, DNS_TYPE_AXFR = 252,
	DNS_TYPE_ANY = 255, DNS_TYPE_CAA = 257,
};

enum dns_class { DNS_CLASS_IN = 1, DNS_CLASS_CH = 3, DNS_CLASS_NONE = 254, DNS_CLASS_ANY = 255 };

/* "A", "aaaa", "TYPE65534" -> type; -EINVAL if unknown. */
int dns_type_from_text(const char *s, size_t len);
/* Mnemonic or "TYPEnnn" (RFC 3597), written to buf (at least 16 bytes). */
const char *dns_type_to_text(uint16_t type, char *buf);
/* "IN", "CH", "CLASSnnn" -> class; -EINVAL if unknown. */
int dns_class_from_text(const char *s, size_t len);
const char *dns_class_to_text(uint16_t rclass, char *buf);

/* One presentation-format token: quotes removed, escapes kept for the parser. */
struct dns_token {
	const char	*s;
	size_t		len;
	bool		quoted;
};

/* RDATA from tokens (zone files) or from one line of text (API). Relative names
 * are completed with origin. Returns the RDATA length, or -errno with a reason in
 * err ("bad IPv4 address 'x'"). Accepts "\# len hex" for every type. */
int dns_rdata_from_tokens(uint16_t type, const struct dns_token *tok, size_t ntok,
			  const uint8_t *origin, uint8_t *out, size_t cap,
			  char *err, size_t errlen);
int dns_rdata_from_text(uint16_t type, const char *text, const uint8_t *origin,
			uint8_t *out, size_t cap, char *err, size_t errlen);

/* Text room that any RDATA fits in: a type bitmap with every bit set is the
 * widest, up to 8 types of " TYPE65535" per byte. */
#define DNS_RDATA_TEXT_MAX	(80 * 65535 + 64)

/* Presentation format of RDATA, names absolute. Returns the length or -errno
 * (-ENOSPC if cap is short; DNS_RDATA_TEXT_MAX always suffices). */
int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
		      char *out, size_t cap);

/* RDATA of a record read from a message at pos: embedded names decompressed,
 * checked against the type's layout. Returns the uncompressed length or -EBADMSG. */
int dns_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos,
		     uint16_t rdlen, uint8_t *out, size_t cap);

/* Offsets of embedded names that a message may compress (RFC 3597 §4: NS, CNAME,
 * SOA, PTR, MX and the obsolete RFC 1035 types). Returns the count (<= max). */
int dns_rdata_compressible_names(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
				 uint16_t *offs, int max);

/* Name that additional-section processing follows (NS, MX, SRV), or NULL. */
const uint8_t *dns_rdata_additional_target(uint16_t type, const uint8_t *rdata,
					   uint16_t rdlen);

/* RFC 4034 §6.3 order of two RDATAs of one type (uncompressed, lower-cased names). */
int dns_rdata_cmp_canonical(const uint8_t *a, uint16_t alen, const uint8_t *b, uint16_t blen);

#endif /* NAMESERVE_DNS_RDATA_H */
