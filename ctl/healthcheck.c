// SPDX-License-Identifier: GPL-2.0-only
/* `nsctl healthcheck create|set|list|get|delete`: health checks over the API.
 * A check's --timeout is its probe's; the request's timeout goes before the
 * command (`nsctl --timeout 5 healthcheck create ...`). */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>	/* isfinite */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "cli.h"
#include "healthcheck.h"
#include "nsctl.h"
#include "table.h"

/* Options with no short form: past every character. */
enum {
	OPT_TYPE = 0x80,
	OPT_TARGET,
	OPT_PATH,
	OPT_INTERVAL,
	OPT_TIMEOUT,
	OPT_FALL,
	OPT_RISE,
	OPT_HOST,
	OPT_EXPECT,
	OPT_BODY,
	OPT_NO_VERIFY,
	OPT_ACCOUNT,
};

bool healthcheck_target_ok(const char *target)
{
	const char *colon;
	char addr[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];
	long port;
	size_t n;
	int af = AF_INET;

	if (target[0] == '[') {
		colon = strstr(target, "]:");
		if (!colon)
			return false;
		n = colon - target - 1;
		target++;
		colon++;
		af = AF_INET6;
	} else {
		colon = strrchr(target, ':');
		if (!colon)
			return false;
		n = colon - target;
	}
	if (n == 0 || n >= sizeof(addr))
		return false;
	memcpy(addr, target, n);
	addr[n] = '\0';
	if (inet_pton(af, addr, bin) != 1)
		return false;
	return !cli_parse_long(colon + 1, 1, 65535, &port) && colon[1] != '+' && colon[1] != '-';
}

/* Seconds as the API takes them: a whole number stays an integer. */
static json_t *healthcheck_seconds(const char *s, const char *flag, double min, char *err,
				   size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < min || v > 86400) {
		cli_reason(err, errlen, "%s: '%s' is not a number of seconds (%g-86400)",
			   flag, s, min);
		return NULL;
	}
	if (v == (double)(json_int_t)v)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static int healthcheck_expect(const char *text, json_t **out, char *err, size_t errlen)
{
	json_t *arr = json_array();
	char *copy = strdup(text), *item, *next;
	int ret = -ENOMEM, n = 0;
	long code;

	if (!arr || !copy)
		goto out;
	for (item = copy; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (++n > HEALTHCHECK_EXPECT_MAX) {
			ret = cli_reason(err, errlen, "--expect: at most %d status codes",
					 HEALTHCHECK_EXPECT_MAX);
			goto out;
		}
		if (cli_parse_long(item, 100, 599, &code)) {
			ret = cli_reason(err, errlen, "--expect: '%s' is not an HTTP status "
					 "(100-599)", item);
			goto out;
		}
		if (json_array_append_new(arr, json_integer(code)))
			goto out;
	}
	*out = arr;
	arr = NULL;
	ret = 0;
out:
	json_decref(arr);
	free(copy);
	return ret;
}

