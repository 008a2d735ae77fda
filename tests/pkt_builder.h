/* SPDX-License-Identifier: GPL-2.0-only */
/* Builds Ethernet/VLAN/IPv4/IPv6/UDP frames and DNS messages for the XDP
 * tests, with its own checksum code: the tests never trust the program's. */
#ifndef NAMESERVE_PKT_BUILDER_H
#define NAMESERVE_PKT_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PB_FRAME_MAX	2048
#define PB_VLAN_MAX	3

struct pb_frame {
	uint8_t		dst_mac[6];
	uint8_t		src_mac[6];
	int		nvlan;
	uint16_t	vlan_tpid[PB_VLAN_MAX];
	uint16_t	vlan_tci[PB_VLAN_MAX];
	int		family;		/* 4, 6, or 0: raw ethertype and payload */
	uint16_t	ethertype;	/* family 0 only */
	uint8_t		saddr[16];
	uint8_t		daddr[16];
	uint8_t		ttl;
	uint8_t		tos;
	uint16_t	ip_id;
	uint16_t	frag_off;	/* host order: flags and offset */
	uint8_t		ipopt[40];
	size_t		ipopt_len;	/* multiple of 4 */
	uint8_t		proto;		/* IPv4 protocol / IPv6 next header */
	bool		v6_ext_on;	/* an 8-byte extension header of type v6_ext */
	uint8_t		v6_ext;
	uint16_t	sport;
	uint16_t	dport;
	bool		udp_csum_zero;	/* IPv4: send no UDP checksum */
	int		udp_len_delta;	/* corrupts the UDP length field */
	int		ip_len_delta;	/* corrupts the IP length field */
	size_t		trailer_len;	/* bytes after the IP packet (Ethernet padding) */
	uint8_t		trailer_byte;
};

static inline void pb_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static inline uint16_t pb_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 sum of big-endian 16-bit words, not folded. */
static inline uint32_t pb_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += pb_get16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline uint16_t pb_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The sum of the UDP pseudo-header (RFC 768, RFC 8200 8.1). */
static inline uint32_t pb_pseudo_sum(int family, const uint8_t *saddr, const uint8_t *daddr,
				     size_t ulen)
{
	size_t alen = family == 6 ? 16 : 4;
	uint32_t sum = 0;

	sum = pb_sum(saddr, alen, sum);
	sum = pb_sum(daddr, alen, sum);
	return sum + 17 + (uint32_t)ulen;
}

/* Builds a frame around @payload (UDP payload for IP families, L3 payload
 * for family 0). Returns its length, 0 if it does not fit. */
static inline size_t pb_build(uint8_t *out, size_t cap, const struct pb_frame *f,
			      const uint8_t *payload, size_t plen)
{
	size_t off = 12, l3, l4, ulen, iplen, hlen, i;
	uint8_t *udp;

	if (cap < 14 + PB_VLAN_MAX * 4 + 40 + 8 + 40 + plen + f->trailer_len)
		return 0;
	memcpy(out, f->dst_mac, 6);
	memcpy(out + 6, f->src_mac, 6);
	for (i = 0; i < (size_t)f->nvlan; i++) {
		pb_put16(out + off, f->vlan_tpid[i]);
		pb_put16(out + off + 2, f->vlan_tci[i]);
		off += 4;
	}
	if (f->family == 0) {
		pb_put16(out + off, f->ethertype);
		memcpy(out + off + 2, payload, plen);
		return off + 2 + plen;
	}
	pb_put16(out + off, f->family == 6 ? 0x86dd : 0x0800);
	l3 = off + 2;
	ulen = 8 + plen;

	if (f->family == 4) {
		uint8_t *ip = out + l3;

		hlen = 20 + f->ipopt_len;
		iplen = hlen + ulen;
		ip[0] = 0x40 | (uint8_t)(hlen / 4);
		ip[1] = f->tos;
		pb_put16(ip + 2, (uint16_t)(iplen + f->ip_len_delta));
		pb_put16(ip + 4, f->ip_id);
		pb_put16(ip + 6, f->frag_off);
		ip[8] = f->ttl;
		ip[9] = f->proto;
		pb_put16(ip + 10, 0);
		memcpy(ip + 12, f->saddr, 4);
		memcpy(ip + 16, f->daddr, 4);
		memcpy(ip + 20, f->ipopt, f->ipopt_len);
		pb_put16(ip + 10, (uint16_t)~pb_fold(pb_sum(ip, hlen, 0)));
		l4 = l3 + hlen;
	} else {
		uint8_t *ip6 = out + l3;
		size_t ext = f->v6_ext_on ? 8 : 0;

		iplen = 40 + ext + ulen;
		ip6[0] = 0x60 | (f->tos >> 4);
		ip6[1] = (uint8_t)(f->tos << 4);
		ip6[2] = 0;
		ip6[3] = 0;
		pb_put16(ip6 + 4, (uint16_t)(ext + ulen + f->ip_len_delta));
		ip6[6] = f->v6_ext_on ? f->v6_ext : f->proto;
		ip6[7] = f->ttl;
		memcpy(ip6 + 8, f->saddr, 16);
		memcpy(ip6 + 24, f->daddr, 16);
		l4 = l3 + 40;
		if (ext) {
			memset(out + l4, 0, 8);
			out[l4] = f->proto;	/* next header; length 0: 8 bytes */
			if (f->v6_ext == 44)	/* a fragment header: first, more follow */
				out[l4 + 3] = 1;
			else			/* PadN filling the option area */
				out[l4 + 2] = 1, out[l4 + 3] = 4;
			l4 += 8;
		}
	}

	udp = out + l4;
	pb_put16(udp, f->sport);
	pb_put16(udp + 2, f->dport);
	pb_put16(udp + 4, (uint16_t)(ulen + f->udp_len_delta));
	pb_put16(udp + 6, 0);
	memcpy(udp + 8, payload, plen);
	if (f->proto == 17 && !(f->family == 4 && f->udp_csum_zero)) {
		uint16_t c = ~pb_fold(pb_sum(udp, ulen,
					     pb_pseudo_sum(f->family, f->saddr, f->daddr, ulen)));

		pb_put16(udp + 6, c ? c : 0xffff);
	}
	off = l4 + ulen;
	memset(out + off, f->trailer_byte, f->trailer_len);
	return off + f->trailer_len;
}

