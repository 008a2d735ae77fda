// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: zonefile_parse_buffer over arbitrary text. Every record it
 * accepts must survive export and re-parse unchanged, or the target aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_name.h"
#include "dns_rdata.h"
#include "zonefile.h"

#define TEXT_CAP	DNS_RDATA_TEXT_MAX

struct fuzz_ctx {
	char	*text;
	uint8_t	*rdata;
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
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t origin[] = "\7example\0";
	struct zonefile_opts opts = { .no_include = 1 };
	/* libFuzzer runs one input at a time; static buffers keep exec/s up. */
	static char text[TEXT_CAP];
	static uint8_t rdata[65535];
	struct fuzz_ctx c = { text, rdata };
	char err[256];

	/* The first byte chooses whether the caller supplies an origin, so both
	 * the $ORIGIN/SOA discovery and the given-origin paths are reached. */
	if (size && data[0] & 1)
		opts.origin = origin;
	zonefile_parse_buffer("fuzz", (const char *)data, size, &opts, check_rr, &c, err,
			      sizeof(err));
	return 0;
}
