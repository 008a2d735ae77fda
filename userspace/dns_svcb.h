/* SPDX-License-Identifier: GPL-2.0-only */
/* SVCB/HTTPS SvcParams (RFC 9460 §2.1, §7, Appendix A): presentation <-> wire. */
#ifndef NAMESERVE_DNS_SVCB_H
#define NAMESERVE_DNS_SVCB_H

#include <stddef.h>
#include <stdint.h>

#include "dns_rdata.h"
#include "dns_text.h"

/* SvcParams from tokens ("alpn=h2,h3", "port=443", "alpn=" + quoted value),
 * sorted by key. Returns the wire length or -errno with a reason in err. */
int dns_svcb_params_from_tokens(const struct dns_token *tok, size_t ntok, uint8_t *out,
				size_t cap, char *err, size_t errlen);
/* 0 if the wire SvcParams are well formed: keys ascending, values valid for
 * their key, mandatory keys present; else -EBADMSG. */
int dns_svcb_params_check(const uint8_t *p, size_t len);
/* Presentation of checked wire SvcParams, each preceded by a blank. */
void dns_svcb_params_to_text(struct dns_text_buf *b, const uint8_t *p, size_t len);

#endif /* NAMESERVE_DNS_SVCB_H */
