// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/rrset.c and ctl/steering.c: the RRset JSON for a PUT and
 * for each PATCH change, built in one place, type names as the API's paths take
 * them, the policy built from the steering flags and refused when they do not
 * add up, its summary in tables, and, against a scripted server, what
 * `rrset set` sends and shows. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "api.h"
#include "cli.h"
#include "nsctl.h"
#include "rrset.h"
#include "steering.h"
#include "cli_capture.h"
#include "http_fixture.h"

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
	struct rrset_spec s = { "www", "A", 300, recs, 2, NULL };
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
	struct rrset_spec s = { "@", "TXT", -1, recs, 1, NULL };
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
	struct rrset_spec s = { "www", "TXT", -1, recs, 1, NULL };
	(void)state;

	/* JSON strings are UTF-8: refused here rather than sent mangled. */
	assert_null(rrset_json(&s, NULL));
	assert_null(rrset_json(&s, "add"));
}

static void test_put_body_policy(void **state)
{
	char *recs[] = { "192.0.2.1", "192.0.2.2" };
	json_t *pol = json_pack("{s:[i,i]}", "weights", 70, 30);
	struct rrset_spec s = { "www", "A", 300, recs, 2, pol };
	(void)state;

	assert_json(rrset_json(&s, NULL), "{\"ttl\":300,\"records\":[\"192.0.2.1\",\"192.0.2.2\"],"
		    "\"policy\":{\"weights\":[70,30]}}");
	json_decref(pol);
}

/* The policy for flags over n records, as compact JSON; NULL when refused, the
 * reason in err. */
static char *build(const struct steering_flags *f, int n, char *err, size_t len)
{
	json_t *p = (json_t *)1;
	char *text;
	int ret;

	ret = steering_build(f, n, &p, err, len);
	if (ret) {
		assert_int_equal(ret, -EINVAL);
		assert_null(p);
		assert_true(*err);
		return NULL;
	}
	if (!p)
		return strdup("none");
	text = json_dumps(p, JSON_COMPACT);
	json_decref(p);
	return text;
}

static void assert_built(const struct steering_flags *f, int n, const char *want)
{
	char err[256] = "", *got = build(f, n, err, sizeof(err));

	if (!got)
		fail_msg("refused: %s", err);
	assert_string_equal(got, want);
	free(got);
}

/* Refused, with a message that contains want. */
static void assert_refused(const struct steering_flags *f, int n, const char *want)
{
	char err[256] = "", *got = build(f, n, err, sizeof(err));

	if (got)
		fail_msg("accepted: %s", got);
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
}

static void test_policy_from_flags(void **state)
{
	struct steering_flags f = { 0 };
	(void)state;

	assert_false(steering_given(&f));
	assert_built(&f, 2, "none");
	f.weights = "70,30";
	f.healthchecks = "c1,-";
	assert_built(&f, 2, "{\"weights\":[70,30],\"healthchecks\":[\"c1\",null]}");
	memset(&f, 0, sizeof(f));
	f.failover = "primary,secondary,secondary";
	f.multivalue = true;
	assert_built(&f, 3, "{\"failover\":[\"primary\",\"secondary\",\"secondary\"],"
		     "\"multivalue\":true}");
	/* Weight 0 is a weight: that record is never answered. */
	memset(&f, 0, sizeof(f));
	f.weights = "0,65535";
	assert_built(&f, 2, "{\"weights\":[0,65535]}");
}

