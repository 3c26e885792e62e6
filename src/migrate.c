/*
 * migrate.c - copying a workspace between stores (see migrate.h).
 *
 * The copy is a table of steps run in order, parents before children; each
 * step reads the source through the store ops, writes the target through the
 * same ops and records the old-to-new ids of its rows in an id map for the
 * steps after it. The verification is a second table: one counter per table,
 * run on both sides after the commit, and the summary figures compared stage
 * by stage. A feature that adds a table adds a copy step and a counter here.
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
};

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
	for (i = 0; i < l.n && !rc; i++) {
		struct company c = l.v[i];

		c.id = 0;
		c.workspace_id = m->dws;
		if (!(rc = m->dst->ops->company_create(m->dst, &c)))
			rc = idmap_put(&m->companies, l.v[i].id, c.id);
	}
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
	for (i = 0; i < l.n && !rc; i++) {
		struct contact c = l.v[i];

		c.id = 0;
		c.workspace_id = m->dws;
		c.company_id = idmap_get(&m->companies, c.company_id);
		if (!(rc = m->dst->ops->contact_create(m->dst, &c)))
			rc = idmap_put(&m->contacts, l.v[i].id, c.id);
	}
	contact_list_release(&l);
	return rc ? fail(m, rc, "contacts") : 0;
}

#define PAGE 500

static int copy_notes(struct mig *m)
{
	struct note_filter f = {0};
	struct note_list l = {0};
	struct note *n = NULL;
	size_t i;
	int rc = 0;

	n = malloc(sizeof(*n));
	if (!n)
		return fail(m, ERR_NOMEM, "notes");
	for (f.limit = PAGE, f.offset = 0;; f.offset += PAGE) {
		if ((rc = m->src->ops->note_list(m->src, m->sws, &f, &l)))
			break;
		for (i = 0; i < l.n && !rc; i++) {
			*n = l.v[i];
			n->id = 0;
			n->workspace_id = m->dws;
			n->company_id = idmap_get(&m->companies, n->company_id);
			n->author_id = idmap_get(&m->users, n->author_id);
			if (!(rc = m->dst->ops->note_create(m->dst, n)))
				rc = idmap_put(&m->notes, l.v[i].id, n->id);
		}
		i = l.n;
		note_list_release(&l);
		if (rc || i < PAGE)
			break;
	}
	free(n);
	return rc ? fail(m, rc, "notes") : 0;
}

/* copy_deal_children copies a deal's stage history, field changes and citations. */
static int copy_deal_children(struct mig *m, int64_t old, int64_t new_id)
{
	struct history_list h = {0};
	struct deal_change_list c = {0};
	struct id_list cites = {0};
	size_t i;
	int rc;

	if ((rc = m->src->ops->history_list(m->src, m->sws, old, &h)))
		goto out;
	for (i = 0; i < h.n && !rc; i++) {
		struct stage_change x = h.v[i];

		x.id = 0;
		x.workspace_id = m->dws;
		x.deal_id = new_id;
		x.from_stage_id = idmap_get(&m->stages, x.from_stage_id);
		x.to_stage_id = idmap_get(&m->stages, x.to_stage_id);
		x.changed_by = idmap_get(&m->users, x.changed_by);
		rc = m->dst->ops->history_add(m->dst, &x);
	}
	if (rc || (rc = m->src->ops->deal_change_list(m->src, m->sws, old, &c)))
		goto out;
	for (i = 0; i < c.n && !rc; i++) {
		struct deal_change x = c.v[i];

		x.id = 0;
		x.workspace_id = m->dws;
		x.deal_id = new_id;
		x.changed_by = idmap_get(&m->users, x.changed_by);
		if (!strcmp(x.field, "owner")) { /* values are user ids */
			if (x.old_value[0])
				snprintf(x.old_value, sizeof(x.old_value), "%lld",
					 (long long)idmap_get(&m->users,
							      strtoll(x.old_value, NULL, 10)));
			if (x.new_value[0])
				snprintf(x.new_value, sizeof(x.new_value), "%lld",
					 (long long)idmap_get(&m->users,
							      strtoll(x.new_value, NULL, 10)));
		}
		rc = m->dst->ops->deal_change_add(m->dst, &x);
	}
	if (rc || (rc = m->src->ops->deal_note_ids(m->src, m->sws, old, &cites)))
		goto out;
	for (i = 0; i < cites.n && !rc; i++)
		rc = m->dst->ops->note_cite(m->dst, m->dws, new_id,
					    idmap_get(&m->notes, cites.v[i]), 0);
out:
	history_list_release(&h);
	deal_change_list_release(&c);
	id_list_release(&cites);
	return rc;
}

