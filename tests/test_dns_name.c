// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for dns_name.c: text <-> wire, limits, ordering and hostile
 * compression in dns_name_unpack. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns_name.h"

static const uint8_t origin[] = "\7example\3com";	/* the literal adds the root byte */

static int from(uint8_t *out, const char *s, const uint8_t *org)
{
	return dns_name_from_text(out, s, strlen(s), org);
}

static void assert_text(const char *in, const uint8_t *org, const char *want)
{
	uint8_t w[DNS_NAME_MAX];
	char t[DNS_NAME_TEXT_MAX];
	int n;

	n = from(w, in, org);
	assert_true(n > 0);
	assert_int_equal(dns_name_len(w, n), n);
	assert_int_equal(dns_name_to_text(t, sizeof(t), w), strlen(want));
	assert_string_equal(t, want);
}

static void test_from_text_basic(void **state)
{
	uint8_t w[DNS_NAME_MAX];
	(void)state;

	assert_int_equal(from(w, "www.example.com.", NULL), 17);
	assert_memory_equal(w, "\3www\7example\3com", 17);
	assert_int_equal(from(w, ".", NULL), 1);
	assert_int_equal(w[0], 0);
	assert_int_equal(from(w, "@", origin), 13);
	assert_memory_equal(w, origin, 13);
	assert_int_equal(from(w, "www", origin), 17);
	assert_memory_equal(w, "\3www\7example\3com", 17);
	assert_int_equal(from(w, "a.b", origin), 17);
	assert_memory_equal(w, "\1a\1b\7example\3com", 17);
	/* A relative name needs an origin. */
	assert_int_equal(from(w, "www", NULL), -EINVAL);
	assert_int_equal(from(w, "@", NULL), -EINVAL);
	/* Empty labels and empty text. */
	assert_int_equal(from(w, "", origin), -EINVAL);
	assert_int_equal(from(w, "a..b.", NULL), -EINVAL);
	assert_int_equal(from(w, ".a.", NULL), -EINVAL);
	assert_int_equal(from(w, "..", NULL), -EINVAL);
	/* "@" only means the origin as a whole token. */
	assert_int_equal(from(w, "a@b.", NULL), 5);
	assert_memory_equal(w, "\3a@b", 5);
}

static void test_escapes(void **state)
{
	uint8_t w[DNS_NAME_MAX];
	(void)state;

	assert_int_equal(from(w, "a\\.b.c.", NULL), 7);
	assert_memory_equal(w, "\3a.b\1c", 7);
	assert_int_equal(from(w, "\\065\\000\\255.", NULL), 5);
	assert_memory_equal(w, "\3A\0\377", 5);
	assert_int_equal(from(w, "\\\\.", NULL), 3);
	assert_memory_equal(w, "\1\\", 3);
	assert_int_equal(from(w, "\\@\\$\\;\\(\\)\\\".", NULL), 8);
	assert_memory_equal(w, "\6@$;()\"", 8);
	/* Bad escapes: out of range, too few digits, dangling backslash. */
	assert_int_equal(from(w, "\\256.", NULL), -EINVAL);
	assert_int_equal(from(w, "\\25.", NULL), -EINVAL);
	assert_int_equal(from(w, "\\2", NULL), -EINVAL);
	assert_int_equal(from(w, "a\\", NULL), -EINVAL);
	/* Every byte survives text -> wire -> text -> wire. */
	for (int c = 0; c < 256; c++) {
		uint8_t name[4] = { 1, (uint8_t)c, 0 }, back[DNS_NAME_MAX];
		char t[DNS_NAME_TEXT_MAX];
		int n = dns_name_to_text(t, sizeof(t), name);

		assert_true(n > 0);
		assert_int_equal(from(back, t, NULL), 3);
		assert_memory_equal(back, name, 3);
	}
	assert_text("a\\.b.", NULL, "a\\.b.");
	assert_text("\\032x.", NULL, "\\032x.");
	assert_text("\\127\\128.", NULL, "\\127\\128.");
	assert_text("\\a\\b.", NULL, "ab.");
	assert_text("\\@.", NULL, "\\@.");
	assert_text("A\\;B.", NULL, "A\\;B.");
}

