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
	int writers;		/* threads that run writes; 0: store_writers() */
	int quiet;		/* no request log */
	const char *hello_only; /* bench: when set, answer every request with this text */
	/* security */
	const char *tls_cert; /* PEM certificate (chain) file: serve HTTPS; NULL: HTTP */
	const char *tls_key;  /* PEM private key file, with tls_cert */
	int trust_proxy;      /* take the client address from X-Forwarded-For (rightmost) and
				 TLS from X-Forwarded-Proto: only behind a proxy that sets them */
	int client_timeout;   /* seconds a connection may stay idle or slow; 0: 30 */
};

/*
 * libmicrohttpd's memory per connection, which bounds the request head
 * (request line and headers); over it is 431. It holds the head, a copy of
 * the Cookie header (libmicrohttpd parses cookies), the headers' index and
 * the answer's head: 16 KiB takes a head of 15 KiB, or 7 KiB of cookies
 * (tests/api/security.test.mjs). libmicrohttpd clears it for each request
 * (a memset of its size): 32 KiB cost 24,000 more instructions a request.
 */
#define HTTP_HEAD_MAX (16 * 1024)

/*
 * http_serve runs the server until SIGINT or SIGTERM, then stops accepting,
 * finishes the requests under way and returns 0; or returns a negative enum
 * err after printing why it could not start.
 */
int http_serve(const struct http_config *cfg);

#endif
