/* SPDX-License-Identifier: GPL-2.0-only */
/* `nsctl healthcheck ...`: the HTTP, HTTPS and TCP checks that steered RRsets
 * name, over /v1/healthchecks. */
#ifndef NSCTL_HEALTHCHECK_H
#define NSCTL_HEALTHCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#define HEALTHCHECK_EXPECT_MAX	8	/* status codes in --expect */
#define HEALTHCHECK_FALL_MAX	10	/* --fall: 1..this */
#define HEALTHCHECK_RISE_MAX	10	/* --rise: 1..this */

/* A check as its command line gives it; NULL / 0 / false: not given, the
 * server's default. */
struct healthcheck_spec {
	const char	*name;
	const char	*type;		/* http, https, tcp */
	const char	*target;	/* ADDR:PORT or [ADDR6]:PORT */
	const char	*path;
	const char	*host;
	const char	*expect;	/* "200,204" */
	const char	*body;
	const char	*account;	/* admin tokens: the account it is for */
	const char	*interval;	/* seconds, as typed: "30", "0.5" */
	const char	*timeout;
	long		fall;
	long		rise;
	bool		no_verify;
};

/*
 * The body of POST /v1/healthchecks (and PUT) for spec, checked as far as the
 * command line can be. Returns 0 with *out set, -EINVAL with the reason in
 * err, or -ENOMEM.
 */
int healthcheck_json(const struct healthcheck_spec *spec, json_t **out, char *err,
		     size_t errlen);

/* Whether target reads ADDR:PORT with a literal IPv4 address, or [ADDR]:PORT
 * with an IPv6 one, and a port 1-65535. */
bool healthcheck_target_ok(const char *target);

/* A probe's result ({"time","ok","ms","error","status"}) as one line:
 * "ok 200 12ms", "fail 9ms: connection refused", "-" for none. */
const char *healthcheck_probe_text(const json_t *probe, char *buf, size_t len);

/* argv[0] is "healthcheck". Returns the process exit code. */
int healthcheck_cmd(int argc, char **argv);

#endif /* NSCTL_HEALTHCHECK_H */
