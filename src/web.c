/*
 * web.c - serving the embedded web app: path to file, compression, ETags
 * and cache headers (web.h). The files themselves are in the generated
 * $(BUILD)/web_assets.c.
 */
#include <string.h>
#include <strings.h>

#include "web.h"

#define ASSETS_PREFIX "/assets/"

static const char cache_page[] = "no-cache";
static const char cache_immutable[] = "public, max-age=31536000, immutable";
static const char text_plain[] = "text/plain; charset=utf-8";
static const unsigned char not_found[] = "not found\n";
static const unsigned char not_allowed[] = "method not allowed\n";

const struct web_asset *web_find(const char *name)
{
	size_t i;

	for (i = 0; i < web_nassets; i++)
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	return NULL;
}

const struct web_asset *web_page_for(const struct web_cookies *cookies)
{
	int session = cookies && cookies->session && cookies->session[0];
	const char *lang = cookies && cookies->lang ? cookies->lang : "";
	const struct web_asset *plain = NULL;
	size_t i;

	for (i = 0; i < web_npages; i++) {
		if (web_pages[i].session != session)
			continue;
		if (strcmp(web_pages[i].lang, lang) == 0)
			return &web_pages[i].page;
		if (!web_pages[i].lang[0])
			plain = &web_pages[i].page; /* a language litecrm does not have */
	}
	return plain;
}

/* token_in reports whether the comma-separated header list has token (case-insensitive). */
static int token_in(const char *list, const char *token)
{
	size_t n = strlen(token);
	const char *p = list;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (strncasecmp(p, token, n) == 0 &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ';' || p[n] == ' ')) {
			/* "gzip;q=0" refuses it. */
			const char *q = p + n;

			while (*q == ' ')
				q++;
			if (*q == ';') {
				q++;
				while (*q == ' ')
					q++;
				if (strncmp(q, "q=0", 3) == 0 &&
				    strspn(q + 3, ".0") == strcspn(q + 3, ", "))
					return 0;
			}
			return 1;
		}
		p = strchr(p, ',');
	}
	return 0;
}

int web_accepts_gzip(const char *accept_encoding)
{
	return accept_encoding && token_in(accept_encoding, "gzip");
}

/* etag_matches: If-None-Match lists the ETag (or is "*"); weak forms count. */
static int etag_matches(const char *inm, const char *etag)
{
	const char *p;
	size_t n = strlen(etag);

	if (!inm)
		return 0;
	if (strcmp(inm, "*") == 0)
		return 1;
	for (p = strstr(inm, etag); p; p = strstr(p + 1, etag))
		if (p[n] == '\0' || p[n] == ',' || p[n] == ' ')
			return 1;
	return 0;
}

/* is_page_path: a path the app's page answers ("/", or a deep link without a dot). */
static int is_page_path(const char *path)
{
	return strcmp(path, "/") == 0 ||
	       (strchr(path, '.') == NULL && strncmp(path, "/assets/", 8) != 0);
}

static void answer(const struct web_asset *a, const char *accept_encoding,
		   const char *if_none_match, const char *cache, struct web_reply *out)
{
	out->type = a->type;
	out->etag = a->etag;
	out->cache_control = cache;
	if (etag_matches(if_none_match, a->etag)) {
		out->status = 304;
		return;
	}
	out->status = 200;
	if (a->gz && web_accepts_gzip(accept_encoding)) {
		out->body = a->gz;
		out->len = a->gz_len;
		out->gzip = 1;
	} else {
		out->body = a->body;
		out->len = a->len;
	}
}

void web_lookup(const char *method, const char *path, const char *accept_encoding,
		const char *if_none_match, const struct web_cookies *cookies, struct web_reply *out)
{
	const struct web_asset *a = NULL;
	const char *cache = cache_page;

	memset(out, 0, sizeof(*out));
	out->type = text_plain;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		out->status = 405;
		out->body = not_allowed;
		out->len = sizeof(not_allowed) - 1;
		return;
	}
	if (is_page_path(path)) {
		a = web_page_for(cookies);
		out->page = 1;
	} else if (strncmp(path, ASSETS_PREFIX, strlen(ASSETS_PREFIX)) == 0) {
		const char *build = path + strlen(ASSETS_PREFIX);
		const char *slash = strchr(build, '/');

		if (slash && !strstr(slash, "..")) {
			a = web_find(slash + 1);
			/* An old page asking for another build's file gets this one, uncached. */
			if ((size_t)(slash - build) == strlen(web_build_id) &&
			    strncmp(build, web_build_id, strlen(web_build_id)) == 0)
				cache = cache_immutable;
		}
	} else if (!strstr(path, "..") && strcmp(path + 1, "index.html") != 0) {
		a = web_find(path + 1); /* favicon.svg and the like, at the root */
	}
	if (!a) {
		out->status = 404;
		out->body = not_found;
		out->len = sizeof(not_found) - 1;
		return;
	}
	answer(a, accept_encoding, if_none_match, cache, out);
}
