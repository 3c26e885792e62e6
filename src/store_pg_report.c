/*
 * store_pg_report.c - the PostgreSQL statements of the sales-cycle reports
 * and of the field-change history: store_sqlite_report.c's statements and
 * semantics (see store.h, "reports and history"). The reports read plain
 * rows and leave the arithmetic to report.c; timestamps are parsed to seconds
 * here, once, with report_time_parse(). Statements are prepared in the
 * PG_EXT_REPORT slot range.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "report.h"
#include "store_pg_int.h"
#include "store_report_sql.h"

enum {
	RQ_DEALS = PG_EXT_REPORT,
	RQ_DEALS_OWNER,
	RQ_SPANS,
	RQ_SPANS_OWNER,
	RQ_CHANGES,
	RQ_CHANGE_INSERT,
	RQ_CHANGE_LIST,
	RQ_STAGE_STALLED,
	RQ_RESET_HISTORY,
	RQ_RESET_CHANGES,
	RQ_RESET_CREATED,
	RQ_FACT_DEAL,
	RQ_FACT_DELETE,
	RQ_FACT_WS_CLEAR,
	RQ_FACT_WS_FILL,
	RQ_CLOSES,
	RQ_STALLED,
	RQ_OWNER_SUMS,
	RQ_STAY_CLEAR,
	RQ_STAY_DEAL,
	RQ_STAY_WS_CLEAR,
	RQ_STAY_WS_FILL,
	RQ_REACH_SUB,
	RQ_REACH_ADD,
	RQ_REACH_WS_CLEAR,
	RQ_REACH_WS_FILL,
	RQ_REACHES,
	RQ_ANALYZE,
	RQ_DWELL_DEAL,
	RQ_DWELL_PRUNE,
	RQ_DWELL_DAY_DEAL,
	RQ_DWELL_DAY_PRUNE,
	RQ_OPEN_DEAL,
	RQ_CLOSE_DEAL,
	RQ_TALLY_DWELL,
	RQ_TALLY_OPEN,
	RQ_TALLY_CLOSE,
	RQ_TALLY_LATEST,
	RQ_TALLY_CLOSE_OWNER,
	RQ_DWELL_VALUES,
	RQ_CHANGED_DEALS,
	RQ_CHANGED_SPANS,
	RQ_HISTORY_CLEAR,
	RQ_DWELL_WS,
	RQ_DWELL_DAY_WS,
	RQ_OPEN_WS,
	RQ_CLOSE_WS,
	RQ_MARK_WS,
	RQ_OPEN_STAGE_CLEAR,
	RQ_OPEN_STAGE_FILL,
	RQ_OPEN_STAGE_MARK,
	RQ_CLOSE_EACH,
	RQ_STALLED_FIRST,
	RQ_SUM_DEAL,
	RQ_SUM_STAGE_CLEAR,
	RQ_SUM_STAGE_FILL,
	RQ_SUM_WS_CLEAR,
	RQ_SUM_WS_FILL,
	RQ_SUM_READ,
	RQ_SUM_OWNERS,
	RQ_SUM_MONTHS,
	RQ_END
};
_Static_assert((int)RQ_END <= (int)PG_EXT_VIEW, "the report statements overflow their slots");

/* The month of a deal's target close date, '' for none. */
#define CLOSE_MONTH " coalesce(substr(d.close_date, 1, 7), '')"
/* The deal_sum rows of workspace $1, computed from its deals (SUM_GROUP ends it). */
#define SUM_FILL                                                                                   \
	"INSERT INTO deal_sum (workspace_id, stage_id, owner_id, close_month, deals, amount,"      \
	" expected) SELECT d.workspace_id, d.stage_id, d.owner_id," CLOSE_MONTH ", count(*),"      \
	" sum(d.amount), sum(lc_expected(d.amount, coalesce(d.probability, s.probability)))"       \
	" FROM deal d JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"       \
	" WHERE d.workspace_id = $1::bigint"
#define SUM_GROUP " GROUP BY d.workspace_id, d.stage_id, d.owner_id," CLOSE_MONTH

#define DEAL_FACTS                                                                                 \
	"SELECT d.id, d.owner_id, d.stage_id, d.amount, d.probability, d.close_date,"              \
	" d.created_at FROM deal d WHERE d.workspace_id = $1::bigint"

/* A stored timestamp (RFC 3339, UTC) as whole seconds since the epoch. */
#define SECS(x) "floor(extract(epoch FROM (" x ")::timestamptz))::bigint"
/*
 * The deal_fact rows of deals d (store_sqlite_report.c's FACT_FILL): the
 * entry into the current stage is the last history row by (changed_at, id).
 */
#define FACT_FILL                                                                                  \
	"INSERT INTO deal_fact (workspace_id, deal_id, owner_id, stage_id, amount, probability,"   \
	" reached, created, entered) SELECT d.workspace_id, d.id, d.owner_id, d.stage_id,"         \
	" d.amount, d.probability,"                                                                \
	" coalesce((SELECT string_agg(DISTINCT h.to_stage_id::text, ',') FROM stage_history h"     \
	" WHERE h.workspace_id = d.workspace_id AND h.deal_id = d.id), d.stage_id::text),"         \
	" " SECS("d.created_at") ", " SECS("coalesce((SELECT h.changed_at FROM stage_history h"    \
					   " WHERE h.workspace_id = d.workspace_id AND h.deal_id " \
					   "= d.id"                                                \
					   " ORDER BY h.changed_at DESC, h.id DESC LIMIT 1), "     \
					   "d.created_at)") " FROM deal d"                         \
							    " WHERE d.workspace_id = $1::bigint"

/*
 * The deal_stay rows of the history rows h (store_sqlite_report.c's
 * STAY_FILL): numbered from 1 in (changed_at, id) order.
 */
#define STAY_FILL                                                                                  \
	"INSERT INTO deal_stay (workspace_id, deal_id, seq, stage_id, entered)"                    \
	" SELECT h.workspace_id, h.deal_id, row_number() OVER (PARTITION BY h.deal_id"             \
	" ORDER BY h.changed_at, h.id), h.to_stage_id, " SECS(                                     \
	    "h.changed_at") " FROM stage_history h WHERE h.workspace_id = $1::bigint"

/* The day (since 1970-01-01) of a moment in seconds, rounded down. */
#define DAY(x) "floor(" x " / 86400.0)::bigint"
/* The deal_reach key of deal_fact rows f. */
#define REACH_KEY "f.workspace_id, f.owner_id, " DAY("f.created") ", f.reached, f.stage_id"

/* The rows of deal $2 of workspace $1 (store_report_sql.h), and of the workspace. */
#define DEAL_Y "y.workspace_id = $1::bigint AND y.deal_id = $2::bigint"
#define DEAL_F "f.workspace_id = $1::bigint AND f.deal_id = $2::bigint"
#define WS_Y   "y.workspace_id = $1::bigint"
#define WS_F   "f.workspace_id = $1::bigint"
/*
 * The stays of the deals that were in stage $2 (deal_stay_stage), all of
 * them, and the deals without history in it now (sq_sum_stage's).
 */
