// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for `nsctl stats --api` (ctl/stats_api.c, ctl/stats.c): the
 * name/value table made from GET /v1/stats, and, against a scripted server,
 * the request, --json, API errors and the options --api does not go with. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "api.h"
#include "cli.h"
#include "nsctl.h"
#include "stats.h"
#include "stats_api.h"
#include "cli_capture.h"
#include "http_fixture.h"

#define STATS_BODY \
	"{\"zones\": 2, \"rrsets\": 7, \"fastpath\": {\"received\": 12, \"answered\": 10}, " \
	"\"queries\": {\"udp\": 5, \"tcp\": 1, \"by_rcode\": {\"NOERROR\": 5, " \
	"\"NXDOMAIN\": 1}}, \"api\": {\"requests\": 30}}"

static const char stats_table[] =
	"zones                       2\n"
	"rrsets                      7\n"
	"fastpath.received          12\n"
	"fastpath.answered          10\n"
	"queries.udp                 5\n"
	"queries.tcp                 1\n"
	"queries.by_rcode.NOERROR    5\n"
	"queries.by_rcode.NXDOMAIN   1\n"
	"api.requests               30\n";

static int reset(void **state)
{
	(void)state;
	api_fini();
	memset(&cli, 0, sizeof(cli));
	return 0;
}

/* What f(...) printed: text into buf. */
static const char *printed(FILE *f, char *buf, size_t cap)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	return buf;
}

static void test_table(void **state)
{
	json_t *j = json_loads(STATS_BODY, 0, NULL);
	json_t *empty = json_loads("{\"zones\": 0, \"fastpath\": {}, \"version\": \"1.2\"}", 0,
				   NULL);
	json_t *arr = json_loads("[1]", 0, NULL);
	FILE *f = tmpfile();
	char buf[2048];
	(void)state;

	assert_non_null(j);
	assert_non_null(f);
	assert_int_equal(stats_api_print(j, f), 0);
	assert_string_equal(printed(f, buf, sizeof(buf)), stats_table);
	/* No fast path: said, not left out; a string is shown as it is. */
	assert_int_equal(ftruncate(fileno(f), 0), 0);
	rewind(f);
	assert_int_equal(stats_api_print(empty, f), 0);
	assert_string_equal(printed(f, buf, sizeof(buf)),
			    "zones       0\n"
			    "fastpath    -\n"
			    "version   1.2\n");
	assert_int_equal(stats_api_print(arr, f), -EINVAL);
	fclose(f);
	json_decref(j);
	json_decref(empty);
	json_decref(arr);
}

static void test_api_request(void **state)
{
	struct http_fixture fx = {
		.replies = {
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n" STATS_BODY,
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n{\"zones\": 2}",
			"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n{\"error\": {\"code\": \"unauthenticated\", "
			"\"message\": \"unknown token\", \"field\": null}}",
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			"Connection: close\r\n\r\n[1, 2]",
		},
		.nreplies = 4,
	};
	char out[2048], server[80];
	char *table[] = { "stats", "--api", "--server", server, "--token", "t", NULL };
	char *json[] = { "stats", "--json", "--api", NULL };
	char *plain[] = { "stats", "--api", NULL };
	(void)state;

	assert_int_equal(http_fixture_start(&fx), 0);
	snprintf(server, sizeof(server), "%s", fx.url);
	/* The global options go after the command too. */
	assert_int_equal(cli_capture(out, sizeof(out), stats_cmd, table), NSCTL_EXIT_OK);
	assert_string_equal(out, stats_table);
	assert_int_equal(cli_capture(out, sizeof(out), stats_cmd, json), NSCTL_EXIT_OK);
	assert_string_equal(out, "{\n  \"zones\": 2\n}\n");
	assert_int_equal(cli_capture(out, sizeof(out), stats_cmd, plain), NSCTL_EXIT_FAIL);
	assert_string_equal(out, "");
	assert_int_equal(cli_capture(out, sizeof(out), stats_cmd, plain), NSCTL_EXIT_FAIL);
	http_fixture_stop(&fx);
	assert_int_equal(fx.nrequests, 4);
	assert_true(!strncmp(fx.requests[0], "GET /v1/stats HTTP/1.1\r\n", 24));
	assert_non_null(strstr(fx.requests[0], "\r\nAuthorization: Bearer t\r\n"));
}

static void test_usage(void **state)
{
	char out[256];
	char *both[] = { "stats", "--api", "--instance", "x", NULL };
	char *extra[] = { "stats", "--api", "more", NULL };
	(void)state;

	/* --instance is this machine's maps: not with --api, and no request made. */
	cli.server = "http://127.0.0.1:1";
	cli.token = "t";
	assert_int_equal(cli_capture(out, sizeof(out), stats_cmd, both), NSCTL_EXIT_USAGE);
	assert_int_equal(cli_capture(out, sizeof(out), stats_cmd, extra), NSCTL_EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_table, reset),
		cmocka_unit_test_setup(test_api_request, reset),
		cmocka_unit_test_setup(test_usage, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
