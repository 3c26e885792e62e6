/*
 * cli_note.c - `litecrm note add|list|show|cite|import` and `litecrm search`.
 *
 * The same svc_note.h calls as the API; --json prints the API's shapes.
 * `note import` is the bulk path: JSON lines, read and parsed on a thread
 * of their own while this one writes, committed every IMPORT_CHUNK notes.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "repr.h"
#include "repr_note.h"
#include "svc_note.h"
#include "text.h"

/*
 * Notes committed per transaction by note import. Each transaction's notes
 * are one FTS5 segment (store_sqlite_note.c), and 16 segments of a level
 * are merged into one: at 20,000 notes a million-note import spent a third
 * of its CPU merging segments written moments before; at 100,000 it merges
 * none. The page cache of a deferred batch (256 MiB) holds a chunk's pages.
 */
#define IMPORT_CHUNK 100000
/* The longest line note import reads (a note's JSON). */
#define IMPORT_LINE_MAX (CAP_NOTE_BODY * 7 + 4096)

static int copy_opt(const char *what, const char *v, char *dst, size_t dstsz)
{
	if (strlen(v) >= dstsz)
		return cli_error("%s is longer than %zu bytes", what, dstsz - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

/* split_tags reads "a,b,c" into in->tags. */
static int split_tags(const char *s, struct note_input *in)
{
	in->set |= NOTE_SET_TAGS;
	in->ntags = 0;
	while (*s) {
		size_t n = strcspn(s, ",");

		if (in->ntags == NOTE_TAGS_MAX)
			return cli_error("a note has at most %d tags", NOTE_TAGS_MAX);
		if (n > CAP_TAG)
			return cli_error("a tag is longer than %d bytes", CAP_TAG);
		memcpy(in->tags[in->ntags], s, n);
		in->tags[in->ntags][n] = '\0';
		in->ntags++;
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

static int read_file(const char *path, char *dst, size_t dstsz)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t n;

	if (!f)
		return cli_error("cannot open '%s'", path);
	n = fread(dst, 1, dstsz, f);
	if (f != stdin)
		fclose(f);
	if (n >= dstsz)
		return cli_error("'%s' is longer than %zu bytes", path, dstsz - 1);
	dst[n] = '\0';
	return 0;
}

static void print_note(const struct note *n)
{
	printf("note %lld: %s\n", (long long)n->id, n->title);
	printf("company: %s (id %lld)\n", n->company_name, (long long)n->company_id);
	printf("author:  %s\n", n->author_username[0] ? n->author_username : "(operator)");
	printf("updated: %s (version %lld)\n", n->updated_at, (long long)n->version);
	if (n->ntags) {
		printf("tags:   ");
		for (int i = 0; i < n->ntags; i++)
			printf(" %s", n->tags[i]);
		printf("\n");
	}
	if (n->body[0])
		printf("\n%s\n", n->body);
}

/* ---- note add ---- */

static const char add_usage[] =
    "usage: litecrm note add --company NAME|ID --title TITLE [--body TEXT | --body-file FILE]\n"
    "                        [--tags A,B] [--json]\n"
    "\n"
    "Adds a note about a company. The body is plain text or Markdown, kept as written.\n";

static int note_add(struct cli *c, int argc, char **argv)
{
	const char *company = NULL, *title = NULL, *body = NULL, *body_file = NULL, *tags = NULL;
	int json = 0, rc;
	const struct cli_opt opts[] = {
	    {"company", CLI_OPT_STRING, &company},
	    {"title", CLI_OPT_STRING, &title},
	    {"body", CLI_OPT_STRING, &body},
	    {"body-file", CLI_OPT_STRING, &body_file},
	    {"tags", CLI_OPT_STRING, &tags},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct note_input *in = NULL;
	struct note *n = NULL;
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, add_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (!company || !title)
		return cli_usage_error(c, "--company and --title are required");
	in = calloc(1, sizeof(*in));
	n = calloc(1, sizeof(*n));
	if (!in || !n) {
		rc = cli_error("out of memory");
		goto done;
	}
	in->set = NOTE_SET_COMPANY | NOTE_SET_TITLE;
	if (strspn(company, "0123456789") == strlen(company) && company[0])
		in->company_id = strtoll(company, NULL, 10);
	else if ((rc = copy_opt("--company", company, in->company, sizeof(in->company))))
		goto done;
	if ((rc = copy_opt("--title", title, in->title, sizeof(in->title))))
		goto done;
	if (body || body_file) {
		in->set |= NOTE_SET_BODY;
		rc = body ? copy_opt("--body", body, in->body, sizeof(in->body))
			  : read_file(body_file, in->body, sizeof(in->body));
		if (rc)
			goto done;
	}
	if (tags && (rc = split_tags(tags, in)))
		goto done;
	if ((rc = cli_open(c)))
		goto done;
	if ((rc = svc_note_create(c->st, &c->actor, in, n, &e)))
		rc = cli_fail(&e, rc);
	else if (json)
		rc = cli_print_json(note_json(n));
	else
		printf("added note %lld to '%s'\n", (long long)n->id, n->company_name);
	cli_close(c);
done:
	free(in);
	free(n);
	return rc;
}

/* ---- note list ---- */

static const char list_usage[] = "usage: litecrm note list [--company ID] [--limit N] [--json]\n"
				 "\n"
				 "Lists notes, most recently updated first.\n";

static int note_list_cmd(struct cli *c, int argc, char **argv)
{
	const char *company = NULL, *limit = NULL;
	int json = 0, rc, lim = 50;
	const struct cli_opt opts[] = {
	    {"company", CLI_OPT_STRING, &company},
	    {"limit", CLI_OPT_STRING, &limit},
	    {"json", CLI_OPT_FLAG, &json},
	    {NULL, 0, NULL},
	};
	struct note_filter f = {0};
	struct note_list l = {0};
	struct errinfo e = {0};

	if ((rc = cli_parse(c, argc, argv, opts, list_usage, NULL, 0, 0, NULL)) >= 0)
		return rc;
	if (company && (rc = cli_id(c, "--company", company, &f.company_id)))
		return rc;
	if (limit && (rc = cli_int(c, "--limit", limit, 1, 500, &lim)))
		return rc;
	f.limit = lim;
	if ((rc = cli_open(c)))
		return rc;
	if ((rc = svc_note_list(c->st, &c->actor, &f, &l, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < l.n; i++)
			json_array_append_new(arr, note_json(&l.v[i]));
		rc = cli_print_json(cli_items_json(arr));
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		printf("%6lld  %-20.20s  %s  %s\n", (long long)l.v[i].id, l.v[i].updated_at,
		       l.v[i].company_name, l.v[i].title);
	rc = CLI_OK;
out:
	note_list_release(&l);
	cli_close(c);
	return rc;
}

/* ---- note show ---- */

static const char show_usage[] = "usage: litecrm note show ID [--json]\n"
				 "\n"
				 "Shows a note and the deals citing it.\n";

static int note_show(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int json = 0, rc;
	const struct cli_opt opts[] = {{"json", CLI_OPT_FLAG, &json}, {NULL, 0, NULL}};
	struct note *n = NULL;
	struct deal_list dl = {0};
	struct errinfo e = {0};
	int64_t id;

	if ((rc = cli_parse(c, argc, argv, opts, show_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	if ((rc = cli_id(c, "ID", pos[0], &id)))
		return rc;
	if (!(n = calloc(1, sizeof(*n))))
		return cli_error("out of memory");
	if ((rc = cli_open(c))) {
		free(n);
		return rc;
	}
	if ((rc = svc_note_get(c->st, &c->actor, id, n, &e)) ||
	    (rc = svc_note_deals(c->st, &c->actor, id, &dl, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *o = note_json(n), *arr = json_array();

		for (size_t i = 0; arr && i < dl.n; i++)
			json_array_append_new(arr, deal_json(&dl.v[i]));
		if (o && arr)
			json_object_set_new(o, "cited_by", arr);
		rc = cli_print_json(o);
		goto out;
	}
	print_note(n);
	if (dl.n) {
		printf("\ncited by:\n");
		for (size_t i = 0; i < dl.n; i++)
			printf("  deal %lld  %s / %s\n", (long long)dl.v[i].id,
			       dl.v[i].company_name, dl.v[i].name);
	}
	rc = CLI_OK;
out:
	deal_list_release(&dl);
	cli_close(c);
	free(n);
	return rc;
}

/* ---- note cite ---- */

static const char cite_usage[] = "usage: litecrm note cite DEAL_ID NOTE_ID [--remove]\n"
				 "\n"
				 "Makes a deal cite a note (or, with --remove, stop citing it).\n";

static int note_cite(struct cli *c, int argc, char **argv)
{
	const char *pos[2];
	int remove = 0, rc;
	const struct cli_opt opts[] = {{"remove", CLI_OPT_FLAG, &remove}, {NULL, 0, NULL}};
	struct errinfo e = {0};
	int64_t deal, note;

	if ((rc = cli_parse(c, argc, argv, opts, cite_usage, pos, 2, 2, NULL)) >= 0)
		return rc;
	if ((rc = cli_id(c, "DEAL_ID", pos[0], &deal)) ||
	    (rc = cli_id(c, "NOTE_ID", pos[1], &note)))
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	rc = remove ? svc_note_uncite(c->st, &c->actor, deal, note, &e)
		    : svc_note_cite(c->st, &c->actor, deal, note, &e);
	if (rc)
		rc = cli_fail(&e, rc);
	else
		printf("deal %lld %s note %lld\n", (long long)deal,
		       remove ? "no longer cites" : "cites", (long long)note);
	cli_close(c);
	return rc;
}

/* ---- note import ---- */

static const char import_usage[] =
    "usage: litecrm note import FILE\n"
    "\n"
    "Adds notes from FILE ('-': standard input), one JSON object a line:\n"
    "  {\"company\": NAME or \"company_id\": ID, \"title\", \"body\", \"tags\": [...],\n"
    "   \"author\": USERNAME, \"created_at\": RFC 3339}\n"
    "Notes are committed every 100,000; a bad line stops the import there.\n";

/* note_input_clear empties in: the fields a line may set (not the 20 KB of unused body). */
static void note_input_clear(struct note_input *in)
{
	in->set = 0;
	in->company_id = 0;
	in->company[0] = in->title[0] = in->body[0] = in->author[0] = '\0';
	in->ntags = 0;
	memset(in->created_at, 0, sizeof(in->created_at));
}

static int line_note(json_t *o, struct note_input *in)
{
	const char *key;
	json_t *v;

	note_input_clear(in);
	json_object_foreach(o, key, v)
	{
		const char *s = json_string_value(v);

		if (!strcmp(key, "company_id") && json_is_integer(v)) {
			in->company_id = json_integer_value(v);
			in->set |= NOTE_SET_COMPANY;
		} else if (!strcmp(key, "tags") && json_is_array(v)) {
			size_t i;
			json_t *t;

			in->set |= NOTE_SET_TAGS;
			json_array_foreach(v, i, t)
			{
				if (!json_is_string(t) || i >= NOTE_TAGS_MAX ||
				    json_string_length(t) > CAP_TAG)
					return -1;
				memcpy(in->tags[i], json_string_value(t),
				       json_string_length(t) + 1);
				in->ntags = (int)i + 1;
			}
		} else if (!s) {
			return -1;
		} else if (!strcmp(key, "company") && strlen(s) <= CAP_NAME) {
			memcpy(in->company, s, strlen(s) + 1);
			in->set |= NOTE_SET_COMPANY;
		} else if (!strcmp(key, "title") && strlen(s) <= CAP_NAME) {
			memcpy(in->title, s, strlen(s) + 1);
			in->set |= NOTE_SET_TITLE;
		} else if (!strcmp(key, "body") && strlen(s) <= CAP_NOTE_BODY) {
			memcpy(in->body, s, strlen(s) + 1);
			in->set |= NOTE_SET_BODY;
		} else if (!strcmp(key, "author") && strlen(s) <= CAP_USERNAME) {
			memcpy(in->author, s, strlen(s) + 1);
			in->set |= NOTE_SET_AUTHOR;
		} else if (!strcmp(key, "created_at") && strlen(s) < TS_LEN) {
			memcpy(in->created_at, s, strlen(s) + 1);
		} else {
			return -1;
		}
	}
	return 0;
}

/*
 * The quick reading of a line: a flat object of the keys line_note knows,
 * read in place without building a jansson tree (which, with its
 * allocations, was a tenth of an import's CPU). It takes only what
 * json_loads() accepts and line_note() then takes, and reads it alike;
 * anything else (another key, a key twice, a \u escape, invalid UTF-8, a
 * number that is not a small integer, a value too long, ...) makes it
 * return 0, and the line goes through jansson and line_note, whose verdict
 * stands.
 */
static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* quick_string reads the string after p's quote into dst[dstsz]; NULL: not read. */
static const char *quick_string(const char *p, char *dst, size_t dstsz)
{
	/* Each escape's letter, then the byte it stands for. */
	static const char escapes[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	const char *e;
	size_t n = 0;

	for (;;) {
		const char *q = p;
		size_t k;

		while ((unsigned char)*q >= 0x20 && *q != '"' && *q != '\\')
			q++;
		k = (size_t)(q - p);
		/* An escape cannot split a UTF-8 sequence: its bytes are ASCII. */
		if (n + k >= dstsz || !utf8_valid(p, k))
			return NULL;
		memcpy(dst + n, p, k);
		n += k;
		p = q;
		if (*p == '"') {
			dst[n] = '\0';
			return p + 1;
		}
		if (*p != '\\' || n + 1 >= dstsz)
			return NULL; /* a control character, the end, or too long */
		for (e = escapes; *e && *e != p[1]; e += 2)
			;
		if (!*e)
			return NULL; /* \u: left to jansson */
		dst[n++] = e[1];
		p += 2;
	}
}

static const char *quick_tags(const char *p, struct note_input *in)
{
	p = json_ws(p + 1);
	if (*p == ']')
		return p + 1;
	for (;;) {
		if (*p != '"' || in->ntags == NOTE_TAGS_MAX ||
		    !(p = quick_string(p + 1, in->tags[in->ntags], CAP_TAG + 1)))
			return NULL;
		in->ntags++;
		p = json_ws(p);
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return NULL;
		p = json_ws(p + 1);
	}
}

static const char *quick_int(const char *p, int64_t *v)
{
	const char *q = p + (*p == '-');
	size_t digits = strspn(q, "0123456789");

	/* As JSON: no leading zero, no fraction or exponent (jansson: a real). */
	if (digits == 0 || digits > 18 || (q[0] == '0' && digits > 1) || q[digits] == '.' ||
	    q[digits] == 'e' || q[digits] == 'E')
		return NULL;
	*v = strtoll(p, NULL, 10);
	return q + digits;
}

#define INPUT_FIELD(f) offsetof(struct note_input, f), sizeof(((struct note_input *)0)->f)

/* The keys quick_note reads: the strings first, then company_id and tags. */
static const struct quick_key {
	const char *name;
	size_t off, size; /* the string's field */
	unsigned set;
} quick_keys[] = {
    {"company", INPUT_FIELD(company), NOTE_SET_COMPANY},
    {"title", INPUT_FIELD(title), NOTE_SET_TITLE},
    {"body", INPUT_FIELD(body), NOTE_SET_BODY},
    {"author", INPUT_FIELD(author), NOTE_SET_AUTHOR},
    {"created_at", INPUT_FIELD(created_at), 0},
    {"company_id", 0, 0, NOTE_SET_COMPANY},
    {"tags", 0, 0, NOTE_SET_TAGS},
};
#define QUICK_KEYS (sizeof(quick_keys) / sizeof(quick_keys[0]))

static int quick_note(const char *line, struct note_input *in)
{
	const char *p = json_ws(line);
	unsigned seen = 0;

	note_input_clear(in);
	if (*p++ != '{')
		return 0;
	p = json_ws(p);
	if (*p == '}')
		return *json_ws(p + 1) == '\0';
	for (;;) {
		const struct quick_key *qk;
		char key[16];
		unsigned k = 0;

		if (*p != '"' || !(p = quick_string(p + 1, key, sizeof(key))))
			return 0;
		while (k < QUICK_KEYS && strcmp(key, quick_keys[k].name))
			k++;
		if (k == QUICK_KEYS || seen & (1u << k))
			return 0;
		seen |= 1u << k;
		qk = &quick_keys[k];
		p = json_ws(p);
		if (*p != ':')
			return 0;
		p = json_ws(p + 1);
		if (qk->set == NOTE_SET_TAGS)
			p = *p == '[' ? quick_tags(p, in) : NULL;
		else if (!qk->size)
			p = quick_int(p, &in->company_id);
		else
			p = *p == '"' ? quick_string(p + 1, (char *)in + qk->off, qk->size) : NULL;
		if (!p)
			return 0;
		in->set |= qk->set;
		p = json_ws(p);
		if (*p == '}')
			return *json_ws(p + 1) == '\0';
		if (*p != ',')
			return 0;
		p = json_ws(p + 1);
	}
}

/* read_note reads one line's note: 0, or -1 when it is not a note object. */
static int read_note(const char *line, struct note_input *in)
{
	json_error_t je;
	json_t *o;
	int rc;

	if (quick_note(line, in))
		return 0;
	o = json_loads(line, JSON_REJECT_DUPLICATES, &je);
	rc = o && json_is_object(o) && line_note(o, in) == 0 ? 0 : -1;
	json_decref(o);
	return rc;
}

/*
 * note import reads and parses the file on a thread of its own while this
 * one writes (pipelining: on two cores the reading, JSON and checks of a
 * line overlap SQLite's work on the lines before). The reader fills a ring
 * of parsed notes in order and hands them over a batch at a time; it stops
 * at the end of the file, at a read error, at the first line that is not a
 * note object, or when the writer gives up.
 */
#define IMPORT_RING  256
#define IMPORT_BATCH 32

enum slot_kind { SLOT_NOTE, SLOT_BAD, SLOT_END, SLOT_ERROR };

struct import_slot {
	enum slot_kind kind;
	long long lineno; /* SLOT_ERROR: the lines read before it */
	int err;	  /* SLOT_ERROR: errno */
	struct note_input in;
};

struct import_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	FILE *f;
	char *line;
	struct import_slot *slot; /* IMPORT_RING of them */
	unsigned long head, tail; /* slots filled [tail, head), counted from 0 */
	int stop;		  /* the writer gave up */
	int reader_waits, writer_waits;
};

/*
 * pipe_publish hands the slots up to head over to the writer; with wait, it
 * then waits until half the ring is free. Returns the end of the free slots
 * (never 0), or 0 when the writer gave up.
 */
static unsigned long pipe_publish(struct import_pipe *p, unsigned long head, int wait)
{
	unsigned long free_to;

	pthread_mutex_lock(&p->mu);
	p->head = head;
	if (p->writer_waits)
		pthread_cond_broadcast(&p->cond);
	while (wait && !p->stop && head - p->tail > IMPORT_RING / 2) {
		p->reader_waits = 1;
		pthread_cond_wait(&p->cond, &p->mu);
	}
	p->reader_waits = 0;
	free_to = p->stop ? 0 : p->tail + IMPORT_RING;
	pthread_mutex_unlock(&p->mu);
	return free_to;
}

static void *pipe_reader(void *arg)
{
	struct import_pipe *p = arg;
	unsigned long head = 0, free_to = 0;
	long long lineno = 0;

	for (;;) {
		struct import_slot *sl;

		/* Out of free slots: publish, then wait for half the ring. */
		if (head == free_to && !(free_to = pipe_publish(p, head, 1)))
			return NULL;
		sl = &p->slot[head % IMPORT_RING];
		if (!fgets(p->line, IMPORT_LINE_MAX, p->f)) {
			/* A read error is not the end: the import must not
			   report success over a file it could not read. */
			sl->kind = ferror(p->f) ? SLOT_ERROR : SLOT_END;
			sl->err = errno;
			sl->lineno = lineno;
			pipe_publish(p, head + 1, 0);
			return NULL;
		}
		lineno++;
		if (p->line[strspn(p->line, " \t\r\n")] == '\0')
			continue;
		sl->lineno = lineno;
		sl->kind = read_note(p->line, &sl->in) ? SLOT_BAD : SLOT_NOTE;
		head++;
		if (sl->kind == SLOT_BAD) {
			pipe_publish(p, head, 0);
			return NULL;
		}
		if (head % IMPORT_BATCH == 0)
			pipe_publish(p, head, 0);
	}
}

/* pipe_next waits for the next parsed line, the one after the slot given back. */
static struct import_slot *pipe_next(struct import_pipe *p)
{
	struct import_slot *sl;

	pthread_mutex_lock(&p->mu);
	while (p->head == p->tail) {
		p->writer_waits = 1;
		pthread_cond_wait(&p->cond, &p->mu);
	}
	p->writer_waits = 0;
	sl = &p->slot[p->tail % IMPORT_RING];
	pthread_mutex_unlock(&p->mu);
	return sl;
}

/* pipe_done gives the slot pipe_next returned back to the reader. */
static void pipe_done(struct import_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->tail++;
	if (p->reader_waits && p->head - p->tail <= IMPORT_RING / 2)
		pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
}

static void pipe_stop(struct import_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->mu);
}

static int note_import(struct cli *c, int argc, char **argv)
{
	const char *pos[1];
	int rc, started = 0;
	struct note_bulk *bulk = NULL;
	struct errinfo e = {0};
	struct import_pipe p = {.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
	pthread_t reader;
	long long count = 0;
	struct timespec t0, t1;

	if ((rc = cli_parse(c, argc, argv, NULL, import_usage, pos, 1, 1, NULL)) >= 0)
		return rc;
	p.f = strcmp(pos[0], "-") ? fopen(pos[0], "rb") : stdin;
	if (!p.f)
		return cli_error("cannot open '%s'", pos[0]);
	p.slot = malloc(IMPORT_RING * sizeof(*p.slot));
	p.line = malloc(IMPORT_LINE_MAX);
	if (!p.slot || !p.line) {
		rc = cli_error("out of memory");
		goto done;
	}
	if ((rc = cli_open(c)))
		goto done;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pthread_create(&reader, NULL, pipe_reader, &p)) {
		rc = cli_error("cannot start a thread");
		goto fail;
	}
	started = 1;
	for (;;) {
		struct import_slot *sl = pipe_next(&p);

		if (sl->kind == SLOT_END)
			break;
		if (sl->kind == SLOT_ERROR) {
			rc = cli_error("cannot read '%s' after line %lld: %s", pos[0], sl->lineno,
				       strerror(sl->err));
			goto fail;
		}
		if (sl->kind == SLOT_BAD) {
			rc = cli_error("'%s' line %lld: not a note object", pos[0], sl->lineno);
			goto fail;
		}
		if (!bulk && (rc = svc_note_bulk_begin(c->st, &c->actor, &bulk, &e))) {
			rc = cli_fail(&e, rc);
			goto fail;
		}
		if ((rc = svc_note_bulk_add(bulk, &sl->in, NULL, &e))) {
			fprintf(stderr, "litecrm: '%s' line %lld: ", pos[0], sl->lineno);
			rc = cli_fail(&e, rc);
			goto fail;
		}
		pipe_done(&p);
		if (++count % IMPORT_CHUNK == 0) {
			rc = svc_note_bulk_end(bulk, 0, &e);
			bulk = NULL;
			if (rc) {
				rc = cli_fail(&e, rc);
				goto fail;
			}
		}
	}
	if (bulk) {
		rc = svc_note_bulk_end(bulk, 0, &e);
		bulk = NULL;
		if (rc) {
			rc = cli_fail(&e, rc);
			goto fail;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		double s =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

		struct rusage ru;
		double cpu = 0;

		if (getrusage(RUSAGE_SELF, &ru) == 0)
			cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		printf("imported %lld notes in %.2f s (%.0f notes/s; %.2f s of CPU, %.0f notes per "
		       "CPU second)\n",
		       count, s, s > 0 ? (double)count / s : 0.0, cpu,
		       cpu > 0 ? (double)count / cpu : 0.0);
	}
	rc = CLI_OK;
fail:
	if (bulk)
		svc_note_bulk_end(bulk, ERR_INVALID, &e);
	if (started) {
		pipe_stop(&p);
		pthread_join(reader, NULL);
	}
	cli_close(c);
done:
	if (p.f && p.f != stdin)
		fclose(p.f);
	free(p.slot);
	free(p.line);
	return rc;
}

static const struct cli_command note_commands[] = {
    {"add", note_add, "add a note about a company"},
    {"list", note_list_cmd, "list notes"},
    {"show", note_show, "show a note and the deals citing it"},
    {"cite", note_cite, "make a deal cite a note (--remove: stop)"},
    {"import", note_import, "add notes in bulk from JSON lines"},
};

int cmd_note(struct cli *c, int argc, char **argv)
{
	return cli_dispatch(c, "note", note_commands,
			    sizeof(note_commands) / sizeof(note_commands[0]), argc, argv);
}

/* ---- search ---- */

static const char search_usage[] =
    "usage: litecrm search (QUERY | --batch FILE) [--kind company,contact,deal,note] [--limit N]\n"
    "                      [--offset N] [--json]\n"
    "\n"
    "Searches companies, contacts, deals and notes. Plain words must all match (in\n"
    "titles or bodies); \"a phrase\", a OR b, -excluded, title:, body:, author:, tag:\n"
    "and company: work as in the API (docs/API.md, Search). Chinese terms of any\n"
    "length match exactly; Latin words ignore case; full-width letters match.\n"
    "\n"
    "  --batch FILE  run every line of FILE ('-': standard input) as a query and\n"
    "                print one JSON line each: {\"total\": {...}, \"ids\": [...]} with\n"
    "                the exact totals and the ids of every hit (all pages), or\n"
    "                {\"error\": CODE}. Otherwise --json gives \"total_exact\" too: a\n"
    "                note total past 1,000 matches may be an estimate.\n";

static unsigned kinds_of(const char *s)
{
	unsigned k = 0;

	if (strstr(s, "company"))
		k |= SEARCH_KIND_COMPANY;
	if (strstr(s, "contact"))
		k |= SEARCH_KIND_CONTACT;
	if (strstr(s, "deal"))
		k |= SEARCH_KIND_DEAL;
	if (strstr(s, "note"))
		k |= SEARCH_KIND_NOTE;
	if (strstr(s, "all"))
		k |= SEARCH_KIND_ALL;
	return k;
}

/* print_marked prints a marked text with the matches in [brackets]. */
static void print_marked(const char *s)
{
	for (; *s; s++) {
		if (*s == SEARCH_MARK_ON[0])
			fputs("[", stdout);
		else if (*s == SEARCH_MARK_OFF[0])
			fputs("]", stdout);
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			fputc(' ', stdout);
		else
			fputc(*s, stdout);
	}
}

/* search_batch runs each line of f as a query; one JSON line out each (see --batch). */
static int search_batch(struct cli *c, FILE *f, unsigned kinds, int lim)
{
	char line[CAP_QUERY * 4 + 8];
	struct search_result r = {0};

	while (fgets(line, sizeof(line), f)) {
		json_t *ids = json_array(), *tot = json_object(), *o;
		struct errinfo e = {0};
		size_t n = strcspn(line, "\r\n");
		int rc = 0, more = 1;

		line[n] = '\0';
		for (int off = 0; more && rc == 0; off += lim) {
			int per[4] = {0};

			if ((rc = svc_search(c->st, &c->actor, line, kinds | SEARCH_IDS_ONLY, lim,
					     off, &r, &e)))
				break;
			for (size_t i = 0; i < r.n; i++) {
				json_array_append_new(ids, json_integer(r.v[i].id));
				for (int k = 0; k < 4; k++)
					if (r.v[i].kind == (enum search_kind)(1u << k))
						per[k]++;
			}
			more = 0;
			for (int k = 0; k < 4; k++) {
				if (!(kinds & (1u << k)))
					continue;
				if (off == 0)
					json_object_set_new(
					    tot, search_kind_name((enum search_kind)(1u << k)),
					    json_integer(r.total[k]));
				more |= per[k] == lim;
			}
			search_result_release(&r);
		}
		o = rc ? json_pack("{s:s}", "error", e.code[0] ? e.code : "server.error")
		       : json_pack("{s:o,s:o}", "total", tot, "ids", ids);
		if (rc) {
			json_decref(ids);
			json_decref(tot);
		}
		if (!o)
			return cli_error("out of memory");
		{
			char *text = json_dumps(o, JSON_COMPACT);

			json_decref(o);
			if (!text)
				return cli_error("out of memory");
			puts(text);
			free(text);
		}
	}
	return CLI_OK;
}

int cmd_search(struct cli *c, int argc, char **argv)
{
	const char *pos[1] = {NULL}, *kind = NULL, *limit = NULL, *offset = NULL, *batch = NULL;
	int json = 0, rc, lim = 20, off = 0;
	const struct cli_opt opts[] = {
	    {"batch", CLI_OPT_STRING, &batch}, {"kind", CLI_OPT_STRING, &kind},
	    {"limit", CLI_OPT_STRING, &limit}, {"offset", CLI_OPT_STRING, &offset},
	    {"json", CLI_OPT_FLAG, &json},     {NULL, 0, NULL},
	};
	struct search_result r = {0};
	struct errinfo e = {0};
	unsigned kinds = SEARCH_KIND_ALL;

	if ((rc = cli_parse(c, argc, argv, opts, search_usage, pos, 0, 1, NULL)) >= 0)
		return rc;
	if (!batch == !pos[0])
		return cli_usage_error(c, "give a QUERY or --batch FILE");
	if (kind && !(kinds = kinds_of(kind)))
		return cli_usage_error(c, "--kind takes company, contact, deal, note or all");
	if (limit && (rc = cli_int(c, "--limit", limit, 1, 1000, &lim)))
		return rc;
	if (offset && (rc = cli_int(c, "--offset", offset, 0, 1000000000, &off)))
		return rc;
	if ((rc = cli_open(c)))
		return rc;
	if (batch) {
		FILE *f = strcmp(batch, "-") ? fopen(batch, "rb") : stdin;

		rc = f ? search_batch(c, f, kinds, lim) : cli_error("cannot open '%s'", batch);
		if (f && f != stdin)
			fclose(f);
		goto out;
	}
	if ((rc = svc_search(c->st, &c->actor, pos[0], kinds, lim, off, &r, &e))) {
		rc = cli_fail(&e, rc);
		goto out;
	}
	if (json) {
		json_t *arr = json_array();

		for (size_t i = 0; arr && i < r.n; i++)
			json_array_append_new(arr, search_hit_json(&r.v[i]));
		rc = cli_print_json(json_pack("{s:o,s:o,s:o}", "items", arr, "total",
					      search_totals_json(&r, kinds, 0), "total_exact",
					      search_totals_json(&r, kinds, 1)));
		goto out;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct search_hit *h = &r.v[i];

		printf("%-7s %6lld  ", search_kind_name(h->kind), (long long)h->id);
		print_marked(h->title);
		if (h->company[0] && h->kind != SEARCH_KIND_COMPANY)
			printf("  (%s)", h->company);
		printf("\n");
		if (h->snippet[0]) {
			printf("                ");
			print_marked(h->snippet);
			printf("\n");
		}
	}
	if (r.n == 0)
		printf("no results\n");
	rc = CLI_OK;
out:
	search_result_release(&r);
	cli_close(c);
	return rc;
}
