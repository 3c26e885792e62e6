/*
 * svc_deal.c - deals: create, read, list, change, move, assign, delete, their
 * stage history, and the expected-revenue summary of the founding article.
 *
 * Rights: managers and admins see and change every deal and assign owners; a
 * member creates deals owned by themself and changes their own; they read
 * colleagues' deals only when the workspace's members_see_all is set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "money.h"
#include "pipeline.h"
#include "svc_audit.h"
#include "svc_int.h"
#include "svc_report.h"
#include "text.h"

#define DEAL_LIMIT_DEFAULT 50
#define DEAL_LIMIT_MAX	   500

/* resolve_stage finds the stage the input names; stage_unknown otherwise. */
static int resolve_stage(struct store *st, int64_t ws, const struct deal_input *in,
			 struct stage *out, struct errinfo *e)
{
	struct stage_list l = {0};
	int rc, i = -1;

	/*
	 * An id is one row, and so is a key, which wins over every name
	 * (stage_match): only a name and the default need the list.
	 */
	if (in->stage_id) {
		rc = st->ops->stage_get(st, ws, in->stage_id, out);
		if (rc == ERR_NOTFOUND)
			return errinfo_set(e, ERR_INVALID, "deal.stage_unknown", "stage_id",
					   "unknown stage %lld", (long long)in->stage_id);
		return fail_std(e, rc, "stage");
	}
	if (stage_key_valid(in->stage)) {
		rc = st->ops->stage_get_by_key(st, ws, in->stage, out);
		if (rc != ERR_NOTFOUND)
			return fail_std(e, rc, "stage");
	}
	if ((rc = st->ops->stage_list(st, ws, &l)))
		return fail_std(e, rc, "stage");
	if (in->stage[0]) {
		i = stage_match(l.v, l.n, in->stage);
	} else {
		/* No stage named: the first open stage of the pipeline. */
		for (size_t j = 0; j < l.n && i < 0; j++)
			if (l.v[j].kind == STAGE_OPEN)
				i = (int)j;
	}
	if (i >= 0)
		*out = l.v[i];
	stage_list_release(&l);
	if (i >= 0)
		return 0;
	return errinfo_set(e, ERR_INVALID, "deal.stage_unknown", "stage", "unknown stage '%.100s'",
			   in->stage);
}

/* resolve_owner finds the active user the input names. */
static int resolve_owner(struct store *st, int64_t ws, const struct deal_input *in,
			 struct user *out, struct errinfo *e)
{
	char hash[256];
	int rc;

	if (in->owner_id)
		rc = st->ops->user_get(st, ws, in->owner_id, out);
	else if (username_valid(in->owner))
		rc = st->ops->user_get_by_name(st, ws, in->owner, out, hash, sizeof(hash));
	else
		rc = ERR_NOTFOUND;
	if (rc == ERR_NOTFOUND || (rc == 0 && !out->active)) {
		if (in->owner_id)
			return errinfo_set(e, ERR_INVALID, "deal.owner_unknown", "owner_id",
					   "no active user %lld", (long long)in->owner_id);
		return errinfo_set(e, ERR_INVALID, "deal.owner_unknown", "owner",
				   "no active user '%.64s'", in->owner);
	}
	return fail_std(e, rc, "user");
}

/* resolve_company finds the company by id, or by name (creating it when new). */
static int resolve_company(struct store *st, int64_t ws, const struct deal_input *in,
			   struct company *out, struct errinfo *e)
{
	char name[CAP_NAME + 1];
	int rc;

	if (in->company_id) {
		rc = st->ops->company_get(st, ws, in->company_id, out);
		if (rc == ERR_NOTFOUND)
			return errinfo_set(e, ERR_INVALID, "deal.company_unknown", "company_id",
					   "no company %lld", (long long)in->company_id);
		return fail_std(e, rc, "company");
	}
	if ((rc = copy_text(name, sizeof(name), in->company, "deal", "company", 1, e)))
		return rc;
	rc = st->ops->company_get_by_name(st, ws, name, out);
	if (rc != ERR_NOTFOUND)
		return fail_std(e, rc, "company");
	memset(out, 0, sizeof(*out));
	out->workspace_id = ws;
	snprintf(out->name, sizeof(out->name), "%s", name);
	return fail_std(e, st->ops->company_create(st, out), "company");
}

