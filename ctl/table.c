// SPDX-License-Identifier: GPL-2.0-only
/* Aligned text tables: cells are kept until print time, when every column's
 * width is known. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

struct table {
	int	ncols;
	int	nrows;
	int	cap;
	bool	has_header;
	bool	right[TABLE_MAX_COLS];
	char	**cells;	/* (has_header + nrows) * ncols, row-major */
};

struct table *table_new(int ncols, const char *const *headers)
{
	struct table *t;

	if (ncols < 1 || ncols > TABLE_MAX_COLS)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->ncols = ncols;
	if (headers) {
		if (table_add(t, headers)) {
			table_free(t);
			return NULL;
		}
		/* The header row is not a data row. */
		t->has_header = true;
		t->nrows = 0;
	}
	return t;
}

void table_align_right(struct table *t, int col)
{
	if (col >= 0 && col < t->ncols)
		t->right[col] = true;
}

static char *table_cell(const char *s)
{
	char *c = strdup(s ? s : ""), *p;

	if (!c)
		return NULL;
	for (p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return c;
}

int table_add(struct table *t, const char *const *cells)
{
	int used = (t->has_header + t->nrows) * t->ncols, i;
	char **grown;

	if (used + t->ncols > t->cap) {
		int cap = t->cap ? t->cap * 2 : 16 * t->ncols;

		grown = realloc(t->cells, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->cells = grown;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		t->cells[used + i] = table_cell(cells[i]);
		if (!t->cells[used + i]) {
			while (i--)
				free(t->cells[used + i]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

int table_row(struct table *t, ...)
{
	const char *cells[TABLE_MAX_COLS];
	va_list ap;
	int i;

	va_start(ap, t);
	for (i = 0; i < t->ncols; i++)
		cells[i] = va_arg(ap, const char *);
	va_end(ap);
	return table_add(t, cells);
}

int table_rows(const struct table *t)
{
	return t->nrows;
}

size_t table_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

int table_print(const struct table *t, FILE *f)
{
	size_t width[TABLE_MAX_COLS] = { 0 }, w;
	int rows = t->has_header + t->nrows, r, c, last;
	const char *cell;

	for (r = 0; r < rows; r++)
		for (c = 0; c < t->ncols; c++) {
			w = table_width(t->cells[r * t->ncols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (r = 0; r < rows; r++) {
		/* The last non-empty cell ends the line: no trailing blanks. */
		for (last = t->ncols - 1; last > 0 && !*t->cells[r * t->ncols + last]; last--)
			;
		for (c = 0; c <= last; c++) {
			cell = t->cells[r * t->ncols + c];
			w = table_width(cell);
			if (c)
				fputs("  ", f);
			if (t->right[c])
				fprintf(f, "%*s%s", (int)(width[c] - w), "", cell);
			else if (c < last)
				fprintf(f, "%s%*s", cell, (int)(width[c] - w), "");
			else
				fputs(cell, f);
		}
		fputc('\n', f);
	}
	return ferror(f) ? -EIO : 0;
}

void table_free(struct table *t)
{
	int i, n;

	if (!t)
		return;
	n = (t->has_header + t->nrows) * t->ncols;
	for (i = 0; i < n; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
