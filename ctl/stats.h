/* SPDX-License-Identifier: GPL-2.0-only */
/* `nsctl stats`: the fast path's counters, read from the pinned per-CPU map. */
#ifndef NSCTL_STATS_H
#define NSCTL_STATS_H

/* argv[0] is "stats". Returns the process exit code. */
int stats_cmd(int argc, char **argv);

#endif /* NSCTL_STATS_H */
