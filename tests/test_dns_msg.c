// SPDX-License-Identifier: GPL-2.0-only
/* The message codec: query parsing edge cases (RFC 1035, RFC 6891) and the
 * response builder's compression, rollback and size limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "dns_msg.h"
#include "zone_fixture.h"

static uint8_t pkt[1024];

static void test_parse_plain(void **state)
{
	struct fx_query_opts o = { .id = 0xabcd, .flags = DNS_FLAG_RD };
	struct dns_query q;
	size_t len = fx_query(pkt, "WWW.Example.com.", DNS_TYPE_AAAA, &o);

	(void)state;
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_OK);
	assert_int_equal(q.id, 0xabcd);
	assert_int_equal(q.flags, DNS_FLAG_RD);
	assert_true(q.has_question);
	assert_int_equal(q.qname_len, 17);
	assert_int_equal(q.question_len, 21);
	assert_ptr_equal(q.qname, pkt + DNS_HDR_LEN);
	assert_memory_equal(q.qname_lower, "\x03www\x07" "example\x03" "com", 17);
	assert_memory_equal(q.qname, "\x03WWW\x07" "Example\x03" "com", 17);
	assert_int_equal(q.qtype, DNS_TYPE_AAAA);
	assert_int_equal(q.qclass, DNS_CLASS_IN);
	assert_false(q.has_opt);
	assert_int_equal(dns_query_opcode(&q), DNS_OPCODE_QUERY);
}

static void test_parse_edns(void **state)
{
	struct fx_query_opts o = { .edns = true, .udp_size = 4096, .version = 2, .do_bit = true,
				   .nsid = true, .cookie = true };
	struct dns_query q;
	size_t len = fx_query(pkt, "example.com.", DNS_TYPE_A, &o);

	(void)state;
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_OK);
	assert_true(q.has_opt);
	assert_int_equal(q.edns_udp_size, 4096);
	assert_int_equal(q.edns_version, 2);
	assert_int_equal(q.edns_flags, DNS_EDNS_DO);
	assert_true(q.opt_nsid);
	assert_true(q.opt_cookie);
}

static void test_parse_drop(void **state)
{
	struct dns_query q;
	size_t len = fx_query(pkt, "example.com.", DNS_TYPE_A, NULL);

	(void)state;
	assert_int_equal(dns_query_parse(pkt, 11, &q), DNS_QUERY_DROP);
	assert_int_equal(dns_query_parse(pkt, 0, &q), DNS_QUERY_DROP);
	pkt[2] |= 0x80;	/* QR */
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_DROP);
}

static void test_parse_formerr(void **state)
{
	struct fx_query_opts o = { .edns = true };
	struct dns_query q;
	size_t len;

	(void)state;
	/* QDCOUNT 0 and 2 */
	len = fx_query(pkt, "example.com.", DNS_TYPE_A, NULL);
	dns_put16(pkt + 4, 0);
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_FORMERR);
	assert_false(q.has_question);
	dns_put16(pkt + 4, 2);
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_FORMERR);
	/* question cut short, by one byte and inside the name */
	len = fx_query(pkt, "example.com.", DNS_TYPE_A, NULL);
	assert_int_equal(dns_query_parse(pkt, len - 1, &q), DNS_QUERY_FORMERR);
	assert_false(q.has_question);
	assert_int_equal(dns_query_parse(pkt, DNS_HDR_LEN + 5, &q), DNS_QUERY_FORMERR);
	/* a label length past 63 (0x40: the reserved extended label type) */
	pkt[DNS_HDR_LEN] = 0x40;
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_FORMERR);
	/* +1 trailing byte: the question is kept for the FORMERR echo */
	len = fx_query(pkt, "example.com.", DNS_TYPE_A, NULL);
	pkt[len] = 0;
	assert_int_equal(dns_query_parse(pkt, len + 1, &q), DNS_QUERY_FORMERR);
	assert_true(q.has_question);
	/* ARCOUNT promises a record that is not there */
	dns_put16(pkt + 10, 1);
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_FORMERR);
	/* OPT with an option running past RDLENGTH */
	len = fx_query(pkt, "example.com.", DNS_TYPE_A, &o);
	dns_put16(pkt + len - 2, 4);
	memcpy(pkt + len, "\x00\x03\x00\x01", 4);
	assert_int_equal(dns_query_parse(pkt, len + 4, &q), DNS_QUERY_FORMERR);
	/* OPT owned by a name other than the root */
	len = fx_query(pkt, "example.com.", DNS_TYPE_A, &o);
	memmove(pkt + len - 9, pkt + len - 11, 11);
	memcpy(pkt + len - 11, "\x01x", 2);
	assert_int_equal(dns_query_parse(pkt, len + 2, &q), DNS_QUERY_FORMERR);
}

