/*
 * store_pg_io.c - the external id an imported deal keeps, in the PostgreSQL
 * backend: store_sqlite_io.c's statements and semantics. The column comes
 * from the "import, export and backup" migration in store_pg.c. Whole-database
 * copies (backup_to, restore_from) are left NULL here, as store.h allows:
 * PostgreSQL is backed up with its own tools (pg_dump, base backups).
 * Also the bulk loading `litecrm migrate` uses (store.h, copy_*): COPY FROM
 * STDIN in text format, one COPY per batch of rows of one table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "search.h"
#include "store_pg_int.h"

enum { IO_EXT_FIND = PG_EXT_IO, IO_EXT_SET };

int pg_deal_external_find(struct store *base, int64_t ws, const char *ext, int64_t *deal_id)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_text(&p, ext);
	rc = pg_exec_ext(pg(base), IO_EXT_FIND,
			 "SELECT id FROM deal WHERE workspace_id = $1::bigint AND external_id = $2",
			 &p, &r, ERR_DB);
	if (rc)
		return rc;
	if (PQntuples(r) < 1)
		rc = ERR_NOTFOUND;
	else
		*deal_id = pg_col_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

int pg_deal_external_set(struct store *base, int64_t ws, int64_t deal_id, const char *ext)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, deal_id);
	pgp_text_null(&p, ext);
	rc = pg_exec_ext(pg(base), IO_EXT_SET,
			 "UPDATE deal SET external_id = $3 WHERE workspace_id = $1::bigint"
			 " AND id = $2::bigint",
			 &p, &r, ERR_INVALID);
	if (rc)
		return rc;
	rc = pg_changed(r) ? 0 : ERR_NOTFOUND;
	PQclear(r);
	return rc;
}

/* ---- bulk loading (COPY FROM STDIN), for `litecrm migrate` ---- */

/* Each kind's table, its columns in the order copy_put writes them, and its id's table. */
static const struct {
	const char *table, *cols;
	int has_id;
} copy_kinds[STORE_COPY_KINDS] = {
    [STORE_COPY_COMPANY] = {"company",
			    "id, workspace_id, name, website, phone, created_at,"
			    " updated_at",
			    1},
    [STORE_COPY_CONTACT] = {"contact",
			    "id, workspace_id, company_id, name, title, phone, email,"
			    " created_at, updated_at",
			    1},
    [STORE_COPY_NOTE] = {"note",
			 "id, workspace_id, company_id, author_id, title, body,"
			 " created_at, updated_at, title_units, body_units",
			 1},
    [STORE_COPY_NOTE_TAGS] = {"note_tag", "workspace_id, note_id, position, tag, tag_norm", 0},
    [STORE_COPY_DEAL] = {"deal",
			 "id, workspace_id, company_id, name, amount, currency, stage_id,"
			 " probability, owner_id, assigned_by, assigned_at, close_date,"
			 " next_step, created_by, created_at, updated_at",
			 1},
    [STORE_COPY_HISTORY] = {"stage_history",
			    "id, workspace_id, deal_id, from_stage_id,"
			    " to_stage_id, changed_by, changed_at",
			    1},
    [STORE_COPY_CHANGE] = {"deal_change",
			   "id, workspace_id, deal_id, field, old_value,"
			   " new_value, changed_by, changed_at",
			   1},
    [STORE_COPY_CITATION] = {"deal_note", "workspace_id, deal_id, note_id, cited_by, cited_at", 0},
    [STORE_COPY_AUDIT] = {"audit",
			  "workspace_id, at, actor_id, action, target_type, target_id,"
			  " addr, detail",
			  0},
};

/* The rows of one COPY, sent in chunks of about COPY_CHUNK bytes. */
#define COPY_CHUNK 65536

struct pg_copy {
	int kind;
	char *buf;
	size_t n, cap;
	int oom;
};

static void cb_put(struct pg_copy *c, const char *p, size_t n)
{
	if (c->oom)
		return;
	if (c->n + n > c->cap) {
		size_t ncap = c->cap ? c->cap : COPY_CHUNK * 2;
		char *q;

		while (ncap < c->n + n)
			ncap *= 2;
		if (!(q = realloc(c->buf, ncap))) {
			c->oom = 1;
			return;
		}
		c->buf = q;
		c->cap = ncap;
	}
	memcpy(c->buf + c->n, p, n);
	c->n += n;
}

/* cb_field appends one field in COPY's text format: NULL as \N, the specials escaped. */
static void cb_field(struct pg_copy *c, const char *s, int first)
{
	const char *run;

	if (!first)
		cb_put(c, "\t", 1);
	if (!s) {
		cb_put(c, "\\N", 2);
		return;
	}
	for (run = s; *s; s++) {
		const char *esc = *s == '\\'   ? "\\\\"
				  : *s == '\t' ? "\\t"
				  : *s == '\n' ? "\\n"
				  : *s == '\r' ? "\\r"
					       : NULL;

		if (!esc)
			continue;
		cb_put(c, run, (size_t)(s - run));
		cb_put(c, esc, 2);
		run = s + 1;
	}
	cb_put(c, run, (size_t)(s - run));
}

