/*
 * store_report_sql.h - the SQL that fills the tables the history reports
 * keep (deal_dwell, deal_dwell_day, deal_open, deal_closing; docs/ARCHITECTURE.md, "Stored
 * deal facts"), shared by store_sqlite_report.c and store_pg_report.c
 * (`litecrm report rebuild` on both, PostgreSQL's upkeep of a deal; SQLite's
 * computes the same rows in C, deal_hrows) and the migrations that add them. The includer defines
 * the few words the dialects spell apart: RS_DAY(x) (the day of x seconds, rounded down),
 * RS_GREATEST(a, b), RS_EXPECTED(amount, probability) (money_expected()) and RS_FLAG(x) (a
 * condition as 0 or 1). Y and F are
 * the conditions on deal_stay y and deal_fact f (a workspace: ?1, one deal:
 * ?2, every row: "1"), SIGN (1 or -1) adds or removes the rows, STAGE
 * narrows deal_open to a stage.
 */
#ifndef LITECRM_STORE_REPORT_SQL_H
#define LITECRM_STORE_REPORT_SQL_H

/*
 * The stays of deals (a, b): each history row from its start to the next
 * one's (b NULL for the last), or for a deal without history its current
 * stage since its creation.
 */
#define RS_STAYS(Y, F)                                                                             \
	"y AS (SELECT y.deal_id, y.seq, y.stage_id, y.entered AS a, lead(y.entered)"               \
	" OVER (PARTITION BY y.workspace_id, y.deal_id ORDER BY y.seq) AS b, y.workspace_id"       \
	" FROM deal_stay y WHERE " Y " UNION ALL SELECT f.deal_id, 1, f.stage_id, f.created,"      \
	" NULL, f.workspace_id FROM deal_fact f WHERE " F " AND NOT EXISTS (SELECT 1"              \
	" FROM deal_stay z WHERE z.workspace_id = f.workspace_id AND z.deal_id = f.deal_id))"

/*
 * deal_dwell: per deal and stage its seconds in the stage over the stays
 * that ended (open 0), or those minus the start of the stay it is in now
 * (open 1: its time is now + secs), counted per owner and day of creation.
 */
#define RS_DWELL_G(Y, F)                                                                           \
	"WITH " RS_STAYS(                                                                          \
	    Y, F) ", g AS (SELECT y.workspace_id, y.deal_id, y.stage_id,"                          \
		  " max(" RS_FLAG(                                                                 \
		      "y.b IS NULL") ") AS open,"                                                  \
				     " sum(CASE WHEN y.b IS NULL THEN -y.a ELSE y.b - y.a END) "   \
				     "AS secs"                                                     \
				     " FROM y GROUP BY y.workspace_id, y.deal_id, y.stage_id) "
#define RS_DWELL_KEY "f.workspace_id, g.stage_id, g.open, g.secs, f.owner_id, " RS_DAY("f.created")
#define RS_DWELL_ROWS(Y, F, SIGN)                                                                  \
	RS_DWELL_G(Y, F)                                                                           \
	"INSERT INTO deal_dwell (workspace_id, stage_id, open, secs, owner_id,"                    \
	" created_day, deals) SELECT " RS_DWELL_KEY ", " SIGN " * count(*)"                        \
	" FROM g JOIN deal_fact f ON f.workspace_id = g.workspace_id AND f.deal_id = g.deal_id"    \
	" WHERE true GROUP BY " RS_DWELL_KEY                                                       \
	" ON CONFLICT (workspace_id, stage_id, open, secs, owner_id, created_day)"                 \
	" DO UPDATE SET deals = deal_dwell.deals + excluded.deals"

/*
 * deal_dwell_day: deal_dwell's rows counted per day of their secs (the
 * buckets of a stage's values: [day, day + 1) x 86400 seconds, or now plus
 * that when open), with the sum of their secs, so that a median reads the
 * bucket counts and only the rows of the bucket that holds it.
 */
#define RS_DWELL_DAY_KEY                                                                           \
	"f.workspace_id, g.stage_id, g.open, " RS_DAY("g.secs") ", f.owner_id, " RS_DAY("f."       \
											"created")
#define RS_DWELL_DAY_ROWS(Y, F, SIGN)                                                              \
	RS_DWELL_G(Y, F)                                                                           \
	"INSERT INTO deal_dwell_day (workspace_id, stage_id, open, day, owner_id,"                 \
	" created_day, deals, secs) SELECT " RS_DWELL_DAY_KEY ", " SIGN " * count(*), " SIGN       \
	" * sum(g.secs) FROM g JOIN deal_fact f ON f.workspace_id = g.workspace_id"                \
	" AND f.deal_id = g.deal_id WHERE true GROUP BY " RS_DWELL_DAY_KEY                         \
	" ON CONFLICT (workspace_id, stage_id, open, day, owner_id, created_day)"                  \
	" DO UPDATE SET deals = deal_dwell_day.deals + excluded.deals,"                            \
	" secs = deal_dwell_day.secs + excluded.secs"
