/*
 * err.h - the one status type of litecrm.
 *
 * Every fallible function returns int: 0 on success, or a negative enum err.
 * Backend codes (SQLite, libpq, errno) are translated to enum err once, in the
 * module that sees them; enum err is translated to an HTTP status and a stable
 * machine code once, in api.c (see api_error_status()).
 */
#ifndef LITECRM_ERR_H
#define LITECRM_ERR_H

enum err {
	ERR_OK = 0,
	ERR_INVALID = -1,    /* the caller's input is malformed or out of range */
	ERR_NOTFOUND = -2,   /* no such row (or not visible to the caller) */
	ERR_CONFLICT = -3,   /* a uniqueness rule would be broken (duplicate) */
	ERR_FORBIDDEN = -4,  /* authenticated, but not allowed */
	ERR_UNAUTH = -5,     /* not authenticated */
	ERR_STALE = -6,	     /* optimistic concurrency: the version read is no longer current */
	ERR_TOOBIG = -7,     /* over a documented size cap */
	ERR_DB = -8,	     /* the database failed */
	ERR_RETRY = -9,	     /* transient: busy, serialization failure; the caller may retry */
	ERR_NOMEM = -10,     /* out of memory */
	ERR_IO = -11,	     /* a file could not be read or written */
	ERR_INUSE = -12,     /* the row is still referenced (a stage holding deals) */
	ERR_PRECOND = -13,   /* a required precondition (If-Match) is missing */
	ERR_THROTTLED = -14, /* too many attempts; try later */
	ERR_READONLY = -15,  /* the database is read-only (file mode, mount): reads still work */
	ERR_FULL = -16	     /* the disk (or the database's size limit) is full */
};

/* err_str returns a short English phrase for rc ("not found"); never NULL. */
const char *err_str(int rc);

/*
 * struct errinfo carries the detail of a failure to the front door that
 * reports it: a stable machine code ("deal.stage_unknown"), a message a person
 * reads, and the field at fault (may be empty). Functions that fail on user
 * input fill it with errinfo_set() and return the matching enum err.
 */
struct errinfo {
	char code[64];
	char message[256];
	char field[64];
};

/*
 * errinfo_set fills e (which may be NULL) and returns rc, so callers can write
 * `return errinfo_set(e, ERR_INVALID, "deal.amount_negative", "amount", "...")`.
 * field may be NULL. The message is a printf format.
 */
int errinfo_set(struct errinfo *e, int rc, const char *code, const char *field, const char *fmt,
		...) __attribute__((format(printf, 5, 6)));

#endif