static void test_limits(void **state)
{
	uint8_t w[DNS_NAME_MAX];
	char buf[600];
	int n;
	(void)state;

	/* 63-byte label ok, 64 not. */
	memset(buf, 'a', 63);
	strcpy(buf + 63, ".");
	assert_int_equal(from(w, buf, NULL), 65);
	memset(buf, 'a', 64);
	strcpy(buf + 64, ".");
	assert_int_equal(from(w, buf, NULL), -EMSGSIZE);
	/* Escaped bytes count once. */
	buf[0] = '\0';
	for (n = 0; n < 64; n++)
		strcat(buf, "\\097");
	assert_int_equal(from(w, buf, origin), -EMSGSIZE);
	/* 4 labels of 63 and the root: 4*64 + 1 = 257 > 255. */
	buf[0] = '\0';
	for (n = 0; n < 4; n++) {
		memset(buf + strlen(buf), 'b', 63);
		buf[64 * n + 63] = '.';
		buf[64 * n + 64] = '\0';
	}
	assert_int_equal(from(w, buf, NULL), -ENAMETOOLONG);
	/* Exactly 255: 3*64 + a 61-byte label (62) + the root. */
	for (n = 0; n < 3; n++) {
		memset(buf + 64 * n, 'c', 63);
		buf[64 * n + 63] = '.';
	}
	memset(buf + 3 * 64, 'd', 61);
	strcpy(buf + 3 * 64 + 61, ".");
	assert_int_equal(from(w, buf, NULL), 255);
	char t[DNS_NAME_TEXT_MAX];
	assert_int_equal(dns_name_to_text(t, sizeof(t), w), strlen(buf));
	assert_string_equal(t, buf);
	/* The same name relative to a non-root origin overflows. */
	buf[strlen(buf) - 1] = '\0';
	assert_int_equal(from(w, buf, origin), -ENAMETOOLONG);
	/* The longest escaped text fits DNS_NAME_TEXT_MAX. */
	memset(w, 0, sizeof(w));
	for (n = 0; n < 4; n++) {
		w[n * 64] = n < 3 ? 63 : 61;
		memset(w + n * 64 + 1, ' ', w[n * 64]);
	}
	w[254] = 0;
	n = dns_name_to_text(t, sizeof(t), w);
	assert_int_equal(n, 4 * 250 + 4);
	assert_int_equal(dns_name_to_text(t, 10, w), -ENOSPC);
	assert_int_equal(dns_name_to_text(t, 1, (const uint8_t *)""), -ENOSPC);
}

static void test_len(void **state)
{
	(void)state;
	assert_int_equal(dns_name_len((const uint8_t *)"\1a\0", 3), 3);
	assert_int_equal(dns_name_len((const uint8_t *)"\1a\0", 2), -EINVAL);
	assert_int_equal(dns_name_len((const uint8_t *)"\300\014", 2), -EINVAL);
	assert_int_equal(dns_name_len((const uint8_t *)"\100abc", 4), -EINVAL);
}

static void test_compare(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX];
	(void)state;

	from(a, "WWW.Example.COM.", NULL);
	from(b, "www.example.com.", NULL);
	assert_true(dns_name_equal(a, b));
	assert_int_equal(dns_name_cmp_canonical(a, b), 0);
	assert_int_equal(dns_name_hash(a), dns_name_hash(b));
	dns_name_lower(a);
	assert_memory_equal(a, b, 17);
	from(b, "www.example.org.", NULL);
	assert_false(dns_name_equal(a, b));
	from(b, "ww.example.com.", NULL);
	assert_false(dns_name_equal(a, b));
	assert_true(dns_name_hash(a) != dns_name_hash(b));

	/* The RFC 4034 §6.1 example, in order. */
	static const char *const order[] = {
		"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.",
		"zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.",
		"\\200.z.example.",
	};
	size_t n = sizeof(order) / sizeof(order[0]);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			int c;

			from(a, order[i], NULL);
			from(b, order[j], NULL);
			c = dns_name_cmp_canonical(a, b);
			if (i < j)
				assert_true(c < 0);
			else if (i > j)
				assert_true(c > 0);
			else
				assert_int_equal(c, 0);
		}
	}
	from(a, ".", NULL);
	assert_true(dns_name_cmp_canonical(a, b) < 0);
}

