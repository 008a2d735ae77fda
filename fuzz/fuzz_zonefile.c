// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: zonefile_parse_buffer over arbitrary text. Every record it
 * accepts must survive export and re-parse unchanged; the records then build a
 * zone (whose check errors must name a line of the input), and a zone that
 * builds is answered by the engine for every name it owns. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_name.h"
#include "dns_rdata.h"
#include "engine.h"
#include "fastpath.h"
#include "log.h"
#include "zone.h"
#include "zonefile.h"

#define TEXT_CAP	DNS_RDATA_TEXT_MAX

struct fuzz_ctx {
	char			*text;
	uint8_t			*rdata;
	struct zone_builder	*b;
	int			build_err;	/* the builder refused a record */
	char			err[512];
};

static int check_rr(const struct dns_rr *rr, void *arg)
{
	struct fuzz_ctx *c = arg;
	char owner[DNS_NAME_TEXT_MAX];
	uint8_t name[DNS_NAME_MAX];
	int n, m;

	n = dns_name_to_text(owner, sizeof(owner), rr->owner);
	if (n < 0)
		abort();
	m = dns_name_from_text(name, owner, n, NULL);
	if (m < 0 || !dns_name_equal(name, rr->owner) || m != dns_name_len(rr->owner, 255))
		abort();
	n = dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, c->text, TEXT_CAP);
	if (n < 0)
		abort();
	m = dns_rdata_from_text(rr->type, c->text, NULL, c->rdata, 65535, NULL, 0);
	if (m != rr->rdlen || memcmp(c->rdata, rr->rdata, m))
		abort();
	if (!rr->file || strcmp(rr->file, "fuzz") || !rr->line)
		abort();
	/* The first refusal ends the build; parsing goes on for the checks above. */
	if (c->b && !c->build_err)
		c->build_err = zone_builder_add(c->b, rr, c->err, sizeof(c->err));
	return 0;
}

/* A check error on a record names "fuzz:LINE: ", LINE within the input. */
static void check_error(const char *err, const uint8_t *data, size_t size)
{
	unsigned long line, lines = 1;
	char *end;
	size_t i;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (strncmp(err, "fuzz:", 5))
		abort();
	line = strtoul(err + 5, &end, 10);
	if (end == err + 5 || line < 1 || line > lines || strncmp(end, ": ", 2))
		abort();
}

static int walk_cb(const struct fastpath_entry *fe, void *arg)
{
	(void)arg;
	if (!fe->ancount || !fe->answer_len || fe->answer_len > FP_ANSWER_MAX ||
	    dns_name_len(fe->qname, fe->qname_len) != fe->qname_len)
		abort();
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_LEVEL_ERR);	/* missing glue is only a warning */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t origin[] = "\7example\0";
	struct zonefile_opts opts = { .no_include = 1 };
	/* libFuzzer runs one input at a time; static buffers keep exec/s up. */
	static char text[TEXT_CAP];
	static uint8_t rdata[65535];
	struct fuzz_ctx c = { .text = text, .rdata = rdata };
	struct zone *z = NULL;
	char err[256];
	int ret;

	/* The first byte chooses whether the caller supplies an origin, so both
	 * the $ORIGIN/SOA discovery and the given-origin paths are reached. */
	if (size && data[0] & 1)
		opts.origin = origin;
	if (zone_builder_new(&c.b, opts.origin))
		abort();
	ret = zonefile_parse_buffer("fuzz", (const char *)data, size, &opts, check_rr, &c, err,
				    sizeof(err));
	if (ret || c.build_err) {
		if (c.build_err && c.build_err != -EINVAL)
			abort();
		if (c.build_err)
			check_error(c.err, data, size);
		zone_builder_free(c.b);
		return 0;
	}
	/* Only the zone as a whole goes without a line: it has no SOA. */
	if (zone_builder_finish(c.b, &z, c.err, sizeof(c.err))) {
		if (strcmp(c.err, "no SOA record"))
			check_error(c.err, data, size);
		return 0;
	}
	if (engine_fastpath_walk(z, walk_cb, NULL))
		abort();
	zone_free(z);
	return 0;
}