static void cb_i64(struct pg_copy *c, int64_t v, int first)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", (long long)v);
	cb_field(c, num, first);
}

/* cb_id appends an id that 0 leaves NULL; cb_text one that "" leaves NULL. */
static void cb_id(struct pg_copy *c, int64_t v)
{
	if (v)
		cb_i64(c, v, 0);
	else
		cb_field(c, NULL, 0);
}

static void cb_text(struct pg_copy *c, const char *s)
{
	cb_field(c, s && s[0] ? s : NULL, 0);
}

/* copy_error reports the server's message on stderr, as pg_exec does, and returns rc. */
static int copy_error(struct pg_store *s, PGresult *r, int rc)
{
	fprintf(stderr, "litecrm: postgresql: copy: %s",
		r ? PQresultErrorMessage(r) : PQerrorMessage(s->conn));
	return rc;
}

/* copy_flush sends what the buffer holds. */
static int copy_flush(struct pg_store *s)
{
	struct pg_copy *c = s->copy;

	if (c->oom)
		return ERR_NOMEM;
	if (c->n && PQputCopyData(s->conn, c->buf, (int)c->n) != 1)
		return copy_error(s, NULL, ERR_DB);
	c->n = 0;
	return 0;
}

/* one_i64 runs sql with $1 = arg, which answers one row of one integer, into *out. */
static int one_i64(struct pg_store *s, const char *sql, int64_t arg, int64_t *out)
{
	char num[24];
	const char *v[1] = {num};
	PGresult *r;
	int rc = 0;

	snprintf(num, sizeof(num), "%lld", (long long)arg);
	r = PQexecParams(s->conn, sql, 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
		rc = copy_error(s, r, ERR_DB);
	else
		*out = pg_col_i64(r, 0, 0);
	PQclear(r);
	return rc;
}

int pg_copy_reserve(struct store *base, int kind, int64_t n, int64_t *out)
{
	char sql[200];

	if (kind < 0 || kind >= STORE_COPY_KINDS || !copy_kinds[kind].has_id || n < 0)
		return ERR_INVALID;
	/* One statement: the next value, then the sequence moved past the block. */
	snprintf(
	    sql, sizeof(sql),
	    "SELECT setval(s, nextval(s) - 1 + greatest($1::bigint, 1)) - greatest($1::bigint, 1)"
	    " FROM pg_get_serial_sequence('%s', 'id') AS s",
	    copy_kinds[kind].table);
	return one_i64(pg(base), sql, n, out);
}

int pg_copy_begin(struct store *base, int kind)
{
	struct pg_store *s = pg(base);
	char sql[400];
	PGresult *r;

	if (kind < 0 || kind >= STORE_COPY_KINDS || s->copy)
		return ERR_INVALID;
	if (!(s->copy = calloc(1, sizeof(*s->copy))))
		return ERR_NOMEM;
	s->copy->kind = kind;
	snprintf(sql, sizeof(sql), "COPY %s (%s) FROM STDIN", copy_kinds[kind].table,
		 copy_kinds[kind].cols);
	r = PQexec(s->conn, sql);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		copy_error(s, r, 0);
		PQclear(r);
		free(s->copy);
		s->copy = NULL;
		return ERR_DB;
	}
	PQclear(r);
	return 0;
}

static void put_note(struct pg_copy *c, const struct note *n)
{
	char *tu = pg_note_units(n->title), *bu = pg_note_units(n->body);

	if (!tu || !bu)
		c->oom = 1;
	cb_i64(c, n->id, 1);
	cb_i64(c, n->workspace_id, 0);
	cb_i64(c, n->company_id, 0);
	cb_id(c, n->author_id);
	cb_field(c, n->title, 0);
	cb_field(c, n->body, 0);
	cb_field(c, n->created_at, 0);
	cb_field(c, n->updated_at, 0);
	cb_field(c, tu ? tu : "", 0);
	cb_field(c, bu ? bu : "", 0);
	free(tu);
	free(bu);
}

static void put_deal(struct pg_copy *c, const struct deal *d)
{
	cb_i64(c, d->id, 1);
	cb_i64(c, d->workspace_id, 0);
	cb_i64(c, d->company_id, 0);
	cb_field(c, d->name, 0);
	cb_i64(c, d->amount, 0);
	cb_field(c, d->currency, 0);
	cb_i64(c, d->stage_id, 0);
	if (d->probability < 0)
		cb_field(c, NULL, 0);
	else
		cb_i64(c, d->probability, 0);
	cb_i64(c, d->owner_id, 0);
	cb_id(c, d->assigned_by);
	cb_text(c, d->assigned_at);
	cb_text(c, d->close_date);
	cb_field(c, d->next_step, 0);
	cb_id(c, d->created_by);
	cb_field(c, d->created_at, 0);
	cb_field(c, d->updated_at[0] ? d->updated_at : d->created_at, 0);
}

