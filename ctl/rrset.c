// SPDX-License-Identifier: GPL-2.0-only
/* `nsctl rrset list|get|set|add|remove|delete|apply`: RRsets over the API. Each
 * RDATA operand is one record in presentation format ("10 mail" for an MX). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "http.h"
#include "nsctl.h"
#include "rrset.h"
#include "steering.h"
#include "table.h"

/* Options with no short form: past every character. */
enum {
	OPT_WEIGHTS = 0x80,
	OPT_HEALTHCHECKS,
	OPT_FAILOVER,
	OPT_MULTIVALUE,
	OPT_GEO,
};

int rrset_type_canon(const char *in, char *out, size_t len)
{
	size_t i, n = strlen(in);

	if (n == 0 || n >= len || n > 16)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)in[i]))
			return -EINVAL;
		out[i] = toupper((unsigned char)in[i]);
	}
	out[n] = '\0';
	return 0;
}

json_t *rrset_json(const struct rrset_spec *spec, const char *op)
{
	json_t *o = json_object(), *recs;
	int i;

	if (!o)
		return NULL;
	if (op && (json_object_set_new(o, "op", json_string(op)) ||
		   json_object_set_new(o, "name", json_string(spec->name)) ||
		   json_object_set_new(o, "type", json_string(spec->type))))
		goto fail;
	if (spec->ttl >= 0 && json_object_set_new(o, "ttl", json_integer(spec->ttl)))
		goto fail;
	if (op && !strcmp(op, "delete"))
		return o;
	recs = json_array();
	if (json_object_set_new(o, "records", recs))
		goto fail;
	for (i = 0; i < spec->nrecords; i++)
		if (json_array_append_new(recs, json_string(spec->records[i])))
			goto fail;
	if (spec->policy && json_object_set(o, "policy", (json_t *)spec->policy))
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* A table of RRsets, one line per record as in a zone file; a POLICY column
 * only when some RRset has a policy, its geo rules in full when full. */
static int rrset_print_table(const json_t *rrsets, bool full)
{
	static const char *const hdr[] = { "NAME", "TTL", "TYPE", "DATA", "POLICY" };
	struct table *t = NULL;
	bool policy = false;
	json_t *rs, *rec, *recs;
	char ttl[32], pol[1024];
	size_t i, j;
	int ret = -ENOMEM;

	json_array_foreach(rrsets, i, rs) {
		json_t *p = json_object_get(rs, "policy");

		if (p && !json_is_null(p))
			policy = true;
	}
	t = table_new(policy ? 5 : 4, hdr);
	if (!t)
		goto out;
	table_align_right(t, 1);
	json_array_foreach(rrsets, i, rs) {
		const char *name = json_string_value(json_object_get(rs, "name"));
		const char *type = json_string_value(json_object_get(rs, "type"));

		api_field(rs, "ttl", ttl, sizeof(ttl));
		steering_summary(json_object_get(rs, "policy"), full, pol, sizeof(pol));
		recs = json_object_get(rs, "records");
		json_array_foreach(recs, j, rec) {
			if (table_row(t, name, ttl, type, json_string_value(rec), pol))
				goto out;
		}
		/* An RRset without records (a policy with none healthy, say) still shows. */
		if (!json_array_size(recs) && table_row(t, name, ttl, type, "", pol))
			goto out;
	}
	ret = table_print(t, stdout);
out:
	table_free(t);
	return ret;
}

static int rrset_print_page(const json_t *page)
{
	return rrset_print_table(json_object_get(page, "rrsets"), false);
}

static int rrset_print_one(const json_t *rs)
{
	json_t *one = json_pack("[O]", rs);
	int ret;

	if (!one)
		return -ENOMEM;
	ret = rrset_print_table(one, true);
	json_decref(one);
	return ret;
}

static int rrset_nomem(void)
{
	nsctl_err("out of memory");
	return NSCTL_EXIT_FAIL;
}

static int rrset_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *type = NULL;
	char tbuf[24], *path;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "n:t:", opts)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 't':
			if (rrset_type_canon(optarg, tbuf, sizeof(tbuf)))
				return cli_bad_usage("bad type '%s'", optarg);
			type = tbuf;
			break;
		case CLI_HELP:
			return cli_help();
		default:
			return cli_bad_usage(NULL);
		}
	}
	if (!cli_operands(argc, argv, 1, 1))
		return NSCTL_EXIT_USAGE;
	path = api_path("/v1/zones/%s/rrsets", argv[optind]);
	if (!path || api_query(&path, "name", name) || api_query(&path, "type", type)) {
		free(path);
		return rrset_nomem();
	}
	ret = api_show_list(path, "rrsets", rrset_print_page);
	free(path);
	return ret;
}

