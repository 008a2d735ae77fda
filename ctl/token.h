/* SPDX-License-Identifier: GPL-2.0-only */
/* `nsctl token ...`: the API's bearer tokens. */
#ifndef NSCTL_TOKEN_H
#define NSCTL_TOKEN_H

/* argv[0] is "token". Returns the process exit code. */
int token_cmd(int argc, char **argv);

#endif /* NSCTL_TOKEN_H */