#define STAGE_Y                                                                                    \
	"y.workspace_id = $1::bigint AND y.deal_id IN (SELECT x.deal_id FROM deal_stay x"          \
	" WHERE x.workspace_id = $1::bigint AND x.stage_id = $2::bigint)"
#define STAGE_F "f.workspace_id = $1::bigint AND f.stage_id = $2::bigint"
/* The deals with an amount or probability change at or after $3. */
#define CHANGED                                                                                    \
	"SELECT c.deal_id FROM deal_change c WHERE c.workspace_id = $1::bigint"                    \
	" AND c.changed_at >= $3::text AND c.field IN ('amount', 'probability')"
/* deal_open of stage $2, computed with another probability than the stage's now. */
#define OPEN_STALE                                                                                 \
	" AND EXISTS (SELECT 1 FROM stage s LEFT JOIN deal_open_stage p"                           \
	" ON p.workspace_id = s.workspace_id AND p.stage_id = s.id"                                \
	" WHERE s.workspace_id = $1::bigint AND s.id = $2::bigint"                                 \
	" AND p.probability IS DISTINCT FROM s.probability)"

static const char *const rq_sql[] = {
    [RQ_DEALS - PG_EXT_REPORT] = DEAL_FACTS " ORDER BY d.id",
    [RQ_DEALS_OWNER - PG_EXT_REPORT] = DEAL_FACTS " AND d.owner_id = $2::bigint ORDER BY d.id",
    /* the stays (deal_stay) in the order of their primary key */
    [RQ_SPANS - PG_EXT_REPORT] = "SELECT y.deal_id, y.stage_id, y.entered"
				 " FROM deal_stay y WHERE y.workspace_id = $1::bigint"
				 " ORDER BY y.deal_id, y.seq",
    [RQ_SPANS_OWNER - PG_EXT_REPORT] =
	"SELECT y.deal_id, y.stage_id, y.entered FROM deal_fact f"
	" JOIN deal_stay y ON y.workspace_id = f.workspace_id AND y.deal_id = f.deal_id"
	" WHERE f.workspace_id = $1::bigint AND f.owner_id = $2::bigint"
	" ORDER BY f.deal_id, y.seq",
    [RQ_CHANGES - PG_EXT_REPORT] =
	"SELECT c.deal_id, c.field, c.old_value, c.changed_at FROM deal_change c"
	" WHERE c.workspace_id = $1::bigint AND c.changed_at >= $3::text"
	" AND c.field IN ('amount', 'probability')"
	" AND ($2::bigint = 0 OR EXISTS (SELECT 1 FROM deal d"
	"  WHERE d.workspace_id = c.workspace_id AND d.id = c.deal_id AND d.owner_id = $2::bigint))"
	" ORDER BY c.deal_id, c.changed_at, c.id",
    [RQ_CHANGE_INSERT - PG_EXT_REPORT] =
	"INSERT INTO deal_change (workspace_id, deal_id, field, old_value, new_value,"
	" changed_by, changed_at) VALUES ($1::bigint, $2::bigint, $3, $4, $5, $6::bigint, $7)"
	" RETURNING id",
    [RQ_CHANGE_LIST - PG_EXT_REPORT] =
	"SELECT c.id, c.workspace_id, c.deal_id, c.field, c.old_value, c.new_value,"
	" c.changed_by, c.changed_at, u.username FROM deal_change c"
	" LEFT JOIN users u ON u.workspace_id = c.workspace_id AND u.id = c.changed_by"
	" WHERE c.workspace_id = $1::bigint AND c.deal_id = $2::bigint"
	" ORDER BY c.changed_at, c.id",
    [RQ_STAGE_STALLED - PG_EXT_REPORT] = "UPDATE stage SET stalled_days = $3::int"
					 " WHERE workspace_id = $1::bigint AND id = $2::bigint",
    [RQ_RESET_HISTORY - PG_EXT_REPORT] =
	"DELETE FROM stage_history"
	" WHERE workspace_id = $1::bigint AND deal_id = $2::bigint",
    [RQ_RESET_CHANGES - PG_EXT_REPORT] =
	"DELETE FROM deal_change"
	" WHERE workspace_id = $1::bigint AND deal_id = $2::bigint",
    [RQ_RESET_CREATED - PG_EXT_REPORT] = "UPDATE deal SET created_at = $3"
					 " WHERE workspace_id = $1::bigint AND id = $2::bigint",
    [RQ_FACT_DEAL - PG_EXT_REPORT] =
	FACT_FILL " AND d.id = $2::bigint ON CONFLICT (workspace_id, deal_id) DO UPDATE SET"
		  " owner_id = excluded.owner_id, stage_id = excluded.stage_id,"
		  " amount = excluded.amount, probability = excluded.probability,"
		  " reached = excluded.reached, created = excluded.created,"
		  " entered = excluded.entered",
    [RQ_FACT_DELETE - PG_EXT_REPORT] =
	"DELETE FROM deal_fact WHERE workspace_id = $1::bigint AND deal_id = $2::bigint",
    [RQ_FACT_WS_CLEAR - PG_EXT_REPORT] = "DELETE FROM deal_fact WHERE workspace_id = $1::bigint",
    [RQ_FACT_WS_FILL - PG_EXT_REPORT] = FACT_FILL,
    /* closed deals entered (closed) in [$3, $4); $2 = 0: every owner */
    [RQ_CLOSES - PG_EXT_REPORT] =
	"SELECT f.owner_id, f.entered, f.entered - f.created, f.amount, (s.kind = 1)::int"
	" FROM stage s JOIN deal_fact f ON f.workspace_id = s.workspace_id AND f.stage_id = s.id"
	" WHERE s.workspace_id = $1::bigint AND s.kind <> 0"
	" AND f.entered >= $3::bigint AND f.entered < $4::bigint"
	" AND ($2::bigint = 0 OR f.owner_id = $2::bigint)",
    /* the same with the cycle alone, won only when $5 */
    [RQ_CLOSE_EACH - PG_EXT_REPORT] =
	"SELECT f.owner_id, f.entered, f.entered - f.created, (s.kind = 1)::int"
	" FROM stage s JOIN deal_fact f ON f.workspace_id = s.workspace_id AND f.stage_id = s.id"
	" WHERE s.workspace_id = $1::bigint AND s.kind <> 0"
	" AND ($5::bigint = 0 OR s.kind = 1)"
	" AND f.entered >= $3::bigint AND f.entered < $4::bigint"
	" AND ($2::bigint = 0 OR f.owner_id = $2::bigint)",
    /* open deals longer than their stage's stalled_days in it at $3 (now), per stage and owner */
    [RQ_STALLED - PG_EXT_REPORT] =
	"SELECT f.stage_id, f.owner_id, count(*)"
	" FROM stage s JOIN deal_fact f ON f.workspace_id = s.workspace_id AND f.stage_id = s.id"
	" WHERE s.workspace_id = $1::bigint AND s.kind = 0 AND s.stalled_days > 0"
	" AND f.entered < $3::bigint - s.stalled_days * 86400::bigint"
	" AND ($2::bigint = 0 OR f.owner_id = $2::bigint) GROUP BY f.stage_id, f.owner_id",
    /* the first $4 of them in each stage by entry, then id */
    [RQ_STALLED_FIRST - PG_EXT_REPORT] =
	"SELECT t.deal_id, t.owner_id, t.stage_id, t.entered FROM stage s CROSS JOIN LATERAL"
	" (SELECT f.deal_id, f.owner_id, f.stage_id, f.entered FROM deal_fact f"
	" WHERE f.workspace_id = s.workspace_id AND f.stage_id = s.id"
	" AND f.entered < $3::bigint - s.stalled_days * 86400::bigint"
	" AND ($2::bigint = 0 OR f.owner_id = $2::bigint)"
	" ORDER BY f.entered, f.deal_id LIMIT $4::bigint) t"
	" WHERE s.workspace_id = $1::bigint AND s.kind = 0 AND s.stalled_days > 0",
    /*
     * per stage and owner, close_date in [$3, $4] (NULL: unbounded);
     * money_expected() per deal: amount x probability / 100, rounded half
     * away from zero (amounts are never negative).
     */
    [RQ_OWNER_SUMS - PG_EXT_REPORT] =
	"SELECT d.stage_id, d.owner_id, count(*), sum(d.amount)::bigint,"
	" sum((d.amount * coalesce(d.probability, s.probability) + 50) / 100)::bigint"
	" FROM deal d JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"
	" WHERE d.workspace_id = $1::bigint AND ($2::bigint = 0 OR d.owner_id = $2::bigint)"
	" AND ($3::text IS NULL OR d.close_date >= $3::text)"
	" AND ($4::text IS NULL OR d.close_date <= $4::text)"
	" GROUP BY d.stage_id, d.owner_id",
    [RQ_STAY_CLEAR - PG_EXT_REPORT] =
	"DELETE FROM deal_stay WHERE workspace_id = $1::bigint AND deal_id = $2::bigint",
    [RQ_STAY_DEAL - PG_EXT_REPORT] = STAY_FILL " AND h.deal_id = $2::bigint",
    [RQ_STAY_WS_CLEAR - PG_EXT_REPORT] = "DELETE FROM deal_stay WHERE workspace_id = $1::bigint",
    [RQ_STAY_WS_FILL - PG_EXT_REPORT] = STAY_FILL,
    /* deal_reach: deal $2 leaves its group (before its facts change), joins its group */
    [RQ_REACH_SUB - PG_EXT_REPORT] =
	"UPDATE deal_reach SET deals = deals - 1"
	" WHERE (workspace_id, owner_id, created_day, reached, stage_id) IN"
	" (SELECT " REACH_KEY " FROM deal_fact f"
	" WHERE f.workspace_id = $1::bigint AND f.deal_id = $2::bigint)",
    [RQ_REACH_ADD - PG_EXT_REPORT] =
	"INSERT INTO deal_reach (workspace_id, owner_id, created_day, reached, stage_id, deals)"
	" SELECT " REACH_KEY ", 1 FROM deal_fact f"
	" WHERE f.workspace_id = $1::bigint AND f.deal_id = $2::bigint"
	" ON CONFLICT (workspace_id, owner_id, created_day, reached, stage_id)"
	" DO UPDATE SET deals = deal_reach.deals + 1",
    [RQ_REACH_WS_CLEAR - PG_EXT_REPORT] = "DELETE FROM deal_reach WHERE workspace_id = $1::bigint",
    [RQ_REACH_WS_FILL - PG_EXT_REPORT] =
	"INSERT INTO deal_reach (workspace_id, owner_id, created_day, reached, stage_id, deals)"
	" SELECT " REACH_KEY ", count(*) FROM deal_fact f WHERE f.workspace_id = $1::bigint"
	" GROUP BY " REACH_KEY,
    /* the funnel's groups of the deals created on days [$3, $4); $2 = 0: every owner */
    [RQ_REACHES - PG_EXT_REPORT] =
	"SELECT reached, stage_id, sum(deals)::bigint FROM deal_reach"
	" WHERE workspace_id = $1::bigint AND ($2::bigint = 0 OR owner_id = $2::bigint)"
	" AND created_day >= $3::bigint AND created_day < $4::bigint"
	" GROUP BY reached, stage_id HAVING sum(deals) > 0",
    /*
     * After a rebuild (and a bulk load, which ends with one) the tables'
     * rows changed wholesale: fresh planner statistics now, not at
     * autovacuum's next turn (until then PostgreSQL plans the deal list by
     * owner and stage as if the table were empty: 46 against 695 req/s).
     */
    [RQ_ANALYZE - PG_EXT_REPORT] =
	"ANALYZE deal, deal_sum, stage_history, deal_fact, deal_stay, deal_reach,"
	" deal_dwell, deal_open, deal_closing",
    /* the history reports' tables: deal $2 leaves ($3 = -1) or joins (1) its rows */
    [RQ_DWELL_DEAL - PG_EXT_REPORT] = RS_DWELL_ROWS(DEAL_Y, DEAL_F, "$3::bigint"),
    [RQ_DWELL_PRUNE - PG_EXT_REPORT] = RS_DWELL_PRUNE(DEAL_Y, DEAL_F, "$1::bigint"),
    [RQ_DWELL_DAY_DEAL - PG_EXT_REPORT] = RS_DWELL_DAY_ROWS(DEAL_Y, DEAL_F, "$3::bigint"),
    [RQ_DWELL_DAY_PRUNE - PG_EXT_REPORT] = RS_DWELL_DAY_PRUNE(DEAL_Y, DEAL_F, "$1::bigint"),
    [RQ_OPEN_DEAL - PG_EXT_REPORT] = RS_OPEN_ROWS(DEAL_Y, DEAL_F, "$3::bigint", ""),
    [RQ_CLOSE_DEAL - PG_EXT_REPORT] = RS_CLOSE_ROWS(DEAL_F, "$3::bigint"),
    /* the tallies of the deals of $2 (0: every owner), keys in [$3, $4) */
    [RQ_TALLY_DWELL - PG_EXT_REPORT] =
	"SELECT w.stage_id, w.day, w.open, sum(w.deals)::bigint, sum(w.secs)::bigint, 0"
	" FROM stage s JOIN deal_dwell_day w ON w.workspace_id = s.workspace_id"
	" AND w.stage_id = s.id WHERE s.workspace_id = $1::bigint AND s.kind = 0"
	" AND ($2::bigint = 0 OR w.owner_id = $2::bigint)"
	" AND w.created_day >= $3::bigint AND w.created_day < $4::bigint"
	" GROUP BY w.stage_id, w.open, w.day HAVING sum(w.deals) <> 0",
    /* deal_dwell's values of stage $5, open $6 and secs in [$7, $8), summed */
    [RQ_DWELL_VALUES - PG_EXT_REPORT] =
	"SELECT w.stage_id, w.secs, w.open, sum(w.deals)::bigint, 0, 0 FROM deal_dwell w"
	" WHERE w.workspace_id = $1::bigint AND w.stage_id = $5::bigint AND w.open = $6::int"
	" AND w.secs >= $7::bigint AND w.secs < $8::bigint"
	" AND ($2::bigint = 0 OR w.owner_id = $2::bigint)"
	" AND w.created_day >= $3::bigint AND w.created_day < $4::bigint"
	" GROUP BY w.stage_id, w.open, w.secs HAVING sum(w.deals) <> 0",
    [RQ_TALLY_OPEN - PG_EXT_REPORT] =
	"SELECT stage_id, day, 0, sum(deals)::bigint, sum(amount)::bigint, sum(expected)::bigint"
	" FROM deal_open WHERE workspace_id = $1::bigint"
	" AND ($2::bigint = 0 OR owner_id = $2::bigint) AND day >= $3::bigint AND day < $4::bigint"
	" GROUP BY day, stage_id ORDER BY day",
    [RQ_TALLY_CLOSE - PG_EXT_REPORT] =
	"SELECT c.stage_id, c.day, 0, sum(c.deals)::bigint, sum(c.amount)::bigint,"
	" sum(c.cycle)::bigint FROM stage s JOIN deal_closing c"
	" ON c.workspace_id = s.workspace_id AND c.stage_id = s.id"
	" WHERE s.workspace_id = $1::bigint AND s.kind <> 0"
	" AND ($2::bigint = 0 OR c.owner_id = $2::bigint)"
	" AND c.day >= $3::bigint AND c.day < $4::bigint GROUP BY c.stage_id, c.day",
    /* deal_closing's rows as they are (one per stage, day and owner) */
    [RQ_TALLY_CLOSE_OWNER - PG_EXT_REPORT] =
	"SELECT c.stage_id, c.day, 0, c.deals, c.amount, c.cycle, c.owner_id"
	" FROM stage s JOIN deal_closing c ON c.workspace_id = s.workspace_id"
	" AND c.stage_id = s.id WHERE s.workspace_id = $1::bigint AND s.kind <> 0"
	" AND ($2::bigint = 0 OR c.owner_id = $2::bigint)"
	" AND c.day >= $3::bigint AND c.day < $4::bigint AND c.deals <> 0",
    [RQ_TALLY_LATEST - PG_EXT_REPORT] =
	"SELECT s.id, (SELECT max(f.entered) FROM deal_fact f WHERE f.workspace_id = $1::bigint"
	" AND f.stage_id = s.id), 0, 0, 0, 0 FROM stage s WHERE s.workspace_id = $1::bigint"
	" UNION ALL SELECT 0, (max(created_day) + 1) * 86400 - 1, 0, 0, 0, 0 FROM deal_reach"
	" WHERE workspace_id = $1::bigint",
    [RQ_CHANGED_DEALS - PG_EXT_REPORT] =
	DEAL_FACTS " AND d.id IN (" CHANGED ")"
		   " AND ($2::bigint = 0 OR d.owner_id = $2::bigint) ORDER BY d.id",
    [RQ_CHANGED_SPANS - PG_EXT_REPORT] =
	"SELECT y.deal_id, y.stage_id, y.entered"
	" FROM deal_stay y WHERE y.workspace_id = $1::bigint"
	" AND y.deal_id IN (" CHANGED ") AND $2::bigint = $2::bigint"
	" ORDER BY y.deal_id, y.seq",
    /* report rebuild: the workspace's rows cleared, then computed */
    [RQ_HISTORY_CLEAR - PG_EXT_REPORT] =
	"WITH a AS (DELETE FROM deal_dwell WHERE workspace_id = $1::bigint),"
	" d AS (DELETE FROM deal_dwell_day WHERE workspace_id = $1::bigint),"
	" b AS (DELETE FROM deal_open WHERE workspace_id = $1::bigint),"
	" c AS (DELETE FROM deal_closing WHERE workspace_id = $1::bigint)"
	" DELETE FROM deal_open_stage WHERE workspace_id = $1::bigint",
    [RQ_DWELL_WS - PG_EXT_REPORT] = RS_DWELL_ROWS(WS_Y, WS_F, "1"),
    [RQ_DWELL_DAY_WS - PG_EXT_REPORT] = RS_DWELL_DAY_FILL("workspace_id = $1::bigint"),
    [RQ_OPEN_WS - PG_EXT_REPORT] = RS_OPEN_ROWS(WS_Y, WS_F, "1", ""),
    [RQ_CLOSE_WS - PG_EXT_REPORT] = RS_CLOSE_ROWS(WS_F, "1"),
    [RQ_MARK_WS - PG_EXT_REPORT] = RS_OPEN_MARK("s.workspace_id = $1::bigint"),
    /* a stage's deal_open rows, recomputed when its probability changed */
    [RQ_OPEN_STAGE_CLEAR - PG_EXT_REPORT] = "DELETE FROM deal_open WHERE workspace_id = $1::bigint "
					    "AND stage_id = $2::bigint" OPEN_STALE,
    [RQ_OPEN_STAGE_FILL - PG_EXT_REPORT] =
	RS_OPEN_ROWS(STAGE_Y, STAGE_F, "1", " AND y.stage_id = $2::bigint" OPEN_STALE),
    [RQ_OPEN_STAGE_MARK - PG_EXT_REPORT] =
	RS_OPEN_MARK("s.workspace_id = $1::bigint AND s.id = $2::bigint"),
    /* deal_sum: add $3 (1 or -1) times deal $2 to its (stage, owner, month) row */
    [RQ_SUM_DEAL - PG_EXT_REPORT] =
	"INSERT INTO deal_sum (workspace_id, stage_id, owner_id, close_month, deals, amount,"
	" expected) SELECT d.workspace_id, d.stage_id, d.owner_id," CLOSE_MONTH
	", $3::bigint, $3::bigint * d.amount,"
	" $3::bigint * lc_expected(d.amount, coalesce(d.probability, s.probability))"
	" FROM deal d JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"
	" WHERE d.workspace_id = $1::bigint AND d.id = $2::bigint"
	" ON CONFLICT (workspace_id, stage_id, owner_id, close_month) DO UPDATE SET"
	" deals = deal_sum.deals + excluded.deals, amount = deal_sum.amount + excluded.amount,"
	" expected = deal_sum.expected + excluded.expected",
    [RQ_SUM_STAGE_CLEAR - PG_EXT_REPORT] =
	"DELETE FROM deal_sum"
	" WHERE workspace_id = $1::bigint AND stage_id = $2::bigint",
    [RQ_SUM_STAGE_FILL - PG_EXT_REPORT] = SUM_FILL " AND d.stage_id = $2::bigint" SUM_GROUP,
    [RQ_SUM_WS_CLEAR - PG_EXT_REPORT] = "DELETE FROM deal_sum WHERE workspace_id = $1::bigint",
    [RQ_SUM_WS_FILL - PG_EXT_REPORT] = SUM_FILL SUM_GROUP,
    /* per stage (the summary) and per stage and owner; $2 = 0: every owner */
    [RQ_SUM_READ - PG_EXT_REPORT] =
	"SELECT stage_id, sum(deals)::bigint, sum(amount)::bigint, sum(expected)::bigint"
	" FROM deal_sum WHERE workspace_id = $1::bigint"
	" AND ($2::bigint = 0 OR owner_id = $2::bigint)"
	" GROUP BY stage_id HAVING sum(deals) > 0 ORDER BY stage_id",
    [RQ_SUM_OWNERS - PG_EXT_REPORT] =
	"SELECT stage_id, owner_id, sum(deals)::bigint, sum(amount)::bigint,"
	" sum(expected)::bigint FROM deal_sum WHERE workspace_id = $1::bigint"
	" AND ($2::bigint = 0 OR owner_id = $2::bigint)"
	" GROUP BY stage_id, owner_id HAVING sum(deals) > 0",
    /* per stage and month of close date (the forecast); $2 = 0: every owner */
    [RQ_SUM_MONTHS - PG_EXT_REPORT] =
	"SELECT stage_id, close_month, sum(deals)::bigint, sum(amount)::bigint,"
	" sum(expected)::bigint FROM deal_sum WHERE workspace_id = $1::bigint"
	" AND ($2::bigint = 0 OR owner_id = $2::bigint)"
	" GROUP BY stage_id, close_month HAVING sum(deals) > 0",
};

