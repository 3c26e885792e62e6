/*
 * migrate.c - copying a workspace between stores (see migrate.h).
 *
 * The copy is a table of steps run in order, parents before children; each
 * step reads the source through the store ops, writes the target through the
 * same ops and records the old-to-new ids of its rows in an id map for the
 * steps after it. The verification is a second table: one counter per table,
 * run on both sides after the commit, and the summary figures compared stage
 * by stage. A feature that adds a table adds a copy step and a counter here.
 *
 * A target with the bulk-loading ops (store.h, copy_*: PostgreSQL) gets the
 * big tables (companies, contacts, notes, deals and their children, the audit
 * log) a page at a time through them, with ids reserved per page; any other
 * target row by row through the ops that create them. Trashed deals are
 * moved back in the source's transaction (rolled back at the end: the source
 * is left as it was), copied as live deals, and trashed again on the target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "migrate.h"
#include "report.h"

/* ---- id maps ---- */

struct idpair {
	int64_t from, to;
};

/* An old-to-new id map; filled in any order, sorted once before lookups. */
struct idmap {
	struct idpair *v;
	size_t n, cap;
	int sorted;
};

static int idmap_put(struct idmap *m, int64_t from, int64_t to)
{
	if (m->n == m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct idpair *p = realloc(m->v, ncap * sizeof(*p));

		if (!p)
			return ERR_NOMEM;
		m->v = p;
		m->cap = ncap;
	}
	m->v[m->n].from = from;
	m->v[m->n].to = to;
	m->n++;
	m->sorted = 0;
	return 0;
}

static int cmp_pair(const void *a, const void *b)
{
	const struct idpair *x = a, *y = b;

	return (x->from > y->from) - (x->from < y->from);
}

/*
 * idmap_get translates id; 0 stays 0 (no reference). An id the map lacks (a
 * reference to a row the source deleted, which SQLite allows for stage ids in
 * the history) becomes -id: never a row's id, so it reads as "deleted".
 */
static int64_t idmap_get(struct idmap *m, int64_t id)
{
	struct idpair key = {id, 0}, *hit;

	if (id == 0)
		return 0;
	if (!m->sorted) {
		if (m->n > 1)
			qsort(m->v, m->n, sizeof(*m->v), cmp_pair);
		m->sorted = 1;
	}
	hit = m->n ? bsearch(&key, m->v, m->n, sizeof(*m->v), cmp_pair) : NULL;
	return hit ? hit->to : -id;
}

