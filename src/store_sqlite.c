/*
 * store_sqlite.c - the SQLite backend of the store (see store.h).
 *
 * One struct sqlite_store is one connection, opened with SQLITE_OPEN_NOMUTEX:
 * a thread owns it. At open the connection is tuned (WAL, synchronous=NORMAL,
 * a busy timeout, foreign keys on), the application function lc_expected() is
 * registered and pending schema migrations are applied in one transaction.
 *
 * Every statement is a fixed string prepared once per connection, on first
 * use, and reset after each use. The only SQL assembled at run time is the
 * deal list and summary: they are glued from fixed fragments chosen by enum
 * values (the sort order, whether an owner is given), never from input.
 *
 * Workspace isolation is kept twice: every statement filters on workspace_id,
 * and every reference between rows is a composite foreign key (workspace_id,
 * x_id), so no row can point into another workspace.
 *
 * Conventions of the rows: optional values are NULL in the database and 0,
 * -1 or "" in the structs (deal.probability -1, deal.assigned_by 0, empty
 * dates). Creates stamp created_at with the struct's value when it is set
 * (imports keep their times) and with store_now() otherwise; updates always
 * stamp updated_at with store_now(). Moving a stage (create, update, delete,
 * reorder) bumps the version of every stage whose position changes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "err.h"
#include "money.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite_int.h"
#include "store_report_sql.h"

/* ---- the schema ---- */

/*
 * Migration i (0-based) brings the schema from version i to i + 1. Append new
 * migrations; never edit one that has shipped. The DDL avoids SQLite-only
 * features except INTEGER PRIMARY KEY AUTOINCREMENT (ids are never reused,
 * like PostgreSQL sequences).
 */
static const char *const migrations[] = {
    /* 1: the initial schema. */
    "CREATE TABLE workspace ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  slug TEXT NOT NULL UNIQUE,"
    "  name TEXT NOT NULL,"
    "  currency TEXT NOT NULL,"
    "  language TEXT NOT NULL,"
    "  members_see_all INTEGER NOT NULL DEFAULT 0,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  created_at TEXT NOT NULL"
    ");"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL REFERENCES workspace (id),"
    "  username TEXT NOT NULL,"
    "  display_name TEXT NOT NULL,"
    "  email TEXT NOT NULL,"
    "  role INTEGER NOT NULL,"
    "  pw_hash TEXT NOT NULL,"
    "  active INTEGER NOT NULL DEFAULT 1,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  created_at TEXT NOT NULL,"
    "  UNIQUE (workspace_id, username),"
    "  UNIQUE (workspace_id, id)"
    ");"
    "CREATE TABLE token ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL,"
    "  user_id BIGINT NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  name TEXT NOT NULL,"
    "  hash BLOB NOT NULL UNIQUE,"
    "  created_at TEXT NOT NULL,"
    "  last_used_at TEXT,"
    "  expires_at TEXT,"
    "  FOREIGN KEY (workspace_id, user_id) REFERENCES users (workspace_id, id)"
    "    ON DELETE CASCADE"
    ");"
    "CREATE INDEX token_user ON token (workspace_id, user_id);"
    "CREATE TABLE stage ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL REFERENCES workspace (id),"
    "  key TEXT NOT NULL,"
    "  name_zh TEXT NOT NULL,"
    "  name_en TEXT NOT NULL,"
    "  guidance TEXT NOT NULL,"
    "  probability INTEGER NOT NULL,"
    "  kind INTEGER NOT NULL,"
    "  position INTEGER NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (workspace_id, key),"
    "  UNIQUE (workspace_id, id)"
    ");"
    "CREATE TABLE company ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL REFERENCES workspace (id),"
    "  name TEXT NOT NULL,"
    "  website TEXT NOT NULL,"
    "  phone TEXT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  UNIQUE (workspace_id, name),"
    "  UNIQUE (workspace_id, id)"
    ");"
    "CREATE TABLE contact ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL REFERENCES workspace (id),"
    "  company_id BIGINT,"
    "  name TEXT NOT NULL,"
    "  title TEXT NOT NULL,"
    "  phone TEXT NOT NULL,"
    "  email TEXT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  FOREIGN KEY (workspace_id, company_id) REFERENCES company (workspace_id, id)"
    "    ON DELETE CASCADE"
    ");"
    "CREATE INDEX contact_company ON contact (workspace_id, company_id);"
    "CREATE TABLE deal ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL,"
    "  company_id BIGINT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  amount BIGINT NOT NULL,"
    "  currency TEXT NOT NULL,"
    "  stage_id BIGINT NOT NULL,"
    "  probability INTEGER,"
    "  owner_id BIGINT NOT NULL,"
    "  assigned_by BIGINT,"
    "  assigned_at TEXT,"
    "  close_date TEXT,"
    "  next_step TEXT NOT NULL,"
    "  created_by BIGINT,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  UNIQUE (workspace_id, id),"
    "  FOREIGN KEY (workspace_id, company_id) REFERENCES company (workspace_id, id),"
    "  FOREIGN KEY (workspace_id, stage_id) REFERENCES stage (workspace_id, id),"
    "  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id),"
    "  FOREIGN KEY (workspace_id, assigned_by) REFERENCES users (workspace_id, id),"
    "  FOREIGN KEY (workspace_id, created_by) REFERENCES users (workspace_id, id)"
    ");"
    /*
     * deal_summary covers the summary aggregate (and serves the stage
     * foreign key); deal_owner covers it again for one owner's deals.
     */
    "CREATE INDEX deal_owner ON deal"
    "  (workspace_id, owner_id, stage_id, close_date, amount, probability);"
    "CREATE INDEX deal_summary ON deal"
    "  (workspace_id, stage_id, owner_id, close_date, amount, probability);"
    "CREATE INDEX deal_company ON deal (workspace_id, company_id);"
    "CREATE INDEX deal_close ON deal (workspace_id, close_date);"
    "CREATE TABLE stage_history ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  from_stage_id BIGINT,"
    "  to_stage_id BIGINT NOT NULL,"
    "  changed_by BIGINT,"
    "  changed_at TEXT NOT NULL,"
    "  FOREIGN KEY (workspace_id, deal_id) REFERENCES deal (workspace_id, id)"
    "    ON DELETE CASCADE,"
    "  FOREIGN KEY (workspace_id, changed_by) REFERENCES users (workspace_id, id)"
    ");"
    "CREATE INDEX stage_history_deal ON stage_history (workspace_id, deal_id);",
    /* saved views: named deal-list filters, private or shared (store_sqlite_view.c). */
    "CREATE TABLE saved_view ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL,"
    "  owner_id BIGINT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  shared INTEGER NOT NULL DEFAULT 0,"
    "  filter TEXT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  UNIQUE (workspace_id, owner_id, name),"
    "  FOREIGN KEY (workspace_id, owner_id) REFERENCES users (workspace_id, id)"
    ");"
    "CREATE INDEX saved_view_shared ON saved_view (workspace_id, shared);",
    /*
     * reports and history (store_sqlite_report.c): "stalled after N days" per
     * stage, changes of deal fields other than the stage, and the index the
     * reports read the stage history in order with.
     */
    "ALTER TABLE stage ADD COLUMN stalled_days INTEGER;"
    "CREATE TABLE deal_change ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  old_value TEXT,"
    "  new_value TEXT,"
    "  changed_by BIGINT,"
    "  changed_at TEXT NOT NULL,"
    "  FOREIGN KEY (workspace_id, deal_id) REFERENCES deal (workspace_id, id)"
    "    ON DELETE CASCADE,"
    "  FOREIGN KEY (workspace_id, changed_by) REFERENCES users (workspace_id, id)"
    ");"
    "CREATE INDEX deal_change_deal ON deal_change (workspace_id, deal_id, changed_at);"
    "CREATE INDEX stage_history_span ON stage_history"
    "  (workspace_id, deal_id, changed_at, id, to_stage_id);",
    /*
     * notes and search (store_sqlite_note.c): notes on companies, their tags,
     * deals citing notes, and the FTS5 index of titles and bodies (tokenizer
     * "litecrm", registered per connection by sq_note_register).
     */
    "CREATE TABLE note ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL,"
    "  company_id BIGINT NOT NULL,"
    "  author_id BIGINT,"
    "  title TEXT NOT NULL,"
    "  body TEXT NOT NULL,"
    "  version BIGINT NOT NULL DEFAULT 1,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  UNIQUE (workspace_id, id),"
    "  FOREIGN KEY (workspace_id, company_id) REFERENCES company (workspace_id, id),"
    "  FOREIGN KEY (workspace_id, author_id) REFERENCES users (workspace_id, id)"
    ");"
    "CREATE INDEX note_company ON note (workspace_id, company_id, updated_at);"
    "CREATE INDEX note_author ON note (workspace_id, author_id);"
    "CREATE INDEX note_updated ON note (workspace_id, updated_at);"
    "CREATE TABLE note_tag ("
    "  workspace_id BIGINT NOT NULL,"
    "  note_id BIGINT NOT NULL,"
    "  position INTEGER NOT NULL,"
    "  tag TEXT NOT NULL,"
    "  tag_norm TEXT NOT NULL,"
    "  PRIMARY KEY (note_id, position),"
    "  FOREIGN KEY (workspace_id, note_id) REFERENCES note (workspace_id, id)"
    "    ON DELETE CASCADE"
    ");"
    "CREATE INDEX note_tag_norm ON note_tag (workspace_id, tag_norm, note_id);"
    "CREATE TABLE deal_note ("
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  note_id BIGINT NOT NULL,"
    "  cited_by BIGINT,"
    "  cited_at TEXT NOT NULL,"
    "  PRIMARY KEY (deal_id, note_id),"
    "  FOREIGN KEY (workspace_id, deal_id) REFERENCES deal (workspace_id, id)"
    "    ON DELETE CASCADE,"
    "  FOREIGN KEY (workspace_id, note_id) REFERENCES note (workspace_id, id)"
    "    ON DELETE CASCADE,"
    "  FOREIGN KEY (workspace_id, cited_by) REFERENCES users (workspace_id, id)"
    ");"
    "CREATE INDEX deal_note_note ON deal_note (workspace_id, note_id);"
    "CREATE VIRTUAL TABLE note_fts USING fts5(title, body, content='note',"
    "  content_rowid='id', tokenize='litecrm');"
    "CREATE TRIGGER note_fts_insert AFTER INSERT ON note BEGIN"
    "  INSERT INTO note_fts (rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END;"
    "CREATE TRIGGER note_fts_delete AFTER DELETE ON note BEGIN"
    "  INSERT INTO note_fts (note_fts, rowid, title, body)"
    "    VALUES ('delete', old.id, old.title, old.body);"
    " END;"
    "CREATE TRIGGER note_fts_update AFTER UPDATE OF title, body ON note BEGIN"
    "  INSERT INTO note_fts (note_fts, rowid, title, body)"
    "    VALUES ('delete', old.id, old.title, old.body);"
    "  INSERT INTO note_fts (rowid, title, body) VALUES (new.id, new.title, new.body);"
    " END;",
    /*
     * import (store_sqlite_io.c): the id a deal has in the system it was
     * imported from, so that importing the same file again updates it.
     */
    "ALTER TABLE deal ADD COLUMN external_id TEXT;"
    "CREATE UNIQUE INDEX deal_external ON deal (workspace_id, external_id)"
    "  WHERE external_id IS NOT NULL;",
    /*
     * security (store_sqlite_sec.c): failed logins of the last hour by account key
     * and client address, and the addresses each account logged in from.
     */
    "CREATE TABLE login_failure ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account TEXT NOT NULL,"
    "  addr TEXT NOT NULL,"
    "  at TEXT NOT NULL"
    ");"
    "CREATE INDEX login_failure_account ON login_failure (account, at);"
    "CREATE INDEX login_failure_addr ON login_failure (addr, at);"
    "CREATE INDEX login_failure_at ON login_failure (at);"
    "CREATE TABLE login_known ("
    "  account TEXT NOT NULL,"
    "  addr TEXT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  PRIMARY KEY (account, addr)"
    ");",
    /*
     * notes and search, fast (store_sqlite_note.c): note_fts holds no text
     * of its own (contentless) and a third column, scope, of words naming
     * the note's workspace, company and author (w1 c12 a3), so that those
     * filters and counts are answered by the index alone. The insert
     * trigger skips notes while their connection defers indexing
     * (lc_note_deferred(), registered by sq_note_register).
     */
    "DROP TRIGGER note_fts_insert;"
    "DROP TRIGGER note_fts_delete;"
    "DROP TRIGGER note_fts_update;"
    "DROP TABLE note_fts;"
    "CREATE VIRTUAL TABLE note_fts USING fts5(title, body, scope, content='',"
    "  tokenize='litecrm');"
    "CREATE TRIGGER note_fts_insert AFTER INSERT ON note WHEN NOT lc_note_deferred() BEGIN"
    "  INSERT INTO note_fts (rowid, title, body, scope) VALUES (new.id, new.title, new.body,"
    "    'w' || new.workspace_id || ' c' || new.company_id"
    "    || ' a' || COALESCE(new.author_id, 0));"
    " END;"
    "CREATE TRIGGER note_fts_delete AFTER DELETE ON note BEGIN"
    "  INSERT INTO note_fts (note_fts, rowid, title, body, scope) VALUES ('delete', old.id,"
    "    old.title, old.body, 'w' || old.workspace_id || ' c' || old.company_id"
    "    || ' a' || COALESCE(old.author_id, 0));"
    " END;"
    "CREATE TRIGGER note_fts_update AFTER UPDATE OF title, body, company_id, author_id,"
    "  workspace_id ON note BEGIN"
    "  INSERT INTO note_fts (note_fts, rowid, title, body, scope) VALUES ('delete', old.id,"
    "    old.title, old.body, 'w' || old.workspace_id || ' c' || old.company_id"
    "    || ' a' || COALESCE(old.author_id, 0));"
    "  INSERT INTO note_fts (rowid, title, body, scope) VALUES (new.id, new.title, new.body,"
    "    'w' || new.workspace_id || ' c' || new.company_id"
    "    || ' a' || COALESCE(new.author_id, 0));"
    " END;"
    "INSERT INTO note_fts (rowid, title, body, scope) SELECT id, title, body,"
    "  'w' || note.workspace_id || ' c' || note.company_id || ' a' || COALESCE(note.author_id, 0)"
    "  FROM note;",
    /*
     * reports (store_sqlite_report.c): the summary kept per (stage, owner),
     * with exact sums of amount and of money_expected() per deal; written in
     * the transaction of every deal write (sq_sum_deal) and recomputed for a
     * stage whose probability changes (sq_sum_stage).
     */
    "CREATE TABLE deal_sum ("
    "  workspace_id BIGINT NOT NULL,"
    "  stage_id BIGINT NOT NULL,"
    "  owner_id BIGINT NOT NULL,"
    "  close_month TEXT NOT NULL," /* YYYY-MM of close_date, '' for none */
    "  deals BIGINT NOT NULL,"
    "  amount BIGINT NOT NULL,"
    "  expected BIGINT NOT NULL,"
    "  PRIMARY KEY (workspace_id, stage_id, owner_id, close_month)"
    ");"
    "INSERT INTO deal_sum (workspace_id, stage_id, owner_id, close_month, deals, amount,"
    "  expected)"
    "  SELECT d.workspace_id, d.stage_id, d.owner_id, coalesce(substr(d.close_date, 1, 7), ''),"
    "  count(*), sum(d.amount),"
    "  sum(lc_expected(d.amount, coalesce(d.probability, s.probability)))"
    "  FROM deal d JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"
    "  GROUP BY d.workspace_id, d.stage_id, d.owner_id, coalesce(substr(d.close_date, 1, 7), '');",
    /*
     * The deal list by owner and stage in id order (the default sort): the
     * rowid ends every index, so this one hands rows over already ordered by
     * d.id and LIMIT stops after a page. deal_owner, which carries
     * close_date before the rowid, made SQLite fetch every matching deal
     * (~1,000 random table reads) and sort them in a temp B-tree.
     */
    "CREATE INDEX deal_owner_stage_id ON deal (workspace_id, owner_id, stage_id, id);",
    /*
     * audit log and deal trash (store_sqlite_audit.c): the audit rows, and
     * trashed deals moved out of deal, stage_history, deal_change and
     * deal_note into tables of the same columns without foreign keys.
     */
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  workspace_id BIGINT NOT NULL,"
    "  at TEXT NOT NULL,"
    "  actor_id BIGINT,"
    "  action TEXT NOT NULL,"
    "  target_type TEXT,"
    "  target_id BIGINT,"
    "  addr TEXT NOT NULL,"
    "  detail TEXT NOT NULL"
    ");"
    "CREATE INDEX audit_ws ON audit (workspace_id, id);"
    "CREATE INDEX audit_action ON audit (workspace_id, action, id);"
    "CREATE TABLE deal_trash ("
    "  id BIGINT NOT NULL,"
    "  workspace_id BIGINT NOT NULL,"
    "  company_id BIGINT NOT NULL,"
    "  name TEXT NOT NULL,"
    "  amount BIGINT NOT NULL,"
    "  currency TEXT NOT NULL,"
    "  stage_id BIGINT NOT NULL,"
    "  probability INTEGER,"
    "  owner_id BIGINT NOT NULL,"
    "  assigned_by BIGINT,"
    "  assigned_at TEXT,"
    "  close_date TEXT,"
    "  next_step TEXT NOT NULL,"
    "  created_by BIGINT,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  version BIGINT NOT NULL,"
    "  external_id TEXT,"
    "  deleted_at TEXT NOT NULL,"
    "  deleted_by BIGINT,"
    "  PRIMARY KEY (workspace_id, id)"
    ");"
    "CREATE INDEX deal_trash_deleted ON deal_trash (workspace_id, deleted_at);"
    "CREATE TABLE stage_history_trash ("
    "  id BIGINT NOT NULL,"
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  from_stage_id BIGINT,"
    "  to_stage_id BIGINT NOT NULL,"
    "  changed_by BIGINT,"
    "  changed_at TEXT NOT NULL"
    ");"
    "CREATE INDEX stage_history_trash_deal ON stage_history_trash (workspace_id, deal_id);"
    "CREATE TABLE deal_change_trash ("
    "  id BIGINT NOT NULL,"
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  old_value TEXT,"
    "  new_value TEXT,"
    "  changed_by BIGINT,"
    "  changed_at TEXT NOT NULL"
    ");"
    "CREATE INDEX deal_change_trash_deal ON deal_change_trash (workspace_id, deal_id);"
    "CREATE TABLE deal_note_trash ("
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  note_id BIGINT NOT NULL,"
    "  cited_by BIGINT,"
    "  cited_at TEXT NOT NULL"
    ");"
    "CREATE INDEX deal_note_trash_deal ON deal_note_trash (workspace_id, deal_id);",
    /*
     * reports (store_sqlite_report.c): deal_fact, one row per deal with its
     * owner, stage, amount, creation and entry into its current stage (the
     * last history row) in seconds, written in the transaction of every deal
     * and history write (sq_fact_deal); deal_fact_stage hands the closed
     * deals of a period and the stalled ones to the reports without reading
     * deals or history.
     */
    "CREATE TABLE deal_fact ("
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  owner_id BIGINT NOT NULL,"
    "  stage_id BIGINT NOT NULL,"
    "  amount BIGINT NOT NULL,"
    "  created BIGINT NOT NULL,"
    "  entered BIGINT NOT NULL,"
    "  PRIMARY KEY (workspace_id, deal_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX deal_fact_stage ON deal_fact"
    "  (workspace_id, stage_id, entered, owner_id, created, amount);"
    "INSERT INTO deal_fact (workspace_id, deal_id, owner_id, stage_id, amount, created, entered)"
    "  SELECT d.workspace_id, d.id, d.owner_id, d.stage_id, d.amount,"
    "  coalesce(CAST(strftime('%s', d.created_at) AS INTEGER), 0),"
    "  coalesce(CAST(strftime('%s', coalesce((SELECT h.changed_at FROM stage_history h"
    "    WHERE h.workspace_id = d.workspace_id AND h.deal_id = d.id"
    "    ORDER BY h.changed_at DESC, h.id DESC LIMIT 1), d.created_at)) AS INTEGER), 0)"
    "  FROM deal d;",
    /*
     * note search with trigrams (store_sqlite_note.c): note_fts again, its
     * tokens now holding every CJK trigram too, so a term of three
     * characters is one token. The title is given after U+001E and also
     * indexed as title keys; the scope words start with U+001F, so no term
     * needs a column filter but body:. No column sizes: nothing ranks by
     * bm25. A 64 MB hash of pending terms, so a bulk import writes one
     * segment per batch.
     */
    "DROP TRIGGER note_fts_insert;"
    "DROP TRIGGER note_fts_delete;"
    "DROP TRIGGER note_fts_update;"
    "DROP TABLE note_fts;"
    "CREATE VIRTUAL TABLE note_fts USING fts5(title, body, scope, content='', columnsize=0,"
    "  tokenize='litecrm');"
    "INSERT INTO note_fts (note_fts, rank) VALUES ('hashsize', 67108864);"
    "CREATE TRIGGER note_fts_insert AFTER INSERT ON note WHEN NOT lc_note_deferred() BEGIN"
    "  INSERT INTO note_fts (rowid, title, body, scope)"
    "    VALUES (new.id, " NOTE_FTS_ROW(
	"new.") ");"
		" END;"
		"CREATE TRIGGER note_fts_delete AFTER DELETE ON note BEGIN"
		"  INSERT INTO note_fts (note_fts, rowid, title, body, scope)"
		"    VALUES ('delete', old.id, " NOTE_FTS_ROW(
		    "old.") ");"
			    " END;"
			    "CREATE TRIGGER note_fts_update AFTER UPDATE OF title, body, "
			    "company_id, author_id,"
			    "  workspace_id ON note BEGIN"
			    "  INSERT INTO note_fts (note_fts, rowid, title, body, scope)"
			    "    VALUES ('delete', old.id, " NOTE_FTS_ROW(
				"old.") ");"
					"  INSERT INTO note_fts (rowid, title, body, scope)"
					"    VALUES (new.id, " NOTE_FTS_ROW(
					    "new.") ");"
						    " END;"
						    "INSERT INTO note_fts (rowid, title, body, "
						    "scope)"
						    "  SELECT id, " NOTE_FTS_ROW(
							"") " FROM note ORDER BY id;",
    /*
     * the board (GET /board): a column's deals, newest first, read in order
     * from the index instead of sorting every deal of the stage.
     */
    "CREATE INDEX deal_board ON deal (workspace_id, stage_id, id);",
    /*
     * note search with unigrams (tokenize.h): note_fts indexed again, each
     * CJK character one token (a term of several is a phrase), words and
     * title keys as before.
     */
    "INSERT INTO note_fts (note_fts) VALUES ('delete-all');"
    "INSERT INTO note_fts (rowid, title, body, scope) SELECT id, " NOTE_FTS_ROW(
	"") " FROM note ORDER BY id;",
    /*
     * reports (store_sqlite_report.c): deal_stay, every deal's stage history
     * as stays numbered in (changed_at, id) order with their start in
     * seconds, rewritten with the deal's deal_fact row (sq_fact_deal), so
     * the history reports read integers in key order; deal_fact.reached, the
     * stages a deal entered, and deal_reach, the number of deals per owner,
     * day of creation, stages entered and current stage (the funnel).
     */
    "CREATE TABLE deal_stay ("
    "  workspace_id BIGINT NOT NULL,"
    "  deal_id BIGINT NOT NULL,"
    "  seq BIGINT NOT NULL,"
    "  stage_id BIGINT NOT NULL,"
    "  entered BIGINT NOT NULL,"
    "  PRIMARY KEY (workspace_id, deal_id, seq)"
    ") WITHOUT ROWID;"
    "INSERT INTO deal_stay (workspace_id, deal_id, seq, stage_id, entered)"
    "  SELECT h.workspace_id, h.deal_id, row_number() OVER (PARTITION BY h.workspace_id,"
    "  h.deal_id ORDER BY h.changed_at, h.id), h.to_stage_id,"
    "  coalesce(CAST(strftime('%s', h.changed_at) AS INTEGER), 0) FROM stage_history h;"
    "ALTER TABLE deal_fact ADD COLUMN reached TEXT NOT NULL DEFAULT '';"
    "UPDATE deal_fact SET reached = coalesce((SELECT group_concat(DISTINCT h.to_stage_id)"
    "  FROM stage_history h WHERE h.workspace_id = deal_fact.workspace_id"
    "  AND h.deal_id = deal_fact.deal_id), CAST(stage_id AS TEXT));"
    "CREATE TABLE deal_reach ("
    "  workspace_id BIGINT NOT NULL,"
    "  owner_id BIGINT NOT NULL,"
    "  created_day BIGINT NOT NULL,"
    "  reached TEXT NOT NULL,"
    "  stage_id BIGINT NOT NULL,"
    "  deals BIGINT NOT NULL,"
    "  PRIMARY KEY (workspace_id, owner_id, created_day, reached, stage_id)"
    ") WITHOUT ROWID;"
    "INSERT INTO deal_reach (workspace_id, owner_id, created_day, reached, stage_id, deals)"
    "  SELECT workspace_id, owner_id, CASE WHEN created >= 0 THEN created / 86400"
    "  ELSE (created - 86399) / 86400 END AS day, reached, stage_id, count(*) FROM deal_fact"
    "  GROUP BY workspace_id, owner_id, day, reached, stage_id;",
    /*
     * reports (store_sqlite_report.c): deal_fact.probability (the override)
     * and the history reports' tables, kept by the writes that keep deal_fact:
     * deal_dwell (time in stage), deal_open (per day, the changes in the open
     * pipeline: the pipeline as of a date, velocity) and deal_closing (closes
     * per day: velocity), deal_open_stage the probabilities deal_open used.
     */
    "ALTER TABLE deal_fact ADD COLUMN probability INTEGER;"
    "UPDATE deal_fact SET probability = (SELECT d.probability FROM deal d"
    "  WHERE d.workspace_id = deal_fact.workspace_id AND d.id = "
    "deal_fact.deal_id);" RS_HISTORY_TABLES("WITHOUT ROWID")
	RS_DWELL_ROWS("1", "1", "1") ";" RS_OPEN_ROWS("1", "1", "1", "") ";" RS_CLOSE_ROWS(
	    "1", "1") ";" RS_OPEN_MARK("1") ";",
    /*
     * reports (store_sqlite_report.c): deal_dwell_day, deal_dwell's rows
     * counted per day of their seconds, so that time in stage's medians read
     * the bucket counts and the rows of one bucket.
     */
    RS_DWELL_DAY_TABLE("WITHOUT ROWID") RS_DWELL_DAY_FILL("true") ";",
    /*
     * reports (store_sqlite_report.c): deal_stay_stage, the deals that were
     * in a stage, so that a change of its probability recomputes the
     * deal_open rows of those deals only (sq_sum_stage).
     */
    "CREATE INDEX deal_stay_stage ON deal_stay (workspace_id, stage_id, deal_id);",
};

