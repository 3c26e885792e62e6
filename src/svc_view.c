/*
 * svc_view.c - saved views: named deal-list filters that a user keeps for
 * themself or shares with the workspace (the deal list and the board of the
 * web app use them).
 *
 * Rights: the owner reads and edits their views; a shared view is read by
 * everyone in the workspace and also edited or deleted by managers and
 * admins. A private view of someone else is ERR_FORBIDDEN when asked for by
 * id, and never appears in a list.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "svc_audit.h"
#include "svc_int.h"

void saved_view_list_release(struct saved_view_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int view_readable(const struct actor *a, const struct saved_view *v)
{
	return v->shared || v->owner_id == a->user_id || a->system;
}

static int view_writable(const struct actor *a, const struct saved_view *v)
{
	return v->owner_id == a->user_id || (v->shared && is_privileged(a)) || a->system;
}

static int view_input_apply(struct saved_view *v, const struct view_input *in, struct errinfo *e)
{
	int rc;

	if (in->set & VIEW_SET_NAME &&
	    (rc = copy_text(v->name, sizeof(v->name), in->name, "view", "name", 1, e)))
		return rc;
	if (in->set & VIEW_SET_SHARED)
		v->shared = in->shared ? 1 : 0;
	if (in->set & VIEW_SET_FILTER) {
		if (strlen(in->filter) > CAP_VIEW_FILTER)
			return errinfo_set(e, ERR_INVALID, "view.filter_too_long", "filter",
					   "the filter is over %d bytes", CAP_VIEW_FILTER);
		memcpy(v->filter, in->filter, strlen(in->filter) + 1);
	}
	return 0;
}

static int view_dup(struct errinfo *e, int rc, const char *name)
{
	if (rc == ERR_CONFLICT)
		return errinfo_set(e, rc, "view.duplicate", "name", "you already have a view '%s'",
				   name);
	return fail_std(e, rc, "view");
}

static int no_backend(struct store *st, struct errinfo *e)
{
	if (st->ops->view_get)
		return 0;
	return errinfo_set(e, ERR_DB, "server.error", NULL,
			   "saved views are not supported by the '%s' store", st->ops->name);
}

/* view_create_tx stores v and reads it back, joined fields included. */
static int view_create_tx(struct store *st, struct saved_view *v, struct errinfo *e)
{
	int rc = view_dup(e, st->ops->view_create(st, v), v->name);

	if (rc == 0)
		rc = fail_std(e, st->ops->view_get(st, v->workspace_id, v->id, v), "view");
	return rc;
}

int svc_view_create(struct store *st, const struct actor *a, const struct view_input *in,
		    struct saved_view *out, struct errinfo *e)
{
	struct saved_view *v;
	int rc;

	if ((rc = no_backend(st, e)))
		return rc;
	if (!a->user_id)
		return errinfo_set(e, ERR_FORBIDDEN, "auth.forbidden", NULL,
				   "saved views belong to users; log in as one");
	if (!(in->set & VIEW_SET_NAME))
		return errinfo_set(e, ERR_INVALID, "view.name_required", "name",
				   "name is required");
	v = calloc(1, sizeof(*v));
	if (!v)
		return fail_std(e, ERR_NOMEM, "view");
	strcpy(v->filter, "{}");
	if ((rc = view_input_apply(v, in, e)))
		goto out;
	v->workspace_id = a->workspace_id;
	v->owner_id = a->user_id;
	WITH_TX(st, STORE_TX_WRITE, rc, view_create_tx(st, v, e));
	if (rc == 0)
		*out = *v;
out:
	free(v);
	return rc;
}

static int view_get_tx(struct store *st, const struct actor *a, int64_t id, struct saved_view *out,
		       struct errinfo *e)
{
	int rc;

	if ((rc = st->ops->view_get(st, a->workspace_id, id, out)))
		return fail_std(e, rc, "view");
	return view_readable(a, out) ? 0 : fail_std(e, ERR_FORBIDDEN, "view");
}

int svc_view_get(struct store *st, const struct actor *a, int64_t id, struct saved_view *out,
		 struct errinfo *e)
{
	struct saved_view *v;
	int rc;

	if ((rc = no_backend(st, e)))
		return rc;
	v = malloc(sizeof(*v));
	if (!v)
		return fail_std(e, ERR_NOMEM, "view");
	WITH_TX(st, 0, rc, view_get_tx(st, a, id, v, e));
	if (rc == 0)
		*out = *v;
	free(v);
	return rc;
}

static int view_list_tx(struct store *st, const struct actor *a, struct saved_view_list *out,
			struct errinfo *e)
{
	return fail_std(e, st->ops->view_list(st, a->workspace_id, a->user_id, out), "view");
}

int svc_view_list(struct store *st, const struct actor *a, struct saved_view_list *out,
		  struct errinfo *e)
{
	int rc;

	if ((rc = no_backend(st, e)))
		return rc;
	WITH_TX(st, 0, rc, view_list_tx(st, a, out, e));
	return rc;
}

static int view_update_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			  const struct view_input *in, struct saved_view *v, struct errinfo *e)
{
	int rc;

	if ((rc = view_get_tx(st, a, id, v, e)))
		return rc;
	if (!view_writable(a, v))
		return fail_std(e, ERR_FORBIDDEN, "view");
	if (if_version && if_version != v->version)
		return fail_std(e, ERR_STALE, "view");
	if ((rc = view_input_apply(v, in, e)))
		return rc;
	/* A manager editing a colleague's shared view may not make it private to its owner. */
	if (!v->shared && v->owner_id != a->user_id && !a->system)
		return errinfo_set(e, ERR_FORBIDDEN, "auth.forbidden", "shared",
				   "only the owner may make a view private");
	return view_dup(e, st->ops->view_update(st, v), v->name);
}

int svc_view_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct view_input *in, struct saved_view *out, struct errinfo *e)
{
	struct saved_view *v;
	int rc;

	if ((rc = no_backend(st, e)))
		return rc;
	v = malloc(sizeof(*v));
	if (!v)
		return fail_std(e, ERR_NOMEM, "view");
	WITH_TX(st, STORE_TX_WRITE, rc, view_update_tx(st, a, id, if_version, in, v, e));
	if (rc == 0)
		*out = *v;
	free(v);
	return rc;
}

static int view_delete_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			  struct saved_view *v, struct errinfo *e)
{
	int rc;

	if ((rc = view_get_tx(st, a, id, v, e)))
		return rc;
	if (!view_writable(a, v))
		return fail_std(e, ERR_FORBIDDEN, "view");
	if (if_version && if_version != v->version)
		return fail_std(e, ERR_STALE, "view");
	if ((rc = st->ops->view_delete(st, a->workspace_id, id)))
		return fail_std(e, rc, "view");
	return fail_std(e,
			svc_audit_add(st, a, "view.delete", "view", id, "{s:s,s:b}", "name",
				      v->name, "shared", v->shared),
			"audit");
}

int svc_view_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    struct errinfo *e)
{
	struct saved_view *v;
	int rc;

	if ((rc = no_backend(st, e)))
		return rc;
	v = malloc(sizeof(*v));
	if (!v)
		return fail_std(e, ERR_NOMEM, "view");
	WITH_TX(st, STORE_TX_WRITE, rc, view_delete_tx(st, a, id, if_version, v, e));
	free(v);
	return rc;
}
