// SPDX-License-Identifier: GPL-2.0-only
/* nsctl's command line: global options accepted anywhere, each command's own
 * options around them, sub-command dispatch, and the checks every command shares. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include "cli.h"
#include "nsctl.h"

struct cli_global cli;

enum {
	OPT_SERVER = 0x100,	/* past every character a command may use as a short option */
	OPT_TOKEN,
	OPT_JSON,
	OPT_IF_MATCH,
	OPT_IDEMPOTENCY_KEY,
	OPT_TIMEOUT,
};

static const struct option cli_global_opts[] = {
	{ "server",		required_argument,	NULL, OPT_SERVER },
	{ "token",		required_argument,	NULL, OPT_TOKEN },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "if-match",		required_argument,	NULL, OPT_IF_MATCH },
	{ "idempotency-key",	required_argument,	NULL, OPT_IDEMPOTENCY_KEY },
	{ "timeout",		required_argument,	NULL, OPT_TIMEOUT },
	{ "help",		no_argument,		NULL, CLI_HELP },
};

#define CLI_NGLOBAL	(sizeof(cli_global_opts) / sizeof(cli_global_opts[0]))
#define CLI_MAX_OPTS	32

const char cli_global_help[] =
	"global options (anywhere on the line):\n"
	"  --server URL           the API (default: $NAMESERVE_URL, the config file, "
	"http://127.0.0.1:8053)\n"
	"  --token TOKEN          the bearer token (default: $NAMESERVE_TOKEN, the config file)\n"
	"  --json                 print the API's JSON instead of a table\n"
	"  --if-match ETAG        refuse the write if the zone is no longer at ETAG (\"SERIAL\")\n"
	"  --idempotency-key KEY  make a write safe to retry: the same KEY is applied once\n"
	"  --timeout SECONDS      give up on a request after SECONDS (default 30)\n";

static const char *cli_group;
static const struct cli_cmd *cli_cur;

void nsctl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("nsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool nsctl_name_valid(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > 64 || name[0] == '.')
		return false;
	for (i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    name[i]))
			return false;
	return true;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!*s || !strchr("+-0123456789", *s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

bool cli_header_value_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len < 1 || len > 255)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return true;
}

/* Records one global option; false after reporting a bad value. */
static bool cli_global_set(int c, const char *arg)
{
	long v;

	switch (c) {
	case OPT_SERVER:
		cli.server = arg;
		return true;
	case OPT_TOKEN:
		cli.token = arg;
		return true;
	case OPT_JSON:
		cli.json = true;
		return true;
	case OPT_IF_MATCH:
	case OPT_IDEMPOTENCY_KEY:
		if (!cli_header_value_ok(arg)) {
			nsctl_err("--%s: 1-255 printable characters without spaces",
				  c == OPT_IF_MATCH ? "if-match" : "idempotency-key");
			return false;
		}
		if (c == OPT_IF_MATCH)
			cli.if_match = arg;
		else
			cli.idempotency_key = arg;
		return true;
	case OPT_TIMEOUT:
		if (cli_parse_long(arg, 1, 86400, &v)) {
			nsctl_err("--timeout: '%s' is not a number of seconds (1-86400)", arg);
			return false;
		}
		cli.timeout_s = v;
		return true;
	}
	return false;
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	static struct option merged[CLI_MAX_OPTS + 1];
	static char shorts[64];
	size_t n = 0, i;
	int c;

	if (optind == 0) {
		/* A new argv: the command's options first, so its own take precedence. */
		for (; longopts && longopts[n].name; n++) {
			if (n >= CLI_MAX_OPTS - CLI_NGLOBAL)
				abort();	/* a programming error, caught by any test */
			merged[n] = longopts[n];
		}
		for (i = 0; i < CLI_NGLOBAL; i++)
			merged[n++] = cli_global_opts[i];
		memset(&merged[n], 0, sizeof(merged[n]));
		if (snprintf(shorts, sizeof(shorts), "%sh", shortopts) >= (int)sizeof(shorts))
			abort();
	}
	for (;;) {
		c = getopt_long(argc, argv, shorts, merged, NULL);
		if (c < OPT_SERVER || c > OPT_TIMEOUT)
			return c;
		if (!cli_global_set(c, optarg))
			return '?';
	}
}

