// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/cli.c: global options anywhere among a command's own,
 * their checks, sub-command dispatch, number and header-value parsing, and
 * reading whole files. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "nsctl.h"

static int reset(void **state)
{
	(void)state;
	memset(&cli, 0, sizeof(cli));
	optind = 0;
	return 0;
}

static void test_globals_anywhere(void **state)
{
	static const struct option opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	char *argv[] = { "nsctl rrset set", "--server", "http://s:1", "example.com", "www",
			 "--ttl", "300", "A", "--json", "192.0.2.1", "--token=tok",
			 "--if-match", "\"7\"", "--idempotency-key", "k1", "--timeout", "5",
			 "192.0.2.2", NULL };
	int argc = sizeof(argv) / sizeof(argv[0]) - 1, c, ttl_seen = 0;
	(void)state;

	while ((c = cli_getopt(argc, argv, "t:", opts)) != -1) {
		assert_int_equal(c, 't');
		assert_string_equal(optarg, "300");
		ttl_seen++;
	}
	assert_int_equal(ttl_seen, 1);
	assert_string_equal(cli.server, "http://s:1");
	assert_string_equal(cli.token, "tok");
	assert_string_equal(cli.if_match, "\"7\"");
	assert_string_equal(cli.idempotency_key, "k1");
	assert_int_equal(cli.timeout_s, 5);
	assert_true(cli.json);
	/* The operands, in their order, after the options. */
	assert_int_equal(argc - optind, 5);
	assert_string_equal(argv[optind], "example.com");
	assert_string_equal(argv[optind + 1], "www");
	assert_string_equal(argv[optind + 2], "A");
	assert_string_equal(argv[optind + 3], "192.0.2.1");
	assert_string_equal(argv[optind + 4], "192.0.2.2");
}

static void test_double_dash(void **state)
{
	char *argv[] = { "nsctl rrset set", "z", "n", "TXT", "--", "--json", "-x", NULL };
	int argc = 7;
	(void)state;

	/* After "--", an RDATA that looks like an option is an operand. */
	assert_int_equal(cli_getopt(argc, argv, "", NULL), -1);
	assert_false(cli.json);
	assert_int_equal(argc - optind, 5);
	assert_string_equal(argv[optind + 3], "--json");
	assert_string_equal(argv[optind + 4], "-x");
}

static void test_bad_globals(void **state)
{
	char *a1[] = { "nsctl zone list", "--timeout", "0", NULL };
	char *a2[] = { "nsctl zone list", "--timeout", "9x", NULL };
	char *a3[] = { "nsctl zone list", "--if-match", "a b", NULL };
	char *a4[] = { "nsctl zone list", "--idempotency-key", "", NULL };
	char *a5[] = { "nsctl zone list", "--nope", NULL };
	char *a6[] = { "nsctl zone list", "--server", NULL };
	char *a7[] = { "nsctl zone list", "-h", NULL };
	(void)state;

	assert_int_equal(cli_getopt(3, a1, "", NULL), '?');
	optind = 0;
	assert_int_equal(cli_getopt(3, a2, "", NULL), '?');
	optind = 0;
	assert_int_equal(cli_getopt(3, a3, "", NULL), '?');
	assert_null(cli.if_match);
	optind = 0;
	assert_int_equal(cli_getopt(3, a4, "", NULL), '?');
	optind = 0;
	assert_int_equal(cli_getopt(2, a5, "", NULL), '?');
	optind = 0;
	assert_int_equal(cli_getopt(2, a6, "", NULL), '?');
	optind = 0;
	assert_int_equal(cli_getopt(2, a7, "", NULL), CLI_HELP);
}

static void test_leading_stops_at_command(void **state)
{
	char *argv[] = { "nsctl", "--json", "--server", "u", "zone", "list", "--token", "t",
			 NULL };
	(void)state;

	/* main's scan: "+" stops at the command, whose options are its own. */
	assert_int_equal(cli_getopt(8, argv, "+", NULL), -1);
	assert_true(cli.json);
	assert_string_equal(cli.server, "u");
	assert_null(cli.token);
	assert_string_equal(argv[optind], "zone");
}

/* Copies: the argv a sub-command gets lives only while it runs. */
static char seen[8][64];
static int seen_argc;

static int fake_run(int argc, char **argv)
{
	int c, i;

	seen_argc = argc;
	for (i = 0; i < argc && i < 8; i++)
		snprintf(seen[i], sizeof(seen[i]), "%s", argv[i]);
	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		if (c == CLI_HELP)
			return cli_help();
	if (!cli_operands(argc, argv, 1, 2))
		return NSCTL_EXIT_USAGE;
	return 42;
}

static const struct cli_cmd fake_cmds[] = {
	{ "list", fake_run, "A [B]", "lists", NULL },
	{ "make", fake_run, "A [B]", "makes", "  --x  nothing\n" },
};

