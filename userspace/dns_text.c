// SPDX-License-Identifier: GPL-2.0-only
/* Presentation-format helpers: escapes (RFC 1035 §5.1), numbers, TTL periods,
 * tokenizing one line of RDATA and bounded text output. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_text.h"

/* RFC 1035 §5.1: \X stands for X, \DDD for the byte of that decimal value.
 * Exactly three digits are required, as BIND and Knot require them, so "\1a"
 * is an error rather than a silent \001 followed by 'a'. */
int dns_text_unescape(const struct dns_token *t, uint8_t *out, size_t cap)
{
	size_t i = 0, w = 0;
	unsigned int v;
	uint8_t c;

	while (i < t->len) {
		if (t->s[i] != '\\') {
			c = (uint8_t)t->s[i++];
		} else if (i + 1 >= t->len) {
			return -EINVAL;
		} else if (t->s[i + 1] < '0' || t->s[i + 1] > '9') {
			c = (uint8_t)t->s[i + 1];
			i += 2;
		} else {
			if (i + 3 >= t->len || t->s[i + 2] < '0' || t->s[i + 2] > '9' ||
			    t->s[i + 3] < '0' || t->s[i + 3] > '9')
				return -EINVAL;
			v = (t->s[i + 1] - '0') * 100 + (t->s[i + 2] - '0') * 10 + (t->s[i + 3] - '0');
			if (v > 255)
				return -EINVAL;
			c = (uint8_t)v;
			i += 4;
		}
		if (w >= cap)
			return -ENOSPC;
		out[w++] = c;
	}
	return w;
}

int dns_text_u32(const struct dns_token *t, uint32_t max, uint32_t *v)
{
	uint64_t acc = 0;
	size_t i;

	/* No sign, no blanks, no hex: strtoul would accept all three. */
	if (t->len == 0)
		return -EINVAL;
	for (i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -EINVAL;
		acc = acc * 10 + (t->s[i] - '0');
		/* Checked per digit, so a long run of digits cannot wrap acc. */
		if (acc > max)
			return -EINVAL;
	}
	*v = (uint32_t)acc;
	return 0;
}

/* BIND's TTL syntax: groups of digits each followed by s, m, h, d or w, summed;
 * or digits alone. Overflow is an error, never a silent wrap. */
int dns_text_period(const struct dns_token *t, uint32_t *v)
{
	uint64_t total = 0, num, mult;
	size_t i = 0;
	bool digits, units = false;

	if (t->len == 0)
		return -EINVAL;
	while (i < t->len) {
		num = 0;
		digits = false;
		while (i < t->len && t->s[i] >= '0' && t->s[i] <= '9') {
			num = num * 10 + (t->s[i++] - '0');
			digits = true;
			if (num > UINT32_MAX)
				return -ERANGE;
		}
		if (!digits)
			return -EINVAL;
		if (i == t->len) {
			/* A bare number is seconds only when it is the whole token, as
			 * BIND reads it: "1h30" is more likely a typo than 1h30s. */
			if (units)
				return -EINVAL;
			mult = 1;
		} else {
			units = true;
			switch (t->s[i++] | 0x20) {
			case 's': mult = 1; break;
			case 'm': mult = 60; break;
			case 'h': mult = 3600; break;
			case 'd': mult = 86400; break;
			case 'w': mult = 604800; break;
			default: return -EINVAL;
			}
		}
		total += num * mult;
		if (total > UINT32_MAX)
			return -ERANGE;
	}
	*v = (uint32_t)total;
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Scans one token starting at text[*i] (not blank). Returns 0 or -EINVAL.
 * Escapes are skipped over, not resolved: the field parser decides what they
 * mean (a name keeps "\." as a byte of a label, a string as a dot). */
static int scan_token(const char *text, size_t len, size_t *i, struct dns_token *t)
{
	size_t p = *i;

	if (text[p] == '"') {
		t->s = text + ++p;
		t->quoted = true;
		while (p < len && text[p] != '"')
			p += (text[p] == '\\' && p + 1 < len) ? 2 : 1;
		if (p >= len)
			return -EINVAL;
		t->len = text + p - t->s;
		*i = p + 1;
		return 0;
	}
	/* A quote ends an unquoted token so that SVCB's alpn="h2" splits into
	 * "alpn=" and a quoted value (RFC 9460 Appendix A). */
	t->s = text + p;
	t->quoted = false;
	while (p < len && !is_blank(text[p]) && text[p] != '"')
		p += (text[p] == '\\' && p + 1 < len) ? 2 : 1;
	t->len = text + p - t->s;
	*i = p;
	return 0;
}

int dns_text_tokenize(const char *text, size_t len, struct dns_token **tok, size_t *ntok)
{
	struct dns_token t, *arr = NULL;
	size_t i, n = 0, pass;
	int err;

	/* Two passes: count, then fill, so the array is allocated once. */
	for (pass = 0; pass < 2; pass++) {
		n = 0;
		for (i = 0; i < len;) {
			if (is_blank(text[i])) {
				i++;
				continue;
			}
			err = scan_token(text, len, &i, &t);
			if (err) {
				free(arr);
				return err;
			}
			if (arr)
				arr[n] = t;
			n++;
		}
		if (pass == 0) {
			arr = calloc(n ? n : 1, sizeof(*arr));
			if (!arr)
				return -ENOMEM;
		}
	}
	*tok = arr;
	*ntok = n;
	return 0;
}

void dns_text_buf_init(struct dns_text_buf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->overflow = cap == 0;
	if (cap)
		p[0] = '\0';
}

void dns_text_put(struct dns_text_buf *b, const char *s, size_t len)
{
	/* Room for the terminator too: the buffer is always a C string. */
	if (b->overflow || b->len + len + 1 > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void dns_text_printf(struct dns_text_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	/* vsnprintf wrote a truncated tail: cut it off again, so an overflowed
	 * buffer never holds half a field. */
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		b->p[b->len] = '\0';
		return;
	}
	b->len += n;
}

void dns_text_put_string(struct dns_text_buf *b, const uint8_t *s, size_t len)
{
	char esc[5];
	size_t i;

	/* Always quoted, even when not needed, so an empty string and a string
	 * with blanks need no special case and read back as one token. */
	dns_text_put(b, "\"", 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)s[i];
			dns_text_put(b, esc, 2);
		} else if (s[i] < 0x20 || s[i] >= 0x7f) {
			snprintf(esc, sizeof(esc), "\\%03u", s[i]);
			dns_text_put(b, esc, 4);
		} else {
			dns_text_put(b, (const char *)&s[i], 1);
		}
	}
	dns_text_put(b, "\"", 1);
}

int dns_text_buf_end(struct dns_text_buf *b)
{
	return b->overflow ? -ENOSPC : (int)b->len;
}