static void test_tree(void **state)
{
	uint8_t a[DNS_NAME_MAX], b[DNS_NAME_MAX], root[1] = { 0 };
	(void)state;

	from(a, "a.b.Example.com.", NULL);
	from(b, "example.COM.", NULL);
	assert_int_equal(dns_name_labels(a), 4);
	assert_int_equal(dns_name_labels(root), 0);
	assert_true(dns_name_is_subdomain(a, b));
	assert_true(dns_name_is_subdomain(b, b));
	assert_true(dns_name_is_subdomain(a, root));
	assert_false(dns_name_is_subdomain(b, a));
	from(b, "b.example.org.", NULL);
	assert_false(dns_name_is_subdomain(a, b));
	/* A label boundary matters: "xample.com" is not a parent of "example.com". */
	from(a, "example.com.", NULL);
	from(b, "xample.com.", NULL);
	assert_false(dns_name_is_subdomain(a, b));
	from(a, "a.b.", NULL);
	assert_ptr_equal(dns_name_parent(a), a + 2);
	assert_ptr_equal(dns_name_parent(a + 2), a + 4);
	assert_null(dns_name_parent(a + 4));
}

static void test_unpack_plain(void **state)
{
	/* Header-less message: "example.com" at 0, "www" + pointer to 0 at 13. */
	static const uint8_t msg[] = "\7example\3com\0\3www\300\000\1a\300\015";
	uint8_t out[DNS_NAME_MAX];
	size_t pos;
	(void)state;

	pos = 0;
	assert_int_equal(dns_name_unpack(msg, sizeof(msg) - 1, &pos, out), 13);
	assert_int_equal(pos, 13);
	pos = 13;
	assert_int_equal(dns_name_unpack(msg, sizeof(msg) - 1, &pos, out), 17);
	assert_memory_equal(out, "\3www\7example\3com", 17);
	assert_int_equal(pos, 19);
	/* Pointer to a name that is itself compressed. */
	pos = 19;
	assert_int_equal(dns_name_unpack(msg, sizeof(msg) - 1, &pos, out), 19);
	assert_memory_equal(out, "\1a\3www\7example\3com", 19);
	assert_int_equal(pos, 23);
}