static int copy_deals(struct mig *m)
{
	struct deal_filter f;
	struct deal_list l = {0};
	size_t i, got;
	int rc = 0;

	deal_filter_init(&f);
	f.desc = 0; /* by id, oldest first: new ids keep the order */
	f.limit = PAGE;
	for (f.offset = 0;; f.offset += PAGE) {
		if ((rc = m->src->ops->deal_list(m->src, m->sws, &f, 0, &l)))
			break;
		for (i = 0; i < l.n && !rc; i++) {
			struct deal d = l.v[i];

			d.id = 0;
			d.workspace_id = m->dws;
			d.company_id = idmap_get(&m->companies, d.company_id);
			d.stage_id = idmap_get(&m->stages, d.stage_id);
			d.owner_id = idmap_get(&m->users, d.owner_id);
			d.assigned_by = idmap_get(&m->users, d.assigned_by);
			d.created_by = idmap_get(&m->users, d.created_by);
			if ((rc = m->dst->ops->deal_create(m->dst, &d)))
				break;
			if ((rc = idmap_put(&m->deals, l.v[i].id, d.id)))
				break;
			rc = copy_deal_children(m, l.v[i].id, d.id);
		}
		got = l.n;
		deal_list_release(&l);
		if (rc || got < PAGE)
			break;
	}
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
 * deal, keeps the id it had). Trashed deals are not copied.
 */
static int copy_audit(struct mig *m)
{
	struct audit_list l = {0};
	int rc = audit_read(m->src, m->sws, &l);

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
		rc = m->dst->ops->audit_add(m->dst, &a);
	}
	audit_list_release(&l);
	return rc ? fail(m, rc, "the audit log") : 0;
}

/* The copy, parents first. */
static int (*const copy_steps[])(struct mig *m) = {
    copy_users, copy_tokens, copy_stages, copy_companies, copy_contacts,
    copy_notes, copy_deals,  copy_views,  copy_audit,
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
	C_COUNT
};
static const char *const count_names[C_COUNT] = {
    "users", "tokens",	      "stages",	       "companies", "contacts",	   "notes",
    "deals", "stage history", "field changes", "citations", "saved views", "audit rows",
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
	struct note_filter nf = {0};
	struct note_list notes = {0};
	struct report_span_list spans = {0};
	struct report_deal_list deals = {0};
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
	for (nf.limit = PAGE;; nf.offset += PAGE) {
		if ((rc = st->ops->note_list(st, ws, &nf, &notes)))
			goto out;
		out[C_NOTES] += (int64_t)notes.n;
		i = notes.n;
		note_list_release(&notes);
		if (i < PAGE)
			break;
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
	/* Every deal's id in one read (the report facts), then its children. */
	if ((rc = st->ops->report_deals(st, ws, 0, &deals)))
		goto out;
	out[C_DEALS] = (int64_t)deals.n;
	for (i = 0; i < deals.n; i++) {
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
	size_t i;
	int rc, src_tx = 0, dst_tx = 0;

	memset(&m, 0, sizeof(m));
	memset(out, 0, sizeof(*out));
	m.src = src;
	m.dst = dst;
	m.o = o;
	m.e = e;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = src->ops->begin(src, 0)))
		return fail(&m, rc, "(reading the source)");
	src_tx = 1;
	if ((rc = find_source(&m, &w)))
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
	return rc;
}