static void idmap_release(struct idmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

/* ---- the copy ---- */

struct mig {
	struct store *src, *dst;
	int64_t sws, dws;
	const struct migrate_options *o;
	struct errinfo *e;
	struct idmap users, stages, companies, contacts, notes, deals;
	int bulk;		 /* the target has the copy_* ops */
	struct trash_list trash; /* the source's trash, moved back for the copy */
	char now[TS_LEN];	 /* when the copy started (citations' time) */
	int64_t note_base;	 /* in bulk: a note's new id is its old one plus this */
};

/*
 * A bulk load of one kind on the target: ids reserved for n rows (for kinds
 * that have ids), then the COPY open until batch_end.
 */
struct batch {
	struct store *dst;
	int64_t next; /* the last id handed out */
	int open;
};

static int batch_begin(struct mig *m, struct batch *b, int kind, size_t n, int has_id)
{
	int rc = 0;

	b->dst = m->dst;
	b->next = 0;
	b->open = 0;
	if (has_id && (rc = m->dst->ops->copy_reserve(m->dst, kind, (int64_t)n, &b->next)))
		return rc;
	if (!(rc = m->dst->ops->copy_begin(m->dst, kind)))
		b->open = 1;
	return rc;
}

/* batch_end ends the load; rc is the caller's result so far, kept when not 0. */
static int batch_end(struct batch *b, int rc)
{
	int rc2 = 0;

	if (b->open)
		rc2 = b->dst->ops->copy_end(b->dst);
	b->open = 0;
	return rc ? rc : rc2;
}

/* fail fills e with what failed and returns rc. */
static int fail(struct mig *m, int rc, const char *what)
{
	if (!m->e->code[0])
		errinfo_set(m->e, rc, "migrate.failed", NULL, "cannot copy %s: %s", what,
			    err_str(rc));
	return rc;
}

static int copy_users(struct mig *m)
{
	struct user_list l = {0};
	char hash[512];
	size_t i;
	int rc;

	if ((rc = m->src->ops->user_list(m->src, m->sws, &l)))
		return fail(m, rc, "users");
	for (i = 0; i < l.n && !rc; i++) {
		struct user u, full;
		int64_t old = l.v[i].id;

		rc = m->src->ops->user_get_by_name(m->src, m->sws, l.v[i].username, &full, hash,
						   sizeof(hash));
		if (rc)
			break;
		u = l.v[i];
		u.id = 0;
		u.workspace_id = m->dws;
		if (!(rc = m->dst->ops->user_create(m->dst, &u, hash)))
			rc = idmap_put(&m->users, old, u.id);
	}
	user_list_release(&l);
	return rc ? fail(m, rc, "users") : 0;
}

static int copy_tokens(struct mig *m)
{
	struct token_list l = {0};
	size_t i;
	int rc;

	if (!m->o->tokens)
		return 0;
	if ((rc = m->src->ops->token_list(m->src, m->sws, 0, &l)))
		return fail(m, rc, "tokens");
	for (i = 0; i < l.n && !rc; i++) {
		struct token t = l.v[i];

		t.id = 0;
		t.workspace_id = m->dws;
		t.user_id = idmap_get(&m->users, t.user_id);
		rc = m->dst->ops->token_create(m->dst, &t);
		if (!rc && l.v[i].last_used_at[0])
			rc = m->dst->ops->token_touch(m->dst, m->dws, t.id, l.v[i].last_used_at);
	}
	token_list_release(&l);
	return rc ? fail(m, rc, "tokens") : 0;
}

static int copy_stages(struct mig *m)
{
	struct stage_list l = {0};
	size_t i;
	int rc;

	if ((rc = m->src->ops->stage_list(m->src, m->sws, &l)))
		return fail(m, rc, "stages");
	for (i = 0; i < l.n && !rc; i++) {
		struct stage g = l.v[i];

		g.id = 0;
		g.workspace_id = m->dws;
		g.position = 0; /* appended: the source's order, 1..n */
		rc = m->dst->ops->stage_create(m->dst, &g);
		if (!rc && l.v[i].stalled_days > 0)
			rc = m->dst->ops->stage_set_stalled(m->dst, m->dws, g.id,
							    l.v[i].stalled_days);
		if (!rc)
			rc = idmap_put(&m->stages, l.v[i].id, g.id);
	}
	stage_list_release(&l);
	return rc ? fail(m, rc, "stages") : 0;
}

static int copy_companies(struct mig *m)
{
	struct company_filter f = {0};
	struct company_list l = {0};
	size_t i;
	int rc;

	if ((rc = m->src->ops->company_list(m->src, m->sws, &f, &l))) /* limit 0: all */
		return fail(m, rc, "companies");
	struct batch b = {0};

	if (m->bulk)
		rc = batch_begin(m, &b, STORE_COPY_COMPANY, l.n, 1);
	for (i = 0; i < l.n && !rc; i++) {
		struct company c = l.v[i];

		c.id = m->bulk ? ++b.next : 0;
		c.workspace_id = m->dws;
		if (!(rc = m->bulk ? m->dst->ops->copy_put(m->dst, &c)
				   : m->dst->ops->company_create(m->dst, &c)))
			rc = idmap_put(&m->companies, l.v[i].id, c.id);
	}
	rc = batch_end(&b, rc);
	company_list_release(&l);
	return rc ? fail(m, rc, "companies") : 0;
}

static int copy_contacts(struct mig *m)
{
	struct contact_list l = {0};
	size_t i;
	int rc;

	if ((rc = m->src->ops->contact_list(m->src, m->sws, 0, &l)))
		return fail(m, rc, "contacts");
	struct batch b = {0};

	if (m->bulk)
		rc = batch_begin(m, &b, STORE_COPY_CONTACT, l.n, 1);
	for (i = 0; i < l.n && !rc; i++) {
		struct contact c = l.v[i];

		c.id = m->bulk ? ++b.next : 0;
		c.workspace_id = m->dws;
		c.company_id = idmap_get(&m->companies, c.company_id);
		if (!(rc = m->bulk ? m->dst->ops->copy_put(m->dst, &c)
				   : m->dst->ops->contact_create(m->dst, &c)))
			rc = idmap_put(&m->contacts, l.v[i].id, c.id);
	}
	rc = batch_end(&b, rc);
	contact_list_release(&l);
	return rc ? fail(m, rc, "contacts") : 0;
}

#define PAGE	  500
#define DEAL_PAGE 2000 /* deals are read by offset: fewer, larger pages */

/*
 * each_note_page calls fn with every page of the notes of ws in st, company by
 * company (the ids in co[0..nco)): a list by company reads an index, where
 * paging through the whole workspace by offset reads it again for every page.
 */
static int each_note_page(struct store *st, int64_t ws, const int64_t *co, size_t nco,
			  int (*fn)(struct note_list *l, void *arg), void *arg)
{
	struct note_filter f = {0};
	struct note_list l = {0};
	size_t got;
	int rc = 0;

	for (size_t c = 0; c < nco && !rc; c++) {
		f.company_id = co[c];
		for (f.limit = PAGE, f.offset = 0; !rc; f.offset += PAGE) {
			if ((rc = st->ops->note_list(st, ws, &f, &l)))
				break;
			rc = fn(&l, arg);
			got = l.n;
			note_list_release(&l);
			if (got < PAGE)
				break;
		}
	}
	return rc;
}

static int note_max_id(struct note_list *l, void *arg)
{
	int64_t *max = arg;

	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id > *max)
			*max = l->v[i].id;
	return 0;
}

