/*
 * http.c - the HTTP server: libmicrohttpd underneath, api.c on top.
 *
 * Threads. libmicrohttpd runs cfg->threads event threads (a thread pool
 * over epoll). Fast reads run on the event thread that read the request.
 * Slow routes (argon2id, reports; api_match_slow()) must not block an event
 * thread: the connection is suspended, the request is queued for one of
 * cfg->workers worker threads, the worker runs api_handle() and resumes the
 * connection, and the event thread then queues the stored response. A full
 * queue answers 503 server.busy at once.
 *
 * Writes (every method but GET, HEAD and OPTIONS) go the same way to the
 * writer threads (cfg->writers; one on SQLite, store_writers()). SQLite runs
 * one write transaction at a time: writers on every event thread would wait
 * for its lock in turn (sleeping in the busy handler), and the reads queued
 * on a waiting event thread with them. A single writer never waits for the
 * lock and the event threads only read, which in WAL mode never waits for a
 * writer. When the writers' queue is full the event thread writes itself.
 *
 * Each thread opens its own store connection (an event thread at its first
 * request, a worker or writer when it starts), closed by a pthread key
 * destructor when the thread ends.
 *
 * Requests. On the first callback only the per-request context is made
 * (answering at once would make libmicrohttpd drop keep-alive); the body is
 * accumulated up to API_BODY_MAX, API_UPLOAD_MAX for a file upload
 * (api_match_body_max; beyond it the rest is read and discarded,
 * and the answer is 413); the answer is given on the final callback.
 *
 * Shutdown. SIGINT and SIGTERM are blocked in every thread and taken with
 * sigwait() in the calling thread; then the listening socket is closed, the
 * workers finish the queue, requests under way get a few seconds to finish,
 * and MHD_stop_daemon() closes the rest.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"
#include "err.h"
#include "http.h"
#include "store.h"
#include "svc.h"
#include "web.h"

/* Bytes discarded past API_BODY_MAX before the connection is simply closed. */
#define DISCARD_MAX (16 * 1024 * 1024)
/* The nice value of the worker threads (the event and writer threads keep 0). */
#define WORKER_NICE 10
/* Slow jobs waiting per worker before the queue counts as full. */
#define QUEUE_PER_WORKER 64
/* Writes waiting before the writers' queue counts as full (then the event thread writes). */
#define WRITE_QUEUE_MAX 4096
/*
 * malloc's free memory kept at the top of a heap before it is given back,
 * and the size from which a block is mapped on its own (glibc's defaults:
 * 128 KiB each, the second rising with use). At the defaults a page of deals
 * (some 150 KiB a request) and the writes (SQLite frees a temporary b-tree's
 * page cache at the end of some statements) were trimmed with madvise() and
 * faulted in again about every request, and each trim of a threaded process
 * interrupts the other cores to flush their TLBs: a fifth of the server's
 * CPU under perf (docs/PERFORMANCE.md).
 */
#define MALLOC_TRIM (8 * 1024 * 1024)
#define MALLOC_MMAP (1024 * 1024)
/* Writes a lone writer takes from its queue at once, to commit together. */
#define WRITE_GROUP_MAX 32
/*
 * The page cache of a lone writer's connection, in KiB (the others keep
 * SQLite's 2 MB). Each write descends the B-trees of deal, stage_history and
 * the report tables; at a million deals their inner pages outgrow 2 MB, and
 * the writer read pages back from the OS on every write (docs/PERFORMANCE.md).
 * Allocated only as pages are used.
 */
#define WRITER_CACHE_KIB (32 * 1024)
/*
 * A lone writer's checkpoints (copying SQLite's write-ahead log into the
 * database, with an fsync of each) run on a thread of their own once the log
 * holds LOG_PAGES pages (SQLite's own default, about 4 MB), without holding
 * the writer up; at its commits the writer copies the log itself only past
 * LOG_CAP pages (about 64 MB of log), and then waits for the readers so the
 * log starts over: under a steady load of reads that is how the log starts
 * over. Run by the writer, a checkpoint held up every request of the group
 * that committed it (docs/PERFORMANCE.md).
 */
