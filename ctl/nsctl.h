/* SPDX-License-Identifier: GPL-2.0-only */
/* What nsctl's commands share: exit codes and error reporting. */
#ifndef NSCTL_H
#define NSCTL_H

#include <stdbool.h>

/* Exit codes, as scripts see them. */
#define NSCTL_EXIT_OK		0
#define NSCTL_EXIT_FAIL		1	/* the command could not be done */
#define NSCTL_EXIT_USAGE	2	/* bad command line */

/* "nsctl: " + message + newline on stderr. */
void nsctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An instance name as nameserved accepts it: [A-Za-z0-9._-], 1-64, no leading dot. */
bool nsctl_name_valid(const char *name);

#endif /* NSCTL_H */
