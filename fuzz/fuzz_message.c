// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: dns_query_parse, the response builder and engine_answer
 * over arbitrary queries against a fixed zone set. Every reply must parse back
 * whole, fit its size limit unless TC, echo the question, and agree with the
 * same query answered over TCP; the target aborts otherwise. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu.h>

#include "dns_msg.h"
#include "dns_name.h"
#include "dns_rdata.h"
#include "engine.h"
#include "fastpath.h"
#include "log.h"
#include "zone.h"
#include "zone_store.h"
#include "zonefile.h"

/* One name or more per answering rule of engine.c. */
static const char zone_com[] =
	"$ORIGIN example.com.\n"
	"$TTL 3600\n"
	"@ IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300\n"
	"  IN NS ns1\n"
	"  IN NS ns2\n"
	"  IN NS ns.elsewhere.net.\n"
	"  IN MX 10 mail\n"
	"  IN MX 20 mail.example.net.\n"
	"  IN A 192.0.2.1\n"
	"  IN AAAA 2001:db8::1\n"
	"  IN TXT \"v=spf1 -all\"\n"
	"  IN CAA 0 issue \"ca.example.net\"\n"
	"  IN HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.1\n"
	"  IN DNSKEY 257 3 13 AQID\n"
	"ns1 IN A 192.0.2.53\n"
	"ns2 IN AAAA 2001:db8::53\n"
	"www 300 IN A 192.0.2.10\n"
	"www 300 IN A 192.0.2.11\n"
	"www 300 IN AAAA 2001:db8::10\n"
	"www 300 IN RRSIG A 13 3 300 20300101000000 20200101000000 12345 example.com. AQID\n"
	"www 300 IN NSEC zz.example.com. A AAAA RRSIG NSEC\n"
	"mail IN A 192.0.2.25\n"
	"mail IN AAAA 2001:db8::25\n"
	"alias 600 IN CNAME www\n"
	"chain 600 IN CNAME alias\n"
	"out 600 IN CNAME www.example.net.\n"
	"dangling 600 IN CNAME nothing\n"
	"loop1 IN CNAME loop2\n"
	"loop2 IN CNAME loop1\n"
	"tocut IN CNAME host.sub\n"
	"todname IN CNAME x.dname2\n"
	"c0 IN CNAME c1\nc1 IN CNAME c2\nc2 IN CNAME c3\nc3 IN CNAME c4\nc4 IN CNAME c5\n"
	"c5 IN CNAME c6\nc6 IN CNAME c7\nc7 IN CNAME c8\nc8 IN CNAME c9\nc9 IN CNAME www\n"
	"*.wild 120 IN A 192.0.2.99\n"
	"*.wild 120 IN TXT \"wild\"\n"
	"*.wild 120 IN MX 10 mail\n"
	"real.wild 120 IN TXT \"real\"\n"
	"a.ent2.wild 120 IN A 192.0.2.98\n"
	"*.cwild 120 IN CNAME www\n"
	"*.dwild 120 IN CNAME x.dname2\n"
	"a.b.ent IN A 192.0.2.77\n"
	"sub 86400 IN NS ns1.sub\n"
	"sub 86400 IN NS ns2.sub\n"
	"sub 86400 IN NS ns.elsewhere.net.\n"
	"sub 86400 IN DS 12345 13 2 "
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"
	"ns1.sub 86400 IN A 192.0.2.200\n"
	"ns1.sub 86400 IN AAAA 2001:db8::200\n"
	"ns2.sub 86400 IN A 192.0.2.201\n"
	"child IN NS ns.child\n"
	"child IN DS 54321 13 2 "
	"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n"
	"ns.child IN A 192.0.2.210\n"
	"dname 900 IN DNAME example.net.\n"
	"dname2 900 IN DNAME target\n"
	"self 900 IN DNAME example.com.\n"
	"d 900 IN DNAME this-is-a-much-longer-target-label.example.com.\n"
	"x.target IN A 192.0.2.150\n"
	"mx2 IN MX 10 mail\n"
	"mx2 IN MX 20 mail\n"
	"mx2 IN MX 30 nothere\n"
	"mx2 IN MX 40 ns1.sub\n"
	"dl1 IN DNAME dl2.example.com.\n"
	"dl2 IN DNAME dl1.example.com.\n"
	"_sip._tcp IN SRV 0 5 5060 sip\n"
	"_sip._tcp IN SRV 10 5 5060 sip.example.net.\n"
	"sip IN A 192.0.2.60\n"
	"multi IN TXT \"one\"\n"
	"multi IN A 192.0.2.61\n"
	"ptr IN PTR www\n"
	"svc IN SVCB 1 www alpn=h2 port=8443\n"
	"Mixed.Case IN A 192.0.2.62\n"
	"esc\\.aped IN A 192.0.2.63\n";