/*
 * apply_input checks the fields of in that are set and writes them into d,
 * resolving names to ids. It leaves owner changes to the caller.
 */
static int apply_input(struct store *st, const struct workspace *w, const struct deal_input *in,
		       struct deal *d, struct stage *stage_out, struct errinfo *e)
{
	int rc;

	if (in->set & DEAL_SET_COMPANY) {
		struct company c;

		if ((rc = resolve_company(st, w->id, in, &c, e)))
			return rc;
		d->company_id = c.id;
	}
	if (in->set & DEAL_SET_NAME &&
	    (rc = copy_text(d->name, sizeof(d->name), in->name, "deal", "name", 1, e)))
		return rc;
	if (in->set & DEAL_SET_CURRENCY) {
		const char *cur = in->currency[0] ? in->currency : w->currency;

		if (strcmp(cur, w->currency) != 0)
			return errinfo_set(e, ERR_INVALID, "deal.currency_mismatch", "currency",
					   "deals are in %s in this workspace, not '%.3s' "
					   "(multi-currency is not supported yet)",
					   w->currency, in->currency);
	}
	if (in->set & DEAL_SET_AMOUNT) {
		if (in->amount < 0)
			return errinfo_set(e, ERR_INVALID, "deal.amount_negative", "amount",
					   "amount must not be negative");
		if (in->amount > MONEY_MAX)
			return errinfo_set(e, ERR_INVALID, "deal.amount_invalid", "amount",
					   "amount is too large");
		d->amount = in->amount;
	}
	if (in->set & DEAL_SET_STAGE || !d->stage_id) {
		if ((rc = resolve_stage(st, w->id, in, stage_out, e)))
			return rc;
		d->stage_id = stage_out->id;
	}
	if (in->set & DEAL_SET_PROBABILITY && in->probability == PROBABILITY_NONE) {
		d->probability = -1;
	} else if (in->set & DEAL_SET_PROBABILITY) {
		if (in->probability < 0 || in->probability > 100)
			return errinfo_set(e, ERR_INVALID, "deal.probability_range", "probability",
					   "probability must be 0-100 (or null), not %d",
					   in->probability);
		d->probability = in->probability;
	}
	if (in->set & DEAL_SET_CLOSE_DATE) {
		if (in->close_date[0] && !date_valid(in->close_date))
			return errinfo_set(e, ERR_INVALID, "deal.close_date_invalid", "close_date",
					   "'%.10s' is not a date (YYYY-MM-DD)", in->close_date);
		snprintf(d->close_date, sizeof(d->close_date), "%s", in->close_date);
	}
	if (in->set & DEAL_SET_NEXT_STEP &&
	    (rc = copy_text(d->next_step, sizeof(d->next_step), in->next_step, "deal", "next_step",
			    0, e)))
		return rc;
	return 0;
}

static int add_history(struct store *st, const struct actor *a, const struct deal *d, int64_t from,
		       struct errinfo *e)
{
	struct stage_change h = {0};

	h.workspace_id = d->workspace_id;
	h.deal_id = d->id;
	h.from_stage_id = from;
	h.to_stage_id = d->stage_id;
	h.changed_by = a->user_id;
	store_now(h.changed_at);
	return fail_std(e, st->ops->history_add(st, &h), "history");
}

static int deal_create_tx(struct store *st, const struct actor *a, const struct deal_input *in,
			  struct deal *d, struct errinfo *e)
{
	struct workspace w;
	struct stage stage;
	struct user owner;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	memset(d, 0, sizeof(*d));
	d->workspace_id = w.id;
	d->probability = -1;
	snprintf(d->currency, sizeof(d->currency), "%s", w.currency);
	if ((rc = apply_input(st, &w, in, d, &stage, e)))
		return rc;
	if (in->set & DEAL_SET_OWNER) {
		if ((rc = resolve_owner(st, w.id, in, &owner, e)))
			return rc;
		if (!is_privileged(a) && owner.id != a->user_id)
			return errinfo_set(e, ERR_FORBIDDEN, "deal.owner_forbidden", "owner",
					   "only managers assign deals to others");
		d->owner_id = owner.id;
	} else if (a->user_id) {
		d->owner_id = a->user_id;
	} else {
		return errinfo_set(e, ERR_INVALID, "deal.owner_required", "owner",
				   "name the deal's owner");
	}
	if (d->owner_id != a->user_id) {
		d->assigned_by = a->user_id;
		store_now(d->assigned_at);
	}
	d->created_by = a->user_id;
	if ((rc = st->ops->deal_create(st, d)))
		return fail_std(e, rc, "deal");
	if ((rc = add_history(st, a, d, 0, e)))
		return rc;
	return fail_std(e, st->ops->deal_get(st, w.id, d->id, d), "deal");
}

