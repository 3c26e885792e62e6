/*
 * web.h - the web app's files, embedded in the binary at build time.
 *
 * scripts/embed-web.mjs turns web/ (and the pinned npm libraries it names)
 * into $(BUILD)/web_assets.c: each file with its gzip form, a content hash as
 * ETag and its type. web_lookup() maps a request path to a file and says how
 * to answer it; http.c sends the answer (only it knows libmicrohttpd).
 *
 * URLs. "/" is the app's page (index.html, revalidated on every load).
 * "/assets/<build>/<file>" is a file of this build, cached for a year as
 * immutable; the page names the build, so a new binary means new URLs. Any
 * other path without a dot also answers the page, so a reload of a deep link
 * works.
 */
#ifndef LITECRM_WEB_H
#define LITECRM_WEB_H

#include <stddef.h>

/* One embedded file (the generated table). */
struct web_asset {
	const char *name;	   /* "app.js", "views/board.js" */
	const char *type;	   /* Content-Type */
	const unsigned char *body; /* as served without compression */
	size_t len;
	const unsigned char *gz; /* gzip form, or NULL when it would not be smaller */
	size_t gz_len;
	const char *etag; /* "\"<hash>\"" */
};

extern const struct web_asset web_assets[];
extern const size_t web_nassets;
extern const char web_build_id[]; /* the hash of every file but the page */

/*
 * The page (index.html) in each form it is served: its <html> element marks
 * whether the request came with a session cookie (data-session="1") and the
 * language its litecrm_lang cookie keeps (lang and data-lang), so that the
 * app starts without reading document.cookie, a synchronous round trip to
 * the browser's cookie store before its first request and its first frame.
 */
struct web_page {
	int session;	       /* 1: for a request with a session cookie */
	const char *lang;      /* "en", "zh-TW", or "" when no language is kept */
	struct web_asset page; /* name "index.html" */
};

extern const struct web_page web_pages[];
extern const size_t web_npages;

/* How to answer a request for a web path. Pointers are to static data. */
struct web_reply {
	int status; /* 200, 304, 404 or 405 */
	const unsigned char *body;
	size_t len;
	const char *type;
	const char *etag;
	const char *cache_control;
	int gzip; /* body is gzip: send Content-Encoding: gzip */
	int page; /* the HTML page: its form depends on the cookies (Vary: Cookie) */
};

/* Headers every web answer carries, and the page's policy. */
#define WEB_CSP                                                                                    \
	"default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self';"         \
	" object-src 'none'; img-src 'self' data:"
#define WEB_REFERRER_POLICY "same-origin"

/* What of a request's cookies picks the page's form (NULL: absent). */
struct web_cookies {
	const char *session; /* litecrm_session */
	const char *lang;    /* litecrm_lang */
};

/*
 * web_lookup fills out for method and path (without the query string).
 * accept_encoding and if_none_match are the request's headers or NULL;
 * cookies (NULL: none) picks the page's form. GET and HEAD only (others are
 * 405). Never fails: 404 for unknown files.
 */
void web_lookup(const char *method, const char *path, const char *accept_encoding,
		const char *if_none_match, const struct web_cookies *cookies,
		struct web_reply *out);

/* web_page_for returns the page's form for cookies (NULL: none). */
const struct web_asset *web_page_for(const struct web_cookies *cookies);

/* web_accepts_gzip: Accept-Encoding (NULL: absent) accepts gzip ("gzip;q=0" refuses it). */
int web_accepts_gzip(const char *accept_encoding);

/* web_find returns the embedded file named name ("app.js"), or NULL. */
const struct web_asset *web_find(const char *name);

#endif
