/*
 * lib/vchan/noshm.c - weak stand-ins for platform_shm_* on targets that
 * have no shared memory with a peer (virtio, arm64, rpi3 today): each says
 * PLATFORM_EUNSUPPORTED, so vchan_listen and vchan_connect fail with
 * -KILN_ENOSYS there instead of the image failing to link. A target that
 * implements the calls (unix, hvt, xen) overrides every one of them.
 */
#include <kiln/platform.h>

__attribute__((weak)) enum platform_result
platform_shm_offer(const char *peer, unsigned pages, platform_handle *h,
                   void **mem, uint32_t *refs)
{
	(void)peer, (void)pages, (void)h, (void)mem, (void)refs;
	return PLATFORM_EUNSUPPORTED;
}

__attribute__((weak)) enum platform_result
platform_shm_publish(platform_handle h, const char *port)
{
	(void)h, (void)port;
	return PLATFORM_EUNSUPPORTED;
}

__attribute__((weak)) enum platform_result platform_shm_find(const char *peer,
                                                             const char *port,
                                                             platform_handle *h,
                                                             void **first)
{
	(void)peer, (void)port, (void)h, (void)first;
	return PLATFORM_EUNSUPPORTED;
}

__attribute__((weak)) enum platform_result
platform_shm_map(platform_handle h, const uint32_t *refs, unsigned n,
                 void **mem)
{
	(void)h, (void)refs, (void)n, (void)mem;
	return PLATFORM_EUNSUPPORTED;
}

__attribute__((weak)) void platform_shm_notify(platform_handle h)
{
	(void)h;
}

__attribute__((weak)) bool platform_shm_peer_gone(platform_handle h)
{
	(void)h;
	return true;
}

__attribute__((weak)) void platform_shm_close(platform_handle h)
{
	(void)h;
}
