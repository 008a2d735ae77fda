// SPDX-License-Identifier: GPL-2.0-only
/* Domain names: presentation <-> wire format, comparison, hashing and loop-safe
 * decompression of names read from messages. */
#include <errno.h>
#include <string.h>

#include "dns_name.h"

/* RFC 1035 §4.1.4: the two high bits of a length byte select the label type. */
#define LABEL_TYPE_MASK	0xc0
#define LABEL_POINTER	0xc0

/* A pointer costs two bytes and adds at least one label of at least two bytes,
 * so a name of 255 bytes never needs more hops than this. */
#define UNPACK_HOPS_MAX	(DNS_NAME_MAX / 2)

static inline uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

int dns_name_len(const uint8_t *name, size_t max)
{
	size_t pos = 0;

	/* Bounding by 255 too means a missing root label is found within one
	 * name's worth of bytes, whatever max the caller passed. */
	if (max > DNS_NAME_MAX)
		max = DNS_NAME_MAX;
	for (;;) {
		if (pos >= max)
			return -EINVAL;
		/* Pointers (0xc0) and the reserved types (0x40, 0x80) all exceed 63,
		 * so this one test also refuses them. */
		if (name[pos] > DNS_LABEL_MAX)
			return -EINVAL;
		if (name[pos] == 0)
			return pos + 1;
		pos += name[pos] + 1;
	}
}