int healthcheck_json(const struct healthcheck_spec *s, json_t **out, char *err, size_t errlen)
{
	bool http, tcp;
	json_t *o, *v = NULL;
	int ret = -EINVAL;

	*out = NULL;
	err[0] = '\0';	/* still empty at fail: out of memory */
	if (!s->name || !*s->name)
		return cli_reason(err, errlen, "the check needs a NAME");
	if (!s->type)
		return cli_reason(err, errlen, "--type is required (http, https or tcp)");
	http = !strcmp(s->type, "http") || !strcmp(s->type, "https");
	tcp = !strcmp(s->type, "tcp");
	if (!http && !tcp)
		return cli_reason(err, errlen, "--type: '%s' is not http, https or tcp",
				  s->type);
	if (!s->target)
		return cli_reason(err, errlen, "--target ADDR:PORT is required");
	if (!healthcheck_target_ok(s->target))
		return cli_reason(err, errlen, "--target: '%s' is not ADDR:PORT "
				  "(198.18.0.2:80, [2001:db8::2]:443)", s->target);
	if (tcp && (s->path || s->host || s->expect || s->body))
		return cli_reason(err, errlen, "--path, --host, --expect and --body are "
				  "for http and https checks");
	if (s->no_verify && strcmp(s->type, "https"))
		return cli_reason(err, errlen, "--no-verify is for https checks");
	if (s->path && s->path[0] != '/')
		return cli_reason(err, errlen, "--path: '%s' does not start with /",
				  s->path);
	if (s->fall && (s->fall < 1 || s->fall > HEALTHCHECK_FALL_MAX))
		return cli_reason(err, errlen, "--fall: 1-%d probes", HEALTHCHECK_FALL_MAX);
	if (s->rise && (s->rise < 1 || s->rise > HEALTHCHECK_RISE_MAX))
		return cli_reason(err, errlen, "--rise: 1-%d probes", HEALTHCHECK_RISE_MAX);

	o = json_object();
	if (!o)
		return -ENOMEM;
	if (json_object_set_new(o, "name", json_string(s->name)) ||
	    json_object_set_new(o, "type", json_string(s->type)) ||
	    json_object_set_new(o, "target", json_string(s->target)))
		goto nomem;
	if (s->path && json_object_set_new(o, "path", json_string(s->path)))
		goto nomem;
	if (s->host && json_object_set_new(o, "host", json_string(s->host)))
		goto nomem;
	if (s->no_verify && json_object_set_new(o, "verify", json_false()))
		goto nomem;
	if (s->interval) {
		v = healthcheck_seconds(s->interval, "--interval", 1, err, errlen);
		if (!v || json_object_set_new(o, "interval", v))
			goto fail;
	}
	if (s->timeout) {
		v = healthcheck_seconds(s->timeout, "--timeout", 0.001, err, errlen);
		if (!v || json_object_set_new(o, "timeout", v))
			goto fail;
	}
	if (s->interval && s->timeout &&
	    json_number_value(json_object_get(o, "timeout")) >=
	    json_number_value(json_object_get(o, "interval"))) {
		ret = cli_reason(err, errlen, "--timeout must be less than --interval");
		goto fail;
	}
	if (s->fall && json_object_set_new(o, "fall", json_integer(s->fall)))
		goto nomem;
	if (s->rise && json_object_set_new(o, "rise", json_integer(s->rise)))
		goto nomem;
	if (s->expect) {
		ret = healthcheck_expect(s->expect, &v, err, errlen);
		if (!ret && json_object_set_new(o, "expect", v))
			ret = -ENOMEM;
		if (ret)
			goto fail;
	}
	if (s->body && json_object_set_new(o, "body", json_string(s->body))) {
		ret = cli_reason(err, errlen, "a value is not UTF-8 text");
		goto fail;
	}
	if (s->account && json_object_set_new(o, "account", json_string(s->account)))
		goto nomem;
	*out = o;
	return 0;
nomem:
	/* json_string() fails on text that is not UTF-8 too. */
	ret = cli_reason(err, errlen, "a value is not UTF-8 text");
fail:
	if (ret == -EINVAL && !*err)
		ret = -ENOMEM;
	json_decref(o);
	return ret;
}

/* A UNIX time as the API's other times read: 2026-11-21T22:00:00Z; "-" for none. */
static const char *healthcheck_time(const json_t *v, char *buf, size_t len)
{
	struct tm tm;
	time_t t;

	if (!json_is_number(v) || json_number_value(v) <= 0)
		return "-";
	t = (time_t)json_number_value(v);
	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return "-";
	return buf;
}

const char *healthcheck_probe_text(const json_t *probe, char *buf, size_t len)
{
	const json_t *status = json_object_get(probe, "status");
	const json_t *ms = json_object_get(probe, "ms");
	const json_t *error = json_object_get(probe, "error");
	size_t n;

	if (!json_is_object(probe)) {
		snprintf(buf, len, "-");
		return buf;
	}
	n = snprintf(buf, len, "%s", json_is_true(json_object_get(probe, "ok")) ? "ok" : "fail");
	if (json_is_integer(status) && n < len)
		n += snprintf(buf + n, len - n, " %" JSON_INTEGER_FORMAT,
			      json_integer_value(status));
	if (json_is_number(ms) && n < len)
		n += snprintf(buf + n, len - n, " %.0fms", json_number_value(ms));
	if (json_is_string(error) && *json_string_value(error) && n < len)
		snprintf(buf + n, len - n, ": %s", json_string_value(error));
	return buf;
}

