// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/api.c: paths and queries, how fields, ETags and API errors
 * are shown, and, against a scripted server, exit codes, safe retries with one
 * idempotency key, and lists followed across pages. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "api.h"
#include "cli.h"
#include "nsctl.h"
#include "http_fixture.h"

static int reset(void **state)
{
	(void)state;
	api_fini();
	memset(&cli, 0, sizeof(cli));
	return 0;
}

static void test_path(void **state)
{
	char *p;
	(void)state;

	p = api_path("/v1/zones/%s/rrsets/%s/%s", "example.com.", "@", "A");
	assert_string_equal(p, "/v1/zones/example.com./rrsets/@/A");
	free(p);
	p = api_path("/v1/zones/%s/rrsets/%s/%s", "2.0.192.in-addr.arpa", "0/25", "PTR");
	assert_string_equal(p, "/v1/zones/2.0.192.in-addr.arpa/rrsets/0%2F25/PTR");
	free(p);
	/* Only %s converts; a long argument grows the buffer. */
	p = api_path("/v1/%d%%/%s", "x y");
	assert_string_equal(p, "/v1/%d%%/x%20y");
	free(p);
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		p = api_path("/v1/zones/%s/export", big);
		assert_int_equal(strlen(p), strlen("/v1/zones//export") + 599);
		free(p);
	}
}

static void test_query(void **state)
{
	char *p = strdup("/v1/zones/a/rrsets");
	(void)state;

	assert_int_equal(api_query(&p, "name", NULL), 0);
	assert_string_equal(p, "/v1/zones/a/rrsets");
	assert_int_equal(api_query(&p, "name", "www"), 0);
	assert_int_equal(api_query(&p, "type", "AAAA"), 0);
	assert_int_equal(api_query(&p, "cursor", "a+b/c=="), 0);
	assert_string_equal(p, "/v1/zones/a/rrsets?name=www&type=AAAA&cursor=a%2Bb%2Fc%3D%3D");
	free(p);
}

static void test_field(void **state)
{
	json_t *o = json_pack("{s:s, s:I, s:b, s:b, s:n, s:{s:s}, s:[i,i]}", "name", "a.",
			      "serial", (json_int_t)4294967295LL, "admin", 1, "off", 0, "policy",
			      "obj", "type", "weighted", "arr", 1, 2);
	char buf[64], tiny[8];
	(void)state;

	assert_non_null(o);
	assert_string_equal(api_field(o, "name", buf, sizeof(buf)), "a.");
	assert_string_equal(api_field(o, "serial", buf, sizeof(buf)), "4294967295");
	assert_string_equal(api_field(o, "admin", buf, sizeof(buf)), "yes");
	assert_string_equal(api_field(o, "off", buf, sizeof(buf)), "no");
	assert_string_equal(api_field(o, "policy", buf, sizeof(buf)), "-");
	assert_string_equal(api_field(o, "missing", buf, sizeof(buf)), "-");
	assert_string_equal(api_field(o, "obj", buf, sizeof(buf)), "{\"type\":\"weighted\"}");
	assert_string_equal(api_field(o, "arr", buf, sizeof(buf)), "[1,2]");
	assert_string_equal(api_field(o, "obj", tiny, sizeof(tiny)), "{\"type\"");
	assert_string_equal(api_field(NULL, "name", buf, sizeof(buf)), "-");
	json_decref(o);
}

static void test_etag(void **state)
{
	char buf[16];
	(void)state;

	assert_string_equal(api_etag_serial("\"2024010101\"", buf, sizeof(buf)), "2024010101");
	assert_string_equal(api_etag_serial("W/\"7\"", buf, sizeof(buf)), "7");
	assert_null(api_etag_serial(NULL, buf, sizeof(buf)));
	assert_null(api_etag_serial("7", buf, sizeof(buf)));
	assert_null(api_etag_serial("\"\"", buf, sizeof(buf)));
	assert_null(api_etag_serial("\"12345678901234567890\"", buf, sizeof(buf)));
}