/* Text name ("www.example.com.", "." for the root) to wire form; no escapes. */
static inline size_t pb_name(uint8_t *out, const char *text)
{
	size_t n = 0;
	const char *p = text, *dot;

	while (*p && *p != '.') {
		dot = strchr(p, '.');
		if (!dot)
			dot = p + strlen(p);
		out[n++] = (uint8_t)(dot - p);
		memcpy(out + n, p, dot - p);
		n += dot - p;
		p = *dot ? dot + 1 : dot;
	}
	out[n++] = 0;
	return n;
}

struct pb_dns {
	uint16_t	id;
	uint16_t	flags;
	uint16_t	qdcount, ancount, nscount;
	int		arcount;	/* -1: 1 with EDNS, else 0 */
	uint8_t		qname[300];	/* wire form */
	size_t		qname_len;
	uint16_t	qtype, qclass;
	bool		edns;
	uint8_t		opt_owner;	/* nonzero: a one-label owner instead of root */
	uint16_t	opt_type;	/* 0: 41 */
	uint16_t	edns_size;
	uint8_t		edns_version;
	bool		edns_do;
	uint8_t		edns_opts[256];	/* raw options */
	size_t		edns_opts_len;
	int		opt_rdlen_delta;	/* corrupts RDLENGTH */
	uint8_t		trailer[64];	/* bytes after the message's records */
	size_t		trailer_len;
};

static inline size_t pb_dns_build(uint8_t *out, const struct pb_dns *d)
{
	size_t n = 12;

	pb_put16(out, d->id);
	pb_put16(out + 2, d->flags);
	pb_put16(out + 4, d->qdcount);
	pb_put16(out + 6, d->ancount);
	pb_put16(out + 8, d->nscount);
	pb_put16(out + 10, d->arcount >= 0 ? d->arcount : d->edns ? 1 : 0);
	memcpy(out + n, d->qname, d->qname_len);
	n += d->qname_len;
	pb_put16(out + n, d->qtype);
	pb_put16(out + n + 2, d->qclass);
	n += 4;
	if (d->edns) {
		if (d->opt_owner) {
			out[n++] = 1;
			out[n++] = d->opt_owner;
		}
		out[n++] = 0;
		pb_put16(out + n, d->opt_type ? d->opt_type : 41);
		pb_put16(out + n + 2, d->edns_size);
		out[n + 4] = 0;
		out[n + 5] = d->edns_version;
		pb_put16(out + n + 6, d->edns_do ? 0x8000 : 0);
		pb_put16(out + n + 8, (uint16_t)(d->edns_opts_len + d->opt_rdlen_delta));
		n += 10;
		memcpy(out + n, d->edns_opts, d->edns_opts_len);
		n += d->edns_opts_len;
	}
	memcpy(out + n, d->trailer, d->trailer_len);
	return n + d->trailer_len;
}

