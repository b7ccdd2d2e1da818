/*
 * progress.c - a progress bar on stderr.
 *
 * Drawn only when stderr is a terminal (so logs and pipes stay clean), at
 * most ten times a second, on one line rewritten with '\r'.  With a total
 * it shows a bar and a percentage; without one, a running count.
 */
#include "vg.h"
#include "util/util.h"

#include <time.h>
#include <unistd.h>

double vg_now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vg_progress_start(struct vg_progress *p, const char *label, uint64_t total)
{
	p->label = label;
	p->total = total;
	p->done = 0;
	p->last_draw = 0;
	p->tty = isatty(STDERR_FILENO) == 1 && !getenv("VIGIL_NO_PROGRESS");
}

static void draw(const struct vg_progress *p)
{
	char bar[31];

	if (p->total) {
		uint64_t done = p->done > p->total ? p->total : p->done;
		int fill = (int)(30.0 * (double)done / (double)p->total);
		for (int i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[30] = '\0';
		fprintf(stderr, "\r%s [%s] %5.1f%%", p->label, bar,
		        100.0 * (double)done / (double)p->total);
	} else {
		fprintf(stderr, "\r%s %" PRIu64, p->label, p->done);
	}
	fflush(stderr);
}

void vg_progress_update(struct vg_progress *p, uint64_t done)
{
	double now;

	p->done = done;
	if (!p->tty)
		return;
	now = vg_now_seconds();
	if (now - p->last_draw < 0.1)
		return;
	p->last_draw = now;
	draw(p);
}

void vg_progress_finish(struct vg_progress *p)
{
	if (!p->tty)
		return;
	draw(p);
	fputc('\n', stderr);
}
