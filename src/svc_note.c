/*
 * svc_note.c - the customer notebook (notes, tags, citations) and search
 * (svc_note.h).
 *
 * Notes follow their company's visibility. Search parses the query once
 * (search.c), resolves author: and company: terms to ids by matching users
 * and companies in C, lets the store find and rank the notes, and marks the
 * matches in titles and snippets with search_mark(), so every backend
 * highlights alike. Companies, contacts and deals are read and matched in C
 * with search_doc_match() (at most SEARCH_SCAN_MAX companies and deals; the
 * workspace's contacts in one read, kept when their company is visible).
 * Bulk creation (svc_note_bulk_*) defers the index to one write per batch.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "svc_audit.h"
#include "svc_int.h"
#include "svc_note.h"
#include "text.h"

/* ---- checks ---- */

/* has_controls: 1 when s holds a C0 control other than tab, newline and return. */
static int has_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
			return 1;
	return 0;
}

static int check_field(const char *s, const char *field, struct errinfo *e)
{
	char code[64];

	if (!has_controls(s))
		return 0;
	snprintf(code, sizeof(code), "note.%s_invalid", field);
	return errinfo_set(e, ERR_INVALID, code, field, "%s holds control characters", field);
}

static int note_apply_set(struct store *st, const struct actor *a, struct note *n,
			  const struct note_input *in, unsigned set, struct errinfo *e)
{
	int rc;

	if (set & NOTE_SET_TITLE) {
		if ((rc =
			 copy_text(n->title, sizeof(n->title), in->title, "note", "title", 1, e)) ||
		    (rc = check_field(n->title, "title", e)))
			return rc;
	}
	if (set & NOTE_SET_BODY) {
		size_t len = strlen(in->body);

		if (len > CAP_NOTE_BODY)
			return errinfo_set(e, ERR_INVALID, "note.body_too_long", "body",
					   "body is longer than %d bytes", CAP_NOTE_BODY);
		if (!utf8_valid(in->body, len))
			return errinfo_set(e, ERR_INVALID, "note.body_invalid", "body",
					   "body is not valid UTF-8");
		if ((rc = check_field(in->body, "body", e)))
			return rc;
		memcpy(n->body, in->body, len + 1);
	}
	if (set & NOTE_SET_TAGS) {
		if (in->ntags > NOTE_TAGS_MAX)
			return errinfo_set(e, ERR_INVALID, "note.tags_too_many", "tags",
					   "a note has at most %d tags", NOTE_TAGS_MAX);
		n->ntags = 0;
		for (int i = 0; i < in->ntags; i++) {
			char *t = n->tags[n->ntags];

			if ((rc = copy_text(t, CAP_TAG + 1, in->tags[i], "note", "tags", 0, e)) ||
			    (rc = check_field(t, "tags", e)))
				return rc;
			if (t[0])
				n->ntags++;
		}
	}
	if (set & NOTE_SET_COMPANY) {
		struct company co;

		if (in->company_id) {
			rc = st->ops->company_get(st, a->workspace_id, in->company_id, &co);
		} else {
			char name[CAP_NAME + 1];

			if (text_trim_copy(name, sizeof(name), in->company) != 0 || !name[0])
				return errinfo_set(e, ERR_INVALID, "note.company_required",
						   "company", "company is required");
			rc = st->ops->company_get_by_name(st, a->workspace_id, name, &co);
		}
		if (rc == ERR_NOTFOUND)
			return errinfo_set(e, ERR_INVALID, "note.company_unknown",
					   in->company_id ? "company_id" : "company",
					   "no company '%s'",
					   in->company_id ? "(id)" : in->company);
		if (rc)
			return fail_std(e, rc, "company");
		n->company_id = co.id;
	}
	if (set & NOTE_SET_AUTHOR) {
		struct user u;

		if (!a->system)
			return fail_std(e, ERR_FORBIDDEN, "note");
		rc = st->ops->user_get_by_name(st, a->workspace_id, in->author, &u, NULL, 0);
		if (rc == ERR_NOTFOUND)
			return errinfo_set(e, ERR_INVALID, "note.author_unknown", "author",
					   "no user '%s'", in->author);
		if (rc)
			return fail_std(e, rc, "user");
		n->author_id = u.id;
	}
	return 0;
}