/* "ZONE NAME TYPE", the whole command line of get and delete: the RRset's path
 * in *path. Returns NSCTL_EXIT_OK (*path NULL after --help) or the exit code. */
static int rrset_target(int argc, char **argv, char *type, size_t tlen, char **path)
{
	int c;

	*path = NULL;
	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		return c == CLI_HELP ? cli_help() : cli_bad_usage(NULL);
	if (!cli_operands(argc, argv, 3, 3))
		return NSCTL_EXIT_USAGE;
	if (rrset_type_canon(argv[optind + 2], type, tlen))
		return cli_bad_usage("bad type '%s'", argv[optind + 2]);
	*path = api_path("/v1/zones/%s/rrsets/%s/%s", argv[optind], argv[optind + 1], type);
	return *path ? NSCTL_EXIT_OK : rrset_nomem();
}

static int rrset_get(int argc, char **argv)
{
	char type[24], *path;
	int ret;

	ret = rrset_target(argc, argv, type, sizeof(type), &path);
	if (ret || !path)
		return ret;
	ret = api_show("GET", path, NULL, rrset_print_one);
	free(path);
	return ret;
}

static int rrset_delete(int argc, char **argv)
{
	char type[24], *path;
	int ret;

	ret = rrset_target(argc, argv, type, sizeof(type), &path);
	if (ret || !path)
		return ret;
	ret = api_delete(path, "%s %s in %s deleted", argv[optind + 1], type, argv[optind]);
	free(path);
	return ret;
}

/*
 * The options and operands of the commands that write records:
 * ZONE NAME TYPE RDATA... [--ttl N], and for set (steer non-NULL) the steering
 * flags. Fills spec (records point into argv); returns NSCTL_EXIT_OK, or the
 * exit code to end with (help, bad usage).
 */