static int note_count(struct note_list *l, void *arg)
{
	*(int64_t *)arg += (int64_t)l->n;
	return 0;
}

/*
 * note_page writes one page of notes. In bulk, a note's new id is its old id
 * plus note_base (the block reserved for them): the order of ids, which
 * orders search results, stays the source's.
 */
static int note_page(struct note_list *l, void *arg)
{
	struct mig *m = arg;
	struct batch b = {0};
	int tags = 0, rc = 0;

	if (m->bulk && (rc = batch_begin(m, &b, STORE_COPY_NOTE, 0, 0)))
		return rc;
	for (size_t i = 0; i < l->n && !rc; i++) {
		struct note *n = &l->v[i];
		int64_t old = n->id;

		n->id = m->bulk ? old + m->note_base : 0;
		n->workspace_id = m->dws;
		n->company_id = idmap_get(&m->companies, n->company_id);
		n->author_id = idmap_get(&m->users, n->author_id);
		if (!(rc = m->bulk ? m->dst->ops->copy_put(m->dst, n)
				   : m->dst->ops->note_create(m->dst, n)))
			rc = idmap_put(&m->notes, old, n->id);
		tags |= n->ntags > 0;
	}
	rc = batch_end(&b, rc);
	if (!m->bulk || !tags || rc)
		return rc;
	if (!(rc = batch_begin(m, &b, STORE_COPY_NOTE_TAGS, 0, 0)))
		for (size_t i = 0; i < l->n && !rc; i++)
			rc = m->dst->ops->copy_put(m->dst, &l->v[i]);
	return batch_end(&b, rc);
}

/* source_company_ids gives the source's company ids (the keys of the company map). */
static int64_t *source_company_ids(struct mig *m)
{
	int64_t *v = malloc((m->companies.n + 1) * sizeof(*v));

	for (size_t i = 0; v && i < m->companies.n; i++)
		v[i] = m->companies.v[i].from;
	return v;
}

static int copy_notes(struct mig *m)
{
	int64_t *co = source_company_ids(m), max = 0;
	size_t nco = m->companies.n;
	int rc = co ? 0 : ERR_NOMEM;

	if (!rc && m->bulk) {
		rc = each_note_page(m->src, m->sws, co, nco, note_max_id, &max);
		if (!rc && max > 0)
			rc = m->dst->ops->copy_reserve(m->dst, STORE_COPY_NOTE, max, &m->note_base);
	}
	if (!rc && (!m->bulk || max > 0))
		rc = each_note_page(m->src, m->sws, co, nco, note_page, m);
	free(co);
	return rc ? fail(m, rc, "notes") : 0;
}

/* One page of deals' children, read from the source with their references translated. */
struct kids {
	struct stage_change *h;
	struct deal_change *c;
	struct store_citation *x;
	size_t nh, nc, nx, caph, capc, capx;
};

/* grow makes room for one more element in *v (n used of *cap, elements of size sz). */
static int grow(void *v, size_t n, size_t *cap, size_t sz)
{
	void **pv = v, *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (!(p = realloc(*pv, ncap * sz)))
		return ERR_NOMEM;
	*pv = p;
	*cap = ncap;
	return 0;
}

static void kids_release(struct kids *k)
{
	free(k->h);
	free(k->c);
	free(k->x);
	memset(k, 0, sizeof(*k));
}

/* owner_value translates a field change's value that is a user id ("" stays ""). */
static void owner_value(struct mig *m, char *v, size_t vsz)
{
	if (v[0])
		snprintf(v, vsz, "%lld", (long long)idmap_get(&m->users, strtoll(v, NULL, 10)));
}