static void test_parse_two_opts(void **state)
{
	struct fx_query_opts o = { .edns = true };
	struct dns_query q;
	size_t len = fx_query(pkt, "example.com.", DNS_TYPE_A, &o);

	(void)state;
	memcpy(pkt + len, pkt + len - 11, 11);
	dns_put16(pkt + 10, 2);
	assert_int_equal(dns_query_parse(pkt, len + 11, &q), DNS_QUERY_FORMERR);
	/* OPT in the authority section */
	dns_put16(pkt + 8, 1);
	dns_put16(pkt + 10, 0);
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_FORMERR);
}

static void test_parse_other_sections(void **state)
{
	struct dns_query q;
	size_t len = fx_query(pkt, "example.com.", DNS_TYPE_A, NULL);

	(void)state;
	/* one answer RR compressed to the question: skipped, the query stands */
	memcpy(pkt + len, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x01", 16);
	dns_put16(pkt + 6, 1);
	assert_int_equal(dns_query_parse(pkt, len + 16, &q), DNS_QUERY_OK);
	assert_int_equal(q.ancount, 1);
	/* its RDLENGTH past the end */
	assert_int_equal(dns_query_parse(pkt, len + 15, &q), DNS_QUERY_FORMERR);
	/* a truncated pointer */
	assert_int_equal(dns_query_parse(pkt, len + 1, &q), DNS_QUERY_FORMERR);
}

static void test_skip_name(void **state)
{
	static const uint8_t msg[] = "\x03www\x07" "example\x03" "com\x00" "\xc0\x00" "\x80";
	size_t pos = 0;

	(void)state;
	assert_int_equal(dns_msg_skip_name(msg, sizeof(msg) - 1, &pos), 0);
	assert_int_equal(pos, 17);
	assert_int_equal(dns_msg_skip_name(msg, sizeof(msg) - 1, &pos), 0);
	assert_int_equal(pos, 19);
	assert_int_equal(dns_msg_skip_name(msg, sizeof(msg) - 1, &pos), -EBADMSG);
	pos = 0;
	assert_int_equal(dns_msg_skip_name(msg, 10, &pos), -EBADMSG);
}

static struct dns_query parse_query(const char *name, uint16_t type)
{
	struct dns_query q;
	size_t len = fx_query(pkt, name, type, NULL);

	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_OK);
	return q;
}

static uint8_t wire_buf[4][DNS_NAME_MAX];

static const uint8_t *wire(int slot, const char *text)
{
	assert_true(dns_name_from_text(wire_buf[slot], text, strlen(text), NULL) > 0);
	return wire_buf[slot];
}