/* Appends one EDNS option. */
static inline void pb_edns_opt(struct pb_dns *d, uint16_t code, const void *data, uint16_t len)
{
	uint8_t *p = d->edns_opts + d->edns_opts_len;

	pb_put16(p, code);
	pb_put16(p + 2, len);
	memcpy(p + 4, data, len);
	d->edns_opts_len += 4 + len;
}

/* Appends one resource record with its owner compressed to the question. */
static inline size_t pb_rr(uint8_t *out, uint16_t type, uint32_t ttl, const void *rdata,
			   uint16_t rdlen)
{
	out[0] = 0xc0;
	out[1] = 0x0c;
	pb_put16(out + 2, type);
	pb_put16(out + 4, 1);
	pb_put16(out + 6, ttl >> 16);
	pb_put16(out + 8, ttl & 0xffff);
	pb_put16(out + 10, rdlen);
	memcpy(out + 12, rdata, rdlen);
	return 12 + rdlen;
}

/*
 * The reply the engine sends to the query (qf, qd) with the answer records
 * rrs (len bytes, ancount of them): addresses and ports swapped, QR and AA
 * set, RD and CD echoed, the question echoed, our OPT when the query had one.
 * Built from the query's fields alone, so it checks the XDP program's bytes.
 */
static inline size_t pb_reply_build(uint8_t *out, const struct pb_frame *qf,
				    const struct pb_dns *qd, const void *rrs, size_t len,
				    uint16_t ancount)
{
	static const uint8_t opt[11] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };
	uint8_t msg[PB_FRAME_MAX];
	struct pb_frame f = *qf;
	size_t n = 12, alen = qf->family == 6 ? 16 : 4;

	pb_put16(msg, qd->id);
	pb_put16(msg + 2, 0x8400 | (qd->flags & 0x0110));
	pb_put16(msg + 4, 1);
	pb_put16(msg + 6, ancount);
	pb_put16(msg + 8, 0);
	pb_put16(msg + 10, qd->edns ? 1 : 0);
	memcpy(msg + n, qd->qname, qd->qname_len);
	n += qd->qname_len;
	pb_put16(msg + n, qd->qtype);
	pb_put16(msg + n + 2, qd->qclass);
	n += 4;
	memcpy(msg + n, rrs, len);
	n += len;
	if (qd->edns) {
		memcpy(msg + n, opt, sizeof(opt));
		if (qd->edns_do)
			msg[n + 7] = 0x80;
		n += sizeof(opt);
	}
	memcpy(f.dst_mac, qf->src_mac, 6);
	memcpy(f.src_mac, qf->dst_mac, 6);
	memcpy(f.saddr, qf->daddr, alen);
	memcpy(f.daddr, qf->saddr, alen);
	f.sport = qf->dport;
	f.dport = qf->sport;
	f.ttl = 64;
	f.udp_csum_zero = false;
	f.udp_len_delta = 0;
	f.ip_len_delta = 0;
	f.trailer_len = 0;
	return pb_build(out, PB_FRAME_MAX, &f, msg, n);
}

/*
 * Checks a frame's IPv4 header checksum and its UDP checksum from scratch.
 * Returns 0 if both verify, -1 otherwise (or if the frame is not IP/UDP).
 */
static inline int pb_verify_csums(const uint8_t *p, size_t len)
{
	size_t off = 12, l4, ulen;
	uint16_t type;
	int family;

	if (len < 14)
		return -1;
	type = pb_get16(p + off);
	while (type == 0x8100 || type == 0x88a8) {
		off += 4;
		if (off + 2 > len)
			return -1;
		type = pb_get16(p + off);
	}
	off += 2;
	if (type == 0x0800) {
		size_t hlen;

		if (off + 20 > len)
			return -1;
		hlen = (p[off] & 0xf) * 4;
		if (off + hlen > len || pb_fold(pb_sum(p + off, hlen, 0)) != 0xffff)
			return -1;
		family = 4;
		l4 = off + hlen;
	} else if (type == 0x86dd) {
		if (off + 40 > len)
			return -1;
		family = 6;
		l4 = off + 40;
	} else {
		return -1;
	}
	if (l4 + 8 > len)
		return -1;
	ulen = pb_get16(p + l4 + 4);
	if (l4 + ulen > len)
		return -1;
	if (pb_get16(p + l4 + 6) == 0)
		return family == 4 ? 0 : -1;
	if (pb_fold(pb_sum(p + l4, ulen, pb_pseudo_sum(family, p + (family == 4 ? off + 12 : off + 8),
						      p + (family == 4 ? off + 16 : off + 24),
						      ulen))) != 0xffff)
		return -1;
	return 0;
}

#endif /* NAMESERVE_PKT_BUILDER_H */
