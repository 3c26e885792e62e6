/*
 * store_sqlite_report.c - the SQLite statements of the sales-cycle reports
 * and of the field-change history (see store.h, "reports and history").
 *
 * The reports read plain rows - each deal's facts, its stage history in
 * order, old values of amounts and probabilities - and leave the arithmetic
 * to report.c, so that every backend answers with the same few portable
 * SELECTs. The readers step the statements directly into growing arrays
 * (one allocation per doubling): a report over a million deals reads a
 * million rows, and the usual row callbacks would copy each one twice.
 * Timestamps are parsed to seconds here, once, with report_time_parse().
 *
 * deal_fact keeps per deal what the closed-deal and stalled reports need,
 * in seconds (docs/ARCHITECTURE.md, "Stored deal facts"): sq_fact_deal
 * recomputes a deal's row after every deal and history write, so those
 * reports read only the deals they count, from one covering index.
 *
 * Statements live in s->ext[] from SQ_EXT_REPORT on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "hashmap.h"
#include "money.h"
#include "report.h"
#include "store_sqlite_int.h"
#include "store_report_sql.h"

enum {
	RQ_DEALS = SQ_EXT_REPORT,
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
	RQ_SUM_DEAL,
	RQ_SUM_STAGE_CLEAR,
	RQ_SUM_STAGE_FILL,
	RQ_SUM_WS_CLEAR,
	RQ_SUM_WS_FILL,
	RQ_SUM_READ,
	RQ_SUM_READ_OWNER,
	RQ_SUM_MONTHS,
	RQ_SUM_OWNERS,
	RQ_SUM_OWNERS_CLOSE,
	RQ_FACT_PUT,
	RQ_FACT_DELETE,
	RQ_FACT_WS_CLEAR,
	RQ_FACT_WS_FILL,
	RQ_CLOSES,
	RQ_STALLED,
	RQ_STAY_CLEAR,
	RQ_STAY_PUT,
	RQ_STAY_WS_CLEAR,
	RQ_STAY_WS_FILL,
	RQ_REACH_LEAVE,
	RQ_REACH_JOIN,
	RQ_REACH_WS_CLEAR,
	RQ_REACH_WS_FILL,
	RQ_REACHES,
	RQ_HIST_FACT,
	RQ_HIST_STAYS,
	RQ_DWELL_ADD,
	RQ_DWELL_PRUNE,
	RQ_DWELL_DAY_ADD,
	RQ_DWELL_DAY_PRUNE,
	RQ_OPEN_ADD,
	RQ_CLOSE_ADD,
	RQ_TALLY_DWELL,
	RQ_TALLY_OPEN,
	RQ_TALLY_CLOSE,
	RQ_TALLY_LATEST,
	RQ_TALLY_CLOSE_OWNER,
	RQ_DWELL_VALUES,
	RQ_CHANGED_DEALS,
	RQ_CHANGED_SPANS,
	RQ_CLOSE_EACH,
	RQ_STALLED_FIRST,
	RQ_FACT_SRC,
	RQ_HIST_SRC,
	RQ_STAY_SET,
	RQ_STAY_CUT,
	RQ_END
};
_Static_assert((int)RQ_END <= (int)SQ_EXT_VIEW, "the report statements overflow their slot range");

#define DEAL_FACTS                                                                                 \
	"SELECT d.id, d.owner_id, d.stage_id, d.amount, d.probability, d.close_date,"              \
	" d.created_at FROM deal d WHERE d.workspace_id = ?1"

/* The month of a deal's target close date, '' for none. */
#define CLOSE_MONTH " coalesce(substr(d.close_date, 1, 7), '')"
/* The deal_sum rows of a workspace (?1), computed from its deals. */
#define SUM_FILL                                                                                   \
	"INSERT INTO deal_sum (workspace_id, stage_id, owner_id, close_month, deals, amount,"      \
	" expected) SELECT d.workspace_id, d.stage_id, d.owner_id," CLOSE_MONTH ", count(*),"      \
	" sum(d.amount),"                                                                          \
	" sum(lc_expected(d.amount, coalesce(d.probability, s.probability)))"                      \
	" FROM deal d JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"       \
	" WHERE d.workspace_id = ?1"

/* A stored timestamp as seconds since the epoch (0 when unreadable, as col_time). */
#define SECS(x) "coalesce(CAST(strftime('%s', " x ") AS INTEGER), 0)"
/*
 * The deal_fact rows of deals d: the entry into the current stage is the
 * last history row by (changed_at, id), as the spans are read in that
 * order; a deal without history entered it when it was created.
 */
#define FACT_FILL                                                                                  \
	"INSERT INTO deal_fact (workspace_id, deal_id, owner_id, stage_id, amount, probability,"   \
	" reached, created, entered) SELECT d.workspace_id, d.id, d.owner_id, d.stage_id,"         \
	" d.amount, d.probability,"                                                                \
	" coalesce((SELECT group_concat(DISTINCT h.to_stage_id) FROM stage_history h"              \
	" WHERE h.workspace_id = d.workspace_id AND h.deal_id = d.id), CAST(d.stage_id AS TEXT))," \
	" " SECS("d.created_at") ", " SECS("coalesce((SELECT h.changed_at FROM stage_history h"    \
					   " WHERE h.workspace_id = d.workspace_id AND h.deal_id " \
					   "= d.id"                                                \
					   " ORDER BY h.changed_at DESC, h.id DESC LIMIT 1), "     \
					   "d.created_at)") " FROM deal d"                         \
							    " WHERE d.workspace_id = ?1"

/*
 * The deal_stay rows of the history rows h: the deal's stays in the order
 * the spans are read in, (changed_at, id), numbered from 1.
 */
#define STAY_FILL                                                                                  \
	"INSERT INTO deal_stay (workspace_id, deal_id, seq, stage_id, entered)"                    \
	" SELECT h.workspace_id, h.deal_id, row_number() OVER (PARTITION BY h.deal_id"             \
	" ORDER BY h.changed_at, h.id), h.to_stage_id, " SECS(                                     \
	    "h.changed_at") " FROM stage_history h WHERE h.workspace_id = ?1"

#define DAY(x) SQ_DAY(x)
/* The rows of deal ?2 of workspace ?1 (store_sqlite_report.h), and of the workspace. */
#define DEAL_Y "y.workspace_id = ?1 AND y.deal_id = ?2"
#define DEAL_F "f.workspace_id = ?1 AND f.deal_id = ?2"
#define WS_Y   "y.workspace_id = ?1"
#define WS_F   "f.workspace_id = ?1"
/* The deals with an amount or probability change at or after ?3. */
#define CHANGED                                                                                    \
	"SELECT c.deal_id FROM deal_change c WHERE c.workspace_id = ?1 AND c.changed_at >= ?3"     \
	" AND c.field IN ('amount', 'probability')"
/* The deal_reach key of deal_fact rows f. */
#define REACH_KEY "f.workspace_id, f.owner_id, " DAY("f.created") ", f.reached, f.stage_id"

