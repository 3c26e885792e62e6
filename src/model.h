/*
 * model.h - the records litecrm keeps, as plain C structs.
 *
 * These are the nouns shared by every layer: the domain computes with them,
 * the store reads and writes them, the API and the CLI print them. Strings are
 * fixed-size, NUL-terminated UTF-8 arrays whose sizes are the documented length
 * caps plus one (docs/API.md lists the caps), so a record owns no heap memory
 * and is copied with '='.
 *
 * Every record carries its workspace id: no row exists outside a workspace.
 * Timestamps are UTC in RFC 3339 form ("2026-11-27T09:18:43Z"); dates are
 * "YYYY-MM-DD" or empty when unset.
 */
#ifndef LITECRM_MODEL_H
#define LITECRM_MODEL_H

#include <stdint.h>

/* Length caps, in bytes of UTF-8, for the strings the API accepts. */
#define CAP_SLUG     63
#define CAP_USERNAME 64
#define CAP_NAME     200
#define CAP_KEY	     64
#define CAP_GUIDANCE 4000
#define CAP_NEXTSTEP 1000
#define CAP_EMAIL    254
#define CAP_PHONE    64
#define CAP_PASSWORD 1024
#define CAP_QUERY    200

#define TS_LEN	 32 /* "2026-11-27T09:18:43.125Z" (milliseconds optional) plus NUL, rounded up */
#define DATE_LEN 11 /* "2026-11-27" plus NUL */

enum role { ROLE_MEMBER = 1, ROLE_MANAGER = 2, ROLE_ADMIN = 3 };

enum stage_kind { STAGE_OPEN = 0, STAGE_WON = 1, STAGE_LOST = 2 };

struct workspace {
	int64_t id;
	char slug[CAP_SLUG + 1];
	char name[CAP_NAME + 1];
	char currency[4];    /* ISO 4217, e.g. "TWD" */
	char language[6];    /* "zh-TW" or "en" */
	int members_see_all; /* 1: members may read (not edit) every deal */
	int64_t version;
	char created_at[TS_LEN];
};

struct user {
	int64_t id;
	int64_t workspace_id;
	char username[CAP_USERNAME + 1];
	char display_name[CAP_NAME + 1];
	char email[CAP_EMAIL + 1];
	enum role role;
	int active;
	int64_t version;
	char created_at[TS_LEN];
};

struct stage {
	int64_t id;
	int64_t workspace_id;
	char key[CAP_KEY + 1];
	char name_zh[CAP_NAME + 1];
	char name_en[CAP_NAME + 1];
	char guidance[CAP_GUIDANCE + 1];
	int probability; /* 0-100 */
	enum stage_kind kind;
	int position; /* 1-based order in the pipeline */
	int64_t version;
	int stalled_days; /* reports: a deal in it longer than this is stalled; 0: never */
};

struct company {
	int64_t id;
	int64_t workspace_id;
	char name[CAP_NAME + 1];
	char website[CAP_NAME + 1];
	char phone[CAP_PHONE + 1];
	int64_t version;
	char created_at[TS_LEN];
	char updated_at[TS_LEN];
};

struct contact {
	int64_t id;
	int64_t workspace_id;
	int64_t company_id;
	char name[CAP_NAME + 1];
	char title[CAP_NAME + 1];
	char phone[CAP_PHONE + 1];
	char email[CAP_EMAIL + 1];
	int64_t version;
	char created_at[TS_LEN];
	char updated_at[TS_LEN];
};

struct deal {
	int64_t id;
	int64_t workspace_id;
	int64_t company_id;
	char name[CAP_NAME + 1];
	int64_t amount; /* minor units of currency */
	char currency[4];
	int64_t stage_id;
	int probability; /* override 0-100, or -1 when the stage's applies */
	int64_t owner_id;
	int64_t assigned_by; /* 0 when never assigned by someone else */
	char assigned_at[TS_LEN];
	char close_date[DATE_LEN];
	char next_step[CAP_NEXTSTEP + 1];
	int64_t created_by;
	char created_at[TS_LEN];
	char updated_at[TS_LEN];
	int64_t version;

	/* Joined, read-only: filled by the store on reads, ignored on writes. */
	char company_name[CAP_NAME + 1];
	char owner_username[CAP_USERNAME + 1];
	char owner_name[CAP_NAME + 1];
	char stage_key[CAP_KEY + 1];
	enum stage_kind stage_kind;
	int stage_probability;
};

struct stage_change {
	int64_t id;
	int64_t workspace_id;
	int64_t deal_id;
	int64_t from_stage_id; /* 0 for the deal's creation */
	int64_t to_stage_id;
	int64_t changed_by;
	char changed_at[TS_LEN];
	/* Joined, read-only. */
	char from_key[CAP_KEY + 1];
	char to_key[CAP_KEY + 1];
	char by_username[CAP_USERNAME + 1];
};

/* One stage's figures in a summary; amounts in minor units. */
struct stage_sum {
	int64_t stage_id;
	int64_t count;
	int64_t amount;
	int64_t expected;
};

/* ---- notes (the customer notebook; svc_note.c, store_sqlite_note.c) ---- */

#define CAP_NOTE_BODY 20000 /* bytes of a note's body (plain text or Markdown) */
#define CAP_TAG	      64    /* bytes of one tag */
#define NOTE_TAGS_MAX 10    /* tags on one note */

/*
 * A note about a company; deals cite notes (deal_note rows). The body is
 * kept as written: Markdown is not rendered here.
 */
struct note {
	int64_t id;
	int64_t workspace_id;
	int64_t company_id;
	int64_t author_id; /* 0 for the operator */
	char title[CAP_NAME + 1];
	char body[CAP_NOTE_BODY + 1];
	char tags[NOTE_TAGS_MAX][CAP_TAG + 1];
	int ntags;
	int64_t version;
	char created_at[TS_LEN];
	char updated_at[TS_LEN];

	/* Joined, read-only. */
	char company_name[CAP_NAME + 1];
	char author_username[CAP_USERNAME + 1];
	char author_name[CAP_NAME + 1];
};

#endif
