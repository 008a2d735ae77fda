// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/zone.c's pure part: which zone a master file is for, when
 * `nsctl zone import FILE` is given no --name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "zone.h"

static void assert_origin(const char *text, const char *want)
{
	char buf[256];

	assert_int_equal(zone_file_origin(text, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void assert_no_origin(const char *text)
{
	char buf[256];

	assert_int_equal(zone_file_origin(text, buf, sizeof(buf)), -ENOENT);
}

static void test_origin_directive(void **state)
{
	(void)state;
	assert_origin("; comment\n\n$ORIGIN example.com.\n$TTL 300\n@ IN SOA ns h 1 2 3 4 5\n",
		      "example.com.");
	assert_origin("$TTL 300\r\n$origin\tExample.NET. ; trailing comment\r\n", "Example.NET.");
	/* The first $ORIGIN names the zone; later ones are for names inside it. */
	assert_origin("$ORIGIN a.example.\nwww A 192.0.2.1\n$ORIGIN sub.a.example.\n",
		      "a.example.");
}

static void test_first_owner(void **state)
{
	(void)state;
	assert_origin("$TTL 60\nexample.org. 3600 IN SOA ns1.example.org. h. (\n 1 2 3 4 5 )\n",
		      "example.org.");
	assert_origin("example.org.(\n", "example.org.");
	/* The demo zone's own shape. */
	assert_origin("; SPDX\n$ORIGIN demo.example.\n$TTL 300\n\n@\t\tIN\tSOA\tns1 h (\n",
		      "demo.example.");
}

static void test_cannot_tell(void **state)
{
	char buf[8];
	(void)state;

	assert_no_origin("");
	assert_no_origin("; only comments\n\n");
	assert_no_origin("@ IN SOA ns h 1 2 3 4 5\n");
	assert_no_origin("www IN A 192.0.2.1\n");
	assert_no_origin("$ORIGIN relative\n");
	assert_no_origin("$ORIGIN\n");
	/* A record for "the previous owner" before any owner. */
	assert_no_origin("\tIN A 192.0.2.1\nexample.com. IN SOA ns h 1 2 3 4 5\n");
	/* An escaped final dot is part of a label, not the root. */
	assert_no_origin("a\\. IN A 192.0.2.1\n");
	assert_int_equal(zone_file_origin("$ORIGIN example.com.\n", buf, sizeof(buf)),
			 -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin_directive),
		cmocka_unit_test(test_first_owner),
		cmocka_unit_test(test_cannot_tell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
