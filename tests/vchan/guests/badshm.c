/*
 * A hostile hvt guest without the runtime for HVT_CALL_SHM: bad areas,
 * names, counts, handles, references and operations, each of which must
 * be refused with the right result while the monitor carries on.
 * Run with --vchan to a peer that published "echo" (tests/vchan/hostile
 * in a server mode). Prints "survived all checks" (or what failed), then,
 * by its boot argument, exits 0 ("stop"), writes just past its window
 * ("past") or jumps into it ("jump"), which must fault.
 */
#include "hvt_abi.h"

#include <stddef.h>

static void call(unsigned nr, const void *arg)
{
	__asm__ volatile("outl %0, %w1"
	                 :
	                 : "a"((uint32_t)(uintptr_t)arg),
	                   "Nd"((uint16_t)(HVT_PORT_BASE + nr))
	                 : "memory");
}

static unsigned long len_(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	struct hvt_console c = {(uintptr_t)s, len_(s)};
	call(HVT_CALL_CONSOLE, &c);
}

static unsigned failures;
static struct hvt_shm_area area __attribute__((aligned(64)));
static const struct hvt_shm_area ro_area = {0, 0};
static uint32_t refs[4];
static char longname[200];

static void expect(int ok, const char *what)
{
	if (!ok) {
		failures++;
		say("FAILED: ");
		say(what);
		say("\n");
	}
}

static uint32_t shm(uint32_t op, uint32_t handle, uint32_t count,
                    const char *peer, const char *port, const void *r,
                    uint64_t addr, struct hvt_shm *out)
{
	struct hvt_shm s = {op,
	                    0xdead,
	                    handle,
	                    count,
	                    (uintptr_t)peer,
	                    (uintptr_t)port,
	                    (uintptr_t)r,
	                    addr,
	                    0,
	                    0};
	call(HVT_CALL_SHM, &s);
	if (out)
		*out = s;
	return s.result;
}