/* "30s", "0.5s": seconds as the API gave them. */
static const char *healthcheck_secs_text(const json_t *o, const char *key, char *buf,
					 size_t len)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return "-";
	snprintf(buf, len, "%gs", json_number_value(v));
	return buf;
}

static int healthcheck_print_list(const json_t *page)
{
	static const char *const hdr[] = { "NAME", "TYPE", "TARGET", "INTERVAL", "STATUS",
					   "SINCE", "LAST" };
	struct table *t = table_new(7, hdr);
	const json_t *hc, *st;
	char b[7][256];
	size_t i;
	int ret = -ENOMEM;

	if (!t)
		goto out;
	table_align_right(t, 3);
	json_array_foreach(json_object_get(page, "healthchecks"), i, hc) {
		st = json_object_get(hc, "state");
		if (table_row(t, api_field(hc, "name", b[0], sizeof(b[0])),
			      api_field(hc, "type", b[1], sizeof(b[1])),
			      api_field(hc, "target", b[2], sizeof(b[2])),
			      healthcheck_secs_text(hc, "interval", b[3], sizeof(b[3])),
			      api_field(st, "status", b[4], sizeof(b[4])),
			      healthcheck_time(json_object_get(st, "since"), b[5], sizeof(b[5])),
			      healthcheck_probe_text(json_object_get(st, "last"), b[6],
						     sizeof(b[6]))))
			goto out;
	}
	ret = table_print(t, stdout);
out:
	table_free(t);
	return ret;
}

/* One check: its spec and state as "field  value" lines, then its history. */
static int healthcheck_print_one(const json_t *hc)
{
	static const char *const spec[] = { "name", "type", "target", "path", "host", "verify",
					    "interval", "timeout", "fall", "rise", "expect",
					    "body" };
	static const char *const hist_hdr[] = { "TIME", "RESULT" };
	const json_t *st = json_object_get(hc, "state"), *hist, *p, *v;
	struct table *t = table_new(2, NULL), *h = NULL;
	char buf[512], tb[64];
	size_t i;
	int ret = -ENOMEM;

	if (!t)
		goto out;
	for (i = 0; i < sizeof(spec) / sizeof(spec[0]); i++) {
		const char *text;

		/* What the server left out does not apply (a tcp check's path). */
		v = json_object_get(hc, spec[i]);
		if (!v)
			continue;
		if (!strcmp(spec[i], "interval") || !strcmp(spec[i], "timeout")) {
			text = healthcheck_secs_text(hc, spec[i], buf, sizeof(buf));
		} else if (json_is_array(v)) {
			const json_t *code;
			size_t j, n = 0;

			buf[0] = '\0';
			json_array_foreach(v, j, code)
				if (n < sizeof(buf))
					n += snprintf(buf + n, sizeof(buf) - n,
						      "%s%" JSON_INTEGER_FORMAT, j ? "," : "",
						      json_integer_value(code));
			text = buf;
		} else {
			text = api_field(hc, spec[i], buf, sizeof(buf));
		}
		if (table_row(t, spec[i], text))
			goto out;
	}
	if (json_is_object(st)) {
		char probes[32], failures[32];

		if (table_row(t, "status", api_field(st, "status", buf, sizeof(buf))) ||
		    table_row(t, "since", healthcheck_time(json_object_get(st, "since"), tb,
							    sizeof(tb))) ||
		    table_row(t, "probes", api_field(st, "probes", probes, sizeof(probes))) ||
		    table_row(t, "failures", api_field(st, "failures", failures,
						       sizeof(failures))))
			goto out;
		p = json_object_get(st, "last");
		if (json_is_object(p)) {
			char line[600];

			snprintf(line, sizeof(line), "%s at %s",
				 healthcheck_probe_text(p, buf, sizeof(buf)),
				 healthcheck_time(json_object_get(p, "time"), tb, sizeof(tb)));
			if (table_row(t, "last", line))
				goto out;
		} else if (table_row(t, "last", "-")) {
			goto out;
		}
	}
	ret = table_print(t, stdout);
	if (ret)
		goto out;
	hist = json_object_get(hc, "history");
	if (!json_array_size(hist))
		goto out;
	ret = -ENOMEM;
	h = table_new(2, hist_hdr);
	if (!h)
		goto out;
	json_array_foreach(hist, i, p) {
		if (table_row(h, healthcheck_time(json_object_get(p, "time"), tb, sizeof(tb)),
			      healthcheck_probe_text(p, buf, sizeof(buf))))
			goto out;
	}
	putchar('\n');
	ret = table_print(h, stdout);
out:
	table_free(h);
	table_free(t);
	return ret;
}