static const char *const rq_sql[] = {
    [RQ_DEALS - SQ_EXT_REPORT] = DEAL_FACTS " ORDER BY d.id",
    [RQ_DEALS_OWNER - SQ_EXT_REPORT] = DEAL_FACTS " AND d.owner_id = ?2 ORDER BY d.id",
    /* the stays (deal_stay) in the order of their primary key: no sort */
    [RQ_SPANS - SQ_EXT_REPORT] = "SELECT y.deal_id, y.stage_id, y.entered"
				 " FROM deal_stay y WHERE y.workspace_id = ?1"
				 " ORDER BY y.deal_id, y.seq",
    [RQ_SPANS_OWNER - SQ_EXT_REPORT] =
	"SELECT y.deal_id, y.stage_id, y.entered FROM deal_fact f"
	" JOIN deal_stay y ON y.workspace_id = f.workspace_id AND y.deal_id = f.deal_id"
	" WHERE f.workspace_id = ?1 AND f.owner_id = ?2"
	" ORDER BY f.deal_id, y.seq",
    [RQ_CHANGES - SQ_EXT_REPORT] =
	"SELECT c.deal_id, c.field, c.old_value, c.changed_at FROM deal_change c"
	" WHERE c.workspace_id = ?1 AND c.changed_at >= ?3"
	" AND c.field IN ('amount', 'probability')"
	" AND (?2 = 0 OR EXISTS (SELECT 1 FROM deal d WHERE d.workspace_id = c.workspace_id"
	"  AND d.id = c.deal_id AND d.owner_id = ?2))"
	" ORDER BY c.deal_id, c.changed_at, c.id",
    [RQ_CHANGE_INSERT - SQ_EXT_REPORT] =
	"INSERT INTO deal_change (workspace_id, deal_id, field, old_value, new_value,"
	" changed_by, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [RQ_CHANGE_LIST - SQ_EXT_REPORT] =
	"SELECT c.id, c.workspace_id, c.deal_id, c.field, c.old_value, c.new_value,"
	" c.changed_by, c.changed_at, u.username FROM deal_change c"
	" LEFT JOIN users u ON u.workspace_id = c.workspace_id AND u.id = c.changed_by"
	" WHERE c.workspace_id = ?1 AND c.deal_id = ?2 ORDER BY c.changed_at, c.id",
    [RQ_STAGE_STALLED - SQ_EXT_REPORT] = "UPDATE stage SET stalled_days = ?3"
					 " WHERE workspace_id = ?1 AND id = ?2",
    [RQ_RESET_HISTORY - SQ_EXT_REPORT] = "DELETE FROM stage_history"
					 " WHERE workspace_id = ?1 AND deal_id = ?2",
    [RQ_RESET_CHANGES - SQ_EXT_REPORT] = "DELETE FROM deal_change"
					 " WHERE workspace_id = ?1 AND deal_id = ?2",
    [RQ_RESET_CREATED - SQ_EXT_REPORT] = "UPDATE deal SET created_at = ?3"
					 " WHERE workspace_id = ?1 AND id = ?2",
    /* deal_sum: add ?3 (1 or -1) times deal ?2 to its (stage, owner) row. */
    [RQ_SUM_DEAL - SQ_EXT_REPORT] =
	"INSERT INTO deal_sum (workspace_id, stage_id, owner_id, close_month, deals, amount,"
	" expected) SELECT d.workspace_id, d.stage_id, d.owner_id," CLOSE_MONTH
	", ?3, ?3 * d.amount,"
	" ?3 * lc_expected(d.amount, coalesce(d.probability, s.probability))"
	" FROM deal d JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"
	" WHERE d.workspace_id = ?1 AND d.id = ?2"
	" ON CONFLICT (workspace_id, stage_id, owner_id, close_month) DO UPDATE SET"
	" deals = deal_sum.deals + excluded.deals, amount = deal_sum.amount + excluded.amount,"
	" expected = deal_sum.expected + excluded.expected",
    [RQ_SUM_STAGE_CLEAR - SQ_EXT_REPORT] = "DELETE FROM deal_sum"
					   " WHERE workspace_id = ?1 AND stage_id = ?2",
    [RQ_SUM_STAGE_FILL - SQ_EXT_REPORT] =
	SUM_FILL " AND d.stage_id = ?2"
		 " GROUP BY d.workspace_id, d.stage_id, d.owner_id," CLOSE_MONTH,
    [RQ_SUM_WS_CLEAR - SQ_EXT_REPORT] = "DELETE FROM deal_sum WHERE workspace_id = ?1",
    [RQ_SUM_WS_FILL - SQ_EXT_REPORT] =
	SUM_FILL " GROUP BY d.workspace_id, d.stage_id, d.owner_id," CLOSE_MONTH,
    [RQ_SUM_READ - SQ_EXT_REPORT] = "SELECT stage_id, sum(deals), sum(amount), sum(expected)"
				    " FROM deal_sum WHERE workspace_id = ?1"
				    " GROUP BY stage_id HAVING sum(deals) > 0 ORDER BY stage_id",
    [RQ_SUM_READ_OWNER - SQ_EXT_REPORT] =
	"SELECT stage_id, sum(deals), sum(amount), sum(expected)"
	" FROM deal_sum WHERE workspace_id = ?1 AND owner_id = ?2"
	" GROUP BY stage_id HAVING sum(deals) > 0 ORDER BY stage_id",
    /* per stage and month of close date; ?2 = 0: every owner */
    [RQ_SUM_MONTHS - SQ_EXT_REPORT] = "SELECT stage_id, close_month, sum(deals), sum(amount),"
				      " sum(expected) FROM deal_sum WHERE workspace_id = ?1"
				      " AND (?2 = 0 OR owner_id = ?2)"
				      " GROUP BY stage_id, close_month HAVING sum(deals) > 0",
    /* per stage and owner; ?2 = 0: every owner */
    [RQ_SUM_OWNERS - SQ_EXT_REPORT] = "SELECT stage_id, owner_id, sum(deals), sum(amount),"
				      " sum(expected) FROM deal_sum WHERE workspace_id = ?1"
				      " AND (?2 = 0 OR owner_id = ?2)"
				      " GROUP BY stage_id, owner_id HAVING sum(deals) > 0",
    /* per stage and owner of the deals with close_date in [?3, ?4] (NULL: unbounded) */
    [RQ_SUM_OWNERS_CLOSE - SQ_EXT_REPORT] =
	"SELECT d.stage_id, d.owner_id, count(*), sum(d.amount),"
	" sum(lc_expected(d.amount, coalesce(d.probability, s.probability)))"
	" FROM deal d JOIN stage s ON s.workspace_id = d.workspace_id AND s.id = d.stage_id"
	" WHERE d.workspace_id = ?1 AND (?2 = 0 OR d.owner_id = ?2)"
	" AND (?3 IS NULL OR d.close_date >= ?3) AND (?4 IS NULL OR d.close_date <= ?4)"
	" GROUP BY d.stage_id, d.owner_id",
    /* deal ?2's row, its values computed by sq_fact_rows */
    [RQ_FACT_PUT - SQ_EXT_REPORT] =
	"INSERT INTO deal_fact (workspace_id, deal_id, owner_id, stage_id, amount, probability,"
	" reached, created, entered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	" ON CONFLICT (workspace_id, deal_id) DO UPDATE SET"
	" owner_id = excluded.owner_id, stage_id = excluded.stage_id,"
	" amount = excluded.amount, probability = excluded.probability,"
	" reached = excluded.reached, created = excluded.created,"
	" entered = excluded.entered",
    [RQ_FACT_DELETE - SQ_EXT_REPORT] = "DELETE FROM deal_fact"
				       " WHERE workspace_id = ?1 AND deal_id = ?2",
    [RQ_FACT_WS_CLEAR - SQ_EXT_REPORT] = "DELETE FROM deal_fact WHERE workspace_id = ?1",
    [RQ_FACT_WS_FILL - SQ_EXT_REPORT] = FACT_FILL,
    /* closed deals entered (closed) in [?3, ?4); ?2 = 0: every owner */
    [RQ_CLOSES - SQ_EXT_REPORT] =
	"SELECT f.owner_id, f.entered, f.entered - f.created, f.amount, s.kind = 1"
	" FROM stage s JOIN deal_fact f ON f.workspace_id = s.workspace_id AND f.stage_id = s.id"
	" WHERE s.workspace_id = ?1 AND s.kind <> 0"
	" AND f.entered >= ?3 AND f.entered < ?4 AND (?2 = 0 OR f.owner_id = ?2)",
    /* the same with the cycle alone, won only when ?5 (the stages first: CROSS JOIN) */
    [RQ_CLOSE_EACH - SQ_EXT_REPORT] =
	"SELECT f.owner_id, f.entered, f.entered - f.created, s.kind = 1"
	" FROM stage s CROSS JOIN deal_fact f WHERE s.workspace_id = ?1 AND s.kind <> 0"
	" AND (?5 = 0 OR s.kind = 1) AND f.workspace_id = ?1 AND f.stage_id = s.id"
	" AND f.entered >= ?3 AND f.entered < ?4 AND (?2 = 0 OR f.owner_id = ?2)",
    /*
     * open deals longer than their stage's stalled_days in it at ?3 (now):
     * the stages first (CROSS JOIN keeps that order), then a range of
     * deal_fact_stage each
     */
    [RQ_STALLED - SQ_EXT_REPORT] =
	"SELECT f.stage_id, f.owner_id FROM stage s CROSS JOIN deal_fact f"
	" WHERE s.workspace_id = ?1 AND s.kind = 0 AND s.stalled_days > 0"
	" AND f.workspace_id = ?1 AND f.stage_id = s.id"
	" AND f.entered < ?3 - s.stalled_days * 86400 AND (?2 = 0 OR f.owner_id = ?2)",
    /*
     * the first ?4 of them in stage ?5 by entry, then id: a range of
     * deal_fact_stage in entry order, sorted by id within a second only
     */
    [RQ_STALLED_FIRST - SQ_EXT_REPORT] =
	"SELECT f.deal_id, f.owner_id, f.entered FROM stage s CROSS JOIN deal_fact f"
	" WHERE s.workspace_id = ?1 AND s.id = ?5 AND s.kind = 0 AND s.stalled_days > 0"
	" AND f.workspace_id = ?1 AND f.stage_id = s.id"
	" AND f.entered < ?3 - s.stalled_days * 86400 AND (?2 = 0 OR f.owner_id = ?2)"
	" ORDER BY f.entered, f.deal_id LIMIT ?4",
    [RQ_STAY_CLEAR - SQ_EXT_REPORT] = "DELETE FROM deal_stay"
				      " WHERE workspace_id = ?1 AND deal_id = ?2",
    /* deal ?2's stay ?3: new, changed, the ones after it gone */
    [RQ_STAY_PUT - SQ_EXT_REPORT] = "INSERT INTO deal_stay (workspace_id, deal_id, seq, stage_id,"
				    " entered) VALUES (?1, ?2, ?3, ?4, ?5)",
    [RQ_STAY_SET - SQ_EXT_REPORT] = "UPDATE deal_stay SET stage_id = ?4, entered = ?5"
				    " WHERE workspace_id = ?1 AND deal_id = ?2 AND seq = ?3",
    [RQ_STAY_CUT - SQ_EXT_REPORT] = "DELETE FROM deal_stay"
				    " WHERE workspace_id = ?1 AND deal_id = ?2 AND seq > ?3",
    [RQ_STAY_WS_CLEAR - SQ_EXT_REPORT] = "DELETE FROM deal_stay WHERE workspace_id = ?1",
    [RQ_STAY_WS_FILL - SQ_EXT_REPORT] = STAY_FILL,
    /* deal_reach: a deal leaves its group ?2.. (owner, day, reached, stage), joins one */
    [RQ_REACH_LEAVE - SQ_EXT_REPORT] =
	"UPDATE deal_reach SET deals = deals - 1 WHERE workspace_id = ?1 AND owner_id = ?2"
	" AND created_day = ?3 AND reached = ?4 AND stage_id = ?5",
    [RQ_REACH_JOIN - SQ_EXT_REPORT] =
	"INSERT INTO deal_reach (workspace_id, owner_id, created_day, reached, stage_id, deals)"
	" VALUES (?1, ?2, ?3, ?4, ?5, 1)"
	" ON CONFLICT (workspace_id, owner_id, created_day, reached, stage_id)"
	" DO UPDATE SET deals = deal_reach.deals + 1",
    [RQ_REACH_WS_CLEAR - SQ_EXT_REPORT] = "DELETE FROM deal_reach WHERE workspace_id = ?1",
    [RQ_REACH_WS_FILL - SQ_EXT_REPORT] =
	"INSERT INTO deal_reach (workspace_id, owner_id, created_day, reached, stage_id, deals)"
	" SELECT " REACH_KEY ", count(*) FROM deal_fact f WHERE f.workspace_id = ?1"
	" GROUP BY " REACH_KEY,
    /* the funnel's groups of the deals created on days [?3, ?4); ?2 = 0: every owner */
    [RQ_REACHES - SQ_EXT_REPORT] =
	"SELECT reached, stage_id, deals FROM deal_reach WHERE workspace_id = ?1"
	" AND (?2 = 0 OR owner_id = ?2) AND created_day >= ?3 AND created_day < ?4"
	" AND deals <> 0",
    /*
     * the history reports' tables, kept by hrows_apply: what deal ?2 counts
     * in them is computed from its deal_fact row and its stays
     */
    [RQ_HIST_FACT - SQ_EXT_REPORT] =
	"SELECT f.owner_id, f.stage_id, f.amount, f.probability, f.created, f.entered,"
	" s.probability, f.reached FROM deal_fact f LEFT JOIN stage s"
	" ON s.workspace_id = f.workspace_id AND s.id = f.stage_id"
	" WHERE f.workspace_id = ?1 AND f.deal_id = ?2",
    /*
     * what deal_fact and deal_stay hold of deal ?2, from the deal and its
     * history (FACT_FILL, STAY_FILL): the same columns as the two above,
     * the history in the order the stays are numbered in (stage_history_span)
     */
    [RQ_FACT_SRC - SQ_EXT_REPORT] = "SELECT d.owner_id, d.stage_id, d.amount, d.probability, " SECS(
	"d.created_at") ", 0,"
			" s.probability FROM deal d LEFT JOIN stage s ON s.workspace_id = "
			"d.workspace_id"
			" AND s.id = d.stage_id WHERE d.workspace_id = ?1 AND d.id = ?2",
    [RQ_HIST_SRC - SQ_EXT_REPORT] = "SELECT 0, h.to_stage_id, " SECS(
	"h.changed_at") ", s.probability FROM stage_history h"
			" LEFT JOIN stage s ON s.workspace_id = h.workspace_id AND s.id = "
			"h.to_stage_id"
			" WHERE h.workspace_id = ?1 AND h.deal_id = ?2 ORDER BY h.changed_at, h.id",
    [RQ_HIST_STAYS - SQ_EXT_REPORT] =
	"SELECT y.seq, y.stage_id, y.entered, s.probability FROM deal_stay y"
	" LEFT JOIN stage s ON s.workspace_id = y.workspace_id AND s.id = y.stage_id"
	" WHERE y.workspace_id = ?1 AND y.deal_id = ?2 ORDER BY y.seq",
    /* one row's change: ?2.. its key, then the values to add */
    [RQ_DWELL_ADD - SQ_EXT_REPORT] =
	"INSERT INTO deal_dwell (workspace_id, stage_id, open, secs, owner_id, created_day,"
	" deals) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	" ON CONFLICT (workspace_id, stage_id, open, secs, owner_id, created_day)"
	" DO UPDATE SET deals = deal_dwell.deals + excluded.deals",
    /* the row of that key when taking ?7 deals from it leaves none */
    [RQ_DWELL_PRUNE - SQ_EXT_REPORT] =
	"DELETE FROM deal_dwell WHERE workspace_id = ?1 AND stage_id = ?2 AND open = ?3"
	" AND secs = ?4 AND owner_id = ?5 AND created_day = ?6 AND deals = ?7",
    [RQ_DWELL_DAY_ADD - SQ_EXT_REPORT] =
	"INSERT INTO deal_dwell_day (workspace_id, stage_id, open, day, owner_id, created_day,"
	" deals, secs) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	" ON CONFLICT (workspace_id, stage_id, open, day, owner_id, created_day)"
	" DO UPDATE SET deals = deal_dwell_day.deals + excluded.deals,"
	" secs = deal_dwell_day.secs + excluded.secs",
    [RQ_DWELL_DAY_PRUNE - SQ_EXT_REPORT] =
	"DELETE FROM deal_dwell_day WHERE workspace_id = ?1 AND stage_id = ?2 AND open = ?3"
	" AND day = ?4 AND owner_id = ?5 AND created_day = ?6 AND deals = ?7",
    [RQ_OPEN_ADD - SQ_EXT_REPORT] =
	"INSERT INTO deal_open (workspace_id, day, stage_id, owner_id, deals, amount, expected)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workspace_id, day, stage_id, owner_id)"
	" DO UPDATE SET deals = deal_open.deals + excluded.deals,"
	" amount = deal_open.amount + excluded.amount,"
	" expected = deal_open.expected + excluded.expected",
    [RQ_CLOSE_ADD - SQ_EXT_REPORT] =
	"INSERT INTO deal_closing (workspace_id, stage_id, day, owner_id, deals, amount, cycle)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (workspace_id, stage_id, day, owner_id)"
	" DO UPDATE SET deals = deal_closing.deals + excluded.deals,"
	" amount = deal_closing.amount + excluded.amount, cycle = deal_closing.cycle + "
	"excluded.cycle",
    /*
     * The tallies (report.h, struct report_tally: stage, key, open, deals,
     * amount, extra) of the deals of ?2 (0: every owner), keys in [?3, ?4).
     * deal_dwell_day's buckets per stage, open and day: the stages first
     * (CROSS JOIN keeps that order) by id, then a range of the key each, so
     * that the groups come in key order (no sort).
     */
    [RQ_TALLY_DWELL - SQ_EXT_REPORT] =
	"SELECT s.id, w.day, w.open, sum(w.deals), sum(w.secs), 0"
	" FROM stage s CROSS JOIN deal_dwell_day w WHERE s.workspace_id = ?1 AND s.kind = 0"
	" AND w.workspace_id = ?1 AND w.stage_id = s.id AND (?2 = 0 OR w.owner_id = ?2)"
	" AND w.created_day >= ?3 AND w.created_day < ?4"
	" GROUP BY s.id, w.open, w.day HAVING sum(w.deals) <> 0",
    /*
     * deal_dwell's values of stage ?5, open ?6 and secs in [?7, ?8) (the
     * buckets that hold a median: report_dwell_ranges), summed over owners
     * and days of creation in key order (no sort)
     */
    [RQ_DWELL_VALUES - SQ_EXT_REPORT] =
	"SELECT w.stage_id, w.secs, w.open, sum(w.deals), 0, 0 FROM deal_dwell w"
	" WHERE w.workspace_id = ?1 AND w.stage_id = ?5 AND w.open = ?6"
	" AND w.secs >= ?7 AND w.secs < ?8 AND (?2 = 0 OR w.owner_id = ?2)"
	" AND w.created_day >= ?3 AND w.created_day < ?4"
	" GROUP BY w.secs HAVING sum(w.deals) <> 0",
    [RQ_TALLY_OPEN - SQ_EXT_REPORT] =
	"SELECT stage_id, day, 0, sum(deals), sum(amount), sum(expected) FROM deal_open"
	" WHERE workspace_id = ?1 AND (?2 = 0 OR owner_id = ?2) AND day >= ?3 AND day < ?4"
	" GROUP BY day, stage_id ORDER BY day",
    [RQ_TALLY_CLOSE - SQ_EXT_REPORT] =
	"SELECT c.stage_id, c.day, 0, sum(c.deals), sum(c.amount), sum(c.cycle)"
	" FROM stage s CROSS JOIN deal_closing c WHERE s.workspace_id = ?1 AND s.kind <> 0"
	" AND c.workspace_id = ?1 AND c.stage_id = s.id AND (?2 = 0 OR c.owner_id = ?2)"
	" AND c.day >= ?3 AND c.day < ?4 GROUP BY c.stage_id, c.day",
    /* deal_closing's rows as they are (one per stage, day and owner) */
    [RQ_TALLY_CLOSE_OWNER - SQ_EXT_REPORT] =
	"SELECT c.stage_id, c.day, 0, c.deals, c.amount, c.cycle, c.owner_id"
	" FROM stage s CROSS JOIN deal_closing c WHERE s.workspace_id = ?1 AND s.kind <> 0"
	" AND c.workspace_id = ?1 AND c.stage_id = s.id AND (?2 = 0 OR c.owner_id = ?2)"
	" AND c.day >= ?3 AND c.day < ?4 AND c.deals <> 0",
    /*
     * the latest entry into each stage of a deal in it now (one step of
     * deal_fact_stage each), and as stage 0 the last second of the last day
     * a deal was created on
     */
    [RQ_TALLY_LATEST - SQ_EXT_REPORT] =
	"SELECT s.id, (SELECT max(f.entered) FROM deal_fact f WHERE f.workspace_id = ?1"
	" AND f.stage_id = s.id), 0, 0, 0, 0 FROM stage s WHERE s.workspace_id = ?1"
	" UNION ALL SELECT 0, (max(created_day) + 1) * 86400 - 1, 0, 0, 0, 0 FROM deal_reach"
	" WHERE workspace_id = ?1",
    /* the deals of ?2 (0: all) changed at or after ?3, and their stays */
    [RQ_CHANGED_DEALS - SQ_EXT_REPORT] =
	DEAL_FACTS " AND d.id IN (" CHANGED ")"
		   " AND (?2 = 0 OR d.owner_id = ?2) ORDER BY d.id",
    [RQ_CHANGED_SPANS - SQ_EXT_REPORT] = "SELECT y.deal_id, y.stage_id, y.entered"
					 " FROM deal_stay y WHERE y.workspace_id = ?1"
					 " AND y.deal_id IN (" CHANGED ") AND ?2 = ?2"
					 " ORDER BY y.deal_id, y.seq",
};

