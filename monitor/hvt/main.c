/*
 * monitor/hvt/main.c - kiln-hvt: run a Kiln unikernel image on KVM.
 *
 *   kiln-hvt [--mem SIZE] [--net SPEC]... [--block file=PATH]... [--quiet]
 *            [--stats] IMAGE [-- BOOTARGS...]
 *
 * The host options (--mem, --net, --block) are host/hostopt.c's, shared
 * with the unix target.
 *
 * Order of work: options, then the image is read and validated (no KVM
 * needed, so a bad image fails fast), then devices, the VM and guest
 * memory are set up, the process confines itself with seccomp, and the
 * vCPU runs until the guest exits or faults. Setup errors: one line,
 * exit 2. Guest faults and aborts: one line, exit 255.
 */
#include "hvt.h"

#include "../../host/hostopt.h"
#include "../../host/stop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_REPORTS 100

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: kiln-hvt [options] IMAGE [-- BOOTARGS...]\n"
	        "Run a Kiln unikernel image (built with -t hvt) on KVM.\n"
	        "\n"
	        "  --mem SIZE           guest memory, e.g. 16M (default 64M, "
	        "at most 3G)\n"
	        "  --net user[,hostfwd=tcp:127.0.0.1:H-:G]...\n"
	        "                       a network device on user-mode "
	        "networking (net0, ...)\n"
	        "  --net tap,ifname=NAME  a network device on a tap "
	        "interface\n"
	        "  --block file=PATH    a block device on a file (blk0, "
	        "blk1, ...)\n"
	        "  --vchan peer=NAME,path=PATH[,window=SIZE]\n"
	        "                       a vchan link to the guest given the "
	        "same PATH\n"
	        "  --quiet              discard the guest's console output\n"
	        "  --stats              print exits by hypercall and frame "
	        "counts at the end\n"
	        "                       (and on SIGUSR1); also "
	        "KILN_HVT_STATS=1\n"
	        "  --io-thread          serve tap devices' frame rings from "
	        "an I/O thread\n"
	        "                       while the guest runs; also "
	        "KILN_HVT_IO_THREAD=1\n"
	        "  --help               this text\n"
	        "\n"
	        "Exit status: the guest's, 2 for a setup error (bad option "
	        "or image),\n"
	        "255 when the guest faults or aborts.\n");
}

static _Noreturn void die(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	fputs("kiln-hvt: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

void hvt_guest_error(struct hvt *h, const char *fmt, ...)
{
	va_list ap;
	/* (Also called from the I/O thread.) */
	unsigned n = __atomic_fetch_add(&h->reports, 1, __ATOMIC_RELAXED);
	if (n >= MAX_REPORTS) {
		if (n == MAX_REPORTS)
			fprintf(stderr, "kiln-hvt: guest error: (further "
			                "reports suppressed)\n");
		return;
	}
	fputs("kiln-hvt: guest error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (refused)\n", stderr);
}

volatile int hvt_stats_wanted;

static void on_sigusr1(int sig)
{
	(void)sig;
	hvt_stats_wanted = 1;
}

/* Two lines: exits by hypercall, then what the frame areas moved. */
void hvt_print_stats(const struct hvt *h)
{
	const struct hvt_stats *s = &h->st;
	fprintf(stderr, "kiln-hvt: %llu exits:", (unsigned long long)s->exits);
	for (unsigned i = 0; i < HVT_CALL_COUNT; i++)
		if (s->calls[i])
			fprintf(stderr, " %s %llu", hvt_call_names[i],
			        (unsigned long long)s->calls[i]);
	fputc('\n', stderr);
	if (h->nnet)
		fprintf(stderr,
		        "kiln-hvt: frames: %llu out, %llu in, %llu dropped "
		        "out, %llu dropped in, %llu bad; %llu waits, %llu "
		        "skipped\n",
		        (unsigned long long)s->tx_frames,
		        (unsigned long long)s->rx_frames,
		        (unsigned long long)s->tx_dropped,
		        (unsigned long long)s->rx_dropped,
		        (unsigned long long)s->bad_frames,
		        (unsigned long long)s->waits,
		        (unsigned long long)s->waits_skipped);
	if (hvt_netio_running())
		fprintf(stderr,
		        "kiln-hvt: I/O thread: %llu sleeps, %llu while the "
		        "vCPU waited\n",
		        (unsigned long long)__atomic_load_n(&s->io_wakes,
		                                            __ATOMIC_RELAXED),
		        (unsigned long long)__atomic_load_n(&s->io_aside,
		                                            __ATOMIC_RELAXED));
}

_Noreturn void hvt_exit(struct hvt *h, int status)
{
	if (h->stats)
		hvt_print_stats(h);
#ifdef __SANITIZE_ADDRESS__
	exit(status); /* the sanitizer's leak check runs at exit */
#else
	/* Output flushed, nothing else to undo: the kernel frees the VM
	 * and memory either way, so skip libc's exit handlers. */
	fflush(stdout);
	fflush(stderr);
	_exit(status);
#endif
}

static uint8_t *read_image(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("%s: not a regular file", path);
	if ((uint64_t)st.st_size > HVT_MEM_MAX)
		die("%s: too large (%lld bytes)", path, (long long)st.st_size);
	uint8_t *buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf)
		die("%s: out of memory", path);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("%s: read failed", path);
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
}

/* Boot arguments joined by single spaces. */
static void join_args(char *out, size_t size, int argc, char **argv)
{
	size_t n = 0;
	out[0] = 0;
	for (int i = 0; i < argc; i++) {
		size_t l = strlen(argv[i]);
		if (n + l + (i > 0) >= size)
			die("boot arguments longer than %zu bytes", size - 1);
		if (i > 0)
			out[n++] = ' ';
		memcpy(out + n, argv[i], l + 1);
		n += l;
	}
}

int main(int argc, char **argv)
{
	static struct hvt hvt;
	static struct host_options opt;
	static char cmdline[HVT_CMDLINE_MAX];
	struct hvt *h = &hvt;
	char err[200];
	int i;

	host_options_init(&opt);
	for (i = 1; i < argc;) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--quiet") == 0) {
			h->quiet = true;
			i++;
			continue;
		}
		if (strcmp(a, "--stats") == 0) {
			h->stats = true;
			i++;
			continue;
		}
		if (strcmp(a, "--io-thread") == 0) {
			h->io_thread = true;
			i++;
			continue;
		}
		int used = host_option(&opt, argc, argv, i, err, sizeof(err));
		if (used < 0)
			die("%s", err);
		if (used > 0) {
			i += used;
			continue;
		}
		if (a[0] == '-' && a[1] != 0)
			die("unknown option %s (see --help)", a);
		break;
	}
	if (i >= argc)
		die("no IMAGE given (see --help)");
	h->image_path = argv[i++];
	if (i < argc && strcmp(argv[i], "--") != 0)
		die("unexpected %s after IMAGE (boot arguments follow --)",
		    argv[i]);
	if (i < argc)
		i++;
	join_args(cmdline, sizeof(cmdline), argc - i, argv + i);
	host_stop_init();
