// SPDX-License-Identifier: GPL-2.0-only
/* The query engine, one case per answering rule, against a zone file that
 * exercises each of them (tests/zones/engine/); byte-exact checks of what the
 * XDP fast path must reproduce. Run from the top of the tree. */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <urcu.h>

#include "engine.h"
#include "fastpath.h"
#include "fp_policy.h"
#include "geo.h"
#include "metrics.h"
#include "policy.h"
#include "zone_fixture.h"
#include "zone_store.h"

#define ZONE_DIR	"tests/zones/engine/"

/* A parent and its child, both hosted: DS at the child's apex is the parent's. */
static const struct fx_rec parent_test[] = {
	{ "parent.test.", 3600, DNS_TYPE_SOA, "ns.parent.test. h.parent.test. 1 3600 600 86400 120" },
	{ "parent.test.", 3600, DNS_TYPE_NS, "ns.parent.test." },
	{ "ns.parent.test.", 3600, DNS_TYPE_A, "198.18.0.2" },
	{ "kid.parent.test.", 3600, DNS_TYPE_NS, "ns.kid.parent.test." },
	{ "ns.kid.parent.test.", 3600, DNS_TYPE_A, "198.18.0.3" },
};

static const struct fx_rec kid_parent_test[] = {
	{ "kid.parent.test.", 3600, DNS_TYPE_SOA,
	  "ns.kid.parent.test. h.kid.parent.test. 1 3600 600 86400 60" },
	{ "kid.parent.test.", 3600, DNS_TYPE_NS, "ns.kid.parent.test." },
	{ "ns.kid.parent.test.", 3600, DNS_TYPE_A, "198.18.0.3" },
};

static struct zone_store *zs;
static struct engine *eng;
static const struct zone *zone_com;
static uint8_t query[512];
static uint8_t resp[DNS_TCP_MAX];
static size_t resp_len;
static struct fx_reply rep;

static int setup(void **state)
{
	struct engine_config cfg = { .nsid = "pop-1", .identity = "pop-1.example",
				     .version = "nameserve-test" };
	struct zone *z;
	char err[512];

	(void)state;
	rcu_register_thread();
	if (zone_store_new(&zs))
		return -1;
	if (zone_load_file(ZONE_DIR "example.com.zone", &z, err, sizeof(err))) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	zone_com = z;
	if (zone_store_publish(zs, z))
		return -1;
	if (zone_load_file(ZONE_DIR "deep.example.org.zone", &z, err, sizeof(err))) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	if (zone_store_publish(zs, z))
		return -1;
	z = fx_zone(parent_test, 5, err, sizeof(err));
	if (!z || zone_store_publish(zs, z))
		return -1;
	z = fx_zone(kid_parent_test, 3, err, sizeof(err));
	if (!z || zone_store_publish(zs, z))
		return -1;
	return engine_new(&eng, zs, &cfg);
}

static int teardown(void **state)
{
	(void)state;
	engine_free(eng);
	zone_store_free(zs);
	rcu_unregister_thread();
	return 0;
}

/* Runs one query and parses the reply into rep. */
static enum engine_state ask_proto(const char *name, uint16_t type,
				   const struct fx_query_opts *o, enum engine_proto proto)
{
	struct engine_query_params p = { .proto = proto };
	size_t qlen = fx_query(query, name, type, o);
	enum engine_state st;

	st = engine_answer(eng, &p, query, qlen, resp, sizeof(resp), &resp_len);
	if (st == ENGINE_DONE || st == ENGINE_TRUNC)
		assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	return st;
}

static enum engine_state ask(const char *name, uint16_t type, const struct fx_query_opts *o)
{
	return ask_proto(name, type, o, ENGINE_PROTO_UDP);
}

static unsigned int rcode(void)
{
	return rep.flags & DNS_RCODE_MASK;
}

static bool flag(uint16_t f)
{
	return (rep.flags & f) != 0;
}

static void assert_rr(int i, const char *owner, uint16_t type, uint32_t ttl)
{
	assert_true(i < rep.nrr);
	assert_string_equal(fx_name(rep.rr[i].owner), owner);
	assert_int_equal(rep.rr[i].type, type);
	assert_int_equal(rep.rr[i].ttl, ttl);
}

static const uint8_t *rdata(int i)
{
	return resp + rep.rr[i].rdata_off;
}

/* The fast path's contract, byte for byte (brief and include/fastpath.h). */
static void test_positive_a_exact_bytes(void **state)
{
	static const uint8_t expect[] = {
		0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
		0x00, 0x01, 0x00, 0x01,
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04,
		192, 0, 2, 10,
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04,
		192, 0, 2, 11,
	};
	struct fx_query_opts o = { .id = 0x1234, .flags = DNS_FLAG_RD };

	(void)state;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(resp_len, sizeof(expect));
	assert_memory_equal(resp, expect, sizeof(expect));
}

static void test_positive_a_exact_bytes_edns(void **state)
{
	static const uint8_t head[] = {
		0xbe, 0xef, 0x85, 0x10 /* QR AA RD | CD */, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00,
		0x00, 0x01,
	};
	static const uint8_t opt_do[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0x00, 0, 0 };
	static const uint8_t opt_nodo[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x00, 0x00, 0, 0 };
	struct fx_query_opts o = { .id = 0xbeef, .flags = DNS_FLAG_RD | DNS_FLAG_CD,
				   .edns = true, .udp_size = 4096, .do_bit = true };
	size_t qlen;

	(void)state;
	/* DO=1: the answer is the same RRset, the OPT echoes DO. */
	assert_int_equal(ask("WwW.ExAmple.COM.", DNS_TYPE_A, &o), ENGINE_DONE);
	qlen = DNS_HDR_LEN + 17 + 4;
	assert_memory_equal(resp, head, sizeof(head) - 0);
	/* the question echoed byte for byte, letter case included */
	assert_memory_equal(resp + DNS_HDR_LEN, query + DNS_HDR_LEN, 21);
	assert_int_equal(resp_len, qlen + 2 * 16 + 11);
	assert_memory_equal(resp + qlen, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04"
			    "\xc0\x00\x02\x0a", 16);
	assert_memory_equal(resp + resp_len - 11, opt_do, 11);
	o.do_bit = false;
	o.flags = DNS_FLAG_RD | DNS_FLAG_CD;
	assert_int_equal(ask("WwW.ExAmple.COM.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_memory_equal(resp + resp_len - 11, opt_nodo, 11);
}

static void test_aaaa_and_flags(void **state)
{
	struct fx_query_opts o = { .id = 7 };

	(void)state;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_AAAA, &o), ENGINE_DONE);
	assert_int_equal(rep.id, 7);
	assert_true(flag(DNS_FLAG_QR) && flag(DNS_FLAG_AA));
	assert_false(flag(DNS_FLAG_RD) || flag(DNS_FLAG_RA) || flag(DNS_FLAG_TC));
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ns + rep.ar, 0);
	assert_rr(0, "www.example.com.", DNS_TYPE_AAAA, 300);
	assert_memory_equal(rdata(0), "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x10", 16);
}