#define LOG_PAGES 1000
#define LOG_TAIL  64
#define LOG_CAP	  16000

enum req_state { REQ_NEW = 0, REQ_QUEUED, REQ_ANSWERED };

/* One request: made on the first callback, freed by request_completed(). */
struct req {
	struct MHD_Connection *conn;
	const char *method, *url; /* libmicrohttpd's, valid until completion */
	struct timespec start;
	char *body;
	size_t len, cap;
	size_t discarded;
	size_t max;		/* the largest body the route takes (api_match_body_max) */
	struct api_match match; /* the route, found once on the first callback */
	int too_big;
	_Atomic int state;
	int status; /* for the log */
	struct api_request areq;
	char addr[64];		  /* the client address as text (security) */
	struct api_response resp; /* filled by a worker for slow routes */
	struct req *next;	  /* in the worker queue */
};

/* A pool of threads serving queued requests: the workers, or the writers. */
struct pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct req *head, *tail;
	size_t n, cap;
	int stopping;
	int nice;	  /* the threads' nice value */
	size_t group_max; /* requests a thread takes at once (run_group) */
	int cache_kib;	  /* the threads' page cache (store cache_size), 0: the default */
	int log_hand_off; /* the threads leave their checkpoints to the checkpointer */
	pthread_t *threads;
	int nthreads;
};

static const struct http_config *g_cfg;
static struct pool g_pool, g_writers;
/* The checkpointer: woken by the lone writer's commits (log_wake). */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int due, stopping, up;
	pthread_t thread;
} g_log = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0};
static pthread_key_t g_store_key;
static atomic_int g_in_flight;

/* ---- per-thread store ---- */

static void store_destroy(void *p)
{
	store_close(p);
}

/* thread_store returns this thread's store connection, opening it on first use; NULL on failure. */
static struct store *thread_store(void)
{
	struct store *st = pthread_getspecific(g_store_key);
	char err[256] = "";

	if (st)
		return st;
	if (store_open(g_cfg->db, 0, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "litecrm: cannot open database '%s': %s\n", g_cfg->db, err);
		return NULL;
	}
	pthread_setspecific(g_store_key, st);
	return st;
}

/* ---- responses ---- */

static int is_api(const char *url)
{
	return strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
}

/* is_write: a method that changes something (every one but GET, HEAD and OPTIONS). */
static int is_write(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

/*
 * add_security_headers adds what every answer carries:
 * nosniff, no framing, the referrer policy, a CSP (for API answers one that
 * allows nothing at all, since JSON is never a page), and HSTS over TLS.
 */
static void add_security_headers(struct MHD_Response *resp, int api)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", WEB_REFERRER_POLICY);
	MHD_add_response_header(resp, "Content-Security-Policy",
				api ? "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
				    : WEB_CSP);
	if (g_cfg->tls_cert)
		MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
}

/* queue_api_response sends r (its body is handed to libmicrohttpd) with the API headers. */
static enum MHD_Result queue_api_response(struct req *rq, struct api_response *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len, i;
	char *body;

	body = api_response_detach_body(r, &len);
	resp = MHD_create_response_from_buffer(
	    len, body ? body : (void *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	if (body && r->content_type)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
	add_security_headers(resp, 1);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (i = 0; i < r->nheaders; i++)
		MHD_add_response_header(resp, r->headers[i].name, r->headers[i].value);
	rq->status = r->status;
	ret = MHD_queue_response(rq->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_text(struct req *rq, unsigned status, const char *type,
				  const char *text)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	add_security_headers(resp, 1);
	rq->status = (int)status;
	ret = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* queue_web answers a path of the web app from the embedded files (web.c). */
static enum MHD_Result queue_web(struct req *rq, const char *method, const char *url)
{
	struct MHD_Connection *c = rq->conn;
	struct web_cookies cookies = {
	    MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "litecrm_session"),
	    MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "litecrm_lang"),
	};
	struct MHD_Response *resp;
	struct web_reply w;
	enum MHD_Result ret;

	web_lookup(method, url,
		   MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING),
		   MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
		   &cookies, &w);
	resp = MHD_create_response_from_buffer(w.status == 304 ? 0 : w.len, (void *)w.body,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	if (w.status != 304)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, w.type);
	if (w.etag) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, w.etag);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, w.cache_control);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY,
					w.page ? "Accept-Encoding, Cookie" : "Accept-Encoding");
	}
	if (w.gzip)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	/* The page's CSP (no inline script) is on every web answer, page or asset. */
	add_security_headers(resp, 0);
	if (w.status == 405)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rq->status = w.status;
	ret = MHD_queue_response(c, (unsigned)w.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result queue_api_error(struct req *rq, int status, const char *code,
				       const char *msg)
{
	struct api_response r;
	enum MHD_Result ret;

	api_response_init(&r);
	api_response_error(&r, status, code, NULL, msg);
	ret = queue_api_response(rq, &r);
	api_response_release(&r);
	return ret;
}

/* ---- filling the api request ---- */

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct api_request *areq = cls;

	(void)kind;
	if (areq->nquery < API_QUERY_MAX) {
		areq->query[areq->nquery].name = key;
		areq->query[areq->nquery].value = value;
		areq->nquery++;
	}
	return MHD_YES;
}