#define MIGRATION_COUNT ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* ---- the statements ---- */

enum stmt_id {
	STMT_BEGIN,
	STMT_BEGIN_WRITE,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,

	STMT_WORKSPACE_INSERT,
	STMT_WORKSPACE_GET,
	STMT_WORKSPACE_GET_BY_SLUG,
	STMT_WORKSPACE_UPDATE,
	STMT_WORKSPACE_LIST,
	STMT_WORKSPACE_EXISTS,

	STMT_USER_INSERT,
	STMT_USER_GET,
	STMT_USER_GET_BY_NAME,
	STMT_USER_LIST,
	STMT_USER_UPDATE,
	STMT_USER_SET_PASSWORD,
	STMT_USER_COUNT,
	STMT_USER_EXISTS,

	STMT_TOKEN_INSERT,
	STMT_TOKEN_LOOKUP,
	STMT_TOKEN_TOUCH,
	STMT_TOKEN_DELETE,
	STMT_TOKEN_DELETE_USER,
	STMT_TOKEN_LIST,

	STMT_STAGE_LIST,
	STMT_STAGE_GET,
	STMT_STAGE_GET_BY_KEY,
	STMT_STAGE_COUNT,
	STMT_STAGE_SHIFT_DOWN,
	STMT_STAGE_SHIFT_UP,
	STMT_STAGE_INSERT,
	STMT_STAGE_POSITION,
	STMT_STAGE_UPDATE,
	STMT_STAGE_DELETE,
	STMT_STAGE_SET_POSITION,
	STMT_STAGE_DEAL_COUNT,

	STMT_COMPANY_INSERT,
	STMT_COMPANY_GET,
	STMT_COMPANY_GET_BY_NAME,
	STMT_COMPANY_LIST,
	STMT_COMPANY_UPDATE,
	STMT_COMPANY_DELETE,
	STMT_COMPANY_DEAL_COUNT,
	STMT_COMPANY_EXISTS,

	STMT_CONTACT_INSERT,
	STMT_CONTACT_GET,
	STMT_CONTACT_LIST,
	STMT_CONTACT_UPDATE,
	STMT_CONTACT_DELETE,
	STMT_CONTACT_EXISTS,

	STMT_DEAL_INSERT,
	STMT_DEAL_GET,
	STMT_DEAL_UPDATE,
	STMT_DEAL_DELETE,
	STMT_DEAL_EXISTS,

	STMT_HISTORY_INSERT,
	STMT_HISTORY_LIST,

	STMT_COUNT
};
_Static_assert(STMT_COUNT <= SQ_STMT_COUNT, "raise SQ_STMT_COUNT");

#define WORKSPACE_COLUMNS "id, slug, name, currency, language, members_see_all, version, created_at"
#define USER_COLUMNS                                                                               \
	"id, workspace_id, username, display_name, email, role, active, version, created_at"
/* USER_COLUMNS_U: USER_COLUMNS of users joined as u. */
#define USER_COLUMNS_U                                                                             \
	"u.id, u.workspace_id, u.username, u.display_name, u.email, u.role, u.active, u.version,"  \
	" u.created_at"
#define TOKEN_COLUMNS                                                                              \
	"id, workspace_id, user_id, kind, name, hash, created_at, last_used_at, expires_at"