static const char zone_child[] =
	"$ORIGIN child.example.com.\n"
	"@ 3600 IN SOA ns hostmaster 7 3600 600 86400 60\n"
	"@ 3600 IN NS ns\n"
	"@ 3600 IN A 192.0.2.211\n"
	"ns 3600 IN A 192.0.2.210\n"
	"www 3600 IN CNAME www.example.com.\n";

struct load_ctx {
	struct zone_builder	*b;
	char			err[512];
};

static int add_rr(const struct dns_rr *rr, void *arg)
{
	struct load_ctx *lc = arg;

	return zone_builder_add(lc->b, rr, lc->err, sizeof(lc->err));
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void publish(struct zone_store *zs, const char *name, const char *text)
{
	struct load_ctx lc;
	struct zone *z;

	lc.err[0] = '\0';
	if (zone_builder_new(&lc.b, NULL))
		die("%s: out of memory", name);
	/* Errors name the zone already: "name:line: message". */
	if (zonefile_parse_buffer(name, text, strlen(text), NULL, add_rr, &lc, lc.err,
				  sizeof(lc.err)))
		die("%s", lc.err);
	if (zone_builder_finish(lc.b, &z, lc.err, sizeof(lc.err)))
		die("%s", lc.err);
	if (zone_store_publish(zs, z))
		die("%s: cannot publish", name);
}

/* A zone with the big RRsets: 40 TXT records of 101 bytes at big, 60
 * addresses at many, and a delegation with 13 name servers and their glue. */
static char *zone_big(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int i;

	f = open_memstream(&text, &len);
	if (!f)
		die("out of memory");
	fprintf(f, "$ORIGIN big.test.\n@ 60 IN SOA ns hostmaster 1 3600 600 86400 60\n"
		"@ 60 IN NS ns\nns 60 IN A 198.18.0.1\n");
	for (i = 0; i < 40; i++)
		fprintf(f, "big 60 IN TXT \"%02d%098d\"\n", i, 0);
	for (i = 0; i < 60; i++)
		fprintf(f, "many 60 IN A 198.18.1.%d\n", i);
	for (i = 0; i < 13; i++)
		fprintf(f, "deleg 60 IN NS a-rather-long-server-name-%02d.deleg\n"
			"a-rather-long-server-name-%02d.deleg 60 IN A 198.18.2.%d\n"
			"a-rather-long-server-name-%02d.deleg 60 IN AAAA 2001:db8::%d\n",
			i, i, i, i, i);
	if (fclose(f))
		die("out of memory");
	return text;
}

#define ENGINE1_UDP_MAX	4000

static struct zone_store *zs;
static struct engine *engines[2];
static const char nsid128[] =
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* The longest NSID the engine allows, so OPT room is tested at its worst. */
	const struct engine_config cfg0 = { .nsid = nsid128, .identity = "pop-1.example",
					     .version = "fuzz" };
	const struct engine_config cfg1 = { .no_chaos = true, .udp_max = ENGINE1_UDP_MAX };
	char *big;

	(void)argc;
	(void)argv;
	rcu_register_thread();
	log_set_level(LOG_LEVEL_ERR);
	if (zone_store_new(&zs))
		die("out of memory");
	publish(zs, "example.com", zone_com);
	publish(zs, "child.example.com", zone_child);
	big = zone_big();
	publish(zs, "big.test", big);
	free(big);
	if (engine_new(&engines[0], zs, &cfg0) || engine_new(&engines[1], zs, &cfg1))
		die("engine_new failed");
	return 0;
}

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			die("%s:%d: check failed: %s", __FILE__, __LINE__, #cond); \
	} while (0)

/* ---- dns_msg on its own ---- */

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

static void check_query_parse(const uint8_t *data, size_t size, const struct dns_query *q,
			      enum dns_query_status st)
{
	size_t i, pos, upos;
	uint8_t name[DNS_NAME_MAX];
	int n, m;