/* addr_text_ok: s looks like an IPv4 or IPv6 address (what X-Forwarded-For may give). */
static int addr_text_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!strchr("0123456789abcdefABCDEF.:", s[i]))
			return 0;
	return 1;
}

/*
 * client_address writes the client's address into rq->addr: the peer of the
 * connection, or, with --trust-proxy, the rightmost X-Forwarded-For entry
 * (the one the trusted proxy appended) when it is a well-formed address.
 */
static void client_address(struct req *rq)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	rq->addr[0] = '\0';
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
			  rq->addr, sizeof(rq->addr));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
			  rq->addr, sizeof(rq->addr));
	if (g_cfg->trust_proxy) {
		const char *xff =
		    MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-Forwarded-For");
		const char *last, *end;

		if (!xff)
			return;
		last = strrchr(xff, ',');
		last = last ? last + 1 : xff;
		while (*last == ' ' || *last == '\t')
			last++;
		end = last + strlen(last);
		while (end > last && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (addr_text_ok(last, (size_t)(end - last))) {
			memcpy(rq->addr, last, (size_t)(end - last));
			rq->addr[end - last] = '\0';
		}
	}
}

/*
 * fill_request points rq->areq at the connection's data; libmicrohttpd keeps
 * it until the request completes, and a suspended connection does not touch it.
 */
static void fill_request(struct req *rq, const char *method, const char *url)
{
	struct api_request *a = &rq->areq;
	struct MHD_Connection *c = rq->conn;

	memset(a, 0, sizeof(*a));
	a->method = method;
	a->path = url;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, a);
	a->authorization =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	a->cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
	a->if_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
	a->csrf_token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
	a->accept_encoding =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
	a->content_type =
	    MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	a->body = rq->body;
	a->body_len = rq->len;
	a->match = rq->match;
	client_address(rq);
	a->client_addr = rq->addr;
	a->secure = g_cfg->tls_cert != NULL;
	if (g_cfg->trust_proxy) {
		const char *proto =
		    MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");

		if (proto && strcasecmp(proto, "https") == 0)
			a->secure = 1;
	}
}

/* ---- the checkpointer ---- */

/* log_wake runs on the writer after a commit that left LOG_PAGES or more in the log. */
static void log_wake(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g_log.mu);
	if (!g_log.due) {
		g_log.due = 1;
		pthread_cond_signal(&g_log.cv);
	}
	pthread_mutex_unlock(&g_log.mu);
}

/*
 * log_main copies the log into the database each time the writer wakes it,
 * on a connection of its own, while the writer goes on committing: PASSIVE
 * checkpoints take no lock the writer needs; a few passes while more than
 * LOG_TAIL pages were added meanwhile. A RESTART between two groups, so that
 * the next one starts the log over, held the writer off for 40% of its time
 * (two fsyncs each, docs/PERFORMANCE.md); the log now starts over when a
 * writer finds it copied and no reader in it, or at LOG_CAP (log_hook).
 */