static int healthcheck_print_written(const json_t *hc, const char *what)
{
	char b[4][256];

	printf("healthcheck %s %s: %s %s every %s\n", api_field(hc, "name", b[0], sizeof(b[0])),
	       what, api_field(hc, "type", b[1], sizeof(b[1])),
	       api_field(hc, "target", b[2], sizeof(b[2])),
	       healthcheck_secs_text(hc, "interval", b[3], sizeof(b[3])));
	return 0;
}

static int healthcheck_print_created(const json_t *hc)
{
	return healthcheck_print_written(hc, "created");
}

static int healthcheck_print_replaced(const json_t *hc)
{
	return healthcheck_print_written(hc, "replaced");
}

/* create (POST) and set (PUT): the same command line. */
static int healthcheck_write(int argc, char **argv, bool replace)
{
	static const struct option opts[] = {
		{ "type",	required_argument,	NULL, OPT_TYPE },
		{ "target",	required_argument,	NULL, OPT_TARGET },
		{ "path",	required_argument,	NULL, OPT_PATH },
		{ "interval",	required_argument,	NULL, OPT_INTERVAL },
		/* Before the global --timeout, so this one is the check's. */
		{ "timeout",	required_argument,	NULL, OPT_TIMEOUT },
		{ "fall",	required_argument,	NULL, OPT_FALL },
		{ "rise",	required_argument,	NULL, OPT_RISE },
		{ "host",	required_argument,	NULL, OPT_HOST },
		{ "expect",	required_argument,	NULL, OPT_EXPECT },
		{ "body",	required_argument,	NULL, OPT_BODY },
		{ "no-verify",	no_argument,		NULL, OPT_NO_VERIFY },
		{ "account",	required_argument,	NULL, OPT_ACCOUNT },
		{ NULL, 0, NULL, 0 },
	};
	struct healthcheck_spec s = { 0 };
	char err[256] = "", *path = NULL;
	json_t *body = NULL;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "", opts)) != -1) {
		switch (c) {
		case OPT_TYPE:
			s.type = optarg;
			break;
		case OPT_TARGET:
			s.target = optarg;
			break;
		case OPT_PATH:
			s.path = optarg;
			break;
		case OPT_INTERVAL:
			s.interval = optarg;
			break;
		case OPT_TIMEOUT:
			s.timeout = optarg;
			break;
		case OPT_FALL:
			if (cli_parse_long(optarg, 1, HEALTHCHECK_FALL_MAX, &s.fall))
				return cli_bad_usage("--fall: '%s' is not 1-%d probes", optarg,
						     HEALTHCHECK_FALL_MAX);
			break;
		case OPT_RISE:
			if (cli_parse_long(optarg, 1, HEALTHCHECK_RISE_MAX, &s.rise))
				return cli_bad_usage("--rise: '%s' is not 1-%d probes", optarg,
						     HEALTHCHECK_RISE_MAX);
			break;
		case OPT_HOST:
			s.host = optarg;
			break;
		case OPT_EXPECT:
			s.expect = optarg;
			break;
		case OPT_BODY:
			s.body = optarg;
			break;
		case OPT_NO_VERIFY:
			s.no_verify = true;
			break;
		case OPT_ACCOUNT:
			s.account = optarg;
			break;
		case CLI_HELP:
			return cli_help();
		default:
			return cli_bad_usage(NULL);
		}
	}
	if (!cli_operands(argc, argv, 1, 1))
		return NSCTL_EXIT_USAGE;
	s.name = argv[optind];
	ret = healthcheck_json(&s, &body, err, sizeof(err));
	if (ret == -EINVAL)
		return cli_bad_usage("%s", err);
	if (ret) {
		nsctl_err("out of memory");
		return NSCTL_EXIT_FAIL;
	}
	if (replace) {
		path = api_path("/v1/healthchecks/%s", s.name);
		if (!path) {
			nsctl_err("out of memory");
			ret = NSCTL_EXIT_FAIL;
			goto out;
		}
	}
	ret = api_show(replace ? "PUT" : "POST", replace ? path : "/v1/healthchecks", body,
		       replace ? healthcheck_print_replaced : healthcheck_print_created);
