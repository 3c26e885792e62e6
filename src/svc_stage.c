/*
 * svc_stage.c - the pipeline: list, find, add, change, reorder and remove
 * stages. Admins and managers shape the pipeline; everyone reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pipeline.h"
#include "svc_audit.h"
#include "svc_int.h"

static int stage_list_tx(struct store *st, const struct actor *a, struct stage_list *out,
			 struct errinfo *e)
{
	return fail_std(e, st->ops->stage_list(st, a->workspace_id, out), "stage");
}

int svc_stage_list(struct store *st, const struct actor *a, struct stage_list *out,
		   struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, stage_list_tx(st, a, out, e));
	return rc;
}

/* find_in resolves ref (key, zh-TW name, English name or decimal id) within the store. */
static int stage_find_tx(struct store *st, const struct actor *a, const char *ref,
			 struct stage *out, struct errinfo *e)
{
	struct stage_list l = {0};
	int rc, i;
	char *end;
	long long id;

	/*
	 * A key names one stage and wins over every name (stage_match), so a
	 * ref that is a key is one indexed row; names and ids need the list.
	 */
	if (stage_key_valid(ref)) {
		rc = st->ops->stage_get_by_key(st, a->workspace_id, ref, out);
		if (rc != ERR_NOTFOUND)
			return fail_std(e, rc, "stage");
	}
	if ((rc = st->ops->stage_list(st, a->workspace_id, &l)))
		return fail_std(e, rc, "stage");
	i = stage_match(l.v, l.n, ref);
	if (i < 0 && ref[0]) {
		id = strtoll(ref, &end, 10);
		if (*end == '\0')
			for (size_t j = 0; j < l.n; j++)
				if (l.v[j].id == id)
					i = (int)j;
	}
	if (i >= 0)
		*out = l.v[i];
	stage_list_release(&l);
	if (i < 0)
		return errinfo_set(e, ERR_NOTFOUND, "stage.not_found", "stage",
				   "unknown stage '%.100s'", ref);
	return 0;
}

int svc_stage_find(struct store *st, const struct actor *a, const char *ref, struct stage *out,
		   struct errinfo *e)
{
	int rc;

	WITH_TX(st, 0, rc, stage_find_tx(st, a, ref, out, e));
	return rc;
}

/* apply_input checks the fields of in that are set and writes them into s. */
static int apply_input(struct stage *s, const struct stage_input *in, struct errinfo *e)
{
	int rc;

	if (in->set & STAGE_SET_KEY) {
		if (!stage_key_valid(in->key))
			return errinfo_set(e, ERR_INVALID, "stage.key_invalid", "key",
					   "stage key '%.64s' must be a-z, 0-9 and '_', starting "
					   "with a letter",
					   in->key);
		snprintf(s->key, sizeof(s->key), "%s", in->key);
	}
	if (in->set & STAGE_SET_NAME_ZH &&
	    (rc = copy_text(s->name_zh, sizeof(s->name_zh), in->name_zh, "stage", "name_zh", 1, e)))
		return rc;
	if (in->set & STAGE_SET_NAME_EN &&
	    (rc = copy_text(s->name_en, sizeof(s->name_en), in->name_en, "stage", "name_en", 1, e)))
		return rc;
	if (in->set & STAGE_SET_GUIDANCE &&
	    (rc = copy_text(s->guidance, sizeof(s->guidance), in->guidance, "stage", "guidance", 0,
			    e)))
		return rc;
	if (in->set & STAGE_SET_PROBABILITY) {
		if (in->probability < 0 || in->probability > 100)
			return errinfo_set(e, ERR_INVALID, "stage.probability_range", "probability",
					   "probability must be 0-100, not %d", in->probability);
		s->probability = in->probability;
	}
	if (in->set & STAGE_SET_KIND) {
		if (in->kind != STAGE_OPEN && in->kind != STAGE_WON && in->kind != STAGE_LOST)
			return errinfo_set(e, ERR_INVALID, "stage.kind_invalid", "kind",
					   "kind must be open, won or lost");
		s->kind = in->kind;
	}
	if (in->set & STAGE_SET_POSITION && in->position < 1)
		return errinfo_set(e, ERR_INVALID, "stage.position_invalid", "position",
				   "position must be 1 or more");
	/* reports and history: "stalled after N days"; -1 or JSON null clears it. */
	if (in->set & STAGE_SET_STALLED) {
		int clear = in->stalled_days == -1 || in->stalled_days == PROBABILITY_NONE;

		if (!clear && (in->stalled_days < 1 || in->stalled_days > 3650))
			return errinfo_set(
			    e, ERR_INVALID, "stage.stalled_days_range", "stalled_days",
			    "stalled_days must be 1-3650 (or null), not %d", in->stalled_days);
		s->stalled_days = clear ? 0 : in->stalled_days;
	}
	return 0;
}

