/*
 * loader.c - the bulk loader: encode on the caller's thread, write on
 * another (store.h has the contract).
 *
 * An import spends its time in two places of about equal size: turning
 * each case version into its canonical document and hash (case/, pure
 * CPU), and SQLite writing rows (the store's own b-trees and I/O).  The
 * loader overlaps them.  The caller (the reader's sink) prepares each
 * version into the chunk it is filling: struct vg_put_prep with every
 * string and the document copied into the chunk's arena.  A full chunk
 * goes to the writer thread through a small queue; the writer puts each
 * prepared version with the backend's put_prepared, committing every
 * `batch` versions, and returns the chunk to the free list.
 *
 *   reader --prepare--> [chunk] --full--> queue --> writer --put--> SQLite
 *                          ^                                  |
 *                          +------------ free list <----------+
 *
 * NCHUNKS chunks of up to CHUNK_ITEMS versions (or CHUNK_BYTES of arena)
 * bound the memory in flight whatever the input size; when all are in
 * use the reader waits.  The store handle belongs to the writer between
 * start and finish (store.h: one handle per thread at a time).
 *
 * Failure: the writer stops at its first error, rolls back the open batch
 * and records the error; from then on it only recycles chunks, and the
 * caller's next put, delete or finish returns the error.  Committed
 * batches stay, which is exactly the state a killed import leaves, so a
 * re-run completes the load (versions already stored are no-ops).
 *
 * Backends without put_prepared (PostgreSQL: one round trip per statement
 * dominates there, and its handle is not meant to change threads) get the
 * same batching on the caller's thread, no writer.
 */
#include "vg.h"
#include "store/store_int.h"

#include <pthread.h>

#define NCHUNKS 4
#define CHUNK_ITEMS 4096
#define CHUNK_BYTES ((size_t)8 << 20)

struct item {
	struct vg_put_prep pp; /* pp.case_id only, for a deletion */
	bool del;
};

struct chunk {
	struct vg_arena a;
	struct item *items;
	size_t n;
};

struct vg_store_loader {
	struct vg_store *st;
	int64_t batch, in_batch;
	bool threaded;
	pthread_t writer;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct chunk chunks[NCHUNKS];
	struct chunk *fill;           /* being filled by the caller */
	struct chunk *full[NCHUNKS];  /* FIFO for the writer */
	size_t nfull;
	struct chunk *free_[NCHUNKS]; /* ready for the caller */
	size_t nfree;
	bool closing;                 /* the caller is done: drain and stop */
	bool failed;                  /* the writer's error is in werr */
	struct vg_err werr;
	struct vg_buf bin;            /* the caller's encoding buffer */
	struct vg_import_stats s;     /* the writer's counts */
};

/* ------------------------------------------------------------ the writer */

/* "case ID: " before the message, so an error reported later, or on the
 * other thread, still says which case it was about. */
static void name_case(struct vg_err *err, const char *case_id)
{
	struct vg_err in = *err;

	*err = (struct vg_err)VG_ERR_INIT; /* vg_err_set keeps a first error */
	vg_err_set(err, in.code ? in.code : VG_EDB, in.field[0] ? in.field : NULL, "case %s: %s",
	           case_id, in.msg);
}

static int commit_if_full(struct vg_store_loader *l, struct vg_err *err)
{
	int rc;

	if (++l->in_batch < l->batch)
		return 0;
	l->in_batch = 0;
	rc = vg_store_commit(l->st, err);
	return rc ? rc : vg_store_begin(l->st, err);
}

/* After a deletion or a put, on either path: count it, commit when due. */
static int note_delete(struct vg_store_loader *l, int rc, bool changed, struct vg_err *err)
{
	l->s.cases_deleted += changed;
	if (rc != VG_ENOTFOUND)
		return rc;
	*err = (struct vg_err)VG_ERR_INIT; /* nothing to delete is fine */
	return 0;
}

static int note_put(struct vg_store_loader *l, const struct vg_put_result *res,
                    struct vg_err *err)
{
	l->s.cases_added += res->case_added;
	l->s.versions_added += res->version_added;
	l->s.versions_superseded += res->superseded;
	return commit_if_full(l, err);
}