static int rq(struct sqlite_store *s, int id, sqlite3_stmt **out)
{
	return sq_stmt_ext(s, id, rq_sql[id - SQ_EXT_REPORT], out);
}

/* grow makes room for one more element of size el in *v (capacity *cap). */
static int grow(void **v, size_t n, size_t *cap, size_t el)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 1024;
	p = realloc(*v, ncap * el);
	if (!p)
		return ERR_NOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

/* col_time reads a timestamp column as seconds; unreadable or NULL gives 0. */
static int64_t col_time(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	int64_t v = 0;

	if (t && report_time_parse(t, &v) != 0)
		v = 0;
	return v;
}

/*
 * step_rows steps the bound statement st to its end into a growing array of
 * elements of size el, each zeroed and then filled by row(); *out gets the
 * array (free() it) and *n its length.
 */
static int step_rows(struct sqlite_store *s, sqlite3_stmt *st, size_t el,
		     void (*row)(sqlite3_stmt *st, void *el), void **out, size_t *n)
{
	void *v = NULL;
	size_t nv = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow(&v, nv, &cap, el)) {
			free(v);
			return ERR_NOMEM;
		}
		memset((char *)v + nv * el, 0, el);
		row(st, (char *)v + nv * el);
		nv++;
	}
	if (rc != SQLITE_DONE) {
		free(v);
		return sq_db_err(s, rc, ERR_DB);
	}
	*out = v;
	*n = nv;
	return 0;
}

static void row_deal(sqlite3_stmt *st, void *out)
{
	struct report_deal *d = out;

	d->id = sq_col_i64(st, 0);
	d->owner_id = sq_col_i64(st, 1);
	d->stage_id = sq_col_i64(st, 2);
	d->amount = sq_col_i64(st, 3);
	d->probability = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sq_col_int(st, 4);
	COL_TEXT(st, 5, d->close_date);
	d->created = col_time(st, 6);
}

int sqlite_report_deals(struct store *base, int64_t ws, int64_t owner, struct report_deal_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, owner > 0 ? RQ_DEALS_OWNER : RQ_DEALS, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | (owner > 0 ? sq_bind_i64(st, 2, owner) : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_rows(s, st, sizeof(*out->v), row_deal, (void **)&out->v, &out->n);
out:
	sq_stmt_done(st);
	return rc;
}

/* step_spans steps st (deal id, stage id, entered) into out. */
static int step_spans(struct sqlite_store *s, sqlite3_stmt *st, struct report_span_list *out)
{
	struct report_span *v = NULL;
	int64_t *ids = NULL;
	size_t n = 0, cap = 0, cap2 = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&v, n, &cap, sizeof(*v)) ||
		    grow((void **)&ids, n, &cap2, sizeof(*ids))) {
			free(v);
			free(ids);
			return ERR_NOMEM;
		}
		ids[n] = sq_col_i64(st, 0);
		v[n].stage_id = sq_col_i64(st, 1);
		v[n].from = sq_col_i64(st, 2);
		v[n].to = REPORT_OPEN_END;
		n++;
	}
	if (rc != SQLITE_DONE) {
		free(v);
		free(ids);
		return sq_db_err(s, rc, ERR_DB);
	}
	out->v = v;
	out->deal_id = ids;
	out->n = n;
	return 0;
}

int sqlite_report_spans(struct store *base, int64_t ws, int64_t owner, struct report_span_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, owner > 0 ? RQ_SPANS_OWNER : RQ_SPANS, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | (owner > 0 ? sq_bind_i64(st, 2, owner) : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_spans(s, st, out);
out:
	sq_stmt_done(st);
	return rc;
}

static void row_report_change(sqlite3_stmt *st, void *out)
{
	const char *field = (const char *)sqlite3_column_text(st, 1);
	struct report_change *c = out;

	c->deal_id = sq_col_i64(st, 0);
	c->field =
	    field && strcmp(field, "amount") == 0 ? REPORT_FIELD_AMOUNT : REPORT_FIELD_PROBABILITY;
	c->old = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sq_col_i64(st, 2);
	c->at = col_time(st, 3);
}

int sqlite_report_changes(struct store *base, int64_t ws, int64_t owner, const char *since,
			  struct report_change_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, RQ_CHANGES, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    sq_bind_text(st, 3, since)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_rows(s, st, sizeof(*out->v), row_report_change, (void **)&out->v, &out->n);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_deal_change_add(struct store *base, struct deal_change *c)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	sq_stamp(c->changed_at);
	rc = rq(s, RQ_CHANGE_INSERT, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, c->workspace_id) | sq_bind_i64(st, 2, c->deal_id) |
	    sq_bind_text(st, 3, c->field) | sq_bind_text_null(st, 4, c->old_value) |
	    sq_bind_text_null(st, 5, c->new_value) | sq_bind_id_null(st, 6, c->changed_by) |
	    sq_bind_text(st, 7, c->changed_at)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_INVALID);
	if (!rc)
		c->id = sqlite3_last_insert_rowid(s->db);
out:
	sq_stmt_done(st);
	return rc;
}

static void row_change(sqlite3_stmt *st, void *out)
{
	struct deal_change *c = out;

	c->id = sq_col_i64(st, 0);
	c->workspace_id = sq_col_i64(st, 1);
	c->deal_id = sq_col_i64(st, 2);
	COL_TEXT(st, 3, c->field);
	COL_TEXT(st, 4, c->old_value);
	COL_TEXT(st, 5, c->new_value);
	c->changed_by = sq_col_i64(st, 6);
	COL_TEXT(st, 7, c->changed_at);
	COL_TEXT(st, 8, c->by_username);
}

int sqlite_deal_change_list(struct store *base, int64_t ws, int64_t deal_id,
			    struct deal_change_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	rc = rq(s, RQ_CHANGE_LIST, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, deal_id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all(s, st, sizeof(struct deal_change), row_change, &v, &n);
	if (!rc) {
		out->v = v;
		out->n = n;
	}
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_stage_set_stalled(struct store *base, int64_t ws, int64_t id, int days)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, RQ_STAGE_STALLED, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, id) |
	    (days > 0 ? sq_bind_i64(st, 3, days) : sqlite3_bind_null(st, 3))) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_changed(s, st, ERR_INVALID);
out:
	sq_stmt_done(st);
	return rc;
}

/* run_ws_id runs statement id with ?1 ws, ?2 key and ?3 text (when given). */
static int run_ws_id(struct sqlite_store *s, int id, int64_t ws, int64_t key, const char *text,
		     int want_change)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, id, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, key) |
	    (text ? sq_bind_text(st, 3, text) : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = want_change ? sq_step_changed(s, st, ERR_INVALID) : sq_step_done(s, st, ERR_INVALID);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_history_reset(struct store *base, int64_t ws, int64_t deal_id, const char *created_at)
{
	struct sqlite_store *s = sq(base);
	int rc;

	if (!created_at || !created_at[0])
		return ERR_INVALID;
	if ((rc = run_ws_id(s, RQ_RESET_HISTORY, ws, deal_id, NULL, 0)))
		return rc;
	if ((rc = run_ws_id(s, RQ_RESET_CHANGES, ws, deal_id, NULL, 0)))
		return rc;
	if ((rc = run_ws_id(s, RQ_RESET_CREATED, ws, deal_id, created_at, 1)))
		return rc;
	return sq_fact_deal(s, ws, deal_id);
}

/* ---- the maintained summary (deal_sum) ---- */

/* run_ws2 runs statement id with ?1 ws, ?2 key and, when sign != 0, ?3 sign. */
static int run_ws2(struct sqlite_store *s, int id, int64_t ws, int64_t key, int sign)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, id, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | (key ? sq_bind_i64(st, 2, key) : 0) |
	    (sign ? sq_bind_i64(st, 3, sign) : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_step_done(s, st, ERR_DB);
out:
	sq_stmt_done(st);
	return rc;
}

/* run_steps runs the statements steps[0..n) with ?1 ws and ?2 key, up to the first failure. */
static int run_steps(struct sqlite_store *s, const int *steps, size_t n, int64_t ws, int64_t key)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)
		rc = run_ws2(s, steps[i], ws, key, 0);
	return rc;
}

int sq_sum_deal(struct sqlite_store *s, int64_t ws, int64_t deal_id, int sign)
{
	/* A bulk write writes its workspace's sums once, at sqlite_bulk_flush. */
	if (sq_bulk_defer(s, ws, deal_id, 0))
		return 0;
	return run_ws2(s, RQ_SUM_DEAL, ws, deal_id, sign);
}

/*
 * run_script runs the statements of sql in turn, each prepared for this one
 * run (rare writes over a whole workspace: no slot of their own), with ?1 ws
 * and ?2 key.
 */