out:
	free(path);
	json_decref(body);
	return ret;
}

static int healthcheck_create(int argc, char **argv)
{
	return healthcheck_write(argc, argv, false);
}

static int healthcheck_set(int argc, char **argv)
{
	return healthcheck_write(argc, argv, true);
}

static int healthcheck_list(int argc, char **argv)
{
	return api_list_cmd(argc, argv, "healthchecks", healthcheck_print_list);
}

static int healthcheck_get(int argc, char **argv)
{
	return api_get_cmd(argc, argv, "/v1/healthchecks/%s", healthcheck_print_one);
}

static int healthcheck_delete(int argc, char **argv)
{
	return api_delete_cmd(argc, argv, "/v1/healthchecks/%s", "healthcheck");
}

#define HEALTHCHECK_WRITE_ARGS \
	"NAME --type http|https|tcp --target ADDR:PORT [--path PATH] [--interval SECONDS] " \
	"[--timeout SECONDS] [--fall N] [--rise N] [--host NAME] [--expect CODE,...] " \
	"[--body TEXT] [--no-verify] [--account ACCOUNT]"

#define HEALTHCHECK_WRITE_HELP \
	"  --type TYPE          http, https (a GET of PATH) or tcp (a connect)\n" \
	"  --target ADDR:PORT   what to probe: 198.18.0.2:80, [2001:db8::2]:443\n" \
	"  --path PATH          the URL path (default /)\n" \
	"  --interval SECONDS   between probes (default 30, at least 1)\n" \
	"  --timeout SECONDS    one probe's limit (default 5, less than --interval);\n" \
	"                       the request's own timeout goes before the command\n" \
	"  --fall N             failed probes in a row that mark it down (1-10, default 3)\n" \
	"  --rise N             good probes in a row that mark it up (1-10, default 2)\n" \
	"  --host NAME          the Host header (and TLS server name)\n" \
	"  --expect 200,204     the statuses that pass (at most 8; default 200-399)\n" \
	"  --body TEXT          text the reply's body must contain\n" \
	"  --no-verify          https: do not verify the server's certificate\n" \
	"  --account ACCOUNT    the account it belongs to (admin tokens)\n"

static const struct cli_cmd healthcheck_cmds[] = {
	{ "list", healthcheck_list, "[--account ACCOUNT]",
	  "the checks, their status and last probe (an admin: every account's, or one's)",
	  NULL },
	{ "get", healthcheck_get, "NAME", "one check: its settings, state and recent probes",
	  NULL },
	{ "create", healthcheck_create, HEALTHCHECK_WRITE_ARGS, "create a health check",
	  HEALTHCHECK_WRITE_HELP },
	{ "set", healthcheck_set, HEALTHCHECK_WRITE_ARGS,
	  "replace a check's settings (unset options take their defaults)",
	  HEALTHCHECK_WRITE_HELP },
	{ "delete", healthcheck_delete, "NAME",
	  "delete a check (refused while an RRset names it)", NULL },
};

int healthcheck_cmd(int argc, char **argv)
{
	return cli_dispatch("healthcheck", "Health checks: probes that steered RRsets follow",
			    healthcheck_cmds,
			    sizeof(healthcheck_cmds) / sizeof(healthcheck_cmds[0]), argc, argv);
}