static void *log_main(void *arg)
{
	struct store *st = thread_store();
	int left;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&g_log.mu);
		while (!g_log.due && !g_log.stopping)
			pthread_cond_wait(&g_log.cv, &g_log.mu);
		g_log.due = 0;
		if (g_log.stopping) {
			pthread_mutex_unlock(&g_log.mu);
			break;
		}
		pthread_mutex_unlock(&g_log.mu);
		if (!st || !st->ops->log_checkpoint)
			continue; /* past LOG_CAP the writer copies */
		for (int i = 0; i < 4; i++)
			if (st->ops->log_checkpoint(st, 0, &left) || left <= LOG_TAIL)
				break;
	}
	return NULL;
}

static void log_start(void)
{
	g_log.due = g_log.stopping = 0;
	g_log.up = pthread_create(&g_log.thread, NULL, log_main, NULL) == 0;
}

static void log_stop(void)
{
	if (!g_log.up)
		return;
	pthread_mutex_lock(&g_log.mu);
	g_log.stopping = 1;
	pthread_cond_signal(&g_log.cv);
	pthread_mutex_unlock(&g_log.mu);
	pthread_join(g_log.thread, NULL);
	g_log.up = 0;
}

/* ---- the worker and writer pools ---- */

/*
 * run_group answers the n requests of v. A lone writer takes what queued up
 * while it wrote and runs it as one group (svc_group_begin): each request's
 * transactions become savepoints of one write transaction, so each keeps its
 * own outcome (a failed one undoes only its own writes; a version check sees
 * the writes before it) and all are written by a single commit, instead of
 * one commit each. If the group cannot be committed, nothing of it was
 * written: its answers are dropped and each request runs again on its own.
 * A file upload (a large body) runs on its own.
 */
static void run_group(struct req **v, size_t n)
{
	struct store *st = thread_store();
	size_t i;

	if (n > 1 && st && svc_group_begin(st) == 0) {
		for (i = 0; i < n; i++)
			api_handle(st, &v[i]->areq, &v[i]->resp);
		if (svc_group_end(st, 1) == 0)
			return;
		for (i = 0; i < n; i++)
			api_response_release(&v[i]->resp);
	}
	for (i = 0; i < n; i++)
		api_handle(st, &v[i]->areq, &v[i]->resp);
}

/* groupable: rq may share a group (it is no file upload). */
static int groupable(const struct req *rq)
{
	return rq->max <= API_BODY_MAX;
}

static void *worker_main(void *arg)
{
	struct pool *p = arg;
	struct store *st;
	struct req *v[WRITE_GROUP_MAX];
	size_t n, i;

	/*
	 * Slow jobs give way to the event threads: on Linux each thread has its
	 * own nice value, so a report computing for a second does not stretch
	 * the latency of the cheap requests beside it (bench/reports measures
	 * that). Best effort: the jobs run alike at any priority.
	 */
	if (p->nice)
		(void)setpriority(PRIO_PROCESS, (id_t)gettid(), p->nice);
	/*
	 * Open the connection now, not at the first job: an event thread has
	 * opened its own by the time it answers the first request, and the
	 * first write should not wait for the writer's.
	 */
	st = thread_store();
	if (st && p->cache_kib && st->ops->cache_size)
		(void)st->ops->cache_size(st,
					  p->cache_kib); /* best effort: a cache, not a result */
	if (st && p->log_hand_off && g_log.up && st->ops->log_hand_off)
		(void)st->ops->log_hand_off(st, LOG_PAGES, LOG_CAP, log_wake, NULL);
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		n = 0;
		do {
			v[n++] = p->head;
			p->head = p->head->next;
			p->n--;
		} while (n < p->group_max && p->head && groupable(p->head) && groupable(v[0]));
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->mu);

		run_group(v, n);
		for (i = 0; i < n; i++) {
			atomic_store(&v[i]->state, REQ_ANSWERED);
			MHD_resume_connection(v[i]->conn);
		}
	}
	return NULL;
}

/*
 * pool_submit suspends rq's connection and queues it for a worker. Returns
 * 0, or ERR_RETRY when the queue is full or the pool is stopping (the
 * connection is then not suspended).
 */
