/* SPDX-License-Identifier: GPL-2.0-only */
/* Test helpers: zones built from records written as text, queries built by
 * hand, and a small reader for reply sections. */
#ifndef NAMESERVE_TESTS_ZONE_FIXTURE_H
#define NAMESERVE_TESTS_ZONE_FIXTURE_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_msg.h"
#include "dns_name.h"
#include "dns_rdata.h"
#include "zone.h"

/* RDATA for the few types the tests need, from text. Returns its length. */
static inline int fx_rdata(uint16_t type, const char *text, uint8_t *out)
{
	char a[256], b[256];
	unsigned int v[5];
	int n, m;

	switch (type) {
	case DNS_TYPE_A:
		return inet_pton(AF_INET, text, out) == 1 ? 4 : -1;
	case DNS_TYPE_AAAA:
		return inet_pton(AF_INET6, text, out) == 1 ? 16 : -1;
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case DNS_TYPE_DNAME:
	case DNS_TYPE_PTR:
		return dns_name_from_text(out, text, strlen(text), NULL);
	case DNS_TYPE_MX:
		if (sscanf(text, "%u %255s", &v[0], a) != 2)
			return -1;
		dns_put16(out, v[0]);
		n = dns_name_from_text(out + 2, a, strlen(a), NULL);
		return n < 0 ? n : n + 2;
	case DNS_TYPE_SRV:
		if (sscanf(text, "%u %u %u %255s", &v[0], &v[1], &v[2], a) != 4)
			return -1;
		dns_put16(out, v[0]);
		dns_put16(out + 2, v[1]);
		dns_put16(out + 4, v[2]);
		n = dns_name_from_text(out + 6, a, strlen(a), NULL);
		return n < 0 ? n : n + 6;
	case DNS_TYPE_TXT:
		n = strlen(text);
		out[0] = n;
		memcpy(out + 1, text, n);
		return n + 1;
	case DNS_TYPE_SOA:
		if (sscanf(text, "%255s %255s %u %u %u %u %u", a, b, &v[0], &v[1], &v[2], &v[3],
			   &v[4]) != 7)
			return -1;
		n = dns_name_from_text(out, a, strlen(a), NULL);
		m = dns_name_from_text(out + n, b, strlen(b), NULL);
		for (int i = 0; i < 5; i++)
			dns_put32(out + n + m + 4 * i, v[i]);
		return n + m + 20;
	default:
		/* "\x..." raw hex bytes for any other type */
		n = 0;
		while (text[0] && text[1] && sscanf(text, "%2x", &v[0]) == 1) {
			out[n++] = v[0];
			text += 2;
		}
		return n;
	}
}

struct fx_rec {
	const char	*owner;
	uint32_t	ttl;
	uint16_t	type;
	const char	*rdata;
};

