// SPDX-License-Identifier: GPL-2.0-only
/* Health probes as state machines over non-blocking sockets: connect, TLS
 * handshake (SNI, certificate and name or address checks), send the GET, read
 * the status line and, when a body substring is expected, up to 64 KiB of body. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "health_probe.h"
#include "log.h"

enum { PHASE_CONNECT, PHASE_TLS, PHASE_SEND, PHASE_RECV, PHASE_DONE };

#define STATUS_LINE_MAX	1024	/* what is read when only the status matters */
#define HEADERS_MAX	(16 << 10)

SSL_CTX *health_probe_tls_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx) {
		log_err("health: cannot create a TLS context");
		return NULL;
	}
	if (SSL_CTX_set_default_verify_paths(ctx) != 1)
		log_warn("health: the system's CA certificates could not be loaded");
	/* Many servers close after "Connection: close" without close_notify. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	return ctx;
}

static int done(struct health_probe *p, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int done(struct health_probe *p, bool ok, const char *fmt, ...)
{
	va_list ap;

	p->ok = ok;
	p->phase = PHASE_DONE;
	p->error[0] = 0;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(p->error, sizeof(p->error), fmt, ap);
		va_end(ap);
	}
	return 1;
}

void health_probe_fail(struct health_probe *p, const char *reason)
{
	if (p->phase != PHASE_DONE)
		done(p, false, "%s", reason);
}

static bool is_ip_literal(const char *s, uint8_t *addr, int *len)
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*len = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*len = 16;
		return true;
	}
	return false;
}

/* "198.18.0.2", "[2001:db8::2]", with ":PORT" when it is not the scheme's. */
static void host_header(const struct health_spec *s, char *out, size_t cap)
{
	if (s->host[0])
		/* An IPv6 literal is bracketed (RFC 9110 §7.2, RFC 3986 §3.2.2). */
		snprintf(out, cap, strchr(s->host, ':') ? "[%s]" : "%s", s->host);
	else
		health_target_text(s, s->type == HEALTH_HTTPS ? 443 : 80, out, cap);
}