static int run_script(struct sqlite_store *s, const char *sql, int64_t ws, int64_t key)
{
	const char *tail = sql;
	int rc = 0;

	while (!rc && *tail) {
		sqlite3_stmt *st = NULL;

		rc = sqlite3_prepare_v2(s->db, tail, -1, &st, &tail);
		if (rc != SQLITE_OK)
			return sq_db_err(s, rc, ERR_DB);
		if (!st)
			break;
		if (sq_bind_i64(st, 1, ws) |
		    (sqlite3_bind_parameter_count(st) > 1 ? sq_bind_i64(st, 2, key) : 0))
			rc = sq_bind_failed(s);
		else
			rc = sq_step_done(s, st, ERR_DB);
		sqlite3_finalize(st);
	}
	return rc;
}

/* deal_open of a stage whose probability is not the one its rows were computed with. */
#define OPEN_STALE                                                                                 \
	" AND EXISTS (SELECT 1 FROM stage s LEFT JOIN deal_open_stage p"                           \
	" ON p.workspace_id = s.workspace_id AND p.stage_id = s.id WHERE s.workspace_id = ?1"      \
	" AND s.id = ?2 AND p.probability IS NOT s.probability)"

/*
 * The stays of the deals that were in stage ?2 (deal_stay_stage), every one
 * of theirs (a stay ends where the deal's next begins), and the deals without
 * history in it now: the only ones with deal_open rows of the stage.
 */
#define STAGE_Y                                                                                    \
	"y.workspace_id = ?1 AND y.deal_id IN (SELECT x.deal_id FROM deal_stay x"                  \
	" WHERE x.workspace_id = ?1 AND x.stage_id = ?2)"
#define STAGE_F "f.workspace_id = ?1 AND f.stage_id = ?2"

int sq_sum_stage(struct sqlite_store *s, int64_t ws, int64_t stage_id)
{
	/* deal_open's expected values: recomputed only when the probability changed */
	static const char open_sql[] =
	    "DELETE FROM deal_open WHERE workspace_id = ?1 AND stage_id = ?2" OPEN_STALE
	    ";" RS_OPEN_ROWS(
		STAGE_Y, STAGE_F, "1",
		" AND y.stage_id = ?2" OPEN_STALE) ";" RS_OPEN_MARK("s.workspace_id = ?1 AND s.id "
								    "= ?2");
	int rc = run_ws2(s, RQ_SUM_STAGE_CLEAR, ws, stage_id, 0);

	sq_bulk_taint(s, ws); /* the stage's sums now count deferred deals */
	if (!rc)
		rc = run_ws2(s, RQ_SUM_STAGE_FILL, ws, stage_id, 0);
	return rc ? rc : run_script(s, open_sql, ws, stage_id);
}

int sqlite_report_rebuild(struct store *base, int64_t ws)
{
	static const int steps[] = {RQ_SUM_WS_CLEAR,   RQ_SUM_WS_FILL,	 RQ_FACT_WS_CLEAR,
				    RQ_FACT_WS_FILL,   RQ_STAY_WS_CLEAR, RQ_STAY_WS_FILL,
				    RQ_REACH_WS_CLEAR, RQ_REACH_WS_FILL};
	static const char history_sql[] =
	    "DELETE FROM deal_dwell WHERE workspace_id = ?1;"
	    "DELETE FROM deal_dwell_day WHERE workspace_id = ?1;"
	    "DELETE FROM deal_open WHERE workspace_id = ?1;"
	    "DELETE FROM deal_closing WHERE workspace_id = ?1;"
	    "DELETE FROM deal_open_stage WHERE workspace_id = ?1;" RS_DWELL_ROWS(WS_Y, WS_F, "1") ";" RS_DWELL_DAY_FILL(
		"workspace_id = ?1") ";" RS_OPEN_ROWS(WS_Y, WS_F, "1",
						      "") ";" RS_CLOSE_ROWS(WS_F,
									    "1") ";" RS_OPEN_MARK("s.workspace_id = ?1");
	struct sqlite_store *s = sq(base);
	int rc = run_steps(s, steps, sizeof(steps) / sizeof(steps[0]), ws, 0);

	deal_set_settle(&s->dirty, ws, 0); /* every deal's rows are written now */
	return rc ? rc : run_script(s, history_sql, ws, 0);
}

/* ---- the maintained deal facts (deal_fact) ---- */

/*
 * What one deal counts in the history reports' tables (deal_dwell,
 * deal_dwell_day, deal_open, deal_closing): per table and key the values it
 * adds. The upkeep computes them from the deal's deal_fact and deal_stay rows
 * before those are rewritten (negated) and again after, and writes the sum:
 * only the rows that change. A move changes a few (its old stay ends, the new
 * one begins), where taking the deal out of every row it counts in and
 * putting it back wrote each row twice, through SQL that grouped and sorted
 * the deal's stays each time. The arithmetic is the SQL's of
 * store_report_sql.h (RS_DWELL_ROWS, RS_DWELL_DAY_ROWS, RS_OPEN_ROWS,
 * RS_CLOSE_ROWS), which `litecrm report rebuild` and PostgreSQL's upkeep
 * run; tests/unit/report_facts_check.h holds both to the replay.
 */
enum { H_DWELL, H_DWELL_DAY, H_OPEN, H_CLOSE };

struct hrow {
	int table;
	int64_t k[5]; /* the key after workspace_id, in its columns' order; unused 0 */
	int64_t v[3]; /* the values added, deals first */
};

struct hrows {
	struct hrow *v;
	size_t n, cap;
};

/* per table: its statements, key and value counts */
static const struct {
	int add, prune, nk, nv;
} htab[] = {
    [H_DWELL] = {RQ_DWELL_ADD, RQ_DWELL_PRUNE, 5, 1},
    [H_DWELL_DAY] = {RQ_DWELL_DAY_ADD, RQ_DWELL_DAY_PRUNE, 5, 2},
    [H_OPEN] = {RQ_OPEN_ADD, 0, 3, 3},
    [H_CLOSE] = {RQ_CLOSE_ADD, 0, 3, 3},
};

/* The day of x seconds, rounded down (SQ_DAY). */
static int64_t day_of(int64_t x)
{
	return x >= 0 ? x / 86400 : (x - 86399) / 86400;
}

static int hrow_add(struct hrows *r, int table, const int64_t *k, const int64_t *v)
{
	struct hrow *h;

	if (grow((void **)&r->v, r->n, &r->cap, sizeof(*r->v)))
		return ERR_NOMEM;
	h = &r->v[r->n++];
	memset(h, 0, sizeof(*h));
	h->table = table;
	memcpy(h->k, k, (size_t)htab[table].nk * sizeof(*k));
	memcpy(h->v, v, (size_t)htab[table].nv * sizeof(*v));
	return 0;
}

/* A stay: from a to the next stay's start (the last one is open). */
struct hstay {
	int64_t seq, stage_id, a, probability;
};

/*
 * A deal as deal_fact and deal_stay hold it (RQ_HIST_FACT, RQ_HIST_STAYS), or
 * as its deal and history rows make it (RQ_FACT_SRC, RQ_HIST_SRC): have is 0
 * without a fact row (or deal); stage_p is its stage's probability.
 */
struct hdeal {
	int have, has_p;
	int64_t owner, stage_id, amount, p, created, entered, stage_p;
	char *reached;
	struct hstay *y;
	size_t n, cap;
};

static void hdeal_free(struct hdeal *h)
{
	free(h->reached);
	free(h->y);
}

/* deal_expected is lc_expected(amount, p), an error outside its domain. */
static int deal_expected(int64_t amount, int64_t p, int64_t *out)
{
	if (amount < -MONEY_MAX || amount > MONEY_MAX || p < 0 || p > 100)
		return ERR_DB;
	*out = money_expected(amount, (int)p);
	return 0;
}

/* hstay_rows adds sign times what deal h, with stays y[0..n), counts in. */
static int hstay_rows(struct hrows *r, const struct hdeal *h, const struct hstay *y, size_t n,
		      int sign)
{
	int64_t owner = h->owner, amount = h->amount, created = h->created;
	int64_t entered = h->entered, cday = day_of(created), p = h->p;
	int own_p = h->has_p && p >= 0 && p <= 100;
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		int64_t open = 0, secs = 0, a, b, e = 0;
		size_t j;

		/* deal_dwell, deal_dwell_day: per stage, at its first stay */
		for (j = 0; j < i && y[j].stage_id != y[i].stage_id; j++)
			;
		if (j == i) {
			for (j = i; j < n; j++) {
				if (y[j].stage_id != y[i].stage_id)
					continue;
				if (j + 1 == n) {
					open = 1;
					secs -= y[j].a;
				} else {
					secs += y[j + 1].a - y[j].a;
				}
			}
			rc = hrow_add(r, H_DWELL,
				      (int64_t[]){y[i].stage_id, open, secs, owner, cday},
				      (int64_t[]){sign});
			if (!rc)
				rc = hrow_add(
				    r, H_DWELL_DAY,
				    (int64_t[]){y[i].stage_id, open, day_of(secs), owner, cday},
				    (int64_t[]){sign, sign * secs});
		}
		/* deal_open: the stay counts from its start (no earlier than the creation) to the
		 * next */
		a = y[i].seq == 1 ? created : (y[i].a > created ? y[i].a : created);
		b = i + 1 < n ? y[i + 1].a : 0;
		if (!rc && (i + 1 == n || a < b))
			rc = deal_expected(amount, own_p ? p : y[i].probability, &e);
		if (!rc && (i + 1 == n || a < b))
			rc = hrow_add(r, H_OPEN, (int64_t[]){day_of(a), y[i].stage_id, owner},
				      (int64_t[]){sign, sign * amount, sign * e});
		if (!rc && i + 1 < n && a < b)
			rc = hrow_add(r, H_OPEN, (int64_t[]){day_of(b), y[i].stage_id, owner},
				      (int64_t[]){-sign, -sign * amount, -sign * e});
	}
	if (!rc)
		rc = hrow_add(r, H_CLOSE, (int64_t[]){h->stage_id, day_of(entered), owner},
			      (int64_t[]){sign, sign * amount,
					  sign * (entered > created ? entered - created : 0)});
	return rc;
}

/*
 * hdeal_rows adds sign times what deal h counts in the history reports'
 * tables (nothing without a fact row; a deal without stays is in its stage
 * since its creation).
 */
static int hdeal_rows(struct hrows *r, const struct hdeal *h, int sign)
{
	struct hstay one = {1, h->stage_id, h->created, h->stage_p};

	if (!h->have)
		return 0;
	return h->n ? hstay_rows(r, h, h->y, h->n, sign) : hstay_rows(r, h, &one, 1, sign);
}

/*
 * read_stays appends the rows of st (seq, stage_id, entered, probability) to
 * h's stays, numbered from 1 in their order when number is set.
 */
static int read_stays(struct sqlite_store *s, sqlite3_stmt *st, int number, struct hdeal *h)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (grow((void **)&h->y, h->n, &h->cap, sizeof(*h->y)))
			return ERR_NOMEM;
		h->y[h->n] = (struct hstay){sq_col_i64(st, 0), sq_col_i64(st, 1), sq_col_i64(st, 2),
					    sq_col_i64(st, 3)}; /* NULL probability: 0 */
		if (number)
			h->y[h->n].seq = (int64_t)h->n + 1;
		h->n++;
	}
	return rc == SQLITE_DONE ? 0 : sq_db_err(s, rc, ERR_DB);
}

/*
 * hdeal_read reads deal deal_id by statements fact (a row with the columns of
 * RQ_HIST_FACT, reached last or computed from the stays) and stays.
 */
static int hdeal_read(struct sqlite_store *s, int fact, int stays, int64_t ws, int64_t deal_id,
		      struct hdeal *h)
{
	sqlite3_stmt *f = NULL, *st = NULL;
	int rc;

