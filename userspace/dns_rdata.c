// SPDX-License-Identifier: GPL-2.0-only
/* RDATA codec: each known type is a list of fields, and one walker per
 * direction (text -> wire, wire check, wire -> text, message unpack) reads it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dns_encoding.h"
#include "dns_name.h"
#include "dns_rdata.h"
#include "dns_svcb.h"
#include "dns_text.h"

#define RDATA_MAX	65535

enum field {
	F_END,
	F_U8, F_U16, F_U32,
	F_PERIOD,	/* u32 that presentation may write with TTL units (SOA timers) */
	F_TIME,		/* RRSIG time, RFC 4034 §3.2 */
	F_TYPE,		/* type mnemonic, u16 */
	F_ALG,		/* DNSSEC algorithm, u8, number or mnemonic */
	F_CERT_TYPE,	/* RFC 4398 §2.1, u16, number or mnemonic */
	F_A, F_AAAA,
	F_NAME_C,	/* compressible in messages (RFC 3597 §4) */
	F_NAME_D,	/* sent uncompressed, decompressed when read (RFC 3597 §4) */
	F_NAME_U,	/* never compressed (RFC 4034 §3.1.7, §4.1.1; RFC 9460 §2.2) */
	F_STR,		/* <character-string> */
	F_STRS,		/* one or more, to the end */
	F_CAA_TAG,	/* RFC 8659 §4.1: length-prefixed alphanumeric */
	F_CAA_VALUE,	/* the rest, one token */
	F_B64,		/* the rest, base64 over one or more tokens */
	F_HEX,		/* the rest, hex over one or more tokens */
	F_SALT,		/* RFC 5155 §3.3: length-prefixed, "-" when empty */
	F_B32,		/* RFC 5155 §3.3: length-prefixed base32hex */
	F_BITMAP,	/* RFC 4034 §4.1.2 type bitmap, the rest */
	F_SVC,		/* RFC 9460 SvcParams, the rest */
};

/* A type's RDATA layout: fields in wire order, F_END-terminated. Fields that
 * take "the rest" come last, which is what makes the layout unambiguous. */
struct rdesc {
	uint16_t	type;
	uint8_t		f[10];
};

static const struct rdesc descs[] = {
	{ DNS_TYPE_A, { F_A } },	/* RFC 1035 §3.4.1 */
	{ DNS_TYPE_NS, { F_NAME_C } },	/* RFC 1035 §3.3.11 */
	{ 3, { F_NAME_C } },	/* MD */
	{ 4, { F_NAME_C } },	/* MF */
	{ DNS_TYPE_CNAME, { F_NAME_C } },	/* RFC 1035 §3.3.1 */
	/* RFC 1035 §3.3.13; the four timers accept TTL units, as in BIND. */
	{ DNS_TYPE_SOA, { F_NAME_C, F_NAME_C, F_U32, F_PERIOD, F_PERIOD, F_PERIOD, F_PERIOD } },
	{ 7, { F_NAME_C } },	/* MB */
	{ 8, { F_NAME_C } },	/* MG */
	{ 9, { F_NAME_C } },	/* MR */
	{ DNS_TYPE_PTR, { F_NAME_C } },	/* RFC 1035 §3.3.12 */
	{ DNS_TYPE_HINFO, { F_STR, F_STR } },	/* RFC 1035 §3.3.2 */
	{ 14, { F_NAME_C, F_NAME_C } },	/* MINFO */
	{ DNS_TYPE_MX, { F_U16, F_NAME_C } },	/* RFC 1035 §3.3.9 */
	{ DNS_TYPE_TXT, { F_STRS } },	/* RFC 1035 §3.3.14 */
	{ 17, { F_NAME_D, F_NAME_D } },	/* RP */
	{ 18, { F_U16, F_NAME_D } },	/* AFSDB */
	{ DNS_TYPE_AAAA, { F_AAAA } },	/* RFC 3596 §2.2 */
	{ DNS_TYPE_SRV, { F_U16, F_U16, F_U16, F_NAME_D } },	/* RFC 2782 */
	{ DNS_TYPE_NAPTR, { F_U16, F_U16, F_STR, F_STR, F_STR, F_NAME_D } },	/* RFC 3403 §4.1 */
	{ DNS_TYPE_CERT, { F_CERT_TYPE, F_U16, F_ALG, F_B64 } },	/* RFC 4398 §2 */
	{ DNS_TYPE_DNAME, { F_NAME_D } },	/* RFC 6672 §2.1 */
	{ DNS_TYPE_DS, { F_U16, F_ALG, F_U8, F_HEX } },	/* RFC 4034 §5.1 */
	{ DNS_TYPE_SSHFP, { F_U8, F_U8, F_HEX } },	/* RFC 4255 §3.1 */
	/* RFC 4034 §3.1 */
	{ DNS_TYPE_RRSIG, { F_TYPE, F_ALG, F_U8, F_U32, F_TIME, F_TIME, F_U16, F_NAME_U,
			    F_B64 } },
	{ DNS_TYPE_NSEC, { F_NAME_U, F_BITMAP } },	/* RFC 4034 §4.1 */
	{ DNS_TYPE_DNSKEY, { F_U16, F_U8, F_ALG, F_B64 } },	/* RFC 4034 §2.1 */
	{ DNS_TYPE_NSEC3, { F_U8, F_U8, F_U16, F_SALT, F_B32, F_BITMAP } },	/* RFC 5155 §3.2 */
	{ DNS_TYPE_NSEC3PARAM, { F_U8, F_U8, F_U16, F_SALT } },	/* RFC 5155 §4.2 */
	{ DNS_TYPE_TLSA, { F_U8, F_U8, F_U8, F_HEX } },	/* RFC 6698 §2.1 */
	{ DNS_TYPE_CDS, { F_U16, F_ALG, F_U8, F_HEX } },	/* RFC 7344 §3.1 */
	{ DNS_TYPE_CDNSKEY, { F_U16, F_U8, F_ALG, F_B64 } },	/* RFC 7344 §3.2 */
	{ DNS_TYPE_SVCB, { F_U16, F_NAME_U, F_SVC } },	/* RFC 9460 §2.2 */
	{ DNS_TYPE_HTTPS, { F_U16, F_NAME_U, F_SVC } },	/* RFC 9460 §9 */
	{ 99, { F_STRS } },	/* SPF */
	{ DNS_TYPE_CAA, { F_U8, F_CAA_TAG, F_CAA_VALUE } },	/* RFC 8659 §4.1 */
};