/* kids_read appends the stage history, field changes and citations of deal old (now new_id). */
static int kids_read(struct mig *m, int64_t old, int64_t new_id, struct kids *k)
{
	struct history_list h = {0};
	struct deal_change_list c = {0};
	struct id_list cites = {0};
	size_t i;
	int rc;

	if ((rc = m->src->ops->history_list(m->src, m->sws, old, &h)))
		goto out;
	for (i = 0; i < h.n && !rc; i++) {
		struct stage_change *x;

		if ((rc = grow(&k->h, k->nh, &k->caph, sizeof(*k->h))))
			break;
		x = &k->h[k->nh++];
		*x = h.v[i];
		x->id = 0;
		x->workspace_id = m->dws;
		x->deal_id = new_id;
		x->from_stage_id = idmap_get(&m->stages, x->from_stage_id);
		x->to_stage_id = idmap_get(&m->stages, x->to_stage_id);
		x->changed_by = idmap_get(&m->users, x->changed_by);
	}
	if (rc || (rc = m->src->ops->deal_change_list(m->src, m->sws, old, &c)))
		goto out;
	for (i = 0; i < c.n && !rc; i++) {
		struct deal_change *x;

		if ((rc = grow(&k->c, k->nc, &k->capc, sizeof(*k->c))))
			break;
		x = &k->c[k->nc++];
		*x = c.v[i];
		x->id = 0;
		x->workspace_id = m->dws;
		x->deal_id = new_id;
		x->changed_by = idmap_get(&m->users, x->changed_by);
		if (!strcmp(x->field, "owner")) { /* values are user ids */
			owner_value(m, x->old_value, sizeof(x->old_value));
			owner_value(m, x->new_value, sizeof(x->new_value));
		}
	}
	if (rc || (rc = m->src->ops->deal_note_ids(m->src, m->sws, old, &cites)))
		goto out;
	for (i = 0; i < cites.n && !rc; i++) {
		struct store_citation *x;

		if ((rc = grow(&k->x, k->nx, &k->capx, sizeof(*k->x))))
			break;
		x = &k->x[k->nx++];
		memset(x, 0, sizeof(*x));
		x->workspace_id = m->dws;
		x->deal_id = new_id;
		x->note_id = idmap_get(&m->notes, cites.v[i]);
		memcpy(x->cited_at, m->now, TS_LEN);
	}
out:
	history_list_release(&h);
	deal_change_list_release(&c);
	id_list_release(&cites);
	return rc;
}

/* kids_write writes a page of children to the target. */
static int kids_write(struct mig *m, struct kids *k)
{
	struct batch b = {0};
	size_t i;
	int rc = 0;

	if (!m->bulk) {
		for (i = 0; i < k->nh && !rc; i++)
			rc = m->dst->ops->history_add(m->dst, &k->h[i]);
		for (i = 0; i < k->nc && !rc; i++)
			rc = m->dst->ops->deal_change_add(m->dst, &k->c[i]);
		for (i = 0; i < k->nx && !rc; i++)
			rc = m->dst->ops->note_cite(m->dst, m->dws, k->x[i].deal_id,
						    k->x[i].note_id, 0);
		return rc;
	}
	if (k->nh && !(rc = batch_begin(m, &b, STORE_COPY_HISTORY, k->nh, 1)))
		for (i = 0; i < k->nh && !rc; i++) {
			k->h[i].id = ++b.next;
			rc = m->dst->ops->copy_put(m->dst, &k->h[i]);
		}
	rc = batch_end(&b, rc);
	if (!rc && k->nc && !(rc = batch_begin(m, &b, STORE_COPY_CHANGE, k->nc, 1)))
		for (i = 0; i < k->nc && !rc; i++) {
			k->c[i].id = ++b.next;
			rc = m->dst->ops->copy_put(m->dst, &k->c[i]);
		}
	rc = batch_end(&b, rc);
	if (!rc && k->nx && !(rc = batch_begin(m, &b, STORE_COPY_CITATION, k->nx, 0)))
		for (i = 0; i < k->nx && !rc; i++)
			rc = m->dst->ops->copy_put(m->dst, &k->x[i]);
	return batch_end(&b, rc);
}

/* copy_deal_page copies one page of deals, then their children. */
static int copy_deal_page(struct mig *m, const struct deal_list *l)
{
	struct batch b = {0};
	struct kids k = {0};
	size_t i;
	int rc = 0;

	if (m->bulk)
		rc = batch_begin(m, &b, STORE_COPY_DEAL, l->n, 1);
	for (i = 0; i < l->n && !rc; i++) {
		struct deal d = l->v[i];

		d.id = m->bulk ? ++b.next : 0;
		d.workspace_id = m->dws;
		d.company_id = idmap_get(&m->companies, d.company_id);
		d.stage_id = idmap_get(&m->stages, d.stage_id);
		d.owner_id = idmap_get(&m->users, d.owner_id);
		d.assigned_by = idmap_get(&m->users, d.assigned_by);
		d.created_by = idmap_get(&m->users, d.created_by);
		if (!(rc = m->bulk ? m->dst->ops->copy_put(m->dst, &d)
				   : m->dst->ops->deal_create(m->dst, &d)))
			rc = idmap_put(&m->deals, l->v[i].id, d.id);
		if (!rc)
			rc = kids_read(m, l->v[i].id, d.id, &k);
	}
	rc = batch_end(&b, rc);
	if (!rc)
		rc = kids_write(m, &k);
	kids_release(&k);
	return rc;
}