/* open_stages_besides counts open stages in l other than the one with id skip. */
static size_t open_stages_besides(const struct stage_list *l, int64_t skip)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].id != skip && l->v[i].kind == STAGE_OPEN;
	return n;
}

static int stage_conflict(struct errinfo *e, int rc, const char *key)
{
	if (rc == ERR_CONFLICT)
		return errinfo_set(e, rc, "stage.duplicate", "key", "stage '%s' already exists",
				   key);
	return fail_std(e, rc, "stage");
}

static int stage_create_tx(struct store *st, const struct actor *a, struct stage *s,
			   struct errinfo *e)
{
	int rc = st->ops->stage_create(st, s);

	if (rc)
		return stage_conflict(e, rc, s->key);
	/* reports and history: the stalled setting is its own column. */
	if (s->stalled_days && st->ops->stage_set_stalled &&
	    (rc = st->ops->stage_set_stalled(st, s->workspace_id, s->id, s->stalled_days)))
		return fail_std(e, rc, "stage");
	if ((rc = svc_audit_add(st, a, "stage.create", "stage", s->id, "{s:s,s:i}", "key", s->key,
				"probability", s->probability)))
		return fail_std(e, rc, "audit");
	return fail_std(e, st->ops->stage_get(st, s->workspace_id, s->id, s), "stage");
}

int svc_stage_create(struct store *st, const struct actor *a, const struct stage_input *in,
		     struct stage *out, struct errinfo *e)
{
	struct stage s = {0};
	int rc;

	if (!is_admin_actor(a))
		return fail_std(e, ERR_FORBIDDEN, "stage");
	if (!(in->set & STAGE_SET_KEY))
		return errinfo_set(e, ERR_INVALID, "stage.key_required", "key",
				   "a stage needs a key");
	if (!(in->set & STAGE_SET_NAME_ZH) && !(in->set & STAGE_SET_NAME_EN))
		return errinfo_set(e, ERR_INVALID, "stage.name_required", "name_en",
				   "a stage needs a name");
	if ((rc = apply_input(&s, in, e)))
		return rc;
	if (!s.name_zh[0])
		snprintf(s.name_zh, sizeof(s.name_zh), "%s", s.name_en);
	if (!s.name_en[0])
		snprintf(s.name_en, sizeof(s.name_en), "%s", s.name_zh);
	s.workspace_id = a->workspace_id;
	s.position = in->set & STAGE_SET_POSITION ? in->position : 0;
	WITH_TX(st, STORE_TX_PIPELINE, rc, stage_create_tx(st, a, &s, e));
	if (rc == 0)
		*out = s;
	return rc;
}

/* move_position rewrites the order so that stage id sits at position pos (1-based). */
static int move_position(struct store *st, int64_t ws, const struct stage_list *l, int64_t id,
			 int pos)
{
	int64_t *ids = malloc((l->n ? l->n : 1) * sizeof(*ids));
	size_t n = 0, want = (size_t)pos - 1;
	int rc;

	if (!ids)
		return ERR_NOMEM;
	if (want >= l->n)
		want = l->n - 1;
	for (size_t i = 0; i < l->n; i++) {
		if (l->v[i].id == id)
			continue;
		if (n == want)
			ids[n++] = id;
		ids[n++] = l->v[i].id;
	}
	if (n < l->n)
		ids[n++] = id;
	rc = st->ops->stage_set_positions(st, ws, ids, n);
	free(ids);
	return rc;
}