/* Adds records; returns 0 or the builder's error, with err filled. */
static inline int fx_add(struct zone_builder *b, const struct fx_rec *recs, size_t n,
			 char *err, size_t errlen)
{
	uint8_t owner[DNS_NAME_MAX], rdata[1024];
	struct dns_rr rr;
	size_t i;
	int ret;

	for (i = 0; i < n; i++) {
		if (dns_name_from_text(owner, recs[i].owner, strlen(recs[i].owner), NULL) < 0) {
			snprintf(err, errlen, "fixture: bad owner %s", recs[i].owner);
			return -1;
		}
		ret = fx_rdata(recs[i].type, recs[i].rdata, rdata);
		if (ret < 0) {
			snprintf(err, errlen, "fixture: bad rdata %s", recs[i].rdata);
			return -1;
		}
		rr.owner = owner;
		rr.type = recs[i].type;
		rr.rclass = DNS_CLASS_IN;
		rr.ttl = recs[i].ttl;
		rr.rdlen = ret;
		rr.rdata = rdata;
		ret = zone_builder_add(b, &rr, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* A zone from records, or NULL with err filled. */
static inline struct zone *fx_zone(const struct fx_rec *recs, size_t n, char *err, size_t errlen)
{
	struct zone_builder *b;
	struct zone *z = NULL;

	if (zone_builder_new(&b, NULL))
		return NULL;
	if (fx_add(b, recs, n, err, errlen)) {
		zone_builder_free(b);
		return NULL;
	}
	if (zone_builder_finish(b, &z, err, errlen))
		return NULL;
	return z;
}

struct fx_query_opts {
	uint16_t	id;
	uint16_t	flags;		/* RD, CD, opcode ... */
	uint16_t	qclass;		/* 0: IN */
	bool		edns;
	uint16_t	udp_size;	/* 0: 1232 */
	uint8_t		version;
	bool		do_bit;
	bool		nsid;
	bool		cookie;
};

/* A query for text name (letter case kept), type; returns its length. */
static inline size_t fx_query(uint8_t *buf, const char *name, uint16_t type,
			      const struct fx_query_opts *o)
{
	static const struct fx_query_opts none;
	size_t pos = DNS_HDR_LEN, optlen = 0;
	int n;

	if (!o)
		o = &none;
	memset(buf, 0, DNS_HDR_LEN);
	dns_put16(buf, o->id);
	dns_put16(buf + 2, o->flags);
	dns_put16(buf + 4, 1);
	n = dns_name_from_text(buf + pos, name, strlen(name), NULL);
	if (n < 0)
		abort();
	pos += n;
	dns_put16(buf + pos, type);
	dns_put16(buf + pos + 2, o->qclass ? o->qclass : DNS_CLASS_IN);
	pos += 4;
	if (!o->edns)
		return pos;
	dns_put16(buf + 10, 1);
	buf[pos] = 0;
	dns_put16(buf + pos + 1, 41);
	dns_put16(buf + pos + 3, o->udp_size ? o->udp_size : 1232);
	buf[pos + 5] = 0;
	buf[pos + 6] = o->version;
	dns_put16(buf + pos + 7, o->do_bit ? DNS_EDNS_DO : 0);
	if (o->nsid) {
		dns_put16(buf + pos + 11 + optlen, DNS_EDNS_OPT_NSID);
		dns_put16(buf + pos + 13 + optlen, 0);
		optlen += 4;
	}
	if (o->cookie) {
		dns_put16(buf + pos + 11 + optlen, DNS_EDNS_OPT_COOKIE);
		dns_put16(buf + pos + 13 + optlen, 8);
		memcpy(buf + pos + 15 + optlen, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
		optlen += 12;
	}
	dns_put16(buf + pos + 9, optlen);
	return pos + 11 + optlen;
}

/* One record of a reply, names decompressed. */
struct fx_rr {
	uint8_t		owner[DNS_NAME_MAX];
	uint16_t	type, rclass;
	uint32_t	ttl;
	uint16_t	rdlen;
	size_t		rdata_off;	/* in the message */
	size_t		owner_off;
};

struct fx_reply {
	uint16_t	id, flags, qd, an, ns, ar;
	int		nrr;
	struct fx_rr	rr[128];
};

/* Reads a whole reply; -1 if it is malformed (which the tests assert against). */
static inline int fx_parse(const uint8_t *msg, size_t len, struct fx_reply *r)
{
	size_t pos = DNS_HDR_LEN;
	uint8_t name[DNS_NAME_MAX];
	int i, total;

	if (len < DNS_HDR_LEN)
		return -1;
	r->id = dns_get16(msg);
	r->flags = dns_get16(msg + 2);
	r->qd = dns_get16(msg + 4);
	r->an = dns_get16(msg + 6);
	r->ns = dns_get16(msg + 8);
	r->ar = dns_get16(msg + 10);
	for (i = 0; i < r->qd; i++) {
		if (dns_name_unpack(msg, len, &pos, name) < 0 || pos + 4 > len)
			return -1;
		pos += 4;
	}
	total = r->an + r->ns + r->ar;
	if (total > 128)
		return -1;
	for (i = 0; i < total; i++) {
		struct fx_rr *rr = &r->rr[i];

		rr->owner_off = pos;
		if (dns_name_unpack(msg, len, &pos, rr->owner) < 0 || pos + 10 > len)
			return -1;
		rr->type = dns_get16(msg + pos);
		rr->rclass = dns_get16(msg + pos + 2);
		rr->ttl = dns_get32(msg + pos + 4);
		rr->rdlen = dns_get16(msg + pos + 8);
		rr->rdata_off = pos + 10;
		pos += 10 + rr->rdlen;
		if (pos > len)
			return -1;
	}
	r->nrr = total;
	return pos == len ? 0 : -1;
}

/* Text of a wire name, for assertions. */
static inline const char *fx_name(const uint8_t *name)
{
	static char buf[4][DNS_NAME_TEXT_MAX];
	static int i;

	i = (i + 1) % 4;
	if (dns_name_to_text(buf[i], sizeof(buf[i]), name) < 0)
		return "?";
	return buf[i];
}

/* The name at off in msg (compressed or not), as text. */
static inline const char *fx_msg_name(const uint8_t *msg, size_t len, size_t off)
{
	uint8_t name[DNS_NAME_MAX];

	if (dns_name_unpack(msg, len, &off, name) < 0)
		return "<bad>";
	return fx_name(name);
}

#endif /* NAMESERVE_TESTS_ZONE_FIXTURE_H */
