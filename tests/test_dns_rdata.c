// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for dns_rdata.c, dns_svcb.c and dns_type.c: text <-> wire <-> text
 * for every type, RFC 3597 generic data, layout checks and message unpacking. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns_encoding.h"
#include "dns_name.h"
#include "dns_rdata.h"

static const uint8_t origin[] = "\7example\3com";

struct rt_case {
	uint16_t	type;
	const char	*in;
	const char	*out;	/* NULL: same as in */
	const char	*hex;	/* expected wire, NULL: not checked */
};

static const struct rt_case rt_cases[] = {
	{ DNS_TYPE_A, "192.0.2.1", NULL, "C0000201" },
	{ DNS_TYPE_AAAA, "2001:db8::1", NULL, "20010DB8000000000000000000000001" },
	{ DNS_TYPE_NS, "ns1", "ns1.example.com.", "036E7331076578616D706C6503636F6D00" },
	{ DNS_TYPE_CNAME, "@", "example.com.", NULL },
	{ DNS_TYPE_PTR, "host.example.net.", NULL, NULL },
	{ DNS_TYPE_SOA, "ns1 hostmaster 2024010101 1h 15M 1w2d 300",
	  "ns1.example.com. hostmaster.example.com. 2024010101 3600 900 777600 300", NULL },
	{ DNS_TYPE_MX, "10 mail", "10 mail.example.com.", NULL },
	{ DNS_TYPE_MX, "0 .", NULL, "000000" },
	{ DNS_TYPE_TXT, "\"hello world\" plain \"\"", "\"hello world\" \"plain\" \"\"",
	  "0B68656C6C6F20776F726C6405706C61696E00" },
	{ DNS_TYPE_TXT, "\"a\\\"b\\\\c\\010\\255\"", NULL, "076122625C630AFF" },
	{ DNS_TYPE_TXT, "a\\059b", "\"a;b\"", NULL },
	{ DNS_TYPE_SRV, "0 5 5060 sip.example.com.", NULL, NULL },
	{ DNS_TYPE_CAA, "0 issue \"letsencrypt.org\"", NULL, NULL },
	{ DNS_TYPE_CAA, "128 tbs Unknown", "128 tbs \"Unknown\"", "8003746273556E6B6E6F776E" },
	{ DNS_TYPE_CAA, "0 issue \"\"", NULL, "00056973737565" },
	{ DNS_TYPE_CERT, "PGP 0 0 AAAA", NULL, "0003000000000000" },
	{ DNS_TYPE_CERT, "1 2 RSASHA256 AQID", "PKIX 2 8 AQID", NULL },
	{ DNS_TYPE_CERT, "65000 2 3 AQID", NULL, NULL },
	{ DNS_TYPE_NAPTR, "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .", NULL,
	  NULL },
	{ DNS_TYPE_SSHFP, "2 1 123456789abcdef67890123456789abcdef67890",
	  "2 1 123456789ABCDEF67890123456789ABCDEF67890", NULL },
	{ DNS_TYPE_TLSA, "3 1 1 0d6fce3309 00aa", "3 1 1 0D6FCE330900AA", NULL },
	{ DNS_TYPE_DS, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118", NULL, NULL },
	{ DNS_TYPE_CDS, "0 0 0 00", NULL, "0000000000" },
	{ DNS_TYPE_DNSKEY, "257 3 ECDSAP256SHA256 AwEA Ac3D", "257 3 13 AwEAAc3D", NULL },
	{ DNS_TYPE_DNSKEY, "256 3 8 AwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
			   " ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSA==",
	  "256 3 8 AwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g"
	  "ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSA==", NULL },
	{ DNS_TYPE_CDNSKEY, "0 3 0 AA==", NULL, "0000030000" },
	{ DNS_TYPE_RRSIG, "A 8 3 86400 20240101000000 20231201000000 12345 example.com. AQID",
	  NULL, NULL },
	{ DNS_TYPE_RRSIG, "TYPE1234 13 2 300 1704067200 1701388800 1 @ AQID",
	  "TYPE1234 13 2 300 20240101000000 20231201000000 1 example.com. AQID", NULL },
	{ DNS_TYPE_RRSIG, "NSEC 13 2 300 21060207062815 19700101000000 1 . AQID", NULL,
	  "002F0D020000012CFFFFFFFF000000000001" "00" "010203" },
	{ DNS_TYPE_NSEC, "host.example.com. A MX RRSIG NSEC TYPE1234", NULL,
	  "04686F7374076578616D706C6503636F6D00" "0006400100000003"
	  "041B" "0000000000000000000000000000000000000000000000000000" "20" },
	{ DNS_TYPE_NSEC, "next.", NULL, "046E65787400" },
	{ DNS_TYPE_NSEC3, "1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG",
	  "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG", NULL },
	{ DNS_TYPE_NSEC3, "1 0 0 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", NULL, NULL },
	{ DNS_TYPE_NSEC3PARAM, "1 0 0 -", NULL, "0100000000" },
	{ DNS_TYPE_NSEC3PARAM, "1 0 10 aBcD", "1 0 10 ABCD", "0100000A02ABCD" },
	{ DNS_TYPE_DNAME, "target.example.net.", NULL, NULL },
	{ DNS_TYPE_HINFO, "PC Linux", "\"PC\" \"Linux\"", NULL },
	{ 99, "\"v=spf1 -all\"", NULL, NULL },
	{ 1234, "\\# 3 010203", NULL, "010203" },
	{ 1234, "\\# 0", NULL, "" },
	{ DNS_TYPE_A, "\\# 4 C0 00 02 01", "192.0.2.1", "C0000201" },
	{ DNS_TYPE_MX, "\\# 3 000A00", "10 .", "000A00" },
	/* RFC 9460 Appendix D vectors. */
	{ DNS_TYPE_SVCB, "0 foo.example.com.", NULL,
	  "0000" "03666F6F076578616D706C6503636F6D00" },
	{ DNS_TYPE_SVCB, "1 .", NULL, "000100" },
	{ DNS_TYPE_SVCB, "16 foo.example.com. port=53", NULL,
	  "0010" "03666F6F076578616D706C6503636F6D00" "000300020035" },
	{ DNS_TYPE_SVCB, "1 foo.example.com. key667=hello", "1 foo.example.com. key667=\"hello\"",
	  "0001" "03666F6F076578616D706C6503636F6D00" "029B000568656C6C6F" },
	{ DNS_TYPE_SVCB, "1 foo.example.com. key667=\"hello\\210qoo\"", NULL,
	  "0001" "03666F6F076578616D706C6503636F6D00" "029B000968656C6C6FD2716F6F" },
	{ DNS_TYPE_SVCB, "1 foo.example.com. ipv6hint=\"2001:db8::1,2001:db8::53:1\"",
	  "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1",
	  "0001" "03666F6F076578616D706C6503636F6D00" "00060020"
	  "20010DB8000000000000000000000001" "20010DB8000000000000000000530001" },
	{ DNS_TYPE_SVCB, "16 foo.example.org. alpn=h2,h3-19 mandatory=ipv4hint,alpn "
			 "ipv4hint=192.0.2.1",
	  "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1",
	  "0010" "03666F6F076578616D706C65036F726700" "00000004" "00010004"
	  "000100090268320568332D3139" "00040004C0000201" },
	{ DNS_TYPE_SVCB, "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", NULL,
	  "0010" "03666F6F076578616D706C65036F726700" "0001000C" "08665C6F6F2C626172"
	  "026832" },
	{ DNS_TYPE_SVCB, "16 foo.example.org. alpn=f\\\\\\092oo\\092,bar,h2",
	  "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"", NULL },
	{ DNS_TYPE_HTTPS, "1 . alpn=h2 no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2 "
			  "ech=AAAA ipv6hint=2001:db8::1 key9=\"\" key10",
	  "1 . alpn=\"h2\" no-default-alpn port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AAAA "
	  "ipv6hint=2001:db8::1 key9 key10", NULL },
};

static int hex_to_bin(const char *hex, uint8_t *out)
{
	return dns_encoding_hex_decode(out, 65535, hex, strlen(hex));
}

static void test_round_trips(void **state)
{
	static uint8_t wire[65535], wire2[65535], msg[70000], un[70000];
	static char text[200000], err[256];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(rt_cases) / sizeof(rt_cases[0]); i++) {
		const struct rt_case *c = &rt_cases[i];
		const char *want = c->out ? c->out : c->in;
		int n, n2, t;

		err[0] = '\0';
		n = dns_rdata_from_text(c->type, c->in, origin, wire, sizeof(wire), err, sizeof(err));
		if (n < 0)
			fail_msg("case %zu '%s': %d %s", i, c->in, n, err);
		if (c->hex) {
			uint8_t exp[1024];
			int en = hex_to_bin(c->hex, exp);

			assert_true(en >= 0);
			assert_int_equal(n, en);
			assert_memory_equal(wire, exp, n);
		}
		t = dns_rdata_to_text(c->type, wire, n, text, sizeof(text));
		assert_true(t >= 0);
		if (strcmp(text, want))
			fail_msg("case %zu: got '%s' want '%s'", i, text, want);
		/* Printing again from the parsed output gives the same bytes. */
		n2 = dns_rdata_from_text(c->type, text, NULL, wire2, sizeof(wire2), err, sizeof(err));
		if (n2 != n)
			fail_msg("case %zu reparse '%s': %d %s", i, text, n2, err);
		assert_memory_equal(wire, wire2, n);
		/* Unpacking it from a message changes nothing either. */
		memset(msg, 0xee, 12);
		memcpy(msg + 12, wire, n);
		assert_int_equal(dns_rdata_unpack(c->type, msg, 12 + n, 12, n, un, sizeof(un)), n);
		assert_memory_equal(un, wire, n);
		/* The generic form of the same bytes is accepted. */
		t = dns_rdata_to_text(1234, wire, n, text, sizeof(text));
		assert_true(t > 0);
		assert_int_equal(dns_rdata_from_text(c->type, text, NULL, wire2, sizeof(wire2),
						     err, sizeof(err)), n);
		assert_memory_equal(wire, wire2, n);
	}
}

struct err_case {
	uint16_t	type;
	const char	*in;
	const char	*err;
};

static const struct err_case err_cases[] = {
	{ DNS_TYPE_A, "256.0.0.1", "bad IPv4 address '256.0.0.1'" },
	{ DNS_TYPE_A, "1.2.3.4 5", "trailing data '5'" },
	{ DNS_TYPE_A, "", "missing IPv4 address" },
	{ DNS_TYPE_AAAA, "1.2.3.4", "bad IPv6 address '1.2.3.4'" },
	{ DNS_TYPE_MX, "70000 mail.", "bad number '70000' (0..65535)" },
	{ DNS_TYPE_MX, "-1 mail.", "bad number '-1' (0..65535)" },
	{ DNS_TYPE_MX, "10", "missing name" },
	{ DNS_TYPE_NS, "a..b.", "bad name 'a..b.'" },
	{ DNS_TYPE_TXT, "", "missing string" },
	{ DNS_TYPE_TXT, "\"abc", "unterminated quoted string" },
	{ DNS_TYPE_TXT, "\"a\\2\"", "bad escape in 'a\\2'" },
	{ DNS_TYPE_A, "\\# 4 C00002", "generic rdata has 3 bytes, length says 4" },
	{ DNS_TYPE_A, "\\# 3 C00002", "generic rdata is not valid A" },
	{ DNS_TYPE_A, "\\# 2 C0000", "bad hex in generic rdata" },
	{ DNS_TYPE_A, "\\# x", "bad generic rdata length 'x'" },
	{ DNS_TYPE_A, "\\# 70000", "bad generic rdata length '70000'" },
	{ 1234, "abc", "type TYPE1234 needs generic rdata (\\# length hex)" },
	{ DNS_TYPE_DS, "1 2 3 XYZ", "bad hex data 'XYZ'" },
	{ DNS_TYPE_DS, "1 2 3", "missing hex data" },
	{ DNS_TYPE_DNSKEY, "256 3 8 AB=C", "bad base64 data 'AB=C'" },
	{ DNS_TYPE_DNSKEY, "256 3 FOO AAAA", "bad algorithm 'FOO'" },
	{ DNS_TYPE_CERT, "FOO 0 0 AAAA", "bad certificate type 'FOO'" },
	{ DNS_TYPE_RRSIG, "A 8 3 86400 20241301000000 20231201000000 1 . AQID",
	  "bad time '20241301000000'" },
	{ DNS_TYPE_RRSIG, "A 8 3 86400 20230229000000 20231201000000 1 . AQID",
	  "bad time '20230229000000'" },
	{ DNS_TYPE_RRSIG, "A 8 3 86400 21060207062816 20231201000000 1 . AQID",
	  "bad time '21060207062816'" },
	{ DNS_TYPE_RRSIG, "BOGUS 8 3 86400 1 2 1 . AQID", "unknown type 'BOGUS'" },
	{ DNS_TYPE_NSEC3, "1 0 1 ABC 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR", "bad salt 'ABC'" },
	{ DNS_TYPE_NSEC3, "1 0 1 - 2T7B4G4VSA5SMI47K61MV5BV1A22BOJW",
	  "bad hashed owner name '2T7B4G4VSA5SMI47K61MV5BV1A22BOJW'" },
	{ DNS_TYPE_NSEC, "next. A FOO", "unknown type 'FOO' in type bitmap" },
	{ DNS_TYPE_CAA, "0 is-sue \"x\"", "bad CAA tag 'is-sue'" },
	{ DNS_TYPE_CAA, "0 issue", "missing CAA value" },
	{ DNS_TYPE_SOA, "a. b. 1 2 3 4", "missing period" },
	{ DNS_TYPE_SOA, "a. b. 1 2 3 4 1x", "bad period '1x'" },
	{ DNS_TYPE_SRV, "1 2 3", "missing name" },
	{ DNS_TYPE_SVCB, "1 . alpn", "empty value list" },
	{ DNS_TYPE_SVCB, "1 . alpn=h2,,h3", "empty alpn id" },
	{ DNS_TYPE_SVCB, "1 . mandatory=key123", "mandatory key123 is missing" },
	{ DNS_TYPE_SVCB, "1 . port=1234 port=1234", "duplicate SvcParam port" },
	{ DNS_TYPE_SVCB, "1 . no-default-alpn=abc", "no-default-alpn takes no value" },
	{ DNS_TYPE_SVCB, "1 . mandatory=mandatory", "mandatory lists itself" },
	{ DNS_TYPE_SVCB, "1 . mandatory=port,port port=1", "duplicate key in mandatory" },
	{ DNS_TYPE_SVCB, "1 . key65535", "key65535 is reserved" },
	{ DNS_TYPE_SVCB, "1 . key01=x", "bad SvcParam key 'key01'" },
	{ DNS_TYPE_SVCB, "1 . foo=x", "bad SvcParam key 'foo'" },
	{ DNS_TYPE_SVCB, "1 . port=99999", "bad port '99999'" },
	{ DNS_TYPE_SVCB, "1 . ipv4hint=1.2.3", "bad IPv4 address '1.2.3'" },
	{ DNS_TYPE_SVCB, "1 . ipv6hint=::1,x", "bad IPv6 address 'x'" },
	{ DNS_TYPE_SVCB, "1 . ech=!!!!", "bad base64 in ech" },
	{ DNS_TYPE_SVCB, "1 . \"alpn\"", "unexpected quoted string \"alpn\"" },
	{ DNS_TYPE_SVCB, "1", "missing name" },
};

static void test_errors(void **state)
{
	uint8_t wire[1024];
	char err[256];
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		int n;

		err[0] = '\0';
		n = dns_rdata_from_text(c->type, c->in, NULL, wire, sizeof(wire), err, sizeof(err));
		if (n >= 0)
			fail_msg("case %zu '%s' parsed", i, c->in);
		if (strcmp(err, c->err))
			fail_msg("case %zu '%s': got '%s' want '%s'", i, c->in, err, c->err);
	}
}