static int stage_update_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			   const struct stage_input *in, struct stage *s, struct errinfo *e)
{
	struct stage_list l = {0};
	int rc;

	if ((rc = st->ops->stage_get(st, a->workspace_id, id, s)))
		return fail_std(e, rc, "stage");
	if (if_version && if_version != s->version)
		return fail_std(e, ERR_STALE, "stage");
	if ((rc = apply_input(s, in, e)))
		return rc;
	if ((rc = st->ops->stage_list(st, a->workspace_id, &l)))
		return fail_std(e, rc, "stage");
	if (s->kind != STAGE_OPEN && open_stages_besides(&l, id) == 0) {
		rc = errinfo_set(e, ERR_INVALID, "stage.last_open", "kind",
				 "the pipeline needs at least one open stage");
		goto out;
	}
	if ((rc = st->ops->stage_update(st, s))) {
		rc = stage_conflict(e, rc, s->key);
		goto out;
	}
	/* reports and history: the stalled setting is its own column. */
	if (in->set & STAGE_SET_STALLED && st->ops->stage_set_stalled &&
	    (rc = st->ops->stage_set_stalled(st, a->workspace_id, id, s->stalled_days)))
		goto out;
	if (in->set & STAGE_SET_POSITION && in->position != s->position) {
		if ((rc = move_position(st, a->workspace_id, &l, id, in->position)))
			goto out;
	}
	rc = fail_std(e, st->ops->stage_get(st, a->workspace_id, id, s), "stage");
	if (rc == 0)
		rc = svc_audit_add(st, a, "stage.change", "stage", id, "{s:s,s:i,s:i,s:i}", "key",
				   s->key, "probability", s->probability, "kind", (int)s->kind,
				   "position", s->position);
out:
	stage_list_release(&l);
	return fail_std(e, rc, "stage");
}

int svc_stage_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		     const struct stage_input *in, struct stage *out, struct errinfo *e)
{
	struct stage s;
	int rc;

	if (!is_admin_actor(a) && (!is_privileged(a) || in->set != STAGE_SET_PROBABILITY))
		return fail_std(e, ERR_FORBIDDEN, "stage");
	WITH_TX(st, STORE_TX_PIPELINE, rc, stage_update_tx(st, a, id, if_version, in, &s, e));
	if (rc == 0)
		*out = s;
	return rc;
}

static int stage_delete_tx(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
			   struct errinfo *e)
{
	struct stage s;
	struct stage_list l = {0};
	int64_t n;
	int rc;

	if ((rc = st->ops->stage_get(st, a->workspace_id, id, &s)))
		return fail_std(e, rc, "stage");
	if (if_version && if_version != s.version)
		return fail_std(e, ERR_STALE, "stage");
	if ((rc = st->ops->stage_deal_count(st, a->workspace_id, id, &n)))
		return fail_std(e, rc, "stage");
	if (n > 0)
		return errinfo_set(e, ERR_INUSE, "stage.in_use", NULL,
				   "stage '%s' still holds %lld deals; move them first", s.key,
				   (long long)n);
	if ((rc = st->ops->stage_list(st, a->workspace_id, &l)))
		return fail_std(e, rc, "stage");
	n = (int64_t)open_stages_besides(&l, id);
	stage_list_release(&l);
	if (s.kind == STAGE_OPEN && n == 0)
		return errinfo_set(e, ERR_INVALID, "stage.last_open", NULL,
				   "the pipeline needs at least one open stage");
	if ((rc = st->ops->stage_delete(st, a->workspace_id, id)))
		return fail_std(e, rc, "stage");
	return fail_std(e, svc_audit_add(st, a, "stage.delete", "stage", id, "{s:s}", "key", s.key),
			"audit");
}

int svc_stage_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		     struct errinfo *e)
{
	int rc;

	if (!is_admin_actor(a))
		return fail_std(e, ERR_FORBIDDEN, "stage");
	WITH_TX(st, STORE_TX_PIPELINE, rc, stage_delete_tx(st, a, id, if_version, e));
	return rc;
}

static int stage_reorder_tx(struct store *st, const struct actor *a, const int64_t *ids, size_t n,
			    struct errinfo *e)
{
	int rc = st->ops->stage_set_positions(st, a->workspace_id, ids, n);

	if (rc == ERR_INVALID)
		return errinfo_set(e, rc, "stage.order_invalid", "ids",
				   "the order must list every stage of the pipeline once");
	if (rc == 0)
		rc = svc_audit_add(st, a, "stage.order", "", 0, "{s:i}", "stages", (int)n);
	return fail_std(e, rc, "stage");
}

int svc_stage_reorder(struct store *st, const struct actor *a, const int64_t *ids, size_t n,
		      struct errinfo *e)
{
	int rc;

	if (!is_admin_actor(a))
		return fail_std(e, ERR_FORBIDDEN, "stage");
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (ids[i] == ids[j])
				return errinfo_set(e, ERR_INVALID, "stage.order_invalid", "ids",
						   "stage %lld is listed twice", (long long)ids[i]);
	WITH_TX(st, STORE_TX_PIPELINE, rc, stage_reorder_tx(st, a, ids, n, e));
	return rc;
}
