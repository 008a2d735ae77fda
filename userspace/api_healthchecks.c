// SPDX-License-Identifier: GPL-2.0-only
/* /v1/healthchecks: list, create, get, replace and delete health checks, each
 * belonging to an account as zones do; the checker keeps and probes them. */
#include <errno.h>
#include <string.h>

#include "api_req.h"
#include "health.h"

static struct health *checker(struct api_req *r)
{
	struct health *h = r->api->cfg.health;

	if (!h)
		api_reply_error(r, 404, NULL, "health checks are not enabled on this server");
	return h;
}

static void reply_store_error(struct api_req *r, int err)
{
	api_reply_error(r, 500, NULL, "store: %s; nothing was applied", strerror(-err));
}

/* The check as it is now: a write may have deleted it since this request's. */
static int reply_check(struct api_req *r, struct health *h, const char *name, int status)
{
	json_t *o = health_get_json(h, name, NULL);

	if (!o) {
		api_reply_error(r, 404, NULL, "health check %s was deleted meanwhile", name);
		return -1;
	}
	api_reply_json(r, status, o);
	return 0;
}

/* The body as a spec for name (NULL: the body names it); false after a 400. */
static bool spec_from_body(struct api_req *r, const char *name, struct health_spec *spec)
{
	char field[64], msg[256];
	json_t *body = api_body_object(r);
	const char *why;

	if (!body)
		return false;
	if (health_spec_from_json(body, name, spec, field, sizeof(field), msg, sizeof(msg))) {
		api_reply_error(r, 400, field, "%s", msg);
		return false;
	}
	if (spec->account[0] && r->scope && strcmp(spec->account, r->scope)) {
		api_reply_error(r, 403, "account", "only an admin token manages another "
				"account's health checks");
		return false;
	}
	/* Only the operator probes the server's own host and neighbours: another
	 * account could read their status and body back through the check. */
	why = r->scope ? health_target_refused(spec) : NULL;
	if (why) {
		api_reply_error(r, 400, "target", "%s addresses are for the operator's checks "
				"only (an admin token)", why);
		return false;
	}
	return true;
}

int api_healthchecks_list(struct api_req *r)
{
	struct health *h = checker(r);
	const char *account = r->scope, *filter = api_arg(r, "account");

	if (!h)
		return 0;
	if (filter && !r->scope)
		account = filter;
	else if (filter && strcmp(filter, r->scope))
		account = "";	/* another account's: nothing to see */
	api_reply_json(r, 200, json_pack("{s:o}", "healthchecks", health_list_json(h, account)));
	return 0;
}

int api_healthchecks_create(struct api_req *r)
{
	struct health *h = checker(r);
	struct health_spec spec;
	int err;

	if (!h || !spec_from_body(r, NULL, &spec))
		return -1;
	if (!spec.account[0])
		snprintf(spec.account, sizeof(spec.account), "%s", r->tok.account);
	err = health_create(h, &spec);
	if (err == -EEXIST) {
		api_reply_error(r, 409, "name", "a health check named %s exists", spec.name);
		return -1;
	}
	if (err == -ESTALE) {
		api_reply_error(r, 409, "name", "the store holds a health check named %s that "
				"could not be loaded (see the server's log); an admin token can "
				"DELETE it", spec.name);
		return -1;
	}
	if (err == -ENOSPC) {
		api_reply_error(r, 409, NULL, "every health check slot is taken");
		return -1;
	}
	if (err == -EDQUOT) {
		api_reply_error(r, 409, NULL, "account %s has %d health checks, the most one "
				"account may have", spec.account, HEALTH_ACCOUNT_CHECKS_MAX);
		return -1;
	}
	if (err) {
		reply_store_error(r, err);
		return -1;
	}
	return reply_check(r, h, spec.name, 201);
}

int api_healthchecks_get(struct api_req *r)
{
	struct health *h = checker(r);
	json_t *o;

	if (!h)
		return 0;
	o = health_get_json(h, r->params[0], r->scope);
	if (!o) {
		api_reply_error(r, 404, NULL, "no health check %.100s", r->params[0]);
		return 0;
	}
	api_reply_json(r, 200, o);
	return 0;
}

int api_healthchecks_put(struct api_req *r)
{
	struct health *h = checker(r);
	struct health_spec spec;
	int err;

	if (!h || !spec_from_body(r, r->params[0], &spec))
		return -1;
	/* The account is compared inside the write, where no other write can
	 * change or delete the check. Without one in the body, it stays. */
	err = health_replace(h, &spec, r->scope);
	if (err == -ENOENT) {
		api_reply_error(r, 404, NULL, "no health check %.100s", r->params[0]);
		return -1;
	}
	if (err == -EPERM) {
		api_reply_error(r, 409, "account", "a health check keeps its account; delete it "
				"and create it in the other account");
		return -1;
	}
	if (err) {
		reply_store_error(r, err);
		return -1;
	}
	return reply_check(r, h, spec.name, 200);
}

int api_healthchecks_delete(struct api_req *r)
{
	struct health *h = checker(r);
	int err;

	if (!h)
		return -1;
	err = health_delete(h, r->params[0], r->scope);
	if (err == -ENOENT) {
		api_reply_error(r, 404, NULL, "no health check %.100s", r->params[0]);
		return -1;
	}
	if (err == -EBUSY) {
		api_reply_error(r, 409, NULL, "an RRset's policy still names %.100s; take it out "
				"of the policy first", r->params[0]);
		return -1;
	}
	if (err) {
		reply_store_error(r, err);
		return -1;
	}
	api_reply_json(r, 204, NULL);
	return 0;
}
