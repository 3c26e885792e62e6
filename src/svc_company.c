/*
 * svc_company.c - companies (the customers) and their contacts.
 *
 * A member who may not see every deal sees a company when one of its deals
 * is theirs, or when it has no deals yet: a colleague's customer is not
 * leaked through the company directory.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "svc_audit.h"
#include "svc_int.h"

int company_visible(struct store *st, const struct actor *a, const struct workspace *w,
		    int64_t company_id)
{
	struct deal_filter f;
	struct deal_list l = {0};
	int64_t n;
	int rc;

	if (is_privileged(a) || w->members_see_all)
		return 0;
	if ((rc = st->ops->company_deal_count(st, a->workspace_id, company_id, &n)))
		return rc;
	if (n == 0)
		return 0;
	deal_filter_init(&f);
	f.company_id = company_id;
	f.visible_to = a->user_id;
	f.limit = 1;
	if ((rc = st->ops->deal_list(st, a->workspace_id, &f, 0, &l)))
		return rc;
	rc = l.n > 0 ? 0 : ERR_FORBIDDEN;
	deal_list_release(&l);
	return rc;
}

/* company_writable: managers, admins, or a member who owns one of its deals. */
static int company_writable(struct store *st, const struct actor *a, int64_t company_id)
{
	struct deal_filter f;
	struct deal_list l = {0};
	int rc;

	if (is_privileged(a))
		return 0;
	deal_filter_init(&f);
	f.company_id = company_id;
	f.visible_to = a->user_id;
	f.limit = 1;
	if ((rc = st->ops->deal_list(st, a->workspace_id, &f, 0, &l)))
		return rc;
	rc = l.n > 0 ? 0 : ERR_FORBIDDEN;
	deal_list_release(&l);
	return rc;
}

static int company_input_apply(struct company *c, const struct company_input *in, struct errinfo *e)
{
	int rc;

	if (in->set & COMPANY_SET_NAME &&
	    (rc = copy_text(c->name, sizeof(c->name), in->name, "company", "name", 1, e)))
		return rc;
	if (in->set & COMPANY_SET_WEBSITE &&
	    (rc = copy_text(c->website, sizeof(c->website), in->website, "company", "website", 0,
			    e)))
		return rc;
	if (in->set & COMPANY_SET_PHONE &&
	    (rc = copy_text(c->phone, sizeof(c->phone), in->phone, "company", "phone", 0, e)))
		return rc;
	return 0;
}

static int company_dup(struct errinfo *e, int rc, const char *name)
{
	if (rc == ERR_CONFLICT)
		return errinfo_set(e, rc, "company.duplicate", "name",
				   "company '%s' already exists", name);
	return fail_std(e, rc, "company");
}

static int company_create_tx(struct store *st, struct company *c, struct errinfo *e)
{
	return company_dup(e, st->ops->company_create(st, c), c->name);
}

int svc_company_create(struct store *st, const struct actor *a, const struct company_input *in,
		       struct company *out, struct errinfo *e)
{
	struct company c = {0};
	int rc;

	if (!(in->set & COMPANY_SET_NAME))
		return errinfo_set(e, ERR_INVALID, "company.name_required", "name",
				   "name is required");
	if ((rc = company_input_apply(&c, in, e)))
		return rc;
	c.workspace_id = a->workspace_id;
	WITH_TX(st, STORE_TX_WRITE, rc, company_create_tx(st, &c, e));
	if (rc == 0)
		*out = c;
	return rc;
}

static int company_get_tx(struct store *st, const struct actor *a, int64_t id, struct company *out,
			  struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	if ((rc = st->ops->company_get(st, a->workspace_id, id, out)))
		return fail_std(e, rc, "company");
	return fail_std(e, company_visible(st, a, &w, id), "company");
}

int svc_company_get(struct store *st, const struct actor *a, int64_t id, struct company *out,
		    struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, company_get_tx(st, a, id, out, e));
	return rc;
}

static int company_list_tx(struct store *st, const struct actor *a, struct company_filter *f,
			   struct company_list *out, struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	f->visible_to = is_privileged(a) || w.members_see_all ? 0 : a->user_id;
	return fail_std(e, st->ops->company_list(st, a->workspace_id, f, out), "company");
}

int svc_company_list(struct store *st, const struct actor *a, struct company_filter *f,
		     struct company_list *out, struct errinfo *e)
{
	int rc;

