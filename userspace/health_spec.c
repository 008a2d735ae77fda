// SPDX-License-Identifier: GPL-2.0-only
/* A health check's spec as the API and the store spell it: JSON in, checked
 * field by field with the field at fault named, and JSON out. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"

#define INTERVAL_MAX_S	86400
#define HOST_CHARS	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"

static const char *const type_names[] = { [HEALTH_TCP] = "tcp", [HEALTH_HTTP] = "http",
					  [HEALTH_HTTPS] = "https" };

struct perr {
	char	*field, *msg;
	size_t	fieldlen, msglen;
};

static int bad(struct perr *e, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct perr *e, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (e->fieldlen)
		snprintf(e->field, e->fieldlen, "%s", field);
	if (e->msglen) {
		va_start(ap, fmt);
		vsnprintf(e->msg, e->msglen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > HEALTH_NAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* "ADDR:PORT" or "[V6]:PORT", numeric only. */
static bool target_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port;
	char *end;
	unsigned long p;
	size_t n;

	if (s[0] == '[') {
		port = strstr(s, "]:");
		if (!port)
			return false;
		n = port - s - 1;
		port += 2;
		if (n >= sizeof(host))
			return false;
		memcpy(host, s + 1, n);
	} else {
		port = strrchr(s, ':');
		if (!port)
			return false;
		n = port - s;
		port++;
		if (n >= sizeof(host))
			return false;
		memcpy(host, s, n);
	}
	host[n] = 0;
	if (!*port || strspn(port, "0123456789") != strlen(port))
		return false;
	p = strtoul(port, &end, 10);
	if (p < 1 || p > 65535)
		return false;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		struct sockaddr_in6 *sa = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &sa->sin6_addr) != 1)
			return false;
		sa->sin6_family = AF_INET6;
		sa->sin6_port = htons(p);
		*len = sizeof(*sa);
	} else {
		struct sockaddr_in *sa = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
			return false;
		sa->sin_family = AF_INET;
		sa->sin_port = htons(p);
		*len = sizeof(*sa);
	}
	return true;
}

/* Addresses that reach the server itself or its link, and IPv4's special
 * ones: the kind of target (a, 4 bytes in network order). */
static const char *v4_refused(const uint8_t *a)
{
	if (a[0] == 127)
		return "loopback";
	if (a[0] == 0)
		return "unspecified";
	if (a[0] == 169 && a[1] == 254)
		return "link-local";
	if (a[0] >= 224 && a[0] <= 239)
		return "multicast";
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		return "broadcast";
	return NULL;
}

const char *health_target_refused(const struct health_spec *spec)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[12];
	const uint8_t *a;

	if (spec->addr.ss_family == AF_INET)
		return v4_refused((const uint8_t *)
				  &((const struct sockaddr_in *)&spec->addr)->sin_addr);
	a = ((const struct sockaddr_in6 *)&spec->addr)->sin6_addr.s6_addr;
	/* ::/96 holds :: and ::1 and the old IPv4-compatible forms; ::ffff:0:0/96
	 * reaches IPv4 addresses through a v6 socket. */
	if (!memcmp(a, zero, 12))
		return a[12] | a[13] | a[14] ? "IPv4-compatible" :
		       a[15] == 1 ? "loopback" : a[15] ? "IPv4-compatible" : "unspecified";
	if (!memcmp(a, mapped, 12))
		return v4_refused(a + 12);
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";
	if (a[0] == 0xff)
		return "multicast";
	return NULL;
}

void health_target_text(const struct health_spec *spec, uint16_t implied_port, char *out,
			size_t cap)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&spec->addr;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)&spec->addr;
	bool v6 = spec->addr.ss_family == AF_INET6;
	uint16_t port = ntohs(v6 ? s6->sin6_port : s4->sin_port);
	char a[INET6_ADDRSTRLEN];

	inet_ntop(v6 ? AF_INET6 : AF_INET, v6 ? (const void *)&s6->sin6_addr : &s4->sin_addr, a,
		  sizeof(a));
	if (port == implied_port)
		snprintf(out, cap, v6 ? "[%s]" : "%s", a);
	else
		snprintf(out, cap, v6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* A name of labels of 1-63 letters, digits, '-' and '_', with one trailing dot
 * at most; or an IPv4 or (unbracketed) IPv6 literal. Never a port: the target
 * has it. */
static bool host_valid(const char *s)
{
	struct in6_addr a6;
	size_t n = strlen(s), label = 0;

	if (!n || n > HEALTH_HOST_MAX)
		return false;
	if (strchr(s, ':'))
		return inet_pton(AF_INET6, s, &a6) == 1;
	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
		} else if (!strchr(HOST_CHARS, *s) || ++label > 63) {
			return false;
		}
	}
	return true;
}

