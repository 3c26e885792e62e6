/*
 * store_int.h - what the backend-independent store.c needs to know of the
 * backends. Private to the store: nothing outside store*.c includes it.
 */
#ifndef LITECRM_STORE_INT_H
#define LITECRM_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * store_sqlite_open opens (or, when create is set, creates) the SQLite
 * database file at path, applies pending schema migrations and sets *out to a
 * store released with store_close(). Returns 0, or ERR_IO when the file does
 * not exist and create is 0, ERR_RETRY when the database stays locked, ERR_DB
 * for other failures; a message is then written into errbuf (size errsz,
 * which may be 0).
 */
int store_sqlite_open(const char *path, int create, struct store **out, char *errbuf, size_t errsz);

/*
 * store_pg_open connects to the PostgreSQL database named by url (a
 * postgresql:// or postgres:// URL, libpq's syntax), checks that it is UTF-8,
 * applies pending schema migrations and sets *out to a store released with
 * store_close(). create is ignored: the database must exist. Returns 0, or
 * ERR_IO when the server cannot be reached or refuses the login, ERR_DB for
 * other failures; a message is then written into errbuf.
 */
int store_pg_open(const char *url, int create, struct store **out, char *errbuf, size_t errsz);

/*
 * deal_filter_narrows tells whether f sets a condition beyond the owner and
 * the close-date range (stage, status, company, amount, text): the summary
 * then runs over the deal list's conditions instead of its faster forms.
 */
int deal_filter_narrows(const struct deal_filter *f);

/*
 * A deal set holds the deals a write transaction touched whose report rows
 * (deal_fact and the tables computed from it) wait for its commit: a
 * create or a move writes the deal and its history row, and each would
 * otherwise recompute the same rows. fresh marks a deal created in the
 * transaction: it has no rows yet, none to take away (ids are never
 * reused). deal_set_add fails only for memory (ERR_NOMEM: the caller does
 * the upkeep at once); deal_set_drop forgets a deal (deleted: its rows went
 * with it); deal_set_settle marks the deal (id 0: every deal of ws) fresh
 * no more, its rows written meanwhile (a history import, a rebuild);
 * deal_set_flush runs rows(ctx, ...) once per deal, in order (fresh when
 * one of its entries was), up to the first failure, whose status it
 * returns, and empties the set either way; deal_set_free releases the
 * memory.
 */
struct deal_key {
	int64_t ws, id;
	int fresh;
};

struct deal_set {
	struct deal_key *v;
	size_t n, cap;
};

int deal_set_add(struct deal_set *set, int64_t ws, int64_t id, int fresh);
void deal_set_drop(struct deal_set *set, int64_t ws, int64_t id);
void deal_set_settle(struct deal_set *set, int64_t ws, int64_t id);
int deal_set_flush(struct deal_set *set, int (*rows)(void *ctx, int64_t ws, int64_t id, int fresh),
		   void *ctx);
void deal_set_free(struct deal_set *set);

#endif