static int pool_submit(struct pool *p, struct req *rq)
{
	int rc = 0;

	pthread_mutex_lock(&p->mu);
	if (p->stopping || p->n >= p->cap) {
		rc = ERR_RETRY;
		goto out;
	}
	/* Suspend before a worker can see it, so its resume always follows. */
	atomic_store(&rq->state, REQ_QUEUED);
	MHD_suspend_connection(rq->conn);
	rq->next = NULL;
	if (p->tail)
		p->tail->next = rq;
	else
		p->head = rq;
	p->tail = rq;
	p->n++;
	pthread_cond_signal(&p->cv);
out:
	pthread_mutex_unlock(&p->mu);
	return rc;
}

static int pool_start(struct pool *p, int n, size_t cap, int nice, size_t group_max, int cache_kib,
		      int log_hand_off)
{
	int i;

	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->cap = cap;
	p->nice = nice;
	p->cache_kib = cache_kib;
	p->log_hand_off = log_hand_off;
	p->group_max = group_max > WRITE_GROUP_MAX ? WRITE_GROUP_MAX : group_max ? group_max : 1;
	p->threads = calloc((size_t)n, sizeof(*p->threads));
	if (!p->threads)
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
			break;
		p->nthreads++;
	}
	return p->nthreads == n ? 0 : ERR_NOMEM;
}

/* pool_stop lets the threads finish every queued job, then joins them. */
static void pool_stop(struct pool *p)
{
	int i;

	if (!p->threads)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	p->threads = NULL;
	p->nthreads = 0;
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}

/* ---- libmicrohttpd callbacks ---- */

/* body_append adds data to the request body, discarding past rq->max. */
static int body_append(struct req *rq, const char *data, size_t size)
{
	if (rq->too_big || size > rq->max - rq->len) {
		rq->too_big = 1;
		rq->discarded += size;
		return rq->discarded > DISCARD_MAX ? ERR_TOOBIG : 0;
	}
	if (rq->len + size > rq->cap) {
		size_t cap = rq->cap ? rq->cap : 4096;
		char *b;

		while (cap < rq->len + size + 1)
			cap *= 2;
		if (cap > rq->max + 1)
			cap = rq->max + 1;
		b = realloc(rq->body, cap);
		if (!b)
			return ERR_NOMEM;
		rq->body = b;
		rq->cap = cap;
	}
	memcpy(rq->body + rq->len, data, size);
	rq->len += size;
	rq->body[rq->len] = '\0';
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct req *rq = *con_cls;
	struct api_response r;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!rq) {
		/* First call: headers only. Answering now would cost keep-alive. */
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		rq->conn = conn;
		rq->method = method;
		rq->url = url;
		if (is_api(url))
			api_route_match(method, url, &rq->match);
		rq->max = api_match_body_max(&rq->match);
		clock_gettime(CLOCK_MONOTONIC, &rq->start);
		atomic_fetch_add(&g_in_flight, 1);
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		int rc = body_append(rq, upload_data, *upload_data_size);

		*upload_data_size = 0;
		return rc == 0 ? MHD_YES : MHD_NO;
	}
	if (atomic_load(&rq->state) == REQ_ANSWERED)
		return queue_api_response(rq, &rq->resp); /* resumed after a worker ran */
	if (atomic_load(&rq->state) == REQ_QUEUED)
		return MHD_YES; /* not resumed yet; should not happen */

	if (g_cfg->hello_only)
		return queue_text(rq, MHD_HTTP_OK, "text/plain; charset=utf-8", g_cfg->hello_only);

	if (!is_api(url))
		return queue_web(rq, method, url); /* the web app (web.c) */
	if (rq->too_big) {
		char msg[64];

		snprintf(msg, sizeof(msg), "the request body is over %zu MiB", rq->max >> 20);
		return queue_api_error(rq, 413, "request.too_large", msg);
	}

	fill_request(rq, method, url);
	if (api_match_slow(&rq->areq.match)) {
		if (pool_submit(&g_pool, rq) == 0)
			return MHD_YES;
		return queue_api_error(rq, 503, "server.busy", "the server is busy, try again");
	}
	/* A write goes to the writers; with their queue full, it is written here. */
	if (g_writers.nthreads && is_write(method) && pool_submit(&g_writers, rq) == 0)
		return MHD_YES;
	api_handle(thread_store(), &rq->areq, &r);
	ret = queue_api_response(rq, &r);
	api_response_release(&r);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;
	struct timespec end;
	double ms;

	(void)cls;
	(void)conn;
	if (!rq)
		return;
	if (!g_cfg->quiet) {
		clock_gettime(CLOCK_MONOTONIC, &end);
		ms = (double)(end.tv_sec - rq->start.tv_sec) * 1e3 +
		     (double)(end.tv_nsec - rq->start.tv_nsec) / 1e6;
		fprintf(stderr, "%s %s %d %.1fms%s\n", rq->method, rq->url, rq->status, ms,
			toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (aborted)");
	}
	api_response_release(&rq->resp);
	free(rq->body);
	free(rq);
	*con_cls = NULL;
	atomic_fetch_sub(&g_in_flight, 1);
}