int svc_deal_create(struct store *st, const struct actor *a, const struct deal_input *in,
		    struct deal *out, struct errinfo *e)
{
	struct deal d;
	int rc;

	if (!(in->set & DEAL_SET_COMPANY))
		return errinfo_set(e, ERR_INVALID, "deal.company_required", "company",
				   "company is required");
	if (!(in->set & DEAL_SET_NAME))
		return errinfo_set(e, ERR_INVALID, "deal.name_required", "name",
				   "name is required");
	WITH_TX(st, STORE_TX_ROWS, rc, deal_create_tx(st, a, in, &d, e));
	if (rc == 0)
		*out = d;
	return rc;
}

/* read_deal loads deal id and checks that a may read it (and write it when write). */
static int read_deal(struct store *st, const struct actor *a, int64_t id, int write,
		     struct workspace *w, struct deal *d, struct errinfo *e)
{
	int rc;

	if ((rc = load_ws(st, a, w, e)))
		return rc;
	if ((rc = st->ops->deal_get(st, a->workspace_id, id, d)))
		return fail_std(e, rc, "deal");
	if (!deal_visible(a, w, d) || (write && !deal_writable(a, d)))
		return errinfo_set(e, ERR_FORBIDDEN, "auth.forbidden", NULL,
				   write ? "not allowed to change deal %lld"
					 : "not allowed to see deal %lld",
				   (long long)id);
	return 0;
}

static int deal_get_tx(struct store *st, const struct actor *a, int64_t id, struct deal *d,
		       struct errinfo *e)
{
	struct workspace w;

	return read_deal(st, a, id, 0, &w, d, e);
}

int svc_deal_get(struct store *st, const struct actor *a, int64_t id, struct deal *out,
		 struct errinfo *e)
{
	struct deal d;
	int rc;

	WITH_TX(st, 0, rc, deal_get_tx(st, a, id, &d, e));
	if (rc == 0)
		*out = d;
	return rc;
}

static int deal_list_tx(struct store *st, const struct actor *a, struct deal_filter *f,
			int count_total, struct deal_list *out, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	f->visible_to = is_privileged(a) || w.members_see_all ? 0 : a->user_id;
	return fail_std(e, st->ops->deal_list(st, a->workspace_id, f, count_total, out), "deal");
}

int svc_deal_list(struct store *st, const struct actor *a, struct deal_filter *f, int count_total,
		  struct deal_list *out, struct errinfo *e)
{
	int rc;

	if (f->limit <= 0)
		f->limit = DEAL_LIMIT_DEFAULT;
	if (f->limit > DEAL_LIMIT_MAX)
		f->limit = DEAL_LIMIT_MAX;
	if (f->offset < 0)
		f->offset = 0;
	if ((f->close_from[0] && !date_valid(f->close_from)) ||
	    (f->close_to[0] && !date_valid(f->close_to)))
		return errinfo_set(e, ERR_INVALID, "request.bad_parameter",
				   f->close_from[0] && !date_valid(f->close_from) ? "close_from"
										  : "close_to",
				   "dates are YYYY-MM-DD");
	WITH_TX(st, 0, rc, deal_list_tx(st, a, f, count_total, out, e));
	return rc;
}

