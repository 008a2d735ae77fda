/* SPDX-License-Identifier: GPL-2.0-only */
/* HTTP requests for nsctl over libcurl: one method, URL, optional body and the
 * API's headers in; status, body and the headers nsctl uses out. */
#ifndef NSCTL_HTTP_H
#define NSCTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_MAX_BODY		(1024L * 1024 * 1024)	/* a response we keep in memory */
#define HTTP_CONNECT_TIMEOUT_MS	5000L

struct http_request {
	const char	*method;		/* GET, POST, PUT, PATCH, DELETE */
	const char	*url;
	const char	*body;			/* NULL: none */
	size_t		body_len;
	const char	*content_type;		/* of the body; default application/json */
	const char	*token;			/* Authorization: Bearer TOKEN, when set */
	const char	*if_match;		/* sent as given */
	const char	*idempotency_key;
	long		timeout_ms;		/* the whole request; 0: 30 s */
};

struct http_response {
	long		status;
	char		*body;			/* NUL-terminated, "" when empty */
	size_t		body_len;
	char		*etag;			/* NULL when absent */
	char		*content_type;
	bool		replayed;		/* Idempotent-Replayed: true */
};

struct http_client;

struct http_client *http_client_new(void);
void http_client_free(struct http_client *c);

/*
 * Sends one request, reusing the client's connection when it can. Returns 0
 * when a response came back, whatever its status; -ECONNREFUSED when the
 * server could not be reached at all (refused, no route, unknown host, connect
 * timeout), so nothing was sent; -ETIMEDOUT or -EIO when the exchange broke
 * after connecting, so a write may or may not have been applied; -EFBIG for a
 * response over HTTP_MAX_BODY; -ENOMEM. Transport failures are described in err.
 */
int http_client_do(struct http_client *c, const struct http_request *req,
		   struct http_response *resp, char *err, size_t errlen);

void http_response_free(struct http_response *resp);

/* Percent-encodes one URL path segment or query value (RFC 3986 unreserved
 * characters, '@' and '*' stay). Returns a malloc'd string or NULL. */
char *http_escape(const char *s);

#endif /* NSCTL_HTTP_H */
