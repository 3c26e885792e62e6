/*
 * store_pg_audit.c - the PostgreSQL side of the audit log and the deal
 * trash; the same tables and rules as store_sqlite_audit.c (a trashed deal
 * moves out of deal, stage_history, deal_change and deal_note into the
 * *_trash tables, so nothing that reads deals sees it). The tables come from
 * the "audit log and deal trash" migration in store_pg.c; the statements use
 * the slots PG_EXT_AUDIT + ... . Times are RFC 3339 text, compared as text.
 */
#include <string.h>

#include "err.h"
#include "store_pg_int.h"

enum {
	AU_ADD = PG_EXT_AUDIT,
	AU_LIST,
	TR_DEAL,
	TR_HISTORY,
	TR_CHANGES,
	TR_NOTES,
	TR_DELETE,
	UN_DEAL,
	UN_HISTORY,
	UN_CHANGES,
	UN_NOTES,
	PU_DEAL,
	PU_HISTORY,
	PU_CHANGES,
	PU_NOTES,
	TR_LIST,
	TR_GET,
	TR_EXPIRED,
};

#define DEAL_COLS                                                                                  \
	"id, workspace_id, company_id, name, amount, currency, stage_id, probability, owner_id,"   \
	" assigned_by, assigned_at, close_date, next_step, created_by, created_at, updated_at,"    \
	" version, external_id"
#define HISTORY_COLS "id, workspace_id, deal_id, from_stage_id, to_stage_id, changed_by, changed_at"
#define CHANGE_COLS  "id, workspace_id, deal_id, field, old_value, new_value, changed_by, changed_at"
#define NOTE_COLS    " workspace_id, deal_id, note_id, cited_by, cited_at"
#define BY_DEAL	     " WHERE workspace_id = $1::bigint AND deal_id = $2::bigint"

#define TRASH_SELECT                                                                               \
	"SELECT d.id, d.workspace_id, d.company_id, d.name, d.amount, d.currency, d.stage_id,"     \
	" d.probability, d.owner_id, d.assigned_by, d.assigned_at, d.close_date, d.next_step,"     \
	" d.created_by, d.created_at, d.updated_at, d.version,"                                    \
	" c.name, u.username, u.display_name, s.key, s.kind, s.probability,"                       \
	" d.deleted_at, d.deleted_by, x.username"                                                  \
	" FROM deal_trash d"                                                                       \
	" LEFT JOIN company c ON c.workspace_id = d.workspace_id AND c.id = d.company_id"          \
	" LEFT JOIN users u ON u.workspace_id = d.workspace_id AND u.id = d.owner_id"              \
	" LEFT JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"              \
	" LEFT JOIN users x ON x.workspace_id = d.workspace_id AND x.id = d.deleted_by"