	if (size < DNS_HDR_LEN || (dns_get16(data + 2) & DNS_FLAG_QR)) {
		CHECK(st == DNS_QUERY_DROP);
		return;
	}
	CHECK(st != DNS_QUERY_DROP);
	if (dns_get16(data + 4) != 1)
		CHECK(st == DNS_QUERY_FORMERR && !q->has_question);
	if (st == DNS_QUERY_OK)
		CHECK(q->has_question);
	if (q->has_question) {
		n = dns_name_len(data + DNS_HDR_LEN, size - DNS_HDR_LEN);
		CHECK(n > 0 && n == q->qname_len && q->question_len == n + 4);
		CHECK(q->qname == data + DNS_HDR_LEN && DNS_HDR_LEN + (size_t)n + 4 <= size);
		for (i = 0; i < (size_t)n; i++)
			CHECK(q->qname_lower[i] == lower(q->qname[i]));
		CHECK(q->qtype == dns_get16(data + DNS_HDR_LEN + n));
		CHECK(q->qclass == dns_get16(data + DNS_HDR_LEN + n + 2));
	}
	if (q->has_opt)
		CHECK(q->has_question && dns_get16(data + 10) > 0);

	/* Where dns_name_unpack reads a name, dns_msg_skip_name must skip the
	 * same bytes: it checks the same rules without following pointers. */
	for (i = 0; i < size && i < 1024; i++) {
		pos = i;
		upos = i;
		n = dns_msg_skip_name(data, size, &pos);
		m = dns_name_unpack(data, size, &upos, name);
		CHECK(n == 0 || n == -EBADMSG);
		CHECK(m <= DNS_NAME_MAX);
		if (n == 0)
			CHECK(pos > i && pos <= size);
		else
			CHECK(pos == i);
		if (m >= 0)
			CHECK(n == 0 && pos == upos && dns_name_len(name, m) == m);
	}
}

/* The response builder with the names found in the input: whatever it writes,
 * compressed against whatever came before, must read back as the same names,
 * and nothing may pass the limit. */
static void check_builder(const uint8_t *data, size_t size, const struct dns_query *q)
{
	static uint8_t buf[DNS_TCP_MAX];
	/* The compression table keeps pointers to every name written: each
	 * RR's owner and RDATA must stay in place until the reply is done. */
	static uint8_t names[32][DNS_NAME_MAX], rdata[32][DNS_NAME_MAX + 2];
	uint8_t name[DNS_NAME_MAX], back[DNS_NAME_MAX + 2];
	bool written[32];
	uint16_t comp = 2, rdlen;
	struct dns_resp_mark mk;
	struct dns_resp r;
	size_t i, pos, len, limit;
	int nnames = 0, nwritten = 0, k, off, ret;

	for (i = DNS_HDR_LEN; i < size && nnames < 32; i++) {
		pos = i;
		if (dns_name_unpack(data, size, &pos, names[nnames]) > 1)
			nnames++;
	}
	if (!nnames)
		return;
	/* The limit comes from the ID: small ones make every RR a squeeze. */
	limit = DNS_HDR_LEN + (q->has_question ? q->question_len : 0) + (q->id & 0x3ff);
	if (dns_resp_init(&r, buf, limit, q, q->id & 0x8000) < 0)
		return;
	if (q->id & 0x4000 && dns_resp_reserve(&r, DNS_OPT_FIXED_LEN) < 0)
		return;
	for (k = 0; k < nnames; k++) {
		if (k == nnames / 3)
			dns_resp_begin_section(&r, DNS_SEC_AUTHORITY);
		if (k == 2 * nnames / 3)
			dns_resp_begin_section(&r, DNS_SEC_ADDITIONAL);
		/* MX: a name at offset 2 of RDATA, compressed too. */
		dns_put16(rdata[k], k);
		len = dns_name_len(names[(k + 1) % nnames], DNS_NAME_MAX);
		memcpy(rdata[k] + 2, names[(k + 1) % nnames], len);
		mk = dns_resp_mark(&r);
		off = -1;
		ret = dns_resp_put_rr(&r, names[k], 0, DNS_TYPE_MX, DNS_CLASS_IN, k, rdata[k], len + 2,
				      &comp, 1, &off);
		CHECK(ret == 0 || ret == -ENOSPC);
		written[k] = ret == 0;
		nwritten += ret == 0;
		if (ret)
			CHECK(r.len == mk.len && r.count[r.section] == mk.count && r.ncomp == mk.ncomp);
		else
			CHECK(off >= DNS_HDR_LEN && (size_t)off < r.len);
		CHECK(r.len <= r.limit - r.reserve);
	}
	if (r.reserve)
		CHECK(dns_resp_put_opt(&r, 1232, 0, NULL, 0) == 0);
	len = dns_resp_finish(&r);
	CHECK(len <= limit);

	/* Read it back: every name as written (letter case aside), then the OPT. */
	pos = DNS_HDR_LEN;
	if (dns_get16(buf + 4)) {
		CHECK(dns_name_unpack(buf, len, &pos, name) == q->qname_len);
		pos += 4;
	}
	CHECK(dns_get16(buf + 6) + dns_get16(buf + 8) + dns_get16(buf + 10) ==
	      nwritten + (q->id & 0x4000 ? 1 : 0));
	for (k = 0; k < nnames; k++) {
		if (!written[k])
			continue;
		CHECK(dns_name_unpack(buf, len, &pos, name) > 0 && dns_name_equal(name, names[k]));
		CHECK(pos + 10 <= len);
		CHECK(dns_get16(buf + pos) == DNS_TYPE_MX && dns_get32(buf + pos + 4) == (uint32_t)k);
		rdlen = dns_get16(buf + pos + 8);
		ret = dns_rdata_unpack(DNS_TYPE_MX, buf, len, pos + 10, rdlen, back, sizeof(back));
		CHECK(ret > 2 && dns_name_equal(back + 2, names[(k + 1) % nnames]));
		pos += 10 + rdlen;
	}
	if (q->id & 0x4000) {
		CHECK(pos + DNS_OPT_FIXED_LEN <= len && buf[pos] == 0);
		CHECK(dns_get16(buf + pos + 1) == DNS_TYPE_OPT);
		pos += DNS_OPT_FIXED_LEN;
	}
	CHECK(pos == len);
}