static void test_error_text(void **state)
{
	char buf[256];
	(void)state;

	api_error_text(404, "{\"error\": {\"code\": \"not_found\", \"message\": "
			    "\"zone example.com. not found\", \"field\": null}}", buf, sizeof(buf));
	assert_string_equal(buf, "404 not_found: zone example.com. not found");
	api_error_text(400, "{\"error\": {\"code\": \"invalid\", \"message\": "
			    "\"zonefile:3: bad TTL\", \"field\": \"zonefile\"}}", buf, sizeof(buf));
	assert_string_equal(buf, "400 invalid: zonefile:3: bad TTL (field: zonefile)");
	/* Not the API's error object: the first line, as it came. */
	api_error_text(502, "<html>Bad Gateway</html>\r\nmore", buf, sizeof(buf));
	assert_string_equal(buf, "502: <html>Bad Gateway</html>");
	api_error_text(500, "", buf, sizeof(buf));
	assert_string_equal(buf, "500: (no error message)");
	api_error_text(409, "{\"error\": {\"code\": 1}}", buf, sizeof(buf));
	assert_string_equal(buf, "409: {\"error\": {\"code\": 1}}");
	/* Cut to the buffer, never past it. */
	api_error_text(404, "{\"error\": {\"code\": \"not_found\", \"message\": "
			    "\"a very long message indeed\", \"field\": \"x\"}}", buf, 20);
	assert_string_equal(buf, "404 not_found: a ve");
}

