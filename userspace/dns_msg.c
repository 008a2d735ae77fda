// SPDX-License-Identifier: GPL-2.0-only
/* DNS message codec: query parsing (header, question, EDNS) and a response
 * builder that compresses names and never writes past its size limit. */
#include <errno.h>
#include <string.h>

#include "dns_msg.h"

#define RR_FIXED_LEN	10	/* TYPE, CLASS, TTL, RDLENGTH */
#define PTR_MAX_OFF	0x3fff	/* a compression pointer has 14 bits */

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int dns_msg_skip_name(const uint8_t *msg, size_t len, size_t *pos)
{
	size_t p = *pos, wire = 0;

	for (;;) {
		if (p >= len)
			return -EBADMSG;
		if ((msg[p] & 0xc0) == 0xc0) {
			if (p + 2 > len)
				return -EBADMSG;
			/* RFC 1035 §4.1.4: to a prior occurrence, so never a loop */
			if ((size_t)((msg[p] & 0x3f) << 8 | msg[p + 1]) >= *pos)
				return -EBADMSG;
			*pos = p + 2;
			return 0;
		}
		if (msg[p] & 0xc0)
			return -EBADMSG;
		wire += msg[p] + 1;
		if (wire > DNS_NAME_MAX)
			return -EBADMSG;
		if (msg[p] == 0) {
			*pos = p + 1;
			return 0;
		}
		p += msg[p] + 1;
	}
}

/*
 * RFC 7871 §6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, then just
 * the bytes the source prefix covers, bits past it zero. A query's SCOPE
 * must be 0. Anything else is FORMERR (§7.1.1), as is a second option.
 */
static int parse_ecs(const uint8_t *p, uint16_t olen, struct dns_query *q)
{
	uint16_t family;
	uint8_t source, bytes, max;

	if (q->has_ecs || olen < 4)
		return -EBADMSG;
	family = dns_get16(p);
	source = p[2];
	if (family == DNS_ECS_FAMILY_IP4)
		max = 32;
	else if (family == DNS_ECS_FAMILY_IP6)
		max = 128;
	else
		return -EBADMSG;
	bytes = (source + 7) / 8;
	if (source > max || p[3] != 0 || olen - 4 != bytes)
		return -EBADMSG;
	if ((source & 7) && (p[4 + bytes - 1] & (0xff >> (source & 7))))
		return -EBADMSG;
	memset(q->ecs_addr, 0, sizeof(q->ecs_addr));
	memcpy(q->ecs_addr, p + 4, bytes);
	q->ecs_family = family;
	q->ecs_source = source;
	q->has_ecs = true;
	return 0;
}

/* RFC 6891 §6.1.2: options are (code, length, data) runs that fill RDATA exactly. */
static int parse_opt_options(const uint8_t *p, size_t rdlen, struct dns_query *q)
{
	size_t pos = 0;
	uint16_t code, olen;

	while (pos < rdlen) {
		if (pos + 4 > rdlen)
			return -EBADMSG;
		code = dns_get16(p + pos);
		olen = dns_get16(p + pos + 2);
		pos += 4;
		if (pos + olen > rdlen)
			return -EBADMSG;
		if (code == DNS_EDNS_OPT_NSID)
			q->opt_nsid = true;
		else if (code == DNS_EDNS_OPT_COOKIE)
			q->opt_cookie = true;
		else if (code == DNS_EDNS_OPT_ECS && parse_ecs(p + pos, olen, q))
			return -EBADMSG;
		pos += olen;
	}
	return 0;
}

/* One RR of the answer, authority (opt_ok false) or additional section. */
static int parse_rr(const uint8_t *pkt, size_t len, size_t *pos, bool opt_ok,
		    struct dns_query *q)
{
	size_t start = *pos, p = *pos;
	uint16_t type, rdlen;
	uint32_t ttl;

	if (dns_msg_skip_name(pkt, len, &p))
		return -EBADMSG;
	if (p + RR_FIXED_LEN > len)
		return -EBADMSG;
	type = dns_get16(pkt + p);
	rdlen = dns_get16(pkt + p + 8);
	if (p + RR_FIXED_LEN + rdlen > len)
		return -EBADMSG;
	if (type == 41) {
		/* RFC 6891 §6.1.1: one OPT, in the additional section, owned by root. */
		if (!opt_ok || q->has_opt || p != start + 1 || pkt[start] != 0)
			return -EBADMSG;
		q->has_opt = true;
		q->edns_udp_size = dns_get16(pkt + p + 2);
		ttl = dns_get32(pkt + p + 4);
		q->edns_version = (ttl >> 16) & 0xff;
		q->edns_flags = ttl & 0xffff;
		if (parse_opt_options(pkt + p + RR_FIXED_LEN, rdlen, q))
			return -EBADMSG;
	}
	*pos = p + RR_FIXED_LEN + rdlen;
	return 0;
}

