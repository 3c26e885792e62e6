/*
 * api_import.c - the web import (docs/API.md, "Import"):
 *
 *   POST /import/deals|companies|contacts   the CSV file as the body (R_RAW,
 *        up to API_UPLOAD_MAX): ?dry_run=1 checks it and answers a preview
 *        (the header and its columns, the first rows, every problem by row
 *        and column, with the CLI's messages); without it the file is
 *        imported (import_run, all or nothing, or ?skip_bad=1 to leave bad
 *        rows out and get them back as a CSV file). ?map, ?encoding and
 *        ?date_format are the CLI's --map, --encoding and --date-format.
 *   POST /import/jobs       a progress slot for the next import (?job=ID)
 *   GET  /import/jobs/{id}  its state and progress, polled by the web app
 *
 * Imports run on the worker pool (R_SLOW), never on an event thread. The
 * progress slots live in this process only, a few per server, each visible
 * to the user who made it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_int.h"
#include "import.h"
#include "svc_import.h"

/* Rows shown in a preview, and problems listed at most. */
#define PREVIEW_ROWS 20
#define PROBLEMS_MAX 1000
/* Progress slots kept; the oldest finished one makes room. */
#define JOBS_MAX 64

enum job_state { JOB_FREE = 0, JOB_WAITING, JOB_RUNNING, JOB_DONE, JOB_FAILED };

struct job {
	int64_t id, workspace_id, user_id;
	enum job_state state;
	size_t done, total;
	time_t touched;
};

static pthread_mutex_t jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct job jobs[JOBS_MAX];
static int64_t jobs_next = 1;

static const char *const job_state_names[] = {"free", "waiting", "running", "done", "failed"};

/* job_find returns the slot of job id of the caller (jobs_mu held), or NULL. */
static struct job *job_find(const struct call *c, int64_t id)
{
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (jobs[i].state != JOB_FREE && jobs[i].id == id &&
		    jobs[i].workspace_id == c->actor.workspace_id &&
		    jobs[i].user_id == c->actor.user_id)
			return &jobs[i];
	return NULL;
}

static json_t *job_json(const struct job *j)
{
	double p = j->state == JOB_DONE ? 1.0 : j->total ? (double)j->done / (double)j->total : 0.0;

	return json_pack("{s:I,s:s,s:f}", "id", (json_int_t)j->id, "state",
			 job_state_names[j->state], "progress", p);
}

static int h_job_create(struct call *c)
{
	struct job *slot = NULL;
	json_t *o;
	int rc;

	if ((rc = svc_import_allowed(&c->actor, &c->e)))
		return rc;
	pthread_mutex_lock(&jobs_mu);
	for (size_t i = 0; i < JOBS_MAX; i++) {
		struct job *j = &jobs[i];

		if (j->state == JOB_FREE) {
			slot = j;
			break;
		}
		if (j->state != JOB_RUNNING && (!slot || j->touched < slot->touched))
			slot = j;
	}
	if (slot) {
		memset(slot, 0, sizeof(*slot));
		slot->id = jobs_next++;
		slot->workspace_id = c->actor.workspace_id;
		slot->user_id = c->actor.user_id;
		slot->state = JOB_WAITING;
		slot->touched = time(NULL);
		o = job_json(slot);
	}
	pthread_mutex_unlock(&jobs_mu);
	if (!slot)
		return errinfo_set(&c->e, ERR_RETRY, "server.busy", NULL,
				   "too many imports are running, try again");
	return api_reply(c, 201, o);
}

static int h_job_get(struct call *c)
{
	struct job *j;
	json_t *o = NULL;
	int rc;

	if ((rc = svc_import_allowed(&c->actor, &c->e)))
		return rc;
	pthread_mutex_lock(&jobs_mu);
	if ((j = job_find(c, c->id)))
		o = job_json(j);
	pthread_mutex_unlock(&jobs_mu);
	if (!j)
		return errinfo_set(&c->e, ERR_NOTFOUND, "import.job_not_found", NULL,
				   "no import job %lld", (long long)c->id);
	return api_reply(c, 200, o);
}

/* The progress hook of one import: the job it updates. */
struct job_ref {
	int64_t id;
};

static void job_progress(void *ctx, size_t done, size_t total)
{
	struct job_ref *r = ctx;

	pthread_mutex_lock(&jobs_mu);
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (jobs[i].id == r->id && jobs[i].state == JOB_RUNNING) {
			jobs[i].done = done;
			jobs[i].total = total;
			jobs[i].touched = time(NULL);
		}
	pthread_mutex_unlock(&jobs_mu);
}

/* job_set moves job id to state s (jobs_mu taken here). */
static void job_set(int64_t id, enum job_state s)
{
	pthread_mutex_lock(&jobs_mu);
	for (size_t i = 0; i < JOBS_MAX; i++)
		if (jobs[i].id == id && jobs[i].state != JOB_FREE) {
			jobs[i].state = s;
			jobs[i].touched = time(NULL);
		}
	pthread_mutex_unlock(&jobs_mu);
}

/* flag reads a boolean query parameter: "1", "true" or "" (bare) set it. */
static int flag(struct call *c, const char *name)
{
	const char *v = api_query_get(c->req, name);

	return v && (!v[0] || !strcmp(v, "1") || !strcmp(v, "true"));
}