/* Printable ASCII without spaces: what may go into a request line or header. */
static bool token_ok(const char *s)
{
	for (; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return false;
	return true;
}

/* A string member, NULL when absent or null; -EINVAL after bad() otherwise. */
static int opt_string(const json_t *obj, const char *key, struct perr *e, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return bad(e, key, "a string is expected");
	*out = json_string_value(v);
	return 0;
}

/* Seconds as a number, into ms; -1 when absent. */
static int opt_seconds(const json_t *obj, const char *key, double min, double max,
		       struct perr *e, int64_t *ms)
{
	json_t *v = json_object_get(obj, key);
	double d;

	*ms = -1;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return bad(e, key, "a number of seconds is expected");
	d = json_number_value(v);
	if (!(d >= min && d <= max))
		return bad(e, key, "%g to %g seconds", min, max);
	*ms = (int64_t)(d * 1000 + 0.5);
	return 0;
}

static int opt_int(const json_t *obj, const char *key, int min, int max, int dflt,
		   struct perr *e, int *out)
{
	json_t *v = json_object_get(obj, key);

	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(e, key, "an integer from %d to %d is expected", min, max);
	*out = json_integer_value(v);
	return 0;
}

int health_spec_from_json(const json_t *obj, const char *name, struct health_spec *spec,
			  char *field, size_t fieldlen, char *msg, size_t msglen)
{
	static const char *const keys[] = { "name", "account", "type", "target", "path", "host",
					    "verify", "interval", "timeout", "fall", "rise",
					    "expect", "body", NULL };
	static const char *const http_only[] = { "path", "host", "expect", "body", NULL };
	struct perr e = { field, msg, fieldlen, msglen };
	const char *k, *s, *type, *target;
	int64_t interval, timeout;
	json_t *v;
	int n, i;
	size_t j;

	memset(spec, 0, sizeof(*spec));
	if (fieldlen)
		field[0] = 0;
	if (msglen)
		msg[0] = 0;
	if (!json_is_object(obj))
		return bad(&e, "", "a JSON object is expected");
	json_object_foreach((json_t *)obj, k, v) {
		for (i = 0; keys[i] && strcmp(k, keys[i]); i++)
			;
		if (!keys[i])
			return bad(&e, k, "unknown field");
	}
	if (opt_string(obj, "name", &e, &s))
		return -EINVAL;
	if (name && s && strcmp(name, s))
		return bad(&e, "name", "the name in the body is not the one in the path");
	if (!name)
		name = s;
	if (!name)
		return bad(&e, "name", "the check's name is required");
	if (!name_valid(name))
		return bad(&e, "name", "1 to %d of a-z 0-9 . _ -", HEALTH_NAME_MAX);
	snprintf(spec->name, sizeof(spec->name), "%s", name);

	if (opt_string(obj, "account", &e, &s))
		return -EINVAL;
	if (s && (!name_valid(s) || strlen(s) > STORE_ACCOUNT_MAX))
		return bad(&e, "account", "account names are 1 to %d of a-z 0-9 . _ -",
			   STORE_ACCOUNT_MAX);
	if (s)
		snprintf(spec->account, sizeof(spec->account), "%s", s);

	if (opt_string(obj, "type", &e, &type))
		return -EINVAL;
	if (!type)
		return bad(&e, "type", "the type is required: http, https or tcp");
	for (i = 0; i < 3 && strcmp(type, type_names[i]); i++)
		;
	if (i == 3)
		return bad(&e, "type", "http, https or tcp is expected");
	spec->type = i;

	if (opt_string(obj, "target", &e, &target))
		return -EINVAL;
	if (!target)
		return bad(&e, "target", "the target is required: ADDR:PORT or [ADDR6]:PORT");
	if (!target_parse(target, &spec->addr, &spec->addrlen))
		return bad(&e, "target", "ADDR:PORT or [ADDR6]:PORT is expected (numeric, port "
			   "1-65535)");

	if (spec->type == HEALTH_TCP) {
		for (i = 0; http_only[i]; i++) {
			v = json_object_get(obj, http_only[i]);
			if (v && !json_is_null(v))
				return bad(&e, http_only[i], "only http and https checks take %s",
					   http_only[i]);
		}
	}
	v = json_object_get(obj, "verify");
	spec->verify = true;
	if (v && !json_is_null(v)) {
		if (spec->type != HEALTH_HTTPS)
			return bad(&e, "verify", "only https checks take verify");
		if (!json_is_boolean(v))
			return bad(&e, "verify", "true or false is expected");
		spec->verify = json_is_true(v);
	}

	if (opt_string(obj, "path", &e, &s))
		return -EINVAL;
	if (s && (s[0] != '/' || strlen(s) > HEALTH_PATH_MAX || !token_ok(s)))
		return bad(&e, "path", "a path starting with /, up to %d printable characters "
			   "without spaces", HEALTH_PATH_MAX);
	snprintf(spec->path, sizeof(spec->path), "%s", s ? s : "/");

	if (opt_string(obj, "host", &e, &s))
		return -EINVAL;
	if (s && !host_valid(s))
		return bad(&e, "host", "a host name (one trailing dot at most) or an IP address, "
			   "without a port, up to %d characters", HEALTH_HOST_MAX);
	if (s)
		snprintf(spec->host, sizeof(spec->host), "%s", s);

	if (opt_string(obj, "body", &e, &s))
		return -EINVAL;
	if (s && strlen(s) > HEALTH_BODY_MAX)
		return bad(&e, "body", "at most %d bytes", HEALTH_BODY_MAX);
	if (s)
		snprintf(spec->body, sizeof(spec->body), "%s", s);

	v = json_object_get(obj, "expect");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v) || json_array_size(v) > HEALTH_EXPECT_MAX)
			return bad(&e, "expect", "an array of at most %d status codes",
				   HEALTH_EXPECT_MAX);
		for (j = 0; j < json_array_size(v); j++) {
			json_t *c = json_array_get(v, j);
			char f[32];

			if (!json_is_integer(c) || json_integer_value(c) < 100 ||
			    json_integer_value(c) > 599) {
				snprintf(f, sizeof(f), "expect[%zu]", j);
				return bad(&e, f, "an HTTP status code, 100 to 599");
			}
			spec->expect[spec->nexpect++] = json_integer_value(c);
		}
	}

	if (opt_seconds(obj, "interval", HEALTH_INTERVAL_MIN / 1000.0, INTERVAL_MAX_S, &e,
			&interval) ||
	    opt_seconds(obj, "timeout", 0.001, INTERVAL_MAX_S, &e, &timeout))
		return -EINVAL;
	spec->interval_ms = interval < 0 ? HEALTH_INTERVAL_DEFAULT : interval;
	if (timeout < 0) {
		/* The default, or half a shorter interval. */
		timeout = HEALTH_TIMEOUT_DEFAULT;
		if (timeout >= spec->interval_ms)
			timeout = spec->interval_ms / 2;
	} else if (timeout >= spec->interval_ms) {
		return bad(&e, "timeout", "the timeout must be shorter than the interval");
	}
	spec->timeout_ms = timeout;

	if (opt_int(obj, "fall", 1, 10, HEALTH_FALL_DEFAULT, &e, &n))
		return -EINVAL;
	spec->fall = n;
	if (opt_int(obj, "rise", 1, 10, HEALTH_RISE_DEFAULT, &e, &n))
		return -EINVAL;
	spec->rise = n;
	return 0;
}