/* Linear: 35 entries fit a few cache lines, and the table stays readable. */
static const struct rdesc *find_desc(uint16_t type)
{
	size_t i;

	for (i = 0; i < sizeof(descs) / sizeof(descs[0]); i++)
		if (descs[i].type == type)
			return &descs[i];
	return NULL;
}

struct mnemonic {
	uint16_t	value;
	const char	*name;
};

/* RFC 8624 §2.1 and the IANA registry; accepted on input, numbers on output. */
static const struct mnemonic algs[] = {
	{ 1, "RSAMD5" }, { 2, "DH" }, { 3, "DSA" }, { 5, "RSASHA1" },
	{ 6, "DSA-NSEC3-SHA1" }, { 7, "RSASHA1-NSEC3-SHA1" }, { 8, "RSASHA256" },
	{ 10, "RSASHA512" }, { 12, "ECC-GOST" }, { 13, "ECDSAP256SHA256" },
	{ 14, "ECDSAP384SHA384" }, { 15, "ED25519" }, { 16, "ED448" },
	{ 252, "INDIRECT" }, { 253, "PRIVATEDNS" }, { 254, "PRIVATEOID" },
};

/* RFC 4398 §2.1; printed as mnemonics, as BIND and Knot do. */
static const struct mnemonic cert_types[] = {
	{ 1, "PKIX" }, { 2, "SPKI" }, { 3, "PGP" }, { 4, "IPKIX" }, { 5, "ISPKI" },
	{ 6, "IPGP" }, { 7, "ACPKIX" }, { 8, "IACPKIX" }, { 253, "URI" }, { 254, "OID" },
};

static int mnemonic_find(const struct mnemonic *tab, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(tab[i].name) == len && !strncasecmp(tab[i].name, s, len))
			return tab[i].value;
	return -1;
}

/* ---- RRSIG times: YYYYMMDDHHmmSS <-> seconds since the epoch ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = y / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, unsigned int *y, unsigned int *m, unsigned int *d)
{
	int64_t era;
	unsigned int doe, yoe, doy, mp;

	z += 719468;
	era = z / 146097;
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (unsigned int)(yoe + era * 400) + (*m <= 2);
}

/* n decimal digits, already checked to be digits. */
static unsigned int digits(const char *s, int n)
{
	unsigned int v = 0;

	while (n--)
		v = v * 10 + (*s++ - '0');
	return v;
}

/* RFC 4034 §3.2: YYYYMMDDHHmmSS (UTC) or a decimal number of seconds. Dates
 * outside 1970..2106 do not fit the 32-bit field and are refused. */