/* rq runs report statement id with p; *out gets the result. */
static int rq(struct pg_store *s, int id, const struct pgp *p, PGresult **out, int fk_err)
{
	return pg_exec_ext(s, id, rq_sql[id - PG_EXT_REPORT], p, out, fk_err);
}

/* col_time reads a timestamp column as seconds; unreadable or NULL gives 0. */
static int64_t col_time(const PGresult *r, int i, int c)
{
	int64_t v = 0;

	if (PQgetisnull(r, i, c) || report_time_parse(PQgetvalue(r, i, c), &v) != 0)
		v = 0;
	return v;
}

/* rows_alloc returns zeroed room for the *n rows of r, or NULL (r cleared). */
static void *rows_alloc(PGresult *r, size_t el, int *n)
{
	void *v;

	*n = PQntuples(r);
	v = calloc(*n ? (size_t)*n : 1, el);
	if (!v)
		PQclear(r);
	return v;
}

static void ws_owner(struct pgp *p, int64_t ws, int64_t owner)
{
	p->n = 0;
	pgp_i64(p, ws);
	if (owner > 0)
		pgp_i64(p, owner);
}

/* deal_rows reads r (DEAL_FACTS' columns) into out and clears it. */
static int deal_rows(PGresult *r, struct report_deal_list *out)
{
	struct report_deal *v;
	int n, i;

	if (!(v = rows_alloc(r, sizeof(*v), &n)))
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		struct report_deal *d = &v[i];

		d->id = pg_col_i64(r, i, 0);
		d->owner_id = pg_col_i64(r, i, 1);
		d->stage_id = pg_col_i64(r, i, 2);
		d->amount = pg_col_i64(r, i, 3);
		d->probability = pg_col_null(r, i, 4) ? -1 : (int)pg_col_i64(r, i, 4);
		PG_TEXT(r, i, 5, d->close_date);
		d->created = col_time(r, i, 6);
	}
	PQclear(r);
	out->v = v;
	out->n = (size_t)n;
	return 0;
}

