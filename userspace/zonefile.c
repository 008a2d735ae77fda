// SPDX-License-Identifier: GPL-2.0-only
/* RFC 1035 §5 master files: a lexer that yields one entry (logical line) at a
 * time, directives, omitted-field rules, $INCLUDE nesting, and export. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns_name.h"
#include "dns_rdata.h"
#include "dns_text.h"
#include "zonefile.h"

#define DEFAULT_TTL		3600
#define DEFAULT_INCLUDE_DEPTH	8
#define TTL_MAX			0x7fffffffu	/* RFC 2181 §8 */
#define RDATA_MAX		65535
#define TXT_CHUNK		255		/* RFC 1035 §3.3 <character-string> */

/* One file (or buffer) being read. */
struct zf_file {
	const char	*name;	/* for messages and to resolve $INCLUDE paths */
	const char	*buf;
	size_t		len;
	size_t		pos;
	unsigned int	line;
	dev_t		dev;	/* identity, to refuse $INCLUDE loops */
	ino_t		ino;
	bool		has_id;
};

/* State that spans entries and files. The has_* flags exist because zero is
 * a valid TTL and the root a valid origin. */
struct zf_parser {
	const struct zonefile_opts *opts;
	zonefile_rr_cb	cb;
	void		*ctx;
	char		*err;
	size_t		errlen;

	uint8_t		origin[DNS_NAME_MAX];
	bool		has_origin;
	uint8_t		owner[DNS_NAME_MAX];	/* previous owner, for omitted ones */
	bool		has_owner;
	uint32_t	dollar_ttl;
	bool		has_dollar_ttl;
	uint32_t	prev_ttl;
	bool		has_prev_ttl;
	uint16_t	zone_class;
	bool		has_class;

	struct dns_token *tok;	/* the current entry's tokens */
	size_t		ntok;
	size_t		tokcap;
	struct dns_token *split;	/* TXT tokens cut to 255-byte pieces */
	size_t		splitcap;
	uint8_t		*rdata;

	struct zf_file	*stack[DEFAULT_INCLUDE_DEPTH * 4 + 1];
	int		depth;
	int		max_depth;
};

static int perr(struct zf_parser *p, const struct zf_file *f, unsigned int line,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Every syntax error names the line where its entry starts, so a message
 * points at the same place whether the bad token is first or inside "( )". */
static int perr(struct zf_parser *p, const struct zf_file *f, unsigned int line,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err && p->errlen)
		snprintf(p->err, p->errlen, "%s:%u: %s", f->name, line, msg);
	return -EINVAL;
}

#define TOKF		"'%.*s'"
#define TOKA(t)		(int)((t)->len > 64 ? 64 : (t)->len), (t)->s

/* ---- lexer ---- */

