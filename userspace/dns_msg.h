/* SPDX-License-Identifier: GPL-2.0-only */
/* DNS messages: a query parsed into struct dns_query, and a response builder with
 * name compression, section counts, truncation points and the EDNS OPT record. */
#ifndef NAMESERVE_DNS_MSG_H
#define NAMESERVE_DNS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_name.h"

#define DNS_HDR_LEN		12
#define DNS_UDP_MIN		512	/* RFC 1035 §4.2.1, and the floor of any EDNS size */
#define DNS_TCP_MAX		65535
#define DNS_OPT_FIXED_LEN	11	/* root owner, type, class, TTL, RDLENGTH */

/* Bits of the 16-bit flags word in host order (RFC 1035 §4.1.1, RFC 4035 §3.2). */
#define DNS_FLAG_QR		0x8000
#define DNS_FLAG_AA		0x0400
#define DNS_FLAG_TC		0x0200
#define DNS_FLAG_RD		0x0100
#define DNS_FLAG_RA		0x0080
#define DNS_FLAG_Z		0x0040
#define DNS_FLAG_AD		0x0020
#define DNS_FLAG_CD		0x0010
#define DNS_OPCODE_SHIFT	11
#define DNS_OPCODE_MASK		0x7800
#define DNS_RCODE_MASK		0x000f

enum dns_opcode {
	DNS_OPCODE_QUERY = 0, DNS_OPCODE_IQUERY = 1, DNS_OPCODE_STATUS = 2,
	DNS_OPCODE_NOTIFY = 4, DNS_OPCODE_UPDATE = 5,
};

enum dns_rcode {
	DNS_RCODE_NOERROR = 0, DNS_RCODE_FORMERR = 1, DNS_RCODE_SERVFAIL = 2,
	DNS_RCODE_NXDOMAIN = 3, DNS_RCODE_NOTIMP = 4, DNS_RCODE_REFUSED = 5,
	DNS_RCODE_YXDOMAIN = 6, DNS_RCODE_NOTAUTH = 9,
	DNS_RCODE_BADVERS = 16,	/* extended: needs the OPT record (RFC 6891 §6.1.3) */
};

enum dns_section { DNS_SEC_ANSWER, DNS_SEC_AUTHORITY, DNS_SEC_ADDITIONAL, DNS_SEC_COUNT };

#define DNS_EDNS_DO		0x8000
#define DNS_EDNS_OPT_NSID	3	/* RFC 5001 */
#define DNS_EDNS_OPT_ECS	8	/* RFC 7871 client subnet */
#define DNS_EDNS_OPT_COOKIE	10	/* RFC 7873 */
#define DNS_EDNS_OPT_EDE	15	/* RFC 8914 extended DNS error */
#define DNS_EDE_NOT_AUTHORITATIVE 20
#define DNS_ECS_FAMILY_IP4	1
#define DNS_ECS_FAMILY_IP6	2
#define DNS_ECS_OPT_MAX		(4 + 4 + 16)	/* the whole option: code, length, data */

enum dns_query_status {
	DNS_QUERY_OK,
	DNS_QUERY_DROP,		/* no reply can be formed: short header, or QR=1 */
	DNS_QUERY_FORMERR,	/* reply FORMERR; has_question says if it can echo it */
};

/* A parsed query. Pointers point into the packet, which must outlive it. */
struct dns_query {
	const uint8_t	*pkt;
	size_t		pkt_len;
	uint16_t	id;
	uint16_t	flags;
	uint16_t	qdcount, ancount, nscount, arcount;
	bool		has_question;
	uint8_t		qname_len;		/* root label included */
	uint16_t	question_len;		/* qname + QTYPE + QCLASS */
	const uint8_t	*qname;			/* as received, letter case kept */
	uint16_t	qtype, qclass;
	uint8_t		qname_lower[DNS_NAME_MAX];
	/* EDNS (RFC 6891), valid when has_opt */
	bool		has_opt;
	bool		opt_nsid;		/* NSID option present */
	bool		opt_cookie;		/* COOKIE option present (ignored) */
	uint8_t		edns_version;
	uint16_t	edns_udp_size;
	uint16_t	edns_flags;		/* DO and the Z bits */
	/* EDNS Client Subnet (RFC 7871), well-formed, valid when has_ecs */
	bool		has_ecs;
	uint8_t		ecs_source;		/* SOURCE PREFIX-LENGTH */
	uint16_t	ecs_family;		/* DNS_ECS_FAMILY_IP4 or _IP6 */
	uint8_t		ecs_addr[16];		/* the prefix, zero beyond it */
};

static inline unsigned int dns_query_opcode(const struct dns_query *q)
{
	return (q->flags & DNS_OPCODE_MASK) >> DNS_OPCODE_SHIFT;
}

