// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for dns_encoding.c: RFC 4648 §10 vectors and strict decoding. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dns_encoding.h"

static const char *const plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
static const char *const b64[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
				   "Zm9vYmFy" };
/* RFC 4648 §10 base32hex vectors with the padding dropped (RFC 5155 §3.3). */
static const char *const b32[] = { "", "CO", "CPNG", "CPNMU", "CPNMUOG", "CPNMUOJ1",
				   "CPNMUOJ1E8" };

static void test_vectors(void **state)
{
	uint8_t bin[16];
	char txt[32];
	size_t i;
	(void)state;

	for (i = 0; i < 7; i++) {
		size_t n = strlen(plain[i]);

		assert_int_equal(dns_encoding_b64_encode(txt, sizeof(txt), (const uint8_t *)plain[i],
							 n), strlen(b64[i]));
		assert_string_equal(txt, b64[i]);
		assert_int_equal(dns_encoding_b64_decode(bin, sizeof(bin), b64[i], strlen(b64[i])),
				 n);
		assert_memory_equal(bin, plain[i], n);
		assert_int_equal(dns_encoding_b32hex_encode(txt, sizeof(txt),
							    (const uint8_t *)plain[i], n),
				 strlen(b32[i]));
		assert_string_equal(txt, b32[i]);
		assert_int_equal(dns_encoding_b32hex_decode(bin, sizeof(bin), b32[i],
							    strlen(b32[i])), n);
		assert_memory_equal(bin, plain[i], n);
		assert_int_equal(dns_encoding_hex_encode(txt, sizeof(txt), (const uint8_t *)plain[i],
							 n), 2 * n);
		assert_int_equal(dns_encoding_hex_decode(bin, sizeof(bin), txt, 2 * n), n);
		assert_memory_equal(bin, plain[i], n);
	}
	assert_int_equal(dns_encoding_b32hex_decode(bin, sizeof(bin), "cpnmuoj1e8", 10), 6);
	assert_int_equal(dns_encoding_hex_decode(bin, sizeof(bin), "aBcD", 4), 2);
	assert_int_equal(bin[0], 0xab);
}

static void test_strict(void **state)
{
	uint8_t bin[16];
	char txt[8];
	(void)state;

	assert_int_equal(dns_encoding_b64_decode(bin, sizeof(bin), "Zg=", 3), -EINVAL);
	assert_int_equal(dns_encoding_b64_decode(bin, sizeof(bin), "Z===", 4), -EINVAL);
	assert_int_equal(dns_encoding_b64_decode(bin, sizeof(bin), "Zg=a", 4), -EINVAL);
	assert_int_equal(dns_encoding_b64_decode(bin, sizeof(bin), "Zh==", 4), -EINVAL);
	assert_int_equal(dns_encoding_b64_decode(bin, sizeof(bin), "Zm9=Zm9v", 8), -EINVAL);
	assert_int_equal(dns_encoding_b64_decode(bin, sizeof(bin), "Zm 9", 4), -EINVAL);
	assert_int_equal(dns_encoding_b64_decode(bin, 2, "Zm9v", 4), -ENOSPC);
	assert_int_equal(dns_encoding_b32hex_decode(bin, sizeof(bin), "C", 1), -EINVAL);
	assert_int_equal(dns_encoding_b32hex_decode(bin, sizeof(bin), "CP", 2), -EINVAL);
	assert_int_equal(dns_encoding_b32hex_decode(bin, sizeof(bin), "CW", 2), -EINVAL);
	assert_int_equal(dns_encoding_b32hex_decode(bin, sizeof(bin), "CO=", 3), -EINVAL);
	assert_int_equal(dns_encoding_hex_decode(bin, sizeof(bin), "abc", 3), -EINVAL);
	assert_int_equal(dns_encoding_hex_decode(bin, sizeof(bin), "ag", 2), -EINVAL);
	assert_int_equal(dns_encoding_hex_decode(bin, 1, "abcd", 4), -ENOSPC);
	assert_int_equal(dns_encoding_b64_encode(txt, 4, (const uint8_t *)"foo", 3), -ENOSPC);
	assert_int_equal(dns_encoding_hex_encode(txt, 4, (const uint8_t *)"ab", 2), -ENOSPC);
	assert_int_equal(dns_encoding_b32hex_encode(txt, 2, (const uint8_t *)"f", 1), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_strict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