#define STAGE_COLUMNS                                                                              \
	"id, workspace_id, key, name_zh, name_en, guidance, probability, kind, position, version," \
	" stalled_days"
#define COMPANY_COLUMNS                                                                            \
	"c.id, c.workspace_id, c.name, c.website, c.phone, c.version, c.created_at, c.updated_at"
#define CONTACT_COLUMNS                                                                            \
	"id, workspace_id, company_id, name, title, phone, email, version, created_at, updated_at"

/* A deal with its joined fields; sq_row_deal() reads the columns in this order. */
#define DEAL_SELECT                                                                                \
	"SELECT d.id, d.workspace_id, d.company_id, d.name, d.amount, d.currency, d.stage_id,"     \
	" d.probability, d.owner_id, d.assigned_by, d.assigned_at, d.close_date, d.next_step,"     \
	" d.created_by, d.created_at, d.updated_at, d.version,"                                    \
	" c.name, u.username, u.display_name, s.key, s.kind, s.probability"                        \
	" FROM deal d"                                                                             \
	" JOIN company c ON c.workspace_id = d.workspace_id AND c.id = d.company_id"               \
	" JOIN users u ON u.workspace_id = d.workspace_id AND u.id = d.owner_id"                   \
	" JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"

static const char *const stmt_sql[STMT_COUNT] = {
    [STMT_BEGIN] = "BEGIN",
    [STMT_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_SAVEPOINT] = "SAVEPOINT tx",
    [STMT_RELEASE] = "RELEASE tx",
    [STMT_ROLLBACK_TO] = "ROLLBACK TO tx",

    [STMT_WORKSPACE_INSERT] = "INSERT INTO workspace (slug, name, currency, language,"
			      " members_see_all, version, created_at)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
    [STMT_WORKSPACE_GET] = "SELECT " WORKSPACE_COLUMNS " FROM workspace WHERE id = ?1",
    [STMT_WORKSPACE_GET_BY_SLUG] = "SELECT " WORKSPACE_COLUMNS " FROM workspace WHERE slug = ?1",
    [STMT_WORKSPACE_UPDATE] = "UPDATE workspace SET slug = ?3, name = ?4, currency = ?5,"
			      " language = ?6, members_see_all = ?7, version = version + 1"
			      " WHERE id = ?1 AND version = ?2",
    [STMT_WORKSPACE_LIST] = "SELECT " WORKSPACE_COLUMNS " FROM workspace ORDER BY id",
    [STMT_WORKSPACE_EXISTS] = "SELECT 1 FROM workspace WHERE id = ?1",

    [STMT_USER_INSERT] = "INSERT INTO users (workspace_id, username, display_name, email,"
			 " role, pw_hash, active, version, created_at)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)",
    [STMT_USER_GET] = "SELECT " USER_COLUMNS " FROM users WHERE workspace_id = ?1 AND id = ?2",
    [STMT_USER_GET_BY_NAME] = "SELECT " USER_COLUMNS ", pw_hash FROM users"
			      " WHERE workspace_id = ?1 AND username = ?2",
    [STMT_USER_LIST] = "SELECT " USER_COLUMNS " FROM users WHERE workspace_id = ?1"
		       " ORDER BY id",
    [STMT_USER_UPDATE] = "UPDATE users SET username = ?4, display_name = ?5, email = ?6,"
			 " role = ?7, active = ?8, version = version + 1"
			 " WHERE workspace_id = ?1 AND id = ?2 AND version = ?3",
    [STMT_USER_SET_PASSWORD] = "UPDATE users SET pw_hash = ?3"
			       " WHERE workspace_id = ?1 AND id = ?2",
    [STMT_USER_COUNT] = "SELECT count(*) FROM users WHERE workspace_id = ?1",
    [STMT_USER_EXISTS] = "SELECT 1 FROM users WHERE workspace_id = ?1 AND id = ?2",

    [STMT_TOKEN_INSERT] = "INSERT INTO token (workspace_id, user_id, kind, name, hash,"
			  " created_at, last_used_at, expires_at)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7)",
    [STMT_TOKEN_LOOKUP] =
	"SELECT t.id, t.workspace_id, t.user_id, t.kind, t.name, t.hash,"
	" t.created_at, t.last_used_at, t.expires_at, " USER_COLUMNS_U " FROM token t JOIN users u"
	" ON u.workspace_id = t.workspace_id AND u.id = t.user_id"
	" WHERE t.hash = ?1 AND (t.expires_at IS NULL OR t.expires_at > ?2)",
    [STMT_TOKEN_TOUCH] = "UPDATE token SET last_used_at = ?3"
			 " WHERE workspace_id = ?1 AND id = ?2",
    [STMT_TOKEN_DELETE] = "DELETE FROM token WHERE workspace_id = ?1 AND id = ?2",
    [STMT_TOKEN_DELETE_USER] = "DELETE FROM token WHERE workspace_id = ?1 AND user_id = ?2"
			       " AND (?3 < 0 OR kind = ?3)",
    [STMT_TOKEN_LIST] = "SELECT " TOKEN_COLUMNS " FROM token WHERE workspace_id = ?1"
			" AND (?2 = 0 OR user_id = ?2) ORDER BY id",

    [STMT_STAGE_LIST] = "SELECT " STAGE_COLUMNS " FROM stage WHERE workspace_id = ?1"
			" ORDER BY position, id",
    [STMT_STAGE_GET] = "SELECT " STAGE_COLUMNS " FROM stage WHERE workspace_id = ?1 AND id = ?2",
    [STMT_STAGE_GET_BY_KEY] = "SELECT " STAGE_COLUMNS " FROM stage"
			      " WHERE workspace_id = ?1 AND key = ?2",
    [STMT_STAGE_COUNT] = "SELECT count(*) FROM stage WHERE workspace_id = ?1",
    /* Positions in [?2, ?3] move one place later, or one earlier. */
    [STMT_STAGE_SHIFT_DOWN] = "UPDATE stage SET position = position + 1, version = version + 1"
			      " WHERE workspace_id = ?1 AND position >= ?2 AND position <= ?3",
    [STMT_STAGE_SHIFT_UP] = "UPDATE stage SET position = position - 1, version = version + 1"
			    " WHERE workspace_id = ?1 AND position >= ?2 AND position <= ?3",
    [STMT_STAGE_INSERT] = "INSERT INTO stage (workspace_id, key, name_zh, name_en, guidance,"
			  " probability, kind, position, version)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)",
    [STMT_STAGE_POSITION] = "SELECT position, version FROM stage"
			    " WHERE workspace_id = ?1 AND id = ?2",
    [STMT_STAGE_UPDATE] = "UPDATE stage SET key = ?4, name_zh = ?5, name_en = ?6,"
			  " guidance = ?7, probability = ?8, kind = ?9, position = ?10,"
			  " version = version + 1"
			  " WHERE workspace_id = ?1 AND id = ?2 AND version = ?3",
    [STMT_STAGE_DELETE] = "DELETE FROM stage WHERE workspace_id = ?1 AND id = ?2",
    [STMT_STAGE_SET_POSITION] = "UPDATE stage SET position = ?3,"
				" version = version + CASE WHEN position = ?3 THEN 0 ELSE 1 END"
				" WHERE workspace_id = ?1 AND id = ?2",
    [STMT_STAGE_DEAL_COUNT] = "SELECT count(*) FROM deal WHERE workspace_id = ?1"
			      " AND stage_id = ?2",

    [STMT_COMPANY_INSERT] = "INSERT INTO company (workspace_id, name, website, phone, version,"
			    " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
    [STMT_COMPANY_GET] = "SELECT " COMPANY_COLUMNS " FROM company c"
			 " WHERE c.workspace_id = ?1 AND c.id = ?2",
    [STMT_COMPANY_GET_BY_NAME] = "SELECT " COMPANY_COLUMNS " FROM company c"
				 " WHERE c.workspace_id = ?1 AND c.name = ?2",
    [STMT_COMPANY_LIST] = "SELECT " COMPANY_COLUMNS " FROM company c WHERE c.workspace_id = ?1"
			  " AND (?2 IS NULL OR instr(lower(c.name), lower(?2)) > 0)"
			  " AND (?3 = 0 OR EXISTS (SELECT 1 FROM deal d"
			  "  WHERE d.workspace_id = c.workspace_id AND d.company_id = c.id"
			  "  AND d.owner_id = ?3))"
			  " ORDER BY lower(c.name), c.id LIMIT ?4 OFFSET ?5",
    [STMT_COMPANY_UPDATE] = "UPDATE company SET name = ?4, website = ?5, phone = ?6,"
			    " updated_at = ?7, version = version + 1"
			    " WHERE workspace_id = ?1 AND id = ?2 AND version = ?3",
    [STMT_COMPANY_DELETE] = "DELETE FROM company WHERE workspace_id = ?1 AND id = ?2",
    [STMT_COMPANY_DEAL_COUNT] = "SELECT count(*) FROM deal WHERE workspace_id = ?1"
				" AND company_id = ?2",
    [STMT_COMPANY_EXISTS] = "SELECT 1 FROM company WHERE workspace_id = ?1 AND id = ?2",

    [STMT_CONTACT_INSERT] = "INSERT INTO contact (workspace_id, company_id, name, title, phone,"
			    " email, version, created_at, updated_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7)",
    [STMT_CONTACT_GET] = "SELECT " CONTACT_COLUMNS " FROM contact"
			 " WHERE workspace_id = ?1 AND id = ?2",
    [STMT_CONTACT_LIST] = "SELECT " CONTACT_COLUMNS " FROM contact WHERE workspace_id = ?1"
			  " AND (?2 = 0 OR company_id = ?2) ORDER BY lower(name), id",
    [STMT_CONTACT_UPDATE] = "UPDATE contact SET company_id = ?4, name = ?5, title = ?6,"
			    " phone = ?7, email = ?8, updated_at = ?9, version = version + 1"
			    " WHERE workspace_id = ?1 AND id = ?2 AND version = ?3",
    [STMT_CONTACT_DELETE] = "DELETE FROM contact WHERE workspace_id = ?1 AND id = ?2",
    [STMT_CONTACT_EXISTS] = "SELECT 1 FROM contact WHERE workspace_id = ?1 AND id = ?2",

    [STMT_DEAL_INSERT] = "INSERT INTO deal (workspace_id, company_id, name, amount, currency,"
			 " stage_id, probability, owner_id, assigned_by, assigned_at,"
			 " close_date, next_step, created_by, created_at, updated_at, version,"
			 " external_id)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
			 " ?14, ?14, 1, ?15)",
    [STMT_DEAL_GET] = DEAL_SELECT " WHERE d.workspace_id = ?1 AND d.id = ?2",
    [STMT_DEAL_UPDATE] = "UPDATE deal SET company_id = ?4, name = ?5, amount = ?6,"
			 " currency = ?7, stage_id = ?8, probability = ?9, owner_id = ?10,"
			 " assigned_by = ?11, assigned_at = ?12, close_date = ?13,"
			 " next_step = ?14, updated_at = ?15, version = version + 1"
			 " WHERE workspace_id = ?1 AND id = ?2 AND version = ?3",
    [STMT_DEAL_DELETE] = "DELETE FROM deal WHERE workspace_id = ?1 AND id = ?2",
    [STMT_DEAL_EXISTS] = "SELECT 1 FROM deal WHERE workspace_id = ?1 AND id = ?2",

    [STMT_HISTORY_INSERT] = "INSERT INTO stage_history (workspace_id, deal_id, from_stage_id,"
			    " to_stage_id, changed_by, changed_at)"
			    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [STMT_HISTORY_LIST] =
	"SELECT h.id, h.workspace_id, h.deal_id, h.from_stage_id, h.to_stage_id,"
	" h.changed_by, h.changed_at, f.key, t.key, u.username"
	" FROM stage_history h"
	" LEFT JOIN stage f ON f.workspace_id = h.workspace_id AND f.id = h.from_stage_id"
	" LEFT JOIN stage t ON t.workspace_id = h.workspace_id AND t.id = h.to_stage_id"
	" LEFT JOIN users u ON u.workspace_id = h.workspace_id AND u.id = h.changed_by"
	" WHERE h.workspace_id = ?1 AND h.deal_id = ?2 ORDER BY h.changed_at, h.id",
};

/*
 * The deal list: DEAL_SELECT, the conditions, an owner condition when an
 * owner is given, a sort order from deal_sort_sql and the page. Parameters:
 * ?1 workspace, ?2 owner, ?3 stage, ?4 status, ?5 company, ?6 close_from,
 * ?7 close_to, ?8 amount_min, ?9 amount_max, ?10 q, ?11 limit, ?12 offset.
 */
#define DEAL_WHERE " WHERE d.workspace_id = ?1"
#define DEAL_PAGE  " LIMIT ?11 OFFSET ?12"
#define DEAL_COUNT                                                                                 \
	"SELECT count(*) FROM deal d"                                                              \
	" JOIN company c ON c.workspace_id = d.workspace_id AND c.id = d.company_id"               \
	" JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id" DEAL_WHERE

/*
 * The conditions of a deal filter, one fixed fragment per field; a list
 * statement holds only those of the fields set, so that the planner sees
 * plain equalities and uses the indexes (a "?3 = 0 OR ..." form defeats them).
 */
static const char *const deal_cond_sql[] = {
    " AND d.owner_id = ?2",
    " AND d.stage_id = ?3",
    " AND s.kind = ?4",
    " AND d.company_id = ?5",
    " AND d.close_date >= ?6",
    " AND d.close_date <= ?7",
    " AND d.amount >= ?8",
    " AND d.amount <= ?9",
    " AND (instr(lower(d.name), lower(?10)) > 0 OR instr(lower(c.name), lower(?10)) > 0)",
};
#define DEAL_COND_COUNT (sizeof(deal_cond_sql) / sizeof(deal_cond_sql[0]))

/* ORDER BY clauses by [enum deal_sort][desc]; the deal id breaks ties. */
static const char *const deal_sort_sql[DEAL_SORT_COUNT][2] = {
    [DEAL_SORT_ID] = {" ORDER BY d.id ASC", " ORDER BY d.id DESC"},
    [DEAL_SORT_UPDATED] = {" ORDER BY d.updated_at ASC, d.id ASC",
			   " ORDER BY d.updated_at DESC, d.id DESC"},
    [DEAL_SORT_CLOSE_DATE] = {" ORDER BY d.close_date ASC NULLS LAST, d.id ASC",
			      " ORDER BY d.close_date DESC NULLS LAST, d.id DESC"},
    [DEAL_SORT_AMOUNT] = {" ORDER BY d.amount ASC, d.id ASC", " ORDER BY d.amount DESC, d.id DESC"},
    [DEAL_SORT_NAME] = {" ORDER BY lower(d.name) ASC, d.id ASC",
			" ORDER BY lower(d.name) DESC, d.id DESC"},
    [DEAL_SORT_COMPANY] = {" ORDER BY lower(c.name) ASC, d.id ASC",
			   " ORDER BY lower(c.name) DESC, d.id DESC"},
    [DEAL_SORT_STAGE] = {" ORDER BY s.position ASC, d.id ASC",
			 " ORDER BY s.position DESC, d.id DESC"},
};