/* Tokens point into the file's buffer; only the array of them grows. */
static int push_token(struct zf_parser *p, const char *s, size_t len, bool quoted)
{
	if (p->ntok == p->tokcap) {
		size_t cap = p->tokcap ? 2 * p->tokcap : 32;
		struct dns_token *t = realloc(p->tok, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		p->tok = t;
		p->tokcap = cap;
	}
	p->tok[p->ntok].s = s;
	p->tok[p->ntok].len = len;
	p->tok[p->ntok].quoted = quoted;
	p->ntok++;
	return 0;
}

static bool ends_token(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' ||
	       c == ')' || c == '"';
}

/* Reads one entry: tokens up to a newline outside parentheses. Returns 1 with
 * tokens in p->tok, 0 at the end of the file, or -errno. *has_owner is true
 * when the first token starts in column 0 (RFC 1035 §5.1). */
static int read_entry(struct zf_parser *p, struct zf_file *f, bool *has_owner,
		      unsigned int *line0)
{
	const char *b = f->buf;
	int depth = 0;
	size_t start;
	char c;

	p->ntok = 0;
	*has_owner = false;
	*line0 = f->line;
	for (;;) {
		if (f->pos >= f->len) {
			if (depth)
				return perr(p, f, *line0, "unterminated '('");
			return p->ntok ? 1 : 0;
		}
		c = b[f->pos];
		if (c == '\n') {
			f->pos++;
			f->line++;
			if (!depth && p->ntok)
				return 1;
			if (!depth)
				*line0 = f->line;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			f->pos++;
			continue;
		}
		if (c == ';') {
			while (f->pos < f->len && b[f->pos] != '\n')
				f->pos++;
			continue;
		}
		/* RFC 1035 §5.1: parentheses let an entry continue across lines;
		 * they are not tokens and may appear anywhere between them. */
		if (c == '(') {
			depth++;
			f->pos++;
			continue;
		}
		if (c == ')') {
			if (!depth)
				return perr(p, f, *line0, "unbalanced ')'");
			depth--;
			f->pos++;
			continue;
		}
		if (p->ntok == 0 && !depth && (f->pos == 0 || b[f->pos - 1] == '\n'))
			*has_owner = true;
		/* A newline inside quotes is refused: accepting it would let one
		 * missing quote swallow the rest of the file silently. */
		if (c == '"') {
			start = ++f->pos;
			while (f->pos < f->len && b[f->pos] != '"' && b[f->pos] != '\n') {
				if (b[f->pos] == '\\' && f->pos + 1 < f->len && b[f->pos + 1] != '\n')
					f->pos++;
				f->pos++;
			}
			if (f->pos >= f->len || b[f->pos] != '"')
				return perr(p, f, *line0, "unterminated quoted string");
			if (push_token(p, b + start, f->pos - start, true))
				return -ENOMEM;
			f->pos++;
			continue;
		}
		start = f->pos;
		while (f->pos < f->len && !ends_token(b[f->pos])) {
			/* An escaped delimiter belongs to the token: "a\;b", "a\ b". */
			if (b[f->pos] == '\\' && f->pos + 1 < f->len && b[f->pos + 1] != '\n')
				f->pos++;
			f->pos++;
		}
		if (push_token(p, b + start, f->pos - start, false))
			return -ENOMEM;
	}
}

/* ---- names and numbers ---- */

static int parse_name(struct zf_parser *p, const struct zf_file *f, unsigned int line,
		      const struct dns_token *t, uint8_t out[DNS_NAME_MAX])
{
	static const uint8_t root[1] = { 0 };
	const uint8_t *org = p->has_origin ? p->origin : NULL;
	int n;

	n = dns_name_from_text(out, t->s, t->len, org);
	if (n >= 0)
		return n;
	/* As in dns_rdata: a retry against the root names the real problem. */
	if (n == -EINVAL && !org && dns_name_from_text(out, t->s, t->len, root) > 0)
		return perr(p, f, line, "relative name " TOKF " with no origin", TOKA(t));
	return perr(p, f, line, "%s " TOKF, dns_name_strerror(n), TOKA(t));
}

static int parse_ttl(struct zf_parser *p, const struct zf_file *f, unsigned int line,
		     const struct dns_token *t, uint32_t *ttl)
{
	int err = dns_text_period(t, ttl);

	/* Values with the top bit set are refused here rather than read as 0
	 * the way RFC 2181 §8 asks of resolvers: in a zone file it is a typo. */
	if (err == -ERANGE || (!err && *ttl > TTL_MAX))
		return perr(p, f, line, "TTL " TOKF " exceeds %u", TOKA(t), TTL_MAX);
	if (err)
		return perr(p, f, line, "bad TTL " TOKF, TOKA(t));
	return 0;
}

/* ---- TXT strings over 255 bytes ---- */

/*
 * A quoted TXT string in a zone file may be longer than one <character-string>
 * (255 bytes). We split it into consecutive 255-byte strings rather than
 * refuse it, as BIND and Knot do, because that is what operators pasting DKIM
 * keys expect; the bytes a TXT consumer concatenates are unchanged. The cut
 * never falls inside an escape. The RDATA API keeps the strict rule.
 */
static int split_txt(struct zf_parser *p, const struct dns_token *in, size_t n,
		     const struct dns_token **out, size_t *nout)
{
	size_t i, j, bytes, start, need = 0;

	for (i = 0; i < n; i++)
		need += in[i].len / TXT_CHUNK + 1;
	if (need > p->splitcap) {
		struct dns_token *t = realloc(p->split, need * sizeof(*t));

		if (!t)
			return -ENOMEM;
		p->split = t;
		p->splitcap = need;
	}
	*nout = 0;
	for (i = 0; i < n; i++) {
		const struct dns_token *t = &in[i];

		start = 0;
		bytes = 0;
		for (j = 0; j < t->len; bytes++) {
			if (bytes == TXT_CHUNK) {
				p->split[(*nout)++] = (struct dns_token){ t->s + start, j - start,
									  t->quoted };
				start = j;
				bytes = 0;
			}
			if (t->s[j] != '\\')
				j++;
			else if (j + 1 < t->len && t->s[j + 1] >= '0' && t->s[j + 1] <= '9')
				j += 4;
			else
				j += 2;
			if (j > t->len)
				j = t->len;	/* a bad escape: the RDATA parser reports it */
		}
		p->split[(*nout)++] = (struct dns_token){ t->s + start, t->len - start, t->quoted };
	}
	*out = p->split;
	return 0;
}

/* ---- entries ---- */

static int parse_file(struct zf_parser *p, struct zf_file *f);

/* Directive names are case-insensitive, as in BIND and Knot ("$ttl"). */
static bool is_directive(const struct dns_token *t, const char *name)
{
	return !t->quoted && t->len == strlen(name) && !strncasecmp(t->s, name, t->len);
}

/* Reads a whole regular file; zones are parsed from memory so tokens can
 * point into it. A FIFO or directory is refused before it can block. */
static int load_file(const char *path, char **buf, size_t *len, struct stat *st)
{
	size_t got = 0;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st->st_mode)) {
		err = -EINVAL;
		goto out;
	}
	*buf = malloc(st->st_size + 1);
	if (!*buf) {
		err = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st->st_size) {
		n = read(fd, *buf + got, st->st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			free(*buf);
			*buf = NULL;
			goto out;
		}
		got += n;
	}
	*len = got;