static int write_item(struct vg_store_loader *l, const struct item *it, struct vg_err *err)
{
	struct vg_put_result res;
	bool changed = false;
	int rc;

	if (it->del) {
		rc = vg_store_delete_case(l->st, it->pp.case_id, &changed, err);
		return note_delete(l, rc, changed, err);
	}
	rc = l->st->ops->put_prepared(l->st, &it->pp, NULL, &res, err);
	return rc ? rc : note_put(l, &res, err);
}

static void write_chunk(struct vg_store_loader *l, struct chunk *c)
{
	struct vg_err err = VG_ERR_INIT;

	for (size_t i = 0; i < c->n; i++) {
		if (write_item(l, &c->items[i], &err) == 0)
			continue;
		/* the reader's thread reports it: say which case */
		name_case(&err, c->items[i].pp.case_id);
		vg_store_rollback(l->st);
		pthread_mutex_lock(&l->mu);
		l->werr = err;
		l->failed = true;
		pthread_mutex_unlock(&l->mu);
		return;
	}
}

/* The next full chunk, or NULL once the caller is done and all are taken;
 * *skip: recycle it unwritten (after a failure). */
static struct chunk *next_full(struct vg_store_loader *l, bool *skip)
{
	struct chunk *c = NULL;

	pthread_mutex_lock(&l->mu);
	while (l->nfull == 0 && !l->closing)
		pthread_cond_wait(&l->cv, &l->mu);
	if (l->nfull) {
		c = l->full[0];
		memmove(l->full, l->full + 1, (l->nfull - 1) * sizeof(l->full[0]));
		l->nfull--;
	}
	*skip = l->failed;
	pthread_mutex_unlock(&l->mu);
	return c;
}

static void recycle(struct vg_store_loader *l, struct chunk *c)
{
	vg_arena_reset(&c->a);
	c->n = 0;
	pthread_mutex_lock(&l->mu);
	l->free_[l->nfree++] = c;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
}

static void *writer_main(void *arg)
{
	struct vg_store_loader *l = arg;
	struct chunk *c;
	bool skip;

	while ((c = next_full(l, &skip)) != NULL) {
		if (!skip)
			write_chunk(l, c);
		recycle(l, c);
	}
	return NULL;
}

/* ------------------------------------------------------------ the caller */

/* Hand the chunk being filled to the writer and take a free one. */
static void hand_over(struct vg_store_loader *l)
{
	pthread_mutex_lock(&l->mu);
	l->full[l->nfull++] = l->fill;
	pthread_cond_broadcast(&l->cv);
	while (l->nfree == 0)
		pthread_cond_wait(&l->cv, &l->mu);
	l->fill = l->free_[--l->nfree];
	pthread_mutex_unlock(&l->mu);
}

static int writer_error(struct vg_store_loader *l, struct vg_err *err)
{
	bool failed;

	pthread_mutex_lock(&l->mu);
	failed = l->failed;
	if (failed)
		*err = l->werr;
	pthread_mutex_unlock(&l->mu);
	if (failed && !err->code)
		err->code = VG_EDB;
	return failed ? err->code : 0;
}

/* Synchronous (no writer thread): write the item now. */
static int sync_item(struct vg_store_loader *l, const struct vg_case_version *v,
                     const char *del_id, struct vg_err *err)
{
	struct vg_put_result res;
	bool changed = false;
	int rc;

	if (del_id) {
		rc = vg_store_delete_case(l->st, del_id, &changed, err);
		return note_delete(l, rc, changed, err);
	}
	rc = vg_store_put_version(l->st, v, NULL, &res, err);
	if (rc && v->case_id && !strstr(err->msg, v->case_id))
		name_case(err, v->case_id);
	return rc ? rc : note_put(l, &res, err);
}

/* The item the next put or delete fills, or NULL after the writer failed
 * (its error then in *err); the synchronous path never gets here. */
