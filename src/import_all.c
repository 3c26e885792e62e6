/*
 * import_all.c - a whole workspace from an `export all` document
 * (import_all.h). The parts are written in dependency order inside one bulk
 * batch: settings, users, stages, companies and contacts, deals, their
 * stage history (svc_history_import), notes and citations, saved views.
 * The document's ids are mapped to the new ones in small hash tables.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "import_all.h"
#include "money.h"
#include "pipeline.h"
#include "svc_import.h"
#include "svc_note.h"
#include "svc_report.h"

/* ---- old id -> new id ---- */

struct idmap {
	int64_t *key, *val;
	size_t cap, n;
};

static void idmap_free(struct idmap *m)
{
	free(m->key);
	free(m->val);
	memset(m, 0, sizeof(*m));
}

static size_t idmap_slot(const struct idmap *m, int64_t k)
{
	size_t i = (size_t)((uint64_t)k * 0x9E3779B97F4A7C15ull) & (m->cap - 1);

	while (m->key[i] && m->key[i] != k)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* idmap_put maps k (> 0) to v; 0 or ERR_NOMEM. */
static int idmap_put(struct idmap *m, int64_t k, int64_t v)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct idmap nm = {0};

		nm.cap = m->cap ? m->cap * 2 : 256;
		nm.key = calloc(nm.cap, sizeof(*nm.key));
		nm.val = calloc(nm.cap, sizeof(*nm.val));
		if (!nm.key || !nm.val) {
			idmap_free(&nm);
			return ERR_NOMEM;
		}
		for (i = 0; i < m->cap; i++)
			if (m->key[i]) {
				size_t j = idmap_slot(&nm, m->key[i]);

				nm.key[j] = m->key[i];
				nm.val[j] = m->val[i];
				nm.n++;
			}
		idmap_free(m);
		*m = nm;
	}
	i = idmap_slot(m, k);
	if (!m->key[i])
		m->n++;
	m->key[i] = k;
	m->val[i] = v;
	return 0;
}

/* idmap_get returns what k maps to, or 0. */
static int64_t idmap_get(const struct idmap *m, int64_t k)
{
	size_t i;

	if (!m->cap || k <= 0)
		return 0;
	i = idmap_slot(m, k);
	return m->key[i] ? m->val[i] : 0;
}

/* ---- reading the document ---- */

struct imp {
	struct store *st;
	const struct actor *a;
	struct errinfo *e;
	struct import_all_result *res;
	struct workspace ws;
	struct user_list users; /* after the users part: every user, for names -> ids */
	struct idmap company, deal;
	int force; /* match companies by name and views by owner and name */
	import_all_progress progress;
	void *progress_ctx;
};

/* str copies member k of o (a string; "" when absent or null) into dst. */
static void str(json_t *o, const char *k, char *dst, size_t n)
{
	const char *s = json_string_value(json_object_get(o, k));

	snprintf(dst, n, "%s", s ? s : "");
}

static int64_t num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* bad fails the import naming the part and item of the document. */
static int bad(struct imp *im, const char *part, size_t i, const char *why)
{
	return errinfo_set(im->e, ERR_INVALID, "import.document_invalid", part, "%s[%zu]: %s", part,
			   i, why);
}

/* inpart prefixes e's message with the part and item at fault. */
static int inpart(struct imp *im, const char *part, size_t i, int rc)
{
	char msg[sizeof(im->e->message)];

	snprintf(msg, sizeof(msg), "%s", im->e->message);
	snprintf(im->e->message, sizeof(im->e->message), "%s[%zu]: %.220s", part, i, msg);
	return rc;
}

static const struct user *user_named(const struct imp *im, const char *username)
{
	for (size_t i = 0; username && username[0] && i < im->users.n; i++)
		if (!strcmp(im->users.v[i].username, username))
			return &im->users.v[i];
	return NULL;
}

/* actor_of is the actor a user of the workspace acts as. */
static struct actor actor_of(const struct imp *im, const struct user *u)
{
	struct actor a = *im->a;

	a.system = 0;
	a.user_id = u->id;
	a.role = u->role;
	a.token_id = 0;
	return a;
}

static int do_settings(struct imp *im, json_t *w)
{
	struct workspace_input in;
	int rc;

	if (!json_is_object(w))
		return 0;
	memset(&in, 0, sizeof(in));
	in.set = WS_SET_NAME | WS_SET_CURRENCY | WS_SET_LANGUAGE | WS_SET_VISIBILITY;
	str(w, "name", in.name, sizeof(in.name));
	str(w, "currency", in.currency, sizeof(in.currency));
	str(w, "language", in.language, sizeof(in.language));
	in.members_see_all = json_is_true(json_object_get(w, "members_see_all"));
	if ((rc = svc_workspace_update(im->st, im->a, 0, &in, &im->ws, im->e)))
		return inpart(im, "workspace", 0, rc);
	return 0;
}