static int copy_deals(struct mig *m)
{
	struct deal_filter f;
	struct deal_list l = {0};
	size_t got;
	int rc = 0;

	deal_filter_init(&f);
	f.desc = 0; /* by id, oldest first: new ids keep the order */
	f.limit = DEAL_PAGE;
	for (f.offset = 0;; f.offset += DEAL_PAGE) {
		if ((rc = m->src->ops->deal_list(m->src, m->sws, &f, 0, &l)))
			break;
		rc = copy_deal_page(m, &l);
		got = l.n;
		deal_list_release(&l);
		if (rc || got < DEAL_PAGE)
			break;
	}
	/* Loaded in bulk: the report facts were not kept up meanwhile. */
	if (!rc && m->bulk)
		rc = m->dst->ops->report_rebuild(m->dst, m->dws);
	return rc ? fail(m, rc, "deals") : 0;
}

static int copy_views(struct mig *m)
{
	struct user_list users = {0};
	struct saved_view_list l = {0};
	size_t i, j;
	int rc;

	if ((rc = m->src->ops->user_list(m->src, m->sws, &users)))
		return fail(m, rc, "saved views");
	for (i = 0; i < users.n && !rc; i++) {
		if ((rc = m->src->ops->view_list(m->src, m->sws, users.v[i].id, &l)))
			break;
		for (j = 0; j < l.n && !rc; j++) {
			struct saved_view v = l.v[j];

			if (v.owner_id != users.v[i].id)
				continue; /* a shared view of another user: copied with its owner */
			v.id = 0;
			v.workspace_id = m->dws;
			v.owner_id = idmap_get(&m->users, v.owner_id);
			rc = m->dst->ops->view_create(m->dst, &v);
		}
		saved_view_list_release(&l);
	}
	user_list_release(&users);
	return rc ? fail(m, rc, "saved views") : 0;
}

/* audit_read reads every audit row of ws in st, newest first, into *out. */
static int audit_read(struct store *st, int64_t ws, struct audit_list *out)
{
	struct audit_filter f;
	struct audit_list page = {0};
	struct audit_entry *v;
	int rc = 0;

	memset(&f, 0, sizeof(f));
	f.limit = PAGE;
	for (;;) {
		if ((rc = st->ops->audit_list(st, ws, &f, &page)))
			break;
		if (page.n) {
			v = realloc(out->v, (out->n + page.n) * sizeof(*v));
			if (!v) {
				rc = ERR_NOMEM;
				break;
			}
			memcpy(v + out->n, page.v, page.n * sizeof(*v));
			out->v = v;
			out->n += page.n;
			f.before_id = page.v[page.n - 1].id;
		}
		if (page.n < PAGE)
			break;
		audit_list_release(&page);
	}
	audit_list_release(&page);
	return rc;
}

/*
 * copy_audit copies the audit log, oldest first, with the actor and the
 * target translated to their new ids (a target not copied, such as a purged
 * deal, keeps the id it had).
 */
static int copy_audit(struct mig *m)
{
	struct audit_list l = {0};
	struct batch b = {0};
	int rc = audit_read(m->src, m->sws, &l);

	if (!rc && m->bulk && l.n)
		rc = batch_begin(m, &b, STORE_COPY_AUDIT, l.n, 0);
	for (size_t i = l.n; i-- > 0 && !rc;) {
		struct audit_entry a = l.v[i];
		struct idmap *map = NULL;
		int64_t to;

		a.id = 0;
		a.workspace_id = m->dws;
		a.actor_id = a.actor_id > 0 ? idmap_get(&m->users, a.actor_id) : 0;
		if (!strcmp(a.target_type, "user"))
			map = &m->users;
		else if (!strcmp(a.target_type, "deal"))
			map = &m->deals;
		else if (!strcmp(a.target_type, "company"))
			map = &m->companies;
		else if (!strcmp(a.target_type, "contact"))
			map = &m->contacts;
		else if (!strcmp(a.target_type, "note"))
			map = &m->notes;
		else if (!strcmp(a.target_type, "stage"))
			map = &m->stages;
		else if (!strcmp(a.target_type, "workspace"))
			a.target_id = m->dws;
		if (map && (to = idmap_get(map, a.target_id)) > 0)
			a.target_id = to;
		rc = m->bulk ? m->dst->ops->copy_put(m->dst, &a)
			     : m->dst->ops->audit_add(m->dst, &a);
	}
	rc = batch_end(&b, rc);
	audit_list_release(&l);
	return rc ? fail(m, rc, "the audit log") : 0;
}

/*
 * copy_trash puts the deals the source's trash held (moved back for the copy
 * by untrash_source) into the target's trash, deleted by the same user at the
 * same time.
 */
