// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/config.c: the config file's syntax and errors, server URL
 * normalization, where the file is looked for, and flags > environment > file
 * > default. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static char tmpdir[] = "/tmp/nsctl-config-test.XXXXXX";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void clear_env(void)
{
	unsetenv(CONFIG_ENV_SERVER);
	unsetenv(CONFIG_ENV_TOKEN);
	unsetenv(CONFIG_ENV_PATH);
	unsetenv("XDG_CONFIG_HOME");
}

static int setup(void **state)
{
	(void)state;
	clear_env();
	return 0;
}

static void test_parse_ok(void **state)
{
	char *server = NULL, *token = NULL, err[256] = "";
	(void)state;

	assert_int_equal(config_parse("# nsctl\n\n  server =  http://a:1/ \n"
				      "\ttoken=ns_abc#def\r\n# token = nope\n",
				      "f", &server, &token, err, sizeof(err)), 0);
	assert_string_equal(server, "http://a:1/");
	/* '#' inside a value is part of it: only whole lines are comments. */
	assert_string_equal(token, "ns_abc#def");
	/* A later line wins. */
	assert_int_equal(config_parse("token = t1\ntoken = t2\n", "f", &server, &token, err,
				      sizeof(err)), 0);
	assert_string_equal(token, "t2");
	assert_string_equal(server, "http://a:1/");
	/* Empty text leaves both as they were. */
	assert_int_equal(config_parse("", "f", &server, &token, err, sizeof(err)), 0);
	assert_string_equal(token, "t2");
	free(server);
	free(token);
}

