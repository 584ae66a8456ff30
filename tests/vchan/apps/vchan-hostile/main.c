/*
 * vchan-hostile - a hostile vchan client for the tests, written against
 * platform.h alone (the shared page by hand, offsets from lib/vchan's
 * layout.h, which are libxenvchan's): it finds the server's control page,
 * says it is there as a client does, then moves its write index two rings
 * ahead of the server's read index and rings. A server that checks the
 * index closes the channel (srv_live 0): the app prints that and exits 0;
 * after 10 s without it, exit 1.
 *
 * Boot arguments: --peer=NAME (the server), --port=NAME (echo).
 */
#include "../../../../lib/vchan/layout.h"

#include <kiln/platform.h>
#include <kiln/rt.h>
#include <string.h>

#define APP "vchan-hostile"

static uint32_t load32(const uint8_t *p)
{
	return __atomic_load_n((const uint32_t *)p, __ATOMIC_ACQUIRE);
}

static void store32(uint8_t *p, uint32_t v)
{
	__atomic_store_n((uint32_t *)p, v, __ATOMIC_RELEASE);
}

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const char *peer = kiln_arg_string("--peer");
	const char *port = kiln_arg_string("--port");
	kiln_args_check();
	if (!peer)
		return 2;
	platform_handle h;
	void *first = NULL;
	kiln_time end = kiln_now() + KILN_SEC(10);
	while (platform_shm_find(peer, port ? port : "echo", &h, &first) !=
	       PLATFORM_OK) {
		if (kiln_now() > end) {
			kiln_puts(APP ": no server");
			return 1;
		}
		kiln_sleep(KILN_MSEC(50));
	}
	uint8_t *page = first;
	uint16_t lo = (uint16_t)(page[VCHAN_OFF_LEFT_ORDER] |
	                         page[VCHAN_OFF_LEFT_ORDER + 1] << 8);
	if (lo < VCHAN_ORDER_MIN || lo > VCHAN_ORDER_MAX)
		return 1;
	/* Connect like a client... */
	page[VCHAN_OFF_SRV_NOTIFY] = VCHAN_NOTIFY_WRITE;
	page[VCHAN_OFF_CLI_LIVE] = VCHAN_LIVE_UP;
	platform_shm_notify(h);
	kiln_sleep(KILN_MSEC(300));
	/* ... then claim two rings' worth of bytes. */
	store32(page + VCHAN_OFF_LEFT_PROD,
	        load32(page + VCHAN_OFF_LEFT_CONS) + (2u << lo));
	kiln_printf(APP ": wrote a write index two rings ahead\n");
	end = kiln_now() + KILN_SEC(10);
	while (kiln_now() < end) {
		platform_shm_notify(h);
		kiln_sleep(KILN_MSEC(100));
		if (page[VCHAN_OFF_SRV_LIVE] == VCHAN_LIVE_GONE) {
			kiln_puts(APP ": the server closed the channel");
			return 0;
		}
	}
	kiln_puts(APP ": the server kept the channel open");
	return 1;
}