static void test_relative_without_origin(void **state)
{
	uint8_t wire[64];
	char err[128];
	(void)state;

	assert_int_equal(dns_rdata_from_text(DNS_TYPE_NS, "ns1", NULL, wire, sizeof(wire), err,
					     sizeof(err)), -EINVAL);
	assert_string_equal(err, "relative name 'ns1' with no origin");
	assert_int_equal(dns_rdata_from_text(DNS_TYPE_NS, "ns1.", NULL, wire, sizeof(wire), err,
					     sizeof(err)), 5);
}

static void test_string_limits(void **state)
{
	static char text[2000];
	uint8_t wire[2000];
	char err[128];
	int n;
	(void)state;

	/* 255 bytes fit one character-string; 256 do not. */
	text[0] = '"';
	memset(text + 1, 'x', 255);
	strcpy(text + 256, "\"");
	n = dns_rdata_from_text(DNS_TYPE_TXT, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, 256);
	memset(text + 1, 'x', 256);
	strcpy(text + 257, "\"");
	n = dns_rdata_from_text(DNS_TYPE_TXT, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, -EINVAL);
	assert_string_equal(err, "string longer than 255 bytes");
	/* Escapes count as the byte they stand for. */
	text[0] = '"';
	for (n = 0; n < 255; n++)
		memcpy(text + 1 + 4 * n, "\\255", 4);
	strcpy(text + 1 + 4 * 255, "\"");
	n = dns_rdata_from_text(DNS_TYPE_TXT, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, 256);
	/* A CAA value may exceed 255 bytes (it is the rest of the RDATA). */
	strcpy(text, "0 issue ");
	memset(text + 8, 'v', 300);
	text[308] = '\0';
	n = dns_rdata_from_text(DNS_TYPE_CAA, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, 2 + 5 + 300);
	/* An alpn id is one length-prefixed string: 255 bytes at most. */
	strcpy(text, "1 . alpn=");
	memset(text + 9, 'h', 255);
	text[9 + 255] = '\0';
	n = dns_rdata_from_text(DNS_TYPE_SVCB, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, 3 + 4 + 256);
	strcat(text, "h");
	n = dns_rdata_from_text(DNS_TYPE_SVCB, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, -EINVAL);
	assert_string_equal(err, "value list item longer than 255 bytes");
	/* A CAA value may exceed 255 bytes (it is the rest of the RDATA). */
	strcpy(text, "0 issue ");
	memset(text + 8, 'v', 300);
	text[308] = '\0';
	n = dns_rdata_from_text(DNS_TYPE_CAA, text, NULL, wire, sizeof(wire), err, sizeof(err));
	/* Output that does not fit the buffer. */
	assert_int_equal(dns_rdata_from_text(DNS_TYPE_CAA, text, NULL, wire, 100, err,
					     sizeof(err)), -ENOSPC);
	assert_string_equal(err, "rdata too long");
	assert_int_equal(dns_rdata_to_text(DNS_TYPE_CAA, wire, 307, text, 50), -ENOSPC);
}

