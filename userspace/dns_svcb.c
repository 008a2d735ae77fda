// SPDX-License-Identifier: GPL-2.0-only
/* SVCB/HTTPS SvcParams: key=value parsing, value-list escaping (RFC 9460
 * Appendix A.1), per-key wire checks and presentation. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_encoding.h"
#include "dns_svcb.h"

enum svc_key {
	SVC_MANDATORY = 0, SVC_ALPN = 1, SVC_NO_DEFAULT_ALPN = 2, SVC_PORT = 3,
	SVC_IPV4HINT = 4, SVC_ECH = 5, SVC_IPV6HINT = 6, SVC_INVALID = 65535,
};

static const char *const key_names[] = {
	"mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint",
};

#define N_KEY_NAMES	(sizeof(key_names) / sizeof(key_names[0]))
#define SVC_PARAMS_MAX	64	/* far more than any key set in use */
#define SVC_VALUE_MAX	65535

/* One parsed parameter; val points into a scratch buffer until all are sorted. */
struct svc_param {
	uint16_t	key;
	uint16_t	len;
	uint8_t		*val;
};

struct svc_parse {
	char		*err;
	size_t		errlen;
};

static int fail(struct svc_parse *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct svc_parse *sp, const char *fmt, ...)
{
	va_list ap;

	if (sp->err && sp->errlen) {
		va_start(ap, fmt);
		vsnprintf(sp->err, sp->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* "alpn" or "key1" -> 1; -EINVAL otherwise (RFC 9460 §2.1: no leading zeros). */
static int key_from_text(const char *s, size_t len)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < N_KEY_NAMES; i++)
		if (strlen(key_names[i]) == len && !memcmp(key_names[i], s, len))
			return i;
	if (len < 4 || len > 8 || memcmp(s, "key", 3) || (s[3] == '0' && len > 4))
		return -EINVAL;
	for (i = 3; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	return v <= UINT16_MAX ? (int)v : -EINVAL;
}

/* Names for the keys RFC 9460 §14.3.2 registers, keyNNNNN for the rest. */
static void key_to_text(struct dns_text_buf *b, uint16_t key)
{
	if (key < N_KEY_NAMES)
		dns_text_put(b, key_names[key], strlen(key_names[key]));
	else
		dns_text_printf(b, "key%u", key);
}

/* Splits a decoded value on commas; "\," and "\\" escape inside an item.
 * Calls item() for each with its unescaped bytes. */
static int value_list(struct svc_parse *sp, const uint8_t *v, size_t len,
		      int (*item)(struct svc_parse *, const uint8_t *, size_t, void *), void *ctx)
{
	uint8_t buf[255];
	size_t i = 0, n;
	int err;

	/* RFC 9460 Appendix A.1: a value-list has at least one item. */
	if (len == 0)
		return fail(sp, "empty value list");
	/* i == len after a trailing comma yields one more, empty, item, which
	 * the per-key callback refuses where empty items are invalid. */
	while (i <= len) {
		n = 0;
		while (i < len && v[i] != ',') {
			if (v[i] == '\\' && i + 1 < len)
				i++;
			if (n >= 255)
				return fail(sp, "value list item longer than 255 bytes");
			buf[n++] = v[i++];
		}
		err = item(sp, buf, n, ctx);
		if (err)
			return err;
		i++;	/* past the comma, or past the end */
	}
	return 0;
}

/* Where one key's wire value is being written. */
struct out_buf {
	uint8_t		*p;
	size_t		len;
	size_t		cap;
};

static int out_put(struct svc_parse *sp, struct out_buf *o, const void *d, size_t n)
{
	if (o->len + n > o->cap)
		return fail(sp, "SvcParam value too long");
	memcpy(o->p + o->len, d, n);
	o->len += n;
	return 0;
}

/* RFC 9460 §8: mandatory lists keys by name; it may not list itself. */
static int item_mandatory(struct svc_parse *sp, const uint8_t *s, size_t n, void *ctx)
{
	int key = key_from_text((const char *)s, n);
	uint8_t be[2];

	if (key < 0 || key == SVC_INVALID)
		return fail(sp, "bad key '%.*s' in mandatory", (int)n, s);
	if (key == SVC_MANDATORY)
		return fail(sp, "mandatory lists itself");
	be[0] = key >> 8;
	be[1] = key & 0xff;
	return out_put(sp, ctx, be, 2);
}

/* RFC 9460 §7.1.1: each alpn-id is a non-empty length-prefixed string. */
static int item_alpn(struct svc_parse *sp, const uint8_t *s, size_t n, void *ctx)
{
	uint8_t l = (uint8_t)n;

	if (n == 0)
		return fail(sp, "empty alpn id");
	if (out_put(sp, ctx, &l, 1))
		return -EINVAL;
	return out_put(sp, ctx, s, n);
}

static int item_ip(struct svc_parse *sp, const uint8_t *s, size_t n, void *ctx, int af)
{
	uint8_t addr[16];
	char tmp[64];

	/* inet_pton needs a C string; no address text is 64 characters long. */
	if (n >= sizeof(tmp))
		return fail(sp, "bad address '%.*s'", 40, s);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (inet_pton(af, tmp, addr) != 1)
		return fail(sp, "bad %s address '%s'", af == AF_INET ? "IPv4" : "IPv6", tmp);
	return out_put(sp, ctx, addr, af == AF_INET ? 4 : 16);
}

static int item_ip4(struct svc_parse *sp, const uint8_t *s, size_t n, void *ctx)
{
	return item_ip(sp, s, n, ctx, AF_INET);
}

static int item_ip6(struct svc_parse *sp, const uint8_t *s, size_t n, void *ctx)
{
	return item_ip(sp, s, n, ctx, AF_INET6);
}

/* Big-endian 16-bit values, as they sit on the wire. */
static int cmp_u16(const void *a, const void *b)
{
	const uint8_t *x = a, *y = b;

	return (x[0] << 8 | x[1]) - (y[0] << 8 | y[1]);
}

/* Wire value of one key from its decoded presentation value. */
static int encode_value(struct svc_parse *sp, uint16_t key, const uint8_t *v, size_t vlen,
			struct out_buf *o)
{
	struct dns_token t = { .s = (const char *)v, .len = vlen };
	uint32_t port;
	size_t i;
	int n;

	switch (key) {
	case SVC_MANDATORY:
		if (value_list(sp, v, vlen, item_mandatory, o))
			return -EINVAL;
		/* RFC 9460 §8: ascending on the wire, each key once. */
		qsort(o->p, o->len / 2, 2, cmp_u16);
		for (i = 2; i < o->len; i += 2)
			if (!cmp_u16(o->p + i - 2, o->p + i))
				return fail(sp, "duplicate key in mandatory");
		return 0;
	case SVC_ALPN:
		return value_list(sp, v, vlen, item_alpn, o);
	case SVC_NO_DEFAULT_ALPN:
		if (vlen)
			return fail(sp, "no-default-alpn takes no value");
		return 0;
	case SVC_PORT:
		if (dns_text_u32(&t, UINT16_MAX, &port))
			return fail(sp, "bad port '%.*s'", (int)(vlen > 40 ? 40 : vlen), v);
		return out_put(sp, o, (uint8_t[]){ port >> 8, port & 0xff }, 2);
	case SVC_IPV4HINT:
		return value_list(sp, v, vlen, item_ip4, o);
	case SVC_IPV6HINT:
		return value_list(sp, v, vlen, item_ip6, o);
	case SVC_ECH:
		/* RFC 9460 §9: an ECHConfigList in base64; we keep its bytes opaque. */
		n = dns_encoding_b64_decode(o->p, o->cap, (const char *)v, vlen);
		if (n < 0)
			return fail(sp, "bad base64 in ech");
		o->len = n;
		return 0;
	case SVC_INVALID:
		return fail(sp, "key65535 is reserved");
	default:
		/* keyNNNNN: the decoded char-string is the wire value as is. */
		return out_put(sp, o, v, vlen);
	}
}

static int cmp_param(const void *a, const void *b)
{
	const struct svc_param *x = a, *y = b;

	return (int)x->key - (int)y->key;
}

int dns_svcb_params_from_tokens(const struct dns_token *tok, size_t ntok, uint8_t *out,
				size_t cap, char *err, size_t errlen)
{
	struct svc_parse sp = { .err = err, .errlen = errlen };
	struct svc_param params[SVC_PARAMS_MAX];
	uint8_t *raw = NULL, *vals = NULL;
	size_t np = 0, i, j, w = 0, vused = 0;
	int ret = -EINVAL, key, n;

	/* raw holds one value's decoded char-string; vals holds every encoded
	 * value side by side until they are sorted. Every value must fit in the
	 * RDATA, so cap bytes of vals serve them all. */
	raw = malloc(SVC_VALUE_MAX);
	vals = malloc(cap ? cap : 1);
	if (!raw || !vals) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < ntok; i++) {
		const struct dns_token *t = &tok[i];
		const char *eq = memchr(t->s, '=', t->len);
		size_t klen = eq ? (size_t)(eq - t->s) : t->len;
		struct dns_token vt = { 0 };
		struct out_buf o;

		/* Keys are never quoted; a quoted token here is a value that lost
		 * its "key=", which is better reported than guessed at. */
		if (t->quoted) {
			ret = fail(&sp, "unexpected quoted string \"%.*s\"",
				   (int)(t->len > 40 ? 40 : t->len), t->s);
			goto out;
		}
		key = key_from_text(t->s, klen);
		if (key < 0) {
			ret = fail(&sp, "bad SvcParam key '%.*s'", (int)(klen > 40 ? 40 : klen), t->s);
			goto out;
		}
		if (np >= SVC_PARAMS_MAX) {
			ret = fail(&sp, "too many SvcParams");
			goto out;
		}
		/* "key=" then a quoted token is how a quoted value reaches us. */
		if (eq && eq + 1 == t->s + t->len && i + 1 < ntok && tok[i + 1].quoted) {
			vt = tok[++i];
		} else if (eq) {
			vt.s = eq + 1;
			vt.len = t->s + t->len - vt.s;
		}
		n = dns_text_unescape(&vt, raw, SVC_VALUE_MAX);
		if (n < 0) {
			ret = fail(&sp, "bad escape in value of '%.*s'", (int)klen, t->s);
			goto out;
		}
		o.p = vals + vused;
		o.len = 0;
		o.cap = cap - vused;
		ret = encode_value(&sp, key, raw, n, &o);
		if (ret)
			goto out;
		if (o.len > UINT16_MAX) {
			ret = fail(&sp, "SvcParam value too long");
			goto out;
		}
		params[np].key = key;
		params[np].len = o.len;
		params[np].val = o.p;
		vused += o.len;
		np++;
	}
	/* Presentation order is free; the wire wants ascending keys, each once
	 * (RFC 9460 §2.2). */
	qsort(params, np, sizeof(params[0]), cmp_param);
	for (i = 1; i < np; i++) {
		if (params[i].key == params[i - 1].key) {
			char kb[16];
			struct dns_text_buf b;

			dns_text_buf_init(&b, kb, sizeof(kb));
			key_to_text(&b, params[i].key);
			ret = fail(&sp, "duplicate SvcParam %s", kb);
			goto out;
		}
	}
	/* RFC 9460 §8: every key listed in mandatory must be present. */
	for (i = 0; np && params[0].key == SVC_MANDATORY && i < params[0].len / 2u; i++) {
		uint16_t mk = params[0].val[2 * i] << 8 | params[0].val[2 * i + 1];
		bool found = false;

		for (j = 1; j < np; j++)
			found |= params[j].key == mk;
		if (!found) {
			char kb[16];
			struct dns_text_buf b;

			dns_text_buf_init(&b, kb, sizeof(kb));
			key_to_text(&b, mk);
			ret = fail(&sp, "mandatory %s is missing", kb);
			goto out;
		}
	}
	for (i = 0; i < np; i++) {
		if (w + 4 + params[i].len > cap) {
			ret = fail(&sp, "rdata too long");
			goto out;
		}
		out[w++] = params[i].key >> 8;
		out[w++] = params[i].key & 0xff;
		out[w++] = params[i].len >> 8;
		out[w++] = params[i].len & 0xff;
		memcpy(out + w, params[i].val, params[i].len);
		w += params[i].len;
	}
	ret = w;
out:
	free(raw);
	free(vals);
	return ret;
}

/* Used on SvcParams whose structure the caller is still checking, hence
 * the bounds on every step. */
static bool key_present(const uint8_t *p, size_t len, uint16_t key)
{
	size_t i = 0;

	while (i + 4 <= len) {
		uint16_t k = p[i] << 8 | p[i + 1], l = p[i + 2] << 8 | p[i + 3];

		if (k == key)
			return true;
		i += 4 + l;
	}
	return false;
}

/* Per-key wire rules (RFC 9460 §7): these are what a presentation of the
 * value assumes, so a value that passes always prints and reads back. */
static int check_value(uint16_t key, const uint8_t *v, size_t len, const uint8_t *all,
		       size_t alllen)
{
	size_t i;

	switch (key) {
	case SVC_MANDATORY:
		if (len == 0 || len % 2)
			return -EBADMSG;
		for (i = 0; i < len; i += 2) {
			uint16_t k = v[i] << 8 | v[i + 1];

			if (k == SVC_MANDATORY || (i && cmp_u16(v + i - 2, v + i) >= 0) ||
			    !key_present(all, alllen, k))
				return -EBADMSG;
		}
		return 0;
	case SVC_ALPN:
		if (len == 0)
			return -EBADMSG;
		for (i = 0; i < len; i += 1 + v[i])
			if (v[i] == 0 || i + 1 + v[i] > len)
				return -EBADMSG;
		return 0;
	case SVC_NO_DEFAULT_ALPN:
		return len == 0 ? 0 : -EBADMSG;
	case SVC_PORT:
		return len == 2 ? 0 : -EBADMSG;
	case SVC_IPV4HINT:
		return len && len % 4 == 0 ? 0 : -EBADMSG;
	case SVC_IPV6HINT:
		return len && len % 16 == 0 ? 0 : -EBADMSG;
	case SVC_INVALID:
		return -EBADMSG;
	default:
		return 0;
	}
}

int dns_svcb_params_check(const uint8_t *p, size_t len)
{
	size_t i = 0;
	int prev = -1;

	while (i < len) {
		uint16_t k, l;

		if (i + 4 > len)
			return -EBADMSG;
		k = p[i] << 8 | p[i + 1];
		l = p[i + 2] << 8 | p[i + 3];
		/* RFC 9460 §2.2: strictly increasing keys. */
		if ((int)k <= prev || i + 4 + l > len)
			return -EBADMSG;
		if (check_value(k, p + i + 4, l, p, len))
			return -EBADMSG;
		prev = k;
		i += 4 + l;
	}
	return 0;
}

/* One value-list item, escaping ',' and '\' before the char-string layer. */
static size_t escape_item(uint8_t *dst, const uint8_t *s, size_t n)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == ',' || s[i] == '\\')
			dst[w++] = '\\';
		dst[w++] = s[i];
	}
	return w;
}

