// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for zonefile.c: every syntax feature, the tests/zones corpus of
 * broken files with their exact "file:line: message", and parse -> write ->
 * parse round trips. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns_name.h"
#include "dns_rdata.h"
#include "zonefile.h"

/* Records as exported text and as a byte log of their wire fields. */
struct collect {
	FILE	*text;
	char	*tbuf;
	size_t	tlen;
	FILE	*wire;
	char	*wbuf;
	size_t	wlen;
	int	count;
	int	stop_at;
};

static int collect_cb(const struct dns_rr *rr, void *ctx)
{
	struct collect *c = ctx;
	int n = dns_name_len(rr->owner, DNS_NAME_MAX);

	c->count++;
	if (c->stop_at && c->count == c->stop_at)
		return 42;
	assert_true(n > 0);
	assert_int_equal(zonefile_write_rr(c->text, rr), 0);
	fwrite(rr->owner, 1, n, c->wire);
	fwrite(&rr->type, sizeof(rr->type), 1, c->wire);
	fwrite(&rr->rclass, sizeof(rr->rclass), 1, c->wire);
	fwrite(&rr->ttl, sizeof(rr->ttl), 1, c->wire);
	fwrite(&rr->rdlen, sizeof(rr->rdlen), 1, c->wire);
	fwrite(rr->rdata, 1, rr->rdlen, c->wire);
	return 0;
}

static void collect_open(struct collect *c)
{
	memset(c, 0, sizeof(*c));
	c->text = open_memstream(&c->tbuf, &c->tlen);
	c->wire = open_memstream(&c->wbuf, &c->wlen);
	assert_non_null(c->text);
	assert_non_null(c->wire);
}

static void collect_close(struct collect *c)
{
	fclose(c->text);
	fclose(c->wire);
}

static void collect_free(struct collect *c)
{
	free(c->tbuf);
	free(c->wbuf);
}

/* Parses text; on success returns the exported records in c (closed). */
static int parse_text(const char *text, const struct zonefile_opts *opts, struct collect *c,
		      char *err, size_t errlen)
{
	int ret;

	collect_open(c);
	ret = zonefile_parse_buffer("buf", text, strlen(text), opts, collect_cb, c, err, errlen);
	collect_close(c);
	return ret;
}

static void expect_records(const char *text, const struct zonefile_opts *opts,
			   const char *want)
{
	struct collect c;
	char err[512];
	int ret;

	ret = parse_text(text, opts, &c, err, sizeof(err));
	if (ret)
		fail_msg("parse failed (%d): %s", ret, err);
	if (strcmp(c.tbuf, want))
		fail_msg("got:\n%s\nwant:\n%s", c.tbuf, want);
	collect_free(&c);
}