static struct item *next_slot(struct vg_store_loader *l, struct vg_err *err)
{
	if (writer_error(l, err))
		return NULL;
	if (l->fill->n == CHUNK_ITEMS || l->fill->a.total >= CHUNK_BYTES)
		hand_over(l);
	return &l->fill->items[l->fill->n];
}

int vg_store_loader_put(struct vg_store_loader *l, const struct vg_case_version *v,
                        struct vg_err *err)
{
	struct item *it;
	int rc;

	if (!l->threaded)
		return sync_item(l, v, NULL, err);
	if (!(it = next_slot(l, err)))
		return err->code;
	rc = vg_st_prepare(v, &l->fill->a, NULL, &l->bin, &it->pp, err);
	if (rc)
		return rc;
	it->del = false;
	l->fill->n++;
	return 0;
}

int vg_store_loader_delete(struct vg_store_loader *l, const char *case_id, struct vg_err *err)
{
	struct item *it;

	if (!l->threaded)
		return sync_item(l, NULL, case_id, err);
	if (!(it = next_slot(l, err)))
		return err->code;
	memset(it, 0, sizeof(*it));
	it->pp.case_id = vg_arena_strdup(&l->fill->a, case_id);
	it->del = true;
	l->fill->n++;
	return 0;
}

/* ------------------------------------------------------------ life cycle */

static void chunks_init(struct vg_store_loader *l)
{
	for (size_t i = 0; i < NCHUNKS; i++) {
		vg_arena_init(&l->chunks[i].a, (size_t)1 << 20);
		l->chunks[i].items = vg_xcalloc(CHUNK_ITEMS, sizeof(struct item));
		if (i)
			l->free_[l->nfree++] = &l->chunks[i];
	}
	l->fill = &l->chunks[0];
}

static void threads_free(struct vg_store_loader *l)
{
	for (size_t i = 0; i < NCHUNKS; i++) {
		vg_arena_release(&l->chunks[i].a);
		free(l->chunks[i].items);
	}
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	l->threaded = false;
}

int vg_store_loader_start(struct vg_store *st, int64_t batch, struct vg_store_loader **out,
                          struct vg_err *err)
{
	struct vg_store_loader *l = vg_xcalloc(1, sizeof(*l));
	int rc = vg_store_begin(st, err);

	*out = NULL;
	if (rc) {
		free(l);
		return rc;
	}
	l->st = st;
	l->batch = batch > 0 ? batch : 1;
	l->bin = (struct vg_buf)VG_BUF_INIT(st->doc.max);
	l->threaded = st->ops->put_prepared != NULL;
	if (l->threaded) {
		pthread_mutex_init(&l->mu, NULL);
		pthread_cond_init(&l->cv, NULL);
		chunks_init(l);
		/* No thread to be had: the same load, on this one. */
		if (pthread_create(&l->writer, NULL, writer_main, l) != 0)
			threads_free(l);
	}
	*out = l;
	return 0;
}

/* Send the last chunk, tell the writer to stop, wait: everything queued is
 * written either way, so giving up leaves what the synchronous path would
 * (the batches committed before, and an open one that finish rolls back). */
static void writer_stop(struct vg_store_loader *l)
{
	pthread_mutex_lock(&l->mu);
	if (l->fill->n)
		l->full[l->nfull++] = l->fill;
	l->fill = NULL;
	l->closing = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->writer, NULL);
}

int vg_store_loader_finish(struct vg_store_loader *l, bool keep, struct vg_import_stats *s,
                           struct vg_err *err)
{
	int rc = 0;

	if (l->threaded) {
		writer_stop(l);
		rc = writer_error(l, err);
		threads_free(l);
	}
	if (rc == 0 && keep)
		rc = vg_store_commit(l->st, err);
	else
		vg_store_rollback(l->st);
	s->cases_added += l->s.cases_added;
	s->versions_added += l->s.versions_added;
	s->versions_superseded += l->s.versions_superseded;
	s->cases_deleted += l->s.cases_deleted;
	vg_buf_release(&l->bin);
	free(l);
	return rc;
}