/*
 * The rows of TABLE (key columns COLS, KEY over g and f) that the deal of Y
 * and F just left, when no deal is left in them; WS its workspace parameter.
 */
#define RS_DWELL_PRUNE_OF(TABLE, COLS, KEY, Y, F, WS)                                              \
	RS_DWELL_G(Y, F)                                                                           \
	"DELETE FROM " TABLE " WHERE workspace_id = " WS " AND deals = 0 AND (" COLS ") IN"        \
	" (SELECT " KEY " FROM g JOIN deal_fact f"                                                 \
	" ON f.workspace_id = g.workspace_id AND f.deal_id = g.deal_id)"
#define RS_DWELL_PRUNE(Y, F, WS)                                                                   \
	RS_DWELL_PRUNE_OF("deal_dwell",                                                            \
			  "workspace_id, stage_id, open, secs, owner_id, created_day",             \
			  RS_DWELL_KEY, Y, F, WS)
#define RS_DWELL_DAY_PRUNE(Y, F, WS)                                                               \
	RS_DWELL_PRUNE_OF("deal_dwell_day",                                                        \
			  "workspace_id, stage_id, open, day, owner_id, created_day",              \
			  RS_DWELL_DAY_KEY, Y, F, WS)
/* deal_dwell_day from deal_dwell's rows of W (a workspace, or every row: "true"). */
#define RS_DWELL_DAY_FILL(W)                                                                       \
	"INSERT INTO deal_dwell_day (workspace_id, stage_id, open, day, owner_id, created_day,"    \
	" deals, secs) SELECT workspace_id, stage_id, open, " RS_DAY(                              \
	    "secs") " AS day, owner_id, created_day, sum(deals), sum(secs * deals)"                \
		    " FROM deal_dwell WHERE " W " GROUP BY workspace_id, stage_id, open, day,"     \
		    " owner_id, created_day"
#define RS_DWELL_DAY_TABLE(WR)                                                                     \
	"CREATE TABLE deal_dwell_day ("                                                            \
	"  workspace_id BIGINT NOT NULL,"                                                          \
	"  stage_id BIGINT NOT NULL,"                                                              \
	"  open INTEGER NOT NULL,"                                                                 \
	"  day BIGINT NOT NULL,"                                                                   \
	"  owner_id BIGINT NOT NULL,"                                                              \
	"  created_day BIGINT NOT NULL,"                                                           \
	"  deals BIGINT NOT NULL,"                                                                 \
	"  secs BIGINT NOT NULL,"                                                                  \
	"  PRIMARY KEY (workspace_id, stage_id, open, day, owner_id, created_day)"                 \
	") " WR ";"

/*
 * deal_open: per day, stage and owner, the change in the number of deals in
 * the stage and in their amount and expected value (at the deal's amount and
 * probability of now): a stay counts from its start (the creation for the
 * first) to the next one's, a moment t sees the changes of the days before.
 */
#define RS_OPEN_ROWS(Y, F, SIGN, STAGE)                                                            \
	"WITH " RS_STAYS(                                                                          \
	    Y,                                                                                     \
	    F) ", o AS (SELECT y.workspace_id, y.deal_id, y.stage_id, CASE WHEN y.seq = 1"         \
	       " THEN f.created ELSE " RS_GREATEST(                                                \
		   "f.created",                                                                    \
		   "y.a") " END AS a, y.b FROM y"                                                  \
			  " JOIN deal_fact f ON f.workspace_id = y.workspace_id AND f.deal_id = "  \
			  "y.deal_id"                                                              \
			  " WHERE true" STAGE                                                      \
			  "), e AS (SELECT workspace_id, deal_id, stage_id, " RS_DAY(              \
			      "a") " AS day, 1 AS n FROM o WHERE b IS NULL OR a < b UNION ALL"     \
				   " SELECT workspace_id, deal_id, stage_id, " RS_DAY(             \
				       "b") ", -1 FROM o WHERE b IS NOT NULL AND a < b)"           \
					    " INSERT INTO deal_open (workspace_id, day,"           \
					    " stage_id, owner_id, deals, amount, expected)"        \
					    " SELECT e.workspace_id, e.day, e.stage_id, "          \
					    "f.owner_id, " SIGN " * sum(e.n), " SIGN               \
					    " * sum(e.n * f.amount), " SIGN                        \
					    " * sum(e.n * " RS_EXPECTED(                           \
						"f.amount",                                        \
						"CASE WHEN"                                        \
						" f.probability BETWEEN 0 AND 100 THEN"            \
						" f.probability ELSE coalesce(s.probability, 0)"   \
						" END") ") FROM e JOIN deal_fact f ON"             \
							" f.workspace_id = e.workspace_id AND "    \
							"f.deal_id = e.deal_id"                    \
							" LEFT JOIN stage s ON s.workspace_id = "  \
							"e.workspace_id"                           \
							" AND s.id = e.stage_id WHERE true"        \
							" GROUP BY e.workspace_id, e.day, "        \
							"e.stage_id, f.owner_id"                   \
							" ON CONFLICT (workspace_id, day, "        \
							"stage_id,"                                \
							" owner_id) DO UPDATE SET"                 \
							" deals = deal_open.deals + "              \
							"excluded.deals,"                          \
							" amount = deal_open.amount + "            \
							"excluded.amount,"                         \
							" expected = deal_open.expected + "        \
							"excluded.expected"