out:
	close(fd);
	return err;
}

/* A NUL byte would cut tokens short wherever they meet C string functions
 * (inet_pton); refusing the file up front keeps every later step simple. */
static int check_nul(struct zf_parser *p, const struct zf_file *f)
{
	const char *nul = memchr(f->buf, '\0', f->len);
	unsigned int line = 1;
	const char *c;

	if (!nul)
		return 0;
	for (c = f->buf; c < nul; c++)
		line += *c == '\n';
	return perr(p, f, line, "NUL byte in zone file");
}

/* $INCLUDE <file> [<origin>] (RFC 1035 §5.1): the path is relative to the
 * including file's directory, and the includer's origin and current owner
 * are restored afterwards, as BIND does. */
static int do_include(struct zf_parser *p, struct zf_file *f, unsigned int line)
{
	char rel[PATH_MAX], path[PATH_MAX];
	uint8_t saved_origin[DNS_NAME_MAX], saved_owner[DNS_NAME_MAX];
	bool saved_has_origin = p->has_origin, saved_has_owner = p->has_owner;
	struct zf_file inc = { .line = 1, .has_id = true };
	const char *slash;
	struct stat st;
	char *buf = NULL;
	int n, err, i;

	if (p->opts && p->opts->no_include)
		return perr(p, f, line, "$INCLUDE is not allowed here");
	if (p->ntok < 2)
		return perr(p, f, line, "missing file name after $INCLUDE");
	if (p->ntok > 3)
		return perr(p, f, line, "trailing data " TOKF, TOKA(&p->tok[3]));
	n = dns_text_unescape(&p->tok[1], (uint8_t *)rel, sizeof(rel) - 1);
	if (n <= 0 || memchr(rel, '\0', n))
		return perr(p, f, line, "bad file name " TOKF, TOKA(&p->tok[1]));
	rel[n] = '\0';
	slash = strrchr(f->name, '/');
	if (rel[0] == '/' || !slash)
		n = snprintf(path, sizeof(path), "%s", rel);
	else
		n = snprintf(path, sizeof(path), "%.*s/%s", (int)(slash - f->name), f->name, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return perr(p, f, line, "file name too long");
	/* Depth bounds the recursion; the inode check below catches a loop at
	 * its first repetition rather than at the depth limit. */
	if (p->depth >= p->max_depth)
		return perr(p, f, line, "$INCLUDE nested deeper than %d", p->max_depth);

	memcpy(saved_origin, p->origin, sizeof(saved_origin));
	memcpy(saved_owner, p->owner, sizeof(saved_owner));
	if (p->ntok == 3) {
		uint8_t o[DNS_NAME_MAX];

		if (parse_name(p, f, line, &p->tok[2], o) < 0)
			return -EINVAL;
		memcpy(p->origin, o, sizeof(o));
		p->has_origin = true;
	}
	err = load_file(path, &buf, &inc.len, &st);
	if (err) {
		err = perr(p, f, line, "cannot read '%s': %s", path,
			   err == -EINVAL ? "not a regular file" : strerror(-err));
		goto out;
	}
	for (i = 0; i <= p->depth; i++) {
		if (p->stack[i]->has_id && p->stack[i]->dev == st.st_dev &&
		    p->stack[i]->ino == st.st_ino) {
			err = perr(p, f, line, "$INCLUDE loop: '%s' is already being read", path);
			goto out;
		}
	}
	inc.name = path;
	inc.buf = buf;
	inc.dev = st.st_dev;
	inc.ino = st.st_ino;
	p->stack[++p->depth] = &inc;
	err = parse_file(p, &inc);
	p->depth--;
out:
	free(buf);
	memcpy(p->origin, saved_origin, sizeof(saved_origin));
	memcpy(p->owner, saved_owner, sizeof(saved_owner));
	p->has_origin = saved_has_origin;
	p->has_owner = saved_has_owner;
	return err;
}

static int do_directive(struct zf_parser *p, struct zf_file *f, unsigned int line)
{
	const struct dns_token *t = &p->tok[0];
	uint8_t name[DNS_NAME_MAX];
	uint32_t ttl;

	/* A relative $ORIGIN is relative to the current origin (RFC 1035 §5.1). */
	if (is_directive(t, "$ORIGIN")) {
		if (p->ntok < 2)
			return perr(p, f, line, "missing name after $ORIGIN");
		if (p->ntok > 2)
			return perr(p, f, line, "trailing data " TOKF, TOKA(&p->tok[2]));
		if (parse_name(p, f, line, &p->tok[1], name) < 0)
			return -EINVAL;
		memcpy(p->origin, name, sizeof(name));
		p->has_origin = true;
		return 0;
	}
	if (is_directive(t, "$TTL")) {
		if (p->ntok < 2)
			return perr(p, f, line, "missing TTL after $TTL");
		if (p->ntok > 2)
			return perr(p, f, line, "trailing data " TOKF, TOKA(&p->tok[2]));
		if (parse_ttl(p, f, line, &p->tok[1], &ttl))
			return -EINVAL;
		p->dollar_ttl = ttl;
		p->has_dollar_ttl = true;
		return 0;
	}
	if (is_directive(t, "$INCLUDE"))
		return do_include(p, f, line);
	return perr(p, f, line, "unknown directive " TOKF, TOKA(t));
}

/* RFC 6895 §3.1: 0, OPT and 128-255 (QTYPEs, meta-types) are not zone data. */
static bool type_storable(int type)
{
	return type != 0 && type != DNS_TYPE_OPT && (type < 128 || type > 255);
}

static int do_record(struct zf_parser *p, struct zf_file *f, unsigned int line, bool has_owner)
{
	const struct dns_token *t, *rtok;
	uint8_t owner[DNS_NAME_MAX];
	char rerr[256], tb[16], cb[16];
	bool has_ttl = false, has_cls = false;
	uint32_t ttl = 0;
	int type = -1, cls = -1, n;
	size_t i = has_owner ? 1 : 0, nr;
	struct dns_rr rr;

	/* [<TTL>] [<class>] <type> or [<class>] [<TTL>] <type> (RFC 1035 §5.1). */
	for (; i < p->ntok; i++) {
		t = &p->tok[i];
		if (!has_ttl && !t->quoted && t->len && t->s[0] >= '0' && t->s[0] <= '9') {
			if (parse_ttl(p, f, line, t, &ttl))
				return -EINVAL;
			has_ttl = true;
			continue;
		}
		if (!has_cls && !t->quoted) {
			cls = dns_class_from_text(t->s, t->len);
			if (cls >= 0) {
				has_cls = true;
				continue;
			}
		}
		type = t->quoted ? -EINVAL : dns_type_from_text(t->s, t->len);
		if (type < 0)
			return perr(p, f, line, "unknown type " TOKF, TOKA(t));
		i++;
		break;
	}
	if (type < 0)
		return perr(p, f, line, "missing type");
	if (!type_storable(type))
		return perr(p, f, line, "type %s is not allowed in zone data",
			    dns_type_to_text(type, tb));

	/* All records of a zone share one class (RFC 1035 §5.2); an omitted
	 * class is the last one stated, IN before any. */
	if (has_cls) {
		if (cls == DNS_CLASS_NONE || cls == DNS_CLASS_ANY)
			return perr(p, f, line, "class %s is not allowed in zone data",
				    dns_class_to_text(cls, cb));
		if (p->has_class && cls != p->zone_class)
			return perr(p, f, line, "class %s differs from the zone's class %s",
				    dns_class_to_text(cls, cb),
				    dns_class_to_text(p->zone_class, tb));
		p->zone_class = cls;
		p->has_class = true;
	} else if (!p->has_class) {
		p->zone_class = DNS_CLASS_IN;
		p->has_class = true;
	}

	/* Without an origin yet, the first SOA's owner becomes it; it must be
	 * absolute, which parse_name enforces since no origin is known. */
	if (has_owner) {
		if (!p->has_origin && type == DNS_TYPE_SOA) {
			n = parse_name(p, f, line, &p->tok[0], owner);
			if (n < 0)
				return n;
			memcpy(p->origin, owner, n);
			p->has_origin = true;
		} else if (parse_name(p, f, line, &p->tok[0], owner) < 0) {
			return -EINVAL;
		}
		memcpy(p->owner, owner, sizeof(owner));
		p->has_owner = true;
	} else if (!p->has_owner) {
		return perr(p, f, line, "missing owner name");
	}

	/* The brief order: an explicit TTL, else $TTL, else the previous
	 * record's, else the configured default. */
	if (!has_ttl) {
		if (p->has_dollar_ttl)
			ttl = p->dollar_ttl;
		else if (p->has_prev_ttl)
			ttl = p->prev_ttl;
		else
			ttl = p->opts && p->opts->default_ttl ? p->opts->default_ttl : DEFAULT_TTL;
	}
	p->prev_ttl = ttl;
	p->has_prev_ttl = true;

	/* Everything after the type is RDATA, parsed by the same code as API
	 * input so both accept exactly the same text. */
	rtok = p->tok + i;
	nr = p->ntok - i;
	if ((type == DNS_TYPE_TXT || type == 99) &&
	    !(nr && !rtok[0].quoted && rtok[0].len == 2 && !memcmp(rtok[0].s, "\\#", 2))) {
		if (split_txt(p, p->tok + i, p->ntok - i, &rtok, &nr))
			return -ENOMEM;
	}
	rerr[0] = '\0';
	n = dns_rdata_from_tokens(type, rtok, nr, p->has_origin ? p->origin : NULL, p->rdata,
				  RDATA_MAX, rerr, sizeof(rerr));
	if (n == -ENOMEM)
		return -ENOMEM;
	if (n < 0)
		return perr(p, f, line, "%s", rerr);

	/* The callback sees buffers that the next entry overwrites. */
	rr.owner = p->owner;
	rr.type = type;
	rr.rclass = p->zone_class;
	rr.ttl = ttl;
	rr.rdlen = n;
	rr.rdata = p->rdata;
	return p->cb(&rr, p->ctx);
}

static int parse_file(struct zf_parser *p, struct zf_file *f)
{
	unsigned int line;
	bool has_owner;
	int ret;

	ret = check_nul(p, f);
	while (!ret) {
		ret = read_entry(p, f, &has_owner, &line);
		if (ret <= 0)
			break;
		/* An owner that really starts with '$' must be written "\$". */
		if (!p->tok[0].quoted && p->tok[0].s[0] == '$')
			ret = do_directive(p, f, line);
		else
			ret = do_record(p, f, line, has_owner);
	}
	return ret;
}

static int parse_top(struct zf_file *f, const struct zonefile_opts *opts, zonefile_rr_cb cb,
		     void *ctx, char *err, size_t errlen)
{
	struct zf_parser *p;
	int ret, olen;

	if (err && errlen)
		err[0] = '\0';
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->opts = opts;
	p->cb = cb;
	p->ctx = ctx;
	p->err = err;
	p->errlen = errlen;
	/* The stack is fixed-size; a larger requested depth is clamped to it. */
	p->max_depth = opts && opts->max_include_depth ? opts->max_include_depth
						       : DEFAULT_INCLUDE_DEPTH;
	if (p->max_depth > (int)(sizeof(p->stack) / sizeof(p->stack[0])) - 1)
		p->max_depth = sizeof(p->stack) / sizeof(p->stack[0]) - 1;
	if (opts && opts->origin) {
		olen = dns_name_len(opts->origin, DNS_NAME_MAX);
		if (olen < 0) {
			ret = -EINVAL;
			if (err && errlen)
				snprintf(err, errlen, "%s: bad origin", f->name);
			goto out;
		}
		memcpy(p->origin, opts->origin, olen);
		p->has_origin = true;
	}
	p->rdata = malloc(RDATA_MAX);
	if (!p->rdata) {
		ret = -ENOMEM;
		goto out;
	}
	p->stack[0] = f;
	ret = parse_file(p, f);
	if (ret == -ENOMEM && err && errlen && !err[0])
		snprintf(err, errlen, "%s: out of memory", f->name);
out:
	free(p->rdata);
	free(p->tok);
	free(p->split);
	free(p);
	return ret;
}

int zonefile_parse(const char *path, const struct zonefile_opts *opts,
		   zonefile_rr_cb cb, void *ctx, char *err, size_t errlen)
{
	struct zf_file f = { .name = path, .line = 1, .has_id = true };
	struct stat st;
	char *buf = NULL;
	int ret;

	ret = load_file(path, &buf, &f.len, &st);
	if (ret) {
		if (err && errlen)
			snprintf(err, errlen, "%s: %s", path,
				 ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return ret;
	}
	f.buf = buf;
	f.dev = st.st_dev;
	f.ino = st.st_ino;
	ret = parse_top(&f, opts, cb, ctx, err, errlen);
	free(buf);
	return ret;
}

int zonefile_parse_buffer(const char *name, const char *buf, size_t len,
			  const struct zonefile_opts *opts, zonefile_rr_cb cb, void *ctx,
			  char *err, size_t errlen)
{
	struct zf_file f = { .name = name, .buf = buf, .len = len, .line = 1 };

	return parse_top(&f, opts, cb, ctx, err, errlen);
}

int zonefile_write_rr(FILE *f, const struct dns_rr *rr)
{
	char owner[DNS_NAME_TEXT_MAX], tb[16], cb[16];
	size_t cap = 4 * RDATA_MAX + 1024;
	char *text;
	int n, ret = 0;

	if (dns_name_to_text(owner, sizeof(owner), rr->owner) < 0)
		return -EINVAL;
	/* Four bytes of text per RDATA byte covers all but huge type bitmaps,
	 * which get the worst-case buffer on a second try. */
	text = malloc(cap);
	if (!text)
		return -ENOMEM;
	n = dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, text, cap);
	if (n == -ENOSPC) {
		free(text);
		cap = DNS_RDATA_TEXT_MAX;
		text = malloc(cap);
		if (!text)
			return -ENOMEM;
		n = dns_rdata_to_text(rr->type, rr->rdata, rr->rdlen, text, cap);
	}
	if (n < 0) {
		ret = n;
		goto out;
	}
	/* Every field explicit, so the line means the same under any $ORIGIN,
	 * $TTL or previous owner when read back. */
	if (fprintf(f, "%s\t%u\t%s\t%s\t%s\n", owner, rr->ttl, dns_class_to_text(rr->rclass, cb),
		    dns_type_to_text(rr->type, tb), text) < 0)
		ret = -EIO;
out:
	free(text);
	return ret;
}