static int note_apply(struct store *st, const struct actor *a, struct note *n,
		      const struct note_input *in, struct errinfo *e)
{
	return note_apply_set(st, a, n, in, in->set, e);
}

/* note_writable: the author, managers and admins. */
static int note_writable(const struct actor *a, const struct note *n)
{
	return is_privileged(a) || (a->user_id && n->author_id == a->user_id);
}

static int note_visible(struct store *st, const struct actor *a, const struct workspace *w,
			const struct note *n)
{
	return company_visible(st, a, w, n->company_id);
}

/* ---- notes ---- */

static int note_create_tx(struct store *st, const struct actor *a, const struct note_input *in,
			  struct note *n, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)) || (rc = note_apply(st, a, n, in, e)))
		return rc;
	if ((rc = note_visible(st, a, &w, n)))
		return fail_std(e, rc, "note");
	if ((rc = st->ops->note_create(st, n)))
		return fail_std(e, rc, "note");
	/* Read back the joined names. */
	return fail_std(e, st->ops->note_get(st, a->workspace_id, n->id, n), "note");
}

int svc_note_create(struct store *st, const struct actor *a, const struct note_input *in,
		    struct note *out, struct errinfo *e)
{
	struct note *n;
	int rc;

	if (!(in->set & NOTE_SET_COMPANY))
		return errinfo_set(e, ERR_INVALID, "note.company_required", "company",
				   "company is required");
	if (!(in->set & NOTE_SET_TITLE))
		return errinfo_set(e, ERR_INVALID, "note.title_required", "title",
				   "title is required");
	if (!(n = calloc(1, sizeof(*n))))
		return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
	n->workspace_id = a->workspace_id;
	n->author_id = a->user_id;
	memcpy(n->created_at, in->created_at, TS_LEN);
	n->created_at[TS_LEN - 1] = '\0';
	WITH_TX(st, STORE_TX_ROWS, rc, note_create_tx(st, a, in, n, e));
	if (rc == 0)
		*out = *n;
	free(n);
	return rc;
}

static int note_get_tx(struct store *st, const struct actor *a, int64_t id, struct note *out,
		       struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	if ((rc = st->ops->note_get(st, a->workspace_id, id, out)))
		return fail_std(e, rc, "note");
	return fail_std(e, note_visible(st, a, &w, out), "note");
}

int svc_note_get(struct store *st, const struct actor *a, int64_t id, struct note *out,
		 struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, note_get_tx(st, a, id, out, e));
	return rc;
}

static int note_list_tx(struct store *st, const struct actor *a, struct note_filter *f,
			struct note_list *out, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	f->visible_to = is_privileged(a) || w.members_see_all ? 0 : a->user_id;
	if (f->company_id && (rc = company_visible(st, a, &w, f->company_id)))
		return fail_std(e, rc, "company");
	return fail_std(e, st->ops->note_list(st, a->workspace_id, f, out), "note");
}

int svc_note_list(struct store *st, const struct actor *a, struct note_filter *f,
		  struct note_list *out, struct errinfo *e)
{
	int rc;

	if (f->limit <= 0)
		f->limit = 50;
	if (f->limit > 500)
		f->limit = 500;
	if (f->offset < 0)
		f->offset = 0;
	WITH_TX(st, 0, rc, note_list_tx(st, a, f, out, e));
	return rc;
}

static int note_update_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			  const struct note_input *in, struct note *n, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = note_get_tx(st, a, id, n, e)))
		return rc;
	if (!note_writable(a, n))
		return fail_std(e, ERR_FORBIDDEN, "note");
	if (if_version && if_version != n->version)
		return fail_std(e, ERR_STALE, "note");
	if ((rc = note_apply(st, a, n, in, e)))
		return rc;
	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	if (in->set & NOTE_SET_COMPANY && (rc = note_visible(st, a, &w, n)))
		return fail_std(e, rc, "note");
	if ((rc = row_raced(st->ops->note_update(st, n), if_version)))
		return fail_std(e, rc, "note");
	return fail_std(e, st->ops->note_get(st, a->workspace_id, n->id, n), "note");
}

