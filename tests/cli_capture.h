/* SPDX-License-Identifier: GPL-2.0-only */
/* Runs one nsctl command function in-process with its standard output
 * captured, for nsctl's unit tests. */
#ifndef NSCTL_CLI_CAPTURE_H
#define NSCTL_CLI_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

/* cmd(argc, argv) for the NULL-terminated argv, what it printed in out
 * (cap bytes, NUL-terminated); returns its exit code. */
static inline int cli_capture(char *out, size_t cap, int (*cmd)(int, char **), char **argv)
{
	FILE *f = tmpfile();
	int saved = dup(STDOUT_FILENO), ret, argc = 0;
	size_t n;

	while (argv[argc])
		argc++;
	assert_non_null(f);
	fflush(stdout);
	assert_true(dup2(fileno(f), STDOUT_FILENO) >= 0);
	ret = cmd(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	fclose(f);
	return ret;
}

#endif /* NSCTL_CLI_CAPTURE_H */