static int parse_time(const struct dns_token *t, uint32_t *v)
{
	static const unsigned int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned int y, mo, d, h, mi, s;
	int64_t secs;
	size_t i;

	/* A 32-bit count of seconds has at most 10 digits, so 14 digits can
	 * only be a date. */
	if (t->len != 14)
		return dns_text_u32(t, UINT32_MAX, v);
	for (i = 0; i < 14; i++)
		if (t->s[i] < '0' || t->s[i] > '9')
			return -EINVAL;
	y = digits(t->s, 4);
	mo = digits(t->s + 4, 2);
	d = digits(t->s + 6, 2);
	h = digits(t->s + 8, 2);
	mi = digits(t->s + 10, 2);
	s = digits(t->s + 12, 2);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 59)
		return -EINVAL;
	if (mo == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)))
		return -EINVAL;
	secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	if (secs < 0 || secs > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)secs;
	return 0;
}

/* Always the date form: it is what RFC 4034 §3.2 recommends and what
 * operators compare against. */
static void print_time(struct dns_text_buf *b, uint32_t v)
{
	unsigned int y, m, d;

	civil_from_days(v / 86400, &y, &m, &d);
	dns_text_printf(b, "%04u%02u%02u%02u%02u%02u", y, m, d, v % 86400 / 3600,
			v % 3600 / 60, v % 60);
}

/* ---- type bitmaps (RFC 4034 §4.1.2) ---- */

static int bitmap_check(const uint8_t *p, size_t len)
{
	size_t i = 0;
	int prev = -1;

	while (i < len) {
		if (i + 2 > len)
			return -EBADMSG;
		/* Windows ascend; blocks are 1..32 octets without trailing zeros. */
		if (p[i] <= prev || p[i + 1] < 1 || p[i + 1] > 32 || i + 2 + p[i + 1] > len ||
		    p[i + 1 + p[i + 1]] == 0)
			return -EBADMSG;
		prev = p[i];
		i += 2 + p[i + 1];
	}
	return 0;
}

/* Checked input only: bitmap_check has vouched for every window length. */
static void bitmap_print(struct dns_text_buf *b, const uint8_t *p, size_t len)
{
	char tb[16];
	size_t i = 0;
	int j, k;

	while (i + 2 <= len) {
		for (j = 0; j < p[i + 1]; j++)
			for (k = 0; k < 8; k++)
				if (p[i + 2 + j] & (0x80 >> k)) {
					const char *s = dns_type_to_text(p[i] << 8 | (j * 8 + k), tb);

					dns_text_printf(b, " %s", s);
				}
		i += 2 + p[i + 1];
	}
}

/* ---- text -> wire ---- */

static int rdata_check(const struct rdesc *d, const uint8_t *p, size_t len);
static int field_len(enum field f, const uint8_t *p, size_t left);

/* Text -> wire state: the token cursor and the output being built. */
struct rparse {
	const struct dns_token	*tok;
	size_t			ntok;
	size_t			i;
	const uint8_t		*origin;
	uint8_t			*out;
	size_t			cap;
	size_t			len;
	char			*err;
	size_t			errlen;
};

/* Tokens in messages are cut short: a bad 64 KiB base64 blob is no help. */
#define TOKF		"'%.*s'"
#define TOKA(t)		(int)((t)->len > 64 ? 64 : (t)->len), (t)->s