	if (f->limit <= 0)
		f->limit = 50;
	if (f->limit > 500)
		f->limit = 500;
	if (f->offset < 0)
		f->offset = 0;
	WITH_TX(st, 0, rc, company_list_tx(st, a, f, out, e));
	return rc;
}

static int company_update_tx(struct store *st, const struct actor *a, int64_t id,
			     int64_t if_version, const struct company_input *in, struct company *c,
			     struct errinfo *e)
{
	int rc;

	if ((rc = st->ops->company_get(st, a->workspace_id, id, c)))
		return fail_std(e, rc, "company");
	if (if_version && if_version != c->version)
		return fail_std(e, ERR_STALE, "company");
	if ((rc = company_input_apply(c, in, e)))
		return rc;
	return company_dup(e, st->ops->company_update(st, c), c->name);
}

int svc_company_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       const struct company_input *in, struct company *out, struct errinfo *e)
{
	struct company c;
	int rc;

	if (!is_privileged(a))
		return fail_std(e, ERR_FORBIDDEN, "company");
	WITH_TX(st, STORE_TX_WRITE, rc, company_update_tx(st, a, id, if_version, in, &c, e));
	if (rc == 0)
		*out = c;
	return rc;
}

static int company_delete_tx(struct store *st, const struct actor *a, int64_t id,
			     int64_t if_version, struct errinfo *e)
{
	struct company c;
	int64_t n;
	int rc;

	if ((rc = st->ops->company_get(st, a->workspace_id, id, &c)))
		return fail_std(e, rc, "company");
	if (if_version && if_version != c.version)
		return fail_std(e, ERR_STALE, "company");
	if ((rc = st->ops->company_deal_count(st, a->workspace_id, id, &n)))
		return fail_std(e, rc, "company");
	if (n > 0)
		return errinfo_set(e, ERR_INUSE, "company.in_use", NULL,
				   "company '%s' still has %lld deals", c.name, (long long)n);
	if ((rc = st->ops->company_delete(st, a->workspace_id, id)))
		return fail_std(e, rc, "company");
	return fail_std(
	    e, svc_audit_add(st, a, "company.delete", "company", id, "{s:s}", "name", c.name),
	    "audit");
}

int svc_company_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       struct errinfo *e)
{
	int rc;

	if (!is_privileged(a))
		return fail_std(e, ERR_FORBIDDEN, "company");
	WITH_TX(st, STORE_TX_WRITE, rc, company_delete_tx(st, a, id, if_version, e));
	return rc;
}

/* ---- contacts ---- */

static int contact_input_apply(struct contact *c, const struct contact_input *in, struct errinfo *e)
{
	int rc;

	if (in->set & CONTACT_SET_COMPANY)
		c->company_id = in->company_id;
	if (in->set & CONTACT_SET_NAME &&
	    (rc = copy_text(c->name, sizeof(c->name), in->name, "contact", "name", 1, e)))
		return rc;
	if (in->set & CONTACT_SET_TITLE &&
	    (rc = copy_text(c->title, sizeof(c->title), in->title, "contact", "title", 0, e)))
		return rc;
	if (in->set & CONTACT_SET_PHONE &&
	    (rc = copy_text(c->phone, sizeof(c->phone), in->phone, "contact", "phone", 0, e)))
		return rc;
	if (in->set & CONTACT_SET_EMAIL) {
		if ((rc = copy_text(c->email, sizeof(c->email), in->email, "contact", "email", 0,
				    e)))
			return rc;
		if (c->email[0] && !strchr(c->email, '@'))
			return errinfo_set(e, ERR_INVALID, "contact.email_invalid", "email",
					   "'%s' is not an email address", c->email);
	}
	return 0;
}

/* contact_company_check: the company exists here and the actor may write to it. */
static int contact_company_check(struct store *st, const struct actor *a, int64_t company_id,
				 struct errinfo *e)
{
	struct company co;
	int rc = st->ops->company_get(st, a->workspace_id, company_id, &co);

	if (rc == ERR_NOTFOUND)
		return errinfo_set(e, ERR_INVALID, "contact.company_unknown", "company_id",
				   "no company %lld", (long long)company_id);
	if (rc)
		return fail_std(e, rc, "company");
	return fail_std(e, company_writable(st, a, company_id), "contact");
}

