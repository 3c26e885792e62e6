/*
 * svc_note.h - the operations of the customer notebook and of search: notes
 * on companies, citations from deals, and one search over companies,
 * contacts, deals and notes. Same conventions as svc.h: store, actor,
 * errinfo; 0 or a negative enum err.
 *
 * Rights. A note follows its company's visibility (company_visible() in
 * svc_company.c): who may see the company sees its notes, and no list,
 * count or snippet ever shows another note. Anyone who sees a company may
 * write a note on it; the author, managers and admins may edit or delete it.
 * Citing: who may change the deal (deal_writable) and see the note.
 */
#ifndef LITECRM_SVC_NOTE_H
#define LITECRM_SVC_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "search.h"
#include "svc.h"

enum {
	NOTE_SET_COMPANY = 1 << 0, /* company_id, or company (a name: found, not created) */
	NOTE_SET_TITLE = 1 << 1,
	NOTE_SET_BODY = 1 << 2,
	NOTE_SET_TAGS = 1 << 3,
	NOTE_SET_AUTHOR = 1 << 4 /* author (a username): imports by the operator only */
};

struct note_input {
	unsigned set;
	int64_t company_id;
	char company[CAP_NAME + 1];
	char title[CAP_NAME + 1];
	char body[CAP_NOTE_BODY + 1];
	char tags[NOTE_TAGS_MAX][CAP_TAG + 1];
	int ntags;
	char author[CAP_USERNAME + 1];
	char created_at[TS_LEN]; /* imports: kept when set */
};

/* svc_note_create: company and title are required; the actor is the author. */
int svc_note_create(struct store *st, const struct actor *a, const struct note_input *in,
		    struct note *out, struct errinfo *e);
int svc_note_get(struct store *st, const struct actor *a, int64_t id, struct note *out,
		 struct errinfo *e);
/* svc_note_list applies visibility; f->limit 1-500 (default 50). */
int svc_note_list(struct store *st, const struct actor *a, struct note_filter *f,
		  struct note_list *out, struct errinfo *e);
/* svc_note_update: if_version as svc_deal_update; citations stay. */
int svc_note_update(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    const struct note_input *in, struct note *out, struct errinfo *e);
int svc_note_delete(struct store *st, const struct actor *a, int64_t id, int64_t if_version,
		    struct errinfo *e);

/*
 * Bulk creation (note import): svc_note_bulk_begin opens a batch
 * (svc_batch_begin) and defers the search index; svc_note_bulk_add creates
 * one note as svc_note_create does (same checks; company and author looked
 * up once per name; the note is not read back); svc_note_bulk_end indexes
 * the notes added and commits when rc is 0, else rolls back, and returns
 * the final status. Nothing else may run on st in between.
 */
struct note_bulk;
int svc_note_bulk_begin(struct store *st, const struct actor *a, struct note_bulk **out,
			struct errinfo *e);
int svc_note_bulk_add(struct note_bulk *b, const struct note_input *in, int64_t *id,
		      struct errinfo *e);
int svc_note_bulk_end(struct note_bulk *b, int rc, struct errinfo *e);

/* svc_note_cite makes deal_id cite note_id (a second time changes nothing). */
int svc_note_cite(struct store *st, const struct actor *a, int64_t deal_id, int64_t note_id,
		  struct errinfo *e);
/* svc_note_uncite removes the citation; ERR_NOTFOUND (note.not_cited) when there was none. */
int svc_note_uncite(struct store *st, const struct actor *a, int64_t deal_id, int64_t note_id,
		    struct errinfo *e);
/* svc_deal_notes: the notes deal_id cites that the actor may see. */
int svc_deal_notes(struct store *st, const struct actor *a, int64_t deal_id, struct note_list *out,
		   struct errinfo *e);
/* svc_note_deals: the deals citing note_id that the actor may see. */
int svc_note_deals(struct store *st, const struct actor *a, int64_t note_id, struct deal_list *out,
		   struct errinfo *e);

/* ---- search ---- */

enum search_kind {
	SEARCH_KIND_COMPANY = 1 << 0,
	SEARCH_KIND_CONTACT = 1 << 1,
	SEARCH_KIND_DEAL = 1 << 2,
	SEARCH_KIND_NOTE = 1 << 3,
	SEARCH_KIND_ALL = 0xF,
	/*
	 * A flag with the kinds: note hits carry kind and id only (no text), and
	 * the note total is exact however large (checks, batches).
	 */
	SEARCH_IDS_ONLY = 1 << 8
};

/* The snippets' sizes in bytes, markers included. */
#define SEARCH_TITLE_SIZE   (CAP_NAME * 2 + 64)
#define SEARCH_SNIPPET_SIZE 1024
/* Units of text around the first match in a snippet. */
#define SEARCH_SNIPPET_UNITS 40

/* One result. title and snippet carry SEARCH_MARK_ON/OFF around matches. */
struct search_hit {
	enum search_kind kind;
	int64_t id;
	int64_t company_id; /* contacts, deals, notes */
	char company[CAP_NAME + 1];
	char author[CAP_USERNAME + 1]; /* notes: the author; deals: the owner */
	char updated_at[TS_LEN];
	char title[SEARCH_TITLE_SIZE];	   /* the name or note title, marked */
	char snippet[SEARCH_SNIPPET_SIZE]; /* the body (notes), next step (deals), marked */
};

struct search_result {
	struct search_hit *v;
	size_t n;
	int64_t total[4];   /* matches per kind, by bit index: company, contact, deal, note */
	unsigned estimated; /* the kinds (enum search_kind bits) whose total is an estimate */
};
void search_result_release(struct search_result *r);

/*
 * The note matches a search counts exactly (without SEARCH_IDS_ONLY); past
 * it the store may estimate the total (struct note_search.count_max).
 */
#define SEARCH_COUNT_EXACT 1000

/* The most records a search reads per kind other than notes (companies, contacts, deals). */
#define SEARCH_SCAN_MAX 100000

/*
 * svc_search runs query q (search.h) over the kinds asked for and the
 * records the actor may see. For each kind it returns up to limit hits
 * (1-1000) after offset: companies, contacts and deals by name order of
 * match, notes ranked (title matches first, then newest first). Hits come
 * kind by kind in the order of enum search_kind.
 */
int svc_search(struct store *st, const struct actor *a, const char *q, unsigned kinds, int limit,
	       int offset, struct search_result *out, struct errinfo *e);

#endif