static int fail(struct rparse *rp, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct rparse *rp, int code, const char *fmt, ...)
{
	va_list ap;

	if (rp->err && rp->errlen) {
		va_start(ap, fmt);
		vsnprintf(rp->err, rp->errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int put(struct rparse *rp, const void *d, size_t n)
{
	if (rp->len + n > rp->cap)
		return fail(rp, -ENOSPC, "rdata too long");
	memcpy(rp->out + rp->len, d, n);
	rp->len += n;
	return 0;
}

static int put_u16(struct rparse *rp, uint32_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	return put(rp, b, 2);
}

static int put_u32(struct rparse *rp, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff };

	return put(rp, b, 4);
}

static const char *field_noun(enum field f)
{
	switch (f) {
	case F_U8: case F_U16: case F_U32: return "number";
	case F_PERIOD: return "period";
	case F_TIME: return "time";
	case F_TYPE: return "type";
	case F_ALG: return "algorithm";
	case F_CERT_TYPE: return "certificate type";
	case F_A: return "IPv4 address";
	case F_AAAA: return "IPv6 address";
	case F_NAME_C: case F_NAME_D: case F_NAME_U: return "name";
	case F_STR: case F_STRS: return "string";
	case F_CAA_TAG: return "CAA tag";
	case F_CAA_VALUE: return "CAA value";
	case F_B64: return "base64 data";
	case F_HEX: return "hex data";
	case F_SALT: return "salt";
	case F_B32: return "hashed owner name";
	default: return "field";
	}
}

/* The next token, or NULL with "missing <field>" as the reason. */
static const struct dns_token *need(struct rparse *rp, enum field f)
{
	if (rp->i >= rp->ntok) {
		fail(rp, -EINVAL, "missing %s", field_noun(f));
		return NULL;
	}
	return &rp->tok[rp->i++];
}

static int parse_name(struct rparse *rp, const struct dns_token *t)
{
	static const uint8_t root[1] = { 0 };
	uint8_t name[DNS_NAME_MAX];
	int n;

	n = dns_name_from_text(name, t->s, t->len, rp->origin);
	if (n >= 0)
		return put(rp, name, n);
	/* Parsing again against the root tells a relative name that merely
	 * lacks an origin from text that is not a name at all. */
	if (n == -EINVAL && !rp->origin && dns_name_from_text(name, t->s, t->len, root) > 0)
		return fail(rp, -EINVAL, "relative name " TOKF " with no origin", TOKA(t));
	return fail(rp, -EINVAL, "%s " TOKF, dns_name_strerror(n), TOKA(t));
}

/* One <character-string>: at most 255 bytes after unescaping (RFC 1035 §3.3). */
static int parse_string(struct rparse *rp, const struct dns_token *t)
{
	uint8_t buf[256];
	int n = dns_text_unescape(t, buf + 1, 255);

	if (n == -ENOSPC)
		return fail(rp, -EINVAL, "string longer than 255 bytes");
	if (n < 0)
		return fail(rp, -EINVAL, "bad escape in " TOKF, TOKA(t));
	buf[0] = (uint8_t)n;
	return put(rp, buf, n + 1);
}

/* The remaining tokens joined, for base64 and hex that may contain blanks. */
static char *join_rest(struct rparse *rp, size_t *len)
{
	size_t i, n = 0;
	char *s;

	for (i = rp->i; i < rp->ntok; i++)
		n += rp->tok[i].len;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	n = 0;
	for (; rp->i < rp->ntok; rp->i++) {
		memcpy(s + n, rp->tok[rp->i].s, rp->tok[rp->i].len);
		n += rp->tok[rp->i].len;
	}
	*len = n;
	return s;
}

static int parse_encoded_rest(struct rparse *rp, enum field f)
{
	const struct dns_token *first;
	size_t len;
	char *s;
	int n;

	/* At least one token; the first is quoted in errors because that is
	 * where an operator starts looking. */
	first = need(rp, f);
	if (!first)
		return -EINVAL;
	rp->i--;
	s = join_rest(rp, &len);
	if (!s)
		return fail(rp, -ENOMEM, "out of memory");
	if (f == F_B64)
		n = dns_encoding_b64_decode(rp->out + rp->len, rp->cap - rp->len, s, len);
	else
		n = dns_encoding_hex_decode(rp->out + rp->len, rp->cap - rp->len, s, len);
	free(s);
	if (n == -ENOSPC)
		return fail(rp, -ENOSPC, "rdata too long");
	if (n <= 0)
		return fail(rp, -EINVAL, "bad %s " TOKF, field_noun(f), TOKA(first));
	rp->len += n;
	return 0;
}

static int parse_bitmap(struct rparse *rp)
{
	uint8_t bits[8192] = { 0 }, block[34];
	int type, win, last, j;

	/* Set bits over the whole type space, then emit only the non-empty
	 * windows, each trimmed of trailing zero octets (RFC 4034 §4.1.2).
	 * Types may come in any order and more than once. */
	for (; rp->i < rp->ntok; rp->i++) {
		const struct dns_token *t = &rp->tok[rp->i];

		type = dns_type_from_text(t->s, t->len);
		if (type < 0)
			return fail(rp, -EINVAL, "unknown type " TOKF " in type bitmap", TOKA(t));
		bits[type / 8] |= 0x80 >> (type % 8);
	}
	for (win = 0; win < 256; win++) {
		last = -1;
		for (j = 0; j < 32; j++)
			if (bits[win * 32 + j])
				last = j;
		if (last < 0)
			continue;
		block[0] = win;
		block[1] = last + 1;
		memcpy(block + 2, bits + win * 32, last + 1);
		if (put(rp, block, last + 3))
			return -ENOSPC;
	}
	return 0;
}

static int parse_field(struct rparse *rp, enum field f)
{
	const struct dns_token *t;
	uint8_t buf[256];
	uint32_t v;
	char tmp[64];
	int n;

	/* Fields that take the rest of the tokens. */
	switch (f) {
	case F_STRS:
		if (!need(rp, f))
			return -EINVAL;
		for (rp->i--; rp->i < rp->ntok; rp->i++) {
			n = parse_string(rp, &rp->tok[rp->i]);
			if (n)
				return n;
		}
		return 0;
	case F_B64:
	case F_HEX:
		return parse_encoded_rest(rp, f);
	case F_BITMAP:
		return parse_bitmap(rp);
	case F_SVC:
		n = dns_svcb_params_from_tokens(rp->tok + rp->i, rp->ntok - rp->i,
						rp->out + rp->len, rp->cap - rp->len, rp->err,
						rp->errlen);
		if (n < 0)
			return n;
		rp->len += n;
		rp->i = rp->ntok;
		return 0;
	default:
		break;
	}

	t = need(rp, f);
	if (!t)
		return -EINVAL;
	switch (f) {
	case F_U8:
	case F_U16:
	case F_U32:
		v = f == F_U8 ? UINT8_MAX : f == F_U16 ? UINT16_MAX : UINT32_MAX;
		if (dns_text_u32(t, v, &v))
			return fail(rp, -EINVAL, "bad number " TOKF " (0..%u)", TOKA(t),
				    f == F_U8 ? UINT8_MAX : f == F_U16 ? UINT16_MAX : UINT32_MAX);
		if (f == F_U8) {
			buf[0] = (uint8_t)v;
			return put(rp, buf, 1);
		}
		return f == F_U16 ? put_u16(rp, v) : put_u32(rp, v);
	case F_PERIOD:
		if (dns_text_period(t, &v))
			return fail(rp, -EINVAL, "bad period " TOKF, TOKA(t));
		return put_u32(rp, v);
	case F_TIME:
		if (parse_time(t, &v))
			return fail(rp, -EINVAL, "bad time " TOKF, TOKA(t));
		return put_u32(rp, v);
	case F_TYPE:
		n = dns_type_from_text(t->s, t->len);
		if (n < 0)
			return fail(rp, -EINVAL, "unknown type " TOKF, TOKA(t));
		return put_u16(rp, n);
	case F_ALG:
		/* RFC 4034 Appendix A.1 allows the mnemonic in presentation. */
		n = mnemonic_find(algs, sizeof(algs) / sizeof(algs[0]), t->s, t->len);
		if (n < 0 && dns_text_u32(t, UINT8_MAX, &v))
			return fail(rp, -EINVAL, "bad algorithm " TOKF, TOKA(t));
		buf[0] = n < 0 ? (uint8_t)v : (uint8_t)n;
		return put(rp, buf, 1);
	case F_CERT_TYPE:
		n = mnemonic_find(cert_types, sizeof(cert_types) / sizeof(cert_types[0]), t->s,
				  t->len);
		if (n < 0 && dns_text_u32(t, UINT16_MAX, &v))
			return fail(rp, -EINVAL, "bad certificate type " TOKF, TOKA(t));
		return put_u16(rp, n < 0 ? v : (uint32_t)n);
	case F_A:
	case F_AAAA:
		/* inet_pton takes only dotted-quad IPv4, never "10.1" or octal. */
		if (t->len >= sizeof(tmp))
			goto bad_addr;
		memcpy(tmp, t->s, t->len);
		tmp[t->len] = '\0';
		if (inet_pton(f == F_A ? AF_INET : AF_INET6, tmp, buf) != 1)
			goto bad_addr;
		return put(rp, buf, f == F_A ? 4 : 16);
	case F_NAME_C:
	case F_NAME_D:
	case F_NAME_U:
		return parse_name(rp, t);
	case F_STR:
		return parse_string(rp, t);
	case F_CAA_TAG:
		n = dns_text_unescape(t, buf + 1, 255);
		buf[0] = n > 0 ? (uint8_t)n : 0;
		if (n <= 0 || field_len(F_CAA_TAG, buf, n + 1) < 0)
			return fail(rp, -EINVAL, "bad CAA tag " TOKF, TOKA(t));
		return put(rp, buf, n + 1);
	case F_CAA_VALUE:
		/* RFC 8659 §4.1.1: the value is the rest of the RDATA, not limited
		 * to one character-string's 255 bytes. */
		n = dns_text_unescape(t, rp->out + rp->len, rp->cap - rp->len);
		if (n == -ENOSPC)
			return fail(rp, -ENOSPC, "rdata too long");
		if (n < 0)
			return fail(rp, -EINVAL, "bad escape in " TOKF, TOKA(t));
		rp->len += n;
		return 0;
	case F_SALT:
		/* RFC 5155 §3.3: "-" is the empty salt. */
		if (t->len == 1 && t->s[0] == '-') {
			buf[0] = 0;
			return put(rp, buf, 1);
		}
		n = dns_encoding_hex_decode(buf + 1, 255, t->s, t->len);
		if (n <= 0)
			return fail(rp, -EINVAL, "bad salt " TOKF, TOKA(t));
		buf[0] = (uint8_t)n;
		return put(rp, buf, n + 1);
	case F_B32:
		n = dns_encoding_b32hex_decode(buf + 1, 255, t->s, t->len);
		if (n <= 0)
			return fail(rp, -EINVAL, "bad hashed owner name " TOKF, TOKA(t));
		buf[0] = (uint8_t)n;
		return put(rp, buf, n + 1);
	default:
		return fail(rp, -EINVAL, "internal: unhandled field");
	}
bad_addr:
	return fail(rp, -EINVAL, "bad %s " TOKF, field_noun(f), TOKA(t));
}


/* RFC 3597 §5: "\# <length> <hex>", valid for every type. */
static int parse_generic(struct rparse *rp, uint16_t type)
{
	const struct rdesc *d = find_desc(type);
	const struct dns_token *t;
	uint32_t want;
	size_t len;
	char *s;
	int n;

	/* Hex may be split by blanks; an empty RDATA is "\# 0" with no data. */
	rp->i = 1;
	t = need(rp, F_U16);
	if (!t)
		return -EINVAL;
	if (dns_text_u32(t, RDATA_MAX, &want))
		return fail(rp, -EINVAL, "bad generic rdata length " TOKF, TOKA(t));
	s = join_rest(rp, &len);
	if (!s)
		return fail(rp, -ENOMEM, "out of memory");
	n = dns_encoding_hex_decode(rp->out, rp->cap, s, len);
	free(s);
	if (n == -ENOSPC)
		return fail(rp, -ENOSPC, "rdata too long");
	if (n < 0)
		return fail(rp, -EINVAL, "bad hex in generic rdata");
	if ((uint32_t)n != want)
		return fail(rp, -EINVAL, "generic rdata has %d bytes, length says %u", n, want);
	rp->len = n;
	/* Generic data for a known type must still be that type's layout, or
	 * the store would hold records no other path could have produced. */
	if (d && rdata_check(d, rp->out, n)) {
		char tb[16];

		return fail(rp, -EINVAL, "generic rdata is not valid %s",
			    dns_type_to_text(type, tb));
	}
	return 0;
}

int dns_rdata_from_tokens(uint16_t type, const struct dns_token *tok, size_t ntok,
			  const uint8_t *origin, uint8_t *out, size_t cap,
			  char *err, size_t errlen)
{
	struct rparse rp = {
		.tok = tok, .ntok = ntok, .origin = origin, .out = out,
		.cap = cap > RDATA_MAX ? RDATA_MAX : cap, .err = err, .errlen = errlen,
	};
	const struct rdesc *d;
	char tb[16];
	int i, ret;

	/* A quoted "\#" is a TXT string, not the generic marker. */
	if (ntok && !tok[0].quoted && tok[0].len == 2 && !memcmp(tok[0].s, "\\#", 2)) {
		ret = parse_generic(&rp, type);
		return ret ? ret : (int)rp.len;
	}
	d = find_desc(type);
	if (!d)
		return fail(&rp, -EINVAL, "type %s needs generic rdata (\\# length hex)",
			    dns_type_to_text(type, tb));
	for (i = 0; i < (int)sizeof(d->f) && d->f[i] != F_END; i++) {
		ret = parse_field(&rp, d->f[i]);
		if (ret)
			return ret;
	}
	if (rp.i < ntok)
		return fail(&rp, -EINVAL, "trailing data " TOKF, TOKA(&tok[rp.i]));
	return rp.len;
}

int dns_rdata_from_text(uint16_t type, const char *text, const uint8_t *origin,
			uint8_t *out, size_t cap, char *err, size_t errlen)
{
	struct dns_token *tok;
	size_t ntok;
	int ret;

	ret = dns_text_tokenize(text, strlen(text), &tok, &ntok);
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s", ret == -ENOMEM ? "out of memory" :
				 "unterminated quoted string");
		return ret;
	}
	ret = dns_rdata_from_tokens(type, tok, ntok, origin, out, cap, err, errlen);
	free(tok);
	return ret;
}