static void test_dispatch(void **state)
{
	char *ok[] = { "grp", "make", "a", "--json", NULL };
	char *none[] = { "grp", NULL };
	char *unknown[] = { "grp", "frob", NULL };
	char *help[] = { "grp", "--help", NULL };
	char *subhelp[] = { "grp", "list", "--help", NULL };
	char *few[] = { "grp", "list", NULL };
	char *many[] = { "grp", "list", "a", "b", "c", NULL };
	(void)state;

	assert_int_equal(cli_dispatch("grp", "Things", fake_cmds, 2, 4, ok), 42);
	assert_int_equal(seen_argc, 3);
	/* getopt's messages will name the whole command. */
	assert_string_equal(seen[0], "nsctl grp make");
	assert_string_equal(seen[1], "a");
	assert_true(cli.json);
	assert_int_equal(cli_dispatch("grp", "Things", fake_cmds, 2, 1, none), NSCTL_EXIT_USAGE);
	assert_int_equal(cli_dispatch("grp", "Things", fake_cmds, 2, 2, unknown),
			 NSCTL_EXIT_USAGE);
	assert_int_equal(cli_dispatch("grp", "Things", fake_cmds, 2, 2, help), NSCTL_EXIT_OK);
	assert_int_equal(cli_dispatch("grp", "Things", fake_cmds, 2, 3, subhelp), NSCTL_EXIT_OK);
	assert_int_equal(cli_dispatch("grp", "Things", fake_cmds, 2, 2, few), NSCTL_EXIT_USAGE);
	assert_int_equal(cli_dispatch("grp", "Things", fake_cmds, 2, 5, many), NSCTL_EXIT_USAGE);
}

static void test_parse_long(void **state)
{
	long v = -7;
	(void)state;

	assert_int_equal(cli_parse_long("300", 0, 2147483647L, &v), 0);
	assert_int_equal(v, 300);
	assert_int_equal(cli_parse_long("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(cli_parse_long("2147483647", 0, 2147483647L, &v), 0);
	assert_int_equal(cli_parse_long("2147483648", 0, 2147483647L, &v), -ERANGE);
	assert_int_equal(cli_parse_long("-1", 0, 10, &v), -ERANGE);
	assert_int_equal(cli_parse_long("99999999999999999999999", 0, 10, &v), -ERANGE);
	assert_int_equal(cli_parse_long("", 0, 10, &v), -EINVAL);
	assert_int_equal(cli_parse_long(" 5", 0, 10, &v), -EINVAL);
	assert_int_equal(cli_parse_long("5 ", 0, 10, &v), -EINVAL);
	assert_int_equal(cli_parse_long("1h", 0, 10, &v), -EINVAL);
	assert_int_equal(cli_parse_long("0x10", 0, 100, &v), -EINVAL);
	assert_int_equal(v, 2147483647L);
}

static void test_header_value(void **state)
{
	char long_key[300];
	(void)state;

	assert_true(cli_header_value_ok("\"2024010101\""));
	assert_true(cli_header_value_ok("ns_AbC-123_~!"));
	assert_false(cli_header_value_ok(""));
	assert_false(cli_header_value_ok("a b"));
	assert_false(cli_header_value_ok("a\r\nX-Evil: 1"));
	assert_false(cli_header_value_ok("caf\xc3\xa9"));
	memset(long_key, 'k', 255);
	long_key[255] = '\0';
	assert_true(cli_header_value_ok(long_key));
	long_key[255] = 'k';
	long_key[256] = '\0';
	assert_false(cli_header_value_ok(long_key));
}

static void test_read_file(void **state)
{
	char path[] = "/tmp/nsctl-cli-test.XXXXXX", *text = NULL;
	size_t len = 0;
	int fd;
	(void)state;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "$ORIGIN a.\n", 11), 11);
	assert_int_equal(cli_read_file(path, 100, &text, &len), 0);
	assert_int_equal(len, 11);
	assert_string_equal(text, "$ORIGIN a.\n");
	free(text);
	assert_int_equal(cli_read_file(path, 10, &text, &len), -EFBIG);
	assert_int_equal(write(fd, "\0x", 2), 2);
	assert_int_equal(cli_read_file(path, 100, &text, &len), -EINVAL);
	/* Empty is fine: the server says what it thinks of it. */
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(cli_read_file(path, 100, &text, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);
	close(fd);
	unlink(path);
	assert_int_equal(cli_read_file(path, 100, &text, &len), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_globals_anywhere, reset),
		cmocka_unit_test_setup(test_double_dash, reset),
		cmocka_unit_test_setup(test_bad_globals, reset),
		cmocka_unit_test_setup(test_leading_stops_at_command, reset),
		cmocka_unit_test_setup(test_dispatch, reset),
		cmocka_unit_test_setup(test_parse_long, reset),
		cmocka_unit_test_setup(test_header_value, reset),
		cmocka_unit_test_setup(test_read_file, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
