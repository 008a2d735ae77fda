// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/healthcheck.c: the body nsctl builds from the command line
 * and what it refuses before sending, and, against a scripted server, the
 * methods, paths and bodies of create, set, list, get and delete, and how
 * their replies and errors are shown. */
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
#include "healthcheck.h"
#include "nsctl.h"
#include "cli_capture.h"
#include "http_fixture.h"

#define REPLY(status, body) \
	"HTTP/1.1 " status "\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" body

/* A check as the API returns it: 1700000000 is 2023-11-14T22:13:20Z. */
#define WEB1 \
	"{\"name\": \"web1\", \"type\": \"http\", \"target\": \"198.18.0.2:80\", " \
	"\"path\": \"/health\", \"host\": \"www.example.com\", \"verify\": true, " \
	"\"interval\": 30, \"timeout\": 5, \"fall\": 3, \"rise\": 2, \"expect\": [200, 204], " \
	"\"body\": \"ok\", \"state\": {\"status\": \"up\", \"since\": 1700000000, " \
	"\"probes\": 12, \"failures\": 1, \"last\": {\"time\": 1700000330, \"ok\": true, " \
	"\"ms\": 3, \"error\": null, \"status\": 200}}, \"history\": [" \
	"{\"time\": 1700000330, \"ok\": true, \"ms\": 3, \"error\": null, \"status\": 200}, " \
	"{\"time\": 1700000300, \"ok\": false, \"ms\": 5000, \"error\": \"timeout\", " \
	"\"status\": null}]}"

#define DB1 \
	"{\"name\": \"db1\", \"type\": \"tcp\", \"target\": \"[2001:db8::2]:5432\", " \
	"\"interval\": 10.5, \"timeout\": 2, \"fall\": 3, \"rise\": 2, " \
	"\"state\": {\"status\": \"down\", \"since\": 1700000100, \"probes\": 4, " \
	"\"failures\": 4, \"last\": {\"time\": 1700000320, \"ok\": false, \"ms\": 1, " \
	"\"error\": \"connection refused\", \"status\": null}}, \"history\": []}"

#define NEW1 \
	"{\"name\": \"new1\", \"type\": \"https\", \"target\": \"198.18.0.3:443\", " \
	"\"interval\": 30, \"timeout\": 5, \"fall\": 3, \"rise\": 2, " \
	"\"state\": {\"status\": \"unknown\", \"since\": 0, \"probes\": 0, \"failures\": 0, " \
	"\"last\": null}, \"history\": []}"

static int reset(void **state)
{
	(void)state;
	api_fini();
	memset(&cli, 0, sizeof(cli));
	return 0;
}

static void test_target(void **state)
{
	(void)state;
	assert_true(healthcheck_target_ok("198.18.0.2:80"));
	assert_true(healthcheck_target_ok("[2001:db8::2]:443"));
	assert_true(healthcheck_target_ok("127.0.0.1:65535"));
	assert_false(healthcheck_target_ok("198.18.0.2"));
	assert_false(healthcheck_target_ok("198.18.0.2:"));
	assert_false(healthcheck_target_ok("198.18.0.2:0"));
	assert_false(healthcheck_target_ok("198.18.0.2:65536"));
	assert_false(healthcheck_target_ok("198.18.0.2:+80"));
	assert_false(healthcheck_target_ok("198.18.0.300:80"));
	assert_false(healthcheck_target_ok("2001:db8::2:443"));
	assert_false(healthcheck_target_ok("[2001:db8::2]"));
	assert_false(healthcheck_target_ok("[198.18.0.2]:80"));
	assert_false(healthcheck_target_ok("www.example.com:80"));
	assert_false(healthcheck_target_ok(":80"));
}

static void assert_body(const struct healthcheck_spec *s, const char *want)
{
	char err[256] = "", *got;
	json_t *o;

	if (healthcheck_json(s, &o, err, sizeof(err)))
		fail_msg("refused: %s", err);
	got = json_dumps(o, JSON_COMPACT);
	assert_string_equal(got, want);
	free(got);
	json_decref(o);
}