	if ((rc = rq(s, fact, &f)) || (rc = rq(s, stays, &st)))
		goto out;
	if (sq_bind_i64(f, 1, ws) | sq_bind_i64(f, 2, deal_id) | sq_bind_i64(st, 1, ws) |
	    sq_bind_i64(st, 2, deal_id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	if ((rc = sqlite3_step(f)) == SQLITE_ROW) {
		h->have = 1;
		h->owner = sq_col_i64(f, 0);
		h->stage_id = sq_col_i64(f, 1);
		h->amount = sq_col_i64(f, 2);
		h->has_p = sqlite3_column_type(f, 3) != SQLITE_NULL;
		h->p = sq_col_i64(f, 3);
		h->created = sq_col_i64(f, 4);
		h->entered = sq_col_i64(f, 5);
		h->stage_p = sq_col_i64(f, 6);
		if (sqlite3_column_count(f) > 7 &&
		    !(h->reached = strdup(sqlite3_column_type(f, 7) == SQLITE_NULL
					      ? ""
					      : (const char *)sqlite3_column_text(f, 7)))) {
			rc = ERR_NOMEM;
			goto out;
		}
	} else if (rc != SQLITE_DONE) {
		rc = sq_db_err(s, rc, ERR_DB);
		goto out;
	}
	rc = read_stays(s, st, stays == RQ_HIST_SRC, h);
out:
	sq_stmt_done(st);
	sq_stmt_done(f);
	return rc;
}

/*
 * hdeal_derive completes a deal read from its deal and history rows as
 * FACT_FILL does: it entered its stage at its last history row (at its
 * creation without history), and reached lists the stages of its history in
 * order, each once (group_concat(DISTINCT) over stage_history_span), else its
 * stage.
 */
static int hdeal_derive(struct hdeal *h)
{
	size_t len = 0, cap = 24 * (h->n + 1);
	char *out = malloc(cap);

	if (!out)
		return ERR_NOMEM;
	out[0] = '\0';
	if (h->n == 0)
		snprintf(out, cap, "%lld", (long long)h->stage_id);
	for (size_t i = 0; i < h->n; i++) {
		size_t j;

		for (j = 0; j < i && h->y[j].stage_id != h->y[i].stage_id; j++)
			;
		if (j == i)
			len += (size_t)snprintf(out + len, cap - len, "%s%lld", len ? "," : "",
						(long long)h->y[i].stage_id);
	}
	h->entered = h->n ? h->y[h->n - 1].a : h->created;
	h->reached = out;
	return 0;
}

/* fact_same: a and b hold the same deal_fact row (both have one). */
static int fact_same(const struct hdeal *a, const struct hdeal *b)
{
	return a->owner == b->owner && a->stage_id == b->stage_id && a->amount == b->amount &&
	       a->has_p == b->has_p && (!a->has_p || a->p == b->p) && a->created == b->created &&
	       a->entered == b->entered && strcmp(a->reached, b->reached) == 0;
}

static int hrow_cmp(const void *pa, const void *pb)
{
	const struct hrow *a = pa, *b = pb;

	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	for (int i = 0; i < 5; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return 0;
}

/* run_bound steps the write st when binding it went well (bad 0), then lets it go. */
static int run_bound(struct sqlite_store *s, sqlite3_stmt *st, int bad)
{
	int rc = bad ? sq_bind_failed(s) : sq_step_done(s, st, ERR_DB);

	sq_stmt_done(st);
	return rc;
}

/* hrow_run runs statement id with ?1 ws and x[0..n) from ?2 on. */
static int hrow_run(struct sqlite_store *s, int id, int64_t ws, const int64_t *x, int n)
{
	sqlite3_stmt *st = NULL;
	int rc, bad;

	if ((rc = rq(s, id, &st)))
		return rc;
	bad = sq_bind_i64(st, 1, ws);
	for (int i = 0; i < n; i++)
		bad |= sq_bind_i64(st, i + 2, x[i]);
	return run_bound(s, st, bad);
}

/*
 * hrows_apply sums the rows of r per table and key and adds each sum that is
 * not zero; a row the deal left is deleted when no deal is left in it
 * (deal_dwell and deal_dwell_day: their keys hold values; deal_open's and
 * deal_closing's rows at zero stay). That delete is tried first: the row a
 * deal leaves is mostly its own (its open stay's key holds the second it
 * began), and then it is the only statement.
 */
static int hrows_apply(struct sqlite_store *s, int64_t ws, struct hrows *r)
{
	int rc = 0;

	if (r->n > 1) /* qsort's array may not be NULL, even empty */
		qsort(r->v, r->n, sizeof(*r->v), hrow_cmp);
	for (size_t i = 0, j; i < r->n && !rc; i = j) {
		const struct hrow *h = &r->v[i];
		int nk = htab[h->table].nk, nv = htab[h->table].nv, zero = 1;
		int64_t x[8];

		memcpy(x, h->k, (size_t)nk * sizeof(*x));
		memcpy(x + nk, h->v, (size_t)nv * sizeof(*x));
		for (j = i + 1; j < r->n && hrow_cmp(h, &r->v[j]) == 0; j++)
			for (int k = 0; k < nv; k++)
				x[nk + k] += r->v[j].v[k];
		for (int k = 0; k < nv; k++)
			zero = zero && x[nk + k] == 0;
		if (zero)
			continue;
		if (htab[h->table].prune && x[nk] < 0) {
			x[nk] = -x[nk]; /* the deals of a row the deal empties */
			rc = hrow_run(s, htab[h->table].prune, ws, x, nk + 1);
			if (rc || sqlite3_changes(s->db) > 0)
				continue;
			x[nk] = -x[nk];
		}
		rc = hrow_run(s, htab[h->table].add, ws, x, nk + nv);
	}
	return rc;
}

/* reach_run runs deal_reach's statement id for the group of deal h. */
static int reach_run(struct sqlite_store *s, int id, int64_t ws, const struct hdeal *h)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = rq(s, id, &st)))
		return rc;
	return run_bound(s, st,
			 sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, h->owner) |
			     sq_bind_i64(st, 3, day_of(h->created)) |
			     sq_bind_text(st, 4, h->reached) | sq_bind_i64(st, 5, h->stage_id));
}

/* fact_put writes deal_fact's row of deal deal_id from h. */
static int fact_put(struct sqlite_store *s, int64_t ws, int64_t deal_id, const struct hdeal *h)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = rq(s, RQ_FACT_PUT, &st)))
		return rc;
	return run_bound(s, st,
			 sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, deal_id) |
			     sq_bind_i64(st, 3, h->owner) | sq_bind_i64(st, 4, h->stage_id) |
			     sq_bind_i64(st, 5, h->amount) |
			     (h->has_p ? sq_bind_i64(st, 6, h->p) : sqlite3_bind_null(st, 6)) |
			     sq_bind_text(st, 7, h->reached) | sq_bind_i64(st, 8, h->created) |
			     sq_bind_i64(st, 9, h->entered));
}

/*
 * stays_put brings deal_stay's rows of the deal from old (as they are,
 * numbered 1..m) to new: the stays that differ are rewritten, the extra ones
 * removed, the new ones added. A move adds one row.
 */
static int stays_put(struct sqlite_store *s, int64_t ws, int64_t deal_id, const struct hdeal *old,
		     const struct hdeal *new)
{
	size_t i, m = old->n;
	int rc = 0;

	for (i = 0; i < m; i++)
		if (old->y[i].seq != (int64_t)i + 1)
			break;
	if (i < m) { /* not numbered from 1 on: all anew */
		if ((rc = run_ws2(s, RQ_STAY_CLEAR, ws, deal_id, 0)))
			return rc;
		m = 0;
	}
	if (m > new->n)
		rc = hrow_run(s, RQ_STAY_CUT, ws, (int64_t[]){deal_id, (int64_t) new->n}, 2);
	for (i = 0; i < new->n && !rc; i++) {
		const struct hstay *y = &new->y[i];

		if (i < m && old->y[i].stage_id == y->stage_id && old->y[i].a == y->a)
			continue;
		rc = hrow_run(s, i < m ? RQ_STAY_SET : RQ_STAY_PUT, ws,
			      (int64_t[]){deal_id, y->seq, y->stage_id, y->a}, 4);
	}
	return rc;
}

/*
 * sq_fact_rows brings the deal's rows of deal_fact, deal_stay, deal_reach
 * and the history reports' tables up to date with its deal and history rows:
 * one read of what they hold (none for a fresh deal, which has no rows yet)
 * and one of the deal and its history, then only the writes of what
 * changed. A move changes its fact row, adds a stay and moves the deal from
 * one deal_reach group to another; the history tables get the difference
 * (hrows_apply). A deal that is gone keeps its fact row (sq_fact_delete
 * drops it), as the INSERT ... SELECT this replaces did.
 */
int sq_fact_rows(struct sqlite_store *s, int64_t ws, int64_t deal_id, int fresh)
{
	struct hdeal old = {0}, new = {0};
	struct hrows r = {0};
	int rc = fresh ? 0 : hdeal_read(s, RQ_HIST_FACT, RQ_HIST_STAYS, ws, deal_id, &old);

	if (!rc)
		rc = hdeal_read(s, RQ_FACT_SRC, RQ_HIST_SRC, ws, deal_id, &new);
	if (!rc && new.have)
		rc = hdeal_derive(&new);
	if (!rc && !new.have && old.have) { /* no deal: its facts stay, its stays follow */
		struct hdeal keep = old;

		keep.y = new.y, keep.n = new.n, keep.cap = new.cap, keep.reached = NULL;
		new = keep;
		rc = (new.reached = strdup(old.reached)) ? 0 : ERR_NOMEM;
	}
	if (!rc && !(old.have && new.have &&fact_same(&old, &new))) {
		if (old.have && new.have &&
		    old.owner == new.owner &&day_of(old.created) == day_of(new.created) &&
		    old.stage_id == new.stage_id &&strcmp(old.reached, new.reached) == 0)
			; /* the same deal_reach group */
		else if ((!old.have || !(rc = reach_run(s, RQ_REACH_LEAVE, ws, &old))) && new.have)
			rc = reach_run(s, RQ_REACH_JOIN, ws, &new);
		if (!rc && new.have)
			rc = fact_put(s, ws, deal_id, &new);
	}
	if (!rc)
		rc = stays_put(s, ws, deal_id, &old, &new);
	if (!rc)
		rc = hdeal_rows(&r, &old, -1);
	if (!rc)
		rc = hdeal_rows(&r, &new, 1);
	if (!rc)
		rc = hrows_apply(s, ws, &r);
	free(r.v);
	hdeal_free(&old);
	hdeal_free(&new);
	return rc;
}

int sq_fact_deal(struct sqlite_store *s, int64_t ws, int64_t deal_id)
{
	sq_bulk_taint(s, ws);			 /* a deferred deal may have its rows now */
	deal_set_settle(&s->dirty, ws, deal_id); /* its rows are written now */
	return sq_fact_rows(s, ws, deal_id, 0);
}

int sq_fact_delete(struct sqlite_store *s, int64_t ws, int64_t deal_id)
{
	static const int steps[] = {RQ_FACT_DELETE, RQ_STAY_CLEAR};
	struct hdeal old = {0};
	struct hrows r = {0};
	int rc = hdeal_read(s, RQ_HIST_FACT, RQ_HIST_STAYS, ws, deal_id, &old);

	if (!rc)
		rc = hdeal_rows(&r, &old, -1);
	if (!rc)
		rc = hrows_apply(s, ws, &r);
	if (!rc && old.have)
		rc = reach_run(s, RQ_REACH_LEAVE, ws, &old);
	free(r.v);
	hdeal_free(&old);

	deal_set_drop(&s->dirty, ws, deal_id); /* its rows go: none to bring up to date */
	return rc ? rc : run_steps(s, steps, sizeof(steps) / sizeof(steps[0]), ws, deal_id);
}

/*
 * The funnel's groups are summed here rather than by a GROUP BY: the rows of
 * a period (one per owner, day, stages reached and current stage) fall into
 * a handful of groups, and SQLite's GROUP BY sorted them all first (3-4 ms
 * of the funnel's 7 at a million deals, against under 1 ms to read them).
 * The groups are out->v, indexed by a hashmap on (reached, stage_id).
 */
static uint64_t reach_hash(const char *reached, int64_t stage_id)
{
	return hashmap_hash_str(reached) ^ (uint64_t)stage_id;
}

int sqlite_report_reaches(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
			  int64_t to_day, struct report_reach_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	struct hashmap x = {0};
	size_t cap = 0, kept = 0;
	int rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = rq(s, RQ_REACHES, &st)))
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    sq_bind_i64(st, 3, from_day) | sq_bind_i64(st, 4, to_day)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		int64_t stage_id = sq_col_i64(st, 1);
		struct hashmap_iter it;
		struct report_reach *g;
		uint64_t h;
		size_t k;

		t = t ? t : "";
		h = reach_hash(t, stage_id);
		for (k = hashmap_first(&x, h, &it); k != HASHMAP_NONE; k = hashmap_next(&x, &it))
			if (out->v[k].stage_id == stage_id && strcmp(out->v[k].reached, t) == 0)
				break;
		if (k != HASHMAP_NONE) {
			out->v[k].deals += sq_col_i64(st, 2);
			continue;
		}
		if (grow((void **)&out->v, out->n, &cap, sizeof(*out->v))) {
			rc = ERR_NOMEM;
			goto out;
		}
		g = &out->v[out->n];
		if (!(g->reached = strdup(t))) {
			rc = ERR_NOMEM;
			goto out;
		}
		g->stage_id = stage_id;
		g->deals = sq_col_i64(st, 2);
		if ((rc = hashmap_add(&x, h, out->n++)))
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : sq_db_err(s, rc, ERR_DB);
	/* the groups whose deals all left (HAVING sum(deals) > 0 before) */
	for (size_t g = 0; !rc && g < out->n; g++) {
		if (out->v[g].deals > 0)
			out->v[kept++] = out->v[g];
		else
			free(out->v[g].reached);
	}
	if (!rc)
		out->n = kept;