static void test_compression(void **state)
{
	struct dns_query q = parse_query("www.example.com.", DNS_TYPE_MX);
	uint8_t buf[512];
	struct dns_resp r;
	struct fx_reply rep;
	int off, name_off = -1;
	uint16_t comp = 2;

	(void)state;
	assert_int_equal(dns_resp_init(&r, buf, sizeof(buf), &q, true), 0);
	assert_int_equal(r.len, DNS_HDR_LEN + 21);
	/* the whole question name: a bare pointer to 12 */
	off = dns_resp_put_name(&r, wire(0, "WWW.EXAMPLE.COM."));
	assert_int_equal(off, DNS_HDR_LEN);
	assert_memory_equal(buf + r.len - 2, "\xc0\x0c", 2);
	/* a suffix of it: pointer to 16 */
	assert_int_equal(dns_resp_put_name(&r, wire(1, "example.com.")), 16);
	assert_memory_equal(buf + r.len - 2, "\xc0\x10", 2);
	/* a new label on a known suffix: label + pointer, and its offset */
	off = r.len;
	assert_int_equal(dns_resp_put_name(&r, wire(2, "mail.example.com.")), off);
	assert_memory_equal(buf + off, "\x04mail\xc0\x10", 7);
	/* ...which is now itself a target */
	assert_int_equal(dns_resp_put_name(&r, wire(3, "mail.EXAMPLE.com.")), off);

	/* an RR whose owner is the hint and whose MX exchange is compressed */
	assert_int_equal(dns_resp_init(&r, buf, sizeof(buf), &q, true), 0);
	assert_int_equal(dns_resp_put_rr(&r, NULL, DNS_HDR_LEN, DNS_TYPE_MX, DNS_CLASS_IN, 60,
					 (const uint8_t *)"\x00\x0a\x04mail\x07" "example\x03"
					 "com", 20, &comp, 1, &name_off), 0);
	assert_int_equal(name_off, DNS_HDR_LEN + 21 + 12 + 2);
	assert_memory_equal(buf + DNS_HDR_LEN + 21, "\xc0\x0c\x00\x0f\x00\x01\x00\x00\x00\x3c"
			    "\x00\x09\x00\x0a\x04mail\xc0\x10", 21);
	assert_int_equal(dns_resp_finish(&r), DNS_HDR_LEN + 21 + 21);
	assert_int_equal(fx_parse(buf, r.len, &rep), 0);
	assert_int_equal(rep.an, 1);
	assert_string_equal(fx_msg_name(buf, r.len, rep.rr[0].rdata_off + 2),
			    "mail.example.com.");
}

static void test_rollback_on_limit(void **state)
{
	struct dns_query q = parse_query("example.com.", DNS_TYPE_A);
	uint8_t buf[64];
	struct dns_resp r;
	struct dns_resp_mark m;
	size_t before;
	int i, ret = 0;

	(void)state;
	/* 12 + 17 = 29; each A RR is 16: one fits in 48, the second does not */
	assert_int_equal(dns_resp_init(&r, buf, 48, &q, true), 0);
	m = dns_resp_mark(&r);
	for (i = 0; i < 3 && !ret; i++)
		ret = dns_resp_put_rr(&r, NULL, DNS_HDR_LEN, DNS_TYPE_A, DNS_CLASS_IN, 1,
				      (const uint8_t *)"\x01\x02\x03\x04", 4, NULL, 0, NULL);
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(i, 2);
	assert_int_equal(r.len, 45);
	assert_int_equal(r.count[DNS_SEC_ANSWER], 1);
	/* a name that does not fit leaves nothing, compression table included */
	before = r.len;
	i = r.ncomp;
	assert_int_equal(dns_resp_put_rr(&r, wire(0, "a-long-owner.example.org."), 0, DNS_TYPE_A,
					 DNS_CLASS_IN, 1, (const uint8_t *)"\x01\x02\x03\x04", 4,
					 NULL, 0, NULL), -ENOSPC);
	assert_int_equal(r.len, before);
	assert_int_equal(r.ncomp, i);
	dns_resp_rollback(&r, &m);
	assert_int_equal(r.len, DNS_HDR_LEN + 17);
	assert_int_equal(r.count[DNS_SEC_ANSWER], 0);
}

static void test_reserve_and_opt(void **state)
{
	struct dns_query q = parse_query("example.com.", DNS_TYPE_A);
	uint8_t buf[64];
	struct dns_resp r;
	struct fx_reply rep;

	(void)state;
	/* 29 + 16 + 11 = 56: with 11 reserved in 56, the RR fits exactly */
	assert_int_equal(dns_resp_init(&r, buf, 56, &q, true), 0);
	assert_int_equal(dns_resp_reserve(&r, DNS_OPT_FIXED_LEN), 0);
	assert_int_equal(dns_resp_put_rr(&r, NULL, DNS_HDR_LEN, DNS_TYPE_A, DNS_CLASS_IN, 1,
					 (const uint8_t *)"\x01\x02\x03\x04", 4, NULL, 0, NULL), 0);
	assert_int_equal(dns_resp_put_rr(&r, NULL, DNS_HDR_LEN, DNS_TYPE_A, DNS_CLASS_IN, 1,
					 (const uint8_t *)"\x01\x02\x03\x04", 4, NULL, 0, NULL),
			 -ENOSPC);
	dns_resp_set_rcode(&r, DNS_RCODE_BADVERS);
	assert_int_equal(dns_resp_put_opt(&r, 1232, DNS_EDNS_DO, NULL, 0), 0);
	assert_int_equal(dns_resp_finish(&r), 56);
	assert_memory_equal(buf + 45, "\x00\x00\x29\x04\xd0\x01\x00\x80\x00\x00\x00", 11);
	assert_int_equal(buf[3] & 0x0f, 0);	/* BADVERS' low bits: 0 */
	assert_int_equal(fx_parse(buf, 56, &rep), 0);
	assert_int_equal(rep.an, 1);
	assert_int_equal(rep.ar, 1);
	/* no room for the reservation itself */
	assert_int_equal(dns_resp_init(&r, buf, 35, &q, true), 0);
	assert_int_equal(dns_resp_reserve(&r, DNS_OPT_FIXED_LEN), -ENOSPC);
}

