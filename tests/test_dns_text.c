// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for dns_text.c: escapes, numbers, TTL periods, tokenizing, output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dns_text.h"

static struct dns_token tok(const char *s)
{
	struct dns_token t = { .s = s, .len = strlen(s) };

	return t;
}

static int period(const char *s, uint32_t *v)
{
	struct dns_token t = tok(s);

	return dns_text_period(&t, v);
}

static void test_period(void **state)
{
	uint32_t v;
	(void)state;

	assert_int_equal(period("3600", &v), 0);
	assert_int_equal(v, 3600);
	assert_int_equal(period("1h30m", &v), 0);
	assert_int_equal(v, 5400);
	assert_int_equal(period("1W2d", &v), 0);
	assert_int_equal(v, 9 * 86400);
	assert_int_equal(period("1h1H10s", &v), 0);
	assert_int_equal(v, 7210);
	assert_int_equal(period("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(period("4294967295", &v), 0);
	assert_int_equal(v, UINT32_MAX);
	assert_int_equal(period("4294967296", &v), -ERANGE);
	assert_int_equal(period("7102w", &v), -ERANGE);
	assert_int_equal(period("99999999999999999999", &v), -ERANGE);
	assert_int_equal(period("1x", &v), -EINVAL);
	assert_int_equal(period("h", &v), -EINVAL);
	assert_int_equal(period("1h30", &v), -EINVAL);
	assert_int_equal(period("", &v), -EINVAL);
	assert_int_equal(period("-1", &v), -EINVAL);
	assert_int_equal(period("1 h", &v), -EINVAL);
}

static void test_numbers_and_escapes(void **state)
{
	struct dns_token t;
	uint8_t out[8];
	uint32_t v;
	(void)state;

	t = tok("65535");
	assert_int_equal(dns_text_u32(&t, 65535, &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(dns_text_u32(&t, 65534, &v), -EINVAL);
	t = tok("");
	assert_int_equal(dns_text_u32(&t, 1, &v), -EINVAL);
	t = tok("+1");
	assert_int_equal(dns_text_u32(&t, 9, &v), -EINVAL);
	t = tok("a\\bc\\100\\\\");
	assert_int_equal(dns_text_unescape(&t, out, sizeof(out)), 5);
	assert_memory_equal(out, "abcd\\", 5);
	t = tok("\\256");
	assert_int_equal(dns_text_unescape(&t, out, sizeof(out)), -EINVAL);
	t = tok("ab\\");
	assert_int_equal(dns_text_unescape(&t, out, sizeof(out)), -EINVAL);
	t = tok("\\1a0");
	assert_int_equal(dns_text_unescape(&t, out, sizeof(out)), -EINVAL);
	t = tok("123456789");
	assert_int_equal(dns_text_unescape(&t, out, sizeof(out)), -ENOSPC);
}

static void test_tokenize(void **state)
{
	const char *s = " a \"b c\"\td\"e\\\"f\" g\\ h \"\"";
	struct dns_token *t;
	size_t n;
	(void)state;

	assert_int_equal(dns_text_tokenize(s, strlen(s), &t, &n), 0);
	assert_int_equal(n, 6);
	assert_true(t[0].len == 1 && !t[0].quoted && t[0].s[0] == 'a');
	assert_true(t[1].len == 3 && t[1].quoted && !memcmp(t[1].s, "b c", 3));
	assert_true(t[2].len == 1 && !t[2].quoted && t[2].s[0] == 'd');
	assert_true(t[3].len == 4 && t[3].quoted && !memcmp(t[3].s, "e\\\"f", 4));
	assert_true(t[4].len == 4 && !t[4].quoted && !memcmp(t[4].s, "g\\ h", 4));
	assert_true(t[5].len == 0 && t[5].quoted);
	free(t);
	assert_int_equal(dns_text_tokenize("a \"b", 4, &t, &n), -EINVAL);
	assert_int_equal(dns_text_tokenize("\"b\\\"", 4, &t, &n), -EINVAL);
	assert_int_equal(dns_text_tokenize("", 0, &t, &n), 0);
	assert_int_equal(n, 0);
	free(t);
}

static void test_buf(void **state)
{
	struct dns_text_buf b;
	char out[16];
	(void)state;

	dns_text_buf_init(&b, out, sizeof(out));
	dns_text_put_string(&b, (const uint8_t *)"a\"\\\n", 4);
	assert_int_equal(dns_text_buf_end(&b), 11);
	assert_string_equal(out, "\"a\\\"\\\\\\010\"");
	dns_text_printf(&b, "%d", 1234);
	assert_int_equal(dns_text_buf_end(&b), 15);
	dns_text_put(&b, "x", 1);
	assert_int_equal(dns_text_buf_end(&b), -ENOSPC);
	assert_int_equal(strlen(out), 15);
	dns_text_buf_init(&b, out, 4);
	dns_text_printf(&b, "%s", "abcdef");
	assert_int_equal(dns_text_buf_end(&b), -ENOSPC);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_period),
		cmocka_unit_test(test_numbers_and_escapes),
		cmocka_unit_test(test_tokenize),
		cmocka_unit_test(test_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