out:
	sq_stmt_done(st);
	hashmap_release(&x);
	if (rc)
		report_reach_list_release(out);
	return rc;
}

static void row_close(sqlite3_stmt *st, void *out)
{
	struct report_close *c = out;

	c->owner_id = sq_col_i64(st, 0);
	c->at = sq_col_i64(st, 1);
	c->cycle = sq_col_i64(st, 2);
	if (c->cycle < 0)
		c->cycle = 0;
	c->amount = sq_col_i64(st, 3);
	c->won = sq_col_int(st, 4);
}

int sqlite_report_closes(struct store *base, int64_t ws, int64_t owner, int64_t from, int64_t to,
			 struct report_close_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, RQ_CLOSES, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    sq_bind_i64(st, 3, from) | sq_bind_i64(st, 4, to)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_rows(s, st, sizeof(*out->v), row_close, (void **)&out->v, &out->n);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_report_close_each(struct store *base, int64_t ws, int64_t owner, int64_t from,
			     int64_t to, int won_only,
			     int (*fn)(void *ctx, const struct report_close *c), void *ctx)
{
	struct sqlite_store *s = sq(base);
	struct report_close c = {0};
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, RQ_CLOSE_EACH, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    sq_bind_i64(st, 3, from) | sq_bind_i64(st, 4, to) |
	    sq_bind_i64(st, 5, won_only ? 1 : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		c.owner_id = sq_col_i64(st, 0);
		c.at = sq_col_i64(st, 1);
		c.cycle = sq_col_i64(st, 2);
		if (c.cycle < 0)
			c.cycle = 0;
		c.won = sq_col_int(st, 3);
		if ((rc = fn(ctx, &c)))
			goto out;
	}
	rc = rc == SQLITE_DONE ? 0 : sq_db_err(s, rc, ERR_DB);
out:
	sq_stmt_done(st);
	return rc;
}

/* stalled_first adds the first limit stalled deals of stage stage_id to out. */
static int stalled_first(struct sqlite_store *s, int64_t ws, int64_t owner, int64_t now,
			 size_t limit, int64_t stage_id, struct report_deal_list *out, size_t *cap)
{
	sqlite3_stmt *st = NULL;
	int rc = rq(s, RQ_STALLED_FIRST, &st);

	if (rc)
		return rc;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    sq_bind_i64(st, 3, now) | sq_bind_i64(st, 4, (int64_t)limit) |
	    sq_bind_i64(st, 5, stage_id)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_deal *d;

		if (grow((void **)&out->v, out->n, cap, sizeof(*out->v))) {
			rc = ERR_NOMEM;
			goto out;
		}
		d = &out->v[out->n++];
		memset(d, 0, sizeof(*d));
		d->id = sq_col_i64(st, 0);
		d->owner_id = sq_col_i64(st, 1);
		d->stage_id = stage_id;
		d->probability = -1;
		d->entered = sq_col_i64(st, 2);
		d->kind = STAGE_OPEN; /* RQ_STALLED reads open stages only */
	}
	rc = rc == SQLITE_DONE ? 0 : sq_db_err(s, rc, ERR_DB);
out:
	sq_stmt_done(st);
	return rc;
}

/*
 * The stalled deals are counted per stage and owner here, one by one (a
 * GROUP BY would sort them: deal_fact_stage gives them by entry), and only
 * the first limit of each stage are read whole.
 */
int sqlite_report_stalled_deals(struct store *base, int64_t ws, int64_t owner, int64_t now,
				size_t limit, struct report_sum_list *counts,
				struct report_deal_list *first)
{
	struct sqlite_store *s = sq(base);
	struct report_pairs p = {0};
	sqlite3_stmt *st = NULL;
	int64_t *done = NULL;
	size_t cap = 0, ndone = 0, i;
	int rc;

	rc = rq(s, RQ_STALLED, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    sq_bind_i64(st, 3, now)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (report_pairs_add(&p, sq_col_i64(st, 0), sq_col_i64(st, 1))) {
			rc = ERR_NOMEM;
			goto out;
		}
	if (rc != SQLITE_DONE) {
		rc = sq_db_err(s, rc, ERR_DB);
		goto out;
	}
	sq_stmt_done(st);
	st = NULL;
	rc = 0;
	/* the stages that have stalled deals, each once (a few: stages x owners pairs) */
	if (!(done = malloc((p.n ? p.n : 1) * sizeof(*done)))) {
		rc = ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < p.n && !rc; i++) {
		size_t k;

		for (k = 0; k < ndone && done[k] != p.v[i].stage_id; k++)
			;
		if (k < ndone)
			continue;
		done[ndone++] = p.v[i].stage_id;
		rc = stalled_first(s, ws, owner, now, limit, p.v[i].stage_id, first, &cap);
	}
	if (!rc) {
		counts->v = p.v;
		counts->n = p.n;
		p.v = NULL;
	}
out:
	sq_stmt_done(st);
	report_pairs_release(&p);
	free(done);
	if (rc)
		report_deal_list_release(first);
	return rc;
}

static void row_sum(sqlite3_stmt *st, void *out)
{
	struct stage_sum *g = out;

	g->stage_id = sq_col_i64(st, 0);
	g->count = sq_col_i64(st, 1);
	g->amount = sq_col_i64(st, 2);
	g->expected = sq_col_i64(st, 3);
}

int sq_sum_summary(struct sqlite_store *s, int64_t ws, int64_t owner, struct stage_sum_list *out)
{
	sqlite3_stmt *st = NULL;
	void *v = NULL;
	size_t n = 0;
	int rc;

	rc = rq(s, owner ? RQ_SUM_READ_OWNER : RQ_SUM_READ, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | (owner ? sq_bind_i64(st, 2, owner) : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = sq_fetch_all(s, st, sizeof(struct stage_sum), row_sum, &v, &n);
	if (!rc) {
		out->v = v;
		out->n = n;
	}
out:
	sq_stmt_done(st);
	return rc;
}

static void row_month_sum(sqlite3_stmt *st, void *out)
{
	struct report_sum *g = out;

	g->stage_id = sq_col_i64(st, 0);
	COL_TEXT(st, 1, g->month);
	g->deals = sq_col_i64(st, 2);
	g->amount = sq_col_i64(st, 3);
	g->expected = sq_col_i64(st, 4);
}

static void row_owner_sum(sqlite3_stmt *st, void *out)
{
	struct report_sum *g = out;

	g->stage_id = sq_col_i64(st, 0);
	g->owner_id = sq_col_i64(st, 1);
	g->deals = sq_col_i64(st, 2);
	g->amount = sq_col_i64(st, 3);
	g->expected = sq_col_i64(st, 4);
}

/*
 * read_sums reads deal_sum grouped per stage and month (RQ_SUM_MONTHS) or
 * owner, or the deals per stage and owner with a close date in [from, to]
 * (RQ_SUM_OWNERS_CLOSE).
 */
static int read_sums(struct sqlite_store *s, int id, int64_t ws, int64_t owner, const char *from,
		     const char *to, struct report_sum_list *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	rc = rq(s, id, &st);
	if (rc)
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    (id == RQ_SUM_OWNERS_CLOSE ? sq_bind_text_null(st, 3, from ? from : "") |
					     sq_bind_text_null(st, 4, to ? to : "")
				       : 0)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_rows(s, st, sizeof(*out->v), id == RQ_SUM_MONTHS ? row_month_sum : row_owner_sum,
		       (void **)&out->v, &out->n);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_report_sums(struct store *base, int64_t ws, int64_t owner, struct report_sum_list *out)
{
	return read_sums(sq(base), RQ_SUM_MONTHS, ws, owner, NULL, NULL, out);
}

int sqlite_report_owner_sums(struct store *base, int64_t ws, int64_t owner,
			     struct report_sum_list *out)
{
	return read_sums(sq(base), RQ_SUM_OWNERS, ws, owner, NULL, NULL, out);
}

int sq_owner_sums(struct sqlite_store *s, int64_t ws, int64_t owner, const char *from,
		  const char *to, struct report_sum_list *out)
{
	/* Without a close date range the maintained deal_sum answers. */
	int ranged = (from && from[0]) || (to && to[0]);

	return read_sums(s, ranged ? RQ_SUM_OWNERS_CLOSE : RQ_SUM_OWNERS, ws, owner, from, to, out);
}

int sq_owner_sums_step(struct sqlite_store *s, sqlite3_stmt *st, struct report_sum_list *out)
{
	return step_rows(s, st, sizeof(*out->v), row_owner_sum, (void **)&out->v, &out->n);
}

static void row_tally(sqlite3_stmt *st, void *out)
{
	struct report_tally *t = out;

	t->stage_id = sq_col_i64(st, 0);
	t->key = sq_col_i64(st, 1);
	t->open = sq_col_int(st, 2);
	t->deals = sq_col_i64(st, 3);
	t->amount = sq_col_i64(st, 4);
	t->extra = sq_col_i64(st, 5);
	if (sqlite3_column_count(st) > 6)
		t->owner_id = sq_col_i64(st, 6);
}

int sqlite_report_tallies(struct store *base, int kind, int64_t ws, int64_t owner, int64_t a,
			  int64_t b, struct report_tally_list *out)
{
	static const int ids[] = {
	    [REPORT_TALLY_DWELL] = RQ_TALLY_DWELL,
	    [REPORT_TALLY_OPEN] = RQ_TALLY_OPEN,
	    [REPORT_TALLY_CLOSE] = RQ_TALLY_CLOSE,
	    [REPORT_TALLY_LATEST] = RQ_TALLY_LATEST,
	    [REPORT_TALLY_CLOSE_OWNER] = RQ_TALLY_CLOSE_OWNER,
	};
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if (kind < 0 || kind >= REPORT_TALLY_END)
		return ERR_INVALID;
	if ((rc = rq(s, ids[kind], &st)))
		goto out;
	if (sq_bind_i64(st, 1, ws) |
	    (kind == REPORT_TALLY_LATEST ? 0
					 : sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
					       sq_bind_i64(st, 3, a) | sq_bind_i64(st, 4, b))) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_rows(s, st, sizeof(*out->v), row_tally, (void **)&out->v, &out->n);
out:
	sq_stmt_done(st);
	return rc;
}

int sqlite_report_dwell_values(struct store *base, int64_t ws, int64_t owner, int64_t from_day,
			       int64_t to_day, const struct report_dwell_range *r, size_t nr,
			       struct report_tally_list *out)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i < nr && !rc; i++) {
		if ((rc = rq(s, RQ_DWELL_VALUES, &st)))
			break;
		if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
		    sq_bind_i64(st, 3, from_day) | sq_bind_i64(st, 4, to_day) |
		    sq_bind_i64(st, 5, r[i].stage_id) | sq_bind_i64(st, 6, r[i].open) |
		    sq_bind_i64(st, 7, r[i].lo) | sq_bind_i64(st, 8, r[i].hi)) {
			rc = sq_bind_failed(s);
			break;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (grow((void **)&out->v, out->n, &cap, sizeof(*out->v))) {
				rc = ERR_NOMEM;
				break;
			}
			memset(&out->v[out->n], 0, sizeof(*out->v));
			row_tally(st, &out->v[out->n++]);
		}
		rc = rc == SQLITE_DONE ? 0 : rc == ERR_NOMEM ? rc : sq_db_err(s, rc, ERR_DB);
		sq_stmt_done(st);
		st = NULL;
	}
	sq_stmt_done(st);
	if (rc)
		report_tally_list_release(out);
	return rc;
}

int sqlite_report_changed_deals(struct store *base, int64_t ws, int64_t owner, const char *since,
				struct report_deal_list *deals, struct report_span_list *spans)
{
	struct sqlite_store *s = sq(base);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = rq(s, RQ_CHANGED_DEALS, &st)))
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, owner > 0 ? owner : 0) |
	    sq_bind_text(st, 3, since)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_rows(s, st, sizeof(*deals->v), row_deal, (void **)&deals->v, &deals->n);
	sq_stmt_done(st);
	st = NULL;
	if (rc || (rc = rq(s, RQ_CHANGED_SPANS, &st)))
		goto out;
	if (sq_bind_i64(st, 1, ws) | sq_bind_i64(st, 2, 0) | sq_bind_text(st, 3, since)) {
		rc = sq_bind_failed(s);
		goto out;
	}
	rc = step_spans(s, st, spans);
