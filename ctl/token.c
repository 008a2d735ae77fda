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
	return api_list_cmd(argc, argv, "tokens", token_print_list);
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
	ret = api_show("POST", "/v1/tokens", body, token_print_created);
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
	return api_delete_cmd(argc, argv, "/v1/tokens/%s", "token");
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