static void assert_refused(const struct healthcheck_spec *s, const char *want)
{
	char err[256] = "";
	json_t *o = NULL;

	assert_int_equal(healthcheck_json(s, &o, err, sizeof(err)), -EINVAL);
	assert_null(o);
	if (!strstr(err, want))
		fail_msg("message '%s' lacks '%s'", err, want);
}

static void test_body(void **state)
{
	struct healthcheck_spec s = { .name = "web1", .type = "http",
				      .target = "198.18.0.2:80" };
	(void)state;

	/* Only what was given: the server fills in its defaults. */
	assert_body(&s, "{\"name\":\"web1\",\"type\":\"http\",\"target\":\"198.18.0.2:80\"}");
	s.type = "https";
	s.path = "/health";
	s.host = "www.example.com";
	s.no_verify = true;
	s.interval = "10";
	s.timeout = "2.5";
	s.fall = 5;
	s.rise = 1;
	s.expect = "200,204";
	s.body = "ok";
	s.account = "acme";
	assert_body(&s, "{\"name\":\"web1\",\"type\":\"https\",\"target\":\"198.18.0.2:80\","
		    "\"path\":\"/health\",\"host\":\"www.example.com\",\"verify\":false,"
		    "\"interval\":10,\"timeout\":2.5,\"fall\":5,\"rise\":1,\"expect\":[200,204],"
		    "\"body\":\"ok\",\"account\":\"acme\"}");
}

static void test_body_refused(void **state)
{
	struct healthcheck_spec s = { .name = "web1", .target = "198.18.0.2:80" };
	(void)state;

	assert_refused(&s, "--type is required");
	s.type = "icmp";
	assert_refused(&s, "'icmp' is not http, https or tcp");
	s.type = "tcp";
	s.target = NULL;
	assert_refused(&s, "--target ADDR:PORT is required");
	s.target = "198.18.0.2";
	assert_refused(&s, "--target: '198.18.0.2' is not ADDR:PORT");
	s.target = "198.18.0.2:80";
	s.path = "/health";
	assert_refused(&s, "are for http and https checks");
	s.path = NULL;
	s.no_verify = true;
	assert_refused(&s, "--no-verify is for https checks");
	s.no_verify = false;
	s.type = "http";
	s.path = "health";
	assert_refused(&s, "does not start with /");
	s.path = NULL;
	s.interval = "0";
	assert_refused(&s, "--interval: '0' is not a number of seconds");
	s.interval = "ten";
	assert_refused(&s, "--interval: 'ten'");
	s.interval = "5";
	s.timeout = "5";
	assert_refused(&s, "--timeout must be less than --interval");
	s.timeout = "0";
	assert_refused(&s, "--timeout: '0'");
	s.timeout = NULL;
	s.expect = "200,";
	assert_refused(&s, "--expect: '' is not an HTTP status");
	s.expect = "200,600";
	assert_refused(&s, "'600' is not an HTTP status");
	s.expect = "200,201,202,203,204,205,206,207,208";
	assert_refused(&s, "at most 8 status codes");
	s.expect = NULL;
	s.fall = 11;
	assert_refused(&s, "--fall: 1-10");
	s.fall = 0;
	s.name = "";
	assert_refused(&s, "needs a NAME");
}

/* json_set_alloc_funcs: an allocator that fails from the nth call on. */
static int alloc_left;

static void *alloc_some(size_t n)
{
	return alloc_left-- > 0 ? malloc(n) : NULL;
}

/* Out of memory at any point is a refusal, never a success without a body. */
static void test_body_nomem(void **state)
{
	struct healthcheck_spec s = { .name = "web1", .type = "http",
				      .target = "198.18.0.2:80", .interval = "10",
				      .timeout = "2", .expect = "200,204", .body = "ok" };
	char err[256];
	json_t *o;
	int n, ret;
	(void)state;

	for (n = 0; n < 64; n++) {
		alloc_left = n;
		json_set_alloc_funcs(alloc_some, free);
		ret = healthcheck_json(&s, &o, err, sizeof(err));
		json_set_alloc_funcs(malloc, free);
		if (!ret && !o)
			fail_msg("allocation %d failing: success without a body", n);
		if (ret)
			assert_null(o);
		json_decref(o);
	}
}

