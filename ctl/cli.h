/* SPDX-License-Identifier: GPL-2.0-only */
/* nsctl's command line: the options every command takes wherever they appear,
 * per-command option parsing around them, sub-command dispatch and argument checks. */
#ifndef NSCTL_CLI_H
#define NSCTL_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* The global options; NULL or false when not given. */
struct cli_global {
	const char	*server;		/* --server URL */
	const char	*token;			/* --token TOKEN */
	const char	*if_match;		/* --if-match ETAG */
	const char	*idempotency_key;	/* --idempotency-key KEY */
	long		timeout_s;		/* --timeout SECONDS, 0: the default */
	bool		json;			/* --json */
};

extern struct cli_global cli;

/* The global options' help, for the end of a usage text. */
extern const char cli_global_help[];

/* A command or a sub-command: run() gets argv[0] = "nsctl GROUP NAME". */
struct cli_cmd {
	const char	*name;
	int		(*run)(int argc, char **argv);
	const char	*args;		/* its operands and options, for the usage line */
	const char	*summary;	/* one line */
	const char	*help;		/* what --help adds (the options), or NULL */
};

/* What getopt returns for -h/--help, which every command takes. */
#define CLI_HELP	'h'

/*
 * getopt_long() over a command's own options plus the global ones, which are
 * recorded in cli and never returned; -h/--help comes back as CLI_HELP. Returns
 * the command's option, '?' on a bad one (getopt has said why) or -1 at the
 * end, argv[optind..] being the operands. Set optind = 0 before the first call on
 * an argv; a shortopts starting with '+' stops at the first operand.
 */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/*
 * Runs the sub-command named by argv[1] of GROUP (argv[0]), with argv[0] made
 * "nsctl GROUP SUB" so getopt's messages name it. Returns the exit code; --help,
 * a missing or an unknown sub-command print the group's usage.
 */
int cli_dispatch(const char *group, const char *summary, const struct cli_cmd *cmds,
		 int ncmds, int argc, char **argv);

/* The running sub-command's usage on stdout; returns NSCTL_EXIT_OK. */
int cli_help(void);

/* Reports a bad command line (fmt may be NULL) with the running sub-command's
 * usage line; returns NSCTL_EXIT_USAGE. */
int cli_bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes why a value is refused into err (len bytes), for the caller to report
 * with cli_bad_usage; returns -EINVAL. */
int cli_reason(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Checks that the operands left after the options number between min and max
 * (max < 0: any); reports like cli_bad_usage and returns false when not. */
bool cli_operands(int argc, char **argv, int min, int max);

/* A decimal integer in [min, max], the whole string: 0 or -EINVAL/-ERANGE. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* A value we may put in a request header: 1-255 printable ASCII characters. */
bool cli_header_value_ok(const char *s);

/* Reads a whole file ("-": stdin) into a NUL-terminated malloc'd buffer.
 * Returns 0 or -errno: -EFBIG past max bytes, -EINVAL for a NUL byte inside. */
int cli_read_file(const char *path, size_t max, char **text, size_t *len);

#endif /* NSCTL_CLI_H */