enum dns_query_status dns_query_parse(const uint8_t *pkt, size_t len, struct dns_query *q)
{
	size_t pos;
	int n, i;

	q->has_question = false;
	q->has_opt = false;
	q->opt_nsid = false;
	q->opt_cookie = false;
	q->has_ecs = false;
	q->edns_version = 0;
	q->edns_udp_size = 0;
	q->edns_flags = 0;
	if (len < DNS_HDR_LEN)
		return DNS_QUERY_DROP;
	q->pkt = pkt;
	q->pkt_len = len;
	q->id = dns_get16(pkt);
	q->flags = dns_get16(pkt + 2);
	q->qdcount = dns_get16(pkt + 4);
	q->ancount = dns_get16(pkt + 6);
	q->nscount = dns_get16(pkt + 8);
	q->arcount = dns_get16(pkt + 10);
	/* Never answer a response: that is how reflection loops start. */
	if (q->flags & DNS_FLAG_QR)
		return DNS_QUERY_DROP;
	if (q->qdcount != 1)
		return DNS_QUERY_FORMERR;

	/* The question's name is the first in the message: nothing to point at. */
	n = dns_name_len(pkt + DNS_HDR_LEN, len - DNS_HDR_LEN);
	if (n < 0 || DNS_HDR_LEN + (size_t)n + 4 > len)
		return DNS_QUERY_FORMERR;
	q->qname = pkt + DNS_HDR_LEN;
	q->qname_len = n;
	q->question_len = n + 4;
	for (i = 0; i < n; i++)
		q->qname_lower[i] = lower(q->qname[i]);
	q->qtype = dns_get16(pkt + DNS_HDR_LEN + n);
	q->qclass = dns_get16(pkt + DNS_HDR_LEN + n + 2);
	q->has_question = true;

	pos = DNS_HDR_LEN + n + 4;
	for (i = 0; i < q->ancount + q->nscount; i++)
		if (parse_rr(pkt, len, &pos, false, q))
			return DNS_QUERY_FORMERR;
	for (i = 0; i < q->arcount; i++)
		if (parse_rr(pkt, len, &pos, true, q))
			return DNS_QUERY_FORMERR;
	if (pos != len)
		return DNS_QUERY_FORMERR;	/* trailing bytes */
	return DNS_QUERY_OK;
}

static inline size_t room(const struct dns_resp *r)
{
	size_t end = r->limit - r->reserve;

	return r->len < end ? end - r->len : 0;
}

