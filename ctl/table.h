/* SPDX-License-Identifier: GPL-2.0-only */
/* Aligned text tables for nsctl's human output: columns padded to their widest
 * cell, two spaces apart, numbers right-aligned, no trailing blanks. */
#ifndef NSCTL_TABLE_H
#define NSCTL_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#define TABLE_MAX_COLS	16

struct table;

/* A table of ncols columns; headers (ncols strings) or NULL for none. */
struct table *table_new(int ncols, const char *const *headers);

/* Right-aligns column col (numbers). */
void table_align_right(struct table *t, int col);

/* Appends a row of ncols cells, copied; NULL prints as "". Control characters
 * become '?', so a cell cannot break the layout. Returns 0 or -ENOMEM. */
int table_add(struct table *t, const char *const *cells);

/* The same, with the cells as arguments. */
int table_row(struct table *t, ...);

int table_rows(const struct table *t);

/* Display width of a UTF-8 string: one column per code point. */
size_t table_width(const char *s);

/* Writes the table; returns 0 or -EIO. */
int table_print(const struct table *t, FILE *f);

void table_free(struct table *t);

#endif /* NSCTL_TABLE_H */
