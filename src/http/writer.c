/*
 * writer.c - the one thread that writes, committing in groups.
 *
 * Why: SQLite allows one writer at a time and an acknowledged submission
 * must be on disk (synchronous=FULL: one fsync per commit, ~1 ms here).
 * One commit per request caps throughput near 1,000/s and makes writers
 * fight over the lock.  Instead every write is a job on one queue; the
 * writer takes all queued jobs (up to GROUP_MAX), runs them inside one
 * transaction and commits once, then resumes every waiting request.
 * Under load the group grows by itself, so the fsync cost is shared.
 *
 *   handlers --push--> [ queue ] --take all--> BEGIN; job1; job2; ...; COMMIT
 *                                                     |
 *                                   resume each request (201 / 4xx / 503)
 *
 * Failure isolation: a job that fails "cleanly" (a check before any write,
 * see http_int.h) just reports its error.  Any other failure, or a failed
 * commit, rolls the whole group back and reruns each job in a transaction
 * of its own, so nothing partial is ever stored and one bad job costs the
 * others only a retry.  Jobs are rerunnable by contract.
 */
#include "vg.h"
#include "util/util.h"
#include "store/store.h"
#include "http/http_int.h"

#define GROUP_MAX 512

struct vg_writer {
	struct vg_http_server *srv;
	struct vg_store *st;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vg_wjob *head, *tail;
	unsigned queued, running;
	bool stop;
	atomic_uint_fast64_t generation;
};

static bool clean_error(int rc)
{
	return rc == VG_ENOTFOUND || rc == VG_EEXIST || rc == VG_ECONFLICT || rc == VG_EPERM ||
	       rc == VG_EINVAL || rc == VG_EPARSE || rc == VG_EAUTH;
}

static void finish(struct vg_wjob *j)
{
	if (j->rc && !j->err.code)
		j->err.code = j->rc;
	if (j->req) {
		vg_http_job_finished(j);
	} else {
		free(j->ctx);
		free(j);
	}
}

static int run_one(struct vg_writer *w, struct vg_wjob *j)
{
	vg_err_clear(&j->err);
	j->rc = j->run(w->st, j, &j->err);
	return j->rc;
}

/* Each job alone: BEGIN; job; COMMIT (or ROLLBACK). */
static void run_singly(struct vg_writer *w, struct vg_wjob *jobs)
{
	for (struct vg_wjob *j = jobs; j; j = j->next) {
		struct vg_err err = VG_ERR_INIT;
		if (vg_store_begin(w->st, &j->err) != 0) {
			j->rc = j->err.code ? j->err.code : VG_EDB;
			continue;
		}
		if (run_one(w, j) != 0) {
			vg_store_rollback(w->st);
			continue;
		}
		if (vg_store_commit(w->st, &err) != 0) {
			vg_store_rollback(w->st);
			j->rc = err.code ? err.code : VG_EDB;
			j->err = err;
		}
	}
}

static void run_group(struct vg_writer *w, struct vg_wjob *jobs, unsigned n)
{
	struct vg_err err = VG_ERR_INIT;
	struct vg_metrics *m = vg_server_metrics(w->srv);
	bool dirty = false;

	atomic_fetch_add(&m->batches, 1);
	atomic_fetch_add(&m->batch_jobs, n);
	if (n == 1 || vg_store_begin(w->st, &err) != 0) {
		run_singly(w, jobs);
		return;
	}
	for (struct vg_wjob *j = jobs; j && !dirty; j = j->next)
		if (run_one(w, j) != 0 && !clean_error(j->rc))
			dirty = true;
	if (!dirty && vg_store_commit(w->st, &err) == 0)
		return;
	vg_store_rollback(w->st);
	atomic_fetch_add(&m->batch_retries, 1);
	run_singly(w, jobs);
}

/* Before any writer is resumed: forget what the commit changed. */
static void invalidate(struct vg_writer *w, struct vg_wjob *jobs)
{
	struct vg_rcache *rc = vg_server_rcache(w->srv);
	bool cases = false;

	for (struct vg_wjob *j = jobs; j; j = j->next) {
		if (j->rc != 0 || j->touch == VG_TOUCH_NONE)
			continue;
		cases = true;
		if (j->touch == VG_TOUCH_CASE && j->touch_id)
			vg_rcache_invalidate(rc, j->touch_id);
		else
			vg_rcache_invalidate_all(rc);
	}
	if (cases)
		atomic_fetch_add(&w->generation, 1);
}

static void *writer_main(void *arg)
{
	struct vg_writer *w = arg;

	pthread_setname_np(pthread_self(), "vg-writer");
	for (;;) {
		struct vg_wjob *jobs, *tail = NULL;
		unsigned n = 0;

		pthread_mutex_lock(&w->mu);
		while (!w->head && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->head && w->stop) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		jobs = w->head;
		for (struct vg_wjob *j = jobs; j && n < GROUP_MAX; j = j->next, n++)
			tail = j;
		w->head = tail->next;
		if (!w->head)
			w->tail = NULL;
		tail->next = NULL;
		w->queued -= n;
		w->running = n;
		pthread_mutex_unlock(&w->mu);

		run_group(w, jobs, n);
		invalidate(w, jobs);
		for (struct vg_wjob *j = jobs, *next; j; j = next) {
			next = j->next;
			finish(j);
		}
		pthread_mutex_lock(&w->mu);
		w->running = 0;
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

int vg_writer_start(struct vg_http_server *srv, struct vg_store *st, struct vg_writer **out,
                    struct vg_err *err)
{
	struct vg_writer *w = vg_xcalloc(1, sizeof(*w));

	w->srv = srv;
	w->st = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		free(w);
		return vg_err_set(err, VG_EINTERNAL, NULL, "cannot start the writer thread");
	}
	*out = w;
	return 0;
}

void vg_writer_submit(struct vg_writer *w, struct vg_wjob *j)
{
	j->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	w->queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

unsigned vg_writer_pending(struct vg_writer *w)
{
	unsigned n;

	pthread_mutex_lock(&w->mu);
	n = w->queued + w->running;
	pthread_mutex_unlock(&w->mu);
	return n;
}

uint64_t vg_writer_generation(struct vg_writer *w)
{
	return atomic_load(&w->generation);
}

void vg_writer_stop(struct vg_writer *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}
