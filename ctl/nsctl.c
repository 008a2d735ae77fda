// SPDX-License-Identifier: GPL-2.0-only
/* nsctl: the operator's command line. `nsctl <command> [args]` hands argv over
 * to one command; each lives in its own file. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nsctl.h"
#include "stats.h"

struct nsctl_cmd {
	const char	*name;
	int		(*run)(int argc, char **argv);
	const char	*summary;
};

static const struct nsctl_cmd nsctl_cmds[] = {
	{ "stats",	stats_cmd,	"fast-path counters of a running nameserved" },
};

#define NSCTL_NCMDS	(sizeof(nsctl_cmds) / sizeof(nsctl_cmds[0]))

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

static void nsctl_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: nsctl <command> [args]\n       nsctl <command> --help\n\ncommands:\n");
	for (i = 0; i < NSCTL_NCMDS; i++)
		fprintf(f, "  %-10s %s\n", nsctl_cmds[i].name, nsctl_cmds[i].summary);
	fprintf(f, "\nexit codes: %d ok, %d failed, %d bad usage\n",
		NSCTL_EXIT_OK, NSCTL_EXIT_FAIL, NSCTL_EXIT_USAGE);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		nsctl_usage(stderr);
		return NSCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		nsctl_usage(stdout);
		return NSCTL_EXIT_OK;
	}
	for (i = 0; i < NSCTL_NCMDS; i++)
		if (!strcmp(argv[1], nsctl_cmds[i].name))
			return nsctl_cmds[i].run(argc - 1, argv + 1);
	nsctl_err("unknown command '%s' (see nsctl --help)", argv[1]);
	return NSCTL_EXIT_USAGE;
}
