/*
 * monitor/hvt/vchan.c - kiln-hvt's --vchan links (docs/vchan.md): the
 * windows of host/vchan_link.c mapped into the guest above its memory,
 * the shared-memory call (HVT_CALL_SHM), and doorbells and departures
 * folded into the yield.
 *
 * Link i's window is KVM memory slot 1 + i at HVT_VCHAN_BASE + i *
 * HVT_VCHAN_STRIDE, mapped for CPL 3 read-write and no-exec with 2 MiB
 * pages (page directory at HVT_VCHAN_PD), all before the first entry.
 * The guest writes its rings there directly; the monitor only hands out
 * pages, publishes and finds names, and rings and hears doorbells. The
 * guest's doorbells wait in its struct hvt_shm_area until the next
 * yield, which rings them before it waits, so a busy channel costs no
 * exit of its own.
 *
 * Like every call, HVT_CALL_SHM trusts nothing from the guest: the
 * argument struct, names and reference arrays are copied out after their
 * ranges are checked, and handles and counts are checked before use.
 */
#include "hvt.h"

#include "../../host/hostopt.h"
#include "../../host/usernet.h"
#include "../../host/vchan_link.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define PTE_P 1ull
#define PTE_W 2ull
#define PTE_U 4ull
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define TWO_MB (2ull << 20)

_Static_assert(HVT_SHM_CHANNELS == HOST_VCHAN_CHANNELS, "one channel each");
_Static_assert(HVT_SHM_HANDLE_BASE >= HVT_BLOCK_HANDLE(HVT_MAX_BLOCK) &&
                       HVT_SHM_HANDLE_BASE + HVT_SHM_CHANNELS <= 63,
               "channel handles above the devices', below PLATFORM_STOP");
_Static_assert(HOST_MAX_VCHANS *HVT_VCHAN_STRIDE <= (1ull << 30),
               "the windows fit in the fourth GiB");
_Static_assert(HOST_VCHAN_WINDOW_MAX <= HVT_VCHAN_STRIDE,
               "a window fits its stride");
_Static_assert(HVT_VCHAN_BASE >= HVT_MEM_MAX, "above all guest memory");

static struct host_vchan links;
static struct hvt_shm_area *area; /* checked at HVT_SHM_AREA */
static bool have_links;

int hvt_vchan_setup(struct hvt *h, const struct host_options *o)
{
	char err[256];
	(void)h;
	if (host_vchan_setup(&links, o->vchan, o->n_vchan, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "kiln-hvt: %s\n", err);
		return -1;
	}
	have_links = o->n_vchan > 0;
	if (have_links)
		hvt_net_reserve();
	return 0;
}

bool hvt_vchan_links(void)
{
	return have_links;
}

static uint64_t window_gpa(unsigned link)
{
	return HVT_VCHAN_BASE + link * HVT_VCHAN_STRIDE;
}

