// SPDX-License-Identifier: GPL-2.0-only
/* nsctl: the operator's command line. `nsctl [global options] <command> [args]`
 * hands argv over to one command; each lives in its own file. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "healthcheck.h"
#include "nsctl.h"
#include "rrset.h"
#include "stats.h"
#include "token.h"
#include "zone.h"

struct nsctl_cmd {
	const char	*name;
	int		(*run)(int argc, char **argv);
	const char	*summary;	/* NULL: an alias, not listed */
};

static const struct nsctl_cmd nsctl_cmds[] = {
	{ "zone",	zone_cmd,	"zones: list, create, get, delete, import, export" },
	{ "rrset",	rrset_cmd,	"records: list, get, set, add, remove, delete, apply" },
	{ "healthcheck", healthcheck_cmd, "health checks (alias hc): list, get, create, set, delete" },
	{ "hc",		healthcheck_cmd, NULL },
	{ "token",	token_cmd,	"API tokens: list, create, delete" },
	{ "stats",	stats_cmd,	"counters: the fast path here, or the daemon's (--api)" },
};

#define NSCTL_NCMDS	(sizeof(nsctl_cmds) / sizeof(nsctl_cmds[0]))

static void nsctl_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: nsctl [global options] <command> [args]\n"
		   "       nsctl <command> --help\n\ncommands:\n");
	for (i = 0; i < NSCTL_NCMDS; i++)
		if (nsctl_cmds[i].summary)
			fprintf(f, "  %-12s %s\n", nsctl_cmds[i].name, nsctl_cmds[i].summary);
	fprintf(f, "\n%s", cli_global_help);
	fprintf(f, "\nThe server and token come from the flags, else $NAMESERVE_URL and\n"
		   "$NAMESERVE_TOKEN, else ~/.config/nameserve/nsctl.conf ($NSCTL_CONFIG):\n"
		   "`server = URL` and `token = TOKEN` lines.\n"
		   "\nexit codes: %d ok, %d failed (the API's error is shown), %d bad usage, "
		   "%d cannot connect\n",
		NSCTL_EXIT_OK, NSCTL_EXIT_FAIL, NSCTL_EXIT_USAGE, NSCTL_EXIT_CONNECT);
}

int main(int argc, char **argv)
{
	size_t i;
	int c, ret;

	/* Global options may come before the command too. */
	optind = 0;
	while ((c = cli_getopt(argc, argv, "+", NULL)) != -1) {
		if (c == CLI_HELP) {
			nsctl_usage(stdout);
			return NSCTL_EXIT_OK;
		}
		nsctl_usage(stderr);
		return NSCTL_EXIT_USAGE;
	}
	if (optind >= argc) {
		nsctl_usage(stderr);
		return NSCTL_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		nsctl_usage(stdout);
		return NSCTL_EXIT_OK;
	}
	for (i = 0; i < NSCTL_NCMDS; i++) {
		if (strcmp(argv[optind], nsctl_cmds[i].name))
			continue;
		ret = nsctl_cmds[i].run(argc - optind, argv + optind);
		api_fini();
		return ret;
	}
	nsctl_err("unknown command '%s' (see nsctl --help)", argv[optind]);
	return NSCTL_EXIT_USAGE;
}