out:
	sq_stmt_done(st);
	return rc;
}

/* ---- a bulk write's report rows (sqlite_bulk_flush) ---- */

/*
 * A bulk import adds deals that have no report rows yet to a workspace whose
 * rows are right (sq_bulk_defer): instead of recomputing the workspace by SQL
 * (sqlite_report_rebuild: window functions, groupings and sorts over every
 * deal), one pass reads the new deals with their history in id order,
 * writes their deal_fact and deal_stay rows as it goes (keys in order: they
 * append), sums what they count in deal_sum, deal_reach and the history
 * reports' tables (hstay_rows, the single writes' arithmetic) per table and
 * key in memory, then adds each sum to its row, in key order. A deal with
 * more than one history row (a move in the same import, an imported
 * history) has its fact, stay and funnel rows written by the single writes'
 * statements and its history rows computed from them (deal_hrows), so the
 * order of its stays and stages reached is theirs.
 */
enum { B_SUM = H_CLOSE + 1, B_REACH, B_TABLES };

/* One row being summed: its key after workspace_id, unused 0, and its values. */
struct bsum {
	int64_t k[5];
	int64_t v[3];
};

struct btab {
	struct bsum *v;
	size_t n, cap;
	struct hashmap map;
	int nk, nv;
};

/* The months of close dates met (deal_sum's key holds their number). */
struct bmonths {
	char (*v)[32];
	size_t n, cap;
	struct hashmap map;
};

static uint64_t bsum_hash(const int64_t *k, int nk)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (int i = 0; i < nk; i++) {
		h = (h ^ (uint64_t)k[i]) * UINT64_C(0x100000001b3);
		h ^= h >> 31;
	}
	return h;
}

/* btab_add adds v to the row of key k of t, a new row when there is none. */
static int btab_add(struct btab *t, const int64_t *k, const int64_t *v)
{
	uint64_t h = bsum_hash(k, t->nk);
	struct hashmap_iter it;
	struct bsum *b;
	size_t i;

	for (i = hashmap_first(&t->map, h, &it); i != HASHMAP_NONE; i = hashmap_next(&t->map, &it))
		if (!memcmp(t->v[i].k, k, (size_t)t->nk * sizeof(*k)))
			break;
	if (i == HASHMAP_NONE) {
		if (grow((void **)&t->v, t->n, &t->cap, sizeof(*t->v)) ||
		    hashmap_add(&t->map, h, t->n))
			return ERR_NOMEM;
		i = t->n++;
		memset(&t->v[i], 0, sizeof(t->v[i]));
		memcpy(t->v[i].k, k, (size_t)t->nk * sizeof(*k));
	}
	b = &t->v[i];
	for (int j = 0; j < t->nv; j++)
		b->v[j] += v[j];
	return 0;
}

/* btab_fold adds the rows of r (hstay_rows, deal_hrows) to their tables and empties r. */
static int btab_fold(struct btab *t, struct hrows *r)
{
	int rc = 0;

	for (size_t i = 0; i < r->n && !rc; i++)
		rc = btab_add(&t[r->v[i].table], r->v[i].k, r->v[i].v);
	r->n = 0;
	return rc;
}

/* bmonth returns in *id the number of month m (at most 31 bytes), adding it when new. */
static int bmonth(struct bmonths *m, const char *text, int64_t *id)
{
	uint64_t h = hashmap_hash_str(text);
	struct hashmap_iter it;
	size_t i;

	for (i = hashmap_first(&m->map, h, &it); i != HASHMAP_NONE; i = hashmap_next(&m->map, &it))
		if (!strcmp(m->v[i], text))
			break;
	if (i == HASHMAP_NONE) {
		if (grow((void **)&m->v, m->n, &m->cap, sizeof(*m->v)) ||
		    hashmap_add(&m->map, h, m->n))
			return ERR_NOMEM;
		i = m->n++;
		strcpy(m->v[i], text);
	}
	*id = (int64_t)i;
	return 0;
}

static int bsum_cmp(const void *pa, const void *pb)
{
	const struct bsum *a = pa, *b = pb;

	for (int i = 0; i < 5; i++)
		if (a->k[i] != b->k[i])
			return a->k[i] < b->k[i] ? -1 : 1;
	return 0;
}

/*
 * bulk_sql[BS_READ]: the new deals (id from ?2 on) of workspace ?1 with
 * their history rows, in id order: the deal's owner, stage, amount,
 * probability and created_at, the history row's changed_at (NULL without
 * history), the deal's id, the history row's stage, the month of the close
 * date, and what deal_fact.reached holds for one history row or none. The
 * expressions are those of FACT_FILL, STAY_FILL and SUM_FILL, but for the
 * seconds of the two times (bulk_secs), the stages' probabilities (their
 * JOINs: bulk_stage) and the expected value (deal_expected), found in C.
 */
enum { BS_READ, BS_STAGES, BS_MULTI, BS_REACH, BS_SUM, BS_COUNT };

static const char *const bulk_sql[BS_COUNT] = {
    [BS_READ] =
	"SELECT d.owner_id, d.stage_id, d.amount, d.probability, d.created_at, h.changed_at,"
	" d.id, h.to_stage_id," CLOSE_MONTH " FROM deal d"
	" LEFT JOIN stage_history h ON h.workspace_id = d.workspace_id AND h.deal_id = d.id"
	" WHERE d.id >= ?2 AND +d.workspace_id = ?1 ORDER BY d.id",
    /* the workspace's stages and their probabilities, in id order */
    [BS_STAGES] = "SELECT id, probability FROM stage WHERE workspace_id = ?1 ORDER BY id",
    /* the deals among them with more than one history row, in id order */
    [BS_MULTI] = "SELECT deal_id FROM stage_history WHERE workspace_id = ?1 AND deal_id >= ?2"
		 " GROUP BY deal_id HAVING count(*) > 1 ORDER BY deal_id",
    [BS_REACH] =
	"INSERT INTO deal_reach (workspace_id, owner_id, created_day, reached, stage_id, deals)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
	" ON CONFLICT (workspace_id, owner_id, created_day, reached, stage_id)"
	" DO UPDATE SET deals = deal_reach.deals + excluded.deals",
    [BS_SUM] = "INSERT INTO deal_sum (workspace_id, stage_id, owner_id, close_month, deals,"
	       " amount, expected) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	       " ON CONFLICT (workspace_id, stage_id, owner_id, close_month) DO UPDATE SET"
	       " deals = deal_sum.deals + excluded.deals,"
	       " amount = deal_sum.amount + excluded.amount,"
	       " expected = deal_sum.expected + excluded.expected",
};

/*
 * The deal_fact and deal_stay rows of the deals with one history row or none
 * go in BINS_ROWS at a time, one statement of that many rows (bins_put): a
 * statement's start and end cost about what a row's insert does. OR FAIL:
 * a statement of many rows that may abort opens a statement journal, whose
 * upkeep in a transaction of a million rows costs more than the rows (a
 * conflict, which new deals cannot have, fails the pass all the same).
 */
enum { BINS_ROWS = 64, BINS_COLS = 9 };

struct bins {
	const char *head;   /* the INSERT up to VALUES */
	const char *tuple;  /* one row's parameters */
	int ncol;	    /* parameters per row */
	int null_col;	    /* the column bound NULL where isnull is set, -1 for none */
	int text_col;	    /* the column bound as the text of its integer, -1 for none */
	sqlite3_stmt *full; /* the statement of BINS_ROWS rows */
	int64_t v[BINS_ROWS][BINS_COLS];
	unsigned char isnull[BINS_ROWS];
	int n;
};

struct bulk_pass {
	struct sqlite_store *s;
	int64_t ws;
	sqlite3_stmt *st[BS_COUNT];
	struct bins fact, stay;
	struct btab t[B_TABLES];
	struct bmonths months;
	struct hrows r;
	int64_t (*stages)[2]; /* bulk_sql[BS_STAGES]'s rows */
	size_t nstages, cap_stages;
	int64_t *multi; /* bulk_sql[BS_MULTI]'s deals */
	size_t nmulti, cap_multi;
	int doubt; /* a deal the pass cannot compute as the rebuild would */
};

/* bulk_step steps st once, a statement that returns no rows, and resets it. */
static int bulk_step(struct bulk_pass *b, sqlite3_stmt *st)
{
	int rc = sq_step_done(b->s, st, ERR_DB);

	sq_stmt_done(st);
	return rc;
}

/*
 * bulk_secs is strftime('%s', t) for a time as litecrm writes it,
 * "YYYY-MM-DDTHH:MM:SSZ" (store.c), and -1 for any other text (another
 * form, a leap second), which the pass leaves to the rebuild rather than
 * read as SQLite would.
 */
static int bulk_secs(const unsigned char *t, int n, int64_t *out)
{
	if (!t || n != 20 || t[10] != 'T' || t[19] != 'Z' || t[17] > '5')
		return -1;
	return report_time_parse((const char *)t, out) ? -1 : 0;
}

/* bulk_stage finds stage id among b's stages: 1 and its probability in *p, or 0 and 0. */
static int bulk_stage(const struct bulk_pass *b, int64_t id, int64_t *p)
{
	size_t lo = 0, hi = b->nstages;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->stages[mid][0] == id) {
			*p = b->stages[mid][1];
			return 1;
		}
		if (b->stages[mid][0] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	*p = 0;
	return 0;
}

/* What bulk_read computes of rd's row in C. */
struct brow {
	int hist;	 /* the deal has a history row */
	int has_sp;	 /* the deal's stage exists (s.id IS NOT NULL) */
	int64_t sp;	 /* its probability (s.probability), 0 without */
	int64_t hp;	 /* the history row's stage's (hs.probability), 0 without */
	int64_t created; /* seconds of d.created_at */
	int64_t started; /* of h.changed_at, 0 without */
	int64_t entered; /* of coalesce(h.changed_at, d.created_at) */
};

/* bulk_times fills w from rd's row, noting doubt at a time bulk_secs cannot read. */
static void bulk_times(struct bulk_pass *b, sqlite3_stmt *rd, struct brow *w)
{
	w->hist = sqlite3_column_type(rd, 7) != SQLITE_NULL;
	w->has_sp = bulk_stage(b, sq_col_i64(rd, 1), &w->sp);
	if (w->hist)
		bulk_stage(b, sq_col_i64(rd, 7), &w->hp);
	else
		w->hp = 0;
	w->started = 0;
	if (bulk_secs(sqlite3_column_text(rd, 4), sqlite3_column_bytes(rd, 4), &w->created))
		b->doubt = 1;
	if (sqlite3_column_type(rd, 5) != SQLITE_NULL &&
	    bulk_secs(sqlite3_column_text(rd, 5), sqlite3_column_bytes(rd, 5), &w->started))
		b->doubt = 1;
	w->entered = sqlite3_column_type(rd, 5) != SQLITE_NULL ? w->started : w->created;
}

/* bins_prepare prepares the INSERT of n rows of x. */
static int bins_prepare(struct bulk_pass *b, const struct bins *x, int n, sqlite3_stmt **st)
{
	size_t head = strlen(x->head), tuple = strlen(x->tuple),
	       len = head + (size_t)n * (tuple + 1);
	char *sql = malloc(len + 1), *p;
	int rc;

	if (!sql)
		return ERR_NOMEM;
	memcpy(sql, x->head, head);
	p = sql + head;
	for (int i = 0; i < n; i++) {
		memcpy(p, x->tuple, tuple);
		p += tuple;
		*p++ = i + 1 < n ? ',' : '\0';
	}
	rc = sqlite3_prepare_v2(b->s->db, sql, -1, st, NULL);
	free(sql);
	return rc == SQLITE_OK ? 0 : sq_db_err(b->s, rc, ERR_DB);
}

/* bins_flush inserts the rows x holds. */
static int bins_flush(struct bulk_pass *b, struct bins *x)
{
	sqlite3_stmt *st = x->full;
	int rc = 0, k = 1;

	if (x->n == 0)
		return 0;
	if (x->n < BINS_ROWS || !st) {
		if ((rc = bins_prepare(b, x, x->n, &st)))
			return rc;
		if (x->n == BINS_ROWS)
			x->full = st;
	}
	for (int i = 0; i < x->n && !rc; i++)
		for (int j = 0; j < x->ncol && !rc; j++, k++) {
			char text[24];

			if (j == x->null_col && x->isnull[i]) {
				rc = sqlite3_bind_null(st, k);
			} else if (j == x->text_col) {
				snprintf(text, sizeof(text), "%lld", (long long)x->v[i][j]);
				rc = sqlite3_bind_text(st, k, text, -1, SQLITE_TRANSIENT);
			} else {
				rc = sqlite3_bind_int64(st, k, x->v[i][j]);
			}
		}
	rc = rc ? sq_bind_failed(b->s) : bulk_step(b, st);
	if (st != x->full)
		sqlite3_finalize(st);
	x->n = 0;
	return rc;
}