static int deal_update_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			  const struct deal_input *in, struct deal *d, struct errinfo *e)
{
	struct workspace w;
	struct stage stage;
	int64_t old_stage;
	struct deal before; /* reports and history: the fields as they were */
	int rc;

	if ((rc = read_deal(st, a, id, 1, &w, d, e)))
		return rc;
	if (if_version && if_version != d->version)
		return fail_std(e, ERR_STALE, "deal");
	old_stage = d->stage_id;
	before = *d;
	if ((rc = apply_input(st, &w, in, d, &stage, e)))
		return rc;
	if (in->set & DEAL_SET_OWNER) {
		struct user owner;

		if ((rc = resolve_owner(st, w.id, in, &owner, e)))
			return rc;
		if (owner.id != d->owner_id) {
			if (!is_privileged(a))
				return errinfo_set(e, ERR_FORBIDDEN, "deal.owner_forbidden",
						   "owner", "only managers assign deals");
			d->owner_id = owner.id;
			d->assigned_by = a->user_id;
			store_now(d->assigned_at);
		}
	}
	if ((rc = row_raced(st->ops->deal_update(st, d), if_version)))
		return fail_std(e, rc, "deal");
	if (d->stage_id != old_stage && (rc = add_history(st, a, d, old_stage, e)))
		return rc;
	/* reports and history: amount, probability, owner and close date changes. */
	if ((rc = svc_deal_record_changes(st, a, &before, d, e)))
		return rc;
	return fail_std(e, st->ops->deal_get(st, w.id, d->id, d), "deal");
}

int svc_deal_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct deal_input *in, struct deal *out, struct errinfo *e)
{
	struct deal d;
	int rc;

	WITH_TX(st, STORE_TX_ROWS, rc, deal_update_tx(st, a, id, if_version, in, &d, e));
	if (rc == 0)
		*out = d;
	return rc;
}

static int deal_delete_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			  struct errinfo *e)
{
	struct workspace w;
	struct deal d;
	int rc;

	char now[TS_LEN];

	if ((rc = read_deal(st, a, id, 1, &w, &d, e)))
		return rc;
	if (if_version && if_version != d.version)
		return fail_std(e, ERR_STALE, "deal");
	/* to the trash (svc_audit.h): restorable for TRASH_KEEP_DAYS */
	svc_audit_now(NULL, now);
	if ((rc = st->ops->deal_trash(st, a->workspace_id, id, a->system ? 0 : a->user_id, now)))
		return fail_std(e, rc, "deal");
	if ((rc = trash_sweep_tx(st, a, now, e))) /* what expired goes for good */
		return rc;
	return fail_std(e,
			svc_audit_add(st, a, "deal.delete", "deal", id, "{s:s,s:s,s:I,s:s}", "name",
				      d.name, "company", d.company_name, "amount_minor",
				      (json_int_t)d.amount, "owner", d.owner_username),
			"audit");
}

int svc_deal_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    struct errinfo *e)
{
	int rc;

	WITH_TX(st, STORE_TX_WRITE, rc, deal_delete_tx(st, a, id, if_version, e));
	return rc;
}

static int deal_history_tx(struct store *st, const struct actor *a, int64_t id,
			   struct history_list *out, struct errinfo *e)
{
	struct workspace w;
	struct deal d;
	int rc;

	if ((rc = read_deal(st, a, id, 0, &w, &d, e)))
		return rc;
	return fail_std(e, st->ops->history_list(st, a->workspace_id, id, out), "history");
}

int svc_deal_history(struct store *st, const struct actor *a, int64_t id, struct history_list *out,
		     struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, deal_history_tx(st, a, id, out, e));
	return rc;
}

/* ---- the summary ---- */

static int summary_tx(struct store *st, const struct actor *a, const struct deal_filter *f,
		      struct summary *s, struct errinfo *e)
{
	struct workspace w;
	struct deal_filter g = *f;
	struct stage_sum_list sums = {0};
	int rc;

	summary_release(s);
	memset(s, 0, sizeof(*s));
	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	g.visible_to = is_privileged(a) || w.members_see_all ? 0 : a->user_id;
	if ((rc = st->ops->stage_list(st, a->workspace_id, &s->stages)))
		return fail_std(e, rc, "stage");
	if ((rc = st->ops->summary(st, a->workspace_id, &g, &sums)))
		return fail_std(e, rc, "summary");
	s->sums = calloc(s->stages.n ? s->stages.n : 1, sizeof(*s->sums));
	if (!s->sums) {
		stage_sum_list_release(&sums);
		return fail_std(e, ERR_NOMEM, "summary");
	}
	snprintf(s->currency, sizeof(s->currency), "%s", w.currency);
	s->digits = money_digits(w.currency);
	for (size_t i = 0; i < s->stages.n; i++) {
		struct stage *stg = &s->stages.v[i];
		struct stage_sum *sum = &s->sums[i];

		sum->stage_id = stg->id;
		for (size_t j = 0; j < sums.n; j++)
			if (sums.v[j].stage_id == stg->id)
				*sum = sums.v[j];
		switch (stg->kind) {
		case STAGE_WON:
			s->won_count += sum->count;
			s->won_amount += sum->amount;
			break;
		case STAGE_LOST:
			s->lost_count += sum->count;
			s->lost_amount += sum->amount;
			break;
		case STAGE_OPEN:
			s->open_count += sum->count;
			s->open_amount += sum->amount;
			s->open_expected += sum->expected;
			break;
		}
	}
	stage_sum_list_release(&sums);
	return 0;
}

