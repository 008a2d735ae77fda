// SPDX-License-Identifier: GPL-2.0-only
/* nsctl's configuration: server URL and token from flags, environment or
 * ~/.config/nameserve/nsctl.conf, in that order of precedence. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"

static char *config_trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

static int config_set(char **dst, const char *val)
{
	char *copy = strdup(val);

	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

int config_parse(const char *text, const char *path, char **server, char **token, char *err,
		 size_t errlen)
{
	char *buf, *line, *next, *eq, *key, *val;
	int lineno = 0, ret = 0;

	buf = strdup(text);
	if (!buf)
		return -ENOMEM;
	for (line = buf; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		key = config_trim(line, line + strlen(line));
		if (!*key || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
			ret = -EINVAL;
			goto out;
		}
		val = config_trim(eq + 1, eq + 1 + strlen(eq + 1));
		key = config_trim(key, eq);
		if (!*val) {
			snprintf(err, errlen, "%s:%d: '%s' has no value", path, lineno, key);
			ret = -EINVAL;
			goto out;
		}
		if (!strcmp(key, "server")) {
			ret = config_set(server, val);
		} else if (!strcmp(key, "token")) {
			/* It goes into a header: no spaces or control characters. */
			if (!cli_header_value_ok(val)) {
				snprintf(err, errlen, "%s:%d: token: 1-255 printable characters "
					 "without spaces", path, lineno);
				ret = -EINVAL;
				goto out;
			}
			ret = config_set(token, val);
		} else {
			snprintf(err, errlen, "%s:%d: unknown key '%s' (server, token)", path,
				 lineno, key);
			ret = -EINVAL;
		}
		if (ret)
			goto out;
	}
out:
	free(buf);
	return ret;
}

int config_path(char *buf, size_t len)
{
	const char *env = getenv(CONFIG_ENV_PATH), *home;
	struct passwd *pw;
	int n;

	if (env && *env) {
		if (snprintf(buf, len, "%s", env) >= (int)len)
			return -ENAMETOOLONG;
		return 1;
	}
	env = getenv("XDG_CONFIG_HOME");
	if (env && *env == '/') {
		n = snprintf(buf, len, "%s/nameserve/nsctl.conf", env);
	} else {
		home = getenv("HOME");
		if (!home || !*home) {
			pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (!home)
			return -ENOENT;
		n = snprintf(buf, len, "%s/.config/nameserve/nsctl.conf", home);
	}
	return n >= (int)len ? -ENAMETOOLONG : 0;
}

int config_server_url(const char *in, char **out)
{
	const char *rest;
	size_t len;
	char *url;

	if (strstr(in, "://")) {
		if (strncasecmp(in, "http://", 7) && strncasecmp(in, "https://", 8))
			return -EINVAL;
		if (asprintf(&url, "%s", in) < 0)
			return -ENOMEM;
	} else if (asprintf(&url, "http://%s", in) < 0) {
		return -ENOMEM;
	}
	rest = strstr(url, "://") + 3;
	len = strlen(url);
	while (len > (size_t)(rest - url) && url[len - 1] == '/')
		url[--len] = '\0';
	/* A host at least, and nothing that could end a header line or split the URL. */
	if (!*rest || *rest == '/' || strpbrk(url, " \t\r\n?#")) {
		free(url);
		return -EINVAL;
	}
	*out = url;
	return 0;
}

/* Reads the config file at cfg->path into *server / *token. A missing file is
 * fine unless it was named explicitly. */
static int config_read_file(struct config *cfg, bool explicit, char **server, char **token,
			    char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	ssize_t n;
	int fd, ret;

	fd = open(cfg->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT && !explicit)
			return 0;
		snprintf(err, errlen, "%s: %s", cfg->path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", cfg->path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_FILE) {
		snprintf(err, errlen, "%s: not a regular file of at most %d bytes", cfg->path,
			 CONFIG_MAX_FILE);
		ret = -EINVAL;
		goto out;
	}
	text = calloc(1, st.st_size + 1);
	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	n = read(fd, text, st.st_size);
	if (n < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", cfg->path, strerror(-ret));
		goto out;
	}
	text[n] = '\0';
	if (strlen(text) != (size_t)n) {
		snprintf(err, errlen, "%s: contains a NUL byte", cfg->path);
		ret = -EINVAL;
		goto out;
	}
	ret = config_parse(text, cfg->path, server, token, err, errlen);
out:
	free(text);
	close(fd);
	return ret;
}

int config_resolve(struct config *cfg, const char *flag_server, const char *flag_token,
		   char *err, size_t errlen)
{
	const char *env_server = getenv(CONFIG_ENV_SERVER), *env_token = getenv(CONFIG_ENV_TOKEN);
	const char *server = NULL;
	char *file_server = NULL, *file_token = NULL;
	int ret, explicit;

	memset(cfg, 0, sizeof(*cfg));
	if (flag_server) {
		server = flag_server;
		cfg->server_from = "--server";
	} else if (env_server && *env_server) {
		server = env_server;
		cfg->server_from = CONFIG_ENV_SERVER;
	}
	if (flag_token) {
		cfg->token_from = "--token";
		ret = config_set(&cfg->token, flag_token);
	} else if (env_token && *env_token) {
		cfg->token_from = CONFIG_ENV_TOKEN;
		ret = config_set(&cfg->token, env_token);
	} else {
		ret = 0;
	}
	if (ret)
		goto out;
	if (cfg->token && !cli_header_value_ok(cfg->token)) {
		snprintf(err, errlen, "%s: the token must be 1-255 printable characters "
			 "without spaces", cfg->token_from);
		ret = -EINVAL;
		goto out;
	}
	if (!server || !cfg->token) {
		explicit = config_path(cfg->path, sizeof(cfg->path));
		if (explicit < 0) {
			/* No home directory: no config file, not an error. */
			cfg->path[0] = '\0';
		} else {
			ret = config_read_file(cfg, explicit, &file_server, &file_token, err,
					       errlen);
			if (ret)
				goto out;
		}
		if (!server && file_server) {
			server = file_server;
			cfg->server_from = cfg->path;
		}
		if (!cfg->token && file_token) {
			cfg->token = file_token;
			file_token = NULL;
			cfg->token_from = cfg->path;
		}
	}
	if (!server) {
		server = CONFIG_DEFAULT_SERVER;
		cfg->server_from = "the default";
	}
	ret = config_server_url(server, &cfg->server);
	if (ret == -EINVAL)
		snprintf(err, errlen, "%s: '%s' is not an http:// or https:// URL",
			 cfg->server_from, server);
out:
	free(file_server);
	free(file_token);
	if (ret)
		config_free(cfg);
	return ret;
}

void config_free(struct config *cfg)
{
	free(cfg->server);
	free(cfg->token);
	cfg->server = NULL;
	cfg->token = NULL;
}