static json_t *seconds(uint32_t ms)
{
	return ms % 1000 ? json_real(ms / 1000.0) : json_integer(ms / 1000);
}

json_t *health_spec_json(const struct health_spec *spec)
{
	char target[INET6_ADDRSTRLEN + 10];
	json_t *o, *ex;
	size_t i;

	health_target_text(spec, 0, target, sizeof(target));
	o = json_pack("{s:s,s:s,s:s}", "name", spec->name, "type", type_names[spec->type],
		      "target", target);
	if (!o)
		return NULL;
	/* Unset only before the API has given the check its owner. */
	if (spec->account[0])
		json_object_set_new(o, "account", json_string(spec->account));
	if (spec->type != HEALTH_TCP) {
		json_object_set_new(o, "path", json_string(spec->path[0] ? spec->path : "/"));
		json_object_set_new(o, "host", spec->host[0] ? json_string(spec->host)
							     : json_null());
		if (spec->type == HEALTH_HTTPS)
			json_object_set_new(o, "verify", json_boolean(spec->verify));
	}
	json_object_set_new(o, "interval", seconds(spec->interval_ms));
	json_object_set_new(o, "timeout", seconds(spec->timeout_ms));
	json_object_set_new(o, "fall", json_integer(spec->fall));
	json_object_set_new(o, "rise", json_integer(spec->rise));
	if (spec->type != HEALTH_TCP) {
		if (spec->nexpect) {
			ex = json_array();
			for (i = 0; i < spec->nexpect; i++)
				json_array_append_new(ex, json_integer(spec->expect[i]));
		} else {
			ex = json_null();
		}
		json_object_set_new(o, "expect", ex);
		json_object_set_new(o, "body", spec->body[0] ? json_string(spec->body)
							     : json_null());
	}
	return o;
}