/*
 * The summary. Parameters: ?1 workspace, ?2 owner, ?3 close_from,
 * ?4 close_to. The owner condition is appended when an owner is given.
 */
#define SUMMARY_HEAD                                                                               \
	"SELECT d.stage_id, count(*), sum(d.amount),"                                              \
	" sum(lc_expected(d.amount, coalesce(d.probability, s.probability)))"                      \
	" FROM deal d"                                                                             \
	" JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"                   \
	" WHERE d.workspace_id = ?1"                                                               \
	" AND (?3 IS NULL OR d.close_date >= ?3)"                                                  \
	" AND (?4 IS NULL OR d.close_date <= ?4)"
#define SUMMARY_TAIL " GROUP BY d.stage_id ORDER BY d.stage_id"
/* The summary under any deal-list filter: DEAL_WHERE and deal_cond_sql's parameters. */
#define SUMMARY_FILTERED                                                                           \
	"SELECT d.stage_id, count(*), sum(d.amount),"                                              \
	" sum(lc_expected(d.amount, coalesce(d.probability, s.probability)))"                      \
	" FROM deal d"                                                                             \
	" JOIN company c ON c.workspace_id = d.workspace_id AND c.id = d.company_id"               \
	" JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id" DEAL_WHERE
/* The same per stage and owner: the per-owner summary. */
#define OWNER_SUMS_FILTERED                                                                        \
	"SELECT d.stage_id, d.owner_id, count(*), sum(d.amount),"                                  \
	" sum(lc_expected(d.amount, coalesce(d.probability, s.probability)))"                      \
	" FROM deal d"                                                                             \
	" JOIN company c ON c.workspace_id = d.workspace_id AND c.id = d.company_id"               \
	" JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id" DEAL_WHERE
#define OWNER_SUMS_TAIL " GROUP BY d.stage_id, d.owner_id"

/*
 * A board column (board_cards): the card's fields, row_board_card() reads
 * them in this order, then DEAL_WHERE and deal_cond_sql's parameters, ?11
 * the limit and ?12 the id to start below.
 */
#define BOARD_SELECT                                                                               \
	"SELECT d.id, d.stage_id, d.owner_id, d.amount, d.version, f.entered, d.probability,"      \
	" s.probability, s.kind, d.currency, d.name, c.name, u.username, u.display_name,"          \
	" d.close_date"                                                                            \
	" FROM deal d"                                                                             \
	" JOIN company c ON c.workspace_id = d.workspace_id AND c.id = d.company_id"               \
	" JOIN users u ON u.workspace_id = d.workspace_id AND u.id = d.owner_id"                   \
	" JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"                   \
	" LEFT JOIN deal_fact f ON f.workspace_id = d.workspace_id AND f.deal_id = d.id"
#define BOARD_TAIL " AND d.id < ?12 ORDER BY d.id DESC LIMIT ?11"

struct sqlite_store *sq(struct store *s)
{
	return (struct sqlite_store *)s;
}

int sq_stmt_ext(struct sqlite_store *s, int slot, const char *sql, sqlite3_stmt **out)
{
	int rc = sq_prepare(s, &s->ext[slot], sql);

	if (!rc)
		*out = s->ext[slot];
	return rc;
}

/* ---- errors, statements, binding and reading ---- */

/*
 * db_err translates a SQLite result code (extended codes are on) to enum
 * err; fk_err is what a foreign-key violation means to the caller: ERR_INUSE
 * when deleting, ERR_INVALID when inserting or updating. Unexpected failures
 * are logged, since they end as a server error.
 */
int sq_db_err(struct sqlite_store *s, int rc, int fk_err)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_RETRY;
	case SQLITE_NOMEM:
		return ERR_NOMEM;
	case SQLITE_READONLY: /* security/durability: a clear error, reads go on */
		fprintf(stderr, "litecrm: the database is read-only: %s\n", sqlite3_errmsg(s->db));
		return ERR_READONLY;
	case SQLITE_FULL:
		fprintf(stderr, "litecrm: the disk is full: %s\n", sqlite3_errmsg(s->db));
		return ERR_FULL;
	case SQLITE_CONSTRAINT:
		if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			return ERR_CONFLICT;
		if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
			return fk_err;
		break;
	}
	fprintf(stderr, "litecrm: sqlite error %d: %s\n", rc, sqlite3_errmsg(s->db));
	return ERR_DB;
}

/* prepare fills *slot with sql prepared once for this connection. */
int sq_prepare(struct sqlite_store *s, sqlite3_stmt **slot, const char *sql)
{
	int rc;

	if (*slot)
		return 0;
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL);
	if (rc != SQLITE_OK) {
		*slot = NULL;
		return sq_db_err(s, rc, ERR_DB);
	}
	return 0;
}

/* stmt returns the cached statement id in *out, preparing it on first use. */
static int stmt(struct sqlite_store *s, enum stmt_id id, sqlite3_stmt **out)
{
	int rc = sq_prepare(s, &s->stmt[id], stmt_sql[id]);

	if (!rc)
		*out = s->stmt[id];
	return rc;
}

/* stmt_done readies a used statement for its next use; st may be NULL. */
void sq_stmt_done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/*
 * The bind helpers return a SQLite code; callers OR them together and treat
 * any nonzero result as a failure. Text is bound SQLITE_STATIC: the caller's
 * buffers outlive the statement's use, which ends with sq_stmt_done().
 */
int sq_bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st, i, v);
}

int sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

/* bind_text_null binds NULL for an empty string. */
int sq_bind_text_null(sqlite3_stmt *st, int i, const char *v)
{
	if (!v || !*v)
		return sqlite3_bind_null(st, i);
	return sq_bind_text(st, i, v);
}

/* bind_id_null binds NULL for id 0. */
int sq_bind_id_null(sqlite3_stmt *st, int i, int64_t v)
{
	if (!v)
		return sqlite3_bind_null(st, i);
	return sq_bind_i64(st, i, v);
}

/*
 * bind_ws_key binds the workspace as ?1 and key as ?2 when the statement has
 * a ?2 (a list or count of the whole workspace has none; a workspace's own
 * row is bounded by its id alone).
 */
static int bind_ws_key(sqlite3_stmt *st, int64_t ws, int64_t key)
{
	int rc = sq_bind_i64(st, 1, ws);

	if (!rc && sqlite3_bind_parameter_count(st) >= 2)
		rc = sq_bind_i64(st, 2, key);
	return rc;
}

int sq_bind_failed(struct sqlite_store *s)
{
	fprintf(stderr, "litecrm: sqlite bind failed: %s\n", sqlite3_errmsg(s->db));
	return ERR_DB;
}

/* col_text copies column i into dst (size dstsz), "" for NULL. */
void sq_col_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;

	if (n >= dstsz)
		n = dstsz - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

#define COL_TEXT(st, i, field) sq_col_text((st), (i), (field), sizeof(field))

int64_t sq_col_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

int sq_col_int(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int(st, i);
}

/* step_done runs a statement that returns no rows. */
int sq_step_done(struct sqlite_store *s, sqlite3_stmt *st, int fk_err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_DONE)
		return 0;
	return sq_db_err(s, rc, fk_err);
}

/* step_changed is step_done that answers ERR_NOTFOUND when no row changed. */
int sq_step_changed(struct sqlite_store *s, sqlite3_stmt *st, int fk_err)
{
	int rc = sq_step_done(s, st, fk_err);

	if (!rc && sqlite3_changes(s->db) == 0)
		rc = ERR_NOTFOUND;
	return rc;
}

/* fetch_one reads the single row of st into out with row, or ERR_NOTFOUND. */
int sq_fetch_one(struct sqlite_store *s, sqlite3_stmt *st, row_fn *row, void *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		row(st, out);
		return 0;
	}
	if (rc == SQLITE_DONE)
		return ERR_NOTFOUND;
	return sq_db_err(s, rc, ERR_DB);
}

/* fetch_i64 reads the single integer a statement returns (a count). */
int sq_fetch_i64(struct sqlite_store *s, sqlite3_stmt *st, int64_t *out)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*out = sq_col_i64(st, 0);
		return 0;
	}
	if (rc == SQLITE_DONE)
		return ERR_NOTFOUND;
	return sq_db_err(s, rc, ERR_DB);
}

/*
 * fetch_all reads every row of st into a new array of elements of size
 * elsize, set into *v and *n on success (the caller frees *v).
 */
int sq_fetch_all(struct sqlite_store *s, sqlite3_stmt *st, size_t elsize, row_fn *row, void **v,
		 size_t *n)
{
	return sq_fetch_all_hint(s, st, elsize, row, v, n, 0);
}

int sq_fetch_all_hint(struct sqlite_store *s, sqlite3_stmt *st, size_t elsize, row_fn *row,
		      void **v, size_t *n, size_t hint)
{
	unsigned char *a = NULL, *p;
	size_t cnt = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : hint ? hint : 16;

			p = realloc(a, ncap * elsize);
			if (!p) {
				rc = ERR_NOMEM;
				goto out;
			}
			a = p;
			cap = ncap;
		}
		p = a + cnt * elsize;
		memset(p, 0, elsize);
		row(st, p);
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		rc = sq_db_err(s, rc, ERR_DB);
		goto out;
	}
	rc = 0;
	*v = a;
	*n = cnt;
	a = NULL;
out:
	free(a);
	return rc;
}

/*
 * update_miss explains an optimistic update that changed no row: the row
 * (ws, id) is gone (ERR_NOTFOUND) or has another version (ERR_STALE).
 */
