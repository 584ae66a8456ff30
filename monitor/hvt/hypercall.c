/*
 * monitor/hvt/hypercall.c - serve the guest's hypercalls.
 *
 * A hypercall is "outl %eax, $port" with eax the guest address of an
 * argument struct (hvt_abi.h). The guest is hostile as far as the monitor
 * is concerned: the struct is copied out of guest memory only after its
 * range is checked, every address and length inside it is checked the same
 * way (overflow-safe) before use, and results are copied back. A bad
 * address is refused (HVT_EINVAL where the call has a result) and reported
 * on stderr; the monitor carries on.
 */
#include "hvt.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

const char *const hvt_call_names[HVT_CALL_COUNT] = {
        "console",     "walltime",    "yield",         "net acquire",
        "net read",    "net write",   "block acquire", "block read",
        "block write", "block flush", "exit",          "abort",
        "fault",       "net flush",   "entropy",       "shm",
        "net offload",
};

static bool in_ranges(const struct hvt_range *r, unsigned n, uint64_t addr,
                      uint64_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (addr >= r[i].lo && addr < r[i].hi && len <= r[i].hi - addr)
			return true;
	return false;
}

void *hvt_guest_ptr(struct hvt *h, uint64_t addr, uint64_t len, bool write)
{
	const struct hvt_layout *lay = &h->lay;
	if (len == 0)
		return addr <= lay->mem_size ? h->mem : NULL;
	bool ok = write ? in_ranges(lay->writable, lay->nwritable, addr, len)
	                : in_ranges(lay->readable, lay->nreadable, addr, len);
	return ok ? h->mem + addr : NULL;
}

/* Copy the argument struct out of the guest (and later back in). */
bool hvt_get_arg(struct hvt *h, unsigned nr, uint32_t arg, void *out,
                 size_t size)
{
	void *p = hvt_guest_ptr(h, arg, size, true);
	if (!p) {
		hvt_guest_error(h, "%s: bad argument pointer 0x%x",
		                hvt_call_names[nr], arg);
		return false;
	}
	memcpy(out, p, size);
	return true;
}

void hvt_put_arg(struct hvt *h, uint32_t arg, const void *in, size_t size)
{
	memcpy(h->mem + arg, in, size); /* checked by get_arg */
}

static void console(struct hvt *h, uint32_t arg)
{
	struct hvt_console c;
	if (!hvt_get_arg(h, HVT_CALL_CONSOLE, arg, &c, sizeof(c)))
		return;
	const char *p = hvt_guest_ptr(h, c.data, c.len, false);
	if (!p) {
		hvt_guest_error(h, "console: bad buffer 0x%llx+%llu",
		                (unsigned long long)c.data,
		                (unsigned long long)c.len);
		return;
	}
	if (h->quiet)
		return;
	size_t left = c.len;
	while (left > 0) {
		ssize_t n = write(STDOUT_FILENO, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* best effort: the console never fails */
		p += n;
		left -= (size_t)n;
	}
}

static void walltime(struct hvt *h, uint32_t arg)
{
	struct hvt_walltime w;
	struct timespec ts;
	if (!hvt_get_arg(h, HVT_CALL_WALLTIME, arg, &w, sizeof(w)))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	w.ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	hvt_put_arg(h, arg, &w, sizeof(w));
}

/* The host's randomness for the guest's keys (platform_entropy). */
static void entropy(struct hvt *h, uint32_t arg)
{
	struct hvt_entropy e;
	if (!hvt_get_arg(h, HVT_CALL_ENTROPY, arg, &e, sizeof(e)))
		return;
	uint8_t *p = e.len <= HVT_ENTROPY_MAX
	                     ? hvt_guest_ptr(h, e.data, e.len, true)
	                     : NULL;
	e.result = HVT_EINVAL;
	if (p && h->no_entropy) {
		e.result = HVT_EUNSUPPORTED;
	} else if (p) {
		size_t got = 0;
		e.result = HVT_OK;
		while (got < e.len) {
			ssize_t n =
			        getrandom(p + got, e.len - got, GRND_NONBLOCK);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				e.result = HVT_EUNSPEC;
				break;
			}
			got += (size_t)n;
		}
	} else {
		hvt_guest_error(h, "entropy: bad buffer 0x%llx+%llu",
		                (unsigned long long)e.data,
		                (unsigned long long)e.len);
	}
	hvt_put_arg(h, arg, &e, sizeof(e));
}