static void expect_error(const char *text, const struct zonefile_opts *opts, const char *want)
{
	struct collect c;
	char err[512];
	int ret;

	ret = parse_text(text, opts, &c, err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	if (strcmp(err, want))
		fail_msg("got '%s' want '%s'", err, want);
	collect_free(&c);
}

/* tests/zones, found next to this source file. */
static void zones_dir(char *out, size_t cap)
{
	const char *slash = strrchr(__FILE__, '/');

	if (slash)
		snprintf(out, cap, "%.*s/zones", (int)(slash - __FILE__), __FILE__);
	else
		snprintf(out, cap, "zones");
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void test_example_zone(void **state)
{
	char dir[512], path[600], err[512];
	struct collect c, c2;
	char *want;
	int ret;
	(void)state;

	zones_dir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/example.com.zone", dir);
	collect_open(&c);
	ret = zonefile_parse(path, NULL, collect_cb, &c, err, sizeof(err));
	collect_close(&c);
	if (ret)
		fail_msg("%s", err);
	snprintf(path, sizeof(path), "%s/example.com.expect", dir);
	want = read_all(path);
	assert_non_null(want);
	if (strcmp(c.tbuf, want))
		fail_msg("got:\n%s\nwant:\n%s", c.tbuf, want);
	free(want);

	/* Round trip: the export parses back into the same records, byte for byte. */
	ret = parse_text(c.tbuf, NULL, &c2, err, sizeof(err));
	if (ret)
		fail_msg("reparse: %s", err);
	assert_int_equal(c2.count, c.count);
	assert_int_equal(c2.wlen, c.wlen);
	assert_memory_equal(c2.wbuf, c.wbuf, c.wlen);
	assert_string_equal(c2.tbuf, c.tbuf);
	collect_free(&c);
	collect_free(&c2);
}

/* Substitutes %F (the file) and %D (its directory) in an expectation. */
static void expand(char *out, size_t cap, const char *pat, const char *file, const char *dir)
{
	size_t w = 0;

	for (; *pat && w + 1 < cap; pat++) {
		const char *sub = NULL;

		if (pat[0] == '%' && pat[1] == 'F')
			sub = file;
		else if (pat[0] == '%' && pat[1] == 'D')
			sub = dir;
		if (sub) {
			w += snprintf(out + w, cap - w, "%s", sub);
			pat++;
		} else {
			out[w++] = *pat;
		}
	}
	out[w < cap ? w : cap - 1] = '\0';
}

static void test_bad_corpus(void **state)
{
	char dir[512], path[1024], want[2048], err[1024];
	struct dirent *de;
	int files = 0;
	DIR *d;
	(void)state;

	zones_dir(dir, sizeof(dir));
	d = opendir(dir);
	assert_non_null(d);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *text, *nl;
		struct collect c;
		int ret;

		if (strncmp(de->d_name, "bad-", 4) || n < 5 || strcmp(de->d_name + n - 5, ".zone"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = read_all(path);
		assert_non_null(text);
		/* The first line says what must go wrong: "; expect: %F:7: ...". */
		assert_int_equal(strncmp(text, "; expect: ", 10), 0);
		nl = strchr(text, '\n');
		assert_non_null(nl);
		*nl = '\0';
		expand(want, sizeof(want), text + 10, path, dir);
		free(text);

		collect_open(&c);
		err[0] = '\0';
		ret = zonefile_parse(path, NULL, collect_cb, &c, err, sizeof(err));
		collect_close(&c);
		collect_free(&c);
		if (ret != -EINVAL || strcmp(err, want))
			fail_msg("%s: got %d '%s'\n want '%s'", de->d_name, ret, err, want);
		files++;
	}
	closedir(d);
	assert_true(files >= 30);
}

static void test_ttl_rules(void **state)
{
	struct zonefile_opts o = { .default_ttl = 77 };
	(void)state;

	/* No $TTL: default, then the previous record's, then an explicit one. */
	expect_records("$ORIGIN example.com.\n"
		       "a A 192.0.2.1\n"
		       "b 30 A 192.0.2.2\n"
		       "c A 192.0.2.3\n"
		       "$TTL 2m\n"
		       "d A 192.0.2.4\n"
		       "e 1W A 192.0.2.5\n"
		       "f A 192.0.2.6\n",
		       &o,
		       "a.example.com.\t77\tIN\tA\t192.0.2.1\n"
		       "b.example.com.\t30\tIN\tA\t192.0.2.2\n"
		       "c.example.com.\t30\tIN\tA\t192.0.2.3\n"
		       "d.example.com.\t120\tIN\tA\t192.0.2.4\n"
		       "e.example.com.\t604800\tIN\tA\t192.0.2.5\n"
		       "f.example.com.\t120\tIN\tA\t192.0.2.6\n");
	expect_records("$ORIGIN example.com.\na A 192.0.2.1\n", NULL,
		       "a.example.com.\t3600\tIN\tA\t192.0.2.1\n");
	/* Units in any case and in any order; zero is a TTL. */
	expect_records("$ORIGIN example.com.\n"
		       "a 1h30M A 192.0.2.1\n"
		       "b 1d1s IN A 192.0.2.1\n"
		       "c IN 0 A 192.0.2.1\n"
		       "d 2147483647 A 192.0.2.1\n",
		       NULL,
		       "a.example.com.\t5400\tIN\tA\t192.0.2.1\n"
		       "b.example.com.\t86401\tIN\tA\t192.0.2.1\n"
		       "c.example.com.\t0\tIN\tA\t192.0.2.1\n"
		       "d.example.com.\t2147483647\tIN\tA\t192.0.2.1\n");
	expect_error("$ORIGIN example.com.\na 1y A 192.0.2.1\n", NULL, "buf:2: bad TTL '1y'");
	expect_error("$TTL 99999999999\n", NULL, "buf:1: TTL '99999999999' exceeds 2147483647");
	expect_error("$TTL 3600 600\n", NULL, "buf:1: trailing data '600'");
}

static void test_origin_rules(void **state)
{
	static const uint8_t org[] = "\3org";
	struct zonefile_opts o = { .origin = org };
	(void)state;

	/* opts->origin, then $ORIGIN (relative to the current one), "@". */
	expect_records("a A 192.0.2.1\n"
		       "@ A 192.0.2.2\n"
		       "$ORIGIN sub\n"
		       "b A 192.0.2.3\n"
		       "@ NS ns\n",
		       &o,
		       "a.org.\t3600\tIN\tA\t192.0.2.1\n"
		       "org.\t3600\tIN\tA\t192.0.2.2\n"
		       "b.sub.org.\t3600\tIN\tA\t192.0.2.3\n"
		       "sub.org.\t3600\tIN\tNS\tns.sub.org.\n");
	/* The first SOA's owner becomes the origin; later names are relative to it. */
	expect_records("example.net. 60 IN SOA ns1 host 1 2 3 4 5\n"
		       "www A 192.0.2.1\n",
		       NULL,
		       "example.net.\t60\tIN\tSOA\tns1.example.net. host.example.net. 1 2 3 4 5\n"
		       "www.example.net.\t60\tIN\tA\t192.0.2.1\n");
	/* Absolute names need no origin at all. */
	expect_records("a.example. 5 A 192.0.2.1\n", NULL, "a.example.\t5\tIN\tA\t192.0.2.1\n");
	expect_error("ns1.example. 5 NS ns2\n", NULL,
		     "buf:1: relative name 'ns2' with no origin");
	expect_error("$ORIGIN\n", NULL, "buf:1: missing name after $ORIGIN");
	expect_error("$ORIGIN a..b.\n", NULL, "buf:1: bad name 'a..b.'");
}

static void test_owner_class_order(void **state)
{
	(void)state;

	expect_records("$ORIGIN example.com.\n"
		       "www 300 IN A 192.0.2.1\n"
		       "    IN 300 AAAA 2001:db8::1\n"
		       "\tTXT x\n"
		       "a\\032b A 192.0.2.2\n"
		       "\\@ A 192.0.2.3\n"
		       "\\$x A 192.0.2.4\n"
		       "in A 192.0.2.5\n"
		       "*.w CLASS1 A 192.0.2.6\n",
		       NULL,
		       "www.example.com.\t300\tIN\tA\t192.0.2.1\n"
		       "www.example.com.\t300\tIN\tAAAA\t2001:db8::1\n"
		       "www.example.com.\t300\tIN\tTXT\t\"x\"\n"
		       "a\\032b.example.com.\t300\tIN\tA\t192.0.2.2\n"
		       "\\@.example.com.\t300\tIN\tA\t192.0.2.3\n"
		       "\\$x.example.com.\t300\tIN\tA\t192.0.2.4\n"
		       "in.example.com.\t300\tIN\tA\t192.0.2.5\n"
		       "*.w.example.com.\t300\tIN\tA\t192.0.2.6\n");
	/* Class CH throughout is a CH zone. */
	expect_records("id.server. CH TXT ns1\n", NULL, "id.server.\t3600\tCH\tTXT\t\"ns1\"\n");
	expect_error("$ORIGIN example.com.\nwww 3600 IN CH A 192.0.2.1\n", NULL,
		     "buf:2: unknown type 'CH'");
	expect_error("$ORIGIN example.com.\nwww 3600 300 A 192.0.2.1\n", NULL,
		     "buf:2: unknown type '300'");
	expect_error("$ORIGIN example.com.\nwww \"A\" 192.0.2.1\n", NULL,
		     "buf:2: unknown type 'A'");
}

static void test_lexer(void **state)
{
	(void)state;

	/* Parentheses, comments inside them, CRLF, blank and comment-only lines. */
	expect_records("$ORIGIN example.com.\r\n"
		       "\r\n"
		       "; comment\r\n"
		       "   ; indented comment\n"
		       "@ 60 SOA ( ns1 ; primary\n"
		       "   host ; contact\n"
		       "\n"
		       "   1 2 3 4 5 ) ; done\n"
		       "t TXT \"a;b\" \"(c)\" d\\;e \"q\\\"q\"\n"
		       "u TXT (\"x\")(\"y\")\n",
		       NULL,
		       "example.com.\t60\tIN\tSOA\tns1.example.com. host.example.com. 1 2 3 4 5\n"
		       "t.example.com.\t60\tIN\tTXT\t\"a;b\" \"(c)\" \"d;e\" \"q\\\"q\"\n"
		       "u.example.com.\t60\tIN\tTXT\t\"x\" \"y\"\n");
	/* The last line needs no newline; an empty file has no records. */
	expect_records("$ORIGIN example.com.\nx A 192.0.2.1", NULL,
		       "x.example.com.\t3600\tIN\tA\t192.0.2.1\n");
	expect_records("", NULL, "");
	expect_records("; only a comment", NULL, "");
	/* Errors name the line where the record starts, even inside "( )". */
	expect_error("$ORIGIN example.com.\n\n"
		     "x ( A\n"
		     "\n"
		     "  1.2.3 )\n",
		     NULL, "buf:3: bad IPv4 address '1.2.3'");
	expect_error("$ORIGIN example.com.\nx TXT \"a\nb\"\n", NULL,
		     "buf:2: unterminated quoted string");
	expect_error("$ORIGIN example.com.\nx ( A 1.2.3.4\n\n", NULL, "buf:2: unterminated '('");
	expect_error("$ORIGIN example.com.\n) x A 1.2.3.4\n", NULL, "buf:2: unbalanced ')'");
}

static void test_txt_split(void **state)
{
	char text[2048], want[4096];
	int i;
	(void)state;

	/* 300 bytes become 255 + 45; an escape straddling the cut stays whole. */
	strcpy(text, "$ORIGIN example.com.\nt TXT \"");
	for (i = 0; i < 254; i++)
		strcat(text, "a");
	strcat(text, "\\066\\067");
	for (i = 0; i < 44; i++)
		strcat(text, "c");
	strcat(text, "\" short\n");
	strcpy(want, "t.example.com.\t3600\tIN\tTXT\t\"");
	for (i = 0; i < 254; i++)
		strcat(want, "a");
	strcat(want, "B\" \"C");
	for (i = 0; i < 44; i++)
		strcat(want, "c");
	strcat(want, "\" \"short\"\n");
	expect_records(text, NULL, want);
	/* Exactly 255 stays one string; 510 makes two full ones. */
	strcpy(text, "$ORIGIN example.com.\nt TXT \"");
	for (i = 0; i < 510; i++)
		strcat(text, i < 255 ? "x" : "y");
	strcat(text, "\"\n");
	strcpy(want, "t.example.com.\t3600\tIN\tTXT\t\"");
	for (i = 0; i < 510; i++)
		strcat(want, i == 255 ? "\" \"y" : i < 255 ? "x" : "y");
	strcat(want, "\"\n");
	expect_records(text, NULL, want);
	/* Generic RDATA of a TXT record is not split. */
	expect_records("$ORIGIN example.com.\nt TXT \\# 3 026869\n", NULL,
		       "t.example.com.\t3600\tIN\tTXT\t\"hi\"\n");
}

static void test_callback_stop(void **state)
{
	const char *text = "$ORIGIN example.com.\na A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\n";
	struct collect c;
	char err[128];
	int ret;
	(void)state;

	collect_open(&c);
	c.stop_at = 2;
	ret = zonefile_parse_buffer("buf", text, strlen(text), NULL, collect_cb, &c, err,
				    sizeof(err));
	collect_close(&c);
	assert_int_equal(ret, 42);
	assert_int_equal(c.count, 2);
	collect_free(&c);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_include(void **state)
{
	char dir[] = "/tmp/zonefile-test-XXXXXX", a[128], b[128], c2[128], sub[128], err[512];
	char want[512];
	struct zonefile_opts o = { 0 };
	struct collect c;
	int ret;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(a, sizeof(a), "%s/a.zone", dir);
	snprintf(b, sizeof(b), "%s/d/b.zone", dir);
	snprintf(c2, sizeof(c2), "%s/d/c.zone", dir);
	write_file(a, "$ORIGIN example.com.\n$INCLUDE d/b.zone\nz A 192.0.2.9\n");
	/* Paths are relative to the including file: c.zone sits next to b.zone. */
	write_file(b, "b A 192.0.2.1\n$INCLUDE \"c.zone\" inner\n");
	write_file(c2, "c A 192.0.2.2\n");

	collect_open(&c);
	ret = zonefile_parse(a, &o, collect_cb, &c, err, sizeof(err));
	collect_close(&c);
	if (ret)
		fail_msg("%s", err);
	assert_string_equal(c.tbuf, "b.example.com.\t3600\tIN\tA\t192.0.2.1\n"
				    "c.inner.example.com.\t3600\tIN\tA\t192.0.2.2\n"
				    "z.example.com.\t3600\tIN\tA\t192.0.2.9\n");
	collect_free(&c);

	o.max_include_depth = 1;
	collect_open(&c);
	ret = zonefile_parse(a, &o, collect_cb, &c, err, sizeof(err));
	collect_close(&c);
	collect_free(&c);
	assert_int_equal(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:2: $INCLUDE nested deeper than 1", b);
	assert_string_equal(err, want);

	o.max_include_depth = 0;
	o.no_include = 1;
	collect_open(&c);
	ret = zonefile_parse(a, &o, collect_cb, &c, err, sizeof(err));
	collect_close(&c);
	collect_free(&c);
	assert_int_equal(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:2: $INCLUDE is not allowed here", a);
	assert_string_equal(err, want);

	/* A directory is not a zone file. */
	write_file(a, "$INCLUDE d\n");
	collect_open(&c);
	ret = zonefile_parse(a, NULL, collect_cb, &c, err, sizeof(err));
	collect_close(&c);
	collect_free(&c);
	assert_int_equal(ret, -EINVAL);
	snprintf(want, sizeof(want), "%s:1: cannot read '%s/d': not a regular file", a, dir);
	assert_string_equal(err, want);
	expect_error("$INCLUDE\n", NULL, "buf:1: missing file name after $INCLUDE");
	expect_error("$INCLUDE a b c\n", NULL, "buf:1: trailing data 'c'");

	unlink(a);
	unlink(b);
	unlink(c2);
	rmdir(sub);
	rmdir(dir);
}

static void test_missing_file(void **state)
{
	char err[256];
	int ret;
	(void)state;

	ret = zonefile_parse("/nonexistent/zone", NULL, collect_cb, NULL, err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_string_equal(err, "/nonexistent/zone: No such file or directory");
}

static void test_write_rr(void **state)
{
	static const uint8_t owner[] = "\1a\7example\0";
	struct dns_rr rr = { .owner = owner, .type = 1234, .rclass = 1, .ttl = 5,
			     .rdlen = 2, .rdata = (const uint8_t *)"\xab\xcd" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	(void)state;

	f = open_memstream(&buf, &len);
	assert_int_equal(zonefile_write_rr(f, &rr), 0);
	rr.type = DNS_TYPE_A;	/* a 2-byte A does not fit its layout: generic form */
	rr.rclass = 4;
	assert_int_equal(zonefile_write_rr(f, &rr), 0);
	fclose(f);
	assert_string_equal(buf, "a.example.\t5\tIN\tTYPE1234\t\\# 2 ABCD\n"
				 "a.example.\t5\tHS\tA\t\\# 2 ABCD\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_zone),
		cmocka_unit_test(test_bad_corpus),
		cmocka_unit_test(test_ttl_rules),
		cmocka_unit_test(test_origin_rules),
		cmocka_unit_test(test_owner_class_order),
		cmocka_unit_test(test_lexer),
		cmocka_unit_test(test_txt_split),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_write_rr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