static int rrset_parse_write(int argc, char **argv, bool ttl_ok, int min_records,
			     struct rrset_spec *spec, char *type, size_t tlen,
			     struct steering_flags *steer, bool *done)
{
	static const struct option opts[] = {
		{ "ttl",		required_argument,	NULL, 't' },
		{ "weights",		required_argument,	NULL, OPT_WEIGHTS },
		{ "healthchecks",	required_argument,	NULL, OPT_HEALTHCHECKS },
		{ "failover",		required_argument,	NULL, OPT_FAILOVER },
		{ "multivalue",		no_argument,		NULL, OPT_MULTIVALUE },
		{ "geo",		required_argument,	NULL, OPT_GEO },
		{ NULL, 0, NULL, 0 },
	};
	/* Without steering, only --ttl: the others are unknown options. */
	static const struct option plain_opts[] = {
		{ "ttl", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char **once = NULL, *flag = NULL;
	int c, n;

	*done = false;
	memset(spec, 0, sizeof(*spec));
	spec->ttl = -1;
	if (steer)
		memset(steer, 0, sizeof(*steer));
	while ((c = cli_getopt(argc, argv, "t:", steer ? opts : plain_opts)) != -1) {
		switch (c) {
		case 't':
			if (!ttl_ok)
				return cli_bad_usage("--ttl does not apply here");
			if (cli_parse_long(optarg, 0, RRSET_TTL_MAX, &spec->ttl))
				return cli_bad_usage("--ttl: '%s' is not a TTL (0-%ld seconds)",
						     optarg, RRSET_TTL_MAX);
			continue;
		case OPT_WEIGHTS:
			once = &steer->weights;
			flag = "--weights";
			break;
		case OPT_HEALTHCHECKS:
			once = &steer->healthchecks;
			flag = "--healthchecks";
			break;
		case OPT_FAILOVER:
			once = &steer->failover;
			flag = "--failover";
			break;
		case OPT_MULTIVALUE:
			steer->multivalue = true;
			continue;
		case OPT_GEO:
			if (steer->ngeo > STEERING_GEO_MAX)
				return cli_bad_usage("--geo: at most %d rules and a default",
						     STEERING_GEO_MAX);
			steer->geo[steer->ngeo++] = optarg;
			continue;
		case CLI_HELP:
			*done = true;
			return cli_help();
		default:
			return cli_bad_usage(NULL);
		}
		/* A per-record list, given once: a second one is a mistake, not an edit. */
		if (*once)
			return cli_bad_usage("%s given twice", flag);
		*once = optarg;
	}
	if (!cli_operands(argc, argv, 3 + min_records, 3 + RRSET_MAX_RECORDS))
		return NSCTL_EXIT_USAGE;
	if (rrset_type_canon(argv[optind + 2], type, tlen))
		return cli_bad_usage("bad type '%s'", argv[optind + 2]);
	spec->name = argv[optind + 1];
	spec->type = type;
	spec->records = argv + optind + 3;
	spec->nrecords = argc - optind - 3;
	for (n = 0; n < spec->nrecords; n++)
		if (!*spec->records[n])
			return cli_bad_usage("record %d is empty", n + 1);
	return NSCTL_EXIT_OK;
}

static int rrset_print_set(const json_t *rs)
{
	size_t n = json_array_size(json_object_get(rs, "records"));
	const json_t *policy = json_object_get(rs, "policy");
	char ttl[32], pol[1024];

	printf("%s %s set: %zu record%s, ttl %s",
	       json_string_value(json_object_get(rs, "name")) ?: "?",
	       json_string_value(json_object_get(rs, "type")) ?: "?", n, n == 1 ? "" : "s",
	       api_field(rs, "ttl", ttl, sizeof(ttl)));
	if (json_is_object(policy))
		printf(", policy: %s", steering_summary(policy, false, pol, sizeof(pol)));
	putchar('\n');
	return 0;
}

static int rrset_set(int argc, char **argv)
{
	struct steering_flags steer;
	struct rrset_spec spec;
	struct api_reply r;
	char type[24], serial[32], err[256], *path = NULL;
	json_t *body = NULL, *policy = NULL;
	bool done;
	int ret;

	ret = rrset_parse_write(argc, argv, true, 1, &spec, type, sizeof(type), &steer, &done);
	if (ret || done)
		return ret;
	if (steering_given(&steer) && strcmp(type, "A") && strcmp(type, "AAAA"))
		return cli_bad_usage("traffic steering is for A and AAAA RRsets, not %s", type);
	ret = steering_build(&steer, spec.nrecords, &policy, err, sizeof(err));
	if (ret == -EINVAL)
		return cli_bad_usage("%s", err);
	if (ret)
		return rrset_nomem();
	spec.policy = policy;
	body = rrset_json(&spec, NULL);
	path = api_path("/v1/zones/%s/rrsets/%s/%s", argv[optind], spec.name, spec.type);
	if (!body || !path) {
		ret = body ? rrset_nomem() : cli_bad_usage("a record is not UTF-8 text");
		goto out;
	}
	ret = api_call("PUT", path, body, &r);
	if (ret)
		goto out;
	ret = api_output(r.json, rrset_print_set);
	if (!ret && !cli.json && api_etag_serial(r.etag, serial, sizeof(serial)))
		printf("zone %s: serial %s\n", argv[optind], serial);
	api_reply_free(&r);
out:
	json_decref(policy);
	json_decref(body);
	free(path);
	return ret;
}

static int rrset_print_patch(const json_t *res)
{
	char serial[32], changed[32];

	printf("%s change%s applied: serial %s\n", api_field(res, "changed", changed,
							    sizeof(changed)),
	       json_integer_value(json_object_get(res, "changed")) == 1 ? "" : "s",
	       api_field(res, "serial", serial, sizeof(serial)));
	return 0;
}

/* PATCH /v1/zones/ZONE/rrsets with {"changes": changes}; takes the reference. */
static int rrset_patch(const char *zone, json_t *changes)
{
	json_t *body = json_object();
	char *path;
	int ret;

	path = api_path("/v1/zones/%s/rrsets", zone);
	if (!body || !path || json_object_set_new(body, "changes", changes)) {
		ret = rrset_nomem();
		goto out;
	}
	ret = api_show("PATCH", path, body, rrset_print_patch);
out:
	json_decref(body);
	free(path);
	return ret;
}

/* add and remove: one change of a PATCH. */
static int rrset_change(int argc, char **argv, const char *op)
{
	struct rrset_spec spec;
	json_t *change, *changes;
	char type[24];
	bool done;
	int ret;

	ret = rrset_parse_write(argc, argv, !strcmp(op, "add"), 1, &spec, type, sizeof(type),
				NULL, &done);
	if (ret || done)
		return ret;
	change = rrset_json(&spec, op);
	if (!change)
		return cli_bad_usage("a record is not UTF-8 text");
	changes = json_array();
	if (!changes || json_array_append_new(changes, change)) {
		json_decref(changes);
		return rrset_nomem();
	}
	return rrset_patch(argv[optind], changes);
}

static int rrset_add(int argc, char **argv)
{
	return rrset_change(argc, argv, "add");
}

static int rrset_remove(int argc, char **argv)
{
	return rrset_change(argc, argv, "remove");
}

static int rrset_apply(int argc, char **argv)
{
	json_t *doc, *changes;
	json_error_t jerr;
	char *text;
	size_t len;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		return c == CLI_HELP ? cli_help() : cli_bad_usage(NULL);
	if (!cli_operands(argc, argv, 2, 2))
		return NSCTL_EXIT_USAGE;
	ret = cli_read_file(argv[optind + 1], HTTP_MAX_BODY, &text, &len);
	if (ret) {
		nsctl_err("%s: %s", argv[optind + 1],
			  ret == -EINVAL ? "contains a NUL byte" : strerror(-ret));
		return NSCTL_EXIT_FAIL;
	}
	doc = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!doc) {
		nsctl_err("%s:%d:%d: %s", argv[optind + 1], jerr.line, jerr.column, jerr.text);
		return NSCTL_EXIT_USAGE;
	}
	/* The file holds the PATCH body, or just its list of changes. */
	changes = json_is_array(doc) ? doc : json_object_get(doc, "changes");
	if (!json_is_array(changes)) {
		nsctl_err("%s: expected {\"changes\": [...]} or a list of changes",
			  argv[optind + 1]);
		json_decref(doc);
		return NSCTL_EXIT_USAGE;
	}
	json_incref(changes);
	json_decref(doc);
	return rrset_patch(argv[optind], changes);
}

#define RRSET_WRITE_HELP \
	"RDATA is one record in presentation format, as in a zone file; quote a\n" \
	"record of several fields as one argument: \"10 mail.example.com.\".\n" \
	"NAME is absolute (www.example.com.), relative to the zone (www) or @.\n"

static const struct cli_cmd rrset_cmds[] = {
	{ "list", rrset_list, "ZONE [--name NAME] [--type TYPE]",
	  "the zone's RRsets, one line per record",
	  "  --name NAME          only this owner\n"
	  "  --type TYPE          only this type\n" },
	{ "get", rrset_get, "ZONE NAME TYPE", "one RRset", NULL },
	{ "set", rrset_set, "ZONE NAME TYPE RDATA... [--ttl SECONDS] [STEERING OPTIONS]",
	  "create or replace an RRset with exactly these records (and steering policy)",
	  "  --ttl SECONDS        its TTL (default: the server's, 3600)\n\n"
	  "Traffic steering (A and AAAA, at most 16 records; lists have one entry per\n"
	  "record, in the order of the records):\n"
	  "  --weights W,...      70,30: answer one record, chosen with probability\n"
	  "                       weight/sum (0: never)\n"
	  "  --healthchecks C,... web1,-: a record whose check is down is left out\n"
	  "                       (-: no check)\n"
	  "  --failover R,...     primary,secondary: secondaries answer only while no\n"
	  "                       primary is healthy\n"
	  "  --multivalue         answer up to 8 healthy records, shuffled\n"
	  "  --geo RULE           answer by the client's location; repeat, in order:\n"
	  "                         continent:EU+AS=ADDR[,ADDR...]\n"
	  "                         country:GB+DE=ADDR[,ADDR...]\n"
	  "                         cidr:198.18.1.0/24+2001:db8::/48=ADDR[,ADDR...]\n"
	  "                         default=ADDR[,ADDR...]\n"
	  "                       the longest cidr wins, then country, then continent,\n"
	  "                       else default\n"
	  "Without these options the RRset has no policy (a plain RRset).\n\n"
	  RRSET_WRITE_HELP },
	{ "add", rrset_add, "ZONE NAME TYPE RDATA... [--ttl SECONDS]",
	  "add records to an RRset, creating it if needed",
	  "  --ttl SECONDS        set its TTL too\n\n" RRSET_WRITE_HELP },
	{ "remove", rrset_remove, "ZONE NAME TYPE RDATA...",
	  "take records out of an RRset (it goes when empty)", RRSET_WRITE_HELP },
	{ "delete", rrset_delete, "ZONE NAME TYPE", "delete an RRset", NULL },
	{ "apply", rrset_apply, "ZONE FILE",
	  "apply the changes in a JSON file (\"-\": stdin) atomically, as one new version",
	  "FILE holds {\"changes\": [...]} or just the list, each change as in\n"
	  "PATCH /v1/zones/{zone}/rrsets: {\"op\": \"replace\"|\"add\"|\"remove\"|\"delete\",\n"
	  "\"name\": ..., \"type\": ..., \"ttl\": ..., \"records\": [...]}.\n" },
};

int rrset_cmd(int argc, char **argv)
{
	return cli_dispatch("rrset", "RRsets: the records of a zone by name and type", rrset_cmds,
			    sizeof(rrset_cmds) / sizeof(rrset_cmds[0]), argc, argv);
}
