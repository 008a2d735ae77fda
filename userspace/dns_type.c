// SPDX-License-Identifier: GPL-2.0-only
/* Record type and class mnemonics, with the RFC 3597 §5 TYPEnnn / CLASSnnn
 * forms for everything else. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dns_rdata.h"

struct mnemonic {
	uint16_t	value;
	const char	*name;
};

/* Types nameserve can print by name. The RFC 1035 obsolete ones are here
 * because RFC 3597 §4 still lists them as compressible. */
static const struct mnemonic types[] = {
	{ DNS_TYPE_A, "A" }, { DNS_TYPE_NS, "NS" }, { 3, "MD" }, { 4, "MF" },
	{ DNS_TYPE_CNAME, "CNAME" }, { DNS_TYPE_SOA, "SOA" }, { 7, "MB" }, { 8, "MG" },
	{ 9, "MR" }, { DNS_TYPE_PTR, "PTR" }, { DNS_TYPE_HINFO, "HINFO" }, { 14, "MINFO" },
	{ DNS_TYPE_MX, "MX" }, { DNS_TYPE_TXT, "TXT" }, { 17, "RP" }, { 18, "AFSDB" },
	{ DNS_TYPE_AAAA, "AAAA" }, { DNS_TYPE_SRV, "SRV" }, { DNS_TYPE_NAPTR, "NAPTR" },
	{ DNS_TYPE_CERT, "CERT" }, { DNS_TYPE_DNAME, "DNAME" }, { DNS_TYPE_OPT, "OPT" },
	{ DNS_TYPE_DS, "DS" }, { DNS_TYPE_SSHFP, "SSHFP" }, { DNS_TYPE_RRSIG, "RRSIG" },
	{ DNS_TYPE_NSEC, "NSEC" }, { DNS_TYPE_DNSKEY, "DNSKEY" }, { DNS_TYPE_NSEC3, "NSEC3" },
	{ DNS_TYPE_NSEC3PARAM, "NSEC3PARAM" }, { DNS_TYPE_TLSA, "TLSA" },
	{ DNS_TYPE_CDS, "CDS" }, { DNS_TYPE_CDNSKEY, "CDNSKEY" }, { DNS_TYPE_SVCB, "SVCB" },
	{ DNS_TYPE_HTTPS, "HTTPS" }, { 99, "SPF" }, { 250, "TSIG" },
	{ DNS_TYPE_IXFR, "IXFR" }, { DNS_TYPE_AXFR, "AXFR" }, { DNS_TYPE_ANY, "ANY" },
	{ DNS_TYPE_CAA, "CAA" },
};

static const struct mnemonic classes[] = {
	{ DNS_CLASS_IN, "IN" }, { DNS_CLASS_CH, "CH" }, { 4, "HS" },
	{ DNS_CLASS_NONE, "NONE" }, { DNS_CLASS_ANY, "ANY" },
};

#define N_TYPES		(sizeof(types) / sizeof(types[0]))
#define N_CLASSES	(sizeof(classes) / sizeof(classes[0]))

/* Mnemonic, or prefix followed by a decimal 0..65535 (RFC 3597 §5). */
static int from_text(const struct mnemonic *tab, size_t n, const char *prefix,
		     const char *s, size_t len)
{
	size_t i, plen = 0;
	uint32_t v = 0;

	for (i = 0; i < n; i++)
		if (strlen(tab[i].name) == len && !strncasecmp(tab[i].name, s, len))
			return tab[i].value;
	/* Up to 5 digits after the prefix: 65535 is the largest value, and the
	 * length bound keeps v from overflowing before the range check. */
	plen = strlen(prefix);
	if (len <= plen || len > plen + 5 || strncasecmp(s, prefix, plen))
		return -EINVAL;
	for (i = plen; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	return v <= UINT16_MAX ? (int)v : -EINVAL;
}

static const char *to_text(const struct mnemonic *tab, size_t n, const char *prefix,
			   uint16_t v, char *buf)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tab[i].value == v)
			return tab[i].name;
	/* "CLASS65535" is the longest: 10 characters and the terminator. */
	snprintf(buf, 16, "%s%u", prefix, v);
	return buf;
}

int dns_type_from_text(const char *s, size_t len)
{
	return from_text(types, N_TYPES, "TYPE", s, len);
}

const char *dns_type_to_text(uint16_t type, char *buf)
{
	return to_text(types, N_TYPES, "TYPE", type, buf);
}

int dns_class_from_text(const char *s, size_t len)
{
	return from_text(classes, N_CLASSES, "CLASS", s, len);
}

const char *dns_class_to_text(uint16_t rclass, char *buf)
{
	return to_text(classes, N_CLASSES, "CLASS", rclass, buf);
}