#ifdef KILN_HVT_TEST_HOOKS
	/* The test build only (bin/kiln-hvt-test, tests/entropy):
	 * KILN_HVT_NO_ENTROPY=1 answers the guest's entropy call
	 * "unsupported", a host with no randomness to give. */
	const char *ne = getenv("KILN_HVT_NO_ENTROPY");
	h->no_entropy = ne && strcmp(ne, "1") == 0;
#endif
	const char *st = getenv("KILN_HVT_STATS");
	h->stats |= st && *st && strcmp(st, "0") != 0;
	const char *io = getenv("KILN_HVT_IO_THREAD");
	h->io_thread |= io && *io && strcmp(io, "0") != 0;
	if (h->stats) {
		/* SIGUSR1 prints the counters so far (bench/net/run.sh). */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigusr1;
		sigaction(SIGUSR1, &sa, NULL);
	}

	if (opt.mem < HVT_MEM_MIN || opt.mem > HVT_MEM_MAX)
		die("--mem: kiln-hvt guests have 2M to 3G of memory");
	if (hvt_layout_plan(&h->lay, opt.mem) < 0)
		die("--mem: %llu bytes is too small",
		    (unsigned long long)opt.mem);

	size_t len;
	uint8_t *file = read_image(h->image_path, &len);
	if (hvt_elf_parse(file, len, HVT_IMAGE_MIN, h->lay.image_limit, &h->img,
	                  err, sizeof(err)) < 0)
		die("%s: %s", h->image_path, err);

	if (opt.n_block > HVT_MAX_BLOCK || opt.n_net > HVT_MAX_NET)
		die("at most %d --block and %d --net devices", HVT_MAX_BLOCK,
		    HVT_MAX_NET);
	for (unsigned k = 0; k < opt.n_block; k++)
		if (hvt_block_add(h, opt.block[k].path) < 0)
			exit(2);
	for (unsigned k = 0; k < opt.n_net; k++)
		if (hvt_net_add(h, &opt.net[k]) < 0)
			exit(2);
	if (hvt_vchan_setup(h, &opt) < 0)
		exit(2);

	if (hvt_kvm_open(h) < 0 || hvt_vchan_map(h) < 0)
		exit(2);
	hvt_elf_copy(file, len, &h->img, h->mem, h->lay.mem_size);
	free(file);
	if (hvt_layout_build(h, cmdline) < 0 || hvt_kvm_setup(h) < 0)
		die("cannot set up the guest");
	hvt_vchan_tables(h);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	((struct hvt_boot_info *)(h->mem + HVT_BOOT_INFO))->wall_ns =
	        (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (hvt_netio_start(h) < 0)
		die("cannot start the I/O thread");
	if (hvt_seccomp(h) < 0)
		die("cannot install the seccomp filter");
	hvt_kvm_run(h);
}