/* span_rows reads r (deal id, stage id, entered) into out and clears it. */
static int span_rows(PGresult *r, struct report_span_list *out)
{
	struct report_span *v;
	int64_t *ids;
	int n = PQntuples(r), i;

	v = calloc(n ? (size_t)n : 1, sizeof(*v));
	ids = calloc(n ? (size_t)n : 1, sizeof(*ids));
	if (!v || !ids) {
		free(v);
		free(ids);
		PQclear(r);
		return ERR_NOMEM;
	}
	for (i = 0; i < n; i++) {
		ids[i] = pg_col_i64(r, i, 0);
		v[i].stage_id = pg_col_i64(r, i, 1);
		v[i].from = pg_col_i64(r, i, 2);
		v[i].to = REPORT_OPEN_END;
	}
	PQclear(r);
	out->v = v;
	out->deal_id = ids;
	out->n = (size_t)n;
	return 0;
}

int pg_report_deals(struct store *base, int64_t ws, int64_t owner, struct report_deal_list *out)
{
	struct pgp p;
	PGresult *r = NULL;
	int rc;

	ws_owner(&p, ws, owner);
	rc = rq(pg(base), owner > 0 ? RQ_DEALS_OWNER : RQ_DEALS, &p, &r, ERR_DB);
	return rc ? rc : deal_rows(r, out);
}

