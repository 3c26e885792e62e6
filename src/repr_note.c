/*
 * repr_note.c - JSON of notes and search results (repr_note.h).
 */
#include <stdlib.h>
#include <string.h>

#include "repr_note.h"
#include "search.h"

static json_t *str_or_null(const char *s)
{
	return s && s[0] ? json_string(s) : json_null();
}

json_t *note_json(const struct note *n)
{
	json_t *tags = json_array();
	json_t *o;

	for (int i = 0; tags && i < n->ntags; i++)
		json_array_append_new(tags, json_string(n->tags[i]));
	if (!tags)
		return NULL;
	o = json_pack("{s:I,s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:s,s:s}", "id", (json_int_t)n->id,
		      "company_id", (json_int_t)n->company_id, "company", n->company_name, "title",
		      n->title, "body", n->body, "tags", tags, "author_id",
		      n->author_id ? json_integer(n->author_id) : json_null(), "author",
		      str_or_null(n->author_username), "author_name", str_or_null(n->author_name),
		      "version", (json_int_t)n->version, "created_at", n->created_at, "updated_at",
		      n->updated_at);
	return o;
}

const char *search_kind_name(enum search_kind k)
{
	switch (k) {
	case SEARCH_KIND_COMPANY:
		return "company";
	case SEARCH_KIND_CONTACT:
		return "contact";
	case SEARCH_KIND_DEAL:
		return "deal";
	default:
		return "note";
	}
}

char *search_plain(const char *marked)
{
	size_t n = strlen(marked), k = 0;
	char *out = malloc(n + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (marked[i] != SEARCH_MARK_ON[0] && marked[i] != SEARCH_MARK_OFF[0])
			out[k++] = marked[i];
	out[k] = '\0';
	return out;
}

char *search_html(const char *marked)
{
	size_t n = strlen(marked), k = 0;
	char *out = malloc(n * 7 + 16);
	int open = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *r = NULL;
		char ch = marked[i];

		if (ch == SEARCH_MARK_ON[0] && !open) {
			r = "<mark>";
			open = 1;
		} else if (ch == SEARCH_MARK_OFF[0] && open) {
			r = "</mark>";
			open = 0;
		} else if (ch == SEARCH_MARK_ON[0] || ch == SEARCH_MARK_OFF[0]) {
			r = "";
		} else if (ch == '&') {
			r = "&amp;";
		} else if (ch == '<') {
			r = "&lt;";
		} else if (ch == '>') {
			r = "&gt;";
		} else if (ch == '"') {
			r = "&quot;";
		} else if (ch == '\'') {
			r = "&#39;";
		}
		if (r) {
			memcpy(out + k, r, strlen(r));
			k += strlen(r);
		} else {
			out[k++] = ch;
		}
	}
	if (open) {
		memcpy(out + k, "</mark>", 7);
		k += 7;
	}
	out[k] = '\0';
	return out;
}

static json_t *text_pair(json_t *o, const char *key, const char *key_html, const char *marked)
{
	char *plain = search_plain(marked), *html = search_html(marked);

	if (!o || !plain || !html || json_object_set_new(o, key, json_string(plain)) ||
	    json_object_set_new(o, key_html, json_string(html))) {
		json_decref(o);
		o = NULL;
	}
	free(plain);
	free(html);
	return o;
}

json_t *search_hit_json(const struct search_hit *h)
{
	json_t *o = json_pack("{s:s,s:I,s:o,s:o,s:o,s:o}", "kind", search_kind_name(h->kind), "id",
			      (json_int_t)h->id, "company_id",
			      h->company_id ? json_integer(h->company_id) : json_null(), "company",
			      str_or_null(h->company), "author", str_or_null(h->author),
			      "updated_at", str_or_null(h->updated_at));

	o = text_pair(o, "title", "title_html", h->title);
	return text_pair(o, "snippet", "snippet_html", h->snippet);
}

json_t *search_totals_json(const struct search_result *r, unsigned kinds, int exact)
{
	json_t *o = json_object();

	for (int k = 0; o && k < 4; k++) {
		enum search_kind kind = (enum search_kind)(1u << k);

		if (!(kinds & kind))
			continue;
		if (json_object_set_new(o, search_kind_name(kind),
					exact ? json_boolean(!(r->estimated & kind))
					      : json_integer(r->total[k]))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}