static int do_users(struct imp *im, json_t *arr)
{
	size_t i;
	json_t *o;
	int rc;

	json_array_foreach(arr, i, o)
	{
		struct user_input in;
		struct user u, out;
		char role[16], password[33];
		unsigned char rnd[16];

		memset(&in, 0, sizeof(in));
		memset(&u, 0, sizeof(u));
		str(o, "username", u.username, sizeof(u.username));
		str(o, "role", role, sizeof(role));
		if (!u.username[0] || role_parse(role, &in.role))
			return bad(im, "users", i, "a user needs a username and a role");
		str(o, "display_name", in.display_name, sizeof(in.display_name));
		str(o, "email", in.email, sizeof(in.email));
		in.active = !json_is_false(json_object_get(o, "active"));
		in.set = USER_SET_DISPLAY | USER_SET_EMAIL | USER_SET_ROLE | USER_SET_ACTIVE;
		rc = svc_user_get_by_name(im->st, im->a, u.username, &out, im->e);
		if (rc == ERR_NOTFOUND) {
			/* Passwords are not exported: a random one until an admin sets it. */
			randombytes_buf(rnd, sizeof(rnd));
			sodium_bin2hex(password, sizeof(password), rnd, sizeof(rnd));
			memcpy(u.display_name, in.display_name, sizeof(u.display_name));
			memcpy(u.email, in.email, sizeof(u.email));
			u.role = in.role;
			u.active = 1;
			if ((rc = svc_user_create(im->st, im->a, &u, password, im->e)))
				return inpart(im, "users", i, rc);
			out = u;
		} else if (rc) {
			return inpart(im, "users", i, rc);
		}
		if ((rc = svc_user_update(im->st, im->a, out.id, 0, &in, &out, im->e)))
			return inpart(im, "users", i, rc);
		im->res->users++;
	}
	return svc_user_list(im->st, im->a, &im->users, im->e);
}

