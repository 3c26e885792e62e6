/*
 * store_checks.h - checks of the store contract that every backend must
 * pass, shared by test_audit.c (SQLite) and test_store_pg.c (PostgreSQL).
 */
#ifndef LITECRM_TEST_STORE_CHECKS_H
#define LITECRM_TEST_STORE_CHECKS_H

#include <stdint.h>

#include "store.h"

/*
 * check_audit_and_trash runs the audit log and deal trash ops on db in
 * workspace ws (with an admin user, a company and an open stage), and
 * other, a second workspace whose rows must never show.
 */
void check_audit_and_trash(struct store *db, int64_t ws, int64_t other, int64_t user,
			   int64_t company, int64_t stage);

#endif