static void test_big_rdata(void **state)
{
	static char text[300000];
	static uint8_t wire[70000];
	char err[128];
	size_t w = 0;
	int i, n;
	(void)state;

	/* 257 strings of 254 bytes: 65535 bytes of RDATA exactly. */
	for (i = 0; i < 257; i++) {
		text[w++] = '"';
		memset(text + w, 'a' + i % 26, 254);
		w += 254;
		text[w++] = '"';
		text[w++] = ' ';
	}
	text[w] = '\0';
	n = dns_rdata_from_text(DNS_TYPE_TXT, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, 65535);
	strcat(text, "x");
	n = dns_rdata_from_text(DNS_TYPE_TXT, text, NULL, wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(n, -ENOSPC);
	assert_string_equal(err, "rdata too long");
}

static void test_full_bitmap(void **state)
{
	static uint8_t wire[65535], back[65535];
	char *text = malloc(DNS_RDATA_TEXT_MAX);
	size_t w = 0;
	int win, n;
	(void)state;

	/* NSEC "." with every type 0..65535: the widest presentation there is. */
	assert_non_null(text);
	wire[w++] = 0;
	for (win = 0; win < 256; win++) {
		wire[w++] = win;
		wire[w++] = 32;
		memset(wire + w, 0xff, 32);
		w += 32;
	}
	n = dns_rdata_to_text(DNS_TYPE_NSEC, wire, w, text, 4 * 65535);
	assert_int_equal(n, -ENOSPC);
	n = dns_rdata_to_text(DNS_TYPE_NSEC, wire, w, text, DNS_RDATA_TEXT_MAX);
	assert_true(n > 0 && n < DNS_RDATA_TEXT_MAX);
	assert_int_equal(strncmp(text, ". TYPE0 A NS MD", 15), 0);
	assert_int_equal(dns_rdata_from_text(DNS_TYPE_NSEC, text, NULL, back, sizeof(back), NULL,
					     0), w);
	assert_memory_equal(back, wire, w);
	free(text);
}

static void test_types(void **state)
{
	char buf[16];
	(void)state;

	assert_int_equal(dns_type_from_text("a", 1), DNS_TYPE_A);
	assert_int_equal(dns_type_from_text("aaaa", 4), DNS_TYPE_AAAA);
	assert_int_equal(dns_type_from_text("NSEC3PARAM", 10), DNS_TYPE_NSEC3PARAM);
	assert_int_equal(dns_type_from_text("https", 5), DNS_TYPE_HTTPS);
	assert_int_equal(dns_type_from_text("TYPE65534", 9), 65534);
	assert_int_equal(dns_type_from_text("type1", 5), 1);
	assert_int_equal(dns_type_from_text("TYPE65536", 9), -EINVAL);
	assert_int_equal(dns_type_from_text("TYPE", 4), -EINVAL);
	assert_int_equal(dns_type_from_text("TYPE1x", 6), -EINVAL);
	assert_int_equal(dns_type_from_text("TYPE123456", 10), -EINVAL);
	assert_int_equal(dns_type_from_text("FOO", 3), -EINVAL);
	assert_int_equal(dns_type_from_text("AX", 1), DNS_TYPE_A);	/* length is honoured */
	assert_string_equal(dns_type_to_text(DNS_TYPE_CAA, buf), "CAA");
	assert_string_equal(dns_type_to_text(65534, buf), "TYPE65534");
	assert_string_equal(dns_type_to_text(0, buf), "TYPE0");
	assert_int_equal(dns_class_from_text("in", 2), DNS_CLASS_IN);
	assert_int_equal(dns_class_from_text("CH", 2), DNS_CLASS_CH);
	assert_int_equal(dns_class_from_text("CLASS3", 6), 3);
	assert_int_equal(dns_class_from_text("CLASS70000", 10), -EINVAL);
	assert_int_equal(dns_class_from_text("A", 1), -EINVAL);
	assert_string_equal(dns_class_to_text(1, buf), "IN");
	assert_string_equal(dns_class_to_text(1234, buf), "CLASS1234");
}

/* RDATA bytes as they would sit in a message after a 13-byte "example.com". */
static int unpack_hex(uint16_t type, const char *hex, uint8_t *out)
{
	uint8_t msg[1024];
	int n;

	memcpy(msg, "\7example\3com", 13);
	n = hex_to_bin(hex, msg + 13);
	if (n < 0)
		fail_msg("bad test hex %s", hex);
	return dns_rdata_unpack(type, msg, 13 + n, 13, n, out, 1024);
}

static void test_unpack(void **state)
{
	uint8_t out[1024];
	(void)state;

	/* MX with its exchange compressed against the owner. */
	assert_int_equal(unpack_hex(DNS_TYPE_MX, "000A046D61696CC000", out), 2 + 5 + 13);
	assert_memory_equal(out, "\0\12\4mail\7example\3com", 20);
	/* SOA: both names compressed. */
	assert_int_equal(unpack_hex(DNS_TYPE_SOA, "036E7331C000C000"
				    "0000000100000002000000030000000400000005", out),
			 17 + 13 + 20);
	/* SRV targets are decompressed for old senders (RFC 3597 §4). */
	assert_int_equal(unpack_hex(DNS_TYPE_SRV, "000100020003C000", out), 6 + 13);
	/* Names that must never be compressed. */
	assert_int_equal(unpack_hex(DNS_TYPE_RRSIG, "0001080200000E1000000002000000010001"
				    "C000AA", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_RRSIG, "0001080200000E1000000002000000010001"
				    "00AA", out), 20);
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC, "C000000140", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "0001C000", out), -EBADMSG);
	/* Fixed sizes. */
	assert_int_equal(unpack_hex(DNS_TYPE_A, "C00002", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_A, "C000020101", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_AAAA, "20010DB800000000000000000000", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SOA, "00000000000001000000020000000300000004", out),
			 -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SOA, "0000000000010000000200000003000000040000000500",
				    out), -EBADMSG);
	/* A pointer forward inside the RDATA, and one past its end. */
	assert_int_equal(unpack_hex(DNS_TYPE_NS, "C00F00", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_MX, "000A0161", out), -EBADMSG);
	/* Strings. */
	assert_int_equal(unpack_hex(DNS_TYPE_TXT, "05616263", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_TXT, "", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_TXT, "0000", out), 2);
	assert_int_equal(unpack_hex(DNS_TYPE_HINFO, "0141", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_HINFO, "014101420143", out), -EBADMSG);
	/* Type bitmaps: windows ascend, blocks 1..32 without trailing zeros. */
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC, "00000140", out), 4);
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC, "0001014000000140", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC, "000000", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC, "0000024000", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC, "000021" "40"
				    "00000000000000000000000000000000000000000000000000000000000000"
				    "01", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC, "000001", out), -EBADMSG);
	/* NSEC3 hash must not be empty. */
	assert_int_equal(unpack_hex(DNS_TYPE_NSEC3, "0100000A0000", out), -EBADMSG);
	/* SvcParams: ascending keys, valid values, mandatory keys present. */
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "000300020035" "00010003026832",
				    out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "0003000135", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "000000020003", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "00010000", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "00010003036833", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "000400050102030405", out),
			 -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "FFFF0000", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "00020001FF", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "000300", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_SVCB, "000100" "000000020003000300020035", out),
			 3 + 6 + 6);
	/* CAA tags are alphanumeric and not empty. */
	assert_int_equal(unpack_hex(DNS_TYPE_CAA, "00022D2D78", out), -EBADMSG);
	assert_int_equal(unpack_hex(DNS_TYPE_CAA, "000078", out), -EBADMSG);
	/* Unknown types are copied as they are, even with pointer-like bytes. */
	assert_int_equal(unpack_hex(1234, "C000FF", out), 3);
	assert_memory_equal(out, "\300\000\377", 3);
	assert_int_equal(unpack_hex(1234, "", out), 0);
}