int pg_report_spans(struct store *base, int64_t ws, int64_t owner, struct report_span_list *out)
{
	struct pgp p;
	PGresult *r = NULL;
	int rc;

	ws_owner(&p, ws, owner);
	rc = rq(pg(base), owner > 0 ? RQ_SPANS_OWNER : RQ_SPANS, &p, &r, ERR_DB);
	return rc ? rc : span_rows(r, out);
}

int pg_report_changes(struct store *base, int64_t ws, int64_t owner, const char *since,
		      struct report_change_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	struct report_change *v;
	int n, i, rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, owner > 0 ? owner : 0);
	pgp_text(&p, since ? since : "");
	rc = rq(pg(base), RQ_CHANGES, &p, &r, ERR_DB);
	if (rc)
		return rc;
	if (!(v = rows_alloc(r, sizeof(*v), &n)))
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		const char *field = PQgetvalue(r, i, 1);

		v[i].deal_id = pg_col_i64(r, i, 0);
		v[i].field =
		    strcmp(field, "amount") == 0 ? REPORT_FIELD_AMOUNT : REPORT_FIELD_PROBABILITY;
		v[i].old = pg_col_null(r, i, 2) ? -1 : pg_col_i64(r, i, 2);
		v[i].at = col_time(r, i, 3);
	}
	PQclear(r);
	out->v = v;
	out->n = (size_t)n;
	return 0;
}

