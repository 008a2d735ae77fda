// SPDX-License-Identifier: GPL-2.0-only
/* `nsctl zone list|create|get|delete|import|export`: zones over the API,
 * tables for people and the API's own JSON with --json. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api.h"
#include "cli.h"
#include "http.h"
#include "nsctl.h"
#include "table.h"
#include "zone.h"

/* Every path starts from the zone's name as given: the API takes it with or
 * without the trailing dot. */

static int zone_print_list(const json_t *zones)
{
	static const char *const hdr[] = { "NAME", "ACCOUNT", "SERIAL", "RRSETS", "UPDATED" };
	struct table *t = table_new(5, hdr);
	char b1[32], b2[32];
	json_t *z;
	size_t i;
	int ret = -ENOMEM;

	if (!t)
		goto out;
	table_align_right(t, 2);
	table_align_right(t, 3);
	json_array_foreach(zones, i, z) {
		if (table_row(t, api_field(z, "name", b1, sizeof(b1)),
			      json_string_value(json_object_get(z, "account")),
			      api_field(z, "serial", b1, sizeof(b1)),
			      api_field(z, "rrsets", b2, sizeof(b2)),
			      json_string_value(json_object_get(z, "updated"))))
			goto out;
	}
	ret = table_print(t, stdout);
out:
	table_free(t);
	return ret;
}

/* One zone as "field  value" lines. */
static int zone_print_one(const json_t *z)
{
	static const char *const fields[] = { "name", "account", "serial", "rrsets", "created",
					      "updated" };
	struct table *t = table_new(2, NULL);
	json_t *soa = json_object_get(z, "soa");
	char buf[512], soa_text[1024];
	size_t i;
	int ret = -ENOMEM;

	if (!t)
		goto out;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (table_row(t, fields[i], api_field(z, fields[i], buf, sizeof(buf))))
			goto out;
	if (json_is_object(soa)) {
		char f[6][256];

		/* As the SOA's RDATA reads in a zone file, then its TTL. */
		snprintf(soa_text, sizeof(soa_text), "%s %s %s %s %s %s (ttl %s)",
			 api_field(soa, "mname", f[0], sizeof(f[0])),
			 api_field(soa, "rname", f[1], sizeof(f[1])),
			 api_field(soa, "refresh", f[2], sizeof(f[2])),
			 api_field(soa, "retry", f[3], sizeof(f[3])),
			 api_field(soa, "expire", f[4], sizeof(f[4])),
			 api_field(soa, "minimum", f[5], sizeof(f[5])),
			 api_field(soa, "ttl", buf, sizeof(buf)));
		if (table_row(t, "soa", soa_text))
			goto out;
	}
	ret = table_print(t, stdout);
out:
	table_free(t);
	return ret;
}

static int zone_print_zones(const json_t *page)
{
	return zone_print_list(json_object_get(page, "zones"));
}

static int zone_print_created(const json_t *z)
{
	char b1[32], b2[32];

	printf("zone %s created in account %s: serial %s, %s rrsets\n",
	       json_string_value(json_object_get(z, "name")) ?: "?",
	       json_string_value(json_object_get(z, "account")) ?: "?",
	       api_field(z, "serial", b1, sizeof(b1)), api_field(z, "rrsets", b2, sizeof(b2)));
	return 0;
}

static int zone_print_replaced(const json_t *z)
{
	char b1[32], b2[32];

	printf("zone %s replaced: serial %s, %s rrsets\n",
	       json_string_value(json_object_get(z, "name")) ?: "?",
	       api_field(z, "serial", b1, sizeof(b1)), api_field(z, "rrsets", b2, sizeof(b2)));
	return 0;
}

static int zone_list(int argc, char **argv)
{
	return api_list_cmd(argc, argv, "zones", zone_print_zones);
}