/* ---- wire layout ---- */

static bool is_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Wire length of one uncompressed field at p, or -EBADMSG. Each check here is
 * one that printing relies on: what passes is always presentable. */
static int field_len(enum field f, const uint8_t *p, size_t left)
{
	size_t i;
	int n;

	switch (f) {
	case F_U8: case F_ALG:
		return left >= 1 ? 1 : -EBADMSG;
	case F_U16: case F_TYPE: case F_CERT_TYPE:
		return left >= 2 ? 2 : -EBADMSG;
	case F_U32: case F_PERIOD: case F_TIME: case F_A:
		return left >= 4 ? 4 : -EBADMSG;
	case F_AAAA:
		return left >= 16 ? 16 : -EBADMSG;
	case F_NAME_C: case F_NAME_D: case F_NAME_U:
		n = dns_name_len(p, left);
		return n < 0 ? -EBADMSG : n;
	case F_STR: case F_SALT:
		return left >= 1 && 1u + p[0] <= left ? 1 + p[0] : -EBADMSG;
	case F_B32:
		return left >= 1 && p[0] && 1u + p[0] <= left ? 1 + p[0] : -EBADMSG;
	case F_STRS:
		if (left == 0)
			return -EBADMSG;
		for (i = 0; i < left; i += 1 + p[i])
			if (i + 1 + p[i] > left)
				return -EBADMSG;
		return left;
	case F_CAA_TAG:
		if (left < 1 || p[0] == 0 || 1u + p[0] > left)
			return -EBADMSG;
		for (i = 1; i <= p[0]; i++)
			if (!is_alnum(p[i]))
				return -EBADMSG;
		return 1 + p[0];
	case F_CAA_VALUE:
		return left;
	case F_B64: case F_HEX:
		/* Empty would print as nothing, and nothing does not parse. */
		return left ? (int)left : -EBADMSG;
	case F_BITMAP:
		return bitmap_check(p, left) ? -EBADMSG : (int)left;
	case F_SVC:
		return dns_svcb_params_check(p, left) ? -EBADMSG : (int)left;
	default:
		return -EBADMSG;
	}
}