/* Appends origin after the len bytes of relative labels already in out. */
static int append_origin(uint8_t *out, size_t len, const uint8_t *origin)
{
	int olen;

	if (!origin)
		return -EINVAL;
	olen = dns_name_len(origin, DNS_NAME_MAX);
	if (olen < 0)
		return olen;
	if (len + olen > DNS_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(out + len, origin, olen);
	return len + olen;
}

/* RFC 1035 §5.1: \DDD is a decimal octet, \X is X itself. Returns the bytes of
 * text consumed, or -EINVAL. */
static int parse_escape(const char *s, size_t left, uint8_t *c)
{
	unsigned int v;

	if (left < 2)
		return -EINVAL;
	if (s[1] < '0' || s[1] > '9') {
		*c = (uint8_t)s[1];
		return 2;
	}
	if (left < 4 || s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9')
		return -EINVAL;
	v = (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	if (v > 255)
		return -EINVAL;
	*c = (uint8_t)v;
	return 4;
}

int dns_name_from_text(uint8_t out[DNS_NAME_MAX], const char *text, size_t len,
		       const uint8_t *origin)
{
	size_t i = 0, wpos = 0, lstart = 0;
	uint8_t c;
	int n;

	if (len == 0)
		return -EINVAL;
	/* RFC 1035 §5.1: "@" alone is the origin; inside a label it is a byte. */
	if (len == 1 && text[0] == '@')
		return append_origin(out, 0, origin);
	/* The root is the one name whose text may start with a dot. */
	if (len == 1 && text[0] == '.') {
		out[0] = 0;
		return 1;
	}
	/* out[lstart] is the length byte of the label being filled; it is
	 * written when the label ends, once its length is known. */
	out[0] = 0;
	wpos = 1;
	while (i < len) {
		if (text[i] == '.') {
			if (wpos == lstart + 1)
				return -EINVAL;	/* empty label: "a..b" or ".a" */
			out[lstart] = wpos - lstart - 1;
			lstart = wpos;
			if (wpos >= DNS_NAME_MAX)
				return -ENAMETOOLONG;
			out[wpos++] = 0;
			i++;
			continue;
		}
		if (text[i] == '\\') {
			n = parse_escape(text + i, len - i, &c);
			if (n < 0)
				return n;
			i += n;
		} else {
			c = (uint8_t)text[i++];
		}
		/* The label limit is tested first so a 64-byte label near the end
		 * of a long name is reported as what it is. */
		if (wpos - lstart > DNS_LABEL_MAX)
			return -EMSGSIZE;
		if (wpos >= DNS_NAME_MAX)
			return -ENAMETOOLONG;
		out[wpos++] = c;
	}
	if (wpos == lstart + 1)
		return wpos;	/* trailing dot: absolute, out[lstart] is the root label */
	out[lstart] = wpos - lstart - 1;
	return append_origin(out, wpos, origin);
}

const char *dns_name_strerror(int err)
{
	switch (err) {
	case -EMSGSIZE:
		return "label longer than 63 bytes";
	case -ENAMETOOLONG:
		return "name longer than 255 bytes";
	default:
		return "bad name";
	}
}

/* Characters that a master file would read as syntax (RFC 1035 §5.1) or that
 * would be ambiguous inside a label. */
static bool needs_escape(uint8_t c)
{
	return c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' ||
	       c == '@' || c == '$';
}

int dns_name_to_text(char *out, size_t cap, const uint8_t *name)
{
	size_t w = 0, pos = 0;
	int nlen, i;

	nlen = dns_name_len(name, DNS_NAME_MAX);
	if (nlen < 0)
		return nlen;
	if (nlen == 1) {
		if (cap < 2)
			return -ENOSPC;
		out[0] = '.';
		out[1] = '\0';
		return 1;
	}
	while (name[pos]) {
		for (i = 1; i <= name[pos]; i++) {
			uint8_t c = name[pos + i];

			/* Worst case \DDD plus the dot and the terminator. */
			if (w + 6 > cap)
				return -ENOSPC;
			/* RFC 4343 §2.1: bytes outside printable ASCII, and the
			 * space, as \DDD so the text stays one token. */
			if (c <= 0x20 || c >= 0x7f) {
				out[w++] = '\\';
				out[w++] = '0' + c / 100;
				out[w++] = '0' + c / 10 % 10;
				out[w++] = '0' + c % 10;
			} else if (needs_escape(c)) {
				out[w++] = '\\';
				out[w++] = (char)c;
			} else {
				out[w++] = (char)c;
			}
		}
		if (w + 2 > cap)
			return -ENOSPC;
		out[w++] = '.';
		pos += name[pos] + 1;
	}
	out[w] = '\0';
	return w;
}

void dns_name_lower(uint8_t *name)
{
	size_t pos = 0;
	int i;

	/* RFC 4343 §3: only ASCII letters fold; other bytes are compared as
	 * they are. The guards stop at a malformed length byte. */
	while (pos < DNS_NAME_MAX && name[pos] && name[pos] <= DNS_LABEL_MAX) {
		for (i = 1; i <= name[pos]; i++)
			name[pos + i] = lower(name[pos + i]);
		pos += name[pos] + 1;
	}
}

bool dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t pos = 0;
	int i;

	/* Length bytes are below 64 and never letters, so comparing them raw is
	 * part of the case-insensitive comparison and not an exception to it. */
	for (;;) {
		if (a[pos] != b[pos])
			return false;
		if (a[pos] == 0)
			return true;
		for (i = 1; i <= a[pos]; i++)
			if (lower(a[pos + i]) != lower(b[pos + i]))
				return false;
		pos += a[pos] + 1;
		if (pos >= DNS_NAME_MAX)
			return false;
	}
}

/* Offsets of the labels of name, root excluded; returns their count. A label
 * takes at least two bytes, so 255 bytes hold at most 127 of them. */
static int label_offsets(const uint8_t *name, uint8_t offs[DNS_NAME_MAX / 2])
{
	size_t pos = 0;
	int n = 0;

	while (name[pos] && n < DNS_NAME_MAX / 2) {
		offs[n++] = (uint8_t)pos;
		pos += name[pos] + 1;
	}
	return n;
}

int dns_name_cmp_canonical(const uint8_t *a, const uint8_t *b)
{
	uint8_t oa[DNS_NAME_MAX / 2], ob[DNS_NAME_MAX / 2];
	int na = label_offsets(a, oa), nb = label_offsets(b, ob);
	int i, j, k, la, lb;

	/* RFC 4034 §6.1: compare labels from the most significant (rightmost);
	 * within a label, lower-cased octets, a prefix sorting first. */
	for (i = na - 1, j = nb - 1; i >= 0 && j >= 0; i--, j--) {
		const uint8_t *pa = a + oa[i], *pb = b + ob[j];

		la = pa[0];
		lb = pb[0];
		for (k = 1; k <= la && k <= lb; k++) {
			if (lower(pa[k]) != lower(pb[k]))
				return lower(pa[k]) < lower(pb[k]) ? -1 : 1;
		}
		if (la != lb)
			return la < lb ? -1 : 1;
	}
	if (na != nb)
		return na < nb ? -1 : 1;
	return 0;
}

int dns_name_labels(const uint8_t *name)
{
	size_t pos = 0;
	int n = 0;

	while (pos < DNS_NAME_MAX && name[pos]) {
		n++;
		pos += name[pos] + 1;
	}
	return n;
}

bool dns_name_is_subdomain(const uint8_t *name, const uint8_t *parent)
{
	int skip = dns_name_labels(name) - dns_name_labels(parent);

	/* Comparing whole labels from the same depth, not a byte suffix, keeps
	 * "xample.com" from matching "example.com". */
	if (skip < 0)
		return false;
	while (skip--)
		name += name[0] + 1;
	return dns_name_equal(name, parent);
}

const uint8_t *dns_name_parent(const uint8_t *name)
{
	return name[0] ? name + name[0] + 1 : NULL;
}

uint32_t dns_name_hash(const uint8_t *name)
{
	uint32_t h = 2166136261u;	/* FNV-1a, then a murmur3 finaliser to mix the tail */
	size_t pos = 0, end;

	/* Length bytes are hashed too, so "ab.c" and "a.bc" differ. Table keys
	 * are names operators configured, not names a client can choose, which
	 * is why an unkeyed hash is enough here. */
	while (pos < DNS_NAME_MAX && name[pos]) {
		h = (h ^ name[pos]) * 16777619u;
		end = pos + name[pos] + 1;
		for (pos++; pos < end; pos++)
			h = (h ^ lower(name[pos])) * 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * RFC 1035 §4.1.4. seg_start is where the current run of labels began (the
 * name's start, then each pointer's target); end is the position just after
 * the first pointer, which is where the caller continues reading.
 */
int dns_name_unpack(const uint8_t *msg, size_t msglen, size_t *pos,
		    uint8_t out[DNS_NAME_MAX])
{
	size_t p = *pos, seg_start = *pos, end = 0, w = 0;
	int hops = 0;
	uint8_t len;

	for (;;) {
		if (p >= msglen)
			return -EBADMSG;
		len = msg[p];
		if ((len & LABEL_TYPE_MASK) == LABEL_POINTER) {
			size_t target;

			if (p + 1 >= msglen)
				return -EBADMSG;
			target = (size_t)(len & ~LABEL_TYPE_MASK) << 8 | msg[p + 1];
			/* Each jump must land before the run of labels that led to it,
			 * so the positions read strictly decrease and a loop is impossible
			 * whatever the bytes; the hop bound is a second fence. */
			if (target >= seg_start || ++hops > UNPACK_HOPS_MAX)
				return -EBADMSG;
			if (!end)
				end = p + 2;
			p = seg_start = target;
			continue;
		}
		if (len & LABEL_TYPE_MASK)
			return -EBADMSG;	/* 0x40 and 0x80: RFC 6891 §5 reserved */
		/* The name as a whole, not each piece, must fit 255 bytes. */
		if (w + len + 1 > DNS_NAME_MAX || p + len + 1 > msglen)
			return -EBADMSG;
		memcpy(out + w, msg + p, len + 1);	/* length byte and label */
		w += len + 1;
		p += len + 1;
		if (len == 0)
			break;
	}
	*pos = end ? end : p;
	return w;
}