int pg_deal_change_add(struct store *base, struct deal_change *c)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	if (!c->changed_at[0])
		store_now(c->changed_at);
	pgp_i64(&p, c->workspace_id);
	pgp_i64(&p, c->deal_id);
	pgp_text(&p, c->field);
	pgp_text_null(&p, c->old_value);
	pgp_text_null(&p, c->new_value);
	pgp_id_null(&p, c->changed_by);
	pgp_text(&p, c->changed_at);
	rc = rq(pg(base), RQ_CHANGE_INSERT, &p, &r, ERR_INVALID);
	if (rc)
		return rc;
	c->id = pg_col_i64(r, 0, 0);
	PQclear(r);
	return 0;
}

static void row_change(const PGresult *r, int i, void *out)
{
	struct deal_change *c = out;

	c->id = pg_col_i64(r, i, 0);
	c->workspace_id = pg_col_i64(r, i, 1);
	c->deal_id = pg_col_i64(r, i, 2);
	PG_TEXT(r, i, 3, c->field);
	PG_TEXT(r, i, 4, c->old_value);
	PG_TEXT(r, i, 5, c->new_value);
	c->changed_by = pg_col_i64(r, i, 6);
	PG_TEXT(r, i, 7, c->changed_at);
	PG_TEXT(r, i, 8, c->by_username);
}

int pg_deal_change_list(struct store *base, int64_t ws, int64_t deal_id,
			struct deal_change_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, deal_id);
	rc = rq(pg(base), RQ_CHANGE_LIST, &p, &r, ERR_DB);
	if (rc)
		return rc;
	rc = pg_rows_new(r, sizeof(struct deal_change), row_change, &v, &n);
	PQclear(r);
	if (!rc) {
		out->v = v;
		out->n = n;
	}
	return rc;
}

/* run_ws_id runs statement id with $1 ws, $2 key and $3 text (when given). */
static int run_ws_id(struct pg_store *s, int id, int64_t ws, int64_t key, const char *text,
		     int want_change)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, key);
	if (text)
		pgp_text(&p, text);
	rc = rq(s, id, &p, &r, ERR_INVALID);
	if (rc)
		return rc;
	if (want_change && pg_changed(r) == 0)
		rc = ERR_NOTFOUND;
	PQclear(r);
	return rc;
}

int pg_stage_set_stalled(struct store *base, int64_t ws, int64_t id, int days)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, id);
	if (days > 0)
		pgp_i64(&p, days);
	else
		pgp_null(&p);
	rc = rq(pg(base), RQ_STAGE_STALLED, &p, &r, ERR_INVALID);
	if (rc)
		return rc;
	if (pg_changed(r) == 0)
		rc = ERR_NOTFOUND;
	PQclear(r);
	return rc;
}

int pg_history_reset(struct store *base, int64_t ws, int64_t deal_id, const char *created_at)
{
	struct pg_store *s = pg(base);
	int rc;

	if (!created_at || !created_at[0])
		return ERR_INVALID;
	if ((rc = run_ws_id(s, RQ_RESET_HISTORY, ws, deal_id, NULL, 0)))
		return rc;
	if ((rc = run_ws_id(s, RQ_RESET_CHANGES, ws, deal_id, NULL, 0)))
		return rc;
	if ((rc = run_ws_id(s, RQ_RESET_CREATED, ws, deal_id, created_at, 1)))
		return rc;
	return pg_fact_deal(s, ws, deal_id);
}

/* ---- the maintained deal facts (deal_fact) ---- */

/* run_signed runs statement id with $1 ws, $2 key and $3 sign (none when 0). */
static int run_signed(struct pg_store *s, int id, int64_t ws, int64_t key, int sign)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, key);
	if (sign)
		pgp_i64(&p, sign);
	rc = rq(s, id, &p, &r, ERR_DB);
	if (!rc)
		PQclear(r);
	return rc;
}

/*
 * The deal leaves its rows of the history reports' tables (deal_dwell,
 * deal_dwell_day, deal_open, deal_closing), computed from its deal_fact and
 * deal_stay rows as they are, before those change; joins them after.
 */
static int history_rows(struct pg_store *s, int64_t ws, int64_t deal_id, int sign)
{
	int rc = run_signed(s, RQ_DWELL_DEAL, ws, deal_id, sign);

	if (!rc)
		rc = run_signed(s, RQ_DWELL_DAY_DEAL, ws, deal_id, sign);
	if (!rc && sign < 0)
		rc = run_signed(s, RQ_DWELL_PRUNE, ws, deal_id, 0);
	if (!rc && sign < 0)
		rc = run_signed(s, RQ_DWELL_DAY_PRUNE, ws, deal_id, 0);
	if (!rc)
		rc = run_signed(s, RQ_OPEN_DEAL, ws, deal_id, sign);
	return rc ? rc : run_signed(s, RQ_CLOSE_DEAL, ws, deal_id, sign);
}

int pg_fact_rows(struct pg_store *s, int64_t ws, int64_t deal_id, int fresh)
{
	static const int steps[] = {RQ_REACH_SUB, RQ_FACT_DEAL, RQ_REACH_ADD, RQ_STAY_CLEAR,
				    RQ_STAY_DEAL};
	int rc = fresh ? 0 : history_rows(s, ws, deal_id, -1);

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !rc; i++)
		if (!fresh || (steps[i] != RQ_REACH_SUB && steps[i] != RQ_STAY_CLEAR))
			rc = run_ws_id(s, steps[i], ws, deal_id, NULL, 0);
	return rc ? rc : history_rows(s, ws, deal_id, 1);
}

int pg_fact_deal(struct pg_store *s, int64_t ws, int64_t deal_id)
{
	deal_set_settle(&s->dirty, ws, deal_id); /* its rows are written now */
	return pg_fact_rows(s, ws, deal_id, 0);
}

int pg_fact_delete(struct pg_store *s, int64_t ws, int64_t deal_id)
{
	static const int steps[] = {RQ_REACH_SUB, RQ_FACT_DELETE, RQ_STAY_CLEAR};
	int rc = history_rows(s, ws, deal_id, -1);

	deal_set_drop(&s->dirty, ws, deal_id); /* its rows go: none to bring up to date */
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !rc; i++)
		rc = run_ws_id(s, steps[i], ws, deal_id, NULL, 0);
	return rc;
}

/*
 * A create or a move writes the deal and then its history row: inside a
 * transaction the deal's rows are recomputed once, before it commits. Until
 * then they are as they were when it began, which is what pg_fact_deal and
 * pg_fact_delete take away before they write.
 */
int pg_fact_upkeep(struct pg_store *s, int64_t ws, int64_t deal_id, int fresh)
{
	if (PQtransactionStatus(s->conn) != PQTRANS_INTRANS ||
	    deal_set_add(&s->dirty, ws, deal_id, fresh))
		return pg_fact_rows(s, ws, deal_id, fresh);
	return 0;
}

static int fact_rows(void *s, int64_t ws, int64_t deal_id, int fresh)
{
	return pg_fact_rows(s, ws, deal_id, fresh);
}

int pg_fact_flush(struct pg_store *s)
{
	return deal_set_flush(&s->dirty, fact_rows, s);
}