static int zone_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "account",	required_argument, NULL, 'a' },
		{ "ns",		required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *body = json_object(), *ns = json_array();
	int c, ret = NSCTL_EXIT_FAIL;

	if (!body || !ns)
		goto nomem;
	while ((c = cli_getopt(argc, argv, "a:n:", opts)) != -1) {
		switch (c) {
		case 'a':
			if (json_object_set_new(body, "account", json_string(optarg)))
				goto nomem;
			break;
		case 'n':
			if (json_array_append_new(ns, json_string(optarg)))
				goto nomem;
			break;
		case CLI_HELP:
			ret = cli_help();
			goto out;
		default:
			ret = cli_bad_usage(NULL);
			goto out;
		}
	}
	if (!cli_operands(argc, argv, 1, 1)) {
		ret = NSCTL_EXIT_USAGE;
		goto out;
	}
	if (json_object_set_new(body, "name", json_string(argv[optind])))
		goto nomem;
	if (json_array_size(ns) && json_object_set(body, "nameservers", ns))
		goto nomem;
	ret = api_show("POST", "/v1/zones", body, zone_print_created);
	goto out;
nomem:
	nsctl_err("out of memory (or text that is not UTF-8)");
	ret = NSCTL_EXIT_FAIL;
out:
	json_decref(ns);
	json_decref(body);
	return ret;
}

static int zone_get(int argc, char **argv)
{
	return api_get_cmd(argc, argv, "/v1/zones/%s", zone_print_one);
}

static int zone_delete(int argc, char **argv)
{
	return api_delete_cmd(argc, argv, "/v1/zones/%s", "zone");
}

/* Writes the export to FILE, or stdout. */
static int zone_write(const char *file, const char *data, size_t len)
{
	size_t off = 0;
	ssize_t n;
	int fd = STDOUT_FILENO, err = 0;

	if (file) {
		fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			err = -errno;
			goto out;
		}
	} else {
		fflush(stdout);
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		off += n;
	}
out:
	if (file && fd >= 0 && close(fd) && !err)
		err = -errno;
	if (err)
		nsctl_err("%s: %s", file ? file : "stdout", strerror(-err));
	return err;
}

static int zone_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	struct api_reply r;
	char *path;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "o:", opts)) != -1) {
		switch (c) {
		case 'o':
			file = strcmp(optarg, "-") ? optarg : NULL;
			break;
		case CLI_HELP:
			return cli_help();
		default:
			return cli_bad_usage(NULL);
		}
	}
	if (!cli_operands(argc, argv, 1, 1))
		return NSCTL_EXIT_USAGE;
	path = api_path("/v1/zones/%s/export", argv[optind]);
	if (!path) {
		nsctl_err("out of memory");
		return NSCTL_EXIT_FAIL;
	}
	ret = api_call("GET", path, NULL, &r);
	free(path);
	if (ret)
		return ret;
	/* A master file, not JSON: --json changes nothing here. */
	ret = zone_write(file, r.body, r.body_len) ? NSCTL_EXIT_FAIL : NSCTL_EXIT_OK;
	api_reply_free(&r);
	return ret;
}

int zone_file_origin(const char *text, char *buf, size_t len)
{
	const char *line, *p, *tok;
	size_t n;

	for (line = text; *line; line = p + (*p == '\n')) {
		p = line + strcspn(line, "\n");
		/* Blank and comment lines say nothing. */
		for (tok = line; tok < p && (*tok == ' ' || *tok == '\t' || *tok == '\r'); tok++)
			;
		if (tok == p || *tok == ';')
			continue;
		if (tok == line && !strncasecmp(tok, "$ORIGIN", 7) &&
		    isspace((unsigned char)tok[7])) {
			for (tok += 7; tok < p && isspace((unsigned char)*tok); tok++)
				;
		} else if (tok == line && *tok == '$') {
			continue;	/* $TTL and the like */
		} else if (tok != line) {
			return -ENOENT;	/* a record for the previous owner, and none yet */
		}
		/* $ORIGIN's argument or the first record's owner: usable when absolute. */
		n = strcspn(tok, " \t\r\n;(");
		if (n < 2 || tok[n - 1] != '.' || tok[n - 2] == '\\')
			return -ENOENT;
		if (n >= len)
			return -ENAMETOOLONG;
		memcpy(buf, tok, n);
		buf[n] = '\0';
		return 0;
	}
	return -ENOENT;
}

