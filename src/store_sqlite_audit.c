/*
 * store_sqlite_audit.c - the SQLite side of the audit log and the deal
 * trash. The tables come from the "audit log and deal trash" migration in
 * store_sqlite.c; the statements use the slots SQ_EXT_AUDIT + ... .
 *
 * A deleted deal leaves the live tables: its row moves to deal_trash and its
 * stage history, field changes and citations to stage_history_trash,
 * deal_change_trash and deal_note_trash (same columns, no foreign keys), in
 * the caller's transaction. So every query of `deal` (lists, search, the
 * summary's deal_sum, the reports, exports) leaves trashed deals out without
 * a condition of its own; a restore moves the rows back with their ids.
 */
#include <string.h>

#include "err.h"
#include "store_sqlite_int.h"

enum {
	AU_ADD = SQ_EXT_AUDIT,
	AU_LIST,
	TR_DEAL,
	TR_HISTORY,
	TR_CHANGES,
	TR_NOTES,
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

/* The columns of a deal row, as in `deal` and `deal_trash`. */
#define DEAL_COLS                                                                                  \
	"id, workspace_id, company_id, name, amount, currency, stage_id, probability, owner_id,"   \
	" assigned_by, assigned_at, close_date, next_step, created_by, created_at, updated_at,"    \
	" version, external_id"
#define HISTORY_COLS "id, workspace_id, deal_id, from_stage_id, to_stage_id, changed_by, changed_at"
#define CHANGE_COLS  "id, workspace_id, deal_id, field, old_value, new_value, changed_by, changed_at"
#define NOTE_COLS    "workspace_id, deal_id, note_id, cited_by, cited_at"

/*
 * A trashed deal in sq_row_deal()'s column order, then when and by whom it
 * was deleted; its company or stage may be gone, hence the outer joins.
 */
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
    [AU_ADD - SQ_EXT_AUDIT] =
	"INSERT INTO audit (workspace_id, at, actor_id, action, target_type, target_id, addr,"
	" detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [AU_LIST - SQ_EXT_AUDIT] =
	"SELECT a.id, a.workspace_id, a.at, a.actor_id, a.action, a.target_type, a.target_id,"
	" a.addr, a.detail, u.username FROM audit a"
	" LEFT JOIN users u ON u.workspace_id = a.workspace_id AND u.id = a.actor_id"
	" WHERE a.workspace_id = ?1 AND (?2 IS NULL OR a.id < ?2)"
	" AND (?3 IS NULL OR a.action = ?3)"
	" AND (?4 IS NULL OR substr(a.action, 1, length(?4)) = ?4)"
	" AND (?5 IS NULL OR a.actor_id = ?5) AND (?6 = 0 OR a.actor_id IS NULL)"
	" AND (?7 IS NULL OR a.target_type = ?7) AND (?8 IS NULL OR a.target_id = ?8)"
	" AND (?9 IS NULL OR a.at >= ?9) AND (?10 IS NULL OR a.at < ?10)"
	" ORDER BY a.id DESC LIMIT ?11",
    [TR_DEAL - SQ_EXT_AUDIT] = "INSERT INTO deal_trash (" DEAL_COLS ", deleted_at, deleted_by)"
			       " SELECT " DEAL_COLS ", ?3, ?4 FROM deal"
			       " WHERE workspace_id = ?1 AND id = ?2",
    [TR_HISTORY - SQ_EXT_AUDIT] = "INSERT INTO stage_history_trash (" HISTORY_COLS ")"
				  " SELECT " HISTORY_COLS " FROM stage_history"
				  " WHERE workspace_id = ?1 AND deal_id = ?2",
    [TR_CHANGES - SQ_EXT_AUDIT] = "INSERT INTO deal_change_trash (" CHANGE_COLS ")"
				  " SELECT " CHANGE_COLS " FROM deal_change"
				  " WHERE workspace_id = ?1 AND deal_id = ?2",
    [TR_NOTES - SQ_EXT_AUDIT] = "INSERT INTO deal_note_trash (" NOTE_COLS ")"
				" SELECT " NOTE_COLS " FROM deal_note"
				" WHERE workspace_id = ?1 AND deal_id = ?2",
    [UN_DEAL - SQ_EXT_AUDIT] = "INSERT INTO deal (" DEAL_COLS ") SELECT " DEAL_COLS
			       " FROM deal_trash WHERE workspace_id = ?1 AND id = ?2",
    [UN_HISTORY - SQ_EXT_AUDIT] =
	"INSERT INTO stage_history (" HISTORY_COLS ") SELECT " HISTORY_COLS
	" FROM stage_history_trash WHERE workspace_id = ?1 AND deal_id = ?2",
    [UN_CHANGES - SQ_EXT_AUDIT] =
	"INSERT INTO deal_change (" CHANGE_COLS ") SELECT " CHANGE_COLS
	" FROM deal_change_trash WHERE workspace_id = ?1 AND deal_id = ?2",
    [UN_NOTES - SQ_EXT_AUDIT] =
	"INSERT INTO deal_note (" NOTE_COLS ") SELECT " NOTE_COLS " FROM deal_note_trash t"
	" WHERE t.workspace_id = ?1 AND t.deal_id = ?2 AND EXISTS (SELECT 1 FROM note n"
	" WHERE n.workspace_id = t.workspace_id AND n.id = t.note_id)",
    [PU_DEAL - SQ_EXT_AUDIT] = "DELETE FROM deal_trash WHERE workspace_id = ?1 AND id = ?2",
    [PU_HISTORY - SQ_EXT_AUDIT] =
	"DELETE FROM stage_history_trash WHERE workspace_id = ?1 AND deal_id = ?2",
    [PU_CHANGES - SQ_EXT_AUDIT] =
	"DELETE FROM deal_change_trash WHERE workspace_id = ?1 AND deal_id = ?2",
    [PU_NOTES - SQ_EXT_AUDIT] =
	"DELETE FROM deal_note_trash WHERE workspace_id = ?1 AND deal_id = ?2",
    [TR_LIST - SQ_EXT_AUDIT] = TRASH_SELECT " WHERE d.workspace_id = ?1"
					    " AND (?2 = 0 OR d.owner_id = ?2)"
					    " ORDER BY d.deleted_at DESC, d.id DESC",
    [TR_GET - SQ_EXT_AUDIT] = TRASH_SELECT " WHERE d.workspace_id = ?1 AND d.id = ?2",
    [TR_EXPIRED - SQ_EXT_AUDIT] = "SELECT id FROM deal_trash WHERE workspace_id = ?1"
				  " AND deleted_at < ?2 ORDER BY deleted_at, id",
};

