/* hvstat --follow SOURCE: the live view, refreshed in place like top or
 * kvm_stat, of the hypervisor's periodic dumps (rates.h) read from a serial
 * device at the hypervisor's baud, a pty, a FIFO or a log file that grows
 * (read from its start, then followed as tail -f does). Every other line
 * (the guest's console shares the port) is ignored by the reader. */
#define _DEFAULT_SOURCE /* cfmakeraw */
#include "follow.h"

#include "render_rates.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_KEPT 4096 /* our lines are under 300 bytes: longer ones are the guest's */
#define REDRAW_S 0.25

struct follow {
	const struct follow_options *o;
	struct hvr_reader reader;
	struct hvr_run run;
	char line[LINE_MAX_KEPT];
	size_t len;
	bool too_long, clear;
	size_t drawn; /* intervals at the last redraw */
	double drawn_at;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int baud_constant(unsigned baud, speed_t *out)
{
	static const struct {
		unsigned baud;
		speed_t c;
	} table[] = { { 9600, B9600 },	 { 19200, B19200 },   { 38400, B38400 },   { 57600, B57600 },
		      { 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 }, { 921600, B921600 } };
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].baud == baud)
			return *out = table[i].c, 0;
	return -1;
}

/* A terminal (serial adapter or pty): raw, 8N1, at the hypervisor's baud. */
static int setup_tty(int fd, const struct follow_options *o)
{
	struct termios t;
	speed_t speed;
	if (baud_constant(o->baud, &speed)) {
		fprintf(stderr, "hvstat: --baud %u: not one of 9600 19200 38400 57600 115200 230400 460800 921600\n",
			o->baud);
		return -1;
	}
	if (tcgetattr(fd, &t)) {
		fprintf(stderr, "hvstat: %s: %s\n", o->source, strerror(errno));
		return -1;
	}
	cfmakeraw(&t);
	t.c_cflag |= CLOCAL | CREAD;
	cfsetispeed(&t, speed);
	cfsetospeed(&t, speed);
	if (tcsetattr(fd, TCSANOW, &t)) {
		fprintf(stderr, "hvstat: %s: cannot set %u baud: %s\n", o->source, o->baud, strerror(errno));
		return -1;
	}
	return 0;
}

static void redraw(struct follow *f, bool final)
{
	if (!final && (f->run.n == f->drawn || now() - f->drawn_at < REDRAW_S))
		return;
	if (final && f->drawn && f->drawn == f->run.n)
		return; /* already on screen */
	if (!f->run.n)
		return;
	char title[512];
	snprintf(title, sizeof(title), "hvstat --follow %s", f->o->source);
	if (f->clear)
		fputs("\033[H\033[2J", stdout); /* home, clear: the view refreshes in place */
	else if (f->drawn)
		fputs("\n", stdout);
	hvr_print_view(stdout, &f->run, title);
	if (f->reader.damaged)
		printf("(%lu damaged dump lines skipped)\n", f->reader.damaged);
	fflush(stdout);
	f->drawn = f->run.n;
	f->drawn_at = now();
}

static void take(struct follow *f, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (f->len < sizeof(f->line))
				f->line[f->len++] = buf[i];
			else
				f->too_long = true;
			continue;
		}
		if (!f->too_long)
			hvr_feed_line(&f->reader, f->line, f->len);
		f->len = 0;
		f->too_long = false;
	}
}

/* Reads until the source ends (a pty's other side closed, a FIFO's writer
 * left), the idle limit passes, or with --once on a regular file its end. */
static void pump(struct follow *f, int fd, bool regular)
{
	char buf[65536];
	double last_input = now();
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int ready = regular ? 1 : poll(&p, 1, 100);
		ssize_t got = ready > 0 ? read(fd, buf, sizeof(buf)) : 0;
		if (got > 0) {
			take(f, buf, (size_t)got);
			last_input = now();
		} else if (got < 0 && errno != EAGAIN && errno != EINTR) {
			break; /* EIO: the pty's other side is gone */
		} else if (got == 0 && ready > 0 && !regular) {
			break; /* end of a FIFO or stdin */
		} else if (f->o->once && (regular || (f->run.n && now() - last_input > 0.5))) {
			break;
		} else if (f->o->idle_exit > 0 && now() - last_input > f->o->idle_exit) {
			break;
		} else if (regular) {
			usleep(100000); /* at the end of a growing file: wait for more */
		}
		if (!f->o->once && !f->o->timeline)
			redraw(f, false);
	}
}

static int write_timeline(const struct hvr_run *run, const struct follow_options *o)
{
	char title[512];
	FILE *out = fopen(o->timeline, "w");
	if (!out) {
		fprintf(stderr, "hvstat: cannot write %s: %s\n", o->timeline, strerror(errno));
		return 2;
	}
	snprintf(title, sizeof(title), "hvstat: VM exits per second over time in %s (%zu periodic dumps)", o->source,
		 run->n);
	int bad = hvr_write_timeline_svg(out, run, title);
	if (fclose(out) || bad) {
		fprintf(stderr, "hvstat: cannot write %s\n", o->timeline);
		return 2;
	}
	return 0;
}

int hvs_follow(const struct follow_options *o)
{
	static struct follow f;
	memset(&f, 0, sizeof(f));
	f.o = o;
	hvr_init(&f.reader, hvr_run_add, &f.run);
	bool is_stdin = !strcmp(o->source, "-");
	int fd = is_stdin ? 0 : open(o->source, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "hvstat: cannot open %s: %s\n", o->source, strerror(errno));
		return 2;
	}
	struct stat st;
	bool regular = !fstat(fd, &st) && S_ISREG(st.st_mode);
	if (isatty(fd) && setup_tty(fd, o)) {
		close(fd);
		return 2;
	}
	f.clear = !o->once && !o->timeline && isatty(1);
	pump(&f, fd, regular);
	if (!is_stdin)
		close(fd);
	int rc = f.run.n ? 0 : 1;
	if (o->timeline && f.run.n)
		rc = write_timeline(&f.run, o);
	else if (!o->timeline)
		redraw(&f, true);
	if (!f.run.n)
		fprintf(stderr, "hvstat: no periodic statistics read from %s\n", o->source);
	if (f.run.out_of_memory)
		fprintf(stderr, "hvstat: out of memory: some dumps were dropped\n");
	hvr_run_free(&f.run);
	return rc;
}