/* put_row appends row (of the open COPY's kind) as one line, or several for tags. */
static void put_row(struct pg_copy *c, const void *row)
{
	switch (c->kind) {
	case STORE_COPY_COMPANY: {
		const struct company *x = row;

		cb_i64(c, x->id, 1);
		cb_i64(c, x->workspace_id, 0);
		cb_field(c, x->name, 0);
		cb_field(c, x->website, 0);
		cb_field(c, x->phone, 0);
		cb_field(c, x->created_at, 0);
		cb_field(c, x->updated_at[0] ? x->updated_at : x->created_at, 0);
		break;
	}
	case STORE_COPY_CONTACT: {
		const struct contact *x = row;

		cb_i64(c, x->id, 1);
		cb_i64(c, x->workspace_id, 0);
		cb_id(c, x->company_id);
		cb_field(c, x->name, 0);
		cb_field(c, x->title, 0);
		cb_field(c, x->phone, 0);
		cb_field(c, x->email, 0);
		cb_field(c, x->created_at, 0);
		cb_field(c, x->updated_at[0] ? x->updated_at : x->created_at, 0);
		break;
	}
	case STORE_COPY_NOTE:
		put_note(c, row);
		break;
	case STORE_COPY_NOTE_TAGS: {
		const struct note *n = row;
		char norm[CAP_TAG + 1];

		for (int i = 0; i < n->ntags; i++) {
			search_tag_norm(n->tags[i], norm, sizeof(norm));
			cb_i64(c, n->workspace_id, 1);
			cb_i64(c, n->id, 0);
			cb_i64(c, i, 0);
			cb_field(c, n->tags[i], 0);
			cb_field(c, norm, 0);
			if (i + 1 < n->ntags)
				cb_put(c, "\n", 1);
		}
		if (!n->ntags)
			return;
		break;
	}
	case STORE_COPY_DEAL:
		put_deal(c, row);
		break;
	case STORE_COPY_HISTORY: {
		const struct stage_change *h = row;

		cb_i64(c, h->id, 1);
		cb_i64(c, h->workspace_id, 0);
		cb_i64(c, h->deal_id, 0);
		cb_id(c, h->from_stage_id);
		cb_i64(c, h->to_stage_id, 0);
		cb_id(c, h->changed_by);
		cb_field(c, h->changed_at, 0);
		break;
	}
	case STORE_COPY_CHANGE: {
		const struct deal_change *x = row;

		cb_i64(c, x->id, 1);
		cb_i64(c, x->workspace_id, 0);
		cb_i64(c, x->deal_id, 0);
		cb_field(c, x->field, 0);
		cb_text(c, x->old_value);
		cb_text(c, x->new_value);
		cb_id(c, x->changed_by);
		cb_field(c, x->changed_at, 0);
		break;
	}
	case STORE_COPY_CITATION: {
		const struct store_citation *x = row;

		cb_i64(c, x->workspace_id, 1);
		cb_i64(c, x->deal_id, 0);
		cb_i64(c, x->note_id, 0);
		cb_id(c, x->cited_by);
		cb_field(c, x->cited_at, 0);
		break;
	}
	case STORE_COPY_AUDIT: {
		const struct audit_entry *a = row;

		cb_i64(c, a->workspace_id, 1);
		cb_field(c, a->at, 0);
		cb_id(c, a->actor_id);
		cb_field(c, a->action, 0);
		cb_text(c, a->target_type);
		cb_id(c, a->target_id);
		cb_field(c, a->addr, 0);
		cb_field(c, a->detail[0] ? a->detail : "{}", 0);
		break;
	}
	}
	cb_put(c, "\n", 1);
}

int pg_copy_put(struct store *base, const void *row)
{
	struct pg_store *s = pg(base);

	if (!s->copy)
		return ERR_INVALID;
	put_row(s->copy, row);
	if (s->copy->oom)
		return ERR_NOMEM;
	return s->copy->n >= COPY_CHUNK ? copy_flush(s) : 0;
}

int pg_copy_end(struct store *base)
{
	struct pg_store *s = pg(base);
	PGresult *r;
	int rc;

	if (!s->copy)
		return ERR_INVALID;
	rc = copy_flush(s);
	if (PQputCopyEnd(s->conn, rc ? "litecrm: copy abandoned" : NULL) != 1 && !rc)
		rc = copy_error(s, NULL, ERR_DB);
	while ((r = PQgetResult(s->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !rc)
			rc = copy_error(
			    s, r, PQresultStatus(r) == PGRES_FATAL_ERROR ? ERR_INVALID : ERR_DB);
		PQclear(r);
	}
	free(s->copy->buf);
	free(s->copy);
	s->copy = NULL;
	return rc;
}

int pg_copy_count(struct store *base, int kind, int64_t ws, int64_t *n)
{
	char sql[160];

	if (kind < 0 || kind >= STORE_COPY_KINDS)
		return ERR_INVALID;
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE workspace_id = $1::bigint",
		 copy_kinds[kind].table);
	return one_i64(pg(base), sql, ws, n);
}