/* ---- engine replies ---- */

struct reply {
	uint16_t	flags, qd, an, ns, ar;
	size_t		auth_end;	/* end of the authority section */
	bool		has_opt;
	uint16_t	opt_udp;
	uint16_t	ext_rcode;	/* 12 bits, the OPT's part included */
	bool		has_nsid;
	bool		has_ecs;
};

/* RFC 6891 §6.1.2: options must fill the RDATA exactly. */
static void check_opt_rdata(const uint8_t *p, uint16_t rdlen, const struct engine *e,
			    const struct dns_query *q, struct reply *r)
{
	uint16_t code, olen, pos = 0;

	while (pos < rdlen) {
		CHECK(pos + 4 <= rdlen);
		code = dns_get16(p + pos);
		olen = dns_get16(p + pos + 2);
		CHECK(pos + 4 + olen <= rdlen);
		if (code == DNS_EDNS_OPT_NSID) {
			CHECK(e == engines[0] && olen == strlen(nsid128) &&
			      !memcmp(p + pos + 4, nsid128, olen));
			r->has_nsid = true;
		} else if (code == DNS_EDNS_OPT_ECS) {
			/* RFC 7871 §7.2.1: the query's option echoed; no zone
			 * here is steered, so the scope is 0. */
			CHECK(q->has_ecs && !r->has_ecs && olen == 4 + (q->ecs_source + 7) / 8);
			CHECK(dns_get16(p + pos + 4) == q->ecs_family);
			CHECK(p[pos + 6] == q->ecs_source && p[pos + 7] == 0);
			CHECK(!memcmp(p + pos + 8, q->ecs_addr, olen - 4));
			r->has_ecs = true;
		} else {
			CHECK(code == DNS_EDNS_OPT_EDE && olen == 2 &&
			      dns_get16(p + pos + 4) == DNS_EDE_NOT_AUTHORITATIVE);
		}
		pos += 4 + olen;
	}
}