static void test_probe_text(void **state)
{
	json_t *ok = json_loads("{\"ok\": true, \"ms\": 12, \"status\": 200, \"error\": null}",
				0, NULL);
	json_t *bad = json_loads("{\"ok\": false, \"ms\": 1, \"status\": null, "
				 "\"error\": \"connection refused\"}", 0, NULL);
	char buf[128];
	(void)state;

	assert_string_equal(healthcheck_probe_text(ok, buf, sizeof(buf)), "ok 200 12ms");
	assert_string_equal(healthcheck_probe_text(bad, buf, sizeof(buf)),
			    "fail 1ms: connection refused");
	assert_string_equal(healthcheck_probe_text(NULL, buf, sizeof(buf)), "-");
	assert_string_equal(healthcheck_probe_text(json_null(), buf, sizeof(buf)), "-");
	json_decref(ok);
	json_decref(bad);
}

static void test_create_set(void **state)
{
	struct http_fixture fx = {
		.replies = { REPLY("201 Created", NEW1), REPLY("200 OK", WEB1),
			     REPLY("409 Conflict", "{\"error\": {\"code\": \"conflict\", "
				   "\"message\": \"health check web1 exists\", \"field\": \"name\"}}"),
			     REPLY("201 Created", NEW1) },
		.nreplies = 4,
	};
	char *create[] = { "healthcheck", "create", "new1", "--type", "https", "--target",
			   "198.18.0.3:443", "--no-verify", "--expect", "200", NULL };
	char *set[] = { "healthcheck", "set", "web1", "--type", "http", "--target",
			"198.18.0.2:80", "--path", "/health", "--interval", "30", "--timeout", "5",
			"--fall", "3", "--rise", "2", "--host", "www.example.com", "--body", "ok",
			NULL };
	char *again[] = { "healthcheck", "create", "web1", "--type", "tcp", "--target",
			  "198.18.0.2:80", NULL };
	char *json[] = { "healthcheck", "create", "new1", "--json", "--type", "https",
			 "--target", "198.18.0.3:443", NULL };
	char out[4096];
	json_t *j;
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	cli.server = fx.url;
	cli.token = "t";
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, create), NSCTL_EXIT_OK);
	assert_string_equal(out, "healthcheck new1 created: https 198.18.0.3:443 every 30s\n");
	/* --timeout here is the check's, not the request's. */
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, set), NSCTL_EXIT_OK);
	assert_int_equal(cli.timeout_s, 0);
	assert_string_equal(out, "healthcheck web1 replaced: http 198.18.0.2:80 every 30s\n");
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, again), NSCTL_EXIT_FAIL);
	assert_string_equal(out, "");
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, json), NSCTL_EXIT_OK);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "state"),
							      "status")), "unknown");
	json_decref(j);
	http_fixture_stop(&fx);
	assert_int_equal(fx.nrequests, 4);
	http_fixture_assert_request(fx.requests[0], "POST /v1/healthchecks");
	assert_string_equal(http_fixture_body(fx.requests[0]),
			    "{\"name\":\"new1\",\"type\":\"https\",\"target\":\"198.18.0.3:443\","
			    "\"verify\":false,\"expect\":[200]}");
	http_fixture_assert_request(fx.requests[1], "PUT /v1/healthchecks/web1");
	assert_string_equal(http_fixture_body(fx.requests[1]),
			    "{\"name\":\"web1\",\"type\":\"http\",\"target\":\"198.18.0.2:80\","
			    "\"path\":\"/health\",\"host\":\"www.example.com\",\"interval\":30,"
			    "\"timeout\":5,\"fall\":3,\"rise\":2,\"body\":\"ok\"}");
	assert_non_null(strstr(fx.requests[1], "\r\nIdempotency-Key: nsctl-"));
	http_fixture_assert_request(fx.requests[2], "POST /v1/healthchecks");
}