/* ---- listening ---- */

/*
 * listen_open parses "HOST:PORT" (IPv4; "localhost", "*" or "" for any) and
 * returns a bound, listening, non-blocking socket in *fd. On failure it
 * prints why and returns ERR_IO or ERR_INVALID.
 */
static int listen_open(const char *spec, int *fd)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char host[256];
	const char *colon = strrchr(spec, ':');
	char *end;
	long port;
	int s = -1, one = 1, rc = 0;

	if (!colon || (size_t)(colon - spec) >= sizeof(host)) {
		fprintf(stderr, "litecrm: cannot listen on '%s': expected HOST:PORT\n", spec);
		return ERR_INVALID;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 0 || port > 65535) {
		fprintf(stderr, "litecrm: cannot listen on '%s': bad port\n", spec);
		return ERR_INVALID;
	}
	sa.sin_port = htons((uint16_t)port);
	if (!host[0] || strcmp(host, "*") == 0) {
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
	} else if (strcmp(host, "localhost") == 0) {
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
		int gai = getaddrinfo(host, NULL, &hints, &ai);

		if (gai != 0) {
			fprintf(stderr, "litecrm: cannot listen on '%s': %s\n", spec,
				gai_strerror(gai));
			return ERR_INVALID;
		}
		sa.sin_addr = ((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr;
		freeaddrinfo(ai);
	}
	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s, 1024) != 0)
		goto fail;
	*fd = s;
	return 0;
fail:
	fprintf(stderr, "litecrm: cannot listen on '%s': %s\n", spec, strerror(errno));
	rc = ERR_IO;
	if (s >= 0)
		close(s);
	return rc;
}

/*
 * read_pem reads a PEM file of at most 1 MiB into a new NUL-terminated string
 * (*out, freed by the caller). On failure it prints why and returns ERR_IO.
 */
static int read_pem(const char *path, const char *opt, char **out)
{
	FILE *f;
	char *buf = NULL;
	size_t n;

	if (!path) {
		fprintf(stderr, "litecrm: %s is needed for HTTPS\n", opt);
		return ERR_INVALID;
	}
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "litecrm: cannot read %s '%s': %s\n", opt, path, strerror(errno));
		return ERR_IO;
	}
	buf = malloc(1024 * 1024 + 1);
	n = buf ? fread(buf, 1, 1024 * 1024, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	if (!buf || n == 0 || n == 1024 * 1024 || !strstr(buf, "-----BEGIN")) {
		fprintf(stderr, "litecrm: %s '%s' is not a PEM file\n", opt, path);
		free(buf);
		return ERR_IO;
	}
	*out = buf;
	return 0;
}

/* connection_limit: what the descriptor limit leaves room for, at most 4096. */
static unsigned connection_limit(void)
{
	struct rlimit rl;
	rlim_t n = 4096;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < n + 64)
		n = rl.rlim_cur > 128 ? rl.rlim_cur - 64 : 64;
	return (unsigned)n;
}

static int cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

