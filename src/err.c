/*
 * err.c - names for enum err and the errinfo helper.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

const char *err_str(int rc)
{
	switch (rc) {
	case ERR_OK:
		return "ok";
	case ERR_INVALID:
		return "invalid input";
	case ERR_NOTFOUND:
		return "not found";
	case ERR_CONFLICT:
		return "already exists";
	case ERR_FORBIDDEN:
		return "forbidden";
	case ERR_UNAUTH:
		return "not authenticated";
	case ERR_STALE:
		return "changed by someone else";
	case ERR_TOOBIG:
		return "too big";
	case ERR_DB:
		return "database error";
	case ERR_RETRY:
		return "busy, try again";
	case ERR_NOMEM:
		return "out of memory";
	case ERR_IO:
		return "input/output error";
	case ERR_INUSE:
		return "still in use";
	case ERR_PRECOND:
		return "precondition required";
	case ERR_THROTTLED:
		return "too many attempts";
	case ERR_READONLY:
		return "the database is read-only";
	case ERR_FULL:
		return "the disk is full";
	}
	return "unknown error";
}

int errinfo_set(struct errinfo *e, int rc, const char *code, const char *field, const char *fmt,
		...)
{
	va_list ap;

	if (!e)
		return rc;
	snprintf(e->code, sizeof(e->code), "%s", code ? code : "");
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return rc;
}
