/*
 * store_note.c - the backend-independent parts of the notes and search
 * store interface (store.h): releasing the lists the ops return.
 */
#include <stdlib.h>

#include "store.h"

void note_list_release(struct note_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void id_list_release(struct id_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void note_hits_release(struct note_hits *h)
{
	free(h->id);
	h->id = NULL;
	h->n = 0;
	h->total = 0;
}