int pg_open_stage(struct pg_store *s, int64_t ws, int64_t stage_id)
{
	int rc = run_signed(s, RQ_OPEN_STAGE_CLEAR, ws, stage_id, 0);

	if (!rc)
		rc = run_signed(s, RQ_OPEN_STAGE_FILL, ws, stage_id, 0);
	return rc ? rc : run_signed(s, RQ_OPEN_STAGE_MARK, ws, stage_id, 0);
}

/* ---- the maintained summary (deal_sum) ---- */

int pg_sum_deal(struct pg_store *s, int64_t ws, int64_t deal_id, int sign)
{
	return run_signed(s, RQ_SUM_DEAL, ws, deal_id, sign);
}

int pg_sum_stage(struct pg_store *s, int64_t ws, int64_t stage_id)
{
	int rc = run_signed(s, RQ_SUM_STAGE_CLEAR, ws, stage_id, 0);

	return rc ? rc : run_signed(s, RQ_SUM_STAGE_FILL, ws, stage_id, 0);
}

int pg_sum_summary(struct pg_store *s, int64_t ws, int64_t owner, PGresult **out)
{
	struct pgp p = {.n = 0};

	pgp_i64(&p, ws);
	pgp_i64(&p, owner > 0 ? owner : 0);
	return rq(s, RQ_SUM_READ, &p, out, ERR_DB);
}

/*
 * sum_rows reads the rows of r (stage, owner or month of close date, deals,
 * amount, expected) into out, and clears r.
 */
static int sum_rows(PGresult *r, int by_month, struct report_sum_list *out)
{
	struct report_sum *v;
	int n, i;

	if (!(v = rows_alloc(r, sizeof(*v), &n)))
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		v[i].stage_id = pg_col_i64(r, i, 0);
		if (by_month)
			PG_TEXT(r, i, 1, v[i].month);
		else
			v[i].owner_id = pg_col_i64(r, i, 1);
		v[i].deals = pg_col_i64(r, i, 2);
		v[i].amount = pg_col_i64(r, i, 3);
		v[i].expected = pg_col_i64(r, i, 4);
	}
	PQclear(r);
	out->v = v;
	out->n = (size_t)n;
	return 0;
}

int pg_report_sums(struct store *base, int64_t ws, int64_t owner, struct report_sum_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, owner > 0 ? owner : 0);
	if ((rc = rq(pg(base), RQ_SUM_MONTHS, &p, &r, ERR_DB)))
		return rc;
	return sum_rows(r, 1, out);
}

int pg_report_rebuild(struct store *base, int64_t ws)
{
	struct pg_store *s = pg(base);
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	deal_set_settle(&s->dirty, ws, 0); /* every deal's rows are written anew */

	pgp_i64(&p, ws);
	for (int id = RQ_SUM_WS_CLEAR; id <= RQ_SUM_WS_FILL; id++) {
		if ((rc = rq(s, id, &p, &r, ERR_DB)))
			return rc;
		PQclear(r);
	}
	for (int id = RQ_FACT_WS_CLEAR; id <= RQ_FACT_WS_FILL; id++) {
		if ((rc = rq(s, id, &p, &r, ERR_DB)))
			return rc;
		PQclear(r);
	}
	for (int id = RQ_STAY_WS_CLEAR; id <= RQ_REACH_WS_FILL; id++) {
		if (id == RQ_REACH_SUB || id == RQ_REACH_ADD)
			continue;
		if ((rc = rq(s, id, &p, &r, ERR_DB)))
			return rc;
		PQclear(r);
	}
	for (int id = RQ_HISTORY_CLEAR; id <= RQ_MARK_WS; id++) {
		if ((rc = rq(s, id, &p, &r, ERR_DB)))
			return rc;
		PQclear(r);
	}
	if ((rc = rq(s, RQ_ANALYZE, &(struct pgp){.n = 0}, &r, ERR_DB)))
		return rc;
	PQclear(r);
	return 0;
}

/* facts_query runs report statement id with $1 ws, $2 owner (0: all), $3 a and $4 b (when two). */
static int facts_query(struct pg_store *s, int id, int64_t ws, int64_t owner, int64_t a,
		       const int64_t *b, PGresult **r)
{
	struct pgp p = {.n = 0};

	pgp_i64(&p, ws);
	pgp_i64(&p, owner > 0 ? owner : 0);
	pgp_i64(&p, a);
	if (b)
		pgp_i64(&p, *b);
	return rq(s, id, &p, r, ERR_DB);
}

int pg_report_closes(struct store *base, int64_t ws, int64_t owner, int64_t from, int64_t to,
		     struct report_close_list *out)
{
	PGresult *r = NULL;
	struct report_close *v;
	int n, i, rc = facts_query(pg(base), RQ_CLOSES, ws, owner, from, &to, &r);

	if (rc)
		return rc;
	if (!(v = rows_alloc(r, sizeof(*v), &n)))
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		v[i].owner_id = pg_col_i64(r, i, 0);
		v[i].at = pg_col_i64(r, i, 1);
		v[i].cycle = pg_col_i64(r, i, 2);
		if (v[i].cycle < 0)
			v[i].cycle = 0;
		v[i].amount = pg_col_i64(r, i, 3);
		v[i].won = (int)pg_col_i64(r, i, 4);
	}
	PQclear(r);
	out->v = v;
	out->n = (size_t)n;
	return 0;
}

int pg_report_close_each(struct store *base, int64_t ws, int64_t owner, int64_t from, int64_t to,
			 int won_only, int (*fn)(void *ctx, const struct report_close *c),
			 void *ctx)
{
	struct pgp p = {.n = 0};
	struct report_close c = {0};
	PGresult *r = NULL;
	int n, i, rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, owner > 0 ? owner : 0);
	pgp_i64(&p, from);
	pgp_i64(&p, to);
	pgp_i64(&p, won_only ? 1 : 0);
	if ((rc = rq(pg(base), RQ_CLOSE_EACH, &p, &r, ERR_DB)))
		return rc;
	n = PQntuples(r);
	for (i = 0; i < n && !rc; i++) {
		c.owner_id = pg_col_i64(r, i, 0);
		c.at = pg_col_i64(r, i, 1);
		c.cycle = pg_col_i64(r, i, 2);
		if (c.cycle < 0)
			c.cycle = 0;
		c.won = (int)pg_col_i64(r, i, 3);
		rc = fn(ctx, &c);
	}
	PQclear(r);
	return rc;
}

int pg_report_stalled_deals(struct store *base, int64_t ws, int64_t owner, int64_t now,
			    size_t limit, struct report_sum_list *counts,
			    struct report_deal_list *first)
{
	PGresult *r = NULL;
	struct report_sum *g;
	struct report_deal *v;
	int64_t lim = (int64_t)limit;
	int n, i, rc = facts_query(pg(base), RQ_STALLED, ws, owner, now, NULL, &r);

