// SPDX-License-Identifier: GPL-2.0-only
/* libFuzzer target: dns_name_unpack and dns_rdata_unpack over arbitrary
 * messages. Input: type (2 bytes), RDATA offset (2 bytes), then the message.
 * Whatever unpacks must print and parse back to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_name.h"
#include "dns_rdata.h"

#define TEXT_CAP	DNS_RDATA_TEXT_MAX

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer runs one input at a time; static buffers keep exec/s up. */
	static uint8_t out[70000], back[65535];
	static char text[TEXT_CAP];
	uint8_t name[DNS_NAME_MAX];
	uint16_t type, offs[8];
	size_t pos, msglen, npos;
	int n, m;

	if (size < 4)
		return 0;
	type = data[0] << 8 | data[1];
	pos = data[2] << 8 | data[3];
	data += 4;
	msglen = size - 4;

	/* Names at every offset: never a crash, never more than 255 bytes. */
	npos = pos < msglen ? pos : 0;
	n = dns_name_unpack(data, msglen, &npos, name);
	if (n > DNS_NAME_MAX || (n >= 0 && (npos > msglen || dns_name_len(name, n) != n)))
		abort();

	if (pos > msglen)
		return 0;
	n = dns_rdata_unpack(type, data, msglen, pos, msglen - pos > 65535 ? 65535 : msglen - pos,
			     out, 70000);
	if (n < 0)
		return 0;
	if (n > 65535)
		abort();
	m = dns_rdata_to_text(type, out, n, text, TEXT_CAP);
	if (m < 0)
		abort();
	m = dns_rdata_from_text(type, text, NULL, back, 65535, NULL, 0);
	if (m != n || memcmp(out, back, n))
		abort();
	dns_rdata_compressible_names(type, out, n, offs, 8);
	dns_rdata_additional_target(type, out, n);
	return 0;
}
