// SPDX-License-Identifier: GPL-2.0-only
/* base64, base32hex and hex for RDATA presentation. Decoders are strict:
 * canonical padding and zero trailing bits, so text -> wire -> text is stable. */
#include <errno.h>

#include "dns_encoding.h"

static const char b64_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b32hex_alpha[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
static const char hex_alpha[] = "0123456789ABCDEF";

int dns_encoding_b64_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
	size_t need = (len + 2) / 3 * 4, i, w = 0;

	if (need + 1 > cap)
		return -ENOSPC;
	/* Whole 3-byte groups first, then the 1- or 2-byte tail with padding. */
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		out[w++] = b64_alpha[v >> 18];
		out[w++] = b64_alpha[v >> 12 & 63];
		out[w++] = b64_alpha[v >> 6 & 63];
		out[w++] = b64_alpha[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? in[i + 1] << 8 : 0);

		out[w++] = b64_alpha[v >> 18];
		out[w++] = b64_alpha[v >> 12 & 63];
		out[w++] = i + 1 < len ? b64_alpha[v >> 6 & 63] : '=';
		out[w++] = '=';
	}
	out[w] = '\0';
	return w;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int dns_encoding_b64_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
	size_t i, w = 0, pad = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	/* RFC 4648 §3.2: padded, so the length is always a multiple of 4. */
	if (len % 4)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (in[i] == '=') {
			/* Padding only in the last two places of the last quantum. */
			if (i + 2 < len || ++pad > 2)
				return -EINVAL;
			continue;
		}
		if (pad)
			return -EINVAL;
		v = b64_value(in[i]);
		if (v < 0)
			return -EINVAL;
		/* acc holds fewer than 8 pending bits between steps. */
		acc = acc << 6 | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (w >= cap)
				return -ENOSPC;
			out[w++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero, or two texts would decode to one value. */
	if (acc)
		return -EINVAL;
	return w;
}

int dns_encoding_b32hex_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
	size_t need = (len * 8 + 4) / 5, i, w = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (need + 1 > cap)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[w++] = b32hex_alpha[acc >> bits & 31];
		}
		acc &= (1u << bits) - 1;
	}
	/* The last quintet is zero-filled on the right (RFC 4648 §6). */
	if (bits)
		out[w++] = b32hex_alpha[acc << (5 - bits) & 31];
	out[w] = '\0';
	return w;
}

int dns_encoding_b32hex_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
	size_t i, w = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	/* RFC 5155 §3.3: no padding; 1, 3 and 6 trailing characters are never
	 * produced by an encoder. */
	if (len % 8 == 1 || len % 8 == 3 || len % 8 == 6)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		char c = in[i];

		/* RFC 4648 §7 alphabet; NSEC3 owner names come in either case. */
		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'V')
			v = c - 'A' + 10;
		else if (c >= 'a' && c <= 'v')
			v = c - 'a' + 10;
		else
			return -EINVAL;
		acc = acc << 5 | v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (w >= cap)
				return -ENOSPC;
			out[w++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc)
		return -EINVAL;
	return w;
}

int dns_encoding_hex_encode(char *out, size_t cap, const uint8_t *in, size_t len)
{
	size_t i;

	if (len * 2 + 1 > cap)
		return -ENOSPC;
	for (i = 0; i < len; i++) {
		out[2 * i] = hex_alpha[in[i] >> 4];
		out[2 * i + 1] = hex_alpha[in[i] & 15];
	}
	out[2 * len] = '\0';
	return 2 * len;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int dns_encoding_hex_decode(uint8_t *out, size_t cap, const char *in, size_t len)
{
	size_t i;
	int hi, lo;

	/* Callers join the tokens first, so digits split by blanks arrive here
	 * as one run and an odd count means a digit is really missing. */
	if (len % 2)
		return -EINVAL;
	if (len / 2 > cap)
		return -ENOSPC;
	for (i = 0; i < len; i += 2) {
		hi = hex_value(in[i]);
		lo = hex_value(in[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return len / 2;
}