	if (rc)
		return rc;
	if (!(g = rows_alloc(r, sizeof(*g), &n)))
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		g[i].stage_id = pg_col_i64(r, i, 0);
		g[i].owner_id = pg_col_i64(r, i, 1);
		g[i].deals = pg_col_i64(r, i, 2);
	}
	PQclear(r);
	counts->v = g;
	counts->n = (size_t)n;
	if ((rc = facts_query(pg(base), RQ_STALLED_FIRST, ws, owner, now, &lim, &r)))
		return rc;
	if (!(v = rows_alloc(r, sizeof(*v), &n)))
		return ERR_NOMEM;
	for (i = 0; i < n; i++) {
		v[i].id = pg_col_i64(r, i, 0);
		v[i].owner_id = pg_col_i64(r, i, 1);
		v[i].stage_id = pg_col_i64(r, i, 2);
		v[i].probability = -1;
		v[i].entered = pg_col_i64(r, i, 3);
		v[i].kind = STAGE_OPEN; /* RQ_STALLED_FIRST reads open stages only */
	}
	PQclear(r);
	first->v = v;
	first->n = (size_t)n;
	return 0;
}

int pg_report_reaches(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
		      int64_t to_day, struct report_reach_list *out)
{
	PGresult *r = NULL;
	struct report_reach *v;
	int n, i, rc = facts_query(pg(base), RQ_REACHES, ws, owner, from_day, &to_day, &r);

	if (rc)
		return rc;
	if (!(v = rows_alloc(r, sizeof(*v), &n)))
		return ERR_NOMEM;
	out->v = v;
	out->n = (size_t)n;
	for (i = 0; i < n; i++) {
		v[i].stage_id = pg_col_i64(r, i, 1);
		v[i].deals = pg_col_i64(r, i, 2);
		if (!(v[i].reached = strdup(PQgetvalue(r, i, 0)))) {
			out->n = (size_t)i;
			report_reach_list_release(out);
			PQclear(r);
			return ERR_NOMEM;
		}
	}
	PQclear(r);
	return 0;
}

int pg_owner_sums(struct pg_store *s, int64_t ws, int64_t owner, const char *from, const char *to,
		  struct report_sum_list *out)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	/* Without a close date range the maintained deal_sum answers. */
	int ranged = (from && from[0]) || (to && to[0]);

	pgp_i64(&p, ws);
	pgp_i64(&p, owner > 0 ? owner : 0);
	if (ranged) {
		pgp_text_null(&p, from ? from : "");
		pgp_text_null(&p, to ? to : "");
	}
	if ((rc = rq(s, ranged ? RQ_OWNER_SUMS : RQ_SUM_OWNERS, &p, &r, ERR_DB)))
		return rc;
	return pg_owner_sums_rows(r, out);
}

int pg_owner_sums_rows(PGresult *r, struct report_sum_list *out)
{
	return sum_rows(r, 0, out);
}

int pg_report_owner_sums(struct store *base, int64_t ws, int64_t owner, struct report_sum_list *out)
{
	return pg_owner_sums(pg(base), ws, owner, NULL, NULL, out);
}

/* tally_rows appends the rows of r (struct report_tally's columns) to out, and clears r. */
static int tally_rows(PGresult *r, struct report_tally_list *out)
{
	int n = PQntuples(r), cols = PQnfields(r);
	struct report_tally *v = realloc(out->v, (out->n + (size_t)n + 1) * sizeof(*v));

	if (!v) {
		PQclear(r);
		return ERR_NOMEM;
	}
	out->v = v;
	v += out->n;
	for (int i = 0; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].stage_id = pg_col_i64(r, i, 0);
		v[i].key = pg_col_i64(r, i, 1);
		v[i].open = (int)pg_col_i64(r, i, 2);
		v[i].deals = pg_col_i64(r, i, 3);
		v[i].amount = pg_col_i64(r, i, 4);
		v[i].extra = pg_col_i64(r, i, 5);
		if (cols > 6)
			v[i].owner_id = pg_col_i64(r, i, 6);
	}
	out->n += (size_t)n;
	PQclear(r);
	return 0;
}

int pg_report_tallies(struct store *base, int kind, int64_t ws, int64_t owner, int64_t a, int64_t b,
		      struct report_tally_list *out)
{
	static const int ids[] = {
	    [REPORT_TALLY_DWELL] = RQ_TALLY_DWELL,
	    [REPORT_TALLY_OPEN] = RQ_TALLY_OPEN,
	    [REPORT_TALLY_CLOSE] = RQ_TALLY_CLOSE,
	    [REPORT_TALLY_LATEST] = RQ_TALLY_LATEST,
	    [REPORT_TALLY_CLOSE_OWNER] = RQ_TALLY_CLOSE_OWNER,
	};
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	if (kind < 0 || kind >= REPORT_TALLY_END)
		return ERR_INVALID;
	pgp_i64(&p, ws);
	if (kind != REPORT_TALLY_LATEST) {
		pgp_i64(&p, owner > 0 ? owner : 0);
		pgp_i64(&p, a);
		pgp_i64(&p, b);
	}
	if ((rc = rq(pg(base), ids[kind], &p, &r, ERR_DB)))
		return rc;
	out->v = NULL;
	out->n = 0;
	return tally_rows(r, out);
}

int pg_report_dwell_values(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
			   int64_t to_day, const struct report_dwell_range *g, size_t ng,
			   struct report_tally_list *out)
{
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i < ng && !rc; i++) {
		struct pgp p = {.n = 0};
		PGresult *r = NULL;

		pgp_i64(&p, ws);
		pgp_i64(&p, owner > 0 ? owner : 0);
		pgp_i64(&p, from_day);
		pgp_i64(&p, to_day);
		pgp_i64(&p, g[i].stage_id);
		pgp_i64(&p, g[i].open);
		pgp_i64(&p, g[i].lo);
		pgp_i64(&p, g[i].hi);
		if (!(rc = rq(pg(base), RQ_DWELL_VALUES, &p, &r, ERR_DB)))
			rc = tally_rows(r, out);
	}
	if (rc)
		report_tally_list_release(out);
	return rc;
}

int pg_report_changed_deals(struct store *base, int64_t ws, int64_t owner, const char *since,
			    struct report_deal_list *deals, struct report_span_list *spans)
{
	struct pgp p = {.n = 0};
	PGresult *r = NULL;
	int rc;

	pgp_i64(&p, ws);
	pgp_i64(&p, owner > 0 ? owner : 0);
	pgp_text(&p, since ? since : "");
	if ((rc = rq(pg(base), RQ_CHANGED_DEALS, &p, &r, ERR_DB)))
		return rc;
	if ((rc = deal_rows(r, deals)))
		return rc;
	if ((rc = rq(pg(base), RQ_CHANGED_SPANS, &p, &r, ERR_DB)))
		return rc;
	return span_rows(r, spans);
}
