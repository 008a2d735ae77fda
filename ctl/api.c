// SPDX-License-Identifier: GPL-2.0-only
/* nsctl's API calls: configuration resolved on first use, one HTTP connection
 * for the process, safe retries of broken exchanges, and the API's errors
 * shown as the API wrote them. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "api.h"
#include "cli.h"
#include "config.h"
#include "http.h"
#include "nsctl.h"

#define API_RETRIES		2	/* after the first attempt, for a broken exchange */
#define API_MAX_PAGES		100000	/* bounds a server that never ends a list */

static struct config api_cfg;
static struct http_client *api_http;
static bool api_ready;

/* Resolves the configuration and opens the client once. */
static int api_init(void)
{
	char err[512] = "";
	int ret;

	if (api_ready)
		return NSCTL_EXIT_OK;
	ret = config_resolve(&api_cfg, cli.server, cli.token, err, sizeof(err));
	if (ret) {
		nsctl_err("%s", err);
		return ret == -ENOMEM ? NSCTL_EXIT_FAIL : NSCTL_EXIT_USAGE;
	}
	if (!api_cfg.token) {
		nsctl_err("no token: give --token, set %s, or put 'token = ...' in %s",
			  CONFIG_ENV_TOKEN, *api_cfg.path ? api_cfg.path : "the config file");
		config_free(&api_cfg);
		return NSCTL_EXIT_USAGE;
	}
	api_http = http_client_new();
	if (!api_http) {
		nsctl_err("cannot initialize libcurl");
		config_free(&api_cfg);
		return NSCTL_EXIT_FAIL;
	}
	api_ready = true;
	return NSCTL_EXIT_OK;
}

void api_fini(void)
{
	if (!api_ready)
		return;
	http_client_free(api_http);
	config_free(&api_cfg);
	api_http = NULL;
	api_ready = false;
}

void api_reply_free(struct api_reply *r)
{
	json_decref(r->json);
	free(r->body);
	free(r->etag);
	memset(r, 0, sizeof(r[0]));
}

char *api_path(const char *fmt, ...)
{
	size_t len = 0, cap = 256, n;
	char *out = malloc(cap), *esc, *grown;
	const char *add;
	va_list ap;

	if (!out)
		return NULL;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		esc = NULL;
		add = fmt;
		n = 1;
		if (fmt[0] == '%' && fmt[1] == 's') {
			esc = http_escape(va_arg(ap, const char *));
			if (!esc)
				goto fail;
			add = esc;
			n = strlen(esc);
			fmt++;
		}
		if (len + n + 1 > cap) {
			while (len + n + 1 > cap)
				cap *= 2;
			grown = realloc(out, cap);
			if (!grown) {
				free(esc);
				goto fail;
			}
			out = grown;
		}
		memcpy(out + len, add, n);
		len += n;
		free(esc);
	}
	va_end(ap);
	out[len] = '\0';
	return out;
fail:
	va_end(ap);
	free(out);
	return NULL;
}

int api_query(char **path, const char *key, const char *value)
{
	char *esc, *joined;
	int n;

	if (!value)
		return 0;
	esc = http_escape(value);
	if (!esc)
		return -ENOMEM;
	n = asprintf(&joined, "%s%c%s=%s", *path, strchr(*path, '?') ? '&' : '?', key, esc);
	free(esc);
	if (n < 0)
		return -ENOMEM;
	free(*path);
	*path = joined;
	return 0;
}

int api_print_json(const json_t *v)
{
	if (json_dumpf(v, stdout, JSON_INDENT(2)))
		return -EIO;
	putchar('\n');
	return ferror(stdout) ? -EIO : 0;
}

int api_output(const json_t *v, int (*print)(const json_t *))
{
	int err = cli.json ? (v ? api_print_json(v) : 0) : print(v);

	if (err || fflush(stdout)) {
		nsctl_err("cannot write the output");
		return NSCTL_EXIT_FAIL;
	}
	return NSCTL_EXIT_OK;
}

const char *api_field(const json_t *obj, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(obj, key);
	char *dump;

	if (!v || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	}
	if (json_is_true(v))
		return "yes";
	if (json_is_false(v))
		return "no";
	dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	snprintf(buf, len, "%s", dump ? dump : "?");
	free(dump);
	return buf;
}

const char *api_etag_serial(const char *etag, char *buf, size_t len)
{
	size_t n;

	if (!etag)
		return NULL;
	if (!strncmp(etag, "W/", 2))
		etag += 2;
	n = strlen(etag);
	if (n < 3 || etag[0] != '"' || etag[n - 1] != '"' || n - 2 >= len)
		return NULL;
	memcpy(buf, etag + 1, n - 2);
	buf[n - 2] = '\0';
	return buf;
}