/* result_json turns an import's result into the answer's object. */
static json_t *result_json(const struct import_opts *o, const struct import_result *res)
{
	json_t *j = json_object(), *a;
	size_t i, k;

	if (!j)
		return NULL;
	json_object_set_new(j, "dry_run", json_boolean(o->dry_run));
	json_object_set_new(j, "rows", json_integer((json_int_t)res->rows));
	json_object_set_new(j, "imported", json_integer((json_int_t)res->imported));
	json_object_set_new(j, "created", json_integer((json_int_t)res->created));
	json_object_set_new(j, "updated", json_integer((json_int_t)res->updated));
	json_object_set_new(j, "companies_created", json_integer((json_int_t)res->companies));
	json_object_set_new(j, "rejected", json_integer((json_int_t)res->nrejects));
	json_object_set_new(j, "encoding", json_string(res->encoding));
	json_object_set_new(j, "format", json_string(csvfmt_source_name(res->source)));
	json_object_set_new(j, "ignored_columns", json_string(res->ignored));
	if ((a = json_array()))
		for (k = 0; k < IMPORT_NCOLS; k++)
			if (import_column_allowed(o->kind, (int)k))
				json_array_append_new(a, json_string(import_column_name(k)));
	json_object_set_new(j, "columns", a);
	if ((a = json_array()))
		for (i = 0; i < res->header.ncells; i++) {
			int col = res->header.cols[i];

			json_array_append_new(
			    a, json_pack("{s:s,s:o}", "name", res->header.cells[i], "column",
					 col >= 0 ? json_string(import_column_name(col))
						  : json_null()));
		}
	json_object_set_new(j, "header", a);
	if ((a = json_array()))
		for (i = 0; i < res->npreview; i++) {
			json_t *f = json_array();

			for (k = 0; f && k < res->preview[i].nfield; k++)
				json_array_append_new(f, json_string(res->preview[i].field[k]));
			json_array_append_new(a, json_pack("{s:I,s:o}", "row",
							   (json_int_t)res->preview[i].row,
							   "fields", f ? f : json_array()));
		}
	json_object_set_new(j, "preview", a);
	if ((a = json_array()))
		for (i = 0; i < res->nrejects && i < PROBLEMS_MAX; i++)
			json_array_append_new(
			    a, json_pack("{s:I,s:s?,s:s}", "row", (json_int_t)res->rejects[i].row,
					 "column",
					 res->rejects[i].column[0] ? res->rejects[i].column : NULL,
					 "message", res->rejects[i].reason));
	json_object_set_new(j, "problems", a);
	if (!o->dry_run && res->nrejects) {
		size_t len = 0;
		char *csv = import_rejects_csv(res, &len);

		json_object_set_new(j, "rejects_csv", csv ? json_stringn(csv, len) : json_null());
		free(csv);
	}
	return j;
}

static int h_import(struct call *c, enum import_kind kind)
{
	struct import_result res;
	struct import_opts o;
	struct job_ref ref = {0};
	const char *df = api_query_get(c->req, "date_format");
	int64_t job = 0;
	json_t *j;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&res, 0, sizeof(res));
	o.kind = kind;
	o.dry_run = flag(c, "dry_run");
	o.skip_bad = o.dry_run || flag(c, "skip_bad"); /* a preview lists every problem */
	o.map = api_query_get(c->req, "map");
	o.encoding = api_query_get(c->req, "encoding");
	o.preview = o.dry_run ? PREVIEW_ROWS : 0;
	if ((rc = svc_import_allowed(&c->actor, &c->e)))
		return rc;
	if (df && df[0] && csvfmt_date_order_parse(df, &o.date_order))
		return api_bad_param(c, "date_format", "must be auto, mdy or dmy");
	if ((rc = api_query_int(c, "job", 1, INT64_MAX / 2, &job)))
		return rc;
	if (!c->req->body_len)
		return errinfo_set(&c->e, ERR_INVALID, "import.no_file", NULL,
				   "send the CSV file as the request body");
	if (job) {
		struct job *jb;

		pthread_mutex_lock(&jobs_mu);
		jb = job_find(c, job);
		if (jb && jb->state == JOB_WAITING) {
			jb->state = JOB_RUNNING;
			jb->total = c->req->body_len * 2;
		}
		pthread_mutex_unlock(&jobs_mu);
		if (!jb || jb->state != JOB_RUNNING)
			return api_bad_param(c, "job", "not a waiting import job of yours");
		ref.id = job;
		o.progress = job_progress;
		o.progress_ctx = &ref;
	}
	rc = import_run(c->st, &c->actor, c->req->body, c->req->body_len, &o, &res, &c->e);
	if (job)
		job_set(job, rc ? JOB_FAILED : JOB_DONE);
	if (rc && !(o.dry_run && (rc == ERR_INVALID || rc == ERR_TOOBIG))) {
		import_result_release(&res);
		return rc;
	}
	j = result_json(&o, &res);
	if (j && rc) /* a preview of a file that cannot be imported as it is */
		json_object_set_new(j, "error",
				    json_pack("{s:s,s:s,s:s?}", "code", c->e.code, "message",
					      c->e.message, "field",
					      c->e.field[0] ? c->e.field : NULL));
	import_result_release(&res);
	if (!j)
		return errinfo_set(&c->e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
	return api_reply(c, 200, j);
}

static int h_import_deals(struct call *c)
{
	return h_import(c, IMPORT_DEALS);
}

static int h_import_companies(struct call *c)
{
	return h_import(c, IMPORT_COMPANIES);
}

static int h_import_contacts(struct call *c)
{
	return h_import(c, IMPORT_CONTACTS);
}

#define IMPORT (API_AUTH | R_SLOW | R_RAW)
const struct route api_import_routes[API_IMPORT_NROUTES] = {
    {"POST", "/import/deals", h_import_deals, IMPORT, "manager"},
    {"POST", "/import/companies", h_import_companies, IMPORT, "manager"},
    {"POST", "/import/contacts", h_import_contacts, IMPORT, "manager"},
    {"POST", "/import/jobs", h_job_create, API_AUTH, "manager"},
    {"GET", "/import/jobs/{id}", h_job_get, API_AUTH, "manager"},
};
#undef IMPORT