int svc_note_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct note_input *in, struct note *out, struct errinfo *e)
{
	struct note *n;
	int rc;

	if (in->set & NOTE_SET_AUTHOR)
		return errinfo_set(e, ERR_INVALID, "note.author_readonly", "author",
				   "the author of a note cannot change");
	if (!(n = calloc(1, sizeof(*n))))
		return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
	WITH_TX(st, STORE_TX_ROWS, rc, note_update_tx(st, a, id, if_version, in, n, e));
	if (rc == 0)
		*out = *n;
	free(n);
	return rc;
}

static int note_delete_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			  struct note *n, struct errinfo *e)
{
	int rc;

	if ((rc = note_get_tx(st, a, id, n, e)))
		return rc;
	if (!note_writable(a, n))
		return fail_std(e, ERR_FORBIDDEN, "note");
	if (if_version && if_version != n->version)
		return fail_std(e, ERR_STALE, "note");
	if ((rc = st->ops->note_delete(st, a->workspace_id, id)))
		return fail_std(e, rc, "note");
	return fail_std(e,
			svc_audit_add(st, a, "note.delete", "note", id, "{s:s,s:I}", "title",
				      n->title, "company_id", (json_int_t)n->company_id),
			"audit");
}

int svc_note_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    struct errinfo *e)
{
	struct note *n;
	int rc;

	if (!(n = calloc(1, sizeof(*n))))
		return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
	WITH_TX(st, STORE_TX_WRITE, rc, note_delete_tx(st, a, id, if_version, n, e));
	free(n);
	return rc;
}

/* ---- bulk creation ---- */

/* The companies and users a bulk creation has looked up, by name or id. */
#define BULK_CACHE 64
struct bulk_name {
	char name[CAP_NAME + 1];
	int64_t id;
};

struct note_bulk {
	struct store *st;
	const struct actor *a;
	struct workspace w;
	int deferred;
	struct note n;
	struct bulk_name co[BULK_CACHE], user[BULK_CACHE];
	size_t nco, nuser, nextco, nextuser;
	size_t created; /* for the audit log */
};

static const struct bulk_name *bulk_find(const struct bulk_name *v, size_t n, const char *name,
					 int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (name ? strcmp(v[i].name, name) == 0 : v[i].id == id)
			return &v[i];
	return NULL;
}

static void bulk_keep(struct bulk_name *v, size_t *n, size_t *next, const char *name, int64_t id)
{
	struct bulk_name *b = &v[*n < BULK_CACHE ? (*n)++ : (*next)++ % BULK_CACHE];

	snprintf(b->name, sizeof(b->name), "%s", name);
	b->id = id;
}

int svc_note_bulk_begin(struct store *st, const struct actor *a, struct note_bulk **out,
			struct errinfo *e)
{
	struct note_bulk *b;
	int rc;

	*out = NULL;
	if (!(b = calloc(1, sizeof(*b))))
		return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
	b->st = st;
	b->a = a;
	if ((rc = svc_batch_begin(st, e))) {
		free(b);
		return rc;
	}
	if ((rc = load_ws(st, a, &b->w, e)) ||
	    (st->ops->note_index_defer && (rc = st->ops->note_index_defer(st, 1)))) {
		svc_batch_end(st, rc, e);
		free(b);
		return fail_std(e, rc, "note");
	}
	b->deferred = st->ops->note_index_defer != NULL;
	*out = b;
	return 0;
}

/* bulk_company resolves the company of in (cached), checking the actor may see it. */
static int bulk_company(struct note_bulk *b, const struct note_input *in, int64_t *id,
			struct errinfo *e)
{
	struct company co;
	char name[CAP_NAME + 1] = "";
	const struct bulk_name *hit;
	int rc;