/* The whole reply, field by field; aborts at the first thing out of place. */
static void parse_reply(const uint8_t *m, size_t len, const uint8_t *query,
			const struct dns_query *q, const struct engine *e, struct reply *r)
{
	static uint8_t rd[65535 + 1024];
	uint8_t name[DNS_NAME_MAX];
	size_t pos = DNS_HDR_LEN;
	uint16_t type, rclass, rdlen;
	uint32_t ttl;
	int i, total, n;

	memset(r, 0, sizeof(*r));
	CHECK(len >= DNS_HDR_LEN);
	r->flags = dns_get16(m + 2);
	r->qd = dns_get16(m + 4);
	r->an = dns_get16(m + 6);
	r->ns = dns_get16(m + 8);
	r->ar = dns_get16(m + 10);
	CHECK(r->qd <= 1);
	if (r->qd) {
		/* RFC 1035 §4.1.2: the question, byte for byte, letter case kept. */
		CHECK(q->has_question);
		CHECK(DNS_HDR_LEN + (size_t)q->question_len <= len);
		CHECK(!memcmp(m + DNS_HDR_LEN, query + DNS_HDR_LEN, q->question_len));
		n = dns_name_unpack(m, len, &pos, name);
		CHECK(n == q->qname_len && pos == DNS_HDR_LEN + (size_t)n);
		pos += 4;
	}
	total = r->an + r->ns + r->ar;
	for (i = 0; i < total; i++) {
		n = dns_name_unpack(m, len, &pos, name);
		CHECK(n > 0);
		CHECK(pos + 10 <= len);
		type = dns_get16(m + pos);
		rclass = dns_get16(m + pos + 2);
		ttl = dns_get32(m + pos + 4);
		rdlen = dns_get16(m + pos + 8);
		pos += 10;
		CHECK(pos + rdlen <= len);
		if (type == DNS_TYPE_OPT) {
			/* RFC 6891 §6.1.1: one, last (we put it there), owned by the root. */
			CHECK(!r->has_opt && i == total - 1 && r->ar > 0 && n == 1);
			CHECK(rclass >= DNS_UDP_MIN && ((ttl >> 16) & 0xff) == 0);
			/* RFC 3225 §3: DO copied from the query; the other Z bits clear. */
			CHECK(q->has_opt && (ttl & 0xffff) == (q->edns_flags & DNS_EDNS_DO));
			r->has_opt = true;
			r->opt_udp = rclass;
			r->ext_rcode = (ttl >> 24) << 4;
			check_opt_rdata(m + pos, rdlen, e, q, r);
		} else {
			CHECK(rclass == DNS_CLASS_IN || rclass == DNS_CLASS_CH);
			CHECK(ttl <= 0x7fffffffu);
			CHECK(type != 0 && type != DNS_TYPE_ANY);
			CHECK(dns_rdata_unpack(type, m, len, pos, rdlen, rd, sizeof(rd)) >= 0);
		}
		pos += rdlen;
		if (i + 1 == r->an + r->ns)
			r->auth_end = pos;
	}
	if (r->an + r->ns == 0)
		r->auth_end = DNS_HDR_LEN + (r->qd ? q->question_len : 0);
	CHECK(pos == len);	/* nothing after the last record */
	r->ext_rcode |= r->flags & DNS_RCODE_MASK;
}

static uint16_t engine_udp_max(const struct engine *e)
{
	return e == engines[1] ? ENGINE1_UDP_MAX : FP_EDNS_UDP_SIZE;
}

struct run {
	enum engine_proto	proto;
	uint16_t		max_udp;
	bool			small;	/* cap from the ID: 0 to 765 bytes */
};

static const struct run runs[] = {
	{ ENGINE_PROTO_TCP, 0, false },		/* first: the reference */
	{ ENGINE_PROTO_UDP, 0, false },
	{ ENGINE_PROTO_UDP, 512, false },
	{ ENGINE_PROTO_UDP, 1232, false },
	{ ENGINE_PROTO_UDP, 4096, false },
	{ ENGINE_PROTO_UDP, 0, true },
};

static void check_reply(const struct run *run, const struct engine *e, const uint8_t *query,
			const struct dns_query *q, enum dns_query_status st,
			enum engine_state es, const uint8_t *resp, size_t len, size_t cap,
			struct reply *r)
{
	uint16_t qflags, udp_max, bound;

