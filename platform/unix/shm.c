/*
 * shm.c - platform_shm_* (kiln/platform.h) on the unix target: the
 * --vchan links of host/vchan_link.h, whose windows this process maps.
 *
 * A reference is a page number in the link's window; an offer's pages
 * follow each other, and so must the refs given to platform_shm_map. The
 * doorbells are rung, and the links' sockets and bells polled, by
 * platform_yield (yield.c). Channel i is device handle
 * UNIX_SHM_HANDLE_BASE + i.
 */
#include "unix.h"

#include "../../host/vchan_link.h"

#include <stdlib.h>
#include <string.h>

static struct host_vchan links;

_Static_assert(UNIX_MAX_DEVICES <= UNIX_SHM_HANDLE_BASE,
               "device handles stay below the channels'");
_Static_assert(UNIX_SHM_HANDLE_BASE + HOST_VCHAN_CHANNELS <=
                       PLATFORM_MAX_DEVICES,
               "channel handles fit in a device set");

static void shutdown_links(void)
{
	host_vchan_shutdown(&links);
}

void unix_shm_setup(const struct host_options *o)
{
	char err[256];
	if (host_vchan_setup(&links, o->vchan, o->n_vchan, err, sizeof(err)) <
	    0) {
		unix_say("kiln: %s", err);
		exit(1);
	}
	if (o->n_vchan)
		atexit(shutdown_links);
}

void unix_shm_poll_fill(struct host_pollset *ps)
{
	host_vchan_poll_fill(&links, ps);
}

platform_device_set unix_shm_poll_done(const struct host_pollset *ps, int r)
{
	uint64_t chans = host_vchan_poll_done(&links, ps, r);
	return (platform_device_set)chans << UNIX_SHM_HANDLE_BASE;
}

/* The channel of handle h, or -1. */
static int chan_of(platform_handle h)
{
	if (h < UNIX_SHM_HANDLE_BASE ||
	    h >= UNIX_SHM_HANDLE_BASE + HOST_VCHAN_CHANNELS)
		return -1;
	unsigned c = h - UNIX_SHM_HANDLE_BASE;
	return links.chan[c].used ? (int)c : -1;
}

static void *page_addr(unsigned chan, uint32_t page)
{
	const struct host_vchan_link *l =
	        &links.link[host_vchan_chan_link(&links, chan)];
	return l->window + (uint64_t)page * HOST_VCHAN_PAGE;
}

enum platform_result platform_shm_offer(const char *peer, unsigned pages,
                                        platform_handle *h, void **mem,
                                        uint32_t *refs)
{
	if (pages == 0 || pages > PLATFORM_SHM_MAX_PAGES)
		return PLATFORM_EINVAL;
	unsigned chan;
	uint32_t first;
	int r = host_vchan_offer(&links, peer, pages, &chan, &first);
	if (r != HOST_VCHAN_OK)
		return (enum platform_result)r;
	for (unsigned i = 0; i < pages; i++)
		refs[i] = first + i;
	*mem = page_addr(chan, first);
	*h = UNIX_SHM_HANDLE_BASE + chan;
	return PLATFORM_OK;
}

enum platform_result platform_shm_publish(platform_handle h, const char *port)
{
	int c = chan_of(h);
	if (c < 0)
		return PLATFORM_EINVAL;
	return (enum platform_result)host_vchan_publish(&links, (unsigned)c,
	                                                port);
}

enum platform_result platform_shm_find(const char *peer, const char *port,
                                       platform_handle *h, void **first)
{
	unsigned chan;
	uint32_t page;
	int r = host_vchan_find(&links, peer, port, &chan, &page);
	if (r != HOST_VCHAN_OK)
		return (enum platform_result)r;
	*first = page_addr(chan, page);
	*h = UNIX_SHM_HANDLE_BASE + chan;
	return PLATFORM_OK;
}

enum platform_result platform_shm_map(platform_handle h, const uint32_t *refs,
                                      unsigned n, void **mem)
{
	int c = chan_of(h);
	uint32_t page;
	if (c < 0 || n == 0 || n > PLATFORM_SHM_MAX_PAGES)
		return PLATFORM_EINVAL;
	int r = host_vchan_map(&links, (unsigned)c, refs, n, &page);
	if (r != HOST_VCHAN_OK)
		return (enum platform_result)r;
	*mem = page_addr((unsigned)c, page);
	return PLATFORM_OK;
}

void platform_shm_notify(platform_handle h)
{
	int c = chan_of(h);
	if (c >= 0)
		host_vchan_notify(&links, (unsigned)c);
}

bool platform_shm_peer_gone(platform_handle h)
{
	int c = chan_of(h);
	return c < 0 || host_vchan_gone(&links, (unsigned)c);
}

void platform_shm_close(platform_handle h)
{
	int c = chan_of(h);
	if (c >= 0)
		host_vchan_close(&links, (unsigned)c);
}