static int do_stages(struct imp *im, json_t *arr)
{
	struct stage_list have = {0};
	int64_t *order = NULL;
	size_t i, n = 0;
	json_t *o;
	int rc;

	if ((rc = svc_stage_list(im->st, im->a, &have, im->e)))
		return rc;
	if (!(order = calloc(json_array_size(arr) + have.n + 1, sizeof(*order)))) {
		rc = errinfo_set(im->e, ERR_NOMEM, "server.nomem", NULL, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, o)
	{
		struct stage_input in;
		struct stage out;
		char kind[16];
		json_t *sd = json_object_get(o, "stalled_days");
		size_t k;

		memset(&in, 0, sizeof(in));
		str(o, "key", in.key, sizeof(in.key));
		str(o, "name_zh", in.name_zh, sizeof(in.name_zh));
		str(o, "name_en", in.name_en, sizeof(in.name_en));
		str(o, "guidance", in.guidance, sizeof(in.guidance));
		str(o, "kind", kind, sizeof(kind));
		in.probability = (int)num(o, "probability");
		in.stalled_days = json_is_integer(sd) ? (int)json_integer_value(sd) : -1;
		if (!in.key[0] || stage_kind_parse(kind, &in.kind)) {
			rc = bad(im, "stages", i, "a stage needs a key and a kind");
			goto out;
		}
		in.set = STAGE_SET_NAME_ZH | STAGE_SET_NAME_EN | STAGE_SET_GUIDANCE |
			 STAGE_SET_PROBABILITY | STAGE_SET_KIND | STAGE_SET_STALLED;
		for (k = 0; k < have.n && strcmp(have.v[k].key, in.key); k++)
			;
		if (k < have.n) {
			rc = svc_stage_update(im->st, im->a, have.v[k].id, 0, &in, &out, im->e);
			have.v[k].id = -have.v[k].id; /* kept */
		} else {
			in.set |= STAGE_SET_KEY;
			rc = svc_stage_create(im->st, im->a, &in, &out, im->e);
		}
		if (rc) {
			rc = inpart(im, "stages", i, rc);
			goto out;
		}
		order[n++] = out.id;
		im->res->stages++;
	}
	/* The workspace's own stages the document does not name: gone, unless in use. */
	for (i = 0; i < have.n; i++) {
		if (have.v[i].id < 0)
			continue;
		rc = svc_stage_delete(im->st, im->a, have.v[i].id, 0, im->e);
		if (rc == ERR_INUSE)
			order[n++] = have.v[i].id;
		else if (rc)
			goto out;
	}
	memset(im->e, 0, sizeof(*im->e));
	rc = n ? svc_stage_reorder(im->st, im->a, order, n, im->e) : 0;
out:
	free(order);
	stage_list_release(&have);
	return rc;
}

/* company_named finds the workspace's company called name into *out; ERR_CONFLICT when none. */
static int company_named(struct imp *im, const char *name, struct company *out)
{
	struct company_list cl = {0};
	struct company_filter f;
	int rc;

	memset(&f, 0, sizeof(f));
	snprintf(f.q, sizeof(f.q), "%s", name);
	if ((rc = svc_company_list(im->st, im->a, &f, &cl, im->e)))
		return rc;
	rc = ERR_CONFLICT;
	for (size_t i = 0; i < cl.n && rc; i++)
		if (!strcmp(cl.v[i].name, name)) {
			*out = cl.v[i];
			rc = 0;
		}
	company_list_release(&cl);
	return rc;
}

static int do_companies(struct imp *im, json_t *arr)
{
	size_t i, k;
	json_t *o, *c;
	int rc;

	json_array_foreach(arr, i, o)
	{
		struct company_input in;
		struct company out;

		memset(&in, 0, sizeof(in));
		in.set = COMPANY_SET_NAME | COMPANY_SET_WEBSITE | COMPANY_SET_PHONE;
		str(o, "name", in.name, sizeof(in.name));
		str(o, "website", in.website, sizeof(in.website));
		str(o, "phone", in.phone, sizeof(in.phone));
		/*
		 * --force: a company of that name may be there already. Looked up
		 * first: on PostgreSQL a failed insert would end the transaction.
		 */
		rc = im->force ? company_named(im, in.name, &out) : ERR_CONFLICT;
		if (rc == ERR_CONFLICT)
			rc = svc_company_create(im->st, im->a, &in, &out, im->e);
		if (rc)
			return inpart(im, "companies", i, rc);
		if (idmap_put(&im->company, num(o, "id"), out.id))
			return ERR_NOMEM;
		im->res->companies++;
		json_array_foreach(json_object_get(o, "contacts"), k, c)
		{
			struct contact_input ci;
			struct contact co;

			memset(&ci, 0, sizeof(ci));
			ci.set = CONTACT_SET_COMPANY | CONTACT_SET_NAME | CONTACT_SET_TITLE |
				 CONTACT_SET_PHONE | CONTACT_SET_EMAIL;
			ci.company_id = out.id;
			str(c, "name", ci.name, sizeof(ci.name));
			str(c, "title", ci.title, sizeof(ci.title));
			str(c, "phone", ci.phone, sizeof(ci.phone));
			str(c, "email", ci.email, sizeof(ci.email));
			if ((rc = svc_contact_create(im->st, im->a, &ci, &co, im->e)))
				return inpart(im, "contacts", k, rc);
			im->res->contacts++;
		}
	}
	return 0;
}

/* stage_id finds the stage of key among the workspace's stages. */
static int64_t stage_id(const struct stage_list *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return l->v[i].id;
	return 0;
}

static int do_deals(struct imp *im, json_t *arr)
{
	struct stage_list sl = {0};
	struct history_row *rows = NULL;
	struct history_import_result hr;
	size_t i, k, nrows = 0, cap = 0;
	int64_t scale = 1;
	int digits = money_digits(im->ws.currency), rc;
	json_t *o, *h;

	if ((rc = svc_stage_list(im->st, im->a, &sl, im->e)))
		return rc;
	for (int d = 0; d < digits; d++)
		scale *= 10;
	json_array_foreach(arr, i, o)
	{
		struct deal d;
		char key[CAP_KEY + 1], owner[CAP_USERNAME + 1];
		const struct user *u;
		json_t *amount = json_object_get(o, "amount"), *p;

		memset(&d, 0, sizeof(d));
		str(o, "name", d.name, sizeof(d.name));
		str(o, "stage", key, sizeof(key));
		str(o, "owner", owner, sizeof(owner));
		str(o, "close_date", d.close_date, sizeof(d.close_date));
		str(o, "next_step", d.next_step, sizeof(d.next_step));
		memcpy(d.currency, im->ws.currency, sizeof(d.currency));
		d.company_id = idmap_get(&im->company, num(o, "company_id"));
		d.stage_id = stage_id(&sl, key);
		p = json_object_get(o, "probability_override");
		d.probability = json_is_integer(p) ? (int)json_integer_value(p) : -1;
		d.amount = (int64_t)llround(json_number_value(amount) * (double)scale);
		if (!(u = user_named(im, owner)) || !d.company_id || !d.stage_id ||
		    !json_is_number(amount) || d.amount < 0) {
			rc =
			    bad(im, "deals", i, "unknown company, stage or owner, or a bad amount");
			goto out;
		}
		d.owner_id = u->id;
		if ((rc = svc_import_deal_create(im->st, im->a, &im->ws, &d, NULL, im->e))) {
			rc = inpart(im, "deals", i, rc);
			goto out;
		}
		if ((rc = idmap_put(&im->deal, num(o, "id"), d.id)))
			goto out;
		if (++im->res->deals % 1024 == 0 && im->progress)
			im->progress(im->progress_ctx, im->res->deals, json_array_size(arr));
		json_array_foreach(json_object_get(o, "history"), k, h)
		{
			struct history_row *r;

			if (nrows == cap) {
				void *nv =
				    realloc(rows, (cap = cap ? cap * 2 : 1024) * sizeof(*rows));

				if (!nv) {
					rc = ERR_NOMEM;
					goto out;
				}
				rows = nv;
			}
			r = &rows[nrows++];
			memset(r, 0, sizeof(*r));
			r->row = nrows + 1;
			snprintf(r->deal_id, sizeof(r->deal_id), "%lld", (long long)d.id);
			str(h, "to_stage", r->stage, sizeof(r->stage));
			str(h, "changed_at", r->changed_at, sizeof(r->changed_at));
			str(h, "changed_by_username", r->by, sizeof(r->by));
		}
	}
	/* The stage history as it was, replacing the first row each new deal got. */
	if (nrows && (rc = svc_history_import(im->st, im->a, rows, nrows, 0, &hr, im->e))) {
		rc = inpart(im, "history", hr.error_row ? hr.error_row - 2 : 0, rc);
		goto out;
	}
	im->res->history = nrows;
out:
	free(rows);
	stage_list_release(&sl);
	return rc;
}

static int do_notes(struct imp *im, json_t *arr)
{
	size_t i, k, n = json_array_size(arr);
	json_t *o, *t, *d;
	int rc;

	/* The document lists notes newest first: the oldest is created first. */
	for (i = n; i-- > 0;) {
		struct note_input in;
		struct note out;

		o = json_array_get(arr, i);
		memset(&in, 0, sizeof(in));
		in.set = NOTE_SET_COMPANY | NOTE_SET_TITLE | NOTE_SET_BODY | NOTE_SET_TAGS;
		in.company_id = idmap_get(&im->company, num(o, "company_id"));
		str(o, "title", in.title, sizeof(in.title));
		str(o, "body", in.body, sizeof(in.body));
		str(o, "author", in.author, sizeof(in.author));
		str(o, "created_at", in.created_at, sizeof(in.created_at));
		if (in.author[0])
			in.set |= NOTE_SET_AUTHOR;
		json_array_foreach(json_object_get(o, "tags"), k, t)
		{
			if (in.ntags < NOTE_TAGS_MAX)
				snprintf(in.tags[in.ntags++], sizeof(in.tags[0]), "%s",
					 json_string_value(t) ? json_string_value(t) : "");
		}
		if (!in.company_id)
			return bad(im, "notes", i, "unknown company");
		if ((rc = svc_note_create(im->st, im->a, &in, &out, im->e)))
			return inpart(im, "notes", i, rc);
		im->res->notes++;
		json_array_foreach(json_object_get(o, "deals"), k, d)
		{
			int64_t deal = idmap_get(&im->deal, json_integer_value(d));

			if (!deal)
				return bad(im, "notes", i, "cites an unknown deal");
			if ((rc = svc_note_cite(im->st, im->a, deal, out.id, im->e)))
				return inpart(im, "notes", i, rc);
			im->res->citations++;
		}
	}
	return 0;
}

/* view_named sets *yes when the actor owns a view called name. */
static int view_named(struct imp *im, const struct actor *a, const char *name, int *yes)
{
	struct saved_view_list vl = {0};
	int rc = svc_view_list(im->st, a, &vl, im->e);

	*yes = 0;
	for (size_t i = 0; rc == 0 && i < vl.n; i++)
		if (vl.v[i].owner_id == a->user_id && !strcmp(vl.v[i].name, name))
			*yes = 1;
	saved_view_list_release(&vl);
	return rc;
}

static int do_views(struct imp *im, json_t *arr)
{
	size_t i;
	json_t *o;
	int rc;

	json_array_foreach(arr, i, o)
	{
		struct view_input in;
		struct saved_view out;
		char owner[CAP_USERNAME + 1];
		const struct user *u;
		struct actor a;
		int yes = 0;

		memset(&in, 0, sizeof(in));
		str(o, "owner", owner, sizeof(owner));
		str(o, "name", in.name, sizeof(in.name));
		str(o, "filter", in.filter, sizeof(in.filter));
		in.shared = json_is_true(json_object_get(o, "shared"));
		in.set = VIEW_SET_NAME | VIEW_SET_SHARED | VIEW_SET_FILTER;
		if (!(u = user_named(im, owner)))
			return bad(im, "views", i, "unknown owner");
		a = actor_of(im, u);
		if (im->force && (rc = view_named(im, &a, in.name, &yes)))
			return rc;
		if (yes)
			continue; /* --force: the owner has a view of that name */
		if ((rc = svc_view_create(im->st, &a, &in, &out, im->e)))
			return inpart(im, "views", i, rc);
		im->res->views++;
	}
	return 0;
}

/* empty: 1 when the workspace holds no companies, deals or notes. */
static int empty(struct imp *im, int *yes)
{
	struct company_list cl = {0};
	struct deal_list dl = {0};
	struct note_list nl = {0};
	struct company_filter cf;
	struct deal_filter df;
	struct note_filter nf;
	int rc;

	memset(&cf, 0, sizeof(cf));
	cf.limit = 1;
	deal_filter_init(&df);
	df.limit = 1;
	memset(&nf, 0, sizeof(nf));
	nf.limit = 1;
	if ((rc = svc_company_list(im->st, im->a, &cf, &cl, im->e)) ||
	    (rc = svc_deal_list(im->st, im->a, &df, 0, &dl, im->e)))
		goto out;
	rc = svc_note_list(im->st, im->a, &nf, &nl, im->e);
	if (rc == ERR_INVALID) /* a backend without notes */
		rc = 0;
	*yes = cl.n == 0 && dl.n == 0 && nl.n == 0;
out:
	company_list_release(&cl);
	deal_list_release(&dl);
	note_list_release(&nl);
	return rc;
}

int import_all(struct store *st, const struct actor *a, json_t *doc, int force,
	       import_all_progress progress, void *progress_ctx, struct import_all_result *res,
	       struct errinfo *e)
{
	struct imp im;
	json_t *deals = json_object_get(doc, "deals");
	json_int_t version = json_integer_value(json_object_get(doc, "litecrm_export"));
	int rc, yes = 0;

	memset(res, 0, sizeof(*res));
	memset(&im, 0, sizeof(im));
	im.st = st;
	im.a = a;
	im.e = e;
	im.res = res;
	im.force = force;
	im.progress = progress;
	im.progress_ctx = progress_ctx;
	if (!json_is_object(doc) || version < 1)
		return errinfo_set(e, ERR_INVALID, "import.document_invalid", NULL,
				   "not a litecrm export (no \"litecrm_export\" version)");
	if (version > EXPORT_ALL_VERSION)
		return errinfo_set(e, ERR_INVALID, "import.document_version", NULL,
				   "export format %lld is newer than this litecrm reads (%d)",
				   (long long)version, EXPORT_ALL_VERSION);
	if (!a->system)
		return errinfo_set(e, ERR_FORBIDDEN, "import.forbidden", NULL,
				   "only the operator imports a whole workspace");
	if ((rc = empty(&im, &yes)))
		return rc;
	if (!yes && !force)
		return errinfo_set(e, ERR_CONFLICT, "import.workspace_not_empty", NULL,
				   "the workspace already holds companies, deals or notes: import "
				   "into a new database, or add --force to import beside them");
	if ((rc = svc_bulk_begin(st, json_array_size(deals), e)))
		return rc;
	if (!(rc = svc_workspace_get(st, a, &im.ws, e)) &&
	    !(rc = do_settings(&im, json_object_get(doc, "workspace"))) &&
	    !(rc = do_users(&im, json_object_get(doc, "users"))) &&
	    !(rc = do_stages(&im, json_object_get(doc, "stages"))) &&
	    !(rc = do_companies(&im, json_object_get(doc, "companies"))) &&
	    !(rc = do_deals(&im, deals)) && !(rc = do_notes(&im, json_object_get(doc, "notes"))))
		rc = do_views(&im, json_object_get(doc, "views"));
	if (rc == ERR_NOMEM && !e->message[0])
		errinfo_set(e, rc, "server.nomem", NULL, "out of memory");
	rc = svc_batch_end(st, rc, e);
	if (rc)
		memset(res, 0, sizeof(*res));
	else if (progress)
		progress(progress_ctx, 1, 1);
	user_list_release(&im.users);
	idmap_free(&im.company);
	idmap_free(&im.deal);
	return rc;
}