static void test_policy_geo(void **state)
{
	struct steering_flags f = {
		.geo = { "continent:EU+as=192.0.2.1", "default=192.0.2.1,192.0.2.2",
			 "country:gb+DE=192.0.2.2", "cidr:198.18.1.0/24+2001:db8::/48=192.0.2.3" },
		.ngeo = 4,
	};
	(void)state;

	/* Rules in the order given, codes upper-cased, the default last. */
	assert_built(&f, 3, "{\"geo\":{\"rules\":["
		     "{\"continents\":[\"EU\",\"AS\"],\"records\":[\"192.0.2.1\"]},"
		     "{\"countries\":[\"GB\",\"DE\"],\"records\":[\"192.0.2.2\"]},"
		     "{\"cidrs\":[\"198.18.1.0/24\",\"2001:db8::/48\"],\"records\":[\"192.0.2.3\"]}],"
		     "\"default\":[\"192.0.2.1\",\"192.0.2.2\"]}}");
	/* Only a default: no rules, still a geo policy. */
	f.geo[0] = "default=192.0.2.9";
	f.ngeo = 1;
	assert_built(&f, 1, "{\"geo\":{\"rules\":[],\"default\":[\"192.0.2.9\"]}}");
	/* Geo with weights inside the chosen region. */
	f.geo[0] = "cidr:198.18.1.0/24=192.0.2.1,192.0.2.2";
	f.weights = "1,3";
	assert_built(&f, 2, "{\"weights\":[1,3],\"geo\":{\"rules\":[{\"cidrs\":[\"198.18.1.0/24\"],"
		     "\"records\":[\"192.0.2.1\",\"192.0.2.2\"]}]}}");
}

static void test_policy_refused(void **state)
{
	struct steering_flags f = { 0 };
	(void)state;

	f.weights = "70,30";
	assert_refused(&f, 3, "--weights: 2 entries for 3 records");
	assert_refused(&f, 1, "--weights: 2 entries for 1 record ");
	f.weights = "70,,30";
	assert_refused(&f, 3, "--weights: entry 2 of '70,,30' is empty");
	f.weights = "70,-1";
	assert_refused(&f, 2, "'-1' is not a weight (0-65535)");
	f.weights = "70,65536";
	assert_refused(&f, 2, "'65536' is not a weight");
	f.weights = "70,30";
	f.multivalue = true;
	assert_refused(&f, 2, "give one of them");
	memset(&f, 0, sizeof(f));
	f.healthchecks = "c1";
	assert_refused(&f, 2, "--healthchecks: 1 entry for 2 records");
	f.healthchecks = "c1,";
	assert_refused(&f, 2, "--healthchecks: entry 2 of 'c1,' is empty");
	memset(&f, 0, sizeof(f));
	f.failover = "primary,backup";
	assert_refused(&f, 2, "'backup' is neither primary nor secondary");
	f.failover = "primary";
	assert_refused(&f, 2, "--failover: 1 entry for 2 records");
	memset(&f, 0, sizeof(f));
	f.multivalue = true;
	assert_refused(&f, 17, "at most 16 records, not 17");

	memset(&f, 0, sizeof(f));
	f.ngeo = 1;
	f.geo[0] = "EU=192.0.2.1";
	assert_refused(&f, 1, "expected KIND:CODE[+CODE...]=ADDR");
	f.geo[0] = "continent:EU";
	assert_refused(&f, 1, "expected KIND:CODE");
	f.geo[0] = "region:EU=192.0.2.1";
	assert_refused(&f, 1, "unknown kind 'region'");
	f.geo[0] = "continent:EU+XX=192.0.2.1";
	assert_refused(&f, 1, "'XX' is not a continent");
	f.geo[0] = "country:GBR=192.0.2.1";
	assert_refused(&f, 1, "'GBR' is not a two-letter country code");
	f.geo[0] = "country:=192.0.2.1";
	assert_refused(&f, 1, "--geo country: entry 1 of '' is empty");
	f.geo[0] = "country:GB=";
	assert_refused(&f, 1, "--geo country: entry 1 of '' is empty");
	f.geo[0] = "cidr:198.18.1.0/24+=192.0.2.1";
	assert_refused(&f, 1, "--geo cidr: entry 2");
	f.geo[0] = "default=";
	assert_refused(&f, 1, "--geo default: entry 1");
	f.geo[0] = "default=192.0.2.1";
	f.geo[1] = "default=192.0.2.1";
	f.ngeo = 2;
	assert_refused(&f, 1, "default=... given twice");
	/* 31 rules and a default fit the regions; one more rule does not. */
	for (f.ngeo = 0; f.ngeo < STEERING_GEO_MAX + 1; f.ngeo++)
		f.geo[f.ngeo] = f.ngeo ? "country:GB=192.0.2.1" : "default=192.0.2.1";
	{
		char err[256], *ok = build(&f, 1, err, sizeof(err));

		assert_non_null(ok);
		free(ok);
	}
	f.geo[0] = "country:DE=192.0.2.1";
	assert_refused(&f, 1, "at most 31 rules and a default");
}