	if (!in->company_id) {
		if (text_trim_copy(name, sizeof(name), in->company) != 0 || !name[0])
			return errinfo_set(e, ERR_INVALID, "note.company_required", "company",
					   "company is required");
	}
	hit = in->company_id ? bulk_find(b->co, b->nco, NULL, in->company_id)
			     : bulk_find(b->co, b->nco, name, 0);
	if (hit) {
		*id = hit->id;
		return 0;
	}
	rc = in->company_id
		 ? b->st->ops->company_get(b->st, b->a->workspace_id, in->company_id, &co)
		 : b->st->ops->company_get_by_name(b->st, b->a->workspace_id, name, &co);
	if (rc == ERR_NOTFOUND)
		return errinfo_set(e, ERR_INVALID, "note.company_unknown",
				   in->company_id ? "company_id" : "company", "no company '%s'",
				   in->company_id ? "(id)" : in->company);
	if (rc || (rc = company_visible(b->st, b->a, &b->w, co.id)))
		return fail_std(e, rc, "company");
	/* Kept by the key it was asked by: a name, or an id (name ""). */
	bulk_keep(b->co, &b->nco, &b->nextco, in->company_id ? "" : name, co.id);
	*id = co.id;
	return 0;
}

static int bulk_author(struct note_bulk *b, const char *username, int64_t *id, struct errinfo *e)
{
	const struct bulk_name *hit = bulk_find(b->user, b->nuser, username, 0);
	struct user u;
	int rc;

	if (!b->a->system)
		return fail_std(e, ERR_FORBIDDEN, "note");
	if (hit) {
		*id = hit->id;
		return 0;
	}
	rc = b->st->ops->user_get_by_name(b->st, b->a->workspace_id, username, &u, NULL, 0);
	if (rc == ERR_NOTFOUND)
		return errinfo_set(e, ERR_INVALID, "note.author_unknown", "author", "no user '%s'",
				   username);
	if (rc)
		return fail_std(e, rc, "user");
	bulk_keep(b->user, &b->nuser, &b->nextuser, username, u.id);
	*id = u.id;
	return 0;
}

int svc_note_bulk_add(struct note_bulk *b, const struct note_input *in, int64_t *id,
		      struct errinfo *e)
{
	struct note *n = &b->n;
	int rc;

	if (!(in->set & NOTE_SET_COMPANY))
		return errinfo_set(e, ERR_INVALID, "note.company_required", "company",
				   "company is required");
	if (!(in->set & NOTE_SET_TITLE))
		return errinfo_set(e, ERR_INVALID, "note.title_required", "title",
				   "title is required");
	memset(n, 0, offsetof(struct note, body));
	n->body[0] = '\0';
	n->ntags = 0;
	n->version = 0;
	n->updated_at[0] = '\0';
	n->workspace_id = b->a->workspace_id;
	n->author_id = b->a->user_id;
	memcpy(n->created_at, in->created_at, TS_LEN);
	n->created_at[TS_LEN - 1] = '\0';
	if ((rc = bulk_company(b, in, &n->company_id, e)))
		return rc;
	if (in->set & NOTE_SET_AUTHOR && (rc = bulk_author(b, in->author, &n->author_id, e)))
		return rc;
	if ((rc = note_apply_set(b->st, b->a, n, in,
				 in->set & ~(unsigned)(NOTE_SET_COMPANY | NOTE_SET_AUTHOR), e)))
		return rc;
	if ((rc = b->st->ops->note_create(b->st, n)))
		return fail_std(e, rc, "note");
	b->created++;
	if (id)
		*id = n->id;
	return 0;
}

int svc_note_bulk_end(struct note_bulk *b, int rc, struct errinfo *e)
{
	if (!b)
		return rc;
	if (b->deferred) {
		int r = b->st->ops->note_index_defer(b->st, rc ? -1 : 0);

		if (!rc && r)
			rc = fail_std(e, r, "note");
	}
	if (!rc && (rc = svc_audit_add(b->st, b->a, "import", "", 0, "{s:s,s:I}", "kind", "notes",
				       "created", (json_int_t)b->created)))
		rc = fail_std(e, rc, "audit");
	rc = svc_batch_end(b->st, rc, e);
	free(b);
	return rc;
}

/* ---- citations ---- */

static int deal_for_cite(struct store *st, const struct actor *a, int64_t deal_id, int write,
			 struct workspace *w, struct errinfo *e)
{
	struct deal d;
	int rc;

	if ((rc = load_ws(st, a, w, e)))
		return rc;
	if ((rc = st->ops->deal_get(st, a->workspace_id, deal_id, &d)))
		return fail_std(e, rc, "deal");
	if (!(write ? deal_writable(a, &d) : deal_visible(a, w, &d)))
		return fail_std(e, ERR_FORBIDDEN, "deal");
	return 0;
}