static int tls_setup(struct health_probe *p, SSL_CTX *tls)
{
	const struct health_spec *s = p->spec;
	char name[HEALTH_HOST_MAX + 1];
	uint8_t ip[16];
	int iplen;
	bool host_is_ip = s->host[0] && is_ip_literal(s->host, ip, &iplen);
	size_t n = strlen(s->host);

	/* "www.example.com." is the same name, but neither SNI (RFC 6066 §3) nor
	 * a certificate spells it with the dot. */
	snprintf(name, sizeof(name), "%.*s", (int)(n && s->host[n - 1] == '.' ? n - 1 : n),
		 s->host);

	if (!tls)
		return done(p, false, "tls: no TLS context");
	p->ssl = SSL_new(tls);
	if (!p->ssl || SSL_set_fd(p->ssl, p->fd) != 1)
		return done(p, false, "tls: out of memory");
	/* SNI carries names only (RFC 6066 §3). */
	if (name[0] && !host_is_ip)
		SSL_set_tlsext_host_name(p->ssl, name);
	if (!s->verify) {
		SSL_set_verify(p->ssl, SSL_VERIFY_NONE, NULL);
	} else {
		SSL_set_verify(p->ssl, SSL_VERIFY_PEER, NULL);
		if (name[0] && !host_is_ip) {
			SSL_set_hostflags(p->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
			SSL_set1_host(p->ssl, name);
		} else {
			/* No name: the certificate must be for the address itself. */
			if (!host_is_ip) {
				if (s->addr.ss_family == AF_INET6) {
					memcpy(ip, &((const struct sockaddr_in6 *)&s->addr)->sin6_addr,
					       16);
					iplen = 16;
				} else {
					memcpy(ip, &((const struct sockaddr_in *)&s->addr)->sin_addr,
					       4);
					iplen = 4;
				}
			}
			X509_VERIFY_PARAM_set1_ip(SSL_get0_param(p->ssl), ip, iplen);
		}
	}
	return 0;
}

static int request_init(struct health_probe *p)
{
	char host[HEALTH_HOST_MAX + 16];
	int n;

	host_header(p->spec, host, sizeof(host));
	n = asprintf(&p->req, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: nameserve-health\r\n"
		     "Connection: close\r\n\r\n", p->spec->path[0] ? p->spec->path : "/", host);
	if (n < 0) {
		p->req = NULL;
		return done(p, false, "out of memory");
	}
	p->req_len = n;
	p->req_off = 0;
	p->cap = p->spec->body[0] ? HEADERS_MAX + HEALTH_PROBE_BODY_MAX : STATUS_LINE_MAX;
	p->buf = malloc(p->cap + 1);
	if (!p->buf)
		return done(p, false, "out of memory");
	p->len = 0;
	return 0;
}

static bool status_expected(const struct health_spec *s, int status)
{
	size_t i;

	if (!s->nexpect)
		return status >= 200 && status <= 399;
	for (i = 0; i < s->nexpect; i++)
		if (s->expect[i] == status)
			return true;
	return false;
}

/* "HTTP/1.x SP 3DIGIT" ended by SP, CR or LF (RFC 9112 §4): the status, or -1. */
static int status_line(const char *b, size_t linelen)
{
	if (linelen < 12 || strncmp(b, "HTTP/1.", 7) || b[7] < '0' || b[7] > '9' ||
	    b[8] != ' ' || b[9] < '1' || b[9] > '5' || b[10] < '0' || b[10] > '9' ||
	    b[11] < '0' || b[11] > '9' || (b[12] != ' ' && b[12] != '\r' && b[12] != '\n'))
		return -1;
	return (b[9] - '0') * 100 + (b[10] - '0') * 10 + b[11] - '0';
}

/* Past the empty line that ends the header section ("\r\n" or a bare "\n"),
 * or NULL when it has not come yet. */
static char *headers_end(char *b, size_t len)
{
	char *end = b + len, *nl;

	while ((nl = memchr(b, '\n', end - b))) {
		if (nl == b || (nl == b + 1 && b[0] == '\r'))
			return nl + 1;
		b = nl + 1;
	}
	return NULL;
}

/* The Content-Length between hdr and hdr_end, or -1 without one (or a bad one). */
static long long content_length(const char *hdr, const char *hdr_end)
{
	static const char name[] = "content-length:";
	const char *nl, *v;
	char *e;
	long long n;

	for (; hdr < hdr_end; hdr = nl + 1) {
		nl = memchr(hdr, '\n', hdr_end - hdr);
		if (!nl)
			break;
		if (nl - hdr < (long)sizeof(name) - 1 || strncasecmp(hdr, name, sizeof(name) - 1))
			continue;
		for (v = hdr + sizeof(name) - 1; *v == ' ' || *v == '\t'; v++)
			;
		if (*v < '0' || *v > '9')
			return -1;
		errno = 0;
		n = strtoll(v, &e, 10);
		if (errno)
			return -1;
		while (*e == ' ' || *e == '\t' || *e == '\r')
			e++;
		return e == nl ? n : -1;
	}
	return -1;
}

/* The verdict from what was read: eof says the server finished (or the buffer
 * is full); without a body to find, the status line is enough. Interim (1xx)
 * responses are dropped from the buffer as they complete. */
static int judge(struct health_probe *p, bool eof)
{
	const struct health_spec *s = p->spec;
	char *eol, *hdr_end;
	long long clen;
	size_t have;
	int status;

	for (;;) {
		p->buf[p->len] = 0;
		eol = memchr(p->buf, '\n', p->len);
		if (!eol) {
			if (!eof)
				return 0;
			return done(p, false, p->len ? "malformed status line" : "no response");
		}
		status = status_line(p->buf, eol - p->buf);
		if (status < 0)
			return done(p, false, "malformed status line");
		/* RFC 9110 §15.2: a final response follows each interim one. */
		if (status >= 200 || status == 101)
			break;
		hdr_end = headers_end(eol + 1, p->buf + p->len - eol - 1);
		if (!hdr_end) {
			if (!eof)
				return 0;
			return done(p, false, "interim response %d cut short", status);
		}
		p->len -= hdr_end - p->buf;
		memmove(p->buf, hdr_end, p->len);
	}
	p->status = status;
	if (!status_expected(s, status))
		return done(p, false, "status %d", status);
	if (!s->body[0])
		return done(p, true, NULL);
	hdr_end = headers_end(eol + 1, p->buf + p->len - eol - 1);
	if (!hdr_end)
		return eof ? done(p, false, "headers too long or cut short") : 0;
	/* Found is found, even before the end: a server that keeps the connection
	 * open does not make the check time out. */
	have = p->buf + p->len - hdr_end;
	clen = content_length(eol + 1, hdr_end);
	if (clen >= 0 && (size_t)clen < have)
		have = clen;
	if (memmem(hdr_end, have, s->body, strlen(s->body)))
		return done(p, true, NULL);
	if (eof || (clen >= 0 && have >= (size_t)clen))
		return done(p, false, "body: \"%.40s\" not found", s->body);
	return 0;
}

static const char *tls_reason(struct health_probe *p)
{
	static __thread char buf[96];
	long v = SSL_get_verify_result(p->ssl);
	unsigned long e;

	if (v != X509_V_OK)
		return X509_verify_cert_error_string(v);
	e = ERR_peek_last_error();
	if (e) {
		ERR_error_string_n(e, buf, sizeof(buf));
		return buf;
	}
	return errno ? strerror(errno) : "connection closed";
}

/* One step of an SSL call: 1 progressed, 0 wait (p->events set), -1 failed. */
static int tls_wait(struct health_probe *p, int ret)
{
	switch (SSL_get_error(p->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		p->events = EPOLLIN;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		p->events = EPOLLOUT;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		return 2;	/* closed cleanly */
	default:
		return -1;
	}
}

static int step_connect(struct health_probe *p)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = errno;
	if (err == EINPROGRESS)
		return 0;
	if (err)
		return done(p, false, "connect: %s", strerror(err));
	if (p->spec->type == HEALTH_TCP)
		return done(p, true, NULL);
	if (request_init(p))
		return 1;
	if (p->spec->type == HEALTH_HTTPS) {
		p->phase = PHASE_TLS;
		return 0;
	}
	p->phase = PHASE_SEND;
	p->events = EPOLLOUT;
	return 0;
}

static int step_io(struct health_probe *p)
{
	ssize_t n;
	int w;

	while (p->phase == PHASE_SEND) {
		if (p->ssl) {
			ERR_clear_error();
			n = SSL_write(p->ssl, p->req + p->req_off, p->req_len - p->req_off);
			if (n <= 0) {
				w = tls_wait(p, n);
				if (w == 0)
					return 0;
				return done(p, false, "tls: %s", tls_reason(p));
			}
		} else {
			n = send(p->fd, p->req + p->req_off, p->req_len - p->req_off,
				 MSG_NOSIGNAL);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				p->events = EPOLLOUT;
				return 0;
			}
			if (n < 0)
				return done(p, false, "send: %s", strerror(errno));
		}
		p->req_off += n;
		if (p->req_off == p->req_len) {
			p->phase = PHASE_RECV;
			p->events = EPOLLIN;
		}
	}
	for (;;) {
		if (p->len == p->cap)
			return judge(p, true) ?: done(p, false, "response too long");
		if (p->ssl) {
			ERR_clear_error();
			n = SSL_read(p->ssl, p->buf + p->len, p->cap - p->len);
			if (n <= 0) {
				w = tls_wait(p, n);
				if (w == 0)
					return 0;
				if (w == 2)
					return judge(p, true);
				return done(p, false, "tls: %s", tls_reason(p));
			}
		} else {
			n = recv(p->fd, p->buf + p->len, p->cap - p->len, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				p->events = EPOLLIN;
				return 0;
			}
			if (n < 0)
				return done(p, false, "recv: %s", strerror(errno));
			if (n == 0)
				return judge(p, true);
		}
		p->len += n;
		if (judge(p, false))
			return 1;
	}
}