static int copy_trash(struct mig *m)
{
	int rc = 0;

	for (size_t i = 0; i < m->trash.n && !rc; i++) {
		const struct trash_entry *t = &m->trash.v[i];

		rc = m->dst->ops->deal_trash(m->dst, m->dws, idmap_get(&m->deals, t->deal.id),
					     idmap_get(&m->users, t->deleted_by), t->deleted_at);
	}
	return rc ? fail(m, rc, "the trash") : 0;
}

/* The copy, parents first. */
static int (*const copy_steps[])(struct mig *m) = {
    copy_users, copy_tokens, copy_stages, copy_companies, copy_contacts,
    copy_notes, copy_deals,  copy_trash,  copy_views,	  copy_audit,
};

/* ---- the verification ---- */

enum {
	C_USERS,
	C_TOKENS,
	C_STAGES,
	C_COMPANIES,
	C_CONTACTS,
	C_NOTES,
	C_DEALS,
	C_HISTORY,
	C_CHANGES,
	C_CITATIONS,
	C_VIEWS,
	C_AUDIT,
	C_TRASH,
	C_COUNT
};
static const char *const count_names[C_COUNT] = {
    "users",	   "tokens",	 "stages",	  "companies",	   "contacts",
    "notes",	   "deals",	 "stage history", "field changes", "citations",
    "saved views", "audit rows", "trashed deals",
};
_Static_assert(C_COUNT <= MIGRATE_MAX_TABLES, "raise MIGRATE_MAX_TABLES");

/* count_side counts every table of workspace ws in st into out[C_COUNT]. */
static int count_side(struct store *st, int64_t ws, int64_t out[C_COUNT])
{
	struct user_list users = {0};
	struct token_list tokens = {0};
	struct stage_list stages = {0};
	struct company_filter cf = {0};
	struct company_list companies = {0};
	struct contact_list contacts = {0};
	struct report_span_list spans = {0};
	struct report_deal_list deals = {0};
	struct trash_list trash = {0};
	size_t i;
	int rc;

	memset(out, 0, sizeof(int64_t) * C_COUNT);
	if ((rc = st->ops->user_list(st, ws, &users)))
		goto out;
	out[C_USERS] = (int64_t)users.n;
	if ((rc = st->ops->token_list(st, ws, 0, &tokens)))
		goto out;
	out[C_TOKENS] = (int64_t)tokens.n;
	if ((rc = st->ops->stage_list(st, ws, &stages)))
		goto out;
	out[C_STAGES] = (int64_t)stages.n;
	if ((rc = st->ops->company_list(st, ws, &cf, &companies)))
		goto out;
	out[C_COMPANIES] = (int64_t)companies.n;
	if ((rc = st->ops->contact_list(st, ws, 0, &contacts)))
		goto out;
	out[C_CONTACTS] = (int64_t)contacts.n;
	if (st->ops->copy_count) {
		if ((rc = st->ops->copy_count(st, STORE_COPY_NOTE, ws, &out[C_NOTES])))
			goto out;
	} else {
		int64_t *co = malloc((companies.n + 1) * sizeof(*co));

		if (!co) {
			rc = ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < companies.n; i++)
			co[i] = companies.v[i].id;
		rc = each_note_page(st, ws, co, companies.n, note_count, &out[C_NOTES]);
		free(co);
		if (rc)
			goto out;
	}
	if ((rc = st->ops->report_spans(st, ws, 0, &spans)))
		goto out;
	out[C_HISTORY] = (int64_t)spans.n;
	for (i = 0; i < users.n; i++) {
		struct saved_view_list l = {0};
		size_t j;

		if ((rc = st->ops->view_list(st, ws, users.v[i].id, &l)))
			goto out;
		for (j = 0; j < l.n; j++)
			out[C_VIEWS] += l.v[j].owner_id == users.v[i].id;
		saved_view_list_release(&l);
	}
	{
		struct audit_list al = {0};

		if ((rc = audit_read(st, ws, &al)))
			goto out;
		out[C_AUDIT] = (int64_t)al.n;
		audit_list_release(&al);
	}
	if ((rc = st->ops->trash_list(st, ws, 0, &trash)))
		goto out;
	out[C_TRASH] = (int64_t)trash.n;
	/* Every deal's id in one read (the report facts), then its children. */
	if ((rc = st->ops->report_deals(st, ws, 0, &deals)))
		goto out;
	out[C_DEALS] = (int64_t)deals.n;
	if (st->ops->copy_count) { /* one count each */
		if ((rc = st->ops->copy_count(st, STORE_COPY_CHANGE, ws, &out[C_CHANGES])) ||
		    (rc = st->ops->copy_count(st, STORE_COPY_CITATION, ws, &out[C_CITATIONS])))
			goto out;
	}
	for (i = 0; !st->ops->copy_count && i < deals.n; i++) {
		struct deal_change_list c = {0};
		struct id_list cites = {0};

		if ((rc = st->ops->deal_change_list(st, ws, deals.v[i].id, &c)))
			goto out;
		out[C_CHANGES] += (int64_t)c.n;
		deal_change_list_release(&c);
		if ((rc = st->ops->deal_note_ids(st, ws, deals.v[i].id, &cites)))
			goto out;
		out[C_CITATIONS] += (int64_t)cites.n;
		id_list_release(&cites);
	}
out:
	user_list_release(&users);
	token_list_release(&tokens);
	stage_list_release(&stages);
	company_list_release(&companies);
	contact_list_release(&contacts);
	report_span_list_release(&spans);
	report_deal_list_release(&deals);
	trash_list_release(&trash);
	return rc;
}