/* bins_put adds row v (x->ncol values) to x, inserting the rows once there are BINS_ROWS. */
static int bins_put(struct bulk_pass *b, struct bins *x, const int64_t *v, int isnull)
{
	memcpy(x->v[x->n], v, (size_t)x->ncol * sizeof(*v));
	x->isnull[x->n] = (unsigned char)isnull;
	return ++x->n == BINS_ROWS ? bins_flush(b, x) : 0;
}

/* bulk_one writes the fact and stay rows of the deal of rd's row (one history row or none). */
static int bulk_one(struct bulk_pass *b, sqlite3_stmt *rd, const struct brow *w)
{
	int hist = w->hist;
	int64_t reached = hist ? sq_col_i64(rd, 7) : sq_col_i64(rd, 1);
	struct hstay one;
	int rc;

	/*
	 * deal_fact.reached holds the one stage as text, CAST(... AS TEXT) of an
	 * integer; probability is bound as the integer it holds, or NULL
	 */
	if (sqlite3_column_type(rd, hist ? 7 : 1) != SQLITE_INTEGER ||
	    (sqlite3_column_type(rd, 3) != SQLITE_INTEGER &&
	     sqlite3_column_type(rd, 3) != SQLITE_NULL)) {
		b->doubt = 1;
		return 0;
	}
	rc = bins_put(b, &b->fact,
		      (int64_t[]){b->ws, sq_col_i64(rd, 6), sq_col_i64(rd, 0), sq_col_i64(rd, 1),
				  sq_col_i64(rd, 2), sq_col_i64(rd, 3), reached, w->created,
				  w->entered},
		      sqlite3_column_type(rd, 3) == SQLITE_NULL);
	if (rc)
		return rc;
	if (hist) {
		if ((rc = bins_put(
			 b, &b->stay,
			 (int64_t[]){b->ws, sq_col_i64(rd, 6), sq_col_i64(rd, 7), w->started}, 0)))
			return rc;
		one = (struct hstay){1, sq_col_i64(rd, 7), w->started, w->hp};
	} else {
		one = (struct hstay){1, sq_col_i64(rd, 1), w->created, w->sp};
	}
	rc =
	    btab_add(&b->t[B_REACH],
		     (int64_t[]){sq_col_i64(rd, 0), day_of(w->created), reached, sq_col_i64(rd, 1)},
		     (int64_t[]){1});
	if (!rc) {
		struct hdeal h = {.have = 1,
				  .has_p = sqlite3_column_type(rd, 3) != SQLITE_NULL,
				  .owner = sq_col_i64(rd, 0),
				  .stage_id = sq_col_i64(rd, 1),
				  .amount = sq_col_i64(rd, 2),
				  .p = sq_col_i64(rd, 3),
				  .created = w->created,
				  .entered = w->entered};

		rc = hstay_rows(&b->r, &h, &one, 1, 1);
	}
	return rc ? rc : btab_fold(b->t, &b->r);
}

/*
 * bulk_many writes every report row of deal id (more than one history row)
 * as a single write of a new deal does (sq_fact_rows): rare in an import,
 * and each of its rows is added to what is there, as the sums' are.
 */
static int bulk_many(struct bulk_pass *b, int64_t id)
{
	return sq_fact_rows(b->s, b->ws, id, 1);
}

/*
 * bulk_sum adds the deal of rd's row to its deal_sum row, with its expected
 * value lc_expected(d.amount, coalesce(d.probability, s.probability)).
 */
static int bulk_sum(struct bulk_pass *b, sqlite3_stmt *rd, const struct brow *w)
{
	const char *month = (const char *)sqlite3_column_text(rd, 8);
	int own_p = sqlite3_column_type(rd, 3) != SQLITE_NULL;
	int64_t m, expected = 0;
	int rc;

	/* no expected value to add, or one out of range: the rebuild's SQL fails then */
	if (sqlite3_column_type(rd, 2) == SQLITE_NULL || (!own_p && !w->has_sp) ||
	    deal_expected(sq_col_i64(rd, 2), own_p ? sq_col_i64(rd, 3) : w->sp, &expected))
		b->doubt = 1;
	if (!w->has_sp) /* no stage: SUM_FILL's JOIN leaves it out */
		return 0;
	if (!month || strlen(month) >= sizeof(b->months.v[0]))
		b->doubt = 1; /* a month too long to keep */
	if (b->doubt)
		return 0;
	if ((rc = bmonth(&b->months, month, &m)))
		return rc;
	return btab_add(&b->t[B_SUM], (int64_t[]){sq_col_i64(rd, 1), sq_col_i64(rd, 0), m},
			(int64_t[]){1, sq_col_i64(rd, 2), expected});
}

/* bulk_read reads the new deals from first on, writing and summing their rows. */
static int bulk_read(struct bulk_pass *b, int64_t first)
{
	sqlite3_stmt *rd = b->st[BS_READ], *mu = b->st[BS_MULTI];
	int64_t last = 0;
	size_t at = 0;
	int rc;

	if (sq_bind_i64(mu, 1, b->ws) | sq_bind_i64(mu, 2, first) | sq_bind_i64(rd, 1, b->ws) |
	    sq_bind_i64(rd, 2, first))
		return sq_bind_failed(b->s);
	if (sq_bind_i64(b->st[BS_STAGES], 1, b->ws))
		return sq_bind_failed(b->s);
	while ((rc = sqlite3_step(b->st[BS_STAGES])) == SQLITE_ROW) {
		if (grow((void **)&b->stages, b->nstages, &b->cap_stages, sizeof(*b->stages)))
			return ERR_NOMEM;
		b->stages[b->nstages][0] = sq_col_i64(b->st[BS_STAGES], 0);
		b->stages[b->nstages++][1] = sq_col_i64(b->st[BS_STAGES], 1);
	}
	if (rc != SQLITE_DONE)
		return sq_db_err(b->s, rc, ERR_DB);
	while ((rc = sqlite3_step(mu)) == SQLITE_ROW) {
		if (grow((void **)&b->multi, b->nmulti, &b->cap_multi, sizeof(*b->multi)))
			return ERR_NOMEM;
		b->multi[b->nmulti++] = sq_col_i64(mu, 0);
	}
	if (rc != SQLITE_DONE)
		return sq_db_err(b->s, rc, ERR_DB);
	while (!b->doubt && (rc = sqlite3_step(rd)) == SQLITE_ROW) {
		int64_t id = sq_col_i64(rd, 6);
		struct brow w;

		if (id == last) /* a further history row of a deal written whole */
			continue;
		last = id;
		while (at < b->nmulti && b->multi[at] < id)
			at++;
		bulk_times(b, rd, &w);
		rc = bulk_sum(b, rd, &w);
		if (!rc && !b->doubt)
			rc = at < b->nmulti && b->multi[at] == id ? bulk_many(b, id)
								  : bulk_one(b, rd, &w);
		if (rc)
			return rc;
	}
	if (b->doubt)
		return 0;
	return rc == SQLITE_DONE ? 0 : sq_db_err(b->s, rc, ERR_DB);
}

/* bulk_write adds each summed row to its table, in key order. */
static int bulk_write(struct bulk_pass *b)
{
	int rc = 0;

	for (int i = 0; i < B_TABLES && !rc; i++) {
		struct btab *t = &b->t[i];

		if (t->n > 1)
			qsort(t->v, t->n, sizeof(*t->v), bsum_cmp);
		for (size_t j = 0; j < t->n && !rc; j++) {
			const struct bsum *x = &t->v[j];
			sqlite3_stmt *st = b->st[i == B_SUM ? BS_SUM : BS_REACH];
			char reached[24];

			if (i < B_SUM) {
				int64_t a[8];

				memcpy(a, x->k, (size_t)t->nk * sizeof(*a));
				memcpy(a + t->nk, x->v, (size_t)t->nv * sizeof(*a));
				rc = hrow_run(b->s, htab[i].add, b->ws, a, t->nk + t->nv);
				continue;
			}
			if (i == B_SUM) {
				if (sq_bind_i64(st, 1, b->ws) | sq_bind_i64(st, 2, x->k[0]) |
				    sq_bind_i64(st, 3, x->k[1]) |
				    sq_bind_text(st, 4, b->months.v[x->k[2]]) |
				    sq_bind_i64(st, 5, x->v[0]) | sq_bind_i64(st, 6, x->v[1]) |
				    sq_bind_i64(st, 7, x->v[2]))
					return sq_bind_failed(b->s);
			} else {
				snprintf(reached, sizeof(reached), "%lld", (long long)x->k[2]);
				if (sq_bind_i64(st, 1, b->ws) | sq_bind_i64(st, 2, x->k[0]) |
				    sq_bind_i64(st, 3, x->k[1]) | sq_bind_text(st, 4, reached) |
				    sq_bind_i64(st, 5, x->k[3]) | sq_bind_i64(st, 6, x->v[0]))
					return sq_bind_failed(b->s);
			}
			rc = bulk_step(b, st);
		}
	}
	return rc;
}

int sq_bulk_report(struct sqlite_store *s, int64_t ws, int64_t first, int *done)
{
	static const char mark_sql[] =
	    "DELETE FROM deal_open_stage WHERE workspace_id = ?1;" RS_OPEN_MARK(
		"s.workspace_id = ?1");
	static const int shape[B_TABLES][2] = {
	    [H_DWELL] = {5, 1}, [H_DWELL_DAY] = {5, 2}, [H_OPEN] = {3, 3},
	    [H_CLOSE] = {3, 3}, [B_SUM] = {3, 3},	[B_REACH] = {4, 1},
	};
	struct bulk_pass b = {
	    .s = s,
	    .ws = ws,
	    .fact = {.head =
			 "INSERT OR FAIL INTO deal_fact (workspace_id, deal_id, owner_id, stage_id,"
			 " amount, probability, reached, created, entered) VALUES ",
		     .tuple = "(?,?,?,?,?,?,?,?,?)",
		     .ncol = 9,
		     .null_col = 5,
		     .text_col = 6},
	    .stay = {.head = "INSERT OR FAIL INTO deal_stay (workspace_id, deal_id, seq, stage_id,"
			     " entered) VALUES ",
		     .tuple = "(?,?,1,?,?)",
		     .ncol = 4,
		     .null_col = -1,
		     .text_col = -1},
	};
	int rc = 0, i;

	*done = 0;
	for (i = 0; i < B_TABLES; i++) {
		b.t[i].nk = shape[i][0];
		b.t[i].nv = shape[i][1];
	}
	for (i = 0; i < BS_COUNT && !rc; i++)
		if ((rc = sqlite3_prepare_v2(s->db, bulk_sql[i], -1, &b.st[i], NULL)) != SQLITE_OK)
			rc = sq_db_err(s, rc, ERR_DB);
	if (!rc && (rc = sqlite3_exec(s->db, "SAVEPOINT bulk_report", NULL, NULL, NULL)))
		rc = sq_db_err(s, rc, ERR_DB);
	else if (!rc) {
		rc = bulk_read(&b, first);
		if (!rc && !b.doubt)
			rc = bins_flush(&b, &b.fact);
		if (!rc && !b.doubt)
			rc = bins_flush(&b, &b.stay);
		sqlite3_reset(b.st[BS_READ]);
		sqlite3_reset(b.st[BS_MULTI]);
		sqlite3_reset(b.st[BS_STAGES]);
		if (!rc && !b.doubt)
			rc = bulk_write(&b);
		if (!rc && !b.doubt)
			rc = run_script(s, mark_sql, ws, 0);
		/* in doubt, or failing: nothing of the pass stays */
		if (rc || b.doubt)
			sqlite3_exec(s->db, "ROLLBACK TO bulk_report", NULL, NULL, NULL);
		sqlite3_exec(s->db, "RELEASE bulk_report", NULL, NULL, NULL);
		*done = !rc && !b.doubt;
	}
	for (i = 0; i < BS_COUNT; i++)
		sqlite3_finalize(b.st[i]);
	sqlite3_finalize(b.fact.full);
	sqlite3_finalize(b.stay.full);
	for (i = 0; i < B_TABLES; i++) {
		free(b.t[i].v);
		hashmap_release(&b.t[i].map);
	}
	free(b.months.v);
	hashmap_release(&b.months.map);
	free(b.multi);
	free(b.stages);
	free(b.r.v);
	return rc;
}