static void test_policy_summary(void **state)
{
	json_t *p = json_loads("{\"weights\": [70, 30], \"healthchecks\": [\"c1\", null], "
			       "\"failover\": [\"primary\", \"secondary\"], \"multivalue\": false, "
			       "\"geo\": {\"rules\": [{\"continents\": [\"EU\", \"AS\"], "
			       "\"records\": [\"192.0.2.1\"]}, {\"cidrs\": [\"198.18.1.0/24\"], "
			       "\"records\": [\"192.0.2.1\", \"192.0.2.2\"]}], "
			       "\"default\": [\"192.0.2.2\"]}}", 0, NULL);
	json_t *mv = json_loads("{\"multivalue\": true}", 0, NULL);
	char buf[512], small[24];
	(void)state;

	assert_non_null(p);
	assert_string_equal(steering_summary(p, false, buf, sizeof(buf)),
			    "weights 70,30; checks c1,-; failover primary,secondary; "
			    "geo 2 rules + default");
	assert_string_equal(steering_summary(p, true, buf, sizeof(buf)),
			    "weights 70,30; checks c1,-; failover primary,secondary; "
			    "geo continent:EU+AS=192.0.2.1, cidr:198.18.1.0/24=192.0.2.1,192.0.2.2, "
			    "default=192.0.2.2");
	assert_string_equal(steering_summary(mv, false, buf, sizeof(buf)), "multivalue");
	assert_string_equal(steering_summary(NULL, false, buf, sizeof(buf)), "-");
	assert_string_equal(steering_summary(json_null(), false, buf, sizeof(buf)), "-");
	/* Cut to the buffer, and said so. */
	assert_string_equal(steering_summary(p, false, small, sizeof(small)),
			    "weights 70,30; check...");
	json_decref(p);
	json_decref(mv);
}

#define REPLY_JSON(body) \
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"7\"\r\n" \
	"Connection: close\r\n\r\n" body

static int reset(void **state)
{
	(void)state;
	api_fini();
	memset(&cli, 0, sizeof(cli));
	return 0;
}