static void test_unpack_hostile(void **state)
{
	uint8_t out[DNS_NAME_MAX], msg[1024];
	size_t pos;
	int i;
	(void)state;

	/* Pointer to itself. */
	static const uint8_t self[] = { 0xc0, 0x00 };
	pos = 0;
	assert_int_equal(dns_name_unpack(self, 2, &pos, out), -EBADMSG);
	/* Forward pointer. */
	static const uint8_t fwd[] = { 0xc0, 0x02, 0x00 };
	pos = 0;
	assert_int_equal(dns_name_unpack(fwd, 3, &pos, out), -EBADMSG);
	/* Two pointers pointing at each other: 0 -> 2 is forward already, so
	 * build a loop that each single hop would allow: labels at 0..3, pointer
	 * at 4 back to 0, which reaches the same pointer again. */
	static const uint8_t loop[] = { 0x00, 0x01, 'a', 0x01, 'b', 0xc0, 0x01 };
	pos = 3;
	assert_int_equal(dns_name_unpack(loop, sizeof(loop), &pos, out), -EBADMSG);
	pos = 1;
	assert_int_equal(dns_name_unpack(loop, sizeof(loop), &pos, out), -EBADMSG);
	/* Two-pointer cycle entered from a later name. */
	static const uint8_t cyc[] = { 0xc0, 0x02, 0xc0, 0x00, 0xc0, 0x02 };
	pos = 4;
	assert_int_equal(dns_name_unpack(cyc, sizeof(cyc), &pos, out), -EBADMSG);
	/* Pointer past the end of the message, and a truncated pointer. */
	static const uint8_t oob[] = { 0x00, 0xc0, 0xff };
	pos = 1;
	assert_int_equal(dns_name_unpack(oob, 3, &pos, out), -EBADMSG);
	static const uint8_t trunc[] = { 0x00, 0xc0 };
	pos = 1;
	assert_int_equal(dns_name_unpack(trunc, 2, &pos, out), -EBADMSG);
	/* Label running past msglen; missing root label. */
	static const uint8_t longlab[] = { 0x05, 'a', 'b' };
	pos = 0;
	assert_int_equal(dns_name_unpack(longlab, 3, &pos, out), -EBADMSG);
	static const uint8_t noroot[] = { 0x01, 'a' };
	pos = 0;
	assert_int_equal(dns_name_unpack(noroot, 2, &pos, out), -EBADMSG);
	pos = 5;
	assert_int_equal(dns_name_unpack(noroot, 2, &pos, out), -EBADMSG);
	/* Reserved label types. */
	static const uint8_t r40[] = { 0x41, 'a', 0x00 }, r80[] = { 0x81, 'a', 0x00 };
	pos = 0;
	assert_int_equal(dns_name_unpack(r40, 3, &pos, out), -EBADMSG);
	pos = 0;
	assert_int_equal(dns_name_unpack(r80, 3, &pos, out), -EBADMSG);

	/* Overlong without compression: 5 labels of 63. */
	for (i = 0; i < 5; i++) {
		msg[i * 64] = 63;
		memset(msg + i * 64 + 1, 'x', 63);
	}
	msg[320] = 0;
	pos = 0;
	assert_int_equal(dns_name_unpack(msg, 321, &pos, out), -EBADMSG);
	pos = 64;	/* 4 labels of 63 + root = 257 */
	assert_int_equal(dns_name_unpack(msg, 321, &pos, out), -EBADMSG);
	pos = 128;	/* 3 labels of 63 + root = 193 */
	assert_int_equal(dns_name_unpack(msg, 321, &pos, out), 193);

	/* Overlong through a chain of backward pointers, each legal alone:
	 * root at 0, then "\1x" + pointer to the previous entry, repeatedly. */
	msg[0] = 0;
	for (i = 0; i < 200; i++) {
		size_t p = 1 + i * 4, prev = i ? 1 + (i - 1) * 4 : 0;

		msg[p] = 1;
		msg[p + 1] = 'x';
		msg[p + 2] = 0xc0 | (uint8_t)(prev >> 8);
		msg[p + 3] = (uint8_t)prev;
	}
	pos = 1 + 126 * 4;	/* 127 labels "x" + root = 255 bytes */
	assert_int_equal(dns_name_unpack(msg, 801, &pos, out), 255);
	assert_int_equal(pos, 1 + 126 * 4 + 4);
	pos = 1 + 127 * 4;
	assert_int_equal(dns_name_unpack(msg, 801, &pos, out), -EBADMSG);
	pos = 1 + 199 * 4;
	assert_int_equal(dns_name_unpack(msg, 801, &pos, out), -EBADMSG);

	/* A long chain of pointers that adds no labels: bounded hops. */
	msg[0] = 0;
	for (i = 1; i < 400; i++) {
		msg[2 * i - 1] = 0xc0 | (uint8_t)((2 * i - 3 < 0 ? 0 : 2 * i - 3) >> 8);
		msg[2 * i] = (uint8_t)(i == 1 ? 0 : 2 * i - 3);
	}
	pos = 1;
	assert_int_equal(dns_name_unpack(msg, 799, &pos, out), 1);
	pos = 2 * 399 - 1;
	assert_int_equal(dns_name_unpack(msg, 799, &pos, out), -EBADMSG);

	/* Every truncation of a valid compressed name fails cleanly. */
	static const uint8_t ok[] = "\7example\3com\0\3www\300\000";
	for (size_t len = 0; len < sizeof(ok) - 1; len++) {
		pos = 13;
		int r = dns_name_unpack(ok, len, &pos, out);
		assert_int_equal(r, -EBADMSG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_text_basic),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_len),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_unpack_plain),
		cmocka_unit_test(test_unpack_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