static void cli_print_usage(FILE *f, const struct cli_cmd *cmd)
{
	fprintf(f, "usage: nsctl %s %s%s%s\n", cli_group, cmd->name, *cmd->args ? " " : "",
		cmd->args);
}

int cli_help(void)
{
	if (!cli_cur)
		return NSCTL_EXIT_OK;
	cli_print_usage(stdout, cli_cur);
	printf("\n%s.\n", cli_cur->summary);
	if (cli_cur->help)
		printf("\n%s", cli_cur->help);
	printf("\n%s", cli_global_help);
	return NSCTL_EXIT_OK;
}

int cli_reason(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int cli_bad_usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		fprintf(stderr, "nsctl: %s %s: ", cli_group, cli_cur ? cli_cur->name : "");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (cli_cur)
		cli_print_usage(stderr, cli_cur);
	return NSCTL_EXIT_USAGE;
}

bool cli_operands(int argc, char **argv, int min, int max)
{
	int n = argc - optind;

	if (n < min) {
		cli_bad_usage("missing operand");
		return false;
	}
	if (max >= 0 && n > max) {
		cli_bad_usage("unexpected argument '%s'", argv[optind + max]);
		return false;
	}
	return true;
}

static void cli_group_usage(FILE *f, const char *group, const char *summary,
			    const struct cli_cmd *cmds, int ncmds)
{
	int i;

	fprintf(f, "usage: nsctl %s COMMAND [ARGS]\n\n%s.\n\ncommands:\n", group, summary);
	for (i = 0; i < ncmds; i++)
		fprintf(f, "  nsctl %s %s %s\n      %s\n", group, cmds[i].name, cmds[i].args,
			cmds[i].summary);
	fprintf(f, "\n`nsctl %s COMMAND --help` tells more.\n", group);
}

int cli_dispatch(const char *group, const char *summary, const struct cli_cmd *cmds,
		 int ncmds, int argc, char **argv)
{
	const struct cli_cmd *cmd = NULL;
	char **sub = NULL, *name = NULL;
	int i, ret;

	cli_group = group;
	cli_cur = NULL;
	if (argc < 2) {
		cli_group_usage(stderr, group, summary, cmds, ncmds);
		return NSCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		cli_group_usage(stdout, group, summary, cmds, ncmds);
		return NSCTL_EXIT_OK;
	}
	for (i = 0; i < ncmds; i++)
		if (!strcmp(argv[1], cmds[i].name))
			cmd = &cmds[i];
	if (!cmd) {
		nsctl_err("%s: unknown command '%s' (see nsctl %s --help)", group, argv[1], group);
		return NSCTL_EXIT_USAGE;
	}
	sub = calloc(argc, sizeof(*sub));
	if (!sub || asprintf(&name, "nsctl %s %s", group, cmd->name) < 0) {
		nsctl_err("out of memory");
		free(sub);
		return NSCTL_EXIT_FAIL;
	}
	sub[0] = name;
	for (i = 2; i < argc; i++)
		sub[i - 1] = argv[i];
	cli_cur = cmd;
	optind = 0;
	ret = cmd->run(argc - 1, sub);
	free(name);
	free(sub);
	return ret;
}

int cli_read_file(const char *path, size_t max, char **text, size_t *len)
{
	size_t used = 0, cap = 0;
	char *buf = NULL, *grown;
	ssize_t n;
	int fd, ret;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	for (;;) {
		if (used + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			grown = realloc(buf, cap);
			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			buf = grown;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out;
		}
		if (n == 0)
			break;
		used += n;
		if (used > max) {
			ret = -EFBIG;
			goto out;
		}
	}
	buf[used] = '\0';
	if (strlen(buf) != used) {
		ret = -EINVAL;
		goto out;
	}
	*text = buf;
	*len = used;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}