static int contact_create_tx(struct store *st, const struct actor *a, struct contact *c,
			     struct errinfo *e)
{
	int rc;

	if ((rc = contact_company_check(st, a, c->company_id, e)))
		return rc;
	return fail_std(e, st->ops->contact_create(st, c), "contact");
}

int svc_contact_create(struct store *st, const struct actor *a, const struct contact_input *in,
		       struct contact *out, struct errinfo *e)
{
	struct contact c = {0};
	int rc;

	if (!(in->set & CONTACT_SET_COMPANY))
		return errinfo_set(e, ERR_INVALID, "contact.company_required", "company_id",
				   "company_id is required");
	if (!(in->set & CONTACT_SET_NAME))
		return errinfo_set(e, ERR_INVALID, "contact.name_required", "name",
				   "name is required");
	if ((rc = contact_input_apply(&c, in, e)))
		return rc;
	c.workspace_id = a->workspace_id;
	WITH_TX(st, STORE_TX_WRITE, rc, contact_create_tx(st, a, &c, e));
	if (rc == 0)
		*out = c;
	return rc;
}

static int contact_get_tx(struct store *st, const struct actor *a, int64_t id, struct contact *out,
			  struct errinfo *e)
{
	struct workspace w;
	int rc;

	if ((rc = load_ws(st, a, &w, e)))
		return rc;
	if ((rc = st->ops->contact_get(st, a->workspace_id, id, out)))
		return fail_std(e, rc, "contact");
	return fail_std(e, company_visible(st, a, &w, out->company_id), "contact");
}

int svc_contact_get(struct store *st, const struct actor *a, int64_t id, struct contact *out,
		    struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, contact_get_tx(st, a, id, out, e));
	return rc;
}

static int contact_list_tx(struct store *st, const struct actor *a, int64_t company_id,
			   struct contact_list *out, struct errinfo *e)
{
	struct company c;
	int rc;

	if ((rc = company_get_tx(st, a, company_id, &c, e)))
		return rc;
	return fail_std(e, st->ops->contact_list(st, a->workspace_id, company_id, out), "contact");
}

int svc_contact_list(struct store *st, const struct actor *a, int64_t company_id,
		     struct contact_list *out, struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, contact_list_tx(st, a, company_id, out, e));
	return rc;
}

static int contact_update_tx(struct store *st, const struct actor *a, int64_t id,
			     int64_t if_version, const struct contact_input *in, struct contact *c,
			     struct errinfo *e)
{
	int rc;

	if ((rc = st->ops->contact_get(st, a->workspace_id, id, c)))
		return fail_std(e, rc, "contact");
	if ((rc = contact_company_check(st, a, c->company_id, e)))
		return rc;
	if (if_version && if_version != c->version)
		return fail_std(e, ERR_STALE, "contact");
	if ((rc = contact_input_apply(c, in, e)))
		return rc;
	if (in->set & CONTACT_SET_COMPANY && (rc = contact_company_check(st, a, c->company_id, e)))
		return rc;
	return fail_std(e, st->ops->contact_update(st, c), "contact");
}

int svc_contact_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       const struct contact_input *in, struct contact *out, struct errinfo *e)
{
	struct contact c;
	int rc;

	WITH_TX(st, STORE_TX_WRITE, rc, contact_update_tx(st, a, id, if_version, in, &c, e));
	if (rc == 0)
		*out = c;
	return rc;
}

static int contact_delete_tx(struct store *st, const struct actor *a, int64_t id,
			     int64_t if_version, struct errinfo *e)
{
	struct contact c;
	int rc;

	if ((rc = st->ops->contact_get(st, a->workspace_id, id, &c)))
		return fail_std(e, rc, "contact");
	if ((rc = contact_company_check(st, a, c.company_id, e)))
		return rc;
	if (if_version && if_version != c.version)
		return fail_std(e, ERR_STALE, "contact");
	if ((rc = st->ops->contact_delete(st, a->workspace_id, id)))
		return fail_std(e, rc, "contact");
	return fail_std(e,
			svc_audit_add(st, a, "contact.delete", "contact", id, "{s:s,s:I}", "name",
				      c.name, "company_id", (json_int_t)c.company_id),
			"audit");
}

int svc_contact_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		       struct errinfo *e)
{
	int rc;

	WITH_TX(st, STORE_TX_WRITE, rc, contact_delete_tx(st, a, id, if_version, e));
	return rc;
}