static bool name_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
	size_t i;

	/* Length bytes are <= 63 and so unchanged by lower(). */
	for (i = 0; i < len; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

static const struct dns_comp_entry *comp_find(const struct dns_resp *r, const uint8_t *name,
					      size_t len)
{
	int i;

	for (i = 0; i < r->ncomp; i++) {
		const struct dns_comp_entry *e = &r->comp[i];

		if (e->len == len && lower(e->name[1]) == lower(name[1]) &&
		    name_eq(e->name, name, len))
			return e;
	}
	return NULL;
}

static void comp_add(struct dns_resp *r, const uint8_t *name, size_t off, size_t len)
{
	if (r->ncomp >= DNS_COMP_MAX || off > PTR_MAX_OFF || len <= 1)
		return;
	r->comp[r->ncomp].name = name;
	r->comp[r->ncomp].off = off;
	r->comp[r->ncomp].len = len;
	r->ncomp++;
}

static size_t wire_len(const uint8_t *name)
{
	size_t pos = 0;

	while (name[pos])
		pos += name[pos] + 1;
	return pos + 1;
}

int dns_resp_init(struct dns_resp *r, uint8_t *buf, size_t limit,
		  const struct dns_query *q, bool with_question)
{
	size_t pos;
	uint16_t flags;

	if (limit < DNS_HDR_LEN)
		return -ENOSPC;
	r->buf = buf;
	r->limit = limit;
	r->reserve = 0;
	r->len = DNS_HDR_LEN;
	r->count[0] = r->count[1] = r->count[2] = 0;
	r->section = DNS_SEC_ANSWER;
	r->rcode = 0;
	r->ncomp = 0;
	flags = DNS_FLAG_QR | (q->flags & (DNS_OPCODE_MASK | DNS_FLAG_RD | DNS_FLAG_CD));
	dns_put16(buf, q->id);
	dns_put16(buf + 2, flags);
	memset(buf + 4, 0, 8);
	if (!with_question || !q->has_question)
		return 0;
	if (DNS_HDR_LEN + (size_t)q->question_len > limit)
		return -ENOSPC;
	memcpy(buf + DNS_HDR_LEN, q->qname, q->question_len);
	r->len += q->question_len;
	dns_put16(buf + 4, 1);
	/* Every suffix of the question is a compression target; the answer's
	 * owner becomes 0xc00c, which the fast path relies on. */
	for (pos = 0; q->qname[pos]; pos += q->qname[pos] + 1)
		comp_add(r, q->qname + pos, DNS_HDR_LEN + pos, q->qname_len - pos);
	return 0;
}

void dns_resp_set_rcode(struct dns_resp *r, uint16_t rcode)
{
	r->rcode = rcode;
	r->buf[3] = (r->buf[3] & ~DNS_RCODE_MASK) | (rcode & DNS_RCODE_MASK);
}

int dns_resp_reserve(struct dns_resp *r, size_t n)
{
	if (r->len + n > r->limit)
		return -ENOSPC;
	r->reserve = n;
	return 0;
}

void dns_resp_begin_section(struct dns_resp *r, enum dns_section s)
{
	if ((int)s > r->section)
		r->section = s;
}

int dns_resp_put_name(struct dns_resp *r, const uint8_t *name)
{
	size_t nlen = wire_len(name), pos = 0, llen;
	const struct dns_comp_entry *e;
	int start = -1;

	while (name[pos]) {
		e = comp_find(r, name + pos, nlen - pos);
		if (e) {
			if (room(r) < 2)
				return -ENOSPC;
			r->buf[r->len++] = 0xc0 | (e->off >> 8);
			r->buf[r->len++] = e->off & 0xff;
			return start < 0 ? e->off : start;
		}
		llen = name[pos] + 1;
		if (room(r) < llen)
			return -ENOSPC;
		comp_add(r, name + pos, r->len, nlen - pos);
		if (start < 0)
			start = r->len;
		memcpy(r->buf + r->len, name + pos, llen);
		r->len += llen;
		pos += llen;
	}
	if (room(r) < 1)
		return -ENOSPC;
	if (start < 0)
		start = r->len;
	r->buf[r->len++] = 0;
	return start;
}

int dns_resp_put_rr(struct dns_resp *r, const uint8_t *owner, int owner_off, uint16_t type,
		    uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
		    const uint16_t *comp, int ncomp, int *name_off)
{
	struct dns_resp_mark m = dns_resp_mark(r);
	size_t rd_start, p = 0, chunk;
	int i, off;

	if (owner_off > 0 && owner_off <= PTR_MAX_OFF) {
		if (room(r) < 2)
			goto nospc;
		r->buf[r->len++] = 0xc0 | (owner_off >> 8);
		r->buf[r->len++] = owner_off & 0xff;
	} else if (dns_resp_put_name(r, owner) < 0) {
		goto nospc;
	}
	if (room(r) < RR_FIXED_LEN)
		goto nospc;
	dns_put16(r->buf + r->len, type);
	dns_put16(r->buf + r->len + 2, rclass);
	dns_put32(r->buf + r->len + 4, ttl);
	r->len += RR_FIXED_LEN;
	rd_start = r->len;
	for (i = 0; i < ncomp; i++) {
		chunk = comp[i] - p;
		if (room(r) < chunk)
			goto nospc;
		memcpy(r->buf + r->len, rdata + p, chunk);
		r->len += chunk;
		off = dns_resp_put_name(r, rdata + comp[i]);
		if (off < 0)
			goto nospc;
		if (i == 0 && name_off)
			*name_off = off;
		p = comp[i] + wire_len(rdata + comp[i]);
	}
	chunk = rdlen - p;
	if (room(r) < chunk)
		goto nospc;
	memcpy(r->buf + r->len, rdata + p, chunk);
	r->len += chunk;
	dns_put16(r->buf + rd_start - 2, r->len - rd_start);
	r->count[r->section]++;
	return 0;
nospc:
	dns_resp_rollback(r, &m);
	return -ENOSPC;
}

int dns_resp_put_opt(struct dns_resp *r, uint16_t udp_size, uint16_t flags,
		     const uint8_t *opts, uint16_t optlen)
{
	uint8_t *p;

	r->reserve = 0;
	r->section = DNS_SEC_ADDITIONAL;
	if (r->len + DNS_OPT_FIXED_LEN + optlen > r->limit)
		return -ENOSPC;
	p = r->buf + r->len;
	p[0] = 0;			/* root owner */
	dns_put16(p + 1, 41);
	dns_put16(p + 3, udp_size);
	p[5] = r->rcode >> 4;		/* RFC 6891 §6.1.3: upper 8 bits of the RCODE */
	p[6] = 0;			/* version */
	dns_put16(p + 7, flags);
	dns_put16(p + 9, optlen);
	if (optlen)
		memcpy(p + DNS_OPT_FIXED_LEN, opts, optlen);
	r->len += DNS_OPT_FIXED_LEN + optlen;
	r->count[DNS_SEC_ADDITIONAL]++;
	return 0;
}

size_t dns_resp_finish(struct dns_resp *r)
{
	dns_put16(r->buf + 6, r->count[DNS_SEC_ANSWER]);
	dns_put16(r->buf + 8, r->count[DNS_SEC_AUTHORITY]);
	dns_put16(r->buf + 10, r->count[DNS_SEC_ADDITIONAL]);
	return r->len;
}
