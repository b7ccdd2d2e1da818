/*
 * pool.c - a few threads for CPU-heavy request work (argon2id).
 *
 * Verifying a password with interactive argon2id limits takes tens of
 * milliseconds and 64 MiB.  Done on a polling thread it would stall every
 * connection that thread serves, so login hands the verification to this
 * pool: the request is suspended, a pool thread runs the job, and resumes
 * the request (the same struct vg_wjob and resume path as the writer).
 * The pool has as many threads as it is given (two by default), which also
 * bounds the memory argon2id can take at once.
 */
#include "vg.h"
#include "util/util.h"
#include "http/http_int.h"

struct vg_pool {
	pthread_t *threads;
	unsigned n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct vg_wjob *head, *tail;
	unsigned queued, running;
	bool stop;
};

static void *pool_main(void *arg)
{
	struct vg_pool *p = arg;

	pthread_setname_np(pthread_self(), "vg-pool");
	for (;;) {
		struct vg_wjob *j;

		pthread_mutex_lock(&p->mu);
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->head) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);

		vg_err_clear(&j->err);
		j->rc = j->run(NULL, j, &j->err);
		pthread_mutex_lock(&p->mu);
		p->running--;
		pthread_mutex_unlock(&p->mu);
		vg_http_job_finished(j);
	}
}

struct vg_pool *vg_pool_start(unsigned n)
{
	struct vg_pool *p = vg_xcalloc(1, sizeof(*p));

	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->threads = vg_xcalloc(n, sizeof(*p->threads));
	for (unsigned i = 0; i < n; i++)
		if (pthread_create(&p->threads[p->n], NULL, pool_main, p) == 0)
			p->n++;
	if (p->n == 0)
		vg_die("vigil: cannot start any worker thread");
	return p;
}

void vg_pool_submit(struct vg_pool *p, struct vg_wjob *j)
{
	j->next = NULL;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

unsigned vg_pool_pending(struct vg_pool *p)
{
	unsigned n;

	pthread_mutex_lock(&p->mu);
	n = p->queued + p->running;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void vg_pool_stop(struct vg_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (unsigned i = 0; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->threads);
	free(p);
}