static int cite_tx(struct store *st, const struct actor *a, int64_t deal_id, int64_t note_id,
		   int cite, struct note *n, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = deal_for_cite(st, a, deal_id, 1, &w, e)))
		return rc;
	if (!cite) {
		rc = st->ops->note_uncite(st, a->workspace_id, deal_id, note_id);
		if (rc == ERR_NOTFOUND)
			return errinfo_set(e, rc, "note.not_cited", "note_id",
					   "deal %lld does not cite note %lld", (long long)deal_id,
					   (long long)note_id);
		return fail_std(e, rc, "note");
	}
	rc = st->ops->note_get(st, a->workspace_id, note_id, n);
	if (rc == ERR_NOTFOUND)
		return errinfo_set(e, ERR_INVALID, "note.unknown", "note_id", "no note %lld",
				   (long long)note_id);
	if (rc || (rc = note_visible(st, a, &w, n)))
		return fail_std(e, rc, "note");
	return fail_std(e, st->ops->note_cite(st, a->workspace_id, deal_id, note_id, a->user_id),
			"note");
}

static int cite(struct store *st, const struct actor *a, int64_t deal_id, int64_t note_id, int on,
		struct errinfo *e)
{
	struct note *n;
	int rc;

	if (!(n = calloc(1, sizeof(*n))))
		return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
	WITH_TX(st, STORE_TX_WRITE, rc, cite_tx(st, a, deal_id, note_id, on, n, e));
	free(n);
	return rc;
}

int svc_note_cite(struct store *st, const struct actor *a, int64_t deal_id, int64_t note_id,
		  struct errinfo *e)
{
	return cite(st, a, deal_id, note_id, 1, e);
}

int svc_note_uncite(struct store *st, const struct actor *a, int64_t deal_id, int64_t note_id,
		    struct errinfo *e)
{
	return cite(st, a, deal_id, note_id, 0, e);
}

static int deal_notes_tx(struct store *st, const struct actor *a, int64_t deal_id,
			 struct note_list *out, struct errinfo *e)
{
	struct workspace w;
	struct id_list ids = {0};
	struct note *v = NULL;
	size_t n = 0;
	int rc;

	if ((rc = deal_for_cite(st, a, deal_id, 0, &w, e)))
		return rc;
	if ((rc = st->ops->deal_note_ids(st, a->workspace_id, deal_id, &ids)))
		return fail_std(e, rc, "note");
	if (ids.n && !(v = calloc(ids.n, sizeof(*v)))) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		if ((rc = st->ops->note_get(st, a->workspace_id, ids.v[i], &v[n])))
			goto out;
		rc = note_visible(st, a, &w, &v[n]);
		if (rc == ERR_FORBIDDEN)
			continue;
		if (rc)
			goto out;
		n++;
	}
	out->v = v;
	out->n = n;
	v = NULL;
out:
	free(v);
	id_list_release(&ids);
	return fail_std(e, rc, "note");
}

int svc_deal_notes(struct store *st, const struct actor *a, int64_t deal_id, struct note_list *out,
		   struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, deal_notes_tx(st, a, deal_id, out, e));
	return rc;
}

static int note_deals_tx(struct store *st, const struct actor *a, int64_t note_id, struct note *n,
			 struct deal_list *out, struct errinfo *e)
{
	struct workspace w;
	struct id_list ids = {0};
	struct deal *v = NULL;
	size_t k = 0;
	int rc;

	if ((rc = note_get_tx(st, a, note_id, n, e)) || (rc = load_ws(st, a, &w, e)))
		return rc;
	if ((rc = st->ops->note_deal_ids(st, a->workspace_id, note_id, &ids)))
		return fail_std(e, rc, "note");
	if (ids.n && !(v = calloc(ids.n, sizeof(*v)))) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < ids.n; i++) {
		if ((rc = st->ops->deal_get(st, a->workspace_id, ids.v[i], &v[k])))
			goto out;
		if (deal_visible(a, &w, &v[k]))
			k++;
	}
	out->v = v;
	out->n = k;
	out->total = (int64_t)k;
	v = NULL;
out:
	free(v);
	id_list_release(&ids);
	return fail_std(e, rc, "deal");
}

