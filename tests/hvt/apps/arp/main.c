/*
 * hvtarp: on net0, send an ARP request for 198.18.0.1 (the gateway of
 * user-mode networking, or the test's tap address) with a batch write,
 * then let the runtime's loop wait for the device and read batches until
 * the reply arrives. Prints "arp reply from 198.18.0.1" and exits 0, or
 * exits 1 after 3 s.
 */
#include <kiln/rt.h>
#include <string.h>

static platform_handle dev;
static struct kiln_waitq replied;
static bool got_reply;
static unsigned char bufs[4][1600];

static void on_ready(void *arg)
{
	struct platform_frame f[4] = {0};
	(void)arg;
	for (;;) {
		for (int i = 0; i < 4; i++)
			f[i] = (struct platform_frame){.data = bufs[i],
			                               .size = sizeof(bufs[i]),
			                               .len = 0};
		int n = platform_net_read_batch(dev, f, 4);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			const unsigned char *p = f[i].data;
			if (f[i].len >= 42 && p[12] == 0x08 && p[13] == 0x06 &&
			    p[21] == 2 && p[28] == 198 && p[29] == 18 &&
			    p[30] == 0 && p[31] == 1) {
				got_reply = true;
				kiln_waitq_wake_all(&replied);
			}
		}
	}
}

int kiln_main(int argc, char **argv)
{
	struct platform_net_info info;
	(void)argc;
	(void)argv;
	kiln_args_check();
	if (platform_net_acquire("net0", &dev, &info) != PLATFORM_OK) {
		kiln_puts("no net0");
		return 1;
	}
	unsigned char arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const unsigned char body[] = {0x08, 0x06, 0, 1, 0x08,
	                                     0,    6,    4, 0, 1};
	memcpy(arp + 6, info.mac, 6);
	memcpy(arp + 12, body, sizeof(body));
	memcpy(arp + 22, info.mac, 6);
	static const unsigned char me[4] = {198, 18, 0, 15};
	static const unsigned char gateway[4] = {198, 18, 0, 1};
	memcpy(arp + 28, me, 4);
	memcpy(arp + 38, gateway, 4);
	kiln_waitq_init(&replied);
	kiln_device_watch(dev, on_ready, NULL);
	struct platform_frame f = {
	        .data = arp, .size = sizeof(arp), .len = sizeof(arp)};
	if (platform_net_write_batch(dev, &f, 1) != 1) {
		kiln_puts("send failed");
		return 1;
	}
	kiln_time end = kiln_now() + KILN_SEC(3);
	while (!got_reply && kiln_waitq_wait(&replied, end) != -KILN_ETIMEDOUT)
		;
	if (!got_reply) {
		kiln_puts("no arp reply");
		return 1;
	}
	kiln_puts("arp reply from 198.18.0.1");
	return 0;
}