/* fold_totals adds the per-stage sums to t by the kind of their stage. */
static void fold_totals(const struct stage_list *stages, const struct stage_sum_list *sums,
			struct summary_totals *t)
{
	for (size_t j = 0; j < sums->n; j++)
		for (size_t i = 0; i < stages->n; i++) {
			if (stages->v[i].id != sums->v[j].stage_id)
				continue;
			if (stages->v[i].kind == STAGE_WON) {
				t->won_count += sums->v[j].count;
				t->won_amount += sums->v[j].amount;
			} else if (stages->v[i].kind == STAGE_LOST) {
				t->lost_count += sums->v[j].count;
				t->lost_amount += sums->v[j].amount;
			} else {
				t->open_count += sums->v[j].count;
				t->open_amount += sums->v[j].amount;
				t->open_expected += sums->v[j].expected;
			}
			break;
		}
}

/*
 * owners_tx: the summary, then each visible owner's totals, from one query
 * of sums per stage and owner (summary_owner_sums).
 */
static int owners_tx(struct store *st, const struct actor *a, const struct deal_filter *f,
		     struct summary *s, struct errinfo *e)
{
	struct user_list users = {0};
	struct report_sum_list sums = {0};
	struct deal_filter g = *f;
	struct workspace w;
	int rc;

	if ((rc = summary_tx(st, a, f, s, e)))
		return rc;
	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	g.visible_to = is_privileged(a) || w.members_see_all ? 0 : a->user_id;
	if ((rc = st->ops->user_list(st, a->workspace_id, &users)))
		return fail_std(e, rc, "user");
	s->owners = calloc(users.n ? users.n : 1, sizeof(*s->owners));
	if (!s->owners) {
		rc = fail_std(e, ERR_NOMEM, "summary");
		goto out;
	}
	if ((rc = st->ops->summary_owner_sums(st, a->workspace_id, &g, &sums))) {
		rc = fail_std(e, rc, "summary");
		goto out;
	}
	for (size_t i = 0; i < users.n; i++) {
		const struct user *u = &users.v[i];
		struct owner_summary *o = &s->owners[s->nowners];

		memset(o, 0, sizeof(*o));
		for (size_t j = 0; j < sums.n; j++) {
			struct stage_sum one_sum = {sums.v[j].stage_id, sums.v[j].deals,
						    sums.v[j].amount, sums.v[j].expected};
			struct stage_sum_list one = {&one_sum, 1};

			if (sums.v[j].owner_id == u->id)
				fold_totals(&s->stages, &one, &o->t);
		}
		if (!o->t.won_count && !o->t.lost_count && !o->t.open_count)
			continue;
		o->owner_id = u->id;
		snprintf(o->username, sizeof(o->username), "%s", u->username);
		snprintf(o->display_name, sizeof(o->display_name), "%s", u->display_name);
		s->nowners++;
	}
out:
	report_sum_list_release(&sums);
	user_list_release(&users);
	return rc;
}

static int summary_check(const struct deal_filter *f, struct errinfo *e)
{
	if ((f->close_from[0] && !date_valid(f->close_from)) ||
	    (f->close_to[0] && !date_valid(f->close_to)))
		return errinfo_set(e, ERR_INVALID, "request.bad_parameter", "close_from",
				   "dates are YYYY-MM-DD");
	return 0;
}

int svc_summary(struct store *st, const struct actor *a, const struct deal_filter *f,
		struct summary *out, struct errinfo *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = summary_check(f, e)))
		return rc;
	WITH_TX(st, 0, rc, summary_tx(st, a, f, out, e));
	if (rc)
		summary_release(out);
	return rc;
}

