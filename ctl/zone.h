/* SPDX-License-Identifier: GPL-2.0-only */
/* `nsctl zone ...`: list, create, get, delete, import and export zones. */
#ifndef NSCTL_ZONE_H
#define NSCTL_ZONE_H

#include <stddef.h>

/* argv[0] is "zone". Returns the process exit code. */
int zone_cmd(int argc, char **argv);

/*
 * The zone a master file is for, when the file says: its first $ORIGIN, or the
 * owner of its first record when absolute. Writes the name to buf; returns 0,
 * -ENOENT when the file does not say, -ENAMETOOLONG.
 */
int zone_file_origin(const char *text, char *buf, size_t len);

#endif /* NSCTL_ZONE_H */
