// SPDX-License-Identifier: GPL-2.0-only
/* `nsctl token list|create|delete`: tokens over the API. A new token's secret
 * is printed once, when it is created; the server keeps only its hash. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cli.h"
#include "nsctl.h"
#include "table.h"
#include "token.h"

static int token_output(const json_t *v, int (*print)(const json_t *))
{
	int err = cli.json ? (v ? api_print_json(v) : 0) : print(v);

	if (err || fflush(stdout)) {
		nsctl_err("cannot write the output");
		return NSCTL_EXIT_FAIL;
	}
	return NSCTL_EXIT_OK;
}

static int token_print_list(const json_t *page)
{
	static const char *const hdr[] = { "ID", "NAME", "ACCOUNT", "ADMIN", "CREATED" };
	struct table *t = table_new(5, hdr);
	json_t *tok, *toks = json_object_get(page, "tokens");
	char b[5][256];
	size_t i;
	int ret = -ENOMEM;

	if (!t)
		goto out;
	json_array_foreach(toks, i, tok) {
		if (table_row(t, api_field(tok, "id", b[0], sizeof(b[0])),
			      api_field(tok, "name", b[1], sizeof(b[1])),
			      api_field(tok, "account", b[2], sizeof(b[2])),
			      api_field(tok, "admin", b[3], sizeof(b[3])),
			      api_field(tok, "created", b[4], sizeof(b[4]))))
			goto out;
	}
	ret = table_print(t, stdout);
out:
	table_free(t);
	return ret;
}

static int token_print_created(const json_t *tok)
{
	static const char *const fields[] = { "id", "name", "account", "admin", "created",
					      "token" };
	struct table *t = table_new(2, NULL);
	char buf[512];
	size_t i;
	int ret = -ENOMEM;

	if (!t)
		goto out;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (table_row(t, fields[i], api_field(tok, fields[i], buf, sizeof(buf))))
			goto out;
	ret = table_print(t, stdout);
	if (!ret)
		nsctl_err("note: the token's secret is shown this once; the server keeps "
			  "only its hash");
out:
	table_free(t);
	return ret;
}

static int token_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "account", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *account = NULL;
	struct api_reply r;
	char *path;
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
	path = strdup("/v1/tokens");
	if (!path || api_query(&path, "account", account)) {
		free(path);
		nsctl_err("out of memory");
		return NSCTL_EXIT_FAIL;
	}
	ret = api_list(path, "tokens", &r);
	free(path);
	if (ret)
		return ret;
	ret = token_output(r.json, token_print_list);
	api_reply_free(&r);
	return ret;
}

static int token_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name",	required_argument, NULL, 'n' },
		{ "account",	required_argument, NULL, 'a' },
		{ "admin",	no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	json_t *body = json_object();
	struct api_reply r;
	int c, ret;

	if (!body)
		goto nomem;
	while ((c = cli_getopt(argc, argv, "n:a:", opts)) != -1) {
		switch (c) {
		case 'n':
			if (json_object_set_new(body, "name", json_string(optarg)))
				goto nomem;
			break;
		case 'a':
			if (json_object_set_new(body, "account", json_string(optarg)))
				goto nomem;
			break;
		case 'A':
			if (json_object_set_new(body, "admin", json_true()))
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
	if (!cli_operands(argc, argv, 0, 0)) {
		ret = NSCTL_EXIT_USAGE;
		goto out;
	}
	ret = api_call("POST", "/v1/tokens", body, &r);
	if (ret)
		goto out;
	ret = token_output(r.json, token_print_created);
	api_reply_free(&r);
	goto out;
nomem:
	nsctl_err("out of memory (or text that is not UTF-8)");
	ret = NSCTL_EXIT_FAIL;
out:
	json_decref(body);
	return ret;
}

static int token_delete(int argc, char **argv)
{
	struct api_reply r;
	char *path;
	int c, ret;

	while ((c = cli_getopt(argc, argv, "", NULL)) != -1)
		return c == CLI_HELP ? cli_help() : cli_bad_usage(NULL);
	if (!cli_operands(argc, argv, 1, 1))
		return NSCTL_EXIT_USAGE;
	path = api_path("/v1/tokens/%s", argv[optind]);
	if (!path) {
		nsctl_err("out of memory");
		return NSCTL_EXIT_FAIL;
	}
	ret = api_call("DELETE", path, NULL, &r);
	free(path);
	if (ret)
		return ret;
	if (!cli.json)
		printf("token %s deleted\n", argv[optind]);
	else if (r.json)
		api_print_json(r.json);
	api_reply_free(&r);
	return fflush(stdout) ? NSCTL_EXIT_FAIL : NSCTL_EXIT_OK;
}

static const struct cli_cmd token_cmds[] = {
	{ "list", token_list, "[--account ACCOUNT]",
	  "the tokens of this token's account (an admin: every token, or one account's)", NULL },
	{ "create", token_create, "[--name NAME] [--account ACCOUNT] [--admin]",
	  "create a token and print its secret, this once",
	  "  --name NAME          what it is for (\"ci\")\n"
	  "  --account ACCOUNT    the account it acts for (admin tokens)\n"
	  "  --admin              an admin token, for every account (admin tokens)\n" },
	{ "delete", token_delete, "ID", "revoke a token (not the one in use)", NULL },
};

int token_cmd(int argc, char **argv)
{
	return cli_dispatch("token", "Tokens: who may use the API, for which account", token_cmds,
			    sizeof(token_cmds) / sizeof(token_cmds[0]), argc, argv);
}