	/* Below a header's room nothing is even read: FAIL comes first. */
	if (cap < DNS_HDR_LEN) {
		CHECK(es == ENGINE_FAIL);
		return;
	}
	if (st == DNS_QUERY_DROP) {
		CHECK(es == ENGINE_DROP);
		return;
	}
	CHECK(es != ENGINE_DROP);
	if (es == ENGINE_FAIL) {
		/* Only a buffer too small for header, question and OPT. */
		CHECK(run->small && cap < DNS_HDR_LEN + (size_t)q->question_len + DNS_OPT_FIXED_LEN +
		      4 + ENGINE_NSID_MAX + (q->has_ecs ? DNS_ECS_OPT_MAX : 0));
		return;
	}
	CHECK(len <= cap);
	parse_reply(resp, len, query, q, e, r);

	/* The size promise: RFC 1035 §4.2.1 and RFC 6891 §6.2.5. */
	if (run->proto == ENGINE_PROTO_UDP) {
		udp_max = run->max_udp ? run->max_udp : engine_udp_max(e);
		bound = DNS_UDP_MIN;
		if (q->has_opt && q->edns_udp_size > bound)
			bound = q->edns_udp_size < udp_max ? q->edns_udp_size : udp_max;
		if (bound < DNS_UDP_MIN)
			bound = DNS_UDP_MIN;
		CHECK(len <= bound);
	}
	CHECK(!!(r->flags & DNS_FLAG_TC) == (es == ENGINE_TRUNC));
	if (run->proto == ENGINE_PROTO_TCP)
		CHECK(es == ENGINE_DONE);	/* every answer of these zones fits 64k */

	/* Header: ID, opcode, RD and CD copied; QR set; RA, Z and AD never. */
	qflags = dns_get16(query + 2);
	CHECK(dns_get16(resp) == dns_get16(query));
	CHECK(r->flags & DNS_FLAG_QR);
	CHECK((r->flags & (DNS_OPCODE_MASK | DNS_FLAG_RD | DNS_FLAG_CD)) ==
	      (qflags & (DNS_OPCODE_MASK | DNS_FLAG_RD | DNS_FLAG_CD)));
	CHECK(!(r->flags & (DNS_FLAG_RA | DNS_FLAG_Z | DNS_FLAG_AD)));

	if (!run->small) {
		CHECK(r->qd == (q->has_question ? 1 : 0));
		/* An OPT answers an OPT, in a query we could read whole. */
		CHECK(r->has_opt == (st == DNS_QUERY_OK && q->has_opt));
	}
	if (r->has_opt) {
		CHECK(r->opt_udp == engine_udp_max(e));
		CHECK((r->ext_rcode == DNS_RCODE_BADVERS) == (q->edns_version != 0));
		if (r->has_nsid)
			CHECK(q->opt_nsid && q->edns_version == 0);
		else
			/* asked for, configured, room reserved: it must be there */
			CHECK(run->small || !q->opt_nsid || e != engines[0] || q->edns_version ||
			      dns_query_opcode(q) != DNS_OPCODE_QUERY);
	}
	switch (r->ext_rcode) {
	case DNS_RCODE_NOERROR:
	case DNS_RCODE_NXDOMAIN:
	case DNS_RCODE_YXDOMAIN:
		CHECK(st == DNS_QUERY_OK && dns_query_opcode(q) == DNS_OPCODE_QUERY);
		break;
	case DNS_RCODE_FORMERR:
		break;
	case DNS_RCODE_NOTIMP:
	case DNS_RCODE_REFUSED:
		break;
	case DNS_RCODE_BADVERS:
		CHECK(r->has_opt && r->an == 0 && r->ns == 0);
		break;
	default:
		CHECK(0);
	}
	/* FORMERR exactly when the query could not be read (and is a QUERY). */
	CHECK((r->ext_rcode == DNS_RCODE_FORMERR) ==
	      (st == DNS_QUERY_FORMERR && dns_query_opcode(q) == DNS_OPCODE_QUERY));
	if (r->ext_rcode != DNS_RCODE_NOERROR && r->ext_rcode != DNS_RCODE_YXDOMAIN &&
	    r->ext_rcode != DNS_RCODE_NXDOMAIN)
		CHECK(r->an == 0 && r->ns == 0);
	if (r->flags & DNS_FLAG_AA) {
		/* Only our IN zones speak with authority, and an authoritative
		 * empty answer carries the SOA (RFC 2308 §2) unless it was cut. */
		CHECK(q->qclass == DNS_CLASS_IN && (r->ext_rcode == DNS_RCODE_NOERROR ||
						    r->ext_rcode == DNS_RCODE_NXDOMAIN ||
						    r->ext_rcode == DNS_RCODE_YXDOMAIN));
		if (r->an == 0 && !(r->flags & DNS_FLAG_TC))
			CHECK(r->ns > 0);
	}
}

