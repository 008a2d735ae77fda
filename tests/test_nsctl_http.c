// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/http.c against a scripted server on loopback: the request
 * nsctl sends (method, headers, body), the response it hands back (status,
 * body, ETag, replay), and each way an exchange can fail. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http.h"
#include "http_fixture.h"

static void test_escape(void **state)
{
	char *e;
	(void)state;

	e = http_escape("www.example.com.");
	assert_string_equal(e, "www.example.com.");
	free(e);
	/* '@' (the apex) and '*' (a wildcard) stay readable; '/' cannot split the path. */
	e = http_escape("@");
	assert_string_equal(e, "@");
	free(e);
	e = http_escape("*.a_b-c~");
	assert_string_equal(e, "*.a_b-c~");
	free(e);
	e = http_escape("0/25.2.0.192.in-addr.arpa. ?&=#%\xc3\xa9");
	assert_string_equal(e, "0%2F25.2.0.192.in-addr.arpa.%20%3F%26%3D%23%25%C3%A9");
	free(e);
	e = http_escape("");
	assert_string_equal(e, "");
	free(e);
}

static void test_request_and_reply(void **state)
{
	struct http_fixture fx = {
		.replies = { "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			     "ETag: \"2024010102\"\r\nIdempotent-Replayed: true\r\n"
			     "Content-Length: 11\r\nConnection: close\r\n\r\n{\"ttl\":300}" },
		.nreplies = 1,
	};
	static const char body[] = "{\"ttl\":300,\"records\":[\"192.0.2.1\"]}";
	struct http_request req = {
		.method = "PUT",
		.body = body,
		.body_len = sizeof(body) - 1,
		.token = "ns_secret",
		.if_match = "\"2024010101\"",
		.idempotency_key = "key-1",
		.timeout_ms = 5000,
	};
	struct http_client *c = http_client_new();
	struct http_response resp;
	char url[128], err[256];
	const char *r;
	(void)state;

	assert_non_null(c);
	assert_int_equal(http_fixture_start(&fx), 0);
	snprintf(url, sizeof(url), "%s/v1/zones/example.com/rrsets/www/A", fx.url);
	req.url = url;
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), 0);
	http_fixture_stop(&fx);

	r = fx.requests[0];
	assert_true(!strncmp(r, "PUT /v1/zones/example.com/rrsets/www/A HTTP/1.1\r\n", 49));
	assert_non_null(strstr(r, "\r\nAuthorization: Bearer ns_secret\r\n"));
	assert_non_null(strstr(r, "\r\nIf-Match: \"2024010101\"\r\n"));
	assert_non_null(strstr(r, "\r\nIdempotency-Key: key-1\r\n"));
	assert_non_null(strstr(r, "\r\nContent-Type: application/json\r\n"));
	assert_null(strcasestr(r, "\r\nExpect:"));
	assert_non_null(strstr(r, "\r\n\r\n{\"ttl\":300,\"records\":[\"192.0.2.1\"]}"));

	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.body, "{\"ttl\":300}");
	assert_int_equal(resp.body_len, 11);
	assert_string_equal(resp.etag, "\"2024010102\"");
	assert_string_equal(resp.content_type, "application/json");
	assert_true(resp.replayed);
	http_response_free(&resp);
	http_client_free(c);
}

static void test_statuses(void **state)
{
	struct http_fixture fx = {
		.replies = {
			"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
			"Content-Length: 13\r\nConnection: close\r\n\r\n{\"error\":{}}\n",
			"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n",
			"HTTP/1.1 200 OK\r\nContent-Type: text/dns\r\nConnection: close\r\n\r\n"
			"a. 1 IN A 192.0.2.1\n",
		},
		.nreplies = 3,
	};
	struct http_request req = { .method = "GET" };
	struct http_client *c = http_client_new();
	struct http_response resp;
	char err[256];
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	req.url = fx.url;
	/* An HTTP error is a response like any other: the caller reads it. */
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), 0);
	assert_int_equal(resp.status, 404);
	assert_string_equal(resp.body, "{\"error\":{}}\n");
	assert_null(resp.etag);
	assert_false(resp.replayed);
	http_response_free(&resp);
	req.method = "DELETE";
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), 0);
	assert_int_equal(resp.status, 204);
	assert_string_equal(resp.body, "");
	assert_int_equal(resp.body_len, 0);
	http_response_free(&resp);
	/* A body without a length, ended by the close. */
	req.method = "GET";
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), 0);
	assert_string_equal(resp.body, "a. 1 IN A 192.0.2.1\n");
	assert_string_equal(resp.content_type, "text/dns");
	http_response_free(&resp);
	http_fixture_stop(&fx);
	assert_true(!strncmp(fx.requests[1], "DELETE / HTTP/1.1\r\n", 19));
	/* No token, no Authorization header. */
	assert_null(strstr(fx.requests[0], "Authorization"));
	http_client_free(c);
}

static void test_failures(void **state)
{
	struct http_fixture fx = {
		.replies = { HTTP_FIXTURE_CLOSE, HTTP_FIXTURE_HANG },
		.nreplies = 2,
	};
	struct http_request req = { .method = "POST", .body = "{}", .body_len = 2,
				    .timeout_ms = 300 };
	struct http_client *c = http_client_new();
	struct http_response resp;
	char url[64], err[256];
	int port;
	(void)state;

	/* Nobody listening: refused, nothing was sent. */
	port = http_fixture_dead_port();
	assert_true(port > 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/zones", port);
	req.url = url;
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), -ECONNREFUSED);
	assert_non_null(strstr(err, "onnect"));
	/* A name that does not resolve is as unreachable. */
	req.url = "http://nonexistent.invalid/";
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), -ECONNREFUSED);

	assert_int_equal(http_fixture_start(&fx), 0);
	req.url = fx.url;
	/* Connected, then nothing came back: the write may have happened. */
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), -EIO);
	assert_true(*err);
	/* Connected, then no answer in time. */
	assert_int_equal(http_client_do(c, &req, &resp, err, sizeof(err)), -ETIMEDOUT);
	http_fixture_stop(&fx);
	assert_int_equal(fx.nrequests, 2);
	assert_non_null(strstr(fx.requests[1], "\r\n\r\n{}"));
	http_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_request_and_reply),
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