void api_error_text(long status, const char *body, char *buf, size_t len)
{
	json_t *root = json_loads(body, JSON_DECODE_ANY, NULL), *e, *code, *msg, *field;
	size_t n;

	e = json_object_get(root, "error");
	code = json_object_get(e, "code");
	msg = json_object_get(e, "message");
	field = json_object_get(e, "field");
	if (json_is_string(code) && json_is_string(msg)) {
		n = snprintf(buf, len, "%ld %s: %s", status, json_string_value(code),
			     json_string_value(msg));
		if (json_is_string(field) && n < len)
			snprintf(buf + n, len - n, " (field: %s)", json_string_value(field));
	} else {
		/* Not the API's error object (a proxy in the way?): its first line. */
		n = strcspn(body, "\r\n");
		if (n > 200)
			n = 200;
		if (n)
			snprintf(buf, len, "%ld: %.*s", status, (int)n, body);
		else
			snprintf(buf, len, "%ld: (no error message)", status);
	}
	json_decref(root);
}

/* A fresh idempotency key, so a retry after a broken connection is applied once. */
static int api_new_key(char *buf, size_t len)
{
	unsigned char rnd[16];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd) || len < 6 + 2 * sizeof(rnd) + 1)
		return -EIO;
	strcpy(buf, "nsctl-");
	for (i = 0; i < sizeof(rnd); i++)
		sprintf(buf + 6 + 2 * i, "%02x", rnd[i]);
	return 0;
}

static void api_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int api_call_raw(const char *method, const char *path, const char *body, size_t len,
		 const char *content_type, struct api_reply *r)
{
	bool write = strcmp(method, "GET") != 0;
	struct http_request req = {
		.method = method,
		.body = body,
		.body_len = len,
		.content_type = content_type,
		.timeout_ms = (cli.timeout_s ? cli.timeout_s : 30) * 1000L,
	};
	struct http_response resp;
	char err[512], key[64], *url = NULL;
	int ret, attempt, rc;

	memset(r, 0, sizeof(*r));
	ret = api_init();
	if (ret)
		return ret;
	if (asprintf(&url, "%s%s", api_cfg.server, path) < 0) {
		nsctl_err("out of memory");
		return NSCTL_EXIT_FAIL;
	}
	req.url = url;
	req.token = api_cfg.token;
	if (write) {
		req.if_match = cli.if_match;
		req.idempotency_key = cli.idempotency_key;
		if (!req.idempotency_key && !api_new_key(key, sizeof(key)))
			req.idempotency_key = key;
	}
	for (attempt = 0;; attempt++) {
		rc = http_client_do(api_http, &req, &resp, err, sizeof(err));
		/* Only a read or a keyed write is safe to send again. */
		if (rc != -EIO || attempt == API_RETRIES || (write && !req.idempotency_key))
			break;
		api_sleep_ms(attempt ? 1000 : 200);
	}
	switch (rc) {
	case 0:
		break;
	case -ECONNREFUSED:
		nsctl_err("cannot connect to %s: %s", api_cfg.server, err);
		ret = NSCTL_EXIT_CONNECT;
		goto out;
	case -ETIMEDOUT:
	case -EIO:
		nsctl_err("%s %s: %s%s", method, url, err,
			  write ? " (the change may or may not have been applied)" : "");
		ret = NSCTL_EXIT_FAIL;
		goto out;
	default:
		nsctl_err("%s %s: %s", method, url, *err ? err : strerror(-rc));
		ret = NSCTL_EXIT_FAIL;
		goto out;
	}
	if (resp.status < 200 || resp.status > 299) {
		char text[1024];

		api_error_text(resp.status, resp.body, text, sizeof(text));
		nsctl_err("%s", text);
		if (cli.json) {
			json_t *e = json_loadb(resp.body, resp.body_len, 0, NULL);

			if (e)
				api_print_json(e);
			json_decref(e);
		}
		http_response_free(&resp);
		ret = NSCTL_EXIT_FAIL;
		goto out;
	}
	if (resp.replayed)
		nsctl_err("note: the server replayed its first response to this idempotency key");
	r->status = resp.status;
	r->body = resp.body;
	r->body_len = resp.body_len;
	r->etag = resp.etag;
	resp.body = resp.etag = NULL;
	if (r->body_len && (!resp.content_type ||
			    !strncasecmp(resp.content_type, "application/json", 16))) {
		json_error_t jerr;

		r->json = json_loadb(r->body, r->body_len, 0, &jerr);
		if (!r->json && resp.content_type) {
			nsctl_err("%s %s: the server's JSON does not parse: %s", method, url,
				  jerr.text);
			http_response_free(&resp);
			api_reply_free(r);
			ret = NSCTL_EXIT_FAIL;
			goto out;
		}
	}
	http_response_free(&resp);
	ret = NSCTL_EXIT_OK;
out:
	free(url);
	return ret;
}

int api_call(const char *method, const char *path, json_t *body, struct api_reply *r)
{
	char *text = NULL;
	int ret;

	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text) {
			nsctl_err("out of memory");
			return NSCTL_EXIT_FAIL;
		}
	}
	ret = api_call_raw(method, path, text, text ? strlen(text) : 0, NULL, r);
	free(text);
	return ret;
}