/* The only place the guest waits: until the timeout or device input. */
static void yield(struct hvt *h, uint32_t arg)
{
	struct hvt_yield y;
	if (!hvt_get_arg(h, HVT_CALL_YIELD, arg, &y, sizeof(y)))
		return;
	y.ready = hvt_net_wait(h, y.timeout_ns > 0 ? y.timeout_ns : 0);
	hvt_put_arg(h, arg, &y, sizeof(y));
}

static void guest_exit(struct hvt *h, uint32_t arg)
{
	struct hvt_exit e;
	if (!hvt_get_arg(h, HVT_CALL_EXIT, arg, &e, sizeof(e)))
		return;
	if (e.status > 255) {
		hvt_guest_error(h, "exit: status %llu out of range",
		                (unsigned long long)e.status);
		return;
	}
	hvt_net_flush_all(h); /* frames queued just before the exit */
	hvt_exit(h, (int)e.status);
}

static void guest_abort(struct hvt *h, uint32_t arg)
{
	struct hvt_abort a;
	char msg[256];
	size_t n = 0;
	if (!hvt_get_arg(h, HVT_CALL_ABORT, arg, &a, sizeof(a)))
		return;
	uint64_t len = a.len < sizeof(msg) - 1 ? a.len : sizeof(msg) - 1;
	const char *p = hvt_guest_ptr(h, a.msg, len, false);
	if (p) {
		/* One line of plain text, whatever the guest sent. */
		for (; n < len && p[n] && p[n] != '\n'; n++)
			msg[n] = (p[n] >= 0x20 && p[n] < 0x7f) ? p[n] : '?';
		msg[n] = 0;
	} else {
		snprintf(msg, sizeof(msg), "(bad message pointer 0x%llx)",
		         (unsigned long long)a.msg);
	}
	fprintf(stderr, "kiln-hvt: guest aborted: %s\n", msg);
	hvt_exit(h, 255);
}

/* Only the supervisor (CPL 0) may report a fault. */
static void fault(struct hvt *h, uint32_t arg)
{
	struct kvm_sregs sr;
	if (ioctl(h->vcpu_fd, KVM_GET_SREGS, &sr) < 0 || sr.cs.dpl != 0 ||
	    arg != HVT_SUPER_DATA + HVT_SD_FAULT) {
		hvt_guest_error(h, "fault: not called by the supervisor");
		return;
	}
	struct hvt_fault f;
	memcpy(&f, h->mem + arg, sizeof(f));
	hvt_report_fault(h, &f);
}

void hvt_hypercall(struct hvt *h, unsigned nr, uint32_t arg)
{
	h->st.calls[nr]++;
	switch (nr) {
	case HVT_CALL_CONSOLE:
		console(h, arg);
		break;
	case HVT_CALL_WALLTIME:
		walltime(h, arg);
		break;
	case HVT_CALL_ENTROPY:
		entropy(h, arg);
		break;
	case HVT_CALL_SHM:
		hvt_vchan_call(h, arg);
		break;
	case HVT_CALL_YIELD:
		yield(h, arg);
		break;
	case HVT_CALL_EXIT:
		guest_exit(h, arg);
		break;
	case HVT_CALL_ABORT:
		guest_abort(h, arg);
		break;
	case HVT_CALL_FAULT:
		fault(h, arg);
		break;
	case HVT_CALL_NET_ACQUIRE:
	case HVT_CALL_NET_READ:
	case HVT_CALL_NET_WRITE:
	case HVT_CALL_NET_FLUSH:
	case HVT_CALL_NET_OFFLOAD:
		hvt_net_call(h, nr, arg);
		break;
	default:
		hvt_block_call(h, nr, arg);
		break;
	}
}