/* figures sums the summary of every deal of ws; *sum gets the per-stage rows too. */
static int figures(struct store *st, int64_t ws, struct migrate_figures *fig,
		   struct stage_sum_list *sum)
{
	struct deal_filter f;
	size_t i;
	int rc;

	deal_filter_init(&f);
	if ((rc = st->ops->summary(st, ws, &f, sum)))
		return rc;
	memset(fig, 0, sizeof(*fig));
	for (i = 0; i < sum->n; i++) {
		fig->deals += sum->v[i].count;
		fig->amount += sum->v[i].amount;
		fig->expected += sum->v[i].expected;
	}
	return 0;
}

static int verify(struct mig *m, struct migrate_report *out)
{
	int64_t a[C_COUNT], b[C_COUNT];
	struct stage_sum_list sa = {0}, sb = {0};
	size_t i, j;
	int rc;

	if ((rc = count_side(m->src, m->sws, a)) || (rc = count_side(m->dst, m->dws, b)))
		return fail(m, rc, "the row counts");
	out->ok = 1;
	for (i = 0; i < C_COUNT; i++) {
		out->counts[i].table = count_names[i];
		out->counts[i].src = a[i];
		out->counts[i].dst = b[i];
		if (a[i] != b[i] && !(i == C_TOKENS && !m->o->tokens))
			out->ok = 0;
	}
	out->ncounts = C_COUNT;
	if ((rc = figures(m->src, m->sws, &out->src, &sa)) ||
	    (rc = figures(m->dst, m->dws, &out->dst, &sb))) {
		rc = fail(m, rc, "the summary");
		goto done;
	}
	if (memcmp(&out->src, &out->dst, sizeof(out->src)) != 0 || sa.n != sb.n)
		out->ok = 0;
	for (i = 0; i < sa.n; i++) {
		int64_t want = idmap_get(&m->stages, sa.v[i].stage_id);

		for (j = 0; j < sb.n && sb.v[j].stage_id != want; j++)
			;
		if (j < sb.n && sb.v[j].count == sa.v[i].count &&
		    sb.v[j].amount == sa.v[i].amount && sb.v[j].expected == sa.v[i].expected)
			out->stages_compared++;
		else
			out->ok = 0;
	}
done:
	stage_sum_list_release(&sa);
	stage_sum_list_release(&sb);
	return rc;
}

/* ---- the whole ---- */

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int find_source(struct mig *m, struct workspace *w)
{
	struct workspace_list l = {0};
	int rc;

	if (m->o->slug && m->o->slug[0]) {
		rc = m->src->ops->workspace_get_by_slug(m->src, m->o->slug, w);
		if (rc == ERR_NOTFOUND)
			return errinfo_set(m->e, rc, "migrate.no_workspace", "workspace",
					   "no workspace '%s' in the source", m->o->slug);
		return rc ? fail(m, rc, "the workspace") : 0;
	}
	if ((rc = m->src->ops->workspace_list(m->src, &l)))
		return fail(m, rc, "the workspace");
	if (l.n == 0)
		rc = errinfo_set(m->e, ERR_NOTFOUND, "migrate.no_workspace", NULL,
				 "the source holds no workspace");
	else
		*w = l.v[0];
	workspace_list_release(&l);
	return rc;
}

/*
 * untrash_source moves the source's trashed deals back among its live deals,
 * inside its write transaction (rolled back after the copy), so that they are
 * copied with their history, changes and citations like any deal; copy_trash
 * trashes them again on the target. A trashed deal that cannot come back (its
 * company, stage or owner deleted meanwhile, its external id taken) stops the
 * migration: nothing is lost silently.
 */