static void test_soa_at_apex(void **state)
{
	(void)state;
	assert_int_equal(ask("example.com.", DNS_TYPE_SOA, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
	assert_rr(0, "example.com.", DNS_TYPE_SOA, 3600);
	/* MNAME compressed against the question: "ns1" + pointer to 12 */
	assert_memory_equal(rdata(0), "\x03ns1\xc0\x0c", 6);
	assert_string_equal(fx_msg_name(resp, resp_len, rep.rr[0].rdata_off + 6),
			    "hostmaster.example.com.");
}

static void test_ns_at_apex_with_addresses(void **state)
{
	(void)state;
	assert_int_equal(ask("example.com.", DNS_TYPE_NS, NULL), ENGINE_DONE);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 2);
	assert_int_equal(rep.ns, 0);
	assert_int_equal(rep.ar, 2);
	assert_rr(2, "ns1.example.com.", DNS_TYPE_A, 3600);
	assert_rr(3, "ns2.example.com.", DNS_TYPE_AAAA, 3600);
	/* the additional owner points at the NS RDATA name */
	assert_int_equal(resp[rep.rr[2].owner_off] & 0xc0, 0xc0);
}

static void test_mx_additional(void **state)
{
	(void)state;
	assert_int_equal(ask("example.com.", DNS_TYPE_MX, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ar, 2);
	assert_rr(1, "mail.example.com.", DNS_TYPE_A, 3600);
	assert_rr(2, "mail.example.com.", DNS_TYPE_AAAA, 3600);
}

static void test_srv_additional(void **state)
{
	(void)state;
	assert_int_equal(ask("_sip._tcp.example.com.", DNS_TYPE_SRV, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ar, 1);
	assert_rr(1, "sip.example.com.", DNS_TYPE_A, 3600);
	/* RFC 2782: the SRV target is never compressed */
	assert_memory_equal(rdata(0) + 6, "\x03sip\x07" "example\x03" "com\x00", 17);
}

static void test_nxdomain(void **state)
{
	(void)state;
	assert_int_equal(ask("nope.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
	/* RFC 2308 §3: TTL = min(SOA TTL 3600, MINIMUM 300) */
	assert_rr(0, "example.com.", DNS_TYPE_SOA, 300);
	/* below a name that does not exist either */
	assert_int_equal(ask("a.b.nope.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
}

static void test_nodata(void **state)
{
	(void)state;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_TXT, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
	assert_rr(0, "example.com.", DNS_TYPE_SOA, 300);
}

static void test_empty_non_terminal(void **state)
{
	(void)state;
	/* b.ent and ent exist only as ancestors of a.b.ent: NODATA, not NXDOMAIN */
	assert_int_equal(ask("ent.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
	assert_int_equal(ask("b.ent.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(ask("a.b.ent.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
}

static void test_referral(void **state)
{
	(void)state;
	assert_int_equal(ask("www.sub.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_false(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 2);
	assert_rr(0, "sub.example.com.", DNS_TYPE_NS, 86400);
	assert_rr(1, "sub.example.com.", DNS_TYPE_NS, 86400);
	assert_int_equal(rep.ar, 2);	/* in-domain glue; ns.elsewhere.net has none */
	assert_rr(2, "ns1.sub.example.com.", DNS_TYPE_A, 86400);
	assert_rr(3, "ns1.sub.example.com.", DNS_TYPE_AAAA, 86400);

	/* at the cut itself, for NS and for the glue name */
	assert_int_equal(ask("sub.example.com.", DNS_TYPE_NS, NULL), ENGINE_DONE);
	assert_false(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 2);
	assert_int_equal(ask("ns1.sub.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_false(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 2);
}

static void test_ds_at_cut_is_parent_side(void **state)
{
	(void)state;
	/* RFC 4035 §3.1.4.1: the parent answers DS, here NODATA */
	assert_int_equal(ask("sub.example.com.", DNS_TYPE_DS, NULL), ENGINE_DONE);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
	assert_rr(0, "example.com.", DNS_TYPE_SOA, 300);
}

static void test_ds_at_hosted_child_apex_is_parent_side(void **state)
{
	(void)state;
	/* RFC 4035 §3.1.4.1: both sides hosted, the parent answers DS */
	assert_int_equal(ask("kid.parent.test.", DNS_TYPE_DS, NULL), ENGINE_DONE);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
	assert_rr(0, "parent.test.", DNS_TYPE_SOA, 120);
	/* every other type at the apex is the child's */
	assert_int_equal(ask("kid.parent.test.", DNS_TYPE_SOA, NULL), ENGINE_DONE);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 1);
	assert_rr(0, "kid.parent.test.", DNS_TYPE_SOA, 3600);
	/* no parent hosted: the zone itself says NODATA */
	assert_int_equal(ask("deep.example.org.", DNS_TYPE_DS, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
	assert_rr(0, "deep.example.org.", DNS_TYPE_SOA, 60);
}

static void test_cname_chain(void **state)
{
	(void)state;
	assert_int_equal(ask("chain.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 4);
	assert_rr(0, "chain.example.com.", DNS_TYPE_CNAME, 600);
	assert_rr(1, "alias.example.com.", DNS_TYPE_CNAME, 600);
	assert_rr(2, "www.example.com.", DNS_TYPE_A, 300);
	assert_rr(3, "www.example.com.", DNS_TYPE_A, 300);
	/* each owner is a pointer to the previous RDATA */
	assert_int_equal(resp[rep.rr[1].owner_off], 0xc0);
	assert_int_equal(resp[rep.rr[2].owner_off], 0xc0);
	assert_int_equal(rep.ns + rep.ar, 0);

	/* qtype CNAME: the CNAME itself */
	assert_int_equal(ask("alias.example.com.", DNS_TYPE_CNAME, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
	assert_rr(0, "alias.example.com.", DNS_TYPE_CNAME, 600);
}

static void test_cname_out_of_zone(void **state)
{
	(void)state;
	assert_int_equal(ask("out.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 1);
	assert_rr(0, "out.example.com.", DNS_TYPE_CNAME, 600);
	assert_int_equal(rep.ns + rep.ar, 0);
}

static void test_cname_dangling_and_nodata(void **state)
{
	(void)state;
	/* RFC 6604: the RCODE is that of the last name in the chain */
	assert_int_equal(ask("dangling.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ns, 1);
	assert_rr(1, "example.com.", DNS_TYPE_SOA, 300);
	/* RFC 2308 §2.2: CNAME then NODATA */
	assert_int_equal(ask("alias.example.com.", DNS_TYPE_MX, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ns, 1);
}

static void test_cname_loop_bounded(void **state)
{
	(void)state;
	assert_int_equal(ask("loop1.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 2);
	assert_rr(0, "loop1.example.com.", DNS_TYPE_CNAME, 600);
	assert_rr(1, "loop2.example.com.", DNS_TYPE_CNAME, 600);
}

static void test_cname_into_delegation(void **state)
{
	(void)state;
	assert_int_equal(ask("tocut.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_true(flag(DNS_FLAG_AA));		/* the CNAME is ours */
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ns, 2);
	assert_rr(1, "sub.example.com.", DNS_TYPE_NS, 86400);
}

static void test_dname(void **state)
{
	(void)state;
	assert_int_equal(ask("Foo.dname.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 2);
	assert_rr(0, "dname.example.com.", DNS_TYPE_DNAME, 900);
	assert_rr(1, "Foo.dname.example.com.", DNS_TYPE_CNAME, 900);
	assert_string_equal(fx_msg_name(resp, resp_len, rep.rr[1].rdata_off), "foo.example.net.");

	/* substituted into the zone itself: followed */
	assert_int_equal(ask("x.dname2.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 3);
	assert_rr(0, "dname2.example.com.", DNS_TYPE_DNAME, 900);
	assert_rr(1, "x.dname2.example.com.", DNS_TYPE_CNAME, 900);
	assert_rr(2, "x.target.example.com.", DNS_TYPE_A, 3600);

	/* the DNAME owner itself is not redirected */
	assert_int_equal(ask("dname.example.com.", DNS_TYPE_DNAME, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
	assert_int_equal(ask("dname.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
}

static void test_dname_yxdomain(void **state)
{
	char name[300];

	(void)state;
	/* 255 bytes under d.example.com., which the longer target would overflow */
	snprintf(name, sizeof(name), "%.60s.%.60s.%.60s.%.56s.d.example.com.",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		 "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc",
		 "ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd");
	assert_int_equal(ask(name, DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_YXDOMAIN);
	assert_int_equal(rep.an, 1);
	assert_rr(0, "d.example.com.", DNS_TYPE_DNAME, 900);
}

static void test_wildcard(void **state)
{
	(void)state;
	assert_int_equal(ask("Anything.wild.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_true(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 1);
	/* RFC 4592 §4.1: the owner is the query name */
	assert_rr(0, "Anything.wild.example.com.", DNS_TYPE_A, 120);
	assert_memory_equal(resp + rep.rr[0].owner_off, "\xc0\x0c", 2);
	assert_memory_equal(rdata(0), "\xc0\x00\x02\x63", 4);

	assert_int_equal(ask("a.b.wild.example.com.", DNS_TYPE_TXT, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
	assert_rr(0, "a.b.wild.example.com.", DNS_TYPE_TXT, 120);

	/* the wildcard has no AAAA: NODATA */
	assert_int_equal(ask("x.wild.example.com.", DNS_TYPE_AAAA, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);

	/* an existing name is never synthesized */
	assert_int_equal(ask("real.wild.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
}

static void test_wildcard_blocked_by_ent(void **state)
{
	(void)state;
	/* ent2.wild exists (empty): it is the closest encloser, and has no "*" */
	assert_int_equal(ask("x.ent2.wild.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_int_equal(ask("ent2.wild.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 0);
}

static void test_wildcard_cname(void **state)
{
	(void)state;
	assert_int_equal(ask("q.cwild.example.com.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 3);
	assert_rr(0, "q.cwild.example.com.", DNS_TYPE_CNAME, 120);
	assert_rr(1, "www.example.com.", DNS_TYPE_A, 300);
}

static void test_any_minimal(void **state)
{
	(void)state;
	/* RFC 8482: one RRset */
	/* the lowest type, whatever the order in the zone file (TXT came first) */
	assert_int_equal(ask("multi.example.com.", DNS_TYPE_ANY, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 1);
	assert_rr(0, "multi.example.com.", DNS_TYPE_A, 3600);
	assert_int_equal(ask("example.com.", DNS_TYPE_ANY, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 1);
	assert_rr(0, "example.com.", DNS_TYPE_A, 3600);
	/* an empty non-terminal has none: NODATA */
	assert_int_equal(ask("ent.example.com.", DNS_TYPE_ANY, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ns, 1);
}

static void test_edns_badvers(void **state)
{
	struct fx_query_opts o = { .edns = true, .version = 1 };

	(void)state;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rcode(), 0);		/* 16 = 0x10: low 4 bits in the header */
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ar, 1);
	assert_int_equal(rep.rr[0].type, 41);
	assert_int_equal(rep.rr[0].ttl >> 24, 1);	/* extended RCODE: BADVERS */
	assert_int_equal((rep.rr[0].ttl >> 16) & 0xff, 0);	/* our version */
}

static void test_edns_two_opts_formerr(void **state)
{
	struct fx_query_opts o = { .edns = true };
	struct engine_query_params p = { .proto = ENGINE_PROTO_UDP };
	size_t qlen = fx_query(query, "www.example.com.", DNS_TYPE_A, &o);

	(void)state;
	memcpy(query + qlen, query + qlen - 11, 11);
	dns_put16(query + 10, 2);
	assert_int_equal(engine_answer(eng, &p, query, qlen + 11, resp, sizeof(resp), &resp_len),
			 ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	assert_int_equal(rep.an + rep.ns + rep.ar, 0);

	/* an OPT in the answer section */
	qlen = fx_query(query, "www.example.com.", DNS_TYPE_A, &o);
	dns_put16(query + 6, 1);
	dns_put16(query + 10, 0);
	assert_int_equal(engine_answer(eng, &p, query, qlen, resp, sizeof(resp), &resp_len),
			 ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
}

static void test_edns_udp_size_and_cookie(void **state)
{
	struct fx_query_opts o = { .edns = true, .udp_size = 100, .cookie = true };

	(void)state;
	/* COOKIE is ignored (no server cookies), the answer is as usual */
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rep.an, 2);
	assert_int_equal(rep.ar, 1);
	assert_int_equal(rep.rr[2].type, 41);
	assert_int_equal(rep.rr[2].rclass, FP_EDNS_UDP_SIZE);
	assert_int_equal(rep.rr[2].rdlen, 0);
}

static void test_truncation_udp_then_tcp(void **state)
{
	struct fx_query_opts o = { .edns = true, .udp_size = 4096 };

	(void)state;
	/* without EDNS: 512 bytes */
	assert_int_equal(ask("big.example.com.", DNS_TYPE_TXT, NULL), ENGINE_TRUNC);
	assert_true(flag(DNS_FLAG_TC));
	assert_true(resp_len <= 512);
	assert_int_equal(rep.an, 0);	/* whole RRsets only */
	/* EDNS 4096: still our 1232 */
	assert_int_equal(ask("big.example.com.", DNS_TYPE_TXT, &o), ENGINE_TRUNC);
	assert_true(flag(DNS_FLAG_TC));
	assert_true(resp_len <= FP_EDNS_UDP_SIZE);
	assert_int_equal(rep.ar, 1);	/* the OPT survives truncation */
	/* TCP: everything */
	assert_int_equal(ask_proto("big.example.com.", DNS_TYPE_TXT, &o, ENGINE_PROTO_TCP),
			 ENGINE_DONE);
	assert_false(flag(DNS_FLAG_TC));
	assert_int_equal(rep.an, 40);
}

static void test_tcp_same_as_udp(void **state)
{
	uint8_t udp[1232];
	size_t ulen;

	(void)state;
	ask("example.com.", DNS_TYPE_NS, NULL);
	memcpy(udp, resp, resp_len);
	ulen = resp_len;
	ask_proto("example.com.", DNS_TYPE_NS, NULL, ENGINE_PROTO_TCP);
	assert_int_equal(ulen, resp_len);
	assert_memory_equal(udp, resp, ulen);
}

static void test_refused_outside_zones(void **state)
{
	(void)state;
	assert_int_equal(ask("www.example.net.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	assert_false(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an + rep.ns + rep.ar, 0);
	assert_int_equal(rep.qd, 1);
	/* example.org itself is not hosted, only deep.example.org */
	assert_int_equal(ask("example.org.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	assert_int_equal(ask("ns.deep.example.org.", DNS_TYPE_A, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 1);
	/* other classes */
	struct fx_query_opts o = { .qclass = 4 };
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	/* with EDNS, the reason: RFC 8914 Not Authoritative */
	o = (struct fx_query_opts){ .edns = true };
	assert_int_equal(ask("www.example.net.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	assert_int_equal(rep.ar, 1);
	assert_int_equal(rep.rr[0].rdlen, 6);
	assert_memory_equal(rdata(0), "\x00\x0f\x00\x02\x00\x14", 6);
}

static void test_notimp_opcode(void **state)
{
	struct fx_query_opts o = { .flags = DNS_OPCODE_UPDATE << DNS_OPCODE_SHIFT };

	(void)state;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOTIMP);
	assert_int_equal((rep.flags & DNS_OPCODE_MASK) >> DNS_OPCODE_SHIFT, DNS_OPCODE_UPDATE);
	assert_int_equal(rep.an, 0);
	o.flags = DNS_OPCODE_STATUS << DNS_OPCODE_SHIFT;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOTIMP);
	assert_int_equal(rep.ar, 0);
	/* RFC 6891 §7: an OPT in the query gets one in the reply, DO echoed */
	o.edns = true;
	o.do_bit = true;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOTIMP);
	assert_int_equal(rep.an, 0);
	assert_int_equal(rep.ar, 1);
	assert_int_equal(rep.rr[0].type, 41);
	assert_int_equal(rep.rr[0].ttl, DNS_EDNS_DO);
	/* an EDNS version we do not speak comes first (§6.1.3) */
	o.version = 1;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rcode(), 0);
	assert_int_equal(rep.ar, 1);
	assert_int_equal(rep.rr[0].ttl >> 24, 1);	/* BADVERS */
	/* QTYPE 0 is reserved */
	assert_int_equal(ask("www.example.com.", 0, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOTIMP);
	assert_int_equal(rep.an + rep.ns, 0);
}

static void test_formerr_and_drop(void **state)
{
	struct engine_query_params p = { .proto = ENGINE_PROTO_UDP };
	size_t qlen;

	(void)state;
	/* shorter than a header: nothing to answer with */
	assert_int_equal(engine_answer(eng, &p, (const uint8_t *)"\x12\x34\x01", 3, resp,
				       sizeof(resp), &resp_len), ENGINE_DROP);
	/* a response: never answered */
	qlen = fx_query(query, "www.example.com.", DNS_TYPE_A, NULL);
	query[2] |= 0x80;
	assert_int_equal(engine_answer(eng, &p, query, qlen, resp, sizeof(resp), &resp_len),
			 ENGINE_DROP);
	/* QDCOUNT 0: FORMERR without a question */
	qlen = fx_query(query, "www.example.com.", DNS_TYPE_A, NULL);
	dns_put16(query + 4, 0);
	assert_int_equal(engine_answer(eng, &p, query, DNS_HDR_LEN, resp, sizeof(resp),
				       &resp_len), ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	assert_int_equal(rep.qd, 0);
	/* truncated question */
	qlen = fx_query(query, "www.example.com.", DNS_TYPE_A, NULL);
	assert_int_equal(engine_answer(eng, &p, query, qlen - 1, resp, sizeof(resp), &resp_len),
			 ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	/* one trailing byte */
	query[qlen] = 0;
	assert_int_equal(engine_answer(eng, &p, query, qlen + 1, resp, sizeof(resp), &resp_len),
			 ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	assert_int_equal(rep.qd, 1);
	/* the question name is a compression pointer */
	memcpy(query + DNS_HDR_LEN, "\xc0\x0c\x00\x01\x00\x01", 6);
	assert_int_equal(engine_answer(eng, &p, query, DNS_HDR_LEN + 6, resp, sizeof(resp),
				       &resp_len), ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	assert_int_equal(rep.qd, 0);
	/* no room for even a header */
	qlen = fx_query(query, "www.example.com.", DNS_TYPE_A, NULL);
	assert_int_equal(engine_answer(eng, &p, query, qlen, resp, 11, &resp_len), ENGINE_FAIL);
}

static void test_nsid(void **state)
{
	struct fx_query_opts o = { .edns = true, .nsid = true };

	(void)state;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rep.ar, 1);
	assert_int_equal(rep.rr[2].type, 41);
	assert_int_equal(rep.rr[2].rdlen, 4 + 5);
	assert_memory_equal(rdata(2), "\x00\x03\x00\x05pop-1", 9);
	/* not asked: not sent */
	o.nsid = false;
	assert_int_equal(ask("www.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_int_equal(rep.rr[2].rdlen, 0);
}

static void test_nsid_unconfigured(void **state)
{
	struct fx_query_opts o = { .edns = true, .nsid = true };
	struct engine_query_params p = { .proto = ENGINE_PROTO_UDP };
	struct engine *plain;
	size_t qlen;

	(void)state;
	assert_int_equal(engine_new(&plain, zs, NULL), 0);
	qlen = fx_query(query, "www.example.com.", DNS_TYPE_A, &o);
	assert_int_equal(engine_answer(plain, &p, query, qlen, resp, sizeof(resp), &resp_len),
			 ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rep.rr[2].type, 41);
	assert_int_equal(rep.rr[2].rdlen, 0);
	engine_free(plain);
}

static void test_chaos(void **state)
{
	struct fx_query_opts o = { .qclass = DNS_CLASS_CH };
	struct engine_config cfg = { .no_chaos = true };
	struct engine_query_params p = { .proto = ENGINE_PROTO_UDP };
	struct engine *off;
	size_t qlen;

	(void)state;
	assert_int_equal(ask("ID.server.", DNS_TYPE_TXT, &o), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_false(flag(DNS_FLAG_AA));
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.rr[0].rclass, DNS_CLASS_CH);
	assert_memory_equal(rdata(0), "\x0dpop-1.example", 14);
	assert_int_equal(ask("hostname.bind.", DNS_TYPE_TXT, &o), ENGINE_DONE);
	assert_memory_equal(rdata(0), "\x0dpop-1.example", 14);
	assert_int_equal(ask("version.bind.", DNS_TYPE_TXT, &o), ENGINE_DONE);
	assert_memory_equal(rdata(0), "\x0enameserve-test", 15);
	assert_int_equal(ask("other.bind.", DNS_TYPE_TXT, &o), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);

	assert_int_equal(engine_new(&off, zs, &cfg), 0);
	qlen = fx_query(query, "id.server.", DNS_TYPE_TXT, &o);
	assert_int_equal(engine_answer(off, &p, query, qlen, resp, sizeof(resp), &resp_len),
			 ENGINE_DONE);
	assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	assert_int_equal(rep.an, 0);
	engine_free(off);
}

static void test_rd_cd_echoed_ra_clear(void **state)
{
	struct fx_query_opts o = { .flags = DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD };

	(void)state;
	assert_int_equal(ask("nope.example.com.", DNS_TYPE_A, &o), ENGINE_DONE);
	assert_true(flag(DNS_FLAG_RD) && flag(DNS_FLAG_CD));
	assert_false(flag(DNS_FLAG_RA) || flag(DNS_FLAG_AD) || flag(DNS_FLAG_Z));
}

/* Bad input never crashes, never overruns the reply limit, and any reply sent
 * is a well-formed message: mutated real queries and random bytes. */
static void test_mutated_queries(void **state)
{
	static const char *names[] = { "www.example.com.", "a.b.wild.example.com.",
				       "chain.example.com.", "x.dname2.example.com.",
				       "www.sub.example.com.", "nope.example.com." };
	struct fx_query_opts o = { .edns = true, .nsid = true, .cookie = true };
	struct engine_query_params p = { .proto = ENGINE_PROTO_UDP };
	enum engine_state st;
	unsigned int seed = 12345, sent = 0;
	size_t qlen, k;
	int i;

	(void)state;
	for (i = 0; i < 200000; i++) {
		o.edns = i & 1;
		qlen = fx_query(query, names[i % 6], 1 + i % 40, &o);
		if (i % 10 == 9) {
			qlen = rand_r(&seed) % 64;
			for (k = 0; k < qlen; k++)
				query[k] = rand_r(&seed);
			query[2] &= 0x7f;
		} else {
			for (k = 0; k < 1 + (size_t)(rand_r(&seed) % 4); k++)
				query[rand_r(&seed) % qlen] = rand_r(&seed);
			if (rand_r(&seed) % 4 == 0)
				qlen = rand_r(&seed) % (qlen + 8);
		}
		p.proto = i % 3 ? ENGINE_PROTO_UDP : ENGINE_PROTO_TCP;
		st = engine_answer(eng, &p, query, qlen, resp, sizeof(resp), &resp_len);
		if (st != ENGINE_DONE && st != ENGINE_TRUNC)
			continue;
		sent++;
		assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
		assert_true(flag(DNS_FLAG_QR));
		assert_int_equal(rep.id, dns_get16(query));
		if (p.proto == ENGINE_PROTO_UDP)
			assert_true(resp_len <= FP_EDNS_UDP_SIZE);
	}
	assert_true(sent > 100000);
}

/* What the walk hands map sync, collected. */
struct walk_log {
	int		n;
	struct {
		char		name[DNS_NAME_TEXT_MAX];
		uint16_t	qtype;
		uint16_t	ancount;
		uint16_t	len;
		bool		pass_do;
		const struct policy *policy;
		uint8_t		answer[FP_ANSWER_MAX];
	} e[64];
};

static int walk_cb(const struct fastpath_entry *fe, void *ctx)
{
	struct walk_log *log = ctx;

	assert_true(log->n < 64);
	assert_int_equal(fe->qname_len, dns_name_len(fe->qname, DNS_NAME_MAX));
	dns_name_to_text(log->e[log->n].name, DNS_NAME_TEXT_MAX, fe->qname);
	log->e[log->n].qtype = fe->qtype;
	log->e[log->n].ancount = fe->ancount;
	log->e[log->n].len = fe->answer_len;
	log->e[log->n].pass_do = fe->pass_do;
	log->e[log->n].policy = fe->policy;
	assert_true(fe->answer_len <= FP_ANSWER_MAX);
	memcpy(log->e[log->n].answer, fe->answer, fe->answer_len);
	log->n++;
	return 0;
}

static int walk_find(const struct walk_log *log, const char *name, uint16_t qtype)
{
	int i;

	for (i = 0; i < log->n; i++)
		if (!strcmp(log->e[i].name, name) && log->e[i].qtype == qtype)
			return i;
	return -1;
}

static void test_fastpath_walk_filters(void **state)
{
	static struct walk_log log;
	int i;

	(void)state;
	log.n = 0;
	assert_int_equal(engine_fastpath_walk(zone_com, walk_cb, &log), 0);
	/* in: plain authoritative A/AAAA owners */
	assert_true(walk_find(&log, "www.example.com.", DNS_TYPE_A) >= 0);
	assert_true(walk_find(&log, "www.example.com.", DNS_TYPE_AAAA) >= 0);
	assert_true(walk_find(&log, "example.com.", DNS_TYPE_A) >= 0);
	assert_true(walk_find(&log, "mail.example.com.", DNS_TYPE_AAAA) >= 0);
	assert_true(walk_find(&log, "a.ent2.wild.example.com.", DNS_TYPE_A) >= 0);
	/* out: glue below a cut, wildcard owners, CNAME owners, names under DNAME */
	assert_int_equal(walk_find(&log, "ns1.sub.example.com.", DNS_TYPE_A), -1);
	assert_int_equal(walk_find(&log, "ns1.sub.example.com.", DNS_TYPE_AAAA), -1);
	assert_int_equal(walk_find(&log, "*.wild.example.com.", DNS_TYPE_A), -1);
	assert_int_equal(walk_find(&log, "alias.example.com.", DNS_TYPE_A), -1);
	for (i = 0; i < log.n; i++)
		assert_false(log.e[i].pass_do);
	/* exactly the A/AAAA owners that answer with their bare RRset */
	assert_int_equal(log.n, 12);
	i = walk_find(&log, "www.example.com.", DNS_TYPE_A);
	assert_int_equal(log.e[i].ancount, 2);
	assert_int_equal(log.e[i].len, 32);
}

/* Every walked entry equals the answer section of a real query, sent with mixed
 * letter case and EDNS, as the fast path would see it. */
static void test_fastpath_bytes_match_engine(void **state)
{
	static struct walk_log log;
	struct fx_query_opts o = { .id = 0x4242, .flags = DNS_FLAG_RD, .edns = true };
	char mixed[DNS_NAME_TEXT_MAX];
	size_t qsec, j;
	int i;

	(void)state;
	log.n = 0;
	assert_int_equal(engine_fastpath_walk(zone_com, walk_cb, &log), 0);
	assert_true(log.n > 0);
	for (i = 0; i < log.n; i++) {
		strcpy(mixed, log.e[i].name);
		for (j = 0; mixed[j]; j += 2)
			mixed[j] = toupper((unsigned char)mixed[j]);
		o.do_bit = i & 1;
		assert_int_equal(ask(mixed, log.e[i].qtype, &o), ENGINE_DONE);
		qsec = DNS_HDR_LEN + dns_name_len(query + DNS_HDR_LEN, DNS_NAME_MAX) + 4;
		assert_int_equal(rep.an, log.e[i].ancount);
		assert_int_equal(resp_len, qsec + log.e[i].len + 11);
		assert_memory_equal(resp + qsec, log.e[i].answer, log.e[i].len);
		assert_memory_equal(resp + resp_len - 11,
				    o.do_bit ? "\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x00" :
					       "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
	}
}

static void test_fastpath_walk_too_long_and_signed(void **state)
{
	static struct walk_log log;
	struct fx_rec recs[24] = {
		{ "example.net.", 3600, DNS_TYPE_SOA, "ns.example.net. h.example.net. 1 2 3 4 5" },
		{ "example.net.", 3600, DNS_TYPE_NS, "ns.example.net." },
		{ "ns.example.net.", 3600, DNS_TYPE_A, "198.18.0.53" },
		/* RRSIG presence marks the zone signed (raw RDATA, served as data) */
		{ "ns.example.net.", 3600, DNS_TYPE_RRSIG,
		  "0001" "0d02" "00000e10" "00000000" "00000000" "0001" "076578616d706c65036e657400"
		  "00112233" },
	};
	char addr[20][32];
	struct zone *z;
	char err[256];
	int i;

	(void)state;
	/* 17 AAAA records of 28 bytes: 476 > FP_ANSWER_MAX */
	for (i = 0; i < 17; i++) {
		snprintf(addr[i], sizeof(addr[i]), "2001:db8::%x", i + 1);
		recs[4 + i] = (struct fx_rec){ "many.example.net.", 60, DNS_TYPE_AAAA, addr[i] };
	}
	z = fx_zone(recs, 21, err, sizeof(err));
	assert_non_null(z);
	assert_true(z->dnssec);
	log.n = 0;
	assert_int_equal(engine_fastpath_walk(z, walk_cb, &log), 0);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.e[0].name, "ns.example.net.");
	assert_true(log.e[0].pass_do);
	zone_free(z);
}

/* A parent holding data below a hosted child's apex (no delegation): the engine
 * answers from the child, so the parent's record must not reach the maps. */
static void test_fastpath_walk_all_nested(void **state)
{
	static const struct fx_rec parent[] = {
		{ "nest.example.", 60, DNS_TYPE_SOA, "ns.nest.example. h.nest.example. 1 2 3 4 5" },
		{ "nest.example.", 60, DNS_TYPE_NS, "ns.nest.example." },
		{ "ns.nest.example.", 60, DNS_TYPE_A, "198.18.0.1" },
		{ "www.child.nest.example.", 60, DNS_TYPE_A, "198.18.0.2" },
	};
	static const struct fx_rec child[] = {
		{ "child.nest.example.", 60, DNS_TYPE_SOA,
		  "ns.nest.example. h.nest.example. 1 2 3 4 5" },
		{ "child.nest.example.", 60, DNS_TYPE_NS, "ns.nest.example." },
		{ "www.child.nest.example.", 60, DNS_TYPE_A, "198.18.0.3" },
	};
	static struct walk_log log;
	struct zone_store *s;
	char err[256];
	int i;

	(void)state;
	assert_int_equal(zone_store_new(&s), 0);
	assert_int_equal(zone_store_publish(s, fx_zone(parent, 4, err, sizeof(err))), 0);
	assert_int_equal(zone_store_publish(s, fx_zone(child, 3, err, sizeof(err))), 0);
	log.n = 0;
	assert_int_equal(engine_fastpath_walk_all(s, walk_cb, &log), 0);
	assert_int_equal(log.n, 2);
	i = walk_find(&log, "www.child.nest.example.", DNS_TYPE_A);
	assert_true(i >= 0);
	assert_memory_equal(log.e[i].answer + 12, "\xc6\x12\x00\x03", 4);	/* the child's */
	assert_true(walk_find(&log, "ns.nest.example.", DNS_TYPE_A) >= 0);
	zone_store_free(s);
}

/* ---- traffic steering: the engine's side of include/fp_policy.h ---- */

static const struct fx_rec steer_recs[] = {
	{ "steer.test.", 60, DNS_TYPE_SOA, "ns.steer.test. h.steer.test. 1 3600 600 86400 60" },
	{ "steer.test.", 60, DNS_TYPE_NS, "ns.steer.test." },
	{ "steer.test.", 60, DNS_TYPE_MX, "10 w.steer.test." },
	{ "ns.steer.test.", 60, DNS_TYPE_A, "198.18.0.53" },
	{ "w.steer.test.", 60, DNS_TYPE_A, "198.18.1.1" },
	{ "w.steer.test.", 60, DNS_TYPE_A, "198.18.1.2" },
	{ "w.steer.test.", 60, DNS_TYPE_A, "198.18.1.3" },
	{ "h.steer.test.", 60, DNS_TYPE_A, "198.18.2.1" },
	{ "h.steer.test.", 60, DNS_TYPE_A, "198.18.2.2" },
	{ "h.steer.test.", 60, DNS_TYPE_A, "198.18.2.3" },
	{ "f.steer.test.", 60, DNS_TYPE_A, "198.18.6.1" },
	{ "f.steer.test.", 60, DNS_TYPE_A, "198.18.6.2" },
	{ "g.steer.test.", 60, DNS_TYPE_A, "198.18.4.1" },
	{ "g.steer.test.", 60, DNS_TYPE_A, "198.18.4.2" },
	{ "g.steer.test.", 60, DNS_TYPE_A, "198.18.4.3" },
	{ "g.steer.test.", 60, DNS_TYPE_A, "198.18.4.4" },
	{ "cn.steer.test.", 60, DNS_TYPE_CNAME, "g.steer.test." },
	{ "plain.steer.test.", 60, DNS_TYPE_A, "198.18.5.1" },
};

static const char *const multi_json =
	"{\"multivalue\":true,\"healthchecks\":[\"c0\",\"c1\",\"c2\",\"c3\",\"c4\",\"c5\",\"c6\","
	"\"c7\",\"c8\",\"c9\",\"c10\",\"c11\"]}";

static struct {
	const char	*owner;
	uint16_t	type;
	const char	*json;
} const steer_pols[] = {
	{ "w.steer.test.", DNS_TYPE_A, "{\"weights\":[70,30,0]}" },
	{ "h.steer.test.", DNS_TYPE_A, "{\"healthchecks\":[\"c1\",\"c2\",\"c3\"]}" },
	{ "f.steer.test.", DNS_TYPE_A,
	  "{\"healthchecks\":[\"c4\",\"c5\"],\"failover\":[\"primary\",\"secondary\"]}" },
	{ "g.steer.test.", DNS_TYPE_A,
	  "{\"geo\":{\"rules\":[{\"continents\":[\"EU\"],\"records\":[\"198.18.4.1\"]},"
	  "{\"countries\":[\"JP\"],\"records\":[\"198.18.4.2\"]},"
	  "{\"cidrs\":[\"198.18.9.0/24\",\"2001:db8:9::/48\"],\"records\":[\"198.18.4.3\"]}],"
	  "\"default\":[\"198.18.4.4\"]}}" },
	{ "m.steer.test.", DNS_TYPE_A, NULL },		/* multi_json */
	{ "m6.steer.test.", DNS_TYPE_AAAA, "{\"weights\":[1,1,1,1,1,1,1,1,1,1]}" },
};

#define NSTEER	(sizeof(steer_pols) / sizeof(steer_pols[0]))

static struct zone_store *szs;
static struct engine *seng;
static struct geo *sgeo;
static struct fp_health shealth;
static struct zone *szone;
static const struct policy *spol[NSTEER];

/* Checks are named cN and live in slot N. */
static int slot_of(const char *check, void *ctx)
{
	(void)ctx;
	if (check[0] != 'c' || !check[1])
		return -ENOENT;
	return atoi(check + 1);
}

static const struct zone_rrset *find_rrset(const struct zone *z, const char *owner,
					   uint16_t type)
{
	uint8_t name[DNS_NAME_MAX];
	const struct zone_node *n;
	int len;

	len = dns_name_from_text(name, owner, strlen(owner), NULL);
	assert_true(len > 0);
	n = zone_lookup(z, name, len, dns_name_hash(name));
	assert_non_null(n);
	return zone_node_rrset(n, type);
}

/* Compiles json for the records of (owner, type) among recs, in their order,
 * and hands it to the builder, as zone_admin does. */
static void steer_rrset(struct zone_builder *b, const struct fx_rec *recs, size_t nrecs,
			const char *owner, uint16_t type, const char *json)
{
	static uint8_t buf[FP_POLICY_RECORDS_MAX][16];
	const uint8_t *rdata[FP_POLICY_RECORDS_MAX];
	uint16_t rdlen[FP_POLICY_RECORDS_MAX];
	struct policy_err e = { 0 };
	uint8_t name[DNS_NAME_MAX];
	struct policy *pol;
	json_error_t jerr;
	char *canon = NULL;
	size_t i, n = 0;
	json_t *obj;
	int len;

	for (i = 0; i < nrecs; i++) {
		if (strcmp(recs[i].owner, owner) || recs[i].type != type)
			continue;
		assert_true(n < FP_POLICY_RECORDS_MAX);
		len = fx_rdata(type, recs[i].rdata, buf[n]);
		assert_true(len > 0);
		rdata[n] = buf[n];
		rdlen[n++] = len;
	}
	obj = json_loads(json, 0, &jerr);
	assert_non_null(obj);
	if (policy_validate(obj, type, rdata, rdlen, n, slot_of, NULL, &canon, &e))
		fail_msg("%s: %s: %s", owner, e.field, e.msg);
	assert_int_equal(policy_compile(canon, strlen(canon), type, rdata, rdlen, n, slot_of, NULL,
					&pol, &e), 0);
	free(canon);
	json_decref(obj);
	assert_true(dns_name_from_text(name, owner, strlen(owner), NULL) > 0);
	assert_int_equal(zone_builder_set_policy(b, name, type, pol), 0);
}

static const char *geo_db(void)
{
	static char path[512];
	const char *dir = getenv("NAMESERVE_GEO_DIR");

	snprintf(path, sizeof(path), "%s/GeoIP2-Country-Test.mmdb", dir ? dir : "../shared/geo");
	return path;
}

static int steer_setup(void **state)
{
	struct fx_rec recs[64];
	static char addr[12][40], addr6[10][40];
	char err[512];
	struct engine_config cfg = { 0 };
	size_t n = sizeof(steer_recs) / sizeof(steer_recs[0]), i;
	struct zone_builder *b;

	(void)state;
	rcu_register_thread();
	memcpy(recs, steer_recs, sizeof(steer_recs));
	for (i = 0; i < 12; i++) {
		snprintf(addr[i], sizeof(addr[i]), "198.18.3.%zu", i + 1);
		recs[n++] = (struct fx_rec){ "m.steer.test.", 60, DNS_TYPE_A, addr[i] };
	}
	/* 10 AAAA of 28 bytes: 280 > FP_ANSWER_MAX, so the engine keeps it */
	for (i = 0; i < 10; i++) {
		snprintf(addr6[i], sizeof(addr6[i]), "2001:db8:6::%zx", i + 1);
		recs[n++] = (struct fx_rec){ "m6.steer.test.", 60, DNS_TYPE_AAAA, addr6[i] };
	}
	if (zone_builder_new(&b, NULL) || fx_add(b, recs, n, err, sizeof(err))) {
		fprintf(stderr, "steer_setup: %s\n", err);
		return -1;
	}
	for (i = 0; i < NSTEER; i++)
		steer_rrset(b, recs, n, steer_pols[i].owner, steer_pols[i].type,
			    steer_pols[i].json ? steer_pols[i].json : multi_json);
	if (zone_builder_finish(b, &szone, err, sizeof(err))) {
		fprintf(stderr, "steer_setup: %s\n", err);
		return -1;
	}
	for (i = 0; i < NSTEER; i++) {
		spol[i] = find_rrset(szone, steer_pols[i].owner, steer_pols[i].type)->policy;
		assert_non_null(spol[i]);
	}
	if (zone_store_new(&szs) || zone_store_publish(szs, szone))
		return -1;
	if (geo_open(&sgeo, geo_db())) {
		fprintf(stderr, "steer_setup: %s: cannot open (NAMESERVE_GEO_DIR)\n", geo_db());
		return -1;
	}
	cfg.geo = sgeo;
	cfg.health = &shealth;
	return engine_new(&seng, szs, &cfg);
}

static int steer_teardown(void **state)
{
	(void)state;
	engine_free(seng);
	zone_store_free(szs);	/* the version frees its policies */
	geo_close(sgeo);
	rcu_unregister_thread();
	return 0;
}

struct ecs {
	uint16_t	family;
	uint8_t		source, scope;
	const char	*addr;		/* text; NULL: raw */
	uint8_t		rawlen;
	uint8_t		raw[20];	/* with addr NULL: these bytes, rawlen of them */
};

#define ECS(f, s, a)	{ .family = (f), .source = (s), .addr = (a) }

/* An EDNS query carrying the client subnet option (and a second if twice). */
static size_t ecs_query(uint8_t *buf, const char *name, uint16_t type, const struct ecs *c,
			bool twice)
{
	struct fx_query_opts o = { .id = 7, .edns = true };
	size_t len = fx_query(buf, name, type, &o), olen, start = len;
	uint8_t a[16] = { 0 };
	int k;

	for (k = 0; k < (twice ? 2 : 1); k++) {
		if (c->addr) {
			assert_int_equal(inet_pton(c->family == 1 ? AF_INET : AF_INET6, c->addr,
						   a), 1);
			olen = (c->source + 7) / 8;
			memcpy(buf + len + 8, a, olen);
		} else {
			olen = c->rawlen;
			memcpy(buf + len + 8, c->raw, olen);
		}
		dns_put16(buf + len, DNS_EDNS_OPT_ECS);
		dns_put16(buf + len + 2, 4 + olen);
		dns_put16(buf + len + 4, c->family);
		buf[len + 6] = c->source;
		buf[len + 7] = c->scope;
		len += 8 + olen;
	}
	dns_put16(buf + start - 2, len - start);
	return len;
}

static enum engine_state sask_from(const uint8_t *q, size_t qlen, const char *from)
{
	struct sockaddr_storage ss = { 0 };
	struct engine_query_params p = { .proto = ENGINE_PROTO_UDP };
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	enum engine_state st;

	if (from && inet_pton(AF_INET, from, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		p.remote = (struct sockaddr *)s4;
		p.remote_len = sizeof(*s4);
	} else if (from) {
		assert_int_equal(inet_pton(AF_INET6, from, &s6->sin6_addr), 1);
		s6->sin6_family = AF_INET6;
		p.remote = (struct sockaddr *)s6;
		p.remote_len = sizeof(*s6);
	}
	st = engine_answer(seng, &p, q, qlen, resp, sizeof(resp), &resp_len);
	if (st == ENGINE_DONE || st == ENGINE_TRUNC)
		assert_int_equal(fx_parse(resp, resp_len, &rep), 0);
	return st;
}

static void sask(const char *name, uint16_t type, const char *from)
{
	size_t qlen = fx_query(query, name, type, NULL);

	assert_int_equal(sask_from(query, qlen, from), ENGINE_DONE);
}

/* The last octet of answer record i (an A record). */
static unsigned int a_last(int i)
{
	assert_true(i < rep.an);
	assert_int_equal(rep.rr[i].type, DNS_TYPE_A);
	return resp[rep.rr[i].rdata_off + 3];
}

/* The reply's client subnet option: 1 and its fields, 0 if absent. */
static int reply_ecs(uint16_t *family, uint8_t *source, uint8_t *scope, uint8_t *addr,
		     uint16_t *alen)
{
	size_t pos, end;
	int i;

	for (i = rep.an + rep.ns; i < rep.nrr; i++) {
		if (rep.rr[i].type != 41)
			continue;
		pos = rep.rr[i].rdata_off;
		end = pos + rep.rr[i].rdlen;
		while (pos + 4 <= end) {
			uint16_t code = dns_get16(resp + pos), olen = dns_get16(resp + pos + 2);

			if (code == DNS_EDNS_OPT_ECS) {
				assert_true(olen >= 4);
				*family = dns_get16(resp + pos + 4);
				*source = resp[pos + 6];
				*scope = resp[pos + 7];
				*alen = olen - 4;
				memcpy(addr, resp + pos + 8, olen - 4);
				return 1;
			}
			pos += 4 + olen;
		}
	}
	return 0;
}

static void test_steer_weighted(void **state)
{
	unsigned int count[4] = { 0 }, i, n = 20000;

	(void)state;
	memset(&shealth, 0, sizeof(shealth));
	for (i = 0; i < n; i++) {
		sask("w.steer.test.", DNS_TYPE_A, "198.18.0.9");
		assert_int_equal(rcode(), DNS_RCODE_NOERROR);
		assert_int_equal(rep.an, 1);
		assert_true(a_last(0) >= 1 && a_last(0) <= 3);
		count[a_last(0)]++;
	}
	print_message("weighted 70/30/0 over %u answers: %u / %u / %u\n", n, count[1], count[2],
		      count[3]);
	assert_true(count[1] >= n * 68 / 100 && count[1] <= n * 72 / 100);
	assert_true(count[2] >= n * 28 / 100 && count[2] <= n * 32 / 100);
	assert_int_equal(count[3], 0);
}

static void test_steer_health(void **state)
{
	uint64_t before;

	(void)state;
	memset(&shealth, 0, sizeof(shealth));
	sask("h.steer.test.", DNS_TYPE_A, NULL);
	assert_int_equal(rep.an, 3);
	assert_int_equal(a_last(0), 1);
	assert_int_equal(a_last(2), 3);
	/* c2 down: its record goes, the others stay in order */
	shealth.down[0] = 1ULL << 2;
	sask("h.steer.test.", DNS_TYPE_A, NULL);
	assert_int_equal(rep.an, 2);
	assert_int_equal(a_last(0), 1);
	assert_int_equal(a_last(1), 3);
	/* all down: fail open, every primary, and counted */
	before = metrics_policy_fail_opens();
	shealth.down[0] = 1ULL << 1 | 1ULL << 2 | 1ULL << 3;
	sask("h.steer.test.", DNS_TYPE_A, NULL);
	assert_int_equal(rep.an, 3);
	assert_int_equal(metrics_policy_fail_opens(), before + 1);
	/* through a CNAME too, and glue-like additional data is never steered */
	memset(&shealth, 0, sizeof(shealth));
	sask("steer.test.", DNS_TYPE_MX, NULL);
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ar, 3);	/* w's three A records, all of them */
}

static void test_steer_failover(void **state)
{
	(void)state;
	memset(&shealth, 0, sizeof(shealth));
	sask("f.steer.test.", DNS_TYPE_A, NULL);
	assert_int_equal(rep.an, 1);
	assert_int_equal(a_last(0), 1);
	shealth.down[0] = 1ULL << 4;		/* the primary */
	sask("f.steer.test.", DNS_TYPE_A, NULL);
	assert_int_equal(rep.an, 1);
	assert_int_equal(a_last(0), 2);
	shealth.down[0] = 1ULL << 4 | 1ULL << 5;	/* both: the primary, failing open */
	sask("f.steer.test.", DNS_TYPE_A, NULL);
	assert_int_equal(rep.an, 1);
	assert_int_equal(a_last(0), 1);
	memset(&shealth, 0, sizeof(shealth));
}

static void test_steer_multivalue(void **state)
{
	unsigned int seen = 0, i, j, k, last;

	(void)state;
	memset(&shealth, 0, sizeof(shealth));
	for (i = 0; i < 2000; i++) {
		sask("m.steer.test.", DNS_TYPE_A, NULL);
		assert_int_equal(rep.an, FP_POLICY_MULTI_MAX);
		for (j = 0; j < rep.an; j++) {
			last = a_last(j);
			assert_true(last >= 1 && last <= 12);
			for (k = 0; k < j; k++)
				assert_int_not_equal(a_last(k), last);
			seen |= 1U << last;
		}
	}
	assert_int_equal(seen, 0x1ffe);		/* every record shows up */
	/* 9 of 12 down: the 3 healthy ones only */
	shealth.down[0] = 0x1ff;
	for (i = 0; i < 50; i++) {
		sask("m.steer.test.", DNS_TYPE_A, NULL);
		assert_int_equal(rep.an, 3);
		for (j = 0; j < rep.an; j++)
			assert_true(a_last(j) >= 10);
	}
	memset(&shealth, 0, sizeof(shealth));
}

/* RFC 7871 §7.2.1 echo: family, source and address as asked, scope as given. */
static void assert_ecs_echo(const struct ecs *c, uint8_t want_scope)
{
	uint8_t source, scope, addr[20], a[16] = { 0 };
	uint16_t family, alen;

	assert_int_equal(reply_ecs(&family, &source, &scope, addr, &alen), 1);
	assert_int_equal(family, c->family);
	assert_int_equal(source, c->source);
	assert_int_equal(scope, want_scope);
	assert_int_equal(alen, (c->source + 7) / 8);
	assert_int_equal(inet_pton(c->family == 1 ? AF_INET : AF_INET6, c->addr, a), 1);
	assert_memory_equal(addr, a, alen);
}

/* The scope the policy gives addr: what the reply must carry. */
static uint8_t want_scope(const char *addr, int family)
{
	uint8_t a[16] = { 0 }, scope = 0xff;

	assert_int_equal(inet_pton(family, addr, a), 1);
	policy_region(spol[3], sgeo, family, a, &scope);
	return scope;
}

static void test_steer_geo_ecs(void **state)
{
	static const struct {
		struct ecs	c;
		unsigned int	want;
		int		family;
	} cases[] = {
		{ ECS(1, 27, "81.2.69.160"), 1, AF_INET },	/* GB, EU: the continent rule */
		{ ECS(1, 32, "81.2.69.161"), 1, AF_INET },
		{ ECS(2, 32, "2001:218::"), 2, AF_INET6 },	/* JP */
		{ ECS(2, 48, "2001:218:1::"), 2, AF_INET6 },
		{ ECS(2, 29, "2a02:d180::"), 1, AF_INET6 },	/* DE, EU */
		{ ECS(1, 24, "198.18.9.0"), 3, AF_INET },	/* the CIDR rule */
		{ ECS(2, 56, "2001:db8:9:100::"), 3, AF_INET6 },
		{ ECS(1, 24, "198.18.200.0"), 4, AF_INET },	/* unknown: default */
		{ ECS(2, 48, "2001:db8:7::"), 4, AF_INET6 },
	};
	uint16_t family, alen;
	uint8_t source, scope, addr[20];
	size_t i, qlen;

	(void)state;
	memset(&shealth, 0, sizeof(shealth));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		qlen = ecs_query(query, "g.steer.test.", DNS_TYPE_A, &cases[i].c, false);
		/* the source address says otherwise: ECS wins */
		assert_int_equal(sask_from(query, qlen, "198.18.200.1"), ENGINE_DONE);
		assert_int_equal(rcode(), DNS_RCODE_NOERROR);
		assert_int_equal(rep.an, 1);
		assert_int_equal(a_last(0), cases[i].want);
		assert_ecs_echo(&cases[i].c, want_scope(cases[i].c.addr, cases[i].family));
	}
	/* the scopes themselves: the database's network, the CIDR rule's */
	assert_int_equal(want_scope("2001:218::", AF_INET6), 32);
	assert_int_equal(want_scope("198.18.9.0", AF_INET), 24);
	assert_true(want_scope("81.2.69.160", AF_INET) > 0);

	/* through a CNAME inside the zone */
	qlen = ecs_query(query, "cn.steer.test.", DNS_TYPE_A, &cases[2].c, false);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 2);
	assert_int_equal(a_last(1), 2);
	assert_ecs_echo(&cases[2].c, 32);

	/* no ECS: the source address, and no option in the reply */
	sask("g.steer.test.", DNS_TYPE_A, "198.18.9.77");
	assert_int_equal(a_last(0), 3);
	sask("g.steer.test.", DNS_TYPE_A, "::ffff:198.18.9.77");
	assert_int_equal(a_last(0), 3);
	sask("g.steer.test.", DNS_TYPE_A, "2001:db8:9::1");
	assert_int_equal(a_last(0), 3);
	sask("g.steer.test.", DNS_TYPE_A, "198.18.10.1");
	assert_int_equal(a_last(0), 4);
	sask("g.steer.test.", DNS_TYPE_A, NULL);
	assert_int_equal(a_last(0), 4);
	{
		struct fx_query_opts o = { .edns = true };

		qlen = fx_query(query, "g.steer.test.", DNS_TYPE_A, &o);
		assert_int_equal(sask_from(query, qlen, "198.18.9.1"), ENGINE_DONE);
		assert_int_equal(a_last(0), 3);
		assert_int_equal(reply_ecs(&family, &source, &scope, addr, &alen), 0);
	}
	/* SOURCE PREFIX 0: the source address decides, scope 0 */
	{
		const struct ecs zero = ECS(1, 0, "0.0.0.0");

		qlen = ecs_query(query, "g.steer.test.", DNS_TYPE_A, &zero, false);
		assert_int_equal(sask_from(query, qlen, "198.18.9.1"), ENGINE_DONE);
		assert_int_equal(a_last(0), 3);
		assert_ecs_echo(&zero, 0);
	}
}

static void test_ecs_unsteered_scope_zero(void **state)
{
	const struct ecs c4 = ECS(1, 24, "198.18.9.0"), c6 = ECS(2, 56, "2001:db8:9:100::");
	size_t qlen;

	(void)state;
	qlen = ecs_query(query, "plain.steer.test.", DNS_TYPE_A, &c4, false);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	assert_int_equal(rep.an, 1);
	assert_ecs_echo(&c4, 0);
	/* a steered RRset whose answer does not depend on place: scope 0 */
	qlen = ecs_query(query, "w.steer.test.", DNS_TYPE_A, &c6, false);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_ecs_echo(&c6, 0);
	qlen = ecs_query(query, "nowhere.steer.test.", DNS_TYPE_A, &c4, false);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NXDOMAIN);
	assert_ecs_echo(&c4, 0);
	qlen = ecs_query(query, "g.steer.test.", DNS_TYPE_TXT, &c4, false);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_int_equal(rep.an, 0);
	assert_ecs_echo(&c4, 0);
	/* not ours: REFUSED, still echoed */
	qlen = ecs_query(query, "example.invalid.", DNS_TYPE_A, &c4, false);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_REFUSED);
	assert_ecs_echo(&c4, 0);
}

static void test_ecs_malformed_formerr(void **state)
{
	static const struct ecs bad[] = {
		{ .family = 3, .source = 8, .raw = { 1 }, .rawlen = 1 },	/* family */
		{ .family = 0, .source = 0, .rawlen = 0 },
		{ .family = 1, .source = 33, .raw = { 1, 2, 3, 4, 5 }, .rawlen = 5 },
		{ .family = 2, .source = 129, .rawlen = 17 },
		{ .family = 1, .source = 24, .raw = { 198, 18 }, .rawlen = 2 },	/* too few */
		{ .family = 1, .source = 16, .raw = { 198, 18, 0 }, .rawlen = 3 },	/* too many */
		{ .family = 1, .source = 23, .raw = { 198, 18, 1 }, .rawlen = 3 },	/* bit 24 */
		{ .family = 2, .source = 1, .raw = { 0x40 }, .rawlen = 1 },
		{ .family = 1, .source = 24, .scope = 24, .raw = { 198, 18, 1 }, .rawlen = 3 },
	};
	static const struct ecs good = { .family = 1, .source = 24, .raw = { 198, 18, 1 },
					  .rawlen = 3 };
	uint8_t q[600];
	size_t i, qlen;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		qlen = ecs_query(query, "plain.steer.test.", DNS_TYPE_A, &bad[i], false);
		assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
		assert_int_equal(rcode(), DNS_RCODE_FORMERR);
		assert_int_equal(rep.an, 0);
	}
	/* an option shorter than its fixed part */
	qlen = ecs_query(q, "plain.steer.test.", DNS_TYPE_A, &good, false) - 11;
	dns_put16(q + qlen - 2, 4 + 3);		/* OPT RDLENGTH */
	dns_put16(q + qlen + 2, 3);		/* the option: FAMILY and SOURCE only */
	assert_int_equal(sask_from(q, qlen + 7, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	dns_put16(q + qlen + 2, 4);		/* with SCOPE, no address: well-formed */
	dns_put16(q + qlen - 2, 4 + 4);
	q[qlen + 6] = 0;			/* SOURCE 0 */
	q[qlen + 7] = 0;
	assert_int_equal(sask_from(q, qlen + 8, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
	/* two of them */
	qlen = ecs_query(query, "plain.steer.test.", DNS_TYPE_A, &good, true);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_FORMERR);
	/* and the good one alone is fine */
	qlen = ecs_query(query, "plain.steer.test.", DNS_TYPE_A, &good, false);
	assert_int_equal(sask_from(query, qlen, NULL), ENGINE_DONE);
	assert_int_equal(rcode(), DNS_RCODE_NOERROR);
}

static void test_steer_fastpath_walk(void **state)
{
	static struct walk_log log;
	int i, k;

	(void)state;
	log.n = 0;
	assert_int_equal(engine_fastpath_walk(szone, walk_cb, &log), 0);
	/* every record, in zone order, 16 bytes each, with the policy */
	i = walk_find(&log, "w.steer.test.", DNS_TYPE_A);
	assert_true(i >= 0);
	assert_ptr_equal(log.e[i].policy, spol[0]);
	assert_int_equal(log.e[i].ancount, 3);
	assert_int_equal(log.e[i].len, 48);
	for (k = 0; k < 3; k++) {
		assert_memory_equal(log.e[i].answer + 16 * k, "\xc0\x0c\x00\x01\x00\x01", 6);
		assert_int_equal(log.e[i].answer[16 * k + 15], k + 1);
	}
	i = walk_find(&log, "m.steer.test.", DNS_TYPE_A);
	assert_true(i >= 0);
	assert_int_equal(log.e[i].ancount, 12);
	assert_int_equal(log.e[i].len, 12 * 16);
	assert_ptr_equal(log.e[i].policy, spol[4]);
	i = walk_find(&log, "g.steer.test.", DNS_TYPE_A);
	assert_true(i >= 0);
	assert_ptr_equal(log.e[i].policy, spol[3]);
	assert_int_equal(log.e[i].ancount, 4);
	/* plain ones carry none; 10 steered AAAA (280 bytes) do not fit */
	i = walk_find(&log, "plain.steer.test.", DNS_TYPE_A);
	assert_true(i >= 0);
	assert_null(log.e[i].policy);
	assert_int_equal(walk_find(&log, "m6.steer.test.", DNS_TYPE_AAAA), -1);
	/* whereas the engine answers it, one of ten */
	sask("m6.steer.test.", DNS_TYPE_AAAA, NULL);
	assert_int_equal(rep.an, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positive_a_exact_bytes),
		cmocka_unit_test(test_positive_a_exact_bytes_edns),
		cmocka_unit_test(test_aaaa_and_flags),
		cmocka_unit_test(test_soa_at_apex),
		cmocka_unit_test(test_ns_at_apex_with_addresses),
		cmocka_unit_test(test_mx_additional),
		cmocka_unit_test(test_srv_additional),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_nodata),
		cmocka_unit_test(test_empty_non_terminal),
		cmocka_unit_test(test_referral),
		cmocka_unit_test(test_ds_at_cut_is_parent_side),
		cmocka_unit_test(test_ds_at_hosted_child_apex_is_parent_side),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_out_of_zone),
		cmocka_unit_test(test_cname_dangling_and_nodata),
		cmocka_unit_test(test_cname_loop_bounded),
		cmocka_unit_test(test_cname_into_delegation),
		cmocka_unit_test(test_dname),
		cmocka_unit_test(test_dname_yxdomain),
		cmocka_unit_test(test_wildcard),
		cmocka_unit_test(test_wildcard_blocked_by_ent),
		cmocka_unit_test(test_wildcard_cname),
		cmocka_unit_test(test_any_minimal),
		cmocka_unit_test(test_edns_badvers),
		cmocka_unit_test(test_edns_two_opts_formerr),
		cmocka_unit_test(test_edns_udp_size_and_cookie),
		cmocka_unit_test(test_truncation_udp_then_tcp),
		cmocka_unit_test(test_tcp_same_as_udp),
		cmocka_unit_test(test_refused_outside_zones),
		cmocka_unit_test(test_notimp_opcode),
		cmocka_unit_test(test_formerr_and_drop),
		cmocka_unit_test(test_nsid),
		cmocka_unit_test(test_nsid_unconfigured),
		cmocka_unit_test(test_chaos),
		cmocka_unit_test(test_rd_cd_echoed_ra_clear),
		cmocka_unit_test(test_mutated_queries),
		cmocka_unit_test(test_fastpath_walk_filters),
		cmocka_unit_test(test_fastpath_bytes_match_engine),
		cmocka_unit_test(test_fastpath_walk_too_long_and_signed),
		cmocka_unit_test(test_fastpath_walk_all_nested),
	};
	const struct CMUnitTest steer_tests[] = {
		cmocka_unit_test(test_steer_weighted),
		cmocka_unit_test(test_steer_health),
		cmocka_unit_test(test_steer_failover),
		cmocka_unit_test(test_steer_multivalue),
		cmocka_unit_test(test_steer_geo_ecs),
		cmocka_unit_test(test_ecs_unsteered_scope_zero),
		cmocka_unit_test(test_ecs_malformed_formerr),
		cmocka_unit_test(test_steer_fastpath_walk),
	};
	int failed;

	failed = cmocka_run_group_tests(tests, setup, teardown);
	return failed + cmocka_run_group_tests_name("steering", steer_tests, steer_setup,
						    steer_teardown);
}