void dns_svcb_params_to_text(struct dns_text_buf *b, const uint8_t *p, size_t len)
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t list[2 * 256 + 1];
	size_t i = 0, j, w;

	while (i + 4 <= len) {
		uint16_t k = p[i] << 8 | p[i + 1], l = p[i + 2] << 8 | p[i + 3];
		const uint8_t *v = p + i + 4;

		dns_text_put(b, " ", 1);
		key_to_text(b, k);
		switch (k) {
		case SVC_MANDATORY:
			/* Keys by name where one exists, so the list reads as written. */
			for (j = 0; j + 1 < l; j += 2) {
				dns_text_put(b, j ? "," : "=", 1);
				key_to_text(b, v[j] << 8 | v[j + 1]);
			}
			break;
		case SVC_ALPN:
			/* Two layers (Appendix A.1): value-list escapes for ',' and
			 * '\', then char-string escapes, inside one pair of quotes. */
			dns_text_put(b, "=\"", 2);
			for (j = 0; j < l; j += 1 + v[j]) {
				struct dns_text_buf inner;
				char ib[4 * sizeof(list) + 3];

				w = escape_item(list, v + j + 1, v[j]);
				/* The char-string layer adds quotes; strip them here. */
				dns_text_buf_init(&inner, ib, sizeof(ib));
				dns_text_put_string(&inner, list, w);
				if (j)
					dns_text_put(b, ",", 1);
				dns_text_put(b, ib + 1, inner.len - 2);
			}
			dns_text_put(b, "\"", 1);
			break;
		case SVC_NO_DEFAULT_ALPN:
			break;
		case SVC_PORT:
			dns_text_printf(b, "=%u", v[0] << 8 | v[1]);
			break;
		case SVC_IPV4HINT:
		case SVC_IPV6HINT:
			for (j = 0; j < l; j += k == SVC_IPV4HINT ? 4 : 16) {
				inet_ntop(k == SVC_IPV4HINT ? AF_INET : AF_INET6, v + j, tmp,
					  sizeof(tmp));
				dns_text_put(b, j ? "," : "=", 1);
				dns_text_put(b, tmp, strlen(tmp));
			}
			break;
		case SVC_ECH:
			/* An empty value prints as the bare key, which reads back
			 * as an empty value. */
			if (l) {
				size_t cap = (l + 2) / 3 * 4 + 1;
				char *enc = malloc(cap);

				if (!enc) {
					b->overflow = true;
					return;
				}
				dns_encoding_b64_encode(enc, cap, v, l);
				dns_text_put(b, "=", 1);
				dns_text_put(b, enc, cap - 1);
				free(enc);
			}
			break;
		default:
			/* Opaque bytes: a quoted char-string escapes all of them. */
			if (l) {
				dns_text_put(b, "=", 1);
				dns_text_put_string(b, v, l);
			}
			break;
		}
		i += 4 + l;
	}
}