static int step_tls(struct health_probe *p)
{
	int ret, w;

	ERR_clear_error();
	errno = 0;
	ret = SSL_connect(p->ssl);
	if (ret == 1) {
		p->phase = PHASE_SEND;
		return step_io(p);
	}
	w = tls_wait(p, ret);
	if (w == 0)
		return 0;
	return done(p, false, "tls: %s", tls_reason(p));
}

int health_probe_start(struct health_probe *p, const struct health_spec *spec, SSL_CTX *tls)
{
	memset(p, 0, sizeof(*p));
	p->spec = spec;
	p->status = -1;
	p->phase = PHASE_CONNECT;
	p->fd = socket(spec->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return done(p, false, "socket: %s", strerror(errno));
	if (spec->type == HEALTH_HTTPS && tls_setup(p, tls))
		return 1;
	p->events = EPOLLOUT;
	if (connect(p->fd, (const struct sockaddr *)&spec->addr, spec->addrlen) &&
	    errno != EINPROGRESS)
		return done(p, false, "connect: %s", strerror(errno));
	return 0;
}

int health_probe_step(struct health_probe *p)
{
	switch (p->phase) {
	case PHASE_CONNECT:
		if (step_connect(p))
			return 1;
		if (p->phase == PHASE_TLS)
			return step_tls(p);
		return p->phase == PHASE_SEND ? step_io(p) : 0;
	case PHASE_TLS:
		return step_tls(p);
	case PHASE_SEND:
	case PHASE_RECV:
		return step_io(p);
	default:
		return 1;
	}
}

void health_probe_close(struct health_probe *p)
{
	if (p->ssl)
		SSL_free(p->ssl);
	if (p->fd >= 0)
		close(p->fd);
	free(p->req);
	free(p->buf);
	p->ssl = NULL;
	p->fd = -1;
	p->req = NULL;
	p->buf = NULL;
}
