// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/rrset.c's pure parts: the RRset JSON for a PUT and for each
 * PATCH change, built in one place, and type names as the API's paths take them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rrset.h"

static void assert_json(json_t *v, const char *want)
{
	char *got;

	assert_non_null(v);
	got = json_dumps(v, JSON_COMPACT);
	assert_string_equal(got, want);
	free(got);
	json_decref(v);
}

static void test_put_body(void **state)
{
	char *recs[] = { "192.0.2.1", "192.0.2.2" };
	char *mx[] = { "10 mail.example.com." };
	struct rrset_spec s = { "www", "A", 300, recs, 2 };
	(void)state;

	assert_json(rrset_json(&s, NULL),
		    "{\"ttl\":300,\"records\":[\"192.0.2.1\",\"192.0.2.2\"]}");
	/* No --ttl: the server's default, so no "ttl" at all. */
	s.ttl = -1;
	assert_json(rrset_json(&s, NULL), "{\"records\":[\"192.0.2.1\",\"192.0.2.2\"]}");
	/* TTL 0 is a TTL. */
	s.ttl = 0;
	s.records = mx;
	s.nrecords = 1;
	assert_json(rrset_json(&s, NULL), "{\"ttl\":0,\"records\":[\"10 mail.example.com.\"]}");
}

static void test_patch_changes(void **state)
{
	char *recs[] = { "\"v=spf1 -all\"" };
	struct rrset_spec s = { "@", "TXT", -1, recs, 1 };
	(void)state;

	assert_json(rrset_json(&s, "add"),
		    "{\"op\":\"add\",\"name\":\"@\",\"type\":\"TXT\","
		    "\"records\":[\"\\\"v=spf1 -all\\\"\"]}");
	s.ttl = 60;
	assert_json(rrset_json(&s, "replace"),
		    "{\"op\":\"replace\",\"name\":\"@\",\"type\":\"TXT\",\"ttl\":60,"
		    "\"records\":[\"\\\"v=spf1 -all\\\"\"]}");
	s.ttl = -1;
	assert_json(rrset_json(&s, "remove"),
		    "{\"op\":\"remove\",\"name\":\"@\",\"type\":\"TXT\","
		    "\"records\":[\"\\\"v=spf1 -all\\\"\"]}");
	/* delete names the RRset only. */
	assert_json(rrset_json(&s, "delete"),
		    "{\"op\":\"delete\",\"name\":\"@\",\"type\":\"TXT\"}");
}

static void test_not_utf8(void **state)
{
	char *recs[] = { "\"caf\xe9\"" };
	struct rrset_spec s = { "www", "TXT", -1, recs, 1 };
	(void)state;

	/* JSON strings are UTF-8: refused here rather than sent mangled. */
	assert_null(rrset_json(&s, NULL));
	assert_null(rrset_json(&s, "add"));
}

static void test_type_canon(void **state)
{
	char t[24];
	(void)state;

	assert_int_equal(rrset_type_canon("a", t, sizeof(t)), 0);
	assert_string_equal(t, "A");
	assert_int_equal(rrset_type_canon("aaaa", t, sizeof(t)), 0);
	assert_string_equal(t, "AAAA");
	assert_int_equal(rrset_type_canon("Type65534", t, sizeof(t)), 0);
	assert_string_equal(t, "TYPE65534");
	assert_int_equal(rrset_type_canon("", t, sizeof(t)), -EINVAL);
	assert_int_equal(rrset_type_canon("A/B", t, sizeof(t)), -EINVAL);
	assert_int_equal(rrset_type_canon("A B", t, sizeof(t)), -EINVAL);
	assert_int_equal(rrset_type_canon("AAAAAAAAAAAAAAAAA", t, sizeof(t)), -EINVAL);
	assert_int_equal(rrset_type_canon("NSEC3PARAM", t, 4), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_body),
		cmocka_unit_test(test_patch_changes),
		cmocka_unit_test(test_not_utf8),
		cmocka_unit_test(test_type_canon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
