// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for ctl/table.c: columns as wide as their widest cell, two spaces
 * apart, numbers right-aligned, no trailing blanks, UTF-8 counted by code
 * point, control characters neutralized. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "table.h"

/* The table as printed. */
static char *render(struct table *t)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	assert_int_equal(table_print(t, f), 0);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void test_aligned(void **state)
{
	static const char *const hdr[] = { "NAME", "TTL", "TYPE", "DATA" };
	struct table *t = table_new(4, hdr);
	char *out;
	(void)state;

	assert_non_null(t);
	table_align_right(t, 1);
	assert_int_equal(table_row(t, "example.com.", "3600", "SOA", "ns1 host 1 2 3 4 5"), 0);
	assert_int_equal(table_row(t, "www.example.com.", "300", "A", "192.0.2.1"), 0);
	assert_int_equal(table_row(t, "a.example.com.", "30", "AAAA", "2001:db8::1"), 0);
	assert_int_equal(table_rows(t), 3);
	out = render(t);
	assert_string_equal(out,
			    "NAME               TTL  TYPE  DATA\n"
			    "example.com.      3600  SOA   ns1 host 1 2 3 4 5\n"
			    "www.example.com.   300  A     192.0.2.1\n"
			    "a.example.com.      30  AAAA  2001:db8::1\n");
	free(out);
	table_free(t);
}

static void test_no_trailing_blanks(void **state)
{
	struct table *t = table_new(3, NULL);
	char *out;
	(void)state;

	/* A short last cell, and empty last cells, end the line where the text ends. */
	assert_int_equal(table_row(t, "name", "longer value", "x"), 0);
	assert_int_equal(table_row(t, "serial", "1", NULL), 0);
	assert_int_equal(table_row(t, "n", "", ""), 0);
	out = render(t);
	assert_string_equal(out,
			    "name    longer value  x\n"
			    "serial  1\n"
			    "n\n");
	free(out);
	table_free(t);
}

static void test_utf8_and_control(void **state)
{
	static const char *const hdr[] = { "K", "V" };
	struct table *t = table_new(2, hdr);
	char *out;
	(void)state;

	assert_int_equal(table_width("h\xc3\xa9llo"), 5);	/* héllo */
	assert_int_equal(table_width("\xe2\x82\xac"), 1);	/* € */
	assert_int_equal(table_width(""), 0);
	assert_int_equal(table_row(t, "h\xc3\xa9llo", "1"), 0);
	assert_int_equal(table_row(t, "a\nb\tc\x1b", "2"), 0);
	out = render(t);
	assert_string_equal(out,
			    "K       V\n"
			    "h\xc3\xa9llo   1\n"
			    "a?b?c?  2\n");
	free(out);
	table_free(t);
}

static void test_empty_and_limits(void **state)
{
	static const char *const hdr[] = { "ID", "NAME" };
	struct table *t = table_new(2, hdr);
	char *out;
	int i;
	(void)state;

	/* No rows: the header alone, so a script still sees the columns. */
	out = render(t);
	assert_string_equal(out, "ID  NAME\n");
	free(out);
	/* Many rows grow the table. */
	for (i = 0; i < 1000; i++)
		assert_int_equal(table_row(t, "x", "y"), 0);
	assert_int_equal(table_rows(t), 1000);
	table_free(t);
	assert_null(table_new(0, NULL));
	assert_null(table_new(TABLE_MAX_COLS + 1, NULL));
	table_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_no_trailing_blanks),
		cmocka_unit_test(test_utf8_and_control),
		cmocka_unit_test(test_empty_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