/* Parses a query: header, one question (uncompressed name), the answer and
 * authority sections skipped but checked, and the additional section for one
 * OPT. Two OPTs, an OPT outside the additional section, a malformed record,
 * a malformed or repeated client subnet option (RFC 7871 §6, §7.1.1) or
 * trailing bytes give DNS_QUERY_FORMERR. */
enum dns_query_status dns_query_parse(const uint8_t *pkt, size_t len, struct dns_query *q);

/* One name already in the message, for compression. */
struct dns_comp_entry {
	const uint8_t	*name;		/* uncompressed suffix, any letter case */
	uint16_t	off;		/* where it starts in the message */
	uint8_t		len;
};

#define DNS_COMP_MAX		64

/* A response being written. Sections are filled in order: answer, authority,
 * additional. Every RR must fit limit - reserve, so the OPT always fits. */
struct dns_resp {
	uint8_t		*buf;
	size_t		limit;		/* the size the whole message must fit */
	size_t		reserve;	/* kept free for the OPT record */
	size_t		len;
	uint16_t	count[DNS_SEC_COUNT];
	int		section;
	uint16_t	rcode;		/* up to 12 bits; the top 8 go into the OPT */
	int		ncomp;
	struct dns_comp_entry comp[DNS_COMP_MAX];
};

/* A point to roll back to, when an RRset does not fit whole. */
struct dns_resp_mark {
	size_t		len;
	uint16_t	count;
	int		ncomp;
};

/* Starts a reply to q in buf (limit bytes at most, limit >= DNS_HDR_LEN): ID,
 * QR=1, the opcode, RD and CD copied, and the question echoed byte for byte when
 * with_question and q has one. -ENOSPC if the question does not fit. */
int dns_resp_init(struct dns_resp *r, uint8_t *buf, size_t limit,
		  const struct dns_query *q, bool with_question);

static inline void dns_resp_set_flag(struct dns_resp *r, uint16_t flag)
{
	r->buf[2] |= flag >> 8;
	r->buf[3] |= flag & 0xff;
}

static inline void dns_resp_clear_flag(struct dns_resp *r, uint16_t flag)
{
	r->buf[2] &= ~(flag >> 8);
	r->buf[3] &= ~(flag & 0xff);
}

static inline bool dns_resp_has_flag(const struct dns_resp *r, uint16_t flag)
{
	return ((r->buf[2] << 8 | r->buf[3]) & flag) != 0;
}

/* Sets the (possibly extended) RCODE; the low 4 bits go into the header now. */
void dns_resp_set_rcode(struct dns_resp *r, uint16_t rcode);

/* Keeps n bytes free at the end for the OPT record; -ENOSPC if they are not. */
int dns_resp_reserve(struct dns_resp *r, size_t n);

/* Moves on to a later section; RRs already written stay. */
void dns_resp_begin_section(struct dns_resp *r, enum dns_section s);

static inline struct dns_resp_mark dns_resp_mark(const struct dns_resp *r)
{
	return (struct dns_resp_mark){ r->len, r->count[r->section], r->ncomp };
}

static inline void dns_resp_rollback(struct dns_resp *r, const struct dns_resp_mark *m)
{
	r->len = m->len;
	r->count[r->section] = m->count;
	r->ncomp = m->ncomp;
}

/* Writes a name, compressed against the names already written and added to the
 * table. Returns the offset of the name in the message (the pointer's target
 * when the whole name became a pointer) or -ENOSPC. */
int dns_resp_put_name(struct dns_resp *r, const uint8_t *name);

/* Appends one RR to the current section. The owner is written as a pointer to
 * owner_off when owner_off > 0 (it must hold that name), else compressed. The
 * names at the rdata offsets in comp (dns_rdata_compressible_names) are
 * compressed too; when name_off is not NULL it receives the message offset of
 * the first of them. Returns 0 or -ENOSPC (nothing written). */
int dns_resp_put_rr(struct dns_resp *r, const uint8_t *owner, int owner_off, uint16_t type,
		    uint16_t rclass, uint32_t ttl, const uint8_t *rdata, uint16_t rdlen,
		    const uint16_t *comp, int ncomp, int *name_off);

/* The OPT record (RFC 6891 §6.1.2) into the reserved space, with the extended
 * RCODE, our UDP size and the given flags; opts are ready-made options
 * (code, length, data) of optlen bytes. Must be the last RR. */
int dns_resp_put_opt(struct dns_resp *r, uint16_t udp_size, uint16_t flags,
		     const uint8_t *opts, uint16_t optlen);

/* Writes the section counts into the header; returns the message length. */
size_t dns_resp_finish(struct dns_resp *r);

/* Big-endian helpers shared by the codec's users. */
static inline uint16_t dns_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void dns_put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void dns_put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* Skips one possibly compressed name of msg at *pos without following
 * pointers; -EBADMSG if it runs out of the message, is malformed or points at
 * itself or forward. */
int dns_msg_skip_name(const uint8_t *msg, size_t len, size_t *pos);

#endif /* NAMESERVE_DNS_MSG_H */