static const char *const sql[] = {
    [AU_ADD - PG_EXT_AUDIT] =
	"INSERT INTO audit (workspace_id, at, actor_id, action, target_type, target_id, addr,"
	" detail) VALUES ($1::bigint, $2::text, $3::bigint, $4::text, $5::text, $6::bigint,"
	" $7::text, $8::text) RETURNING id",
    [AU_LIST - PG_EXT_AUDIT] =
	"SELECT a.id, a.workspace_id, a.at, a.actor_id, a.action, a.target_type, a.target_id,"
	" a.addr, a.detail, u.username FROM audit a"
	" LEFT JOIN users u ON u.workspace_id = a.workspace_id AND u.id = a.actor_id"
	" WHERE a.workspace_id = $1::bigint AND ($2::bigint IS NULL OR a.id < $2::bigint)"
	" AND ($3::text IS NULL OR a.action = $3::text)"
	" AND ($4::text IS NULL OR left(a.action, length($4::text)) = $4::text)"
	" AND ($5::bigint IS NULL OR a.actor_id = $5::bigint)"
	" AND ($6::integer = 0 OR a.actor_id IS NULL)"
	" AND ($7::text IS NULL OR a.target_type = $7::text)"
	" AND ($8::bigint IS NULL OR a.target_id = $8::bigint)"
	" AND ($9::text IS NULL OR a.at >= $9::text) AND ($10::text IS NULL OR a.at < $10::text)"
	" ORDER BY a.id DESC LIMIT $11::bigint",
    [TR_DEAL - PG_EXT_AUDIT] = "INSERT INTO deal_trash (" DEAL_COLS ", deleted_at, deleted_by)"
			       " SELECT " DEAL_COLS ", $3::text, $4::bigint FROM deal"
			       " WHERE workspace_id = $1::bigint AND id = $2::bigint",
    [TR_HISTORY - PG_EXT_AUDIT] = "INSERT INTO stage_history_trash (" HISTORY_COLS ")"
				  " SELECT " HISTORY_COLS " FROM stage_history" BY_DEAL,
    [TR_CHANGES - PG_EXT_AUDIT] = "INSERT INTO deal_change_trash (" CHANGE_COLS ")"
				  " SELECT " CHANGE_COLS " FROM deal_change" BY_DEAL,
    [TR_NOTES - PG_EXT_AUDIT] = "INSERT INTO deal_note_trash (" NOTE_COLS ")"
				" SELECT " NOTE_COLS " FROM deal_note" BY_DEAL,
    [TR_DELETE - PG_EXT_AUDIT] = "DELETE FROM deal WHERE workspace_id = $1::bigint"
				 " AND id = $2::bigint",
    [UN_DEAL - PG_EXT_AUDIT] =
	"INSERT INTO deal (" DEAL_COLS ") SELECT " DEAL_COLS
	" FROM deal_trash WHERE workspace_id = $1::bigint AND id = $2::bigint",
    [UN_HISTORY - PG_EXT_AUDIT] = "INSERT INTO stage_history (" HISTORY_COLS
				  ") SELECT " HISTORY_COLS " FROM stage_history_trash" BY_DEAL,
    [UN_CHANGES - PG_EXT_AUDIT] = "INSERT INTO deal_change (" CHANGE_COLS ") SELECT " CHANGE_COLS
				  " FROM deal_change_trash" BY_DEAL,
    [UN_NOTES - PG_EXT_AUDIT] =
	"INSERT INTO deal_note (" NOTE_COLS ") SELECT" NOTE_COLS " FROM deal_note_trash t"
	" WHERE t.workspace_id = $1::bigint AND t.deal_id = $2::bigint AND EXISTS (SELECT 1"
	" FROM note n WHERE n.workspace_id = t.workspace_id AND n.id = t.note_id)",
    [PU_DEAL - PG_EXT_AUDIT] = "DELETE FROM deal_trash WHERE workspace_id = $1::bigint"
			       " AND id = $2::bigint",
    [PU_HISTORY - PG_EXT_AUDIT] = "DELETE FROM stage_history_trash" BY_DEAL,
    [PU_CHANGES - PG_EXT_AUDIT] = "DELETE FROM deal_change_trash" BY_DEAL,
    [PU_NOTES - PG_EXT_AUDIT] = "DELETE FROM deal_note_trash" BY_DEAL,
    [TR_LIST - PG_EXT_AUDIT] = TRASH_SELECT " WHERE d.workspace_id = $1::bigint"
					    " AND ($2::bigint = 0 OR d.owner_id = $2::bigint)"
					    " ORDER BY d.deleted_at DESC, d.id DESC",
    [TR_GET - PG_EXT_AUDIT] = TRASH_SELECT " WHERE d.workspace_id = $1::bigint"
					   " AND d.id = $2::bigint",
    [TR_EXPIRED - PG_EXT_AUDIT] = "SELECT id FROM deal_trash WHERE workspace_id = $1::bigint"
				  " AND deleted_at < $2::text ORDER BY deleted_at, id",
};

static int exec(struct store *base, int slot, const struct pgp *p, PGresult **out, int fk_err)
{
	return pg_exec_ext(pg(base), slot, sql[slot - PG_EXT_AUDIT], p, out, fk_err);
}

/* run runs statement slot with (ws, id); changed: ERR_NOTFOUND when no row changed. */
static int run(struct store *base, int slot, int64_t ws, int64_t id, int changed, int fk_err)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, id);
	if ((rc = exec(base, slot, &p, &r, fk_err)))
		return rc;
	if (changed && pg_changed(r) == 0)
		rc = ERR_NOTFOUND;
	PQclear(r);
	return rc;
}

int pg_audit_add(struct store *base, struct audit_entry *a)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	if (!a->at[0])
		store_now(a->at);
	pgp_i64(&p, a->workspace_id);
	pgp_text(&p, a->at);
	pgp_id_null(&p, a->actor_id);
	pgp_text(&p, a->action);
	pgp_text_null(&p, a->target_type);
	pgp_id_null(&p, a->target_id);
	pgp_text(&p, a->addr);
	pgp_text(&p, a->detail[0] ? a->detail : "{}");
	if ((rc = exec(base, AU_ADD, &p, &r, ERR_INVALID)))
		return rc;
	if (PQntuples(r) == 1)
		a->id = pg_col_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static void row_audit(const PGresult *r, int i, void *out)
{
	struct audit_entry *a = out;

	memset(a, 0, sizeof(*a));
	a->id = pg_col_i64(r, i, 0);
	a->workspace_id = pg_col_i64(r, i, 1);
	PG_TEXT(r, i, 2, a->at);
	a->actor_id = pg_col_i64(r, i, 3);
	PG_TEXT(r, i, 4, a->action);
	PG_TEXT(r, i, 5, a->target_type);
	a->target_id = pg_col_i64(r, i, 6);
	PG_TEXT(r, i, 7, a->addr);
	PG_TEXT(r, i, 8, a->detail);
	PG_TEXT(r, i, 9, a->actor_username);
}

