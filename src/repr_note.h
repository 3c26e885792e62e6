/*
 * repr_note.h - JSON of notes and search results, shared by the API and the
 * CLI's --json (same conventions as repr.h).
 */
#ifndef LITECRM_REPR_NOTE_H
#define LITECRM_REPR_NOTE_H

#include <jansson.h>

#include "model.h"
#include "svc_note.h"

/* note_json: the note record; the body is returned raw (Markdown is not rendered). */
json_t *note_json(const struct note *n);

/*
 * search_hit_json: {"kind","id","title","title_html","snippet","snippet_html",...}.
 * title and snippet are plain text; the _html forms are HTML-escaped with the
 * matches in <mark>...</mark>, safe to insert as markup.
 */
json_t *search_hit_json(const struct search_hit *h);

/*
 * search_totals_json: {"<kind>": total, ...} for the kinds asked for; with
 * exact, {"<kind>": true, ...}, false where the total is an estimate.
 */
json_t *search_totals_json(const struct search_result *r, unsigned kinds, int exact);

/* search_kind_name: "company", "contact", "deal" or "note". */
const char *search_kind_name(enum search_kind k);

/* search_plain / search_html: a marked text as plain text or as escaped HTML (new strings). */
char *search_plain(const char *marked);
char *search_html(const char *marked);

#endif