/* A reply that did not truncate has the answer and authority sections of the
 * TCP reply, byte for byte: only additional data may be left out. One that
 * did holds whole RRsets from their start (RFC 2181 §9), so its answer and
 * authority sections are a prefix of the TCP reply's. */
static void check_same(const uint8_t *a, const struct reply *ra, const uint8_t *b,
		       const struct reply *rb)
{
	const uint16_t mask = DNS_FLAG_TC | DNS_RCODE_MASK;

	if (ra->qd != rb->qd || ra->has_opt != rb->has_opt)
		return;	/* a buffer too small for the question or the OPT */
	if (ra->flags & DNS_FLAG_TC) {
		/* A DNAME cut short never got to its YXDOMAIN, hence no RCODE. */
		CHECK((ra->flags & ~mask) == (rb->flags & ~mask));
		CHECK(ra->an <= rb->an && ra->an + ra->ns <= rb->an + rb->ns);
		CHECK(ra->auth_end <= rb->auth_end);
	} else {
		CHECK(ra->flags == rb->flags && ra->an == rb->an && ra->ns == rb->ns);
		CHECK(ra->auth_end == rb->auth_end && ra->ar <= rb->ar);
	}
	CHECK(!memcmp(a + DNS_HDR_LEN, b + DNS_HDR_LEN, ra->auth_end - DNS_HDR_LEN));
}

/* RFC 4343: the same query with its name in lower case gets the same reply,
 * but for the echoed question. */
static void check_case(const struct engine *e, const uint8_t *data, size_t size,
		       const struct dns_query *q, const uint8_t *ref, size_t ref_len)
{
	static uint8_t query[DNS_TCP_MAX + 1], resp[DNS_TCP_MAX];
	const struct engine_query_params p = { .proto = ENGINE_PROTO_TCP };
	size_t len = 0, i;

	if (size > sizeof(query))
		return;
	memcpy(query, data, size);
	for (i = 0; i < q->qname_len; i++)
		query[DNS_HDR_LEN + i] = lower(query[DNS_HDR_LEN + i]);
	CHECK(engine_answer(e, &p, query, size, resp, sizeof(resp), &len) == ENGINE_DONE);
	CHECK(len == ref_len);
	CHECK(!memcmp(resp, ref, DNS_HDR_LEN));
	CHECK(!memcmp(resp + DNS_HDR_LEN + q->qname_len, ref + DNS_HDR_LEN + q->qname_len,
		      len - DNS_HDR_LEN - q->qname_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer runs one input at a time; static buffers keep exec/s up. */
	static uint8_t resp[DNS_TCP_MAX], ref[DNS_TCP_MAX];
	struct engine_query_params p = { 0 };
	enum dns_query_status st;
	const struct engine *e;
	struct reply rref, rr;
	enum engine_state es;
	struct dns_query q;
	size_t len, cap;
	unsigned int i;

	memset(&q, 0, sizeof(q));
	st = dns_query_parse(data, size, &q);
	check_query_parse(data, size, &q, st);
	if (st != DNS_QUERY_DROP)
		check_builder(data, size, &q);

	/* The ID picks the engine and the small buffer: it changes no answer. */
	e = engines[size >= 2 ? data[1] & 1 : 0];
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		p.proto = runs[i].proto;
		p.max_udp = runs[i].max_udp;
		cap = DNS_TCP_MAX;
		if (runs[i].small)
			cap = size >= 1 ? data[0] * 3 : 0;
		len = 0;
		es = engine_answer(e, &p, data, size, i ? resp : ref, cap, &len);
		check_reply(&runs[i], e, data, &q, st, es, i ? resp : ref, len, cap,
			    i ? &rr : &rref);
		if (i && st != DNS_QUERY_DROP && es != ENGINE_FAIL)
			check_same(resp, &rr, ref, &rref);
		if (!i && st != DNS_QUERY_DROP && rref.qd)
			check_case(e, data, size, &q, ref, len);
	}
	return 0;
}