int pg_audit_list(struct store *base, int64_t ws, const struct audit_filter *f,
		  struct audit_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	size_t alen = strlen(f->action);
	int prefix = alen > 0 && f->action[alen - 1] == '.';
	int rc;

	pgp_i64(&p, ws);
	pgp_id_null(&p, f->before_id);
	pgp_text_null(&p, prefix ? "" : f->action);
	pgp_text_null(&p, prefix ? f->action : "");
	pgp_id_null(&p, f->actor_id > 0 ? f->actor_id : 0);
	pgp_i64(&p, f->actor_id < 0);
	pgp_text_null(&p, f->target_type);
	pgp_id_null(&p, f->target_id);
	pgp_text_null(&p, f->since);
	pgp_text_null(&p, f->until);
	pgp_i64(&p, f->limit);
	if ((rc = exec(base, AU_LIST, &p, &r, ERR_DB)))
		return rc;
	rc = pg_rows_new(r, sizeof(struct audit_entry), row_audit, (void **)&out->v, &out->n);
	PQclear(r);
	return rc;
}

int pg_deal_trash(struct store *base, int64_t ws, int64_t id, int64_t by, const char *at)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, id);
	pgp_text(&p, at);
	pgp_id_null(&p, by);
	if ((rc = exec(base, TR_DEAL, &p, &r, ERR_INVALID)))
		return rc;
	rc = pg_changed(r) == 0 ? ERR_NOTFOUND : 0;
	PQclear(r);
	if (rc || (rc = run(base, TR_HISTORY, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(base, TR_CHANGES, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(base, TR_NOTES, ws, id, 0, ERR_INVALID)))
		return rc;
	/* the live delete: deal_sum subtracts it, the child rows cascade */
	if ((rc = pg_sum_deal(pg(base), ws, id, -1)) ||
	    (rc = run(base, TR_DELETE, ws, id, 1, ERR_INUSE)))
		return rc;
	return pg_fact_delete(pg(base), ws, id); /* reports: deal_fact and deal_stay */
}

int pg_trash_purge(struct store *base, int64_t ws, int64_t id)
{
	int rc;

	if ((rc = run(base, PU_DEAL, ws, id, 1, ERR_INUSE)) ||
	    (rc = run(base, PU_HISTORY, ws, id, 0, ERR_INUSE)) ||
	    (rc = run(base, PU_CHANGES, ws, id, 0, ERR_INUSE)))
		return rc;
	return run(base, PU_NOTES, ws, id, 0, ERR_INUSE);
}

int pg_deal_untrash(struct store *base, int64_t ws, int64_t id)
{
	int rc;

	if ((rc = run(base, UN_DEAL, ws, id, 1, ERR_INVALID)) ||
	    (rc = pg_sum_deal(pg(base), ws, id, 1)) || /* reports: deal_sum counts it again */
	    (rc = run(base, UN_HISTORY, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(base, UN_CHANGES, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(base, UN_NOTES, ws, id, 0, ERR_INVALID)) ||
	    (rc = pg_fact_deal(pg(base), ws, id))) /* reports: its deal_fact row is back */
		return rc;
	return pg_trash_purge(base, ws, id);
}

static void row_trash(const PGresult *r, int i, void *out)
{
	struct trash_entry *t = out;

	memset(t, 0, sizeof(*t));
	pg_row_deal(r, i, &t->deal);
	PG_TEXT(r, i, PG_DEAL_NCOLS, t->deleted_at);
	t->deleted_by = pg_col_i64(r, i, PG_DEAL_NCOLS + 1);
	PG_TEXT(r, i, PG_DEAL_NCOLS + 2, t->deleted_by_username);
}

int pg_trash_list(struct store *base, int64_t ws, int64_t owner, struct trash_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, owner);
	if ((rc = exec(base, TR_LIST, &p, &r, ERR_DB)))
		return rc;
	rc = pg_rows_new(r, sizeof(struct trash_entry), row_trash, (void **)&out->v, &out->n);
	PQclear(r);
	return rc;
}

int pg_trash_get(struct store *base, int64_t ws, int64_t id, struct trash_entry *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, id);
	if ((rc = exec(base, TR_GET, &p, &r, ERR_DB)))
		return rc;
	if (PQntuples(r) == 1)
		row_trash(r, 0, out);
	else
		rc = ERR_NOTFOUND;
	PQclear(r);
	return rc;
}

static void row_id(const PGresult *r, int i, void *out)
{
	*(int64_t *)out = pg_col_i64(r, i, 0);
}

int pg_trash_expired(struct store *base, int64_t ws, const char *before, struct id_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_text(&p, before);
	if ((rc = exec(base, TR_EXPIRED, &p, &r, ERR_DB)))
		return rc;
	rc = pg_rows_new(r, sizeof(int64_t), row_id, (void **)&out->v, &out->n);
	PQclear(r);
	return rc;
}