static int untrash_source(struct mig *m)
{
	int rc;

	if ((rc = m->src->ops->trash_list(m->src, m->sws, 0, &m->trash)))
		return fail(m, rc, "the trash");
	for (size_t i = 0; i < m->trash.n; i++) {
		const struct deal *d = &m->trash.v[i].deal;

		if ((rc = m->src->ops->deal_untrash(m->src, m->sws, d->id)))
			return errinfo_set(m->e, rc, "migrate.trash", NULL,
					   "cannot copy trashed deal %lld '%s': %s (purge it, or "
					   "restore and fix it, first)",
					   (long long)d->id, d->name,
					   rc == ERR_INVALID ? "its company, stage or owner is gone"
					   : rc == ERR_CONFLICT ? "its external id was taken"
								: err_str(rc));
	}
	return 0;
}

/* trash_count sets *n to the number of deals in the trash of ws (a read transaction of its own). */
static int trash_count(struct store *st, int64_t ws, size_t *n)
{
	struct trash_list l = {0};
	int rc;

	if ((rc = st->ops->begin(st, 0)))
		return rc;
	rc = st->ops->trash_list(st, ws, 0, &l);
	st->ops->rollback(st);
	*n = l.n;
	trash_list_release(&l);
	return rc;
}

static int check_target(struct mig *m, const struct workspace *w)
{
	struct workspace_list l = {0};
	size_t i;
	int rc;

	if ((rc = m->dst->ops->workspace_list(m->dst, &l)))
		return fail(m, rc, "the target's workspaces");
	for (i = 0; i < l.n && !rc; i++)
		if (!strcmp(l.v[i].slug, w->slug))
			rc = errinfo_set(m->e, ERR_CONFLICT, "migrate.exists", NULL,
					 "the target already holds workspace '%s'", w->slug);
	if (!rc && l.n && !m->o->force)
		rc = errinfo_set(m->e, ERR_CONFLICT, "migrate.not_empty", NULL,
				 "the target is not empty (%zu workspace%s); give --force to add "
				 "workspace '%s' beside them",
				 l.n, l.n == 1 ? "" : "s", w->slug);
	workspace_list_release(&l);
	return rc;
}

int migrate_workspace(struct store *src, struct store *dst, const struct migrate_options *o,
		      struct migrate_report *out, struct errinfo *e)
{
	struct mig m;
	struct workspace w, nw;
	struct timespec t0;
	size_t i, ntrash = 0;
	int rc, src_tx = 0, dst_tx = 0;

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	m.src = src;
	m.dst = dst;
	m.o = o;
	m.e = e;
	m.bulk = dst->ops->copy_reserve && dst->ops->copy_begin && dst->ops->copy_put &&
		 dst->ops->copy_end && dst->ops->copy_count;
	store_now(m.now);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = src->ops->begin(src, 0)))
		return fail(&m, rc, "(reading the source)");
	src_tx = 1;
	if ((rc = find_source(&m, &w)))
		goto out;
	/*
	 * With deals in the trash, the source is read in a write transaction (to
	 * move them back for the copy; rolled back, so it is left unchanged):
	 * it holds the source's write lock while the copy runs.
	 */
	src->ops->rollback(src);
	src_tx = 0;
	if ((rc = trash_count(src, w.id, &ntrash))) {
		rc = fail(&m, rc, "the trash");
		goto out;
	}
	if ((rc = src->ops->begin(src, ntrash > 0))) {
		rc = fail(&m, rc, "(reading the source)");
		goto out;
	}
	src_tx = 1;
	m.sws = w.id;
	if (ntrash && (rc = untrash_source(&m)))
		goto out;
	snprintf(out->slug, sizeof(out->slug), "%s", w.slug);
	if ((rc = dst->ops->begin(dst, 1))) {
		rc = fail(&m, rc, "(writing the target)");
		goto out;
	}
	dst_tx = 1;
	if ((rc = check_target(&m, &w)))
		goto out;
	nw = w;
	nw.id = 0;
	if ((rc = dst->ops->workspace_create(dst, &nw))) {
		rc = fail(&m, rc, "the workspace");
		goto out;
	}
	m.sws = w.id;
	m.dws = nw.id;
	for (i = 0; i < sizeof(copy_steps) / sizeof(copy_steps[0]) && !rc; i++)
		rc = copy_steps[i](&m);
	if (rc)
		goto out;
	dst_tx = 0;
	if ((rc = dst->ops->commit(dst))) {
		dst->ops->rollback(dst);
		rc = fail(&m, rc, "(committing the target)");
		goto out;
	}
	src->ops->rollback(src);
	src_tx = 0;
	out->copy_seconds = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = verify(&m, out);
	out->verify_seconds = seconds_since(&t0);
out:
	if (dst_tx)
		dst->ops->rollback(dst);
	if (src_tx)
		src->ops->rollback(src);
	idmap_release(&m.users);
	idmap_release(&m.stages);
	idmap_release(&m.companies);
	idmap_release(&m.contacts);
	idmap_release(&m.notes);
	idmap_release(&m.deals);
	trash_list_release(&m.trash);
	return rc;
}