static void test_set_sends_policy(void **state)
{
	struct http_fixture fx = {
		.replies = {
			REPLY_JSON("{\"name\": \"www.example.com.\", \"type\": \"A\", \"ttl\": 60, "
				   "\"records\": [\"192.0.2.1\", \"192.0.2.2\"], \"policy\": "
				   "{\"weights\": [70, 30], \"healthchecks\": [\"c1\", null]}}"),
			REPLY_JSON("{\"name\": \"www.example.com.\", \"type\": \"A\", \"ttl\": 60, "
				   "\"records\": [\"192.0.2.1\", \"192.0.2.2\"], \"policy\": "
				   "{\"weights\": [70, 30], \"healthchecks\": [\"c1\", null]}}"),
			REPLY_JSON("{\"rrsets\": [{\"name\": \"www.example.com.\", \"type\": \"A\", "
				   "\"ttl\": 60, \"records\": [\"192.0.2.1\", \"192.0.2.2\"], "
				   "\"policy\": {\"geo\": {\"rules\": [{\"countries\": [\"GB\"], "
				   "\"records\": [\"192.0.2.1\"]}], \"default\": [\"192.0.2.2\"]}}}, "
				   "{\"name\": \"mx.example.com.\", \"type\": \"A\", \"ttl\": 60, "
				   "\"records\": [\"192.0.2.9\"], \"policy\": null}], "
				   "\"next_cursor\": null}"),
			"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n{\"error\": {\"code\": \"invalid\", \"message\": "
			"\"no health check 'c9'\", \"field\": \"policy.healthchecks[0]\"}}",
		},
		.nreplies = 4,
	};
	char *set[] = { "rrset", "set", "example.com", "www", "a", "192.0.2.1", "192.0.2.2",
			"--ttl", "60", "--weights", "70,30", "--healthchecks", "c1,-", NULL };
	char *get[] = { "rrset", "get", "example.com", "www", "A", NULL };
	char *list[] = { "rrset", "list", "example.com", NULL };
	char *bad[] = { "rrset", "set", "example.com", "www", "A", "192.0.2.1",
			"--healthchecks", "c9", NULL };
	char out[4096];
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	cli.server = fx.url;
	cli.token = "t";
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, set), NSCTL_EXIT_OK);
	assert_string_equal(out, "www.example.com. A set: 2 records, ttl 60, policy: "
			    "weights 70,30; checks c1,-\nzone example.com: serial 7\n");
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, get), NSCTL_EXIT_OK);
	assert_string_equal(out,
			    "NAME              TTL  TYPE  DATA       POLICY\n"
			    "www.example.com.   60  A     192.0.2.1  weights 70,30; checks c1,-\n"
			    "www.example.com.   60  A     192.0.2.2  weights 70,30; checks c1,-\n");
	/* The list's summary is short; a plain RRset shows no policy. */
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, list), NSCTL_EXIT_OK);
	assert_string_equal(out,
			    "NAME              TTL  TYPE  DATA       POLICY\n"
			    "www.example.com.   60  A     192.0.2.1  geo 1 rule + default\n"
			    "www.example.com.   60  A     192.0.2.2  geo 1 rule + default\n"
			    "mx.example.com.    60  A     192.0.2.9  -\n");
	/* The daemon's refusal, naming the field, is an API error: exit 1. */
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, bad), NSCTL_EXIT_FAIL);
	http_fixture_stop(&fx);
	assert_int_equal(fx.nrequests, 4);
	http_fixture_assert_request(fx.requests[0], "PUT /v1/zones/example.com/rrsets/www/A");
	assert_string_equal(http_fixture_body(fx.requests[0]),
			    "{\"ttl\":60,\"records\":[\"192.0.2.1\",\"192.0.2.2\"],"
			    "\"policy\":{\"weights\":[70,30],\"healthchecks\":[\"c1\",null]}}");
	http_fixture_assert_request(fx.requests[1], "GET /v1/zones/example.com/rrsets/www/A");
	assert_string_equal(http_fixture_body(fx.requests[3]),
			    "{\"records\":[\"192.0.2.1\"],\"policy\":{\"healthchecks\":[\"c9\"]}}");
}

static void test_set_usage_sends_nothing(void **state)
{
	char *mismatch[] = { "rrset", "set", "example.com", "www", "A", "192.0.2.1",
			     "192.0.2.2", "--weights", "70,30,10", NULL };
	char *not_a[] = { "rrset", "set", "example.com", "@", "MX", "10 mx.", "--multivalue",
			  NULL };
	char *twice[] = { "rrset", "set", "example.com", "www", "A", "192.0.2.1",
			  "--failover", "primary", "--failover", "primary", NULL };
	char *add[] = { "rrset", "add", "example.com", "www", "A", "192.0.2.1",
			"--weights", "1", NULL };
	char out[1024], url[64];
	(void)state;

	/* A server that is not there: exit 2, not 3, shows nothing was sent. */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_fixture_dead_port());
	cli.server = url;
	cli.token = "t";
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, mismatch), NSCTL_EXIT_USAGE);
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, not_a), NSCTL_EXIT_USAGE);
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, twice), NSCTL_EXIT_USAGE);
	/* Steering is set with the RRset, not added record by record. */
	assert_int_equal(cli_capture(out, sizeof(out), rrset_cmd, add), NSCTL_EXIT_USAGE);
	assert_string_equal(out, "");
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
		cmocka_unit_test(test_put_body_policy),
		cmocka_unit_test(test_policy_from_flags),
		cmocka_unit_test(test_policy_geo),
		cmocka_unit_test(test_policy_refused),
		cmocka_unit_test(test_policy_summary),
		cmocka_unit_test_setup(test_set_sends_policy, reset),
		cmocka_unit_test_setup(test_set_usage_sends_nothing, reset),
	};
	int ret;

	unsetenv("NAMESERVE_URL");
	unsetenv("NAMESERVE_TOKEN");
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	api_fini();
	return ret;
}
