/*
 * hvtframes: move more frames at once than kiln-hvt's frame rings hold
 * (hvt_abi.h: HVT_NET_RING_SIZE bytes each way), so the overflow paths
 * run.
 *
 *   --send=N     write N numbered frames to net0 in one batch call, then
 *                exit at once (the last ones leave with the exit)
 *   --len=L      frames of L bytes (60 .. 1514, default 60)
 *   --receive=N  print "ready", keep the loop busy for --busy-ms (default
 *                500) so frames pile up on the host, then count the
 *                numbered frames until N arrived (3 s at most)
 *
 * Frames: broadcast, EtherType 0x88b5 (local experimental), "KILN" and a
 * 32-bit little-endian sequence number. --receive prints "received N of
 * M, K out of order" and exits 0 only when all M arrived in order.
 */
#include <kiln/rt.h>
#include <string.h>

#define FRAME_MAX 1514
#define MAX_FRAMES 3000

static platform_handle dev;
static struct platform_net_info info;
static struct kiln_waitq done;
static uint32_t want, got, disorder, frame_len = 60;

static void make_frame(unsigned char *p, uint32_t seq)
{
	memset(p, 0, frame_len);
	memset(p, 0xff, 6);
	memcpy(p + 6, info.mac, 6);
	p[12] = 0x88;
	p[13] = 0xb5;
	memcpy(p + 14, "KILN", 4);
	for (int i = 0; i < 4; i++)
		p[18 + i] = (unsigned char)(seq >> (8 * i));
}

static int send_frames(uint32_t n)
{
	static unsigned char data[MAX_FRAMES][FRAME_MAX];
	static struct platform_frame f[MAX_FRAMES];
	for (uint32_t i = 0; i < n; i++) {
		make_frame(data[i], i);
		f[i] = (struct platform_frame){
		        .data = data[i], .size = frame_len, .len = frame_len};
	}
	/* One call for them all; the platform flushes full areas itself. */
	uint32_t sent = 0;
	kiln_time end = kiln_now() + KILN_SEC(3);
	while (sent < n && kiln_now() < end) {
		int r = platform_net_write_batch(dev, f + sent, n - sent);
		if (r < 0) {
			kiln_printf("write failed: %d\n", r);
			return 1;
		}
		sent += (uint32_t)r;
		if (sent < n)
			kiln_sleep(KILN_MSEC(1)); /* congested: let it drain */
	}
	kiln_printf("sent %u\n", sent);
	return sent == n ? 0 : 1;
}

static void on_ready(void *arg)
{
	static unsigned char bufs[16][1600];
	struct platform_frame f[16] = {0};
	(void)arg;
	for (;;) {
		for (int i = 0; i < 16; i++)
			f[i] = (struct platform_frame){.data = bufs[i],
			                               .size = sizeof(bufs[i]),
			                               .len = 0};
		int n = platform_net_read_batch(dev, f, 16);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			const unsigned char *p = f[i].data;
			if (f[i].len < 22 || p[12] != 0x88 || p[13] != 0xb5 ||
			    memcmp(p + 14, "KILN", 4) != 0)
				continue;
			uint32_t seq = 0;
			for (int k = 0; k < 4; k++)
				seq |= (uint32_t)p[18 + k] << (8 * k);
			if (seq != got)
				disorder++;
			got++;
		}
		if (got >= want)
			kiln_waitq_wake_all(&done);
	}
}

static int receive_frames(uint32_t n, uint64_t busy_ms)
{
	want = n;
	kiln_waitq_init(&done);
	kiln_puts("ready");
	/* Busy, not sleeping: the loop does not yield, nothing is read. */
	kiln_time busy_end = kiln_now() + KILN_MSEC(busy_ms);
	while (kiln_now() < busy_end)
		;
	kiln_device_watch(dev, on_ready, NULL);
	kiln_time end = kiln_now() + KILN_SEC(3);
	while (got < want && kiln_waitq_wait(&done, end) != -KILN_ETIMEDOUT)
		;
	kiln_printf("received %u of %u, %u out of order\n", got, want,
	            disorder);
	return got == want && disorder == 0 ? 0 : 1;
}

int kiln_main(int argc, char **argv)
{
	uint64_t send = 0, receive = 0, busy_ms = 500, len = 60;
	(void)argc;
	(void)argv;
	if (!kiln_arg_uint("--send", 1, MAX_FRAMES, &send) ||
	    !kiln_arg_uint("--receive", 1, MAX_FRAMES, &receive) ||
	    !kiln_arg_uint("--busy-ms", 0, 10000, &busy_ms) ||
	    !kiln_arg_uint("--len", 60, FRAME_MAX, &len))
		return 2;
	frame_len = (uint32_t)len;
	kiln_args_check();
	bool s = send > 0;
	if (s == (receive > 0)) {
		kiln_puts("give one of --send=N, --receive=N");
		return 2;
	}
	if (platform_net_acquire("net0", &dev, &info) != PLATFORM_OK) {
		kiln_puts("no net0");
		return 1;
	}
	return s ? send_frames((uint32_t)send)
	         : receive_frames((uint32_t)receive, busy_ms);
}
