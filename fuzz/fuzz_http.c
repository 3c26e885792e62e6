/*
 * fuzz_http.c - the HTTP request path in-process: router, body checks,
 * authentication, If-Match and every handler, through api_handle() on a
 * temporary SQLite database holding one workspace, an admin's API token and a
 * deal. Input: "METHOD /path?query" on the first line, then header lines
 * ("Authorization: T" uses the admin's token), an empty line, and the body.
 * Argon2id routes (login, password, user creation) are skipped: each call
 * costs a tenth of a second and the hashing is libsodium's, not ours.
 * The property: every request gets a response, and never a 500.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "fuzz.h"
#include "svc.h"

static struct store *g_st;
static char g_token[TOKEN_TEXT_LEN];
static char g_bearer[TOKEN_TEXT_LEN + 8];

static void setup(void)
{
	char path[] = "/tmp/litecrm-fuzz-XXXXXX", err[256];
	struct workspace w = {0};
	struct user admin;
	struct errinfo e = {0};
	struct token t;
	struct actor a;
	int fd;

	auth_init();
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	unlink(path);
	if (store_open(path, 1, &g_st, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		abort();
	}
	snprintf(w.slug, sizeof(w.slug), "fuzz");
	if (svc_workspace_create(g_st, &w, "admin", "fuzz-pass-123", &admin, &e) != 0)
		abort();
	a = actor_system(w.id);
	a.system = 0;
	a.user_id = admin.id;
	if (svc_token_create(g_st, &a, "fuzz", g_token, &t, &e) != 0)
		abort();
	snprintf(g_bearer, sizeof(g_bearer), "Bearer %s", g_token);
	/* The database file is removed at exit; the connection keeps it. */
	unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_request req;
	struct api_response resp;
	char *buf, *line, *next, *sp, *q;
	size_t i;

	if (!g_st)
		setup();
	if (size > 64 * 1024)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&req, 0, sizeof(req));
	req.client_addr = "192.0.2.1";

	/* Request line. */
	line = buf;
	next = strchr(line, '\n');
	if (next)
		*next++ = '\0';
	sp = strchr(line, ' ');
	if (!sp)
		goto out;
	*sp = '\0';
	req.method = line;
	req.path = sp + 1;
	q = strchr(sp + 1, '?');
	if (q) {
		*q++ = '\0';
		while (q && *q && req.nquery < API_QUERY_MAX) {
			char *amp = strchr(q, '&'), *eq;

			if (amp)
				*amp++ = '\0';
			eq = strchr(q, '=');
			if (eq)
				*eq++ = '\0';
			req.query[req.nquery].name = q;
			req.query[req.nquery].value = eq;
			req.nquery++;
			q = amp;
		}
	}
	if (strstr(req.path, "login") || strstr(req.path, "password") ||
	    (strcmp(req.method, "POST") == 0 && strncmp(req.path, "/api/v1/users", 13) == 0 &&
	     strlen(req.path) <= 14))
		goto out;

	/* Headers, then the body. */
	while (next && *next && *next != '\n') {
		char *colon;

		line = next;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon++ = '\0';
		while (*colon == ' ')
			colon++;
		if (!strcasecmp(line, "authorization"))
			req.authorization = strcmp(colon, "T") == 0 ? g_bearer : colon;
		else if (!strcasecmp(line, "cookie"))
			req.cookie = colon;
		else if (!strcasecmp(line, "if-match"))
			req.if_match = colon;
		else if (!strcasecmp(line, "x-csrf-token"))
			req.csrf_token = colon;
	}
	if (next && *next == '\n')
		next++;
	req.body = next ? next : "";
	req.body_len = next ? size - (size_t)(next - buf) : 0;

	api_handle(g_st, &req, &resp);
	if (resp.status == 500) {
		fprintf(stderr, "fuzz_http: 500 for %s %s: %.*s\n", req.method, req.path,
			(int)resp.body_len, resp.body ? resp.body : "");
		abort();
	}
	for (i = 0; i < resp.nheaders; i++)
		if (strchr(resp.headers[i].value, '\n') || strchr(resp.headers[i].value, '\r'))
			abort(); /* header injection */
	api_response_release(&resp);
out:
	free(buf);
	return 0;
}