/* deal_closing: per stage, day of entry into it and owner, deals, amount and cycle seconds. */
#define RS_CLOSE_KEY "f.workspace_id, f.stage_id, " RS_DAY("f.entered") ", f.owner_id"
#define RS_CLOSE_ROWS(F, SIGN)                                                                     \
	"INSERT INTO deal_closing (workspace_id, stage_id, day, owner_id, deals, amount, cycle)"   \
	" SELECT " RS_CLOSE_KEY ", " SIGN " * count(*), " SIGN " * sum(f.amount), " SIGN           \
	" * sum(" RS_GREATEST("f.entered - f.created",                                             \
			      "0") ") FROM deal_fact f WHERE " F " GROUP BY " RS_CLOSE_KEY         \
				   " ON CONFLICT (workspace_id, stage_id, day, owner_id)"          \
				   " DO UPDATE SET deals = deal_closing.deals + excluded.deals,"   \
				   " amount = deal_closing.amount + excluded.amount, cycle = "     \
				   "deal_closing.cycle + excluded.cycle"

/* The probability each stage's deal_open rows were computed with. */
#define RS_OPEN_MARK(STAGE)                                                                        \
	"INSERT INTO deal_open_stage (workspace_id, stage_id, probability) SELECT s.workspace_id," \
	" s.id, s.probability FROM stage s WHERE " STAGE                                           \
	" ON CONFLICT (workspace_id, stage_id) DO UPDATE SET probability = excluded.probability"

/* The tables of the history reports; WR: "WITHOUT ROWID" on SQLite. */
#define RS_HISTORY_TABLES(WR)                                                                      \
	"CREATE TABLE deal_dwell ("                                                                \
	"  workspace_id BIGINT NOT NULL,"                                                          \
	"  stage_id BIGINT NOT NULL,"                                                              \
	"  open INTEGER NOT NULL,"                                                                 \
	"  secs BIGINT NOT NULL,"                                                                  \
	"  owner_id BIGINT NOT NULL,"                                                              \
	"  created_day BIGINT NOT NULL,"                                                           \
	"  deals BIGINT NOT NULL,"                                                                 \
	"  PRIMARY KEY (workspace_id, stage_id, open, secs, owner_id, created_day)"                \
	") " WR ";"                                                                                \
	"CREATE TABLE deal_open ("                                                                 \
	"  workspace_id BIGINT NOT NULL,"                                                          \
	"  day BIGINT NOT NULL,"                                                                   \
	"  stage_id BIGINT NOT NULL,"                                                              \
	"  owner_id BIGINT NOT NULL,"                                                              \
	"  deals BIGINT NOT NULL,"                                                                 \
	"  amount BIGINT NOT NULL,"                                                                \
	"  expected BIGINT NOT NULL,"                                                              \
	"  PRIMARY KEY (workspace_id, day, stage_id, owner_id)"                                    \
	") " WR ";"                                                                                \
	"CREATE TABLE deal_open_stage ("                                                           \
	"  workspace_id BIGINT NOT NULL,"                                                          \
	"  stage_id BIGINT NOT NULL,"                                                              \
	"  probability INTEGER,"                                                                   \
	"  PRIMARY KEY (workspace_id, stage_id)"                                                   \
	") " WR ";"                                                                                \
	"CREATE TABLE deal_closing ("                                                              \
	"  workspace_id BIGINT NOT NULL,"                                                          \
	"  stage_id BIGINT NOT NULL,"                                                              \
	"  day BIGINT NOT NULL,"                                                                   \
	"  owner_id BIGINT NOT NULL,"                                                              \
	"  deals BIGINT NOT NULL,"                                                                 \
	"  amount BIGINT NOT NULL,"                                                                \
	"  cycle BIGINT NOT NULL,"                                                                 \
	"  PRIMARY KEY (workspace_id, stage_id, day, owner_id)"                                    \
	") " WR ";"

#endif