static int stmt(struct sqlite_store *s, int slot, sqlite3_stmt **out)
{
	return sq_stmt_ext(s, slot, sql[slot - SQ_EXT_AUDIT], out);
}

static void row_audit(sqlite3_stmt *st, void *out)
{
	struct audit_entry *a = out;

	memset(a, 0, sizeof(*a));
	a->id = sq_col_i64(st, 0);
	a->workspace_id = sq_col_i64(st, 1);
	COL_TEXT(st, 2, a->at);
	a->actor_id = sq_col_i64(st, 3);
	COL_TEXT(st, 4, a->action);
	COL_TEXT(st, 5, a->target_type);
	a->target_id = sq_col_i64(st, 6);
	COL_TEXT(st, 7, a->addr);
	COL_TEXT(st, 8, a->detail);
	COL_TEXT(st, 9, a->actor_username);
}

int sqlite_audit_add(struct store *base, struct audit_entry *a)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	sq_stamp(a->at);
	if ((rc = stmt(s, AU_ADD, &st)))
		return rc;
	if (sq_bind_i64(st, 1, a->workspace_id) | sq_bind_text(st, 2, a->at) |
	    sq_bind_id_null(st, 3, a->actor_id) | sq_bind_text(st, 4, a->action) |
	    sq_bind_text_null(st, 5, a->target_type) | sq_bind_id_null(st, 6, a->target_id) |
	    sq_bind_text(st, 7, a->addr) | sq_bind_text(st, 8, a->detail[0] ? a->detail : "{}")) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (!rc)
		a->id = sqlite3_last_insert_rowid(s->db);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_audit_list(struct store *base, int64_t ws, const struct audit_filter *f,
		      struct audit_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	size_t alen = strlen(f->action);
	int prefix = alen > 0 && f->action[alen - 1] == '.';
	int rc;

	if ((rc = stmt(s, AU_LIST, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_id_null(st, 2, f->before_id) |
	    sq_bind_text_null(st, 3, prefix ? "" : f->action) |
	    sq_bind_text_null(st, 4, prefix ? f->action : "") |
	    sq_bind_id_null(st, 5, f->actor_id > 0 ? f->actor_id : 0) |
	    sq_bind_i64(st, 6, f->actor_id < 0) | sq_bind_text_null(st, 7, f->target_type) |
	    sq_bind_id_null(st, 8, f->target_id) | sq_bind_text_null(st, 9, f->since) |
	    sq_bind_text_null(st, 10, f->until) | sq_bind_i64(st, 11, f->limit)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all(s, st, sizeof(struct audit_entry), row_audit, (void **)&out->v, &out->n);
out:
	sq_stmt_done(st);
	return rc;
}

/* prep prepares statement slot with (ws, id) bound as ?1 and ?2 into *out. */
static int prep(struct sqlite_store *s, int slot, int64_t ws, int64_t id, sqlite3_stmt **out)
{
	int rc = stmt(s, slot, out);

	if (rc == 0 && (sq_bind_i64(*out, 1, ws) | sq_bind_i64(*out, 2, id))) {
		rc = sq_bind_failed(s);
		sq_stmt_done(*out);
	}
	return rc;
}

/* run runs statement slot with (ws, id) bound; changed: 1 when a row must change. */
static int run(struct sqlite_store *s, int slot, int64_t ws, int64_t id, int changed, int fk_err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, slot, ws, id, &st)))
		return rc;
	rc = changed ? sq_step_changed(s, st, fk_err) : sq_step_done(s, st, fk_err);
	sq_stmt_done(st);
	return rc;
}