static int zone_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name",	required_argument, NULL, 'n' },
		{ "account",	required_argument, NULL, 'a' },
		{ "replace",	no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *name = NULL, *account = NULL, *file;
	char origin[1024], *text = NULL, *path = NULL;
	json_t *body = NULL;
	struct api_reply r;
	bool replace = false;
	size_t len;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "n:a:r", opts)) != -1) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'a':
			account = optarg;
			break;
		case 'r':
			replace = true;
			break;
		case CLI_HELP:
			return cli_help();
		default:
			return cli_bad_usage(NULL);
		}
	}
	if (!cli_operands(argc, argv, 1, 1))
		return NSCTL_EXIT_USAGE;
	if (replace && account)
		return cli_bad_usage("--account is for a new zone, not with --replace");
	file = argv[optind];
	ret = cli_read_file(file, HTTP_MAX_BODY, &text, &len);
	if (ret) {
		nsctl_err("%s: %s", file, ret == -EINVAL ? "contains a NUL byte" : strerror(-ret));
		return NSCTL_EXIT_FAIL;
	}
	if (!name) {
		if (zone_file_origin(text, origin, sizeof(origin))) {
			nsctl_err("%s: no $ORIGIN or absolute first owner to name the zone: give "
				  "--name ZONE", file);
			ret = NSCTL_EXIT_USAGE;
			goto out;
		}
		name = origin;
	}
	if (replace) {
		path = api_path("/v1/zones/%s/zonefile", name);
		if (!path)
			goto nomem;
		ret = api_call_raw("PUT", path, text, len, "text/dns", &r);
	} else {
		body = json_object();
		if (!body || json_object_set_new(body, "name", json_string(name)) ||
		    (account && json_object_set_new(body, "account", json_string(account))))
			goto nomem;
		/* json_stringn: the file may hold anything but NUL; not UTF-8 is refused. */
		if (json_object_set_new(body, "zonefile", json_stringn(text, len))) {
			nsctl_err("%s: not UTF-8 text", file);
			ret = NSCTL_EXIT_FAIL;
			goto out;
		}
		ret = api_call("POST", "/v1/zones", body, &r);
	}
	if (ret)
		goto out;
	ret = api_output(r.json, replace ? zone_print_replaced : zone_print_created);
	api_reply_free(&r);
	goto out;
nomem:
	nsctl_err("out of memory");
	ret = NSCTL_EXIT_FAIL;
out:
	json_decref(body);
	free(path);
	free(text);
	return ret;
}

static const struct cli_cmd zone_cmds[] = {
	{ "list", zone_list, "[--account ACCOUNT]",
	  "the zones this token sees (an admin: every zone, or one account's)", NULL },
	{ "create", zone_create, "ZONE [--ns NAME]... [--account ACCOUNT]",
	  "create an empty zone (SOA and NS from the server's defaults)",
	  "  --ns NAME            an apex nameserver (repeat for more)\n"
	  "  --account ACCOUNT    create it in this account (admin tokens)\n" },
	{ "get", zone_get, "ZONE", "the zone's serial, SOA and size", NULL },
	{ "delete", zone_delete, "ZONE", "stop serving the zone and delete it", NULL },
	{ "import", zone_import, "FILE [--name ZONE] [--replace] [--account ACCOUNT]",
	  "create a zone from a master file (\"-\": stdin), or replace an existing zone's content",
	  "  --name ZONE          the zone (default: the file's $ORIGIN or first owner)\n"
	  "  --replace            replace the content of the existing zone ZONE\n"
	  "  --account ACCOUNT    create it in this account (admin tokens)\n" },
	{ "export", zone_export, "ZONE [-o FILE]", "the zone as a master file",
	  "  -o, --output FILE    write it to FILE instead of stdout\n" },
};

int zone_cmd(int argc, char **argv)
{
	return cli_dispatch("zone", "Zones: list, create, inspect, delete, import and export them",
			    zone_cmds, sizeof(zone_cmds) / sizeof(zone_cmds[0]), argc, argv);
}