int http_serve(const struct http_config *cfg)
{
	struct MHD_Daemon *d = NULL;
	sigset_t sigs, old;
	int fd = -1, sig, rc = 0, pool_up = 0, key_up = 0, threads, workers, writers, waited;
	unsigned flags;
	char *cert = NULL, *key = NULL;
	struct MHD_OptionItem tls[3] = {
	    {MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}, {MHD_OPTION_END, 0, NULL}};

	g_cfg = cfg;
	mallopt(M_TRIM_THRESHOLD, MALLOC_TRIM);
	mallopt(M_MMAP_THRESHOLD, MALLOC_MMAP);
	threads = cfg->threads > 0 ? cfg->threads : cores();
	workers = cfg->workers > 0 ? cfg->workers : cores();
	writers = cfg->writers > 0 ? cfg->writers : store_writers(cfg->db, cores());

	/* Every thread started from here on inherits the blocked signals. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, &old);
	signal(SIGPIPE, SIG_IGN);

	rc = listen_open(cfg->listen, &fd);
	if (rc != 0)
		goto out;
	if (pthread_key_create(&g_store_key, store_destroy) != 0) {
		rc = ERR_NOMEM;
		goto out;
	}
	key_up = 1;
	rc = pool_start(&g_pool, workers, (size_t)workers * QUEUE_PER_WORKER, WORKER_NICE, 1, 0, 0);
	pool_up = 1;
	/* A lone writer hands its checkpoints off (best effort: else it runs them). */
	if (rc == 0 && writers == 1)
		log_start();
	/* Groups: a lone writer's queue fills while it writes. */
	if (rc == 0)
		rc = pool_start(&g_writers, writers, WRITE_QUEUE_MAX, 0,
				writers == 1 ? WRITE_GROUP_MAX : 1,
				writers == 1 ? WRITER_CACHE_KIB : 0, writers == 1);
	if (rc != 0) {
		fprintf(stderr, "litecrm: cannot start %d worker and %d writer threads\n", workers,
			writers);
		goto out;
	}

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME;
	if (!cfg->quiet)
		flags |= MHD_USE_ERROR_LOG;
	if (cfg->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "litecrm: this libmicrohttpd was built without TLS; use a "
					"reverse proxy for HTTPS (see SECURITY.md)\n");
			rc = ERR_INVALID;
			goto out;
		}
		if ((rc = read_pem(cfg->tls_cert, "--tls-cert", &cert)) ||
		    (rc = read_pem(cfg->tls_key, "--tls-key", &key)))
			goto out;
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
		tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
	}
	d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)(cfg->client_timeout > 0 ? cfg->client_timeout : 30),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEAD_MAX, MHD_OPTION_CONNECTION_LIMIT,
	    connection_limit(), MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_ARRAY,
	    tls, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "litecrm: cannot listen on '%s': the HTTP server did not start%s\n",
			cfg->listen, cfg->tls_cert ? " (check the TLS certificate and key)" : "");
		rc = ERR_IO;
		goto out;
	}
	printf("litecrm: serving on %s://%s\n", cfg->tls_cert ? "https" : "http", cfg->listen);
	fflush(stdout);

	for (;;) {
		if (sigwait(&sigs, &sig) == 0 && (sig == SIGINT || sig == SIGTERM))
			break;
	}
	if (!cfg->quiet)
		fprintf(stderr, "litecrm: stopping\n");

	/* Stop accepting, let the workers drain, give requests under way a moment. */
	fd = (int)MHD_quiesce_daemon(d);
	if (fd >= 0)
		close(fd);
	fd = -1;
	pool_stop(&g_writers);
	log_stop();
	pool_stop(&g_pool);
	pool_up = 0;
	for (waited = 0; atomic_load(&g_in_flight) > 0 && waited < 5000; waited += 10)
		usleep(10000);
	rc = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	if (pool_up) {
		pool_stop(&g_writers);
		log_stop();
		pool_stop(&g_pool);
	}
	if (fd >= 0)
		close(fd);
	if (key_up) {
		/* The calling thread never served, but close its store if it had one. */
		store_destroy(pthread_getspecific(g_store_key));
		pthread_setspecific(g_store_key, NULL);
		pthread_key_delete(g_store_key);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	free(cert);
	if (key) {
		memset(key, 0, strlen(key));
		free(key);
	}
	return rc;
}