static void test_list_get_delete(void **state)
{
	struct http_fixture fx = {
		.replies = {
			REPLY("200 OK", "{\"healthchecks\": [" WEB1 ", " DB1 ", " NEW1 "]}"),
			REPLY("200 OK", WEB1),
			REPLY("409 Conflict", "{\"error\": {\"code\": \"conflict\", \"message\": "
			      "\"www.example.com. A uses health check web1\", \"field\": null}}"),
			"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
		},
		.nreplies = 4,
	};
	char *list[] = { "healthcheck", "list", "--account", "acme", NULL };
	char *get[] = { "healthcheck", "get", "web1", NULL };
	char *del[] = { "healthcheck", "delete", "web 1", NULL };
	char out[4096];
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	cli.server = fx.url;
	cli.token = "t";
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, list), NSCTL_EXIT_OK);
	assert_string_equal(out,
		"NAME  TYPE   TARGET              INTERVAL  STATUS   SINCE                 LAST\n"
		"web1  http   198.18.0.2:80            30s  up       2023-11-14T22:13:20Z  "
		"ok 200 3ms\n"
		"db1   tcp    [2001:db8::2]:5432     10.5s  down     2023-11-14T22:15:00Z  "
		"fail 1ms: connection refused\n"
		"new1  https  198.18.0.3:443           30s  unknown  -                     -\n");
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, get), NSCTL_EXIT_OK);
	assert_string_equal(out,
		"name      web1\n"
		"type      http\n"
		"target    198.18.0.2:80\n"
		"path      /health\n"
		"host      www.example.com\n"
		"verify    yes\n"
		"interval  30s\n"
		"timeout   5s\n"
		"fall      3\n"
		"rise      2\n"
		"expect    200,204\n"
		"body      ok\n"
		"status    up\n"
		"since     2023-11-14T22:13:20Z\n"
		"probes    12\n"
		"failures  1\n"
		"last      ok 200 3ms at 2023-11-14T22:18:50Z\n"
		"\n"
		"TIME                  RESULT\n"
		"2023-11-14T22:18:50Z  ok 200 3ms\n"
		"2023-11-14T22:18:20Z  fail 5000ms: timeout\n");
	/* In use: the API's 409 as it wrote it, exit 1. */
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, del), NSCTL_EXIT_FAIL);
	assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, del), NSCTL_EXIT_OK);
	assert_string_equal(out, "healthcheck web 1 deleted\n");
	http_fixture_stop(&fx);
	http_fixture_assert_request(fx.requests[0], "GET /v1/healthchecks?account=acme");
	http_fixture_assert_request(fx.requests[1], "GET /v1/healthchecks/web1");
	http_fixture_assert_request(fx.requests[2], "DELETE /v1/healthchecks/web%201");
	http_fixture_assert_request(fx.requests[3], "DELETE /v1/healthchecks/web%201");
}

static void test_usage_sends_nothing(void **state)
{
	char *cases[][12] = {
		{ "healthcheck", "create", "web1", "--target", "198.18.0.2:80", NULL },
		{ "healthcheck", "create", "--type", "tcp", "--target", "198.18.0.2:80", NULL },
		{ "healthcheck", "create", "web1", "--type", "tcp", "--target", "198.18.0.2:80",
		  "--rise", "0", NULL },
		{ "healthcheck", "create", "web1", "--type", "http", "--target", "198.18.0.2:80",
		  "--bogus", NULL },
		{ "healthcheck", "get", NULL },
		{ "healthcheck", "delete", "a", "b", NULL },
		{ "healthcheck", "list", "x", NULL },
		{ "healthcheck", "frob", NULL },
	};
	char out[1024], url[64];
	size_t i;
	(void)state;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_fixture_dead_port());
	cli.server = url;
	cli.token = "t";
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cli_capture(out, sizeof(out), healthcheck_cmd, cases[i]) != NSCTL_EXIT_USAGE)
			fail_msg("case %zu: not a usage error", i);
		assert_string_equal(out, "");
	}
	/* Well formed, and nobody there: 3. */
	{
		char *get[] = { "healthcheck", "get", "web1", NULL };

		assert_int_equal(cli_capture(out, sizeof(out), healthcheck_cmd, get), NSCTL_EXIT_CONNECT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_body_refused),
		cmocka_unit_test(test_body_nomem),
		cmocka_unit_test(test_probe_text),
		cmocka_unit_test_setup(test_create_set, reset),
		cmocka_unit_test_setup(test_list_get_delete, reset),
		cmocka_unit_test_setup(test_usage_sends_nothing, reset),
	};
	int ret;

	unsetenv("NAMESERVE_URL");
	unsetenv("NAMESERVE_TOKEN");
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	api_fini();
	return ret;
}