static int rdata_check(const struct rdesc *d, const uint8_t *p, size_t len)
{
	size_t off = 0;
	int i, n;

	for (i = 0; i < (int)sizeof(d->f) && d->f[i] != F_END; i++) {
		n = field_len(d->f[i], p + off, len - off);
		if (n < 0)
			return n;
		off += n;
	}
	return off == len ? 0 : -EBADMSG;
}

/* ---- wire -> text ---- */

/* One unbroken token: zone-file export writes one line per record. */
static void print_encoded(struct dns_text_buf *b, enum field f, const uint8_t *p, size_t n)
{
	size_t cap = f == F_B64 ? (n + 2) / 3 * 4 + 1 : f == F_B32 ? (n * 8 + 4) / 5 + 1 : 2 * n + 1;
	char *s = malloc(cap);
	int len;

	if (!s) {
		b->overflow = true;
		return;
	}
	if (f == F_B64)
		len = dns_encoding_b64_encode(s, cap, p, n);
	else if (f == F_B32)
		len = dns_encoding_b32hex_encode(s, cap, p, n);
	else
		len = dns_encoding_hex_encode(s, cap, p, n);
	dns_text_put(b, s, len);
	free(s);
}

static void print_field(struct dns_text_buf *b, enum field f, const uint8_t *p, size_t n)
{
	char tmp[DNS_NAME_TEXT_MAX];
	size_t i;
	int m;

	switch (f) {
	case F_U8: case F_ALG:
		/* Algorithms print as numbers, as RFC 4034 §2.2 writes them. */
		dns_text_printf(b, "%u", p[0]);
		break;
	case F_U16:
		dns_text_printf(b, "%u", p[0] << 8 | p[1]);
		break;
	case F_U32: case F_PERIOD:
		dns_text_printf(b, "%u", (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);
		break;
	case F_TIME:
		print_time(b, (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);
		break;
	case F_TYPE:
		dns_text_printf(b, "%s", dns_type_to_text(p[0] << 8 | p[1], tmp));
		break;
	case F_CERT_TYPE:
		m = p[0] << 8 | p[1];
		for (i = 0; i < sizeof(cert_types) / sizeof(cert_types[0]); i++)
			if (cert_types[i].value == m)
				break;
		if (i < sizeof(cert_types) / sizeof(cert_types[0]))
			dns_text_printf(b, "%s", cert_types[i].name);
		else
			dns_text_printf(b, "%d", m);
		break;
	case F_A: case F_AAAA:
		inet_ntop(f == F_A ? AF_INET : AF_INET6, p, tmp, sizeof(tmp));
		dns_text_printf(b, "%s", tmp);
		break;
	case F_NAME_C: case F_NAME_D: case F_NAME_U:
		m = dns_name_to_text(tmp, sizeof(tmp), p);
		if (m < 0)
			b->overflow = true;
		else
			dns_text_put(b, tmp, m);
		break;
	case F_STR:
		dns_text_put_string(b, p + 1, p[0]);
		break;
	case F_STRS:
		for (i = 0; i < n; i += 1 + p[i]) {
			if (i)
				dns_text_put(b, " ", 1);
			dns_text_put_string(b, p + i + 1, p[i]);
		}
		break;
	case F_CAA_TAG:
		dns_text_put(b, (const char *)p + 1, p[0]);
		break;
	case F_CAA_VALUE:
		dns_text_put_string(b, p, n);
		break;
	case F_B64: case F_HEX:
		print_encoded(b, f, p, n);
		break;
	case F_SALT:
		if (p[0] == 0)
			dns_text_put(b, "-", 1);
		else
			print_encoded(b, F_HEX, p + 1, p[0]);
		break;
	case F_B32:
		print_encoded(b, F_B32, p + 1, p[0]);
		break;
	case F_BITMAP:
		bitmap_print(b, p, n);
		break;
	case F_SVC:
		dns_svcb_params_to_text(b, p, n);
		break;
	default:
		break;
	}
}

int dns_rdata_to_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
		      char *out, size_t cap)
{
	const struct rdesc *d = find_desc(type);
	struct dns_text_buf b;
	size_t off = 0;
	int i, n;

	dns_text_buf_init(&b, out, cap);
	/* Anything the type's layout does not describe is still printable, and
	 * readable back, in the RFC 3597 generic form. */
	if (!d || rdata_check(d, rdata, rdlen)) {
		dns_text_printf(&b, "\\# %u", rdlen);
		if (rdlen) {
			dns_text_put(&b, " ", 1);
			print_encoded(&b, F_HEX, rdata, rdlen);
		}
		return dns_text_buf_end(&b);
	}
	for (i = 0; i < (int)sizeof(d->f) && d->f[i] != F_END; i++) {
		n = field_len(d->f[i], rdata + off, rdlen - off);
		/* Bitmaps and SvcParams put a blank before each item themselves. */
		if (i && d->f[i] != F_BITMAP && d->f[i] != F_SVC)
			dns_text_put(&b, " ", 1);
		print_field(&b, d->f[i], rdata + off, n);
		off += n;
	}
	return dns_text_buf_end(&b);
}

/* ---- messages ---- */

int dns_rdata_unpack(uint16_t type, const uint8_t *msg, size_t msglen, size_t pos,
		     uint16_t rdlen, uint8_t *out, size_t cap)
{
	const struct rdesc *d = find_desc(type);
	size_t end, p = pos, w = 0;
	uint8_t name[DNS_NAME_MAX];
	int i, n;

	if (pos > msglen || rdlen > msglen - pos)
		return -EBADMSG;
	end = pos + rdlen;
	/* RFC 3597 §4: names in unknown types are never compressed, so their
	 * bytes are the RDATA as sent. */
	if (!d) {
		if (rdlen > cap)
			return -ENOSPC;
		memcpy(out, msg + pos, rdlen);
		return rdlen;
	}
	for (i = 0; i < (int)sizeof(d->f) && d->f[i] != F_END; i++) {
		const uint8_t *src;

		if (d->f[i] == F_NAME_C || d->f[i] == F_NAME_D) {
			/* Ending the message at the RDATA's end keeps the name inside
			 * it: pointers only go backwards, so nothing later is read. */
			n = dns_name_unpack(msg, end, &p, name);
			if (n < 0)
				return -EBADMSG;
			src = name;
		} else {
			n = field_len(d->f[i], msg + p, end - p);
			if (n < 0)
				return -EBADMSG;
			src = msg + p;
			p += n;
		}
		if (w + n > cap)
			return -ENOSPC;
		memcpy(out + w, src, n);
		w += n;
	}
	/* Decompression can grow RDATA past 65535 bytes, which no record can
	 * carry; the final check covers strings, bitmaps and SvcParams. */
	if (p != end || w > RDATA_MAX || rdata_check(d, out, w))
		return -EBADMSG;
	return w;
}

int dns_rdata_compressible_names(uint16_t type, const uint8_t *rdata, uint16_t rdlen,
				 uint16_t *offs, int max)
{
	const struct rdesc *d = find_desc(type);
	size_t off = 0;
	int i, n, count = 0;

	if (!d)
		return 0;
	/* Stops at the first malformed field: offsets reported are always of
	 * whole names. */
	for (i = 0; i < (int)sizeof(d->f) && d->f[i] != F_END; i++) {
		n = field_len(d->f[i], rdata + off, rdlen - off);
		if (n < 0)
			break;
		if (d->f[i] == F_NAME_C && count < max)
			offs[count++] = off;
		off += n;
	}
	return count;
}

const uint8_t *dns_rdata_additional_target(uint16_t type, const uint8_t *rdata,
					   uint16_t rdlen)
{
	size_t off;

	/* RFC 1035 §3.3.9, §3.3.11 and RFC 2782: the names whose addresses go
	 * in the additional section. */
	switch (type) {
	case DNS_TYPE_NS:
		off = 0;
		break;
	case DNS_TYPE_MX:
		off = 2;
		break;
	case DNS_TYPE_SRV:
		off = 6;
		break;
	default:
		return NULL;
	}
	if (rdlen <= off || dns_name_len(rdata + off, rdlen - off) < 0)
		return NULL;
	return rdata + off;
}

int dns_rdata_cmp_canonical(const uint8_t *a, uint16_t alen, const uint8_t *b, uint16_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	/* RFC 4034 §6.3: octet strings, left-justified; a prefix sorts first. */
	if (c)
		return c;
	return (int)alen - (int)blen;
}