int api_list(const char *path, const char *key, struct api_reply *r)
{
	json_t *all = json_array(), *items, *next, *page;
	char *p = NULL, *cursor = NULL;
	struct api_reply pr;
	int ret = NSCTL_EXIT_FAIL, pages;

	memset(r, 0, sizeof(*r));
	if (!all)
		goto nomem;
	for (pages = 0; pages < API_MAX_PAGES; pages++) {
		p = strdup(path);
		if (!p || api_query(&p, "cursor", cursor))
			goto nomem;
		ret = api_call("GET", p, NULL, &pr);
		free(p);
		p = NULL;
		if (ret)
			goto out;
		items = json_object_get(pr.json, key);
		if (!json_is_array(items)) {
			nsctl_err("GET %s: the reply has no \"%s\" list", path, key);
			api_reply_free(&pr);
			ret = NSCTL_EXIT_FAIL;
			goto out;
		}
		if (json_array_extend(all, items)) {
			api_reply_free(&pr);
			goto nomem;
		}
		next = json_object_get(pr.json, "next_cursor");
		if (!json_is_string(next) || !*json_string_value(next)) {
			r->status = pr.status;
			r->etag = pr.etag;
			pr.etag = NULL;
			api_reply_free(&pr);
			break;
		}
		if (cursor && !strcmp(cursor, json_string_value(next))) {
			nsctl_err("GET %s: the server returned the same cursor twice", path);
			api_reply_free(&pr);
			ret = NSCTL_EXIT_FAIL;
			goto out;
		}
		free(cursor);
		cursor = strdup(json_string_value(next));
		api_reply_free(&pr);
		if (!cursor)
			goto nomem;
	}
	if (pages == API_MAX_PAGES) {
		nsctl_err("GET %s: more than %d pages", path, API_MAX_PAGES);
		ret = NSCTL_EXIT_FAIL;
		goto out;
	}
	page = json_object();
	if (!page || json_object_set(page, key, all) ||
	    json_object_set_new(page, "next_cursor", json_null())) {
		json_decref(page);
		goto nomem;
	}
	r->json = page;
	r->body = strdup("");
	ret = NSCTL_EXIT_OK;
	goto out;
nomem:
	nsctl_err("out of memory");
	ret = NSCTL_EXIT_FAIL;
out:
	free(p);
	free(cursor);
	json_decref(all);
	return ret;
}

int api_show(const char *method, const char *path, json_t *body, int (*print)(const json_t *))
{
	struct api_reply r;
	int ret;

	ret = api_call(method, path, body, &r);
	if (ret)
		return ret;
	ret = api_output(r.json, print);
	api_reply_free(&r);
	return ret;
}

int api_show_list(const char *path, const char *key, int (*print)(const json_t *))
{
	struct api_reply r;
	int ret;

	ret = api_list(path, key, &r);
	if (ret)
		return ret;
	ret = api_output(r.json, print);
	api_reply_free(&r);
	return ret;
}

int api_list_cmd(int argc, char **argv, const char *collection, int (*print)(const json_t *))
{
	static const struct option opts[] = {
		{ "account", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *account = NULL;
	char *path = NULL;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "a:", opts)) != -1) {
		switch (c) {
		case 'a':
			account = optarg;
			break;
		case CLI_HELP:
			return cli_help();
		default:
			return cli_bad_usage(NULL);
		}
	}
	if (!cli_operands(argc, argv, 0, 0))
		return NSCTL_EXIT_USAGE;
	if (asprintf(&path, "/v1/%s", collection) < 0)
		path = NULL;
	if (!path || api_query(&path, "account", account)) {
		free(path);
		nsctl_err("out of memory");
		return NSCTL_EXIT_FAIL;
	}
	ret = api_show_list(path, collection, print);
	free(path);
	return ret;
}

int api_operand_path(int argc, char **argv, const char *fmt, char **path)
{
	int c;

	*path = NULL;
	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		return c == CLI_HELP ? cli_help() : cli_bad_usage(NULL);
	if (!cli_operands(argc, argv, 1, 1))
		return NSCTL_EXIT_USAGE;
	*path = api_path(fmt, argv[optind]);
	if (!*path) {
		nsctl_err("out of memory");
		return NSCTL_EXIT_FAIL;
	}
	return NSCTL_EXIT_OK;
}

int api_get_cmd(int argc, char **argv, const char *fmt, int (*print)(const json_t *))
{
	char *path;
	int ret;

	ret = api_operand_path(argc, argv, fmt, &path);
	if (ret || !path)
		return ret;
	ret = api_show("GET", path, NULL, print);
	free(path);
	return ret;
}

int api_delete_cmd(int argc, char **argv, const char *fmt, const char *what)
{
	char *path;
	int ret;

	ret = api_operand_path(argc, argv, fmt, &path);
	if (ret || !path)
		return ret;
	ret = api_delete(path, "%s %s deleted", what, argv[optind]);
	free(path);
	return ret;
}

int api_delete(const char *path, const char *fmt, ...)
{
	struct api_reply r;
	va_list ap;
	int ret;

	ret = api_call("DELETE", path, NULL, &r);
	if (ret)
		return ret;
	if (!cli.json) {
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
	} else if (r.json) {
		api_print_json(r.json);
	}
	api_reply_free(&r);
	return fflush(stdout) ? NSCTL_EXIT_FAIL : NSCTL_EXIT_OK;
}