static void test_unpack_bounds(void **state)
{
	static const uint8_t msg[] = "\7example\3com\0\0\12\4mail\300\0";
	uint8_t out[1024];
	size_t len;
	(void)state;

	/* rdlen beyond the message, pos beyond the message. */
	assert_int_equal(dns_rdata_unpack(DNS_TYPE_MX, msg, 22, 13, 10, out, sizeof(out)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_unpack(DNS_TYPE_MX, msg, 22, 23, 0, out, sizeof(out)),
			 -EBADMSG);
	assert_int_equal(dns_rdata_unpack(DNS_TYPE_MX, msg, 22, 13, 9, out, sizeof(out)), 20);
	/* Output too small. */
	assert_int_equal(dns_rdata_unpack(DNS_TYPE_MX, msg, 22, 13, 9, out, 10), -ENOSPC);
	/* Every shorter RDATA of a valid MX is refused, never read past. */
	for (len = 0; len < 9; len++)
		assert_int_equal(dns_rdata_unpack(DNS_TYPE_MX, msg, 13 + len, 13, len, out,
						  sizeof(out)), -EBADMSG);
}

static void test_compression_targets(void **state)
{
	uint8_t wire[512];
	uint16_t offs[4];
	char err[128];
	int n;
	(void)state;

	n = dns_rdata_from_text(DNS_TYPE_SOA, "ns1.example.com. h.example.com. 1 2 3 4 5", NULL,
				wire, sizeof(wire), err, sizeof(err));
	assert_int_equal(dns_rdata_compressible_names(DNS_TYPE_SOA, wire, n, offs, 4), 2);
	assert_int_equal(offs[0], 0);
	assert_int_equal(offs[1], 17);
	assert_int_equal(dns_rdata_compressible_names(DNS_TYPE_SOA, wire, n, offs, 1), 1);
	n = dns_rdata_from_text(DNS_TYPE_MX, "10 mx.example.com.", NULL, wire, sizeof(wire), err,
				sizeof(err));
	assert_int_equal(dns_rdata_compressible_names(DNS_TYPE_MX, wire, n, offs, 4), 1);
	assert_int_equal(offs[0], 2);
	assert_ptr_equal(dns_rdata_additional_target(DNS_TYPE_MX, wire, n), wire + 2);
	assert_null(dns_rdata_additional_target(DNS_TYPE_MX, wire, 2));
	assert_null(dns_rdata_additional_target(DNS_TYPE_MX, wire, 5));
	n = dns_rdata_from_text(DNS_TYPE_SRV, "1 2 3 sip.example.com.", NULL, wire, sizeof(wire),
				err, sizeof(err));
	assert_int_equal(dns_rdata_compressible_names(DNS_TYPE_SRV, wire, n, offs, 4), 0);
	assert_ptr_equal(dns_rdata_additional_target(DNS_TYPE_SRV, wire, n), wire + 6);
	n = dns_rdata_from_text(DNS_TYPE_NS, "ns.example.com.", NULL, wire, sizeof(wire), err,
				sizeof(err));
	assert_int_equal(dns_rdata_compressible_names(DNS_TYPE_NS, wire, n, offs, 4), 1);
	assert_ptr_equal(dns_rdata_additional_target(DNS_TYPE_NS, wire, n), wire);
	assert_null(dns_rdata_additional_target(DNS_TYPE_CNAME, wire, n));
	n = dns_rdata_from_text(DNS_TYPE_RRSIG, "A 8 3 86400 1 2 1 example.com. AQID", NULL, wire,
				sizeof(wire), err, sizeof(err));
	assert_int_equal(dns_rdata_compressible_names(DNS_TYPE_RRSIG, wire, n, offs, 4), 0);
	/* A malformed SOA yields only the names that are whole. */
	assert_int_equal(dns_rdata_compressible_names(DNS_TYPE_SOA,
						      (const uint8_t *)"\2ns\0\5", 5, offs, 4), 1);
}

static void test_canonical(void **state)
{
	(void)state;
	assert_true(dns_rdata_cmp_canonical((const uint8_t *)"\1\2", 2,
					    (const uint8_t *)"\1\3", 2) < 0);
	assert_true(dns_rdata_cmp_canonical((const uint8_t *)"\1\2", 2,
					    (const uint8_t *)"\1\2\0", 3) < 0);
	assert_true(dns_rdata_cmp_canonical((const uint8_t *)"\2", 1,
					    (const uint8_t *)"\1\377", 2) > 0);
	assert_int_equal(dns_rdata_cmp_canonical((const uint8_t *)"ab", 2,
						 (const uint8_t *)"ab", 2), 0);
}

static void test_generic_fallback(void **state)
{
	char text[256];
	(void)state;

	/* Bytes that do not fit the type's layout print in the RFC 3597 form. */
	assert_int_equal(dns_rdata_to_text(DNS_TYPE_A, (const uint8_t *)"\1\2\3", 3, text,
					   sizeof(text)), 11);
	assert_string_equal(text, "\\# 3 010203");
	assert_int_equal(dns_rdata_to_text(DNS_TYPE_A, NULL, 0, text, sizeof(text)), 4);
	assert_string_equal(text, "\\# 0");
	assert_int_equal(dns_rdata_to_text(DNS_TYPE_OPT, (const uint8_t *)"\0\12\0\0", 4, text,
					   sizeof(text)), 13);
	assert_string_equal(text, "\\# 4 000A0000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_relative_without_origin),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_big_rdata),
		cmocka_unit_test(test_full_bitmap),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_unpack),
		cmocka_unit_test(test_unpack_bounds),
		cmocka_unit_test(test_compression_targets),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_generic_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
