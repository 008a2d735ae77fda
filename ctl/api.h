/* SPDX-License-Identifier: GPL-2.0-only */
/* nsctl's side of the nameserve HTTP API (userspace/api.md): requests with the
 * configured server and token, API errors reported verbatim, JSON output. */
#ifndef NSCTL_API_H
#define NSCTL_API_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct api_reply {
	long	status;
	json_t	*json;		/* the body when it is JSON, else NULL */
	char	*body;		/* the raw body, "" when empty */
	size_t	body_len;
	char	*etag;		/* NULL when absent */
};

/*
 * One request to the API: path is "/v1/..." (segments escaped, see api_path),
 * body a JSON value or NULL. Writes carry --if-match and an idempotency key
 * (--idempotency-key, or a fresh one so that nsctl can retry a broken exchange
 * without applying the change twice). Returns NSCTL_EXIT_OK on a 2xx reply,
 * else reports why on stderr (the API's error as "STATUS CODE: message") and
 * returns NSCTL_EXIT_FAIL, NSCTL_EXIT_CONNECT or NSCTL_EXIT_USAGE (no token,
 * a bad config). The reply is filled only on success.
 */
int api_call(const char *method, const char *path, json_t *body, struct api_reply *r);

/* The same with a raw body of the given content type (a zone file). */
int api_call_raw(const char *method, const char *path, const char *body, size_t len,
		 const char *content_type, struct api_reply *r);

/*
 * GETs every page of a list ("/v1/zones?account=x"), following next_cursor, and
 * returns the items of array `key` in one reply shaped like a single page
 * ({key: [...], "next_cursor": null}). Same returns as api_call.
 */
int api_list(const char *path, const char *key, struct api_reply *r);

void api_reply_free(struct api_reply *r);

/* Releases the connection and the configuration. */
void api_fini(void);

/* A path from fmt where each %s is replaced by its argument percent-escaped
 * (the only conversion). Returns a malloc'd string or NULL. */
char *api_path(const char *fmt, ...);

/* Appends "?key=value" or "&key=value" (value escaped) to *path; value NULL
 * appends nothing. Returns 0 or -ENOMEM. */
int api_query(char **path, const char *key, const char *value);

/* Prints a JSON value indented, as --json does. Returns 0 or -EIO. */
int api_print_json(const json_t *v);

/* Prints a reply's JSON as --json does (nothing when there is none), else with
 * print. Returns NSCTL_EXIT_OK, or NSCTL_EXIT_FAIL when the output cannot be
 * written (said on stderr). */
int api_output(const json_t *v, int (*print)(const json_t *));

/* api_call, then api_output of the reply: a command's whole request and output.
 * Returns the exit code. */
int api_show(const char *method, const char *path, json_t *body, int (*print)(const json_t *));

/* The same with api_list: every page of a list. */
int api_show_list(const char *path, const char *key, int (*print)(const json_t *));

/* The whole of `nsctl GROUP list [--account ACCOUNT]`: every item of
 * /v1/COLLECTION (only ACCOUNT's), printed as api_output does. Returns the exit code. */
int api_list_cmd(int argc, char **argv, const char *collection, int (*print)(const json_t *));

/* The whole of `nsctl GROUP get NAME` and `nsctl GROUP delete NAME`, commands
 * with one operand and no options of their own: GET fmt with the operand (as
 * api_path puts it in) and print it with print; DELETE it and say "WHAT NAME
 * deleted". Return the exit code. */
int api_get_cmd(int argc, char **argv, const char *fmt, int (*print)(const json_t *));
int api_delete_cmd(int argc, char **argv, const char *fmt, const char *what);

/* The command line of a command with one operand and no options of its own
 * (ZONE, ID): *path from fmt and the operand as api_path makes it. Returns
 * NSCTL_EXIT_OK (*path NULL after --help) or the exit code. */
int api_operand_path(int argc, char **argv, const char *fmt, char **path);

/* DELETEs path; on success prints the reply with --json, else fmt's text and a
 * newline ("zone example.com. deleted"). Returns the exit code. */
int api_delete(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A field of an object as display text: strings as they are, numbers in
 * decimal, true/false as yes/no, missing or null as "-", others as compact
 * JSON (cut to fit buf). */
const char *api_field(const json_t *obj, const char *key, char *buf, size_t len);

/* The serial in an ETag ("SERIAL" or W/"SERIAL"), or NULL. Writes into buf. */
const char *api_etag_serial(const char *etag, char *buf, size_t len);

/* Formats an API error body as nsctl prints it: "STATUS CODE: message (field: F)"
 * for the documented error object, "STATUS: first line of the body" otherwise. */
void api_error_text(long status, const char *body, char *buf, size_t len);

#endif /* NSCTL_API_H */