int svc_note_deals(struct store *st, const struct actor *a, int64_t note_id, struct deal_list *out,
		   struct errinfo *e)
{
	struct note *n;
	int rc;

	if (!(n = calloc(1, sizeof(*n))))
		return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
	WITH_TX(st, 0, rc, note_deals_tx(st, a, note_id, n, out, e));
	free(n);
	return rc;
}

/* ---- search ---- */

void search_result_release(struct search_result *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

struct hits {
	struct search_result *r;
	size_t cap;
};

static struct search_hit *hit_new(struct hits *h)
{
	if (h->r->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 32;
		struct search_hit *v = realloc(h->r->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		h->r->v = v;
		h->cap = cap;
	}
	memset(&h->r->v[h->r->n], 0, sizeof(h->r->v[0]));
	return &h->r->v[h->r->n++];
}

/* resolve fills the ids of author: and company: atoms. */
static int resolve(struct store *st, const struct actor *a, struct search_query *q)
{
	struct user_list users = {0};
	struct company_list cos = {0};
	int need_users = 0, need_cos = 0, rc = 0;

	for (size_t i = 0; i < q->n; i++) {
		need_users |= q->atom[i].field == SEARCH_AUTHOR;
		need_cos |= q->atom[i].field == SEARCH_COMPANY;
	}
	if (need_users && (rc = st->ops->user_list(st, a->workspace_id, &users)))
		goto out;
	if (need_cos) {
		struct company_filter f = {.limit = SEARCH_SCAN_MAX};

		if ((rc = st->ops->company_list(st, a->workspace_id, &f, &cos)))
			goto out;
	}
	for (size_t i = 0; i < q->n; i++) {
		struct search_atom *at = &q->atom[i];
		size_t n = at->field == SEARCH_AUTHOR	 ? users.n
			   : at->field == SEARCH_COMPANY ? cos.n
							 : 0;

		if (at->field != SEARCH_AUTHOR && at->field != SEARCH_COMPANY)
			continue;
		free(at->ids);
		at->nids = 0;
		if (n && !(at->ids = malloc(n * sizeof(int64_t)))) {
			rc = ERR_NOMEM;
			goto out;
		}
		for (size_t k = 0; k < n; k++) {
			struct search_doc d = {0};
			int m;

			if (at->field == SEARCH_AUTHOR) {
				d.author = users.v[k].username;
				d.author_name = users.v[k].display_name;
			} else {
				d.company = cos.v[k].name;
			}
			if ((m = search_atom_match(at, &d)) < 0) {
				rc = m;
				goto out;
			}
			if (m)
				at->ids[at->nids++] =
				    at->field == SEARCH_AUTHOR ? users.v[k].id : cos.v[k].id;
		}
	}
out:
	user_list_release(&users);
	company_list_release(&cos);
	return rc;
}

static int mark_hit(struct search_hit *h, const struct search_query *q, const char *title,
		    const char *body)
{
	int rc = search_mark(q, SEARCH_TITLE, title, 0, h->title, sizeof(h->title));

	if (!rc && body)
		rc = search_mark(q, SEARCH_BODY, body, SEARCH_SNIPPET_UNITS, h->snippet,
				 sizeof(h->snippet));
	return rc;
}

static int search_notes(struct store *st, const struct actor *a, const struct workspace *w,
			struct search_query *q, int limit, int offset, int ids_only, struct hits *h)
{
	struct note_search ns = {.q = q, .limit = limit, .offset = offset};
	struct note_hits nh = {0};
	struct note_list many = {0};
	struct note *n = NULL;
	int rc;

	ns.visible_to = is_privileged(a) || w->members_see_all ? 0 : a->user_id;
	ns.count_max = ids_only ? 0 : SEARCH_COUNT_EXACT;
	if ((rc = resolve(st, a, q)) || (rc = st->ops->note_search(st, a->workspace_id, &ns, &nh)))
		goto out;
	h->r->total[3] = nh.total;
	if (nh.total_estimated)
		h->r->estimated |= SEARCH_KIND_NOTE;
	if (ids_only) {
		for (size_t i = 0; i < nh.n; i++) {
			struct search_hit *hit = hit_new(h);

			if (!hit) {
				rc = ERR_NOMEM;
				goto out;
			}
			hit->kind = SEARCH_KIND_NOTE;
			hit->id = nh.id[i];
		}
		goto out;
	}
	if (st->ops->note_get_many) {
		/* The page's notes in one read. */
		if ((rc = st->ops->note_get_many(st, a->workspace_id, nh.id, nh.n, &many)))
			goto out;
		if (many.n != nh.n) {
			rc = ERR_NOTFOUND;
			goto out;
		}
	} else if (!(n = malloc(sizeof(*n)))) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < nh.n; i++) {
		struct search_hit *hit;

		if (many.v)
			n = &many.v[i];
		else if ((rc = st->ops->note_get(st, a->workspace_id, nh.id[i], n)))
			goto out;
		if (!(hit = hit_new(h))) {
			rc = ERR_NOMEM;
			goto out;
		}
		hit->kind = SEARCH_KIND_NOTE;
		hit->id = n->id;
		hit->company_id = n->company_id;
		snprintf(hit->company, sizeof(hit->company), "%s", n->company_name);
		snprintf(hit->author, sizeof(hit->author), "%s", n->author_username);
		memcpy(hit->updated_at, n->updated_at, TS_LEN);
		if ((rc = mark_hit(hit, q, n->title, n->body)))
			goto out;
	}
out:
	if (many.v)
		note_list_release(&many);
	else
		free(n);
	note_hits_release(&nh);
	return rc;
}

/*
 * scan_add keeps one matching record of another kind: title matches come
 * before body-only matches (two passes: pass 0 takes title matches).
 */
struct scan {
	struct hits *h;
	const struct search_query *q;
	enum search_kind kind;
	int limit, offset;
	int64_t count;
};

static int scan_one(struct scan *s, const struct search_doc *d, int64_t id, int64_t company_id,
		    const char *company, const char *author, const char *updated_at)
{
	struct search_hit *hit;
	int m = search_doc_match(s->q, d);

	if (m <= 0)
		return m;
	s->count++;
	if (s->count <= s->offset || s->count > (int64_t)s->offset + s->limit)
		return 0;
	if (!(hit = hit_new(s->h)))
		return ERR_NOMEM;
	hit->kind = s->kind;
	hit->id = id;
	hit->company_id = company_id;
	snprintf(hit->company, sizeof(hit->company), "%s", company ? company : "");
	snprintf(hit->author, sizeof(hit->author), "%s", author ? author : "");
	snprintf(hit->updated_at, sizeof(hit->updated_at), "%s", updated_at ? updated_at : "");
	return mark_hit(hit, s->q, d->title ? d->title : "", d->body);
}

/* A visible company by id, for contacts. */
struct co_ref {
	int64_t id;
	const struct company *co;
};

static int co_ref_cmp(const void *a, const void *b)
{
	int64_t x = ((const struct co_ref *)a)->id, y = ((const struct co_ref *)b)->id;

	return x < y ? -1 : x > y;
}

static int search_others(struct store *st, const struct actor *a, const struct workspace *w,
			 const struct search_query *q, unsigned kinds, int limit, int offset,
			 struct hits *h)
{
	struct company_list cos = {0};
	struct deal_list deals = {0};
	int64_t member = is_privileged(a) || w->members_see_all ? 0 : a->user_id;
	struct scan s = {h, q, 0, limit, offset, 0};
	int rc = 0;

	if (kinds & (SEARCH_KIND_COMPANY | SEARCH_KIND_CONTACT)) {
		struct company_filter f = {.limit = SEARCH_SCAN_MAX, .visible_to = member};

		if ((rc = st->ops->company_list(st, a->workspace_id, &f, &cos)))
			goto out;
	}
	if (kinds & SEARCH_KIND_COMPANY) {
		s.kind = SEARCH_KIND_COMPANY;
		s.count = 0;
		for (size_t i = 0; i < cos.n && !rc; i++) {
			const struct company *c = &cos.v[i];
			struct search_doc d = {
			    .title = c->name, .body = c->website, .company = c->name};

			rc = scan_one(&s, &d, c->id, c->id, c->name, NULL, c->updated_at);
		}
		h->r->total[0] = s.count;
	}
	if (!rc && kinds & SEARCH_KIND_CONTACT) {
		/* Every contact of the workspace in one read, kept when its company is visible. */
		struct contact_list cl = {0};
		struct co_ref *refs = NULL;

		s.kind = SEARCH_KIND_CONTACT;
		s.count = 0;
		if (cos.n && !(refs = malloc(cos.n * sizeof(*refs))))
			rc = ERR_NOMEM;
		for (size_t i = 0; refs && i < cos.n; i++)
			refs[i] = (struct co_ref){cos.v[i].id, &cos.v[i]};
		if (refs)
			if (cos.n > 1)
				qsort(refs, cos.n, sizeof(*refs), co_ref_cmp);
		if (!rc && cos.n)
			rc = st->ops->contact_list(st, a->workspace_id, 0, &cl);
		for (size_t k = 0; k < cl.n && !rc; k++) {
			const struct contact *c = &cl.v[k];
			struct co_ref key = {c->company_id, NULL};
			const struct co_ref *r =
			    bsearch(&key, refs, cos.n, sizeof(*refs), co_ref_cmp);
			struct search_doc d = {.title = c->name, .body = c->title};

			if (!r)
				continue;
			d.company = r->co->name;
			rc = scan_one(&s, &d, c->id, c->company_id, r->co->name, NULL,
				      c->updated_at);
		}
		contact_list_release(&cl);
		free(refs);
		h->r->total[1] = s.count;
	}
	if (!rc && kinds & SEARCH_KIND_DEAL) {
		struct deal_filter f;

		deal_filter_init(&f);
		f.visible_to = member;
		f.limit = SEARCH_SCAN_MAX;
		f.sort = DEAL_SORT_UPDATED;
		f.desc = 1;
		if ((rc = st->ops->deal_list(st, a->workspace_id, &f, 0, &deals)))
			goto out;
		s.kind = SEARCH_KIND_DEAL;
		s.count = 0;
		for (size_t i = 0; i < deals.n && !rc; i++) {
			const struct deal *dl = &deals.v[i];
			struct search_doc d = {.title = dl->name,
					       .body = dl->next_step,
					       .author = dl->owner_username,
					       .author_name = dl->owner_name,
					       .company = dl->company_name};

			rc = scan_one(&s, &d, dl->id, dl->company_id, dl->company_name,
				      dl->owner_username, dl->updated_at);
		}
		h->r->total[2] = s.count;
	}
out:
	company_list_release(&cos);
	deal_list_release(&deals);
	return rc;
}

static int search_tx(struct store *st, const struct actor *a, struct search_query *q,
		     unsigned kinds, int limit, int offset, struct search_result *out,
		     struct errinfo *e)
{
	struct workspace w;
	struct hits h = {out, 0};
	int rc;

	search_result_release(out);
	memset(out->total, 0, sizeof(out->total));
	out->estimated = 0;
	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	if (!search_has_terms(q))
		return 0;
	rc = search_others(st, a, &w, q, kinds & (SEARCH_KIND_ALL & ~(unsigned)SEARCH_KIND_NOTE),
			   limit, offset, &h);
	if (!rc && kinds & SEARCH_KIND_NOTE)
		rc = search_notes(st, a, &w, q, limit, offset, !!(kinds & SEARCH_IDS_ONLY), &h);
	if (rc)
		search_result_release(out);
	return fail_std(e, rc, "search");
}

int svc_search(struct store *st, const struct actor *a, const char *q, unsigned kinds, int limit,
	       int offset, struct search_result *out, struct errinfo *e)
{
	struct search_query *sq;
	int rc;

	memset(out, 0, sizeof(*out));
	if (limit <= 0)
		limit = 20;
	if (limit > 1000)
		limit = 1000;
	if (offset < 0)
		offset = 0;
	if (!(sq = calloc(1, sizeof(*sq))))
		return errinfo_set(e, ERR_NOMEM, "server.error", NULL, "out of memory");
	if ((rc = search_parse(q, sq, e)) == 0)
		WITH_TX(st, 0, rc,
			search_tx(st, a, sq,
				  kinds & SEARCH_KIND_ALL ? kinds : kinds | SEARCH_KIND_ALL, limit,
				  offset, out, e));
	search_query_release(sq);
	free(sq);
	return rc;
}
