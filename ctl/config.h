/* SPDX-License-Identifier: GPL-2.0-only */
/* Where nsctl finds its server and token: flags, then the environment
 * (NAMESERVE_URL, NAMESERVE_TOKEN), then the config file, then the default server. */
#ifndef NSCTL_CONFIG_H
#define NSCTL_CONFIG_H

#include <stddef.h>

#define CONFIG_DEFAULT_SERVER	"http://127.0.0.1:8053"
#define CONFIG_ENV_SERVER	"NAMESERVE_URL"
#define CONFIG_ENV_TOKEN	"NAMESERVE_TOKEN"
#define CONFIG_ENV_PATH		"NSCTL_CONFIG"
#define CONFIG_MAX_FILE		(64 * 1024)

struct config {
	char		*server;	/* normalized URL, no trailing slash */
	char		*token;		/* NULL when none was found */
	const char	*server_from;	/* where each came from, for messages */
	const char	*token_from;
	char		path[4096];	/* the config file's path ("" without a home) */
};

/*
 * Parses the text of a config file: `server = URL` and `token = TOKEN` lines,
 * blank lines and `#` comment lines. Sets *server / *token (malloc'd, replacing
 * what they held) for the keys present. Returns 0, or -EINVAL with "PATH:LINE:
 * reason" in err.
 */
int config_parse(const char *text, const char *path, char **server, char **token, char *err,
		 size_t errlen);

/* The config file's path: $NSCTL_CONFIG, else $XDG_CONFIG_HOME/nameserve/nsctl.conf,
 * else ~/.config/nameserve/nsctl.conf. Returns 1 when $NSCTL_CONFIG named it, 0
 * otherwise, -ENAMETOOLONG or -ENOENT (no home directory). */
int config_path(char *buf, size_t len);

/*
 * Makes a server URL one to append "/v1/..." to: "host:port" gains "http://",
 * trailing slashes go. Only http and https. Returns 0 (*out malloc'd) or -EINVAL.
 */
int config_server_url(const char *in, char **out);

/*
 * Fills cfg from the flags (NULL when not given), the environment, the config
 * file (read only when a flag or variable leaves something unset) and the
 * default. Returns 0, or -errno with the reason in err.
 */
int config_resolve(struct config *cfg, const char *flag_server, const char *flag_token,
		   char *err, size_t errlen);

void config_free(struct config *cfg);

#endif /* NSCTL_CONFIG_H */