static void test_call_exit_codes(void **state)
{
	struct http_fixture fx = {
		.replies = {
			"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n{\"error\": {\"code\": \"not_found\", "
			"\"message\": \"zone a. not found\", \"field\": null}}",
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"9\"\r\n"
			"Connection: close\r\n\r\n{\"name\": \"a.\"}",
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n{not json",
		},
		.nreplies = 3,
	};
	struct api_reply r;
	char url[64];
	(void)state;

	/* No token anywhere is a usage error, before any request. */
	unsetenv("NSCTL_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
	setenv("HOME", "/nonexistent", 1);
	cli.server = "http://127.0.0.1:1";
	assert_int_equal(api_call("GET", "/v1/zones", NULL, &r), NSCTL_EXIT_USAGE);
	cli.token = "t";

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", http_fixture_dead_port());
	cli.server = url;
	assert_int_equal(api_call("GET", "/v1/zones", NULL, &r), NSCTL_EXIT_CONNECT);
	api_fini();

	assert_int_equal(http_fixture_start(&fx), 0);
	cli.server = fx.url;
	assert_int_equal(api_call("GET", "/v1/zones/a", NULL, &r), NSCTL_EXIT_FAIL);
	assert_null(r.json);
	assert_int_equal(api_call("GET", "/v1/zones/a", NULL, &r), NSCTL_EXIT_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.etag, "\"9\"");
	assert_string_equal(json_string_value(json_object_get(r.json, "name")), "a.");
	api_reply_free(&r);
	/* JSON that does not parse is the server's failure, not a success. */
	assert_int_equal(api_call("GET", "/v1/zones/a", NULL, &r), NSCTL_EXIT_FAIL);
	http_fixture_stop(&fx);
	assert_non_null(strstr(fx.requests[0], "\r\nAuthorization: Bearer t\r\n"));
}

/* The value of header name in a recorded request, into buf. */
static const char *header(const char *req, const char *name, char *buf, size_t len)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\r\n%s: ", name);
	p = strstr(req, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\r\n"), p);
	return buf;
}

static void test_retry_same_key(void **state)
{
	struct http_fixture fx = {
		.replies = {
			HTTP_FIXTURE_CLOSE,
			"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n{\"name\": \"a.\"}",
			HTTP_FIXTURE_CLOSE,
			"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
		},
		.nreplies = 4,
	};
	json_t *body = json_pack("{s:s}", "name", "a.");
	char k1[300], k2[300], m[64];
	struct api_reply r;
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	cli.server = fx.url;
	cli.token = "t";
	cli.if_match = "\"5\"";
	/* The connection broke: sent again with the same fresh key. */
	assert_int_equal(api_call("POST", "/v1/zones", body, &r), NSCTL_EXIT_OK);
	assert_int_equal(r.status, 201);
	api_reply_free(&r);
	/* The key given on the command line is the one sent. */
	cli.idempotency_key = "mine";
	assert_int_equal(api_call("DELETE", "/v1/zones/a", NULL, &r), NSCTL_EXIT_OK);
	assert_int_equal(r.status, 204);
	assert_null(r.json);
	api_reply_free(&r);
	http_fixture_stop(&fx);
	assert_int_equal(fx.nrequests, 4);
	assert_non_null(header(fx.requests[0], "Idempotency-Key", k1, sizeof(k1)));
	assert_non_null(header(fx.requests[1], "Idempotency-Key", k2, sizeof(k2)));
	assert_string_equal(k1, k2);
	assert_int_equal(strlen(k1), 6 + 32);
	assert_string_equal(header(fx.requests[1], "If-Match", m, sizeof(m)), "\"5\"");
	assert_string_equal(header(fx.requests[2], "Idempotency-Key", k1, sizeof(k1)), "mine");
	assert_string_equal(header(fx.requests[3], "Idempotency-Key", k1, sizeof(k1)), "mine");
	json_decref(body);
}

static void test_get_has_no_write_headers(void **state)
{
	struct http_fixture fx = {
		.replies = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			     "Connection: close\r\n\r\n{}" },
		.nreplies = 1,
	};
	struct api_reply r;
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	cli.server = fx.url;
	cli.token = "t";
	cli.if_match = "\"5\"";
	cli.idempotency_key = "k";
	assert_int_equal(api_call("GET", "/v1/zones/a", NULL, &r), NSCTL_EXIT_OK);
	api_reply_free(&r);
	http_fixture_stop(&fx);
	assert_null(strstr(fx.requests[0], "If-Match"));
	assert_null(strstr(fx.requests[0], "Idempotency-Key"));
}

static void test_list_pages(void **state)
{
	struct http_fixture fx = {
		.replies = {
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close"
			"\r\n\r\n{\"zones\": [{\"name\": \"a.\"}], \"next_cursor\": \"c/1\"}",
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close"
			"\r\n\r\n{\"zones\": [{\"name\": \"b.\"}, {\"name\": \"c.\"}], "
			"\"next_cursor\": null}",
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close"
			"\r\n\r\n{\"tokens\": {}}",
		},
		.nreplies = 3,
	};
	struct api_reply r;
	json_t *zones;
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	cli.server = fx.url;
	cli.token = "t";
	assert_int_equal(api_list("/v1/zones?account=acme", "zones", &r), NSCTL_EXIT_OK);
	zones = json_object_get(r.json, "zones");
	assert_int_equal(json_array_size(zones), 3);
	assert_string_equal(json_string_value(json_object_get(json_array_get(zones, 2), "name")),
			    "c.");
	assert_true(json_is_null(json_object_get(r.json, "next_cursor")));
	api_reply_free(&r);
	/* A reply without the list is refused, not shown as empty. */
	assert_int_equal(api_list("/v1/tokens", "tokens", &r), NSCTL_EXIT_FAIL);
	http_fixture_stop(&fx);
	assert_true(!strncmp(fx.requests[0], "GET /v1/zones?account=acme HTTP/1.1", 35));
	assert_true(!strncmp(fx.requests[1], "GET /v1/zones?account=acme&cursor=c%2F1 HTTP/1.1",
			     48));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_field),
		cmocka_unit_test(test_etag),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test_setup(test_call_exit_codes, reset),
		cmocka_unit_test_setup(test_retry_same_key, reset),
		cmocka_unit_test_setup(test_get_has_no_write_headers, reset),
		cmocka_unit_test_setup(test_list_pages, reset),
	};
	int ret;

	unsetenv("NAMESERVE_URL");
	unsetenv("NAMESERVE_TOKEN");
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	api_fini();
	return ret;
}