int hvt_vchan_map(struct hvt *h)
{
	for (unsigned i = 0; i < links.nlinks; i++) {
		struct kvm_userspace_memory_region r = {
		        .slot = 1 + i,
		        .guest_phys_addr = window_gpa(i),
		        .memory_size = links.link[i].opt.window,
		        .userspace_addr =
		                (uint64_t)(uintptr_t)links.link[i].window,
		};
		if (ioctl(h->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
			fprintf(stderr, "kiln-hvt: --vchan peer=%s: %s\n",
			        links.link[i].opt.peer, strerror(errno));
			return -1;
		}
	}
	return 0;
}

void hvt_vchan_tables(struct hvt *h)
{
	if (!links.nlinks)
		return;
	/* The fourth GiB: a page directory of its own, with 2 MiB pages
	 * for the windows and nothing else. The layout's directories
	 * cover at most the first three (HVT_MEM_MAX). */
	uint64_t *pdpt = (uint64_t *)(h->mem + h->lay.pdpt);
	uint64_t *pd = (uint64_t *)(h->mem + HVT_VCHAN_PD);
	memset(pd, 0, HVT_PAGE);
	pdpt[HVT_VCHAN_BASE >> 30] = HVT_VCHAN_PD | PTE_P | PTE_W | PTE_U;
	for (unsigned i = 0; i < links.nlinks; i++) {
		uint64_t lo = window_gpa(i);
		for (uint64_t a = lo; a < lo + links.link[i].opt.window;
		     a += TWO_MB)
			pd[(a >> 21) & 511] =
			        a | PTE_P | PTE_W | PTE_U | PTE_PS | PTE_NX;
	}
}

/* ------------------------------------------------------------ the call */

/* Copy a NUL-terminated name of at most HVT_SHM_NAME_MAX bytes (with the
 * NUL) out of the guest; NULL when the address or length is bad. */
static const char *guest_name(struct hvt *h, uint64_t addr,
                              char out[HVT_SHM_NAME_MAX])
{
	for (unsigned i = 0; i < HVT_SHM_NAME_MAX; i++) {
		const char *c = hvt_guest_ptr(h, addr + i, 1, false);
		if (!c)
			return NULL;
		out[i] = *c;
		if (*c == 0)
			return out;
	}
	return NULL;
}

static int chan_of(uint32_t handle)
{
	if (handle < HVT_SHM_HANDLE_BASE ||
	    handle >= HVT_SHM_HANDLE_BASE + HVT_SHM_CHANNELS)
		return -1;
	unsigned c = handle - HVT_SHM_HANDLE_BASE;
	return links.chan[c].used ? (int)c : -1;
}

static uint64_t page_gpa(unsigned chan, uint32_t page)
{
	return window_gpa(host_vchan_chan_link(&links, chan)) +
	       (uint64_t)page * HOST_VCHAN_PAGE;
}

static uint32_t op_area(struct hvt *h, struct hvt_shm *s)
{
	struct hvt_shm_area *a = hvt_guest_ptr(h, s->addr, sizeof(*a), true);
	if (!a || (s->addr & 7)) {
		hvt_guest_error(h, "shm: bad area 0x%llx",
		                (unsigned long long)s->addr);
		return HVT_EINVAL;
	}
	a->notify = 0;
	a->gone = 0;
	area = a;
	return HVT_OK;
}

static uint32_t op_offer(struct hvt *h, struct hvt_shm *s)
{
	char peer[HVT_SHM_NAME_MAX];
	if (!guest_name(h, s->peer, peer)) {
		hvt_guest_error(h, "shm offer: bad peer name 0x%llx",
		                (unsigned long long)s->peer);
		return HVT_EINVAL;
	}
	if (s->count == 0 || s->count > HVT_SHM_PAGES_MAX)
		return HVT_EINVAL;
	unsigned chan;
	uint32_t first;
	int r = host_vchan_offer(&links, peer, s->count, &chan, &first);
	if (r != HOST_VCHAN_OK)
		return (uint32_t)r;
	s->handle = HVT_SHM_HANDLE_BASE + chan;
	s->addr = page_gpa(chan, first);
	s->first = first;
	return HVT_OK;
}

static uint32_t op_publish(struct hvt *h, struct hvt_shm *s)
{
	char port[HVT_SHM_NAME_MAX];
	int c = chan_of(s->handle);
	if (!guest_name(h, s->port, port)) {
		hvt_guest_error(h, "shm publish: bad port name 0x%llx",
		                (unsigned long long)s->port);
		return HVT_EINVAL;
	}
	if (c < 0)
		return HVT_EINVAL;
	return (uint32_t)host_vchan_publish(&links, (unsigned)c, port);
}

static uint32_t op_find(struct hvt *h, struct hvt_shm *s)
{
	char peer[HVT_SHM_NAME_MAX], port[HVT_SHM_NAME_MAX];
	if (!guest_name(h, s->peer, peer) || !guest_name(h, s->port, port)) {
		hvt_guest_error(h, "shm find: bad name 0x%llx/0x%llx",
		                (unsigned long long)s->peer,
		                (unsigned long long)s->port);
		return HVT_EINVAL;
	}
	unsigned chan;
	uint32_t first;
	int r = host_vchan_find(&links, peer, port, &chan, &first);
	if (r != HOST_VCHAN_OK)
		return (uint32_t)r;
	s->handle = HVT_SHM_HANDLE_BASE + chan;
	s->addr = page_gpa(chan, first);
	return HVT_OK;
}

static uint32_t op_map(struct hvt *h, struct hvt_shm *s)
{
	static uint32_t refs[HVT_SHM_PAGES_MAX];
	int c = chan_of(s->handle);
	if (c < 0 || s->count == 0 || s->count > HVT_SHM_PAGES_MAX)
		return HVT_EINVAL;
	const void *p = hvt_guest_ptr(h, s->refs, s->count * 4ull, false);
	if (!p) {
		hvt_guest_error(h, "shm map: bad references 0x%llx+%u",
		                (unsigned long long)s->refs, s->count);
		return HVT_EINVAL;
	}
	memcpy(refs, p, s->count * 4ull);
	uint32_t first;
	int r = host_vchan_map(&links, (unsigned)c, refs, s->count, &first);
	if (r != HOST_VCHAN_OK)
		return (uint32_t)r;
	s->addr = page_gpa((unsigned)c, first);
	return HVT_OK;
}

void hvt_vchan_call(struct hvt *h, uint32_t arg)
{
	struct hvt_shm s;
	if (!hvt_get_arg(h, HVT_CALL_SHM, arg, &s, sizeof(s)))
		return;
	int c;
	switch (s.op) {
	case HVT_SHM_AREA:
		s.result = op_area(h, &s);
		break;
	case HVT_SHM_OFFER:
		s.result = op_offer(h, &s);
		break;
	case HVT_SHM_PUBLISH:
		s.result = op_publish(h, &s);
		break;
	case HVT_SHM_FIND:
		s.result = op_find(h, &s);
		break;
	case HVT_SHM_MAP:
		s.result = op_map(h, &s);
		break;
	case HVT_SHM_CLOSE:
		c = chan_of(s.handle);
		s.result = c < 0 ? HVT_EINVAL : HVT_OK;
		if (c >= 0) {
			host_vchan_close(&links, (unsigned)c);
			if (area) {
				area->notify &= ~(1ull << c);
				area->gone &= ~(1ull << c);
			}
		}
		break;
	default:
		hvt_guest_error(h, "shm: unknown operation %u", s.op);
		s.result = HVT_EINVAL;
	}
	hvt_put_arg(h, arg, &s, sizeof(s));
}

/* ----------------------------------------------------------- the yield */

void hvt_vchan_flush(struct hvt *h)
{
	(void)h;
	if (!area)
		return;
	uint64_t bits = area->notify; /* once */
	area->notify = 0;
	for (unsigned i = 0; bits && i < HVT_SHM_CHANNELS; i++)
		if (bits & (1ull << i))
			host_vchan_notify(&links, i);
	host_vchan_ring(&links);
}

void hvt_vchan_poll_fill(struct hvt *h, struct host_pollset *ps)
{
	(void)h;
	host_vchan_poll_fill(&links, ps);
}

uint64_t hvt_vchan_poll_done(struct hvt *h, const struct host_pollset *ps,
                             int r)
{
	(void)h;
	uint64_t chans = host_vchan_poll_done(&links, ps, r);
	if (area) {
		uint64_t gone = 0;
		for (unsigned i = 0; i < HVT_SHM_CHANNELS; i++)
			if (links.chan[i].used && host_vchan_gone(&links, i))
				gone |= 1ull << i;
		area->gone = gone;
	}
	return chans << HVT_SHM_HANDLE_BASE;
}

int hvt_vchan_listen_fd(unsigned i)
{
	return i < links.nlinks && links.link[i].creator
	               ? links.link[i].listen_fd
	               : -1;
}
