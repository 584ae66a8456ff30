/*
 * platform/hvt/shm.c - platform_shm_* (kiln/platform.h) on kiln-hvt: the
 * --vchan links, one HVT_CALL_SHM per set-up step (hvt_abi.h).
 *
 * The windows are mapped before boot above guest memory, so offering,
 * finding and mapping only hand out addresses; the rings are read and
 * written there directly. Doorbells cost no exit: platform_shm_notify sets
 * a bit in the area the monitor reads at the next yield, and the monitor
 * reports a departed peer in the same area, so platform_shm_peer_gone is
 * a load.
 */
#include "hypercall.h"

#include <kiln/platform.h>
#include <string.h>

static struct hvt_shm_area area __attribute__((aligned(64)));
static bool area_given;

/* Pending doorbells make the next yield exit (platform.c). */
bool hvt_shm_pending(void)
{
	return area.notify != 0;
}

bool hvt_shm_active(void)
{
	return area_given;
}

static enum platform_result call(struct hvt_shm *s)
{
	if (!area_given) {
		struct hvt_shm a;
		memset(&a, 0, sizeof(a));
		a.op = HVT_SHM_AREA;
		a.addr = (uintptr_t)&area;
		a.result = HVT_EUNSUPPORTED;
		hvt_call(HVT_CALL_SHM, &a);
		if (a.result != HVT_OK)
			return PLATFORM_EUNSUPPORTED; /* an older monitor */
		area_given = true;
	}
	s->result = HVT_EUNSUPPORTED;
	hvt_call(HVT_CALL_SHM, s);
	return (enum platform_result)s->result;
}

static bool name_ok(const char *s)
{
	return s && strlen(s) < HVT_SHM_NAME_MAX;
}

static int chan_of(platform_handle h)
{
	return h >= HVT_SHM_HANDLE_BASE &&
	                       h < HVT_SHM_HANDLE_BASE + HVT_SHM_CHANNELS
	               ? (int)(h - HVT_SHM_HANDLE_BASE)
	               : -1;
}

enum platform_result platform_shm_offer(const char *peer, unsigned pages,
                                        platform_handle *h, void **mem,
                                        uint32_t *refs)
{
	struct hvt_shm s;
	if (!name_ok(peer) || pages == 0 || pages > PLATFORM_SHM_MAX_PAGES)
		return PLATFORM_EINVAL;
	memset(&s, 0, sizeof(s));
	s.op = HVT_SHM_OFFER;
	s.peer = (uintptr_t)peer;
	s.count = pages;
	enum platform_result r = call(&s);
	if (r != PLATFORM_OK)
		return r;
	for (unsigned i = 0; i < pages; i++)
		refs[i] = s.first + i;
	*h = s.handle;
	*mem = (void *)(uintptr_t)s.addr;
	return PLATFORM_OK;
}

enum platform_result platform_shm_publish(platform_handle h, const char *port)
{
	struct hvt_shm s;
	if (!name_ok(port))
		return PLATFORM_EINVAL;
	memset(&s, 0, sizeof(s));
	s.op = HVT_SHM_PUBLISH;
	s.handle = h;
	s.port = (uintptr_t)port;
	return call(&s);
}

enum platform_result platform_shm_find(const char *peer, const char *port,
                                       platform_handle *h, void **first)
{
	struct hvt_shm s;
	if (!name_ok(peer) || !name_ok(port))
		return PLATFORM_EINVAL;
	memset(&s, 0, sizeof(s));
	s.op = HVT_SHM_FIND;
	s.peer = (uintptr_t)peer;
	s.port = (uintptr_t)port;
	enum platform_result r = call(&s);
	if (r != PLATFORM_OK)
		return r;
	*h = s.handle;
	*first = (void *)(uintptr_t)s.addr;
	return PLATFORM_OK;
}

enum platform_result platform_shm_map(platform_handle h, const uint32_t *refs,
                                      unsigned n, void **mem)
{
	struct hvt_shm s;
	if (n == 0 || n > PLATFORM_SHM_MAX_PAGES)
		return PLATFORM_EINVAL;
	memset(&s, 0, sizeof(s));
	s.op = HVT_SHM_MAP;
	s.handle = h;
	s.refs = (uintptr_t)refs;
	s.count = n;
	enum platform_result r = call(&s);
	if (r == PLATFORM_OK)
		*mem = (void *)(uintptr_t)s.addr;
	return r;
}

void platform_shm_notify(platform_handle h)
{
	int c = chan_of(h);
	if (c >= 0)
		area.notify |= 1ull << c;
}

bool platform_shm_peer_gone(platform_handle h)
{
	int c = chan_of(h);
	return c < 0 || (area.gone >> c & 1);
}

void platform_shm_close(platform_handle h)
{
	struct hvt_shm s;
	int c = chan_of(h);
	if (c < 0)
		return;
	area.notify &= ~(1ull << c);
	memset(&s, 0, sizeof(s));
	s.op = HVT_SHM_CLOSE;
	s.handle = h;
	call(&s);
}