void _start(const struct hvt_boot_info *bi)
{
	struct hvt_shm s;
	/* The area: nowhere, read-only, misaligned; then a good one. */
	expect(shm(HVT_SHM_AREA, 0, 0, 0, 0, 0, 0, 0) == HVT_EINVAL, "area 0");
	expect(shm(HVT_SHM_AREA, 0, 0, 0, 0, 0, (uintptr_t)&ro_area, 0) ==
	               HVT_EINVAL,
	       "read-only area");
	expect(shm(HVT_SHM_AREA, 0, 0, 0, 0, 0, (uintptr_t)&area + 1, 0) ==
	               HVT_EINVAL,
	       "misaligned area");
	expect(shm(HVT_SHM_AREA, 0, 0, 0, 0, 0, (uintptr_t)&area, 0) == HVT_OK,
	       "good area");
	/* Offers: bad names, counts. */
	for (unsigned i = 0; i < sizeof(longname) - 1; i++)
		longname[i] = 'a';
	expect(shm(HVT_SHM_OFFER, 0, 1, 0, 0, 0, 0, 0) == HVT_EINVAL,
	       "offer: peer name at 0");
	expect(shm(HVT_SHM_OFFER, 0, 1, longname, 0, 0, 0, 0) == HVT_EINVAL,
	       "offer: endless peer name");
	expect(shm(HVT_SHM_OFFER, 0, 1,
	           (const char *)(uintptr_t)(bi->mem_size - 1), 0, 0, 0,
	           0) == HVT_EINVAL,
	       "offer: name at the end of memory");
	expect(shm(HVT_SHM_OFFER, 0, 1, "nobody", 0, 0, 0, 0) == HVT_ENOENT,
	       "offer: unknown peer");
	expect(shm(HVT_SHM_OFFER, 0, 0, "srv", 0, 0, 0, 0) == HVT_EINVAL,
	       "offer: no pages");
	expect(shm(HVT_SHM_OFFER, 0, 5000, "srv", 0, 0, 0, 0) == HVT_EINVAL,
	       "offer: too many pages");
	expect(shm(HVT_SHM_OFFER, 0, 1025, "srv", 0, 0, 0, 0) != HVT_OK,
	       "offer: more than half the window");
	expect(shm(HVT_SHM_OFFER, 0, 2, "srv", 0, 0, 0, &s) == HVT_OK &&
	               s.handle >= HVT_SHM_HANDLE_BASE &&
	               s.addr >= HVT_VCHAN_BASE,
	       "offer: two pages");
	uint32_t mine = s.handle, my_first = s.first;
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)s.addr;
	p[0] = 1;
	p[8191] = 2;
	expect(p[0] == 1 && p[8191] == 2, "offer: the pages are ours");
	/* Publishing: bad handles and names, twice. */
	expect(shm(HVT_SHM_PUBLISH, 5, 0, 0, "x", 0, 0, 0) == HVT_EINVAL,
	       "publish: a net handle");
	expect(shm(HVT_SHM_PUBLISH, HVT_SHM_HANDLE_BASE + 31, 0, 0, "x", 0, 0,
	           0) == HVT_EINVAL,
	       "publish: an unused handle");
	expect(shm(HVT_SHM_PUBLISH, mine, 0, 0, "a b", 0, 0, 0) == HVT_EINVAL,
	       "publish: a blank in the name");
	expect(shm(HVT_SHM_PUBLISH, mine, 0, 0, longname + 150, 0, 0, 0) ==
	               HVT_EINVAL,
	       "publish: a 49-byte name");
	expect(shm(HVT_SHM_PUBLISH, mine, 0, 0, 0, 0, 0, 0) == HVT_EINVAL,
	       "publish: name at 0");
	expect(shm(HVT_SHM_PUBLISH, mine, 0, 0, "mine", 0, 0, 0) == HVT_OK,
	       "publish");
	expect(shm(HVT_SHM_PUBLISH, mine, 0, 0, "again", 0, 0, 0) == HVT_EINVAL,
	       "publish: twice");
	/* Finding: nothing there, then the peer's. */
	expect(shm(HVT_SHM_FIND, 0, 0, "srv", "nope", 0, 0, 0) == HVT_AGAIN,
	       "find: nothing published");
	expect(shm(HVT_SHM_FIND, 0, 0, "srv", 0, 0, 0, 0) == HVT_EINVAL,
	       "find: port at 0");
	expect(shm(HVT_SHM_FIND, 0, 0, "srv", "echo", 0, 0, &s) == HVT_OK,
	       "find: the peer's offer");
	uint32_t found = s.handle;
	uint32_t peer_first =
	        (uint32_t)((s.addr - HVT_VCHAN_BASE) / HVT_PAGE_SIZE);
	/* Mapping: bad refs of all kinds, then good ones. */
	refs[0] = peer_first;
	refs[1] = peer_first + 2;
	expect(shm(HVT_SHM_MAP, found, 2, 0, 0, refs, 0, 0) == HVT_EINVAL,
	       "map: refs that do not follow each other");
	refs[0] = my_first;
	refs[1] = my_first + 1;
	expect(shm(HVT_SHM_MAP, found, 2, 0, 0, refs, 0, 0) == HVT_EINVAL,
	       "map: refs into our own half");
	refs[0] = 0xfffffff0u;
	refs[1] = 0xfffffff1u;
	expect(shm(HVT_SHM_MAP, found, 2, 0, 0, refs, 0, 0) == HVT_EINVAL,
	       "map: refs beyond the window");
	expect(shm(HVT_SHM_MAP, found, 2, 0, 0, 0, 0, 0) == HVT_EINVAL,
	       "map: refs at 0");
	expect(shm(HVT_SHM_MAP, found, 0, 0, 0, refs, 0, 0) == HVT_EINVAL,
	       "map: no refs");
	expect(shm(HVT_SHM_MAP, found, 3000, 0, 0, refs, 0, 0) == HVT_EINVAL,
	       "map: too many refs");
	expect(shm(HVT_SHM_MAP, mine, 1, 0, 0, refs, 0, 0) == HVT_EINVAL,
	       "map: on our own offer");
	refs[0] = peer_first;
	expect(shm(HVT_SHM_MAP, found, 1, 0, 0, refs, 0, &s) == HVT_OK,
	       "map: the peer's first page");
	/* Unknown operations, closing, and a closed handle. */
	expect(shm(99, 0, 0, 0, 0, 0, 0, 0) == HVT_EINVAL, "unknown op");
	expect(shm(HVT_SHM_CLOSE, 3, 0, 0, 0, 0, 0, 0) == HVT_EINVAL,
	       "close: a net handle");
	expect(shm(HVT_SHM_CLOSE, mine, 0, 0, 0, 0, 0, 0) == HVT_OK, "close");
	expect(shm(HVT_SHM_CLOSE, mine, 0, 0, 0, 0, 0, 0) == HVT_EINVAL,
	       "close: twice");
	expect(shm(HVT_SHM_PUBLISH, mine, 0, 0, "late", 0, 0, 0) == HVT_EINVAL,
	       "publish: a closed handle");
	say(failures ? "some checks failed\n" : "survived all checks\n");

	const char *how = bi->cmdline;
	volatile uint8_t *end =
	        (volatile uint8_t *)(uintptr_t)(HVT_VCHAN_BASE + (8ull << 20));
	if (how[0] == 'p')
		end[0] = 1; /* just past the (8 MiB) window */
	if (how[0] == 'j')
		((void (*)(void))(uintptr_t)(HVT_VCHAN_BASE + 4096))();
	struct hvt_exit e = {failures ? 1 : 0};
	call(HVT_CALL_EXIT, &e);
	for (;;)
		;
}