static void test_header_flags_copied(void **state)
{
	struct fx_query_opts o = { .id = 0x0102, .flags = DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD |
				   DNS_FLAG_TC | DNS_FLAG_Z | (DNS_OPCODE_NOTIFY << DNS_OPCODE_SHIFT) };
	struct dns_query q;
	uint8_t buf[512];
	struct dns_resp r;
	size_t len = fx_query(pkt, "example.com.", DNS_TYPE_SOA, &o);

	(void)state;
	assert_int_equal(dns_query_parse(pkt, len, &q), DNS_QUERY_OK);
	assert_int_equal(dns_resp_init(&r, buf, sizeof(buf), &q, false), 0);
	dns_resp_set_rcode(&r, DNS_RCODE_NOTIMP);
	assert_int_equal(dns_resp_finish(&r), DNS_HDR_LEN);
	/* QR, opcode, RD, CD, RCODE: yes; AD, TC, Z: no */
	assert_memory_equal(buf, "\x01\x02\xa1\x14\x00\x00\x00\x00\x00\x00\x00\x00", 12);
	assert_true(dns_resp_has_flag(&r, DNS_FLAG_QR));
	assert_false(dns_resp_has_flag(&r, DNS_FLAG_AA));
}

static void test_long_message_no_pointer_past_16k(void **state)
{
	static uint8_t buf[DNS_TCP_MAX];
	struct dns_query q = parse_query("example.com.", DNS_TYPE_TXT);
	uint8_t txt[256];
	struct dns_resp r;
	struct fx_reply rep;
	int i, off;

	(void)state;
	memset(txt, 'x', sizeof(txt));
	txt[0] = 255;
	assert_int_equal(dns_resp_init(&r, buf, sizeof(buf), &q, true), 0);
	for (i = 0; i < 70; i++)
		assert_int_equal(dns_resp_put_rr(&r, NULL, DNS_HDR_LEN, DNS_TYPE_TXT, DNS_CLASS_IN,
						 1, txt, 256, NULL, 0, NULL), 0);
	assert_true(r.len > 0x3fff);
	/* a name first written past 16383 cannot be a target, but still reads */
	off = dns_resp_put_name(&r, wire(0, "far.example.org."));
	assert_true(off > 0x3fff);
	assert_int_equal(dns_resp_put_rr(&r, wire(0, "far.example.org."), off, DNS_TYPE_A,
					 DNS_CLASS_IN, 1, (const uint8_t *)"\x01\x02\x03\x04", 4,
					 NULL, 0, NULL), 0);
	dns_resp_finish(&r);
	/* the name written at off is not a record: parse the RR after it */
	memmove(buf + off, buf + off + 17, r.len - off - 17);
	r.len -= 17;
	assert_int_equal(fx_parse(buf, r.len, &rep), 0);
	assert_string_equal(fx_name(rep.rr[70].owner), "far.example.org.");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_edns),
		cmocka_unit_test(test_parse_drop),
		cmocka_unit_test(test_parse_formerr),
		cmocka_unit_test(test_parse_two_opts),
		cmocka_unit_test(test_parse_other_sections),
		cmocka_unit_test(test_skip_name),
		cmocka_unit_test(test_compression),
		cmocka_unit_test(test_rollback_on_limit),
		cmocka_unit_test(test_reserve_and_opt),
		cmocka_unit_test(test_header_flags_copied),
		cmocka_unit_test(test_long_message_no_pointer_past_16k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