static void assert_parse_error(const char *text, const char *want)
{
	char *server = NULL, *token = NULL, err[256] = "";

	assert_int_equal(config_parse(text, "/x/nsctl.conf", &server, &token, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, want);
	free(server);
	free(token);
}

static void test_parse_errors(void **state)
{
	(void)state;
	assert_parse_error("server = http://a\nbogus = 1\n",
			   "/x/nsctl.conf:2: unknown key 'bogus' (server, token)");
	assert_parse_error("\n\nserver http://a\n", "/x/nsctl.conf:3: expected 'key = value'");
	assert_parse_error("token =   \n", "/x/nsctl.conf:1: 'token' has no value");
	assert_parse_error("token = two words\n",
			   "/x/nsctl.conf:1: token: 1-255 printable characters without spaces");
	assert_parse_error("token = a\x01z\n",
			   "/x/nsctl.conf:1: token: 1-255 printable characters without spaces");
}

static void assert_url(const char *in, const char *want)
{
	char *out = NULL;

	if (!want) {
		assert_int_equal(config_server_url(in, &out), -EINVAL);
		return;
	}
	assert_int_equal(config_server_url(in, &out), 0);
	assert_string_equal(out, want);
	free(out);
}

static void test_server_url(void **state)
{
	(void)state;
	assert_url("http://127.0.0.1:8053", "http://127.0.0.1:8053");
	assert_url("http://127.0.0.1:8053///", "http://127.0.0.1:8053");
	assert_url("127.0.0.1:8053", "http://127.0.0.1:8053");
	assert_url("[2001:db8::1]:8053", "http://[2001:db8::1]:8053");
	assert_url("HTTPS://api.example/", "HTTPS://api.example");
	assert_url("https://api.example/dns/", "https://api.example/dns");
	assert_url("ftp://api.example", NULL);
	assert_url("http://", NULL);
	assert_url("http:///v1", NULL);
	assert_url("", NULL);
	assert_url("http://a b", NULL);
	assert_url("http://a\r\nX: y", NULL);
	assert_url("http://a/?q", NULL);
}

static void test_path(void **state)
{
	char buf[256];
	(void)state;

	setenv("HOME", "/home/op", 1);
	assert_int_equal(config_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/op/.config/nameserve/nsctl.conf");
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	assert_int_equal(config_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/xdg/nameserve/nsctl.conf");
	/* A relative XDG_CONFIG_HOME is invalid by the spec: ignored. */
	setenv("XDG_CONFIG_HOME", "rel", 1);
	assert_int_equal(config_path(buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/home/op/.config/nameserve/nsctl.conf");
	setenv(CONFIG_ENV_PATH, "/etc/nsctl.conf", 1);
	assert_int_equal(config_path(buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/etc/nsctl.conf");
	assert_int_equal(config_path(buf, 8), -ENAMETOOLONG);
	clear_env();
}

static void test_resolve_precedence(void **state)
{
	char path[256], err[512] = "";
	struct config cfg;
	(void)state;

	snprintf(path, sizeof(path), "%s/nsctl.conf", tmpdir);
	write_file(path, "server = file.example:1\ntoken = file-token\n");
	setenv(CONFIG_ENV_PATH, path, 1);

	/* The file alone. */
	assert_int_equal(config_resolve(&cfg, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "http://file.example:1");
	assert_string_equal(cfg.token, "file-token");
	assert_string_equal(cfg.server_from, path);
	assert_string_equal(cfg.token_from, path);
	config_free(&cfg);

	/* The environment over the file, each on its own. */
	setenv(CONFIG_ENV_TOKEN, "env-token", 1);
	assert_int_equal(config_resolve(&cfg, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "http://file.example:1");
	assert_string_equal(cfg.token, "env-token");
	assert_string_equal(cfg.token_from, CONFIG_ENV_TOKEN);
	config_free(&cfg);
	setenv(CONFIG_ENV_SERVER, "https://env.example", 1);
	assert_int_equal(config_resolve(&cfg, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "https://env.example");
	assert_string_equal(cfg.server_from, CONFIG_ENV_SERVER);
	config_free(&cfg);

	/* Flags over both. */
	assert_int_equal(config_resolve(&cfg, "http://flag:2/", "flag-token", err, sizeof(err)), 0);
	assert_string_equal(cfg.server, "http://flag:2");
	assert_string_equal(cfg.token, "flag-token");
	assert_string_equal(cfg.server_from, "--server");
	config_free(&cfg);

	/* An empty variable counts as unset. */
	setenv(CONFIG_ENV_TOKEN, "", 1);
	unsetenv(CONFIG_ENV_SERVER);
	assert_int_equal(config_resolve(&cfg, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.token, "file-token");
	config_free(&cfg);

	/* Everything given: a broken file is never read. */
	write_file(path, "garbage\n");
	assert_int_equal(config_resolve(&cfg, "h:1", "t", err, sizeof(err)), 0);
	config_free(&cfg);
	/* Needed, it is an error with its line. */
	assert_int_equal(config_resolve(&cfg, "h:1", NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nsctl.conf:1: expected 'key = value'"));
	assert_null(cfg.server);
	unlink(path);
	clear_env();
}

static void test_resolve_defaults(void **state)
{
	char err[512] = "", path[256];
	struct config cfg;
	(void)state;

	/* No file where the default path points: the default server, no token. */
	setenv("HOME", tmpdir, 1);
	assert_int_equal(config_resolve(&cfg, NULL, NULL, err, sizeof(err)), 0);
	assert_string_equal(cfg.server, CONFIG_DEFAULT_SERVER);
	assert_null(cfg.token);
	snprintf(path, sizeof(path), "%s/.config/nameserve/nsctl.conf", tmpdir);
	assert_string_equal(cfg.path, path);
	config_free(&cfg);

	/* A file named by $NSCTL_CONFIG must exist. */
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	setenv(CONFIG_ENV_PATH, path, 1);
	assert_int_equal(config_resolve(&cfg, NULL, NULL, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing.conf: No such file or directory"));

	/* A bad URL and a token that cannot go into a header. */
	unsetenv(CONFIG_ENV_PATH);
	assert_int_equal(config_resolve(&cfg, "gopher://x", "t", err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--server: 'gopher://x' is not an http:// or https:// URL");
	setenv(CONFIG_ENV_TOKEN, "a\nb", 1);
	assert_int_equal(config_resolve(&cfg, "h", NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NAMESERVE_TOKEN: the token must be"));

	/* A directory is not a config file. */
	unsetenv(CONFIG_ENV_TOKEN);
	setenv(CONFIG_ENV_PATH, tmpdir, 1);
	assert_int_equal(config_resolve(&cfg, NULL, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	clear_env();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_ok, setup),
		cmocka_unit_test_setup(test_parse_errors, setup),
		cmocka_unit_test_setup(test_server_url, setup),
		cmocka_unit_test_setup(test_path, setup),
		cmocka_unit_test_setup(test_resolve_precedence, setup),
		cmocka_unit_test_setup(test_resolve_defaults, setup),
	};
	char cmd[128];
	int ret;

	if (!mkdtemp(tmpdir))
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		ret = ret ?: 1;
	return ret;
}