static int update_miss(struct sqlite_store *s, enum stmt_id exists, int64_t ws, int64_t id)
{
	sqlite3_stmt *st = NULL;
	int64_t one;
	int rc;

	rc = stmt(s, exists, &st);
	if (rc)
		goto out;
	if (bind_ws_key(st, ws, id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_i64(s, st, &one);
	if (!rc)
		rc = ERR_STALE;
out:
	sq_stmt_done(st);
	return rc;
}

/* step_update runs an optimistic update of row (ws, id) of the table exists checks. */
static int step_update(struct sqlite_store *s, sqlite3_stmt *st, enum stmt_id exists, int64_t ws,
		       int64_t id)
{
	int rc = sq_step_changed(s, st, ERR_INVALID);

	if (rc == ERR_NOTFOUND) {
		sq_stmt_done(st);
		rc = update_miss(s, exists, ws, id);
	}
	return rc;
}

/* stamp sets ts to now unless it holds a time already. */
void sq_stamp(char ts[TS_LEN])
{
	if (!ts[0])
		store_now(ts);
}

/* ---- row readers ---- */

static void row_workspace(sqlite3_stmt *st, void *out)
{
	struct workspace *w = out;

	w->id = sq_col_i64(st, 0);
	COL_TEXT(st, 1, w->slug);
	COL_TEXT(st, 2, w->name);
	COL_TEXT(st, 3, w->currency);
	COL_TEXT(st, 4, w->language);
	w->members_see_all = sq_col_int(st, 5);
	w->version = sq_col_i64(st, 6);
	COL_TEXT(st, 7, w->created_at);
}

/* row_user_at reads USER_COLUMNS from column c on. */
static void row_user_at(sqlite3_stmt *st, int c, struct user *u)
{
	u->id = sq_col_i64(st, c);
	u->workspace_id = sq_col_i64(st, c + 1);
	COL_TEXT(st, c + 2, u->username);
	COL_TEXT(st, c + 3, u->display_name);
	COL_TEXT(st, c + 4, u->email);
	u->role = (enum role)sq_col_int(st, c + 5);
	u->active = sq_col_int(st, c + 6);
	u->version = sq_col_i64(st, c + 7);
	COL_TEXT(st, c + 8, u->created_at);
}

static void row_user(sqlite3_stmt *st, void *out)
{
	row_user_at(st, 0, out);
}

static void row_token(sqlite3_stmt *st, void *out)
{
	struct token *t = out;
	const void *h;

	t->id = sq_col_i64(st, 0);
	t->workspace_id = sq_col_i64(st, 1);
	t->user_id = sq_col_i64(st, 2);
	t->kind = (enum token_kind)sq_col_int(st, 3);
	COL_TEXT(st, 4, t->name);
	h = sqlite3_column_blob(st, 5);
	memset(t->hash, 0, sizeof(t->hash));
	if (h && sqlite3_column_bytes(st, 5) == (int)sizeof(t->hash))
		memcpy(t->hash, h, sizeof(t->hash));
	COL_TEXT(st, 6, t->created_at);
	COL_TEXT(st, 7, t->last_used_at);
	COL_TEXT(st, 8, t->expires_at);
}

static void row_stage(sqlite3_stmt *st, void *out)
{
	struct stage *g = out;

	g->id = sq_col_i64(st, 0);
	g->workspace_id = sq_col_i64(st, 1);
	COL_TEXT(st, 2, g->key);
	COL_TEXT(st, 3, g->name_zh);
	COL_TEXT(st, 4, g->name_en);
	COL_TEXT(st, 5, g->guidance);
	g->probability = sq_col_int(st, 6);
	g->kind = (enum stage_kind)sq_col_int(st, 7);
	g->position = sq_col_int(st, 8);
	g->version = sq_col_i64(st, 9);
	g->stalled_days = sq_col_int(st, 10); /* reports: NULL reads as 0 */
}

static void row_company(sqlite3_stmt *st, void *out)
{
	struct company *c = out;

	c->id = sq_col_i64(st, 0);
	c->workspace_id = sq_col_i64(st, 1);
	COL_TEXT(st, 2, c->name);
	COL_TEXT(st, 3, c->website);
	COL_TEXT(st, 4, c->phone);
	c->version = sq_col_i64(st, 5);
	COL_TEXT(st, 6, c->created_at);
	COL_TEXT(st, 7, c->updated_at);
}

static void row_contact(sqlite3_stmt *st, void *out)
{
	struct contact *c = out;

	c->id = sq_col_i64(st, 0);
	c->workspace_id = sq_col_i64(st, 1);
	c->company_id = sq_col_i64(st, 2);
	COL_TEXT(st, 3, c->name);
	COL_TEXT(st, 4, c->title);
	COL_TEXT(st, 5, c->phone);
	COL_TEXT(st, 6, c->email);
	c->version = sq_col_i64(st, 7);
	COL_TEXT(st, 8, c->created_at);
	COL_TEXT(st, 9, c->updated_at);
}

void sq_row_deal(sqlite3_stmt *st, void *out)
{
	struct deal *d = out;

	d->id = sq_col_i64(st, 0);
	d->workspace_id = sq_col_i64(st, 1);
	d->company_id = sq_col_i64(st, 2);
	COL_TEXT(st, 3, d->name);
	d->amount = sq_col_i64(st, 4);
	COL_TEXT(st, 5, d->currency);
	d->stage_id = sq_col_i64(st, 6);
	d->probability = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sq_col_int(st, 7);
	d->owner_id = sq_col_i64(st, 8);
	d->assigned_by = sq_col_i64(st, 9);
	COL_TEXT(st, 10, d->assigned_at);
	COL_TEXT(st, 11, d->close_date);
	COL_TEXT(st, 12, d->next_step);
	d->created_by = sq_col_i64(st, 13);
	COL_TEXT(st, 14, d->created_at);
	COL_TEXT(st, 15, d->updated_at);
	d->version = sq_col_i64(st, 16);
	COL_TEXT(st, 17, d->company_name);
	COL_TEXT(st, 18, d->owner_username);
	COL_TEXT(st, 19, d->owner_name);
	COL_TEXT(st, 20, d->stage_key);
	d->stage_kind = (enum stage_kind)sq_col_int(st, 21);
	d->stage_probability = sq_col_int(st, 22);
}

static void row_history(sqlite3_stmt *st, void *out)
{
	struct stage_change *h = out;

	h->id = sq_col_i64(st, 0);
	h->workspace_id = sq_col_i64(st, 1);
	h->deal_id = sq_col_i64(st, 2);
	h->from_stage_id = sq_col_i64(st, 3);
	h->to_stage_id = sq_col_i64(st, 4);
	h->changed_by = sq_col_i64(st, 5);
	COL_TEXT(st, 6, h->changed_at);
	COL_TEXT(st, 7, h->from_key);
	COL_TEXT(st, 8, h->to_key);
	COL_TEXT(st, 9, h->by_username);
}

static void row_stage_sum(sqlite3_stmt *st, void *out)
{
	struct stage_sum *m = out;

	m->stage_id = sq_col_i64(st, 0);
	m->count = sq_col_i64(st, 1);
	m->amount = sq_col_i64(st, 2);
	m->expected = sq_col_i64(st, 3);
}

/*
 * The generic shapes of most operations: one row by (ws, id) or by (ws,
 * text), a list by ws, a count by (ws, id), a delete by (ws, id).
 */
static int get_by_id(struct sqlite_store *s, enum stmt_id id, int64_t ws, int64_t key, row_fn *row,
		     void *out, size_t outsz)
{
	sqlite3_stmt *st = NULL;
	void *tmp = NULL;
	int rc;

	rc = stmt(s, id, &st);
	if (rc)
		goto out;
	if (bind_ws_key(st, ws, key)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	tmp = calloc(1, outsz);
	if (!tmp) {
		rc = ERR_NOMEM;
		goto out;
	}
	rc = sq_fetch_one(s, st, row, tmp);
	if (!rc)
		memcpy(out, tmp, outsz);
out:
	free(tmp);
	sq_stmt_done(st);
	return rc;
}

static int get_by_text(struct sqlite_store *s, enum stmt_id id, int64_t ws, const char *key,
		       row_fn *row, void *out, size_t outsz)
{
	sqlite3_stmt *st = NULL;
	void *tmp = NULL;
	int rc;

	if (!key)
		return ERR_INVALID;
	rc = stmt(s, id, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_text(st, 2, key)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	tmp = calloc(1, outsz);
	if (!tmp) {
		rc = ERR_NOMEM;
		goto out;
	}
	rc = sq_fetch_one(s, st, row, tmp);
	if (!rc)
		memcpy(out, tmp, outsz);
out:
	free(tmp);
	sq_stmt_done(st);
	return rc;
}

static int list_by_id(struct sqlite_store *s, enum stmt_id id, int64_t ws, int64_t key,
		      size_t elsize, row_fn *row, void **v, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, id, &st);
	if (rc)
		goto out;
	if (bind_ws_key(st, ws, key)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all(s, st, elsize, row, v, n);
out:
	sq_stmt_done(st);
	return rc;
}

static int count_by_id(struct sqlite_store *s, enum stmt_id id, int64_t ws, int64_t key,
		       int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, id, &st);
	if (rc)
		goto out;
	if (bind_ws_key(st, ws, key)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_i64(s, st, out);
out:
	sq_stmt_done(st);
	return rc;
}

/* delete_by_id deletes row (ws, key); a row still referenced gives ERR_INUSE. */
static int delete_by_id(struct sqlite_store *s, enum stmt_id id, int64_t ws, int64_t key)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, id, &st);
	if (rc)
		goto out;
	if (bind_ws_key(st, ws, key)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_changed(s, st, ERR_INUSE);
out:
	sq_stmt_done(st);
	return rc;
}

/* ---- transactions ---- */

static int run_stmt(struct sqlite_store *s, enum stmt_id id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, id, &st);
	if (!rc)
		rc = sq_step_done(s, st, ERR_DB);
	sq_stmt_done(st);
	return rc;
}

/*
 * A group (group_begin ... group_end) is one write transaction holding the
 * transactions of several requests: each begin, commit and rollback inside
 * it is a savepoint, its release, or a rollback to it, so that a request
 * that fails undoes its own writes and no other's, and each request sees
 * the ones before it. SQLite may roll the whole transaction back on its own
 * (a full disk, an I/O error): the group is then lost, every savepoint after
 * fails, and group_end says so.
 */
static int group_alive(struct sqlite_store *s)
{
	if (sqlite3_get_autocommit(s->db))
		s->group_lost = 1;
	return !s->group_lost;
}

/*
 * The deals written in a savepoint get their report rows before its release
 * (sq_fact_flush), so that a rollback to it takes them away with its other
 * writes; what was written in the group outside any savepoint before it.
 */
static int group_savepoint(struct sqlite_store *s)
{
	int rc = group_alive(s) ? sq_fact_flush(s) : ERR_DB;

	return rc ? rc : run_stmt(s, STMT_SAVEPOINT);
}

static int group_release(struct sqlite_store *s)
{
	int rc = group_alive(s) ? sq_fact_flush(s) : ERR_DB;

	if (rc)
		return rc; /* the request's failure: rolled back to its savepoint */
	rc = run_stmt(s, STMT_RELEASE);
	if (rc)
		s->group_lost = 1;
	return rc;
}

static int group_rollback_to(struct sqlite_store *s)
{
	int rc;

	s->dirty.n = 0;
	if (!group_alive(s))
		return ERR_DB;
	rc = run_stmt(s, STMT_ROLLBACK_TO);
	if (!rc)
		rc = run_stmt(s, STMT_RELEASE);
	if (rc)
		s->group_lost = 1;
	return rc;
}

/*
 * A batch keeps its statement journals in memory (temp_store = MEMORY, which
 * holds only before the transaction begins). A statement journal holds the
 * pages one statement changes until it ends; by default it moves to a
 * temporary file past 64 KiB and then stays there for the rest of the
 * transaction, and a note import wrote some five pages to that file per
 * note. The setting is undone when the transaction ends.
 */
static int sqlite_begin(struct store *base, int write)
{
	struct sqlite_store *s = sq(base);

	if (s->group)
		return group_savepoint(s);
	if (write == STORE_TX_BATCH &&
	    sqlite3_exec(s->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) == SQLITE_OK)
		s->temp_mem = 1;
	return run_stmt(s, write ? STMT_BEGIN_WRITE : STMT_BEGIN);
}

static void temp_default(struct sqlite_store *s)
{
	if (s->temp_mem && sqlite3_get_autocommit(s->db)) {
		sqlite3_exec(s->db, "PRAGMA temp_store = DEFAULT", NULL, NULL, NULL);
		s->temp_mem = 0;
	}
}

static int sqlite_commit(struct store *base)
{
	struct sqlite_store *s = sq(base);
	int rc;

	if (s->group)
		return group_release(s);
	rc = sq_fact_flush(s);
	if (!rc)
		rc = run_stmt(s, STMT_COMMIT);

	temp_default(s);
	return rc;
}

/* Rolling back when SQLite already has (after some errors) is a no-op. */
static int sqlite_rollback(struct store *base)
{
	struct sqlite_store *s = sq(base);
	int rc = 0;

	if (s->group)
		return group_rollback_to(s);
	s->dirty.n = 0;
	if (!sqlite3_get_autocommit(s->db))
		rc = run_stmt(s, STMT_ROLLBACK);
	temp_default(s);
	return rc;
}

static int sqlite_group_begin(struct store *base)
{
	struct sqlite_store *s = sq(base);
	int rc;

	if (s->group || !sqlite3_get_autocommit(s->db))
		return ERR_DB; /* a transaction is open already: a programming error above */
	/*
	 * The savepoints keep the pages they change in a statement journal: in
	 * memory (temp_store, as a batch), not a temporary file written page by
	 * page.
	 */
	if (sqlite3_exec(s->db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) == SQLITE_OK)
		s->temp_mem = 1;
	rc = run_stmt(s, STMT_BEGIN_WRITE);
	if (rc) {
		temp_default(s);
		return rc;
	}
	s->group = 1;
	s->group_lost = 0;
	return 0;
}

static int sqlite_group_end(struct store *base, int commit)
{
	struct sqlite_store *s = sq(base);
	int rc = 0;

	if (!s->group)
		return ERR_DB;
	s->group = 0;
	if (commit && !(rc = group_alive(s) ? sq_fact_flush(s) : ERR_DB))
		rc = run_stmt(s, STMT_COMMIT);
	s->dirty.n = 0;
	if (!sqlite3_get_autocommit(s->db)) /* not committed: rolled back whole */
		run_stmt(s, STMT_ROLLBACK);
	temp_default(s);
	return rc;
}

/* ---- workspaces ---- */

static int sqlite_workspace_create(struct store *base, struct workspace *w)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	memcpy(now, w->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	rc = stmt(s, STMT_WORKSPACE_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_text(st, 1, w->slug) | sq_bind_text(st, 2, w->name) |
	    sq_bind_text(st, 3, w->currency) | sq_bind_text(st, 4, w->language) |
	    sq_bind_i64(st, 5, w->members_see_all ? 1 : 0) | sq_bind_text(st, 6, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	w->id = sqlite3_last_insert_rowid(s->db);
	w->version = 1;
	memcpy(w->created_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_workspace_get(struct store *base, int64_t id, struct workspace *out)
{
	return get_by_id(sq(base), STMT_WORKSPACE_GET, id, id, row_workspace, out, sizeof(*out));
}

static int sqlite_workspace_get_by_slug(struct store *base, const char *slug, struct workspace *out)
{
	struct sqlite_store *s = sq(base);
	struct workspace tmp = {0};
	sqlite3_stmt *st = NULL;
	int rc;

	if (!slug)
		return ERR_INVALID;
	rc = stmt(s, STMT_WORKSPACE_GET_BY_SLUG, &st);
	if (rc)
		goto out;
	if (sq_bind_text(st, 1, slug)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_one(s, st, row_workspace, &tmp);
	if (!rc)
		*out = tmp;
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_workspace_update(struct store *base, struct workspace *w)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, STMT_WORKSPACE_UPDATE, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, w->id) | sq_bind_i64(st, 2, w->version) |
	    sq_bind_text(st, 3, w->slug) | sq_bind_text(st, 4, w->name) |
	    sq_bind_text(st, 5, w->currency) | sq_bind_text(st, 6, w->language) |
	    sq_bind_i64(st, 7, w->members_see_all ? 1 : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_update(s, st, STMT_WORKSPACE_EXISTS, w->id, w->id);
	if (!rc)
		w->version++;
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_workspace_list(struct store *base, struct workspace_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	rc = stmt(s, STMT_WORKSPACE_LIST, &st);
	if (rc)
		goto out;
	rc = sq_fetch_all(s, st, sizeof(struct workspace), row_workspace, &v, &n);
	if (rc)
		goto out;
	out->v = v;
	out->n = n;
out:
	sq_stmt_done(st);
	return rc;
}

/* ---- users ---- */

static int sqlite_user_create(struct store *base, struct user *u, const char *pw_hash)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	memcpy(now, u->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	rc = stmt(s, STMT_USER_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, u->workspace_id) | sq_bind_text(st, 2, u->username) |
	    sq_bind_text(st, 3, u->display_name) | sq_bind_text(st, 4, u->email) |
	    sq_bind_i64(st, 5, u->role) | sq_bind_text(st, 6, pw_hash ? pw_hash : "") |
	    sq_bind_i64(st, 7, u->active ? 1 : 0) | sq_bind_text(st, 8, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	u->id = sqlite3_last_insert_rowid(s->db);
	u->version = 1;
	memcpy(u->created_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_user_get(struct store *base, int64_t ws, int64_t id, struct user *out)
{
	return get_by_id(sq(base), STMT_USER_GET, ws, id, row_user, out, sizeof(*out));
}

/*
 * sq_read_version sets *v to the data version of the read transaction open
 * on s (SQLITE_FCNTL_DATA_VERSION: it changes with every commit the
 * connection sees, its own or another connection's) and returns 1; 0 when
 * no read-only transaction is open (no snapshot yet, or writes of ours that
 * are not committed), where nothing may be reused.
 */
static int sq_read_version(struct sqlite_store *s, unsigned *v)
{
	if (sqlite3_txn_state(s->db, "main") != SQLITE_TXN_READ)
		return 0;
	return sqlite3_file_control(s->db, "main", SQLITE_FCNTL_DATA_VERSION, v) == SQLITE_OK;
}

/* sq_memo_slot: FNV-1a of ws and name, modulo n (a power of two). */
static size_t sq_memo_slot(int64_t ws, const char *name, size_t n)
{
	uint32_t h = 2166136261u ^ (uint32_t)ws;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h & (n - 1);
}

static int sqlite_user_get_by_name(struct store *base, int64_t ws, const char *username,
				   struct user *out, char *hash, size_t hashsz)
{
	struct sqlite_store *s = sq(base);
	struct user tmp = {0};
	sqlite3_stmt *st = NULL;
	const unsigned char *h;
	unsigned version;
	int rc, memo;
	size_t slot;

	if (!username)
		return ERR_INVALID;
	/* the password hash is never kept: only look-ups without it are reused */
	memo = !hash && sq_read_version(s, &version);
	slot = sq_memo_slot(ws, username, SQ_MEMO_USERS);
	if (memo && s->memo_user[slot].ok && s->memo_user[slot].version == version &&
	    s->memo_user[slot].u.workspace_id == ws &&
	    strcmp(s->memo_user[slot].u.username, username) == 0) {
		*out = s->memo_user[slot].u;
		return 0;
	}
	rc = stmt(s, STMT_USER_GET_BY_NAME, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_text(st, 2, username)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_one(s, st, row_user, &tmp);
	if (rc)
		goto out;
	if (hash && hashsz) {
		h = sqlite3_column_text(st, 9);
		if (h && (size_t)sqlite3_column_bytes(st, 9) >= hashsz) {
			rc = ERR_TOOBIG;
			goto out;
		}
		sq_col_text(st, 9, hash, hashsz);
	}
	*out = tmp;
	if (memo) {
		s->memo_user[slot].u = tmp;
		s->memo_user[slot].version = version;
		s->memo_user[slot].ok = 1;
	}
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_user_list(struct store *base, int64_t ws, struct user_list *out)
{
	void *v = NULL;
	size_t n = 0;
	int rc = list_by_id(sq(base), STMT_USER_LIST, ws, 0, sizeof(struct user), row_user, &v, &n);

	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

static int sqlite_user_update(struct store *base, struct user *u)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, STMT_USER_UPDATE, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, u->workspace_id) | sq_bind_i64(st, 2, u->id) |
	    sq_bind_i64(st, 3, u->version) | sq_bind_text(st, 4, u->username) |
	    sq_bind_text(st, 5, u->display_name) | sq_bind_text(st, 6, u->email) |
	    sq_bind_i64(st, 7, u->role) | sq_bind_i64(st, 8, u->active ? 1 : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_update(s, st, STMT_USER_EXISTS, u->workspace_id, u->id);
	if (!rc)
		u->version++;
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_user_set_password(struct store *base, int64_t ws, int64_t id, const char *pw_hash)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (!pw_hash)
		return ERR_INVALID;
	rc = stmt(s, STMT_USER_SET_PASSWORD, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id) | sq_bind_text(st, 3, pw_hash)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_changed(s, st, ERR_INVALID);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_user_count(struct store *base, int64_t ws, int64_t *out)
{
	return count_by_id(sq(base), STMT_USER_COUNT, ws, 0, out);
}

/* ---- tokens ---- */

static int sqlite_token_create(struct store *base, struct token *t)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	memcpy(now, t->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	rc = stmt(s, STMT_TOKEN_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, t->workspace_id) | sq_bind_i64(st, 2, t->user_id) |
	    sq_bind_i64(st, 3, t->kind) | sq_bind_text(st, 4, t->name) |
	    sqlite3_bind_blob(st, 5, t->hash, sizeof(t->hash), SQLITE_STATIC) |
	    sq_bind_text(st, 6, now) | sq_bind_text_null(st, 7, t->expires_at)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	t->id = sqlite3_last_insert_rowid(s->db);
	memcpy(t->created_at, now, TS_LEN);
	t->last_used_at[0] = '\0';
out:
	sq_stmt_done(st);
	return rc;
}

/* A token and its user, as STMT_TOKEN_LOOKUP reads them. */
struct token_user {
	struct token t;
	struct user u;
};

static void row_token_user(sqlite3_stmt *st, void *out)
{
	struct token_user *tu = out;

	row_token(st, &tu->t);
	row_user_at(st, 9, &tu->u);
}

static int sqlite_token_lookup(struct store *base, const unsigned char hash[32], const char *now,
			       struct token *out, struct user *user)
{
	struct sqlite_store *s = sq(base);
	struct token_user tmp = {0};
	sqlite3_stmt *st = NULL;
	int rc;

	if (!hash || !now)
		return ERR_INVALID;
	rc = stmt(s, STMT_TOKEN_LOOKUP, &st);
	if (rc)
		goto out;
	if (sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC) | sq_bind_text(st, 2, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_one(s, st, row_token_user, &tmp);
	if (!rc) {
		*out = tmp.t;
		*user = tmp.u;
	}
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_token_touch(struct store *base, int64_t ws, int64_t id, const char *now)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (!now)
		return ERR_INVALID;
	rc = stmt(s, STMT_TOKEN_TOUCH, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id) | sq_bind_text(st, 3, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_changed(s, st, ERR_INVALID);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_token_delete(struct store *base, int64_t ws, int64_t id)
{
	return delete_by_id(sq(base), STMT_TOKEN_DELETE, ws, id);
}

static int sqlite_token_delete_user(struct store *base, int64_t ws, int64_t user_id, int kind)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, STMT_TOKEN_DELETE_USER, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, user_id) | sq_bind_i64(st, 3, kind)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INUSE);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_token_list(struct store *base, int64_t ws, int64_t user_id,
			     struct token_list *out)
{
	void *v = NULL;
	size_t n = 0;
	int rc = list_by_id(sq(base), STMT_TOKEN_LIST, ws, user_id, sizeof(struct token), row_token,
			    &v, &n);

	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

/* ---- stages ---- */

static int sqlite_stage_list(struct store *base, int64_t ws, struct stage_list *out)
{
	void *v = NULL;
	size_t n = 0;
	int rc =
	    list_by_id(sq(base), STMT_STAGE_LIST, ws, 0, sizeof(struct stage), row_stage, &v, &n);

	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

static int sqlite_stage_get(struct store *base, int64_t ws, int64_t id, struct stage *out)
{
	return get_by_id(sq(base), STMT_STAGE_GET, ws, id, row_stage, out, sizeof(*out));
}

static int sqlite_stage_get_by_key(struct store *base, int64_t ws, const char *key,
				   struct stage *out)
{
	struct sqlite_store *s = sq(base);
	unsigned version;
	int rc, memo;
	size_t slot;

	if (!key)
		return ERR_INVALID;
	memo = sq_read_version(s, &version);
	slot = sq_memo_slot(ws, key, SQ_MEMO_STAGES);
	if (memo && s->memo_stage[slot].ok && s->memo_stage[slot].version == version &&
	    s->memo_stage[slot].g.workspace_id == ws &&
	    strcmp(s->memo_stage[slot].g.key, key) == 0) {
		*out = s->memo_stage[slot].g;
		return 0;
	}
	rc = get_by_text(s, STMT_STAGE_GET_BY_KEY, ws, key, row_stage, out, sizeof(*out));
	if (rc == 0 && memo) {
		s->memo_stage[slot].g = *out;
		s->memo_stage[slot].version = version;
		s->memo_stage[slot].ok = 1;
	}
	return rc;
}

/* shift moves the stages at positions [from, to] of ws one place (id: SHIFT_DOWN or _UP). */
static int shift(struct sqlite_store *s, enum stmt_id id, int64_t ws, int from, int to)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, id, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, from) | sq_bind_i64(st, 3, to)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
out:
	sq_stmt_done(st);
	return rc;
}

/*
 * stage_create puts the new stage at st->position: 0 or past the end
 * appends; otherwise the stages from that position on move one place later.
 * The position used is written back.
 */
static int sqlite_stage_create(struct store *base, struct stage *g)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int64_t n;
	int pos = g->position, rc;

	rc = count_by_id(s, STMT_STAGE_COUNT, g->workspace_id, 0, &n);
	if (rc)
		goto out;
	if (pos <= 0 || pos > n) {
		pos = (int)n + 1;
	} else {
		rc = shift(s, STMT_STAGE_SHIFT_DOWN, g->workspace_id, pos, (int)n);
		if (rc)
			goto out;
	}
	rc = stmt(s, STMT_STAGE_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, g->workspace_id) | sq_bind_text(st, 2, g->key) |
	    sq_bind_text(st, 3, g->name_zh) | sq_bind_text(st, 4, g->name_en) |
	    sq_bind_text(st, 5, g->guidance) | sq_bind_i64(st, 6, g->probability) |
	    sq_bind_i64(st, 7, g->kind) | sq_bind_i64(st, 8, pos)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	g->id = sqlite3_last_insert_rowid(s->db);
	g->version = 1;
	g->position = pos;
out:
	sq_stmt_done(st);
	return rc;
}

/* stage_position reads the current position and version of stage (ws, id). */
static int stage_position(struct sqlite_store *s, int64_t ws, int64_t id, int *pos,
			  int64_t *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = stmt(s, STMT_STAGE_POSITION, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*pos = sq_col_int(st, 0);
		*version = sq_col_i64(st, 1);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = ERR_NOTFOUND;
	} else {
		rc = sq_db_err(s, rc, ERR_DB);
	}
out:
	sq_stmt_done(st);
	return rc;
}

/*
 * stage_update writes every field of g. A new position (1..n; 0 keeps the
 * current one, past the end means last) moves the stages in between by one.
 */
static int sqlite_stage_update(struct store *base, struct stage *g)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int64_t n, version;
	int old, pos = g->position, rc;

	rc = stage_position(s, g->workspace_id, g->id, &old, &version);
	if (rc)
		goto out;
	if (version != g->version) {
		rc = ERR_STALE;
		goto out;
	}
	rc = count_by_id(s, STMT_STAGE_COUNT, g->workspace_id, 0, &n);
	if (rc)
		goto out;
	if (pos <= 0)
		pos = old;
	if (pos > n)
		pos = (int)n;
	if (pos < old)
		rc = shift(s, STMT_STAGE_SHIFT_DOWN, g->workspace_id, pos, old - 1);
	else if (pos > old)
		rc = shift(s, STMT_STAGE_SHIFT_UP, g->workspace_id, old + 1, pos);
	if (rc)
		goto out;
	rc = stmt(s, STMT_STAGE_UPDATE, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, g->workspace_id) | sq_bind_i64(st, 2, g->id) |
	    sq_bind_i64(st, 3, g->version) | sq_bind_text(st, 4, g->key) |
	    sq_bind_text(st, 5, g->name_zh) | sq_bind_text(st, 6, g->name_en) |
	    sq_bind_text(st, 7, g->guidance) | sq_bind_i64(st, 8, g->probability) |
	    sq_bind_i64(st, 9, g->kind) | sq_bind_i64(st, 10, pos)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_update(s, st, STMT_STAGE_GET, g->workspace_id, g->id);
	if (!rc) /* reports: the probability may have changed */
		rc = sq_sum_stage(s, g->workspace_id, g->id);
	if (rc)
		goto out;
	g->version++;
	g->position = pos;
out:
	sq_stmt_done(st);
	return rc;
}

/* stage_delete refuses (ERR_INUSE) while deals are in the stage; positions stay 1..n. */
static int sqlite_stage_delete(struct store *base, int64_t ws, int64_t id)
{
	struct sqlite_store *s = sq(base);
	int64_t version;
	int pos, rc;

	rc = stage_position(s, ws, id, &pos, &version);
	if (rc)
		return rc;
	rc = delete_by_id(s, STMT_STAGE_DELETE, ws, id);
	if (rc)
		return rc;
	return shift(s, STMT_STAGE_SHIFT_UP, ws, pos + 1, INT32_MAX);
}

static int sqlite_stage_set_positions(struct store *base, int64_t ws, const int64_t *ids, size_t n)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int64_t count;
	size_t i, j;
	int rc;

	rc = count_by_id(s, STMT_STAGE_COUNT, ws, 0, &count);
	if (rc)
		return rc;
	if (!ids || (int64_t)n != count)
		return ERR_INVALID;
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (ids[i] == ids[j])
				return ERR_INVALID;
	rc = stmt(s, STMT_STAGE_SET_POSITION, &st);
	if (rc)
		goto out;
	for (i = 0; i < n; i++) {
		if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, ids[i]) |
		    sq_bind_i64(st, 3, (int64_t)i + 1)) {
			rc = sq_bind_failed(s);
			goto out;
		}
		rc = sq_step_changed(s, st, ERR_INVALID);
		if (rc == ERR_NOTFOUND)
			rc = ERR_INVALID; /* an id of no stage of ws */
		if (rc)
			goto out;
		sq_stmt_done(st);
	}
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_stage_deal_count(struct store *base, int64_t ws, int64_t id, int64_t *out)
{
	return count_by_id(sq(base), STMT_STAGE_DEAL_COUNT, ws, id, out);
}

/* ---- companies ---- */

static int sqlite_company_create(struct store *base, struct company *c)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	memcpy(now, c->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	rc = stmt(s, STMT_COMPANY_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, c->workspace_id) | sq_bind_text(st, 2, c->name) |
	    sq_bind_text(st, 3, c->website) | sq_bind_text(st, 4, c->phone) |
	    sq_bind_text(st, 5, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	c->id = sqlite3_last_insert_rowid(s->db);
	c->version = 1;
	memcpy(c->created_at, now, TS_LEN);
	memcpy(c->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_company_get(struct store *base, int64_t ws, int64_t id, struct company *out)
{
	return get_by_id(sq(base), STMT_COMPANY_GET, ws, id, row_company, out, sizeof(*out));
}

static int sqlite_company_get_by_name(struct store *base, int64_t ws, const char *name,
				      struct company *out)
{
	return get_by_text(sq(base), STMT_COMPANY_GET_BY_NAME, ws, name, row_company, out,
			   sizeof(*out));
}

/* company_list: a limit of 0 or less means no limit. */
static int sqlite_company_list(struct store *base, int64_t ws, const struct company_filter *f,
			       struct company_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	rc = stmt(s, STMT_COMPANY_LIST, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_text_null(st, 2, f ? f->q : NULL) |
	    sq_bind_i64(st, 3, f && f->visible_to > 0 ? f->visible_to : 0) |
	    sq_bind_i64(st, 4, f && f->limit > 0 ? f->limit : -1) |
	    sq_bind_i64(st, 5, f && f->offset > 0 ? f->offset : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all(s, st, sizeof(struct company), row_company, &v, &n);
	if (rc)
		goto out;
	out->v = v;
	out->n = n;
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_company_update(struct store *base, struct company *c)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	store_now(now);
	rc = stmt(s, STMT_COMPANY_UPDATE, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, c->workspace_id) | sq_bind_i64(st, 2, c->id) |
	    sq_bind_i64(st, 3, c->version) | sq_bind_text(st, 4, c->name) |
	    sq_bind_text(st, 5, c->website) | sq_bind_text(st, 6, c->phone) |
	    sq_bind_text(st, 7, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_update(s, st, STMT_COMPANY_EXISTS, c->workspace_id, c->id);
	if (rc)
		goto out;
	c->version++;
	memcpy(c->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

/* company_delete removes the company's contacts with it; ERR_INUSE while it has deals. */
static int sqlite_company_delete(struct store *base, int64_t ws, int64_t id)
{
	return delete_by_id(sq(base), STMT_COMPANY_DELETE, ws, id);
}

static int sqlite_company_deal_count(struct store *base, int64_t ws, int64_t id, int64_t *out)
{
	return count_by_id(sq(base), STMT_COMPANY_DEAL_COUNT, ws, id, out);
}

/* ---- contacts ---- */

static int sqlite_contact_create(struct store *base, struct contact *c)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	memcpy(now, c->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	rc = stmt(s, STMT_CONTACT_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, c->workspace_id) | sq_bind_id_null(st, 2, c->company_id) |
	    sq_bind_text(st, 3, c->name) | sq_bind_text(st, 4, c->title) |
	    sq_bind_text(st, 5, c->phone) | sq_bind_text(st, 6, c->email) |
	    sq_bind_text(st, 7, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	c->id = sqlite3_last_insert_rowid(s->db);
	c->version = 1;
	memcpy(c->created_at, now, TS_LEN);
	memcpy(c->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_contact_get(struct store *base, int64_t ws, int64_t id, struct contact *out)
{
	return get_by_id(sq(base), STMT_CONTACT_GET, ws, id, row_contact, out, sizeof(*out));
}

/* contact_list: the contacts of company_id, or of the whole workspace for 0. */
static int sqlite_contact_list(struct store *base, int64_t ws, int64_t company_id,
			       struct contact_list *out)
{
	void *v = NULL;
	size_t n = 0;
	int rc = list_by_id(sq(base), STMT_CONTACT_LIST, ws, company_id, sizeof(struct contact),
			    row_contact, &v, &n);

	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

static int sqlite_contact_update(struct store *base, struct contact *c)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	store_now(now);
	rc = stmt(s, STMT_CONTACT_UPDATE, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, c->workspace_id) | sq_bind_i64(st, 2, c->id) |
	    sq_bind_i64(st, 3, c->version) | sq_bind_id_null(st, 4, c->company_id) |
	    sq_bind_text(st, 5, c->name) | sq_bind_text(st, 6, c->title) |
	    sq_bind_text(st, 7, c->phone) | sq_bind_text(st, 8, c->email) |
	    sq_bind_text(st, 9, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_update(s, st, STMT_CONTACT_EXISTS, c->workspace_id, c->id);
	if (rc)
		goto out;
	c->version++;
	memcpy(c->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_contact_delete(struct store *base, int64_t ws, int64_t id)
{
	return delete_by_id(sq(base), STMT_CONTACT_DELETE, ws, id);
}

/* ---- deals ---- */

/* deal_insert writes d with the external id ext (NULL or "": none). */
static int deal_insert(struct sqlite_store *s, struct deal *d, const char *ext)
{
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	if ((rc = sq_bulk_prepare(s)))
		return rc;
	memcpy(now, d->created_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	rc = stmt(s, STMT_DEAL_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_text_null(st, 15, ext ? ext : "")) {
		rc = sq_bind_failed(s);
		goto out;
	}
	if (sq_bind_i64(st, 1, d->workspace_id) | sq_bind_i64(st, 2, d->company_id) |
	    sq_bind_text(st, 3, d->name) | sq_bind_i64(st, 4, d->amount) |
	    sq_bind_text(st, 5, d->currency) | sq_bind_i64(st, 6, d->stage_id) |
	    (d->probability < 0 ? sqlite3_bind_null(st, 7) : sq_bind_i64(st, 7, d->probability)) |
	    sq_bind_i64(st, 8, d->owner_id) | sq_bind_id_null(st, 9, d->assigned_by) |
	    sq_bind_text_null(st, 10, d->assigned_at) | sq_bind_text_null(st, 11, d->close_date) |
	    sq_bind_text(st, 12, d->next_step) | sq_bind_id_null(st, 13, d->created_by) |
	    sq_bind_text(st, 14, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	d->id = sqlite3_last_insert_rowid(s->db);
	rc = sq_sum_deal(s, d->workspace_id, d->id, 1); /* reports: deal_sum */
	if (!rc)
		rc = sq_fact_upkeep(s, d->workspace_id, d->id, 1); /* reports: deal_fact */
	if (rc)
		goto out;
	d->version = 1;
	memcpy(d->created_at, now, TS_LEN);
	memcpy(d->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_deal_create(struct store *base, struct deal *d)
{
	return deal_insert(sq(base), d, NULL);
}

static int sqlite_deal_create_ext(struct store *base, struct deal *d, const char *ext)
{
	return deal_insert(sq(base), d, ext);
}

static int sqlite_deal_get(struct store *base, int64_t ws, int64_t id, struct deal *out)
{
	return get_by_id(sq(base), STMT_DEAL_GET, ws, id, sq_row_deal, out, sizeof(*out));
}

/*
 * effective_owner folds f->owner_id and f->visible_to, both conditions on
 * the owner, into one: 0 for none. Two different owners match nothing:
 * *none is then set.
 */
static int64_t effective_owner(const struct deal_filter *f, int *none)
{
	*none = 0;
	if (f->owner_id && f->visible_to && f->owner_id != f->visible_to)
		*none = 1;
	return f->owner_id ? f->owner_id : f->visible_to;
}

/* filter_owner sets *owner from f; 1 when f matches no deal, ERR_INVALID without f. */
static int filter_owner(const struct deal_filter *f, int64_t *owner)
{
	int none;

	if (!f)
		return ERR_INVALID;
	*owner = effective_owner(f, &none);
	return none;
}

/* deal_cond_mask: bit i set when condition deal_cond_sql[i] applies. */
static unsigned deal_cond_mask(const struct deal_filter *f, int64_t owner)
{
	return (owner != 0) << 0 | (f->stage_id != 0) << 1 | (f->status >= 0) << 2 |
	       (f->company_id != 0) << 3 | (f->close_from[0] != 0) << 4 |
	       (f->close_to[0] != 0) << 5 | (f->amount_min >= 0) << 6 | (f->amount_max >= 0) << 7 |
	       (f->q[0] != 0) << 8;
}

/* bind_deal_filter binds ?1 and the parameters of the conditions in mask. */
static int bind_deal_filter(sqlite3_stmt *st, unsigned mask, int64_t ws, int64_t owner,
			    const struct deal_filter *f)
{
	int rc = sq_bind_i64(st, 1, ws);

	if (mask & 1u << 0)
		rc |= sq_bind_i64(st, 2, owner);
	if (mask & 1u << 1)
		rc |= sq_bind_i64(st, 3, f->stage_id);
	if (mask & 1u << 2)
		rc |= sq_bind_i64(st, 4, f->status);
	if (mask & 1u << 3)
		rc |= sq_bind_i64(st, 5, f->company_id);
	if (mask & 1u << 4)
		rc |= sq_bind_text(st, 6, f->close_from);
	if (mask & 1u << 5)
		rc |= sq_bind_text(st, 7, f->close_to);
	if (mask & 1u << 6)
		rc |= sq_bind_i64(st, 8, f->amount_min);
	if (mask & 1u << 7)
		rc |= sq_bind_i64(st, 9, f->amount_max);
	if (mask & 1u << 8)
		rc |= sq_bind_text(st, 10, f->q);
	return rc;
}

/* What a statement glued from the deal list's conditions does. */
enum deal_stmt_kind {
	DEAL_STMT_LIST,
	DEAL_STMT_COUNT,
	DEAL_STMT_SUMMARY,
	DEAL_STMT_BOARD,
	DEAL_STMT_OWNER_SUMS
};

/*
 * deal_list_stmt returns the statement of a kind for a condition mask, a sort
 * and a direction (the sort is ignored but by DEAL_STMT_LIST). Statements are
 * cached per connection in a small direct-mapped table keyed by all three.
 */
static int deal_list_stmt(struct sqlite_store *s, unsigned mask, enum deal_sort sort, int desc,
			  enum deal_stmt_kind kind, sqlite3_stmt **out)
{
	unsigned key = kind == DEAL_STMT_LIST ? (mask << 5 | (unsigned)sort << 1 | desc) + 1
					      : (mask << 5 | 1u << 4 | (unsigned)kind) + 1;
	size_t slot = (key * 2654435761u >> 8) % DEAL_STMT_CACHE;
	char sql[4096];
	size_t len;
	int rc;

	if (s->deal_stmt_key[slot] == key) {
		*out = s->deal_stmt[slot];
		return 0;
	}
	len = (size_t)snprintf(sql, sizeof(sql), "%s",
			       kind == DEAL_STMT_COUNT	      ? DEAL_COUNT
			       : kind == DEAL_STMT_SUMMARY    ? SUMMARY_FILTERED
			       : kind == DEAL_STMT_BOARD      ? BOARD_SELECT DEAL_WHERE
			       : kind == DEAL_STMT_OWNER_SUMS ? OWNER_SUMS_FILTERED
							      : DEAL_SELECT DEAL_WHERE);
	for (size_t i = 0; i < DEAL_COND_COUNT; i++)
		if (mask & 1u << i)
			len +=
			    (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", deal_cond_sql[i]);
	if (kind == DEAL_STMT_LIST)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s",
					deal_sort_sql[sort][desc], DEAL_PAGE);
	else if (kind == DEAL_STMT_SUMMARY)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", SUMMARY_TAIL);
	else if (kind == DEAL_STMT_BOARD)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", BOARD_TAIL);
	else if (kind == DEAL_STMT_OWNER_SUMS)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s", OWNER_SUMS_TAIL);
	if (len >= sizeof(sql))
		return ERR_DB;
	sqlite3_finalize(s->deal_stmt[slot]);
	s->deal_stmt[slot] = NULL;
	s->deal_stmt_key[slot] = 0;
	rc = sq_prepare(s, &s->deal_stmt[slot], sql);
	if (rc)
		return rc;
	s->deal_stmt_key[slot] = key;
	*out = s->deal_stmt[slot];
	return 0;
}

/* A page's array is sized for its limit up to this many rows (the API's largest page). */
#define PAGE_HINT_MAX 500

/* deal_list: a limit of 0 or less means no limit. */
static int sqlite_deal_list(struct store *base, int64_t ws, const struct deal_filter *f,
			    int count_total, struct deal_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int64_t owner, total = -1;
	unsigned mask;
	int none, rc;

	if (!f || (unsigned)f->sort >= DEAL_SORT_COUNT)
		return ERR_INVALID;
	owner = effective_owner(f, &none);
	mask = deal_cond_mask(f, owner);
	if (none) {
		out->v = NULL;
		out->n = 0;
		out->total = count_total ? 0 : -1;
		return 0;
	}
	if (count_total) {
		rc = deal_list_stmt(s, mask, f->sort, 0, DEAL_STMT_COUNT, &st);
		if (rc)
			goto out;
		if (bind_deal_filter(st, mask, ws, owner, f)) {
			rc = sq_bind_failed(s);
			goto out;
		}
		rc = sq_fetch_i64(s, st, &total);
		if (rc)
			goto out;
		sq_stmt_done(st);
		st = NULL;
	}
	rc = deal_list_stmt(s, mask, f->sort, f->desc ? 1 : 0, DEAL_STMT_LIST, &st);
	if (rc)
		goto out;
	if (bind_deal_filter(st, mask, ws, owner, f) |
	    sq_bind_i64(st, 11, f->limit > 0 ? f->limit : -1) |
	    sq_bind_i64(st, 12, f->offset > 0 ? f->offset : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all_hint(s, st, sizeof(struct deal), sq_row_deal, &v, &n,
			       f->limit > 0 && f->limit <= PAGE_HINT_MAX ? (size_t)f->limit : 0);
	if (rc)
		goto out;
	out->v = v;
	out->n = n;
	out->total = total;
out:
	sq_stmt_done(st);
	return rc;
}

static int sqlite_deal_update(struct store *base, struct deal *d)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	store_now(now);
	rc = stmt(s, STMT_DEAL_UPDATE, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, d->workspace_id) | sq_bind_i64(st, 2, d->id) |
	    sq_bind_i64(st, 3, d->version) | sq_bind_i64(st, 4, d->company_id) |
	    sq_bind_text(st, 5, d->name) | sq_bind_i64(st, 6, d->amount) |
	    sq_bind_text(st, 7, d->currency) | sq_bind_i64(st, 8, d->stage_id) |
	    (d->probability < 0 ? sqlite3_bind_null(st, 9) : sq_bind_i64(st, 9, d->probability)) |
	    sq_bind_i64(st, 10, d->owner_id) | sq_bind_id_null(st, 11, d->assigned_by) |
	    sq_bind_text_null(st, 12, d->assigned_at) | sq_bind_text_null(st, 13, d->close_date) |
	    sq_bind_text(st, 14, d->next_step) | sq_bind_text(st, 15, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	/* reports: deal_sum loses the row as it was and gains it as it is */
	rc = sq_sum_deal(s, d->workspace_id, d->id, -1);
	if (rc)
		goto out;
	rc = step_update(s, st, STMT_DEAL_EXISTS, d->workspace_id, d->id);
	if (sq_sum_deal(s, d->workspace_id, d->id, 1) && !rc)
		rc = ERR_DB;
	if (!rc)
		rc = sq_fact_upkeep(s, d->workspace_id, d->id, 0); /* reports: deal_fact */
	if (rc)
		goto out;
	d->version++;
	memcpy(d->updated_at, now, TS_LEN);
out:
	sq_stmt_done(st);
	return rc;
}

/* deal_delete removes the deal's stage history with it. */
static int sqlite_deal_delete(struct store *base, int64_t ws, int64_t id)
{
	struct sqlite_store *s = sq(base);
	int rc = sq_sum_deal(s, ws, id, -1); /* reports: deal_sum */

	if (rc)
		return rc;
	rc = delete_by_id(s, STMT_DEAL_DELETE, ws, id);
	if (rc)
		sq_sum_deal(s, ws, id, 1); /* not deleted: count it again */
	return rc ? rc : sq_fact_delete(s, ws, id);
}

/* ---- history ---- */

static int sqlite_history_add(struct store *base, struct stage_change *h)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int rc;

	memcpy(now, h->changed_at, TS_LEN);
	now[TS_LEN - 1] = '\0';
	sq_stamp(now);
	rc = stmt(s, STMT_HISTORY_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, h->workspace_id) | sq_bind_i64(st, 2, h->deal_id) |
	    sq_bind_id_null(st, 3, h->from_stage_id) | sq_bind_i64(st, 4, h->to_stage_id) |
	    sq_bind_id_null(st, 5, h->changed_by) | sq_bind_text(st, 6, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (rc)
		goto out;
	h->id = sqlite3_last_insert_rowid(s->db);
	memcpy(h->changed_at, now, TS_LEN);
	rc = sq_fact_upkeep(s, h->workspace_id, h->deal_id, 0); /* reports: deal_fact */
out:
	sq_stmt_done(st);
	return rc;
}

/* history_list: oldest first; a deleted stage leaves its key empty. */
static int sqlite_history_list(struct store *base, int64_t ws, int64_t deal_id,
			       struct history_list *out)
{
	void *v = NULL;
	size_t n = 0;
	int rc = list_by_id(sq(base), STMT_HISTORY_LIST, ws, deal_id, sizeof(struct stage_change),
			    row_history, &v, &n);

	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

/* ---- summary ---- */

static int sqlite_summary(struct store *base, int64_t ws, const struct deal_filter *f,
			  struct stage_sum_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int64_t owner;
	int by_owner, rc;

	if ((rc = filter_owner(f, &owner)) != 0) {
		out->v = NULL;
		out->n = 0;
		return rc < 0 ? rc : 0;
	}
	by_owner = owner != 0;
	if (deal_filter_narrows(f)) {
		unsigned mask = deal_cond_mask(f, owner);

		rc = deal_list_stmt(s, mask, DEAL_SORT_ID, 0, DEAL_STMT_SUMMARY, &st);
		if (rc)
			goto out;
		if (bind_deal_filter(st, mask, ws, owner, f)) {
			rc = sq_bind_failed(s);
			goto out;
		}
		goto fetch;
	}
	if (!f->close_from[0] && !f->close_to[0]) /* reports: the maintained sums */
		return sq_sum_summary(s, ws, owner, out);
	rc = sq_prepare(s, &s->summary_stmt[by_owner],
			by_owner ? SUMMARY_HEAD " AND d.owner_id = ?2" SUMMARY_TAIL
				 : SUMMARY_HEAD SUMMARY_TAIL);
	if (rc)
		goto out;
	st = s->summary_stmt[by_owner];
	if (sq_bind_i64(st, 1, ws) | (by_owner ? sq_bind_i64(st, 2, owner) : 0) |
	    sq_bind_text_null(st, 3, f->close_from) | sq_bind_text_null(st, 4, f->close_to)) {
		rc = sq_bind_failed(s);
		goto out;
	}
fetch:
	rc = sq_fetch_all(s, st, sizeof(struct stage_sum), row_stage_sum, &v, &n);
	if (rc)
		goto out;
	out->v = v;
	out->n = n;
out:
	sq_stmt_done(st);
	return rc;
}

/* ---- the board ---- */

static void row_board_card(sqlite3_stmt *st, void *out)
{
	struct board_card *c = out;

	c->id = sq_col_i64(st, 0);
	c->stage_id = sq_col_i64(st, 1);
	c->owner_id = sq_col_i64(st, 2);
	c->amount = sq_col_i64(st, 3);
	c->version = sq_col_i64(st, 4);
	c->entered = sq_col_i64(st, 5);
	c->probability = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sq_col_int(st, 6);
	c->stage_probability = sq_col_int(st, 7);
	c->stage_kind = (enum stage_kind)sq_col_int(st, 8);
	COL_TEXT(st, 9, c->currency);
	COL_TEXT(st, 10, c->name);
	COL_TEXT(st, 11, c->company_name);
	COL_TEXT(st, 12, c->owner_username);
	COL_TEXT(st, 13, c->owner_name);
	COL_TEXT(st, 14, c->close_date);
}

static int sqlite_board_cards(struct store *base, int64_t ws, const struct deal_filter *f,
			      int64_t before_id, int limit, struct board_card_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int64_t owner;
	unsigned mask;
	int none, rc;

	if (!f || !f->stage_id || limit <= 0)
		return ERR_INVALID;
	owner = effective_owner(f, &none);
	if (none) {
		out->v = NULL;
		out->n = 0;
		return 0;
	}
	mask = deal_cond_mask(f, owner);
	rc = deal_list_stmt(s, mask, DEAL_SORT_ID, 1, DEAL_STMT_BOARD, &st);
	if (rc)
		return rc;
	if (bind_deal_filter(st, mask, ws, owner, f) | sq_bind_i64(st, 11, limit) |
	    sq_bind_i64(st, 12, before_id > 0 ? before_id : INT64_MAX)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all(s, st, sizeof(struct board_card), row_board_card, &v, &n);
	if (rc)
		goto out;
	out->v = v;
	out->n = n;
out:
	sq_stmt_done(st);
	return rc;
}

/* summary_owner_sums: the summary per stage and owner, one query. */
static int sqlite_summary_owner_sums(struct store *base, int64_t ws, const struct deal_filter *f,
				     struct report_sum_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	unsigned mask;
	int64_t owner;
	int rc;

	if ((rc = filter_owner(f, &owner)) != 0) {
		out->v = NULL;
		out->n = 0;
		return rc < 0 ? rc : 0;
	}
	if (!deal_filter_narrows(f)) /* reports: deal_sum, or the close date range */
		return sq_owner_sums(s, ws, owner, f->close_from, f->close_to, out);
	mask = deal_cond_mask(f, owner);
	if ((rc = deal_list_stmt(s, mask, DEAL_SORT_ID, 0, DEAL_STMT_OWNER_SUMS, &st)))
		return rc;
	rc = bind_deal_filter(st, mask, ws, owner, f) ? sq_bind_failed(s)
						      : sq_owner_sums_step(s, st, out);
	sq_stmt_done(st);
	return rc;
}

/* ---- opening and closing ---- */

static void sqlite_close(struct store *base)
{
	struct sqlite_store *s = sq(base);

	/*
	 * Finalize the statements this struct caches, the feature files'
	 * included; not every statement of s->db: virtual tables (FTS5) own
	 * statements of their own and finalize them when they disconnect.
	 */
	for (size_t i = 0; i < sizeof(s->stmt) / sizeof(s->stmt[0]); i++)
		sqlite3_finalize(s->stmt[i]);
	for (size_t i = 0; i < sizeof(s->deal_stmt) / sizeof(s->deal_stmt[0]); i++)
		sqlite3_finalize(s->deal_stmt[i]);
	for (size_t i = 0; i < sizeof(s->summary_stmt) / sizeof(s->summary_stmt[0]); i++)
		sqlite3_finalize(s->summary_stmt[i]);
	for (size_t i = 0; i < sizeof(s->ext) / sizeof(s->ext[0]); i++)
		sqlite3_finalize(s->ext[i]);
	if (s->db) {
		sqlite3_exec(s->db, "PRAGMA analysis_limit=400; PRAGMA optimize", NULL, NULL, NULL);
		sqlite3_close_v2(s->db);
	}
	deal_set_free(&s->dirty);
	free(s);
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .begin = sqlite_begin,
    .commit = sqlite_commit,
    .rollback = sqlite_rollback,
    .group_begin = sqlite_group_begin,
    .group_end = sqlite_group_end,
    .workspace_create = sqlite_workspace_create,
    .workspace_get = sqlite_workspace_get,
    .workspace_get_by_slug = sqlite_workspace_get_by_slug,
    .workspace_update = sqlite_workspace_update,
    .workspace_list = sqlite_workspace_list,
    .user_create = sqlite_user_create,
    .user_get = sqlite_user_get,
    .user_get_by_name = sqlite_user_get_by_name,
    .user_list = sqlite_user_list,
    .user_update = sqlite_user_update,
    .user_set_password = sqlite_user_set_password,
    .user_count = sqlite_user_count,
    .token_create = sqlite_token_create,
    .token_lookup = sqlite_token_lookup,
    .token_touch = sqlite_token_touch,
    .token_delete = sqlite_token_delete,
    .token_delete_user = sqlite_token_delete_user,
    .token_list = sqlite_token_list,
    .stage_list = sqlite_stage_list,
    .stage_get = sqlite_stage_get,
    .stage_get_by_key = sqlite_stage_get_by_key,
    .stage_create = sqlite_stage_create,
    .stage_update = sqlite_stage_update,
    .stage_delete = sqlite_stage_delete,
    .stage_set_positions = sqlite_stage_set_positions,
    .stage_deal_count = sqlite_stage_deal_count,
    .company_create = sqlite_company_create,
    .company_get = sqlite_company_get,
    .company_get_by_name = sqlite_company_get_by_name,
    .company_list = sqlite_company_list,
    .company_update = sqlite_company_update,
    .company_delete = sqlite_company_delete,
    .company_deal_count = sqlite_company_deal_count,
    .contact_create = sqlite_contact_create,
    .contact_get = sqlite_contact_get,
    .contact_list = sqlite_contact_list,
    .contact_update = sqlite_contact_update,
    .contact_delete = sqlite_contact_delete,
    .deal_create = sqlite_deal_create,
    .deal_create_ext = sqlite_deal_create_ext,
    .deal_get = sqlite_deal_get,
    .deal_list = sqlite_deal_list,
    .deal_update = sqlite_deal_update,
    .deal_delete = sqlite_deal_delete,
    .history_add = sqlite_history_add,
    .history_list = sqlite_history_list,
    .summary = sqlite_summary,
    .board_cards = sqlite_board_cards,
    /* saved views */
    .view_create = sqlite_view_create,
    .view_get = sqlite_view_get,
    .view_list = sqlite_view_list,
    .view_update = sqlite_view_update,
    .view_delete = sqlite_view_delete,
    /* reports and history */
    .report_deals = sqlite_report_deals,
    .report_spans = sqlite_report_spans,
    .report_changes = sqlite_report_changes,
    .deal_change_add = sqlite_deal_change_add,
    .deal_change_list = sqlite_deal_change_list,
    .stage_set_stalled = sqlite_stage_set_stalled,
    .history_reset = sqlite_history_reset,
    .report_rebuild = sqlite_report_rebuild,
    .report_sums = sqlite_report_sums,
    .report_closes = sqlite_report_closes,
    .report_close_each = sqlite_report_close_each,
    .report_stalled_deals = sqlite_report_stalled_deals,
    .report_owner_sums = sqlite_report_owner_sums,
    .summary_owner_sums = sqlite_summary_owner_sums,
    .report_reaches = sqlite_report_reaches,
    .report_tallies = sqlite_report_tallies,
    .report_dwell_values = sqlite_report_dwell_values,
    .report_changed_deals = sqlite_report_changed_deals,
    /* notes and search */
    .note_create = sqlite_note_create,
    .note_get = sqlite_note_get,
    .note_list = sqlite_note_list,
    .note_update = sqlite_note_update,
    .note_delete = sqlite_note_delete,
    .note_cite = sqlite_note_cite,
    .note_uncite = sqlite_note_uncite,
    .deal_note_ids = sqlite_deal_note_ids,
    .note_deal_ids = sqlite_note_deal_ids,
    .note_search = sqlite_note_search,
    .note_index_defer = sqlite_note_index_defer,
    .note_get_many = sqlite_note_get_many,
    /* security (store_sqlite_sec.c) */
    .login_failure_add = sqlite_login_failure_add,
    .login_failure_count = sqlite_login_failure_count,
    .login_failure_clear = sqlite_login_failure_clear,
    .login_known_add = sqlite_login_known_add,
    .login_known_get = sqlite_login_known_get,
    /* import, export and backup */
    .deal_external_find = sqlite_deal_external_find,
    .deal_external_set = sqlite_deal_external_set,
    .backup_to = sqlite_backup_to,
    .restore_from = sqlite_restore_from,
    .bulk_hint = sqlite_bulk_hint,
    .cache_size = sqlite_cache_size,
    .log_hand_off = sqlite_log_hand_off,
    .log_checkpoint = sqlite_log_checkpoint,
    /* audit log and deal trash */
    .audit_add = sqlite_audit_add,
    .audit_list = sqlite_audit_list,
    .deal_trash = sqlite_deal_trash,
    .deal_untrash = sqlite_deal_untrash,
    .trash_list = sqlite_trash_list,
    .trash_get = sqlite_trash_get,
    .trash_purge = sqlite_trash_purge,
    .trash_expired = sqlite_trash_expired,
    .bulk_flush = sqlite_bulk_flush,
};

/*
 * lc_expected(amount, probability) is money_expected() as a SQL function, so
 * the summary rounds each deal exactly as the rest of litecrm does. NULL in,
 * NULL out; arguments outside money_expected()'s domain are an error.
 */
static void sql_expected(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	int64_t amount;
	int64_t p;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	amount = sqlite3_value_int64(argv[0]);
	p = sqlite3_value_int64(argv[1]);
	if (amount < -MONEY_MAX || amount > MONEY_MAX || p < 0 || p > 100) {
		sqlite3_result_error(ctx, "lc_expected: amount or probability out of range", -1);
		return;
	}
	sqlite3_result_int64(ctx, money_expected(amount, (int)p));
}

/* schema_version reads the applied version, 0 for a new database. */
static int schema_version(struct sqlite_store *s, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT coalesce(max(version), 0) FROM schema_version", -1,
				&st, NULL);
	if (rc != SQLITE_OK) {
		/* No table yet: a database no migration has touched. */
		*out = 0;
		rc = 0;
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = sq_db_err(s, rc, ERR_DB);
		goto out;
	}
	*out = sqlite3_column_int(st, 0);
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * migrate applies the migrations above the database's version in one write
 * transaction. It looks first without locking, so opening an up-to-date
 * database takes no write lock.
 */
static int migrate(struct sqlite_store *s, char *errbuf, size_t errsz)
{
	sqlite3_stmt *st = NULL;
	char now[TS_LEN];
	int version, i, rc;

	rc = schema_version(s, &version);
	if (rc)
		goto fail;
	if (version == MIGRATION_COUNT)
		return 0;
	rc = sqlite3_exec(s->db,
			  "BEGIN IMMEDIATE;"
			  "CREATE TABLE IF NOT EXISTS schema_version ("
			  "  version INTEGER NOT NULL PRIMARY KEY,"
			  "  applied_at TEXT NOT NULL)",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_db_err(s, rc, ERR_DB);
		goto fail;
	}
	rc = schema_version(s, &version); /* another connection may have migrated meanwhile */
	if (rc)
		goto fail;
	if (version > MIGRATION_COUNT) {
		if (errsz)
			snprintf(errbuf, errsz,
				 "database schema version %d is newer than this litecrm knows "
				 "(%d)",
				 version, MIGRATION_COUNT);
		rc = ERR_DB;
		goto out;
	}
	rc = sqlite3_prepare_v2(s->db,
				"INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_db_err(s, rc, ERR_DB);
		goto fail;
	}
	store_now(now);
	for (i = version; i < MIGRATION_COUNT; i++) {
		rc = sqlite3_exec(s->db, migrations[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			rc = sq_db_err(s, rc, ERR_DB);
			goto fail;
		}
		if (sq_bind_i64(st, 1, i + 1) | sq_bind_text(st, 2, now)) {
			rc = sq_bind_failed(s);
			goto fail;
		}
		rc = sq_step_done(s, st, ERR_DB);
		if (rc)
			goto fail;
		sqlite3_reset(st);
	}
	rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_db_err(s, rc, ERR_DB);
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	if (errsz)
		snprintf(errbuf, errsz, "cannot migrate the database schema: %s",
			 sqlite3_errmsg(s->db));
out:
	sqlite3_finalize(st);
	if (rc && !sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/*
 * SQLite keeps statistics of its memory under a global mutex taken on every
 * allocation and free; litecrm reads none of them. Once another thread
 * exists (the server's, or note import's reader) glibc's mutexes are atomic
 * instructions: 4-5% of a note import's CPU went to that one lock. Set
 * before SQLite initialises, which the first open does; later calls are
 * refused by SQLite and change nothing.
 */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void sq_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int store_sqlite_open(const char *path, int create, struct store **out, char *errbuf, size_t errsz)
{
	struct sqlite_store *s = NULL;
	struct stat sb;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	if (errsz)
		errbuf[0] = '\0';
	if (!path || !*path) {
		if (errsz)
			snprintf(errbuf, errsz, "no database file given");
		return ERR_INVALID;
	}
	pthread_once(&config_once, sq_config);
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	else if (strcmp(path, ":memory:") != 0 && stat(path, &sb) != 0) {
		if (errsz)
			snprintf(errbuf, errsz, "cannot open database '%s': %s", path,
				 errno == ENOENT ? "no such file" : strerror(errno));
		return ERR_IO;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		if (errsz)
			snprintf(errbuf, errsz, "cannot open database '%s': out of memory", path);
		return ERR_NOMEM;
	}
	s->base.ops = &sqlite_ops;
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		if (errsz)
			snprintf(errbuf, errsz, "cannot open database '%s': %s", path,
				 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		rc = ERR_IO;
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	rc = sqlite3_exec(s->db,
			  "PRAGMA foreign_keys = ON;"
			  "PRAGMA journal_mode = WAL;"
			  "PRAGMA synchronous = NORMAL",
			  NULL, NULL, NULL);
	if (rc == SQLITE_OK && getenv("LITECRM_SQLITE_MAX_PAGES")) {
		/*
		 * A cap on the database's size in pages: past it every write fails
		 * as on a full disk (SQLITE_FULL). The durability test uses it to
		 * fill the "disk"; SQLite keeps the cap at least the current size.
		 */
		char pragma[64];
		long long pages = strtoll(getenv("LITECRM_SQLITE_MAX_PAGES"), NULL, 10);

		if (pages > 0) {
			snprintf(pragma, sizeof(pragma), "PRAGMA max_page_count = %lld", pages);
			rc = sqlite3_exec(s->db, pragma, NULL, NULL, NULL);
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_create_function_v2(s->db, "lc_expected", 2,
						SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
						sql_expected, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sq_note_register(s->db); /* notes and search: before migrations */
	if (rc != SQLITE_OK) {
		if (errsz)
			snprintf(errbuf, errsz, "cannot open database '%s': %s", path,
				 sqlite3_errmsg(s->db));
		rc = (rc & 0xff) == SQLITE_BUSY ? ERR_RETRY : ERR_IO;
		goto out;
	}
	rc = migrate(s, errbuf, errsz);
	if (rc)
		goto out;
	*out = &s->base;
	s = NULL;
out:
	if (s) {
		sqlite3_close_v2(s->db);
		free(s);
	}
	return rc;
}
