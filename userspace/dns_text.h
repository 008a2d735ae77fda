/* SPDX-License-Identifier: GPL-2.0-only */
/* Presentation-format helpers shared by RDATA and zone-file parsing: character
 * strings, numbers, TTL periods, a one-line tokenizer and a bounded text buffer. */
#ifndef NAMESERVE_DNS_TEXT_H
#define NAMESERVE_DNS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns_rdata.h"

/* Resolves \X and \DDD in a token into bytes. Returns the count, -EINVAL for a
 * bad escape, -ENOSPC beyond cap. */
int dns_text_unescape(const struct dns_token *t, uint8_t *out, size_t cap);

/* Decimal without sign or unit, at most max. 0 or -EINVAL (also on overflow). */
int dns_text_u32(const struct dns_token *t, uint32_t max, uint32_t *v);

/* A TTL-style period: "3600" or units s/m/h/d/w in any case ("1h30m", "1W2d").
 * -EINVAL for bad syntax, -ERANGE beyond 2^32-1. */
int dns_text_period(const struct dns_token *t, uint32_t *v);

/* Splits one line into tokens (blanks separate; "..." is one token with the
 * quotes removed; a quote also ends an unquoted token). *tok is malloc'd.
 * Returns 0, -EINVAL for an unterminated quote, -ENOMEM. */
int dns_text_tokenize(const char *text, size_t len, struct dns_token **tok, size_t *ntok);

/* Text output that records overflow instead of failing at each step. */
struct dns_text_buf {
	char	*p;
	size_t	cap;
	size_t	len;
	bool	overflow;
};

void dns_text_buf_init(struct dns_text_buf *b, char *p, size_t cap);
void dns_text_printf(struct dns_text_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void dns_text_put(struct dns_text_buf *b, const char *s, size_t len);
/* A character string in quotes, escaping '"', '\' and non-printable bytes. */
void dns_text_put_string(struct dns_text_buf *b, const uint8_t *s, size_t len);
/* Returns the length, or -ENOSPC after an overflow. */
int dns_text_buf_end(struct dns_text_buf *b);

#endif /* NAMESERVE_DNS_TEXT_H */