int svc_summary_owners(struct store *st, const struct actor *a, const struct deal_filter *f,
		       struct summary *out, struct errinfo *e)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = summary_check(f, e)))
		return rc;
	WITH_TX(st, 0, rc, owners_tx(st, a, f, out, e));
	if (rc)
		summary_release(out);
	return rc;
}

void summary_release(struct summary *s)
{
	stage_list_release(&s->stages);
	free(s->sums);
	s->sums = NULL;
	free(s->owners);
	s->owners = NULL;
	s->nowners = 0;
}

/* ---- the board ---- */

/*
 * board_column_read reads column i: the cards of its stage under f (with the
 * actor's visibility in f->visible_to), one more than limit to know whether
 * more follow.
 */
static int board_column_read(struct store *st, const struct actor *a, const struct deal_filter *f,
			     int64_t after, int limit, struct board *b, size_t i, struct errinfo *e)
{
	const struct stage *stg = &b->sum.stages.v[i];
	struct board_column *c = &b->cols[i];
	struct deal_filter g = *f;
	int rc;

	if ((f->stage_id && f->stage_id != stg->id) ||
	    (f->status >= 0 && f->status != (int)stg->kind))
		return 0; /* the filter leaves the column empty */
	g.stage_id = stg->id;
	rc = st->ops->board_cards(st, a->workspace_id, &g, after, limit + 1, &c->cards);
	if (rc)
		return fail_std(e, rc, "deal");
	if (c->cards.n > (size_t)limit) {
		c->cards.n = (size_t)limit;
		c->more = 1;
	}
	return 0;
}

static int board_tx(struct store *st, const struct actor *a, const struct deal_filter *f,
		    int64_t after, int limit, struct board *b, struct errinfo *e)
{
	struct deal_filter g = *f;
	struct workspace w;
	int rc;

	board_release(b);
	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	g.visible_to = is_privileged(a) || w.members_see_all ? 0 : a->user_id;
	if (after) {
		if ((rc = st->ops->stage_list(st, a->workspace_id, &b->sum.stages)))
			return fail_std(e, rc, "stage");
		snprintf(b->sum.currency, sizeof(b->sum.currency), "%s", w.currency);
		b->sum.digits = money_digits(w.currency);
		b->paging = f->stage_id;
	} else if ((rc = summary_tx(st, a, f, &b->sum, e))) {
		return rc;
	}
	b->cols = calloc(b->sum.stages.n ? b->sum.stages.n : 1, sizeof(*b->cols));
	if (!b->cols)
		return fail_std(e, ERR_NOMEM, "board");
	for (size_t i = 0; i < b->sum.stages.n; i++)
		if ((rc = board_column_read(st, a, &g, after, limit, b, i, e)))
			return rc;
	return 0;
}

int svc_board(struct store *st, const struct actor *a, const struct deal_filter *f, int64_t after,
	      int limit, struct board *out, struct errinfo *e)
{
	struct tm tm;
	time_t day;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = summary_check(f, e)))
		return rc;
	if (after < 0 || (after > 0 && !f->stage_id))
		return errinfo_set(e, ERR_INVALID, "request.bad_parameter", "after",
				   "after pages one column: give its stage too");
	if (limit <= 0)
		limit = BOARD_LIMIT_DEFAULT;
	if (limit > BOARD_LIMIT_MAX)
		limit = BOARD_LIMIT_MAX;
	if ((rc = svc_report_now(NULL, &out->now, e)))
		return rc;
	day = (time_t)(out->now - 1); /* now is the end of a day, or within one */
	if (!gmtime_r(&day, &tm))
		return fail_std(e, ERR_INVALID, "board");
	strftime(out->today, sizeof(out->today), "%Y-%m-%d", &tm);
	WITH_TX(st, 0, rc, board_tx(st, a, f, after, limit, out, e));
	if (rc)
		board_release(out);
	return rc;
}

void board_release(struct board *b)
{
	if (b->cols)
		for (size_t i = 0; i < b->sum.stages.n; i++)
			board_card_list_release(&b->cols[i].cards);
	free(b->cols);
	b->cols = NULL;
	summary_release(&b->sum);
	b->paging = 0;
}