int sqlite_deal_trash(struct store *base, int64_t ws, int64_t id, int64_t by, const char *at)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(s, TR_DEAL, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id) | sq_bind_text(st, 3, at) |
	    sq_bind_id_null(st, 4, by))
		rc = sq_bind_failed(s);
	else
		rc = sq_step_changed(s, st, ERR_INVALID);
	sq_stmt_done(st);
	if (rc || (rc = run(s, TR_HISTORY, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(s, TR_CHANGES, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(s, TR_NOTES, ws, id, 0, ERR_INVALID)))
		return rc;
	/* the live delete: deal_sum subtracts it, the child rows cascade */
	return base->ops->deal_delete(base, ws, id);
}

int sqlite_trash_purge(struct store *base, int64_t ws, int64_t id)
{
	struct sqlite_store *s = sq(base);
	int rc;

	if ((rc = run(s, PU_DEAL, ws, id, 1, ERR_INUSE)) ||
	    (rc = run(s, PU_HISTORY, ws, id, 0, ERR_INUSE)) ||
	    (rc = run(s, PU_CHANGES, ws, id, 0, ERR_INUSE)))
		return rc;
	return run(s, PU_NOTES, ws, id, 0, ERR_INUSE);
}

int sqlite_deal_untrash(struct store *base, int64_t ws, int64_t id)
{
	struct sqlite_store *s = sq(base);
	int rc;

	if ((rc = run(s, UN_DEAL, ws, id, 1, ERR_INVALID)) ||
	    (rc = run(s, UN_HISTORY, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(s, UN_CHANGES, ws, id, 0, ERR_INVALID)) ||
	    (rc = run(s, UN_NOTES, ws, id, 0, ERR_INVALID)) ||
	    (rc = sq_sum_deal(s, ws, id, 1)) || /* reports: deal_sum counts it again */
	    (rc = sq_fact_deal(s, ws, id)))	/* and its deal_fact row is back */
		return rc;
	return sqlite_trash_purge(base, ws, id);
}

static void row_trash(sqlite3_stmt *st, void *out)
{
	struct trash_entry *t = out;

	memset(t, 0, sizeof(*t));
	sq_row_deal(st, &t->deal);
	COL_TEXT(st, SQ_DEAL_NCOLS, t->deleted_at);
	t->deleted_by = sq_col_i64(st, SQ_DEAL_NCOLS + 1);
	COL_TEXT(st, SQ_DEAL_NCOLS + 2, t->deleted_by_username);
}

int sqlite_trash_list(struct store *base, int64_t ws, int64_t owner, struct trash_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, TR_LIST, ws, owner, &st)))
		return rc;
	rc = sq_fetch_all(s, st, sizeof(struct trash_entry), row_trash, (void **)&out->v, &out->n);
	sq_stmt_done(st);
	return rc;
}

int sqlite_trash_get(struct store *base, int64_t ws, int64_t id, struct trash_entry *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = prep(s, TR_GET, ws, id, &st)))
		return rc;
	rc = sq_fetch_one(s, st, row_trash, out);
	sq_stmt_done(st);
	return rc;
}

static void row_id(sqlite3_stmt *st, void *out)
{
	*(int64_t *)out = sq_col_i64(st, 0);
}

int sqlite_trash_expired(struct store *base, int64_t ws, const char *before, struct id_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(s, TR_EXPIRED, &st)))
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_text(st, 2, before))
		rc = sq_bind_failed(s);
	else
		rc = sq_fetch_all(s, st, sizeof(int64_t), row_id, (void **)&out->v, &out->n);
	sq_stmt_done(st);
	return rc;
}
