// SPDX-License-Identifier: GPL-2.0-only
/* nsctl's HTTP client: libcurl's easy interface, one handle per process so the
 * pages of a list and the requests of one command share a connection. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http.h"

struct http_client {
	CURL	*curl;
};

struct http_client *http_client_new(void)
{
	struct http_client *c;

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return NULL;
	}
	return c;
}

void http_client_free(struct http_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
	curl_global_cleanup();
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	free(resp->etag);
	free(resp->content_type);
	memset(resp, 0, sizeof(*resp));
}

char *http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(strlen(s) * 3 + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = *s;

		if (isalnum(ch) || strchr("-._~@*", ch)) {
			*p++ = ch;
		} else {
			*p++ = '%';
			*p++ = hex[ch >> 4];
			*p++ = hex[ch & 15];
		}
	}
	*p = '\0';
	return out;
}

struct http_buf {
	char	*data;
	size_t	len;
	size_t	cap;
	bool	too_big;
};

static size_t http_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_buf *b = userdata;
	size_t n = size * nmemb;
	char *grown;

	if (b->len + n > HTTP_MAX_BODY) {
		b->too_big = true;
		return 0;	/* ends the transfer with CURLE_WRITE_ERROR */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->data, cap);
		if (!grown)
			return 0;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* "Name: value\r\n" -> the value, trimmed, when the line is header name. */
static char *http_header_value(const char *line, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	const char *v, *end = line + len;

	if (len <= nlen || strncasecmp(line, name, nlen) || line[nlen] != ':')
		return NULL;
	v = line + nlen + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	return strndup(v, end - v);
}

static size_t http_header_cb(char *line, size_t size, size_t nmemb, void *userdata)
{
	struct http_response *resp = userdata;
	size_t len = size * nmemb;
	char *v;

	/* A new status line (after a 100 Continue, say): forget the previous headers. */
	if (len > 5 && !strncmp(line, "HTTP/", 5)) {
		free(resp->etag);
		free(resp->content_type);
		resp->etag = resp->content_type = NULL;
		resp->replayed = false;
		return len;
	}
	if ((v = http_header_value(line, len, "ETag"))) {
		free(resp->etag);
		resp->etag = v;
	} else if ((v = http_header_value(line, len, "Content-Type"))) {
		free(resp->content_type);
		resp->content_type = v;
	} else if ((v = http_header_value(line, len, "Idempotent-Replayed"))) {
		resp->replayed = !strcasecmp(v, "true");
		free(v);
	}
	return len;
}

/* Adds "Name: value" to the list; false when out of memory. */
static bool http_add_header(struct curl_slist **list, const char *name, const char *value)
{
	struct curl_slist *l;
	char *h;

	if (asprintf(&h, "%s: %s", name, value) < 0)
		return false;
	l = curl_slist_append(*list, h);
	free(h);
	if (!l)
		return false;
	*list = l;
	return true;
}

/* Whether a failure means nothing reached the server. */
static bool http_not_connected(CURL *curl, CURLcode rc)
{
	curl_off_t connected = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return true;
	case CURLE_OPERATION_TIMEDOUT:
		/* Timed out while connecting: no connection to send on. */
		if (curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected) != CURLE_OK)
			return false;
		return connected == 0;
	default:
		return false;
	}
}

int http_client_do(struct http_client *c, const struct http_request *req,
		   struct http_response *resp, char *err, size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct http_buf buf = { 0 };
	struct curl_slist *headers = NULL;
	CURL *curl = c->curl;
	CURLcode rc;
	int ret = -ENOMEM;

	memset(resp, 0, sizeof(*resp));
	err[0] = '\0';
	curl_easy_reset(curl);	/* keeps the connection cache */
	if (curl_easy_setopt(curl, CURLOPT_URL, req->url) != CURLE_OK)
		goto out;
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, HTTP_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 30000L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "nsctl/1");
	/* Let the server gzip large zones and lists; curl inflates them. */
	curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, resp);

	if (!strcmp(req->method, "GET"))
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	else
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		if (!http_add_header(&headers, "Content-Type",
				     req->content_type ? req->content_type : "application/json"))
			goto out;
	}
	/* No "Expect: 100-continue" round trip before large bodies. */
	if (!http_add_header(&headers, "Expect", "") ||
	    !http_add_header(&headers, "Accept", "application/json, text/dns;q=0.9, */*;q=0.1"))
		goto out;
	if (req->token) {
		char *auth;
		bool ok;

		if (asprintf(&auth, "Bearer %s", req->token) < 0)
			goto out;
		ok = http_add_header(&headers, "Authorization", auth);
		free(auth);
		if (!ok)
			goto out;
	}
	if (req->if_match && !http_add_header(&headers, "If-Match", req->if_match))
		goto out;
	if (req->idempotency_key &&
	    !http_add_header(&headers, "Idempotency-Key", req->idempotency_key))
		goto out;
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		if (buf.too_big) {
			snprintf(err, errlen, "response larger than %ld bytes", HTTP_MAX_BODY);
			ret = -EFBIG;
		} else {
			snprintf(err, errlen, "%s", *curl_err ? curl_err : curl_easy_strerror(rc));
			if (http_not_connected(curl, rc))
				ret = -ECONNREFUSED;
			else if (rc == CURLE_OPERATION_TIMEDOUT)
				ret = -ETIMEDOUT;
			else if (rc == CURLE_OUT_OF_MEMORY || rc == CURLE_WRITE_ERROR)
				ret = -ENOMEM;
			else
				ret = -EIO;
		}
		goto out;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (!buf.data) {
		buf.data = strdup("");
		if (!buf.data)
			goto out;
	}
	resp->body = buf.data;
	resp->body_len = buf.len;
	buf.data = NULL;
	ret = 0;
out:
	/* The handle keeps pointers to these until the next reset. */
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	free(buf.data);
	if (ret)
		http_response_free(resp);
	if (ret == -ENOMEM && !*err)
		snprintf(err, errlen, "out of memory");
	return ret;
}
