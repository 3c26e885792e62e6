/*
 * http.h - the HTTP server: libmicrohttpd underneath, the API router (api.c)
 * and the embedded web assets on top. Only http.c includes <microhttpd.h>.
 */
#ifndef LITECRM_HTTP_H
#define LITECRM_HTTP_H

struct http_config {
	const char *db;		/* database path or URL, opened once per thread */
	const char *listen;	/* "127.0.0.1:8080" */
	int threads;		/* event threads; 0: number of cores */
	int workers;		/* worker threads for slow calls; 0: number of cores */
	int quiet;		/* no request log */
	const char *hello_only; /* bench: when set, answer every request with this text */
};

/*
 * http_serve runs the server until SIGINT or SIGTERM, then stops accepting,
 * finishes the requests under way and returns 0; or returns a negative enum
 * err after printing why it could not start.
 */
int http_serve(const struct http_config *cfg);

#endif
