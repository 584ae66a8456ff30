/*
 * host/hostopt.h - the host options shared by the unix target's process
 * and the kiln-hvt monitor (docs/building.md):
 *
 *   --mem SIZE                      guest memory / heap, e.g. 64M (K, M, G)
 *   --net user[,hostfwd=PROTO:[127.0.0.1]:HPORT-[GADDR]:GPORT]...
 *                                   user-mode networking (libslirp)
 *   --net tap,ifname=NAME           a tap device
 *   --block file=PATH               a file-backed block device
 *   --vchan peer=NAME,path=PATH[,window=SIZE]
 *                                   a vchan link to the unikernel that
 *                                   names the same rendezvous PATH
 *                                   (host/vchan_link.h, docs/vchan.md)
 *
 * The n-th --net is device "net<n>" (from 0), the n-th --block "blk<n>".
 * Each option may also be written --opt=VALUE.
 *
 * Usage: zero a struct host_options (or call host_options_init), then hand
 * each argv position to host_option() until it returns 0 (not a host
 * option: the caller's own) or -1 (error: print err, exit 2).
 */
#ifndef KILN_HOST_HOSTOPT_H
#define KILN_HOST_HOSTOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HOST_MAX_NETS 8
#define HOST_MAX_BLOCKS 8
#define HOST_MAX_HOSTFWDS 16
#define HOST_IFNAME_MAX 15 /* IFNAMSIZ - 1 */
#define HOST_MAX_VCHANS 4
#define HOST_VCHAN_PEER_MAX 31  /* bytes of a peer name */
#define HOST_VCHAN_PATH_MAX 107 /* sizeof(sun_path) - 1 */
/* The window a link's unikernels share: both halves together. */
#define HOST_VCHAN_WINDOW_DEFAULT ((uint64_t)8 << 20)
#define HOST_VCHAN_WINDOW_MIN ((uint64_t)4 << 20)
#define HOST_VCHAN_WINDOW_MAX ((uint64_t)64 << 20)

#define HOST_MEM_DEFAULT ((uint64_t)64 << 20)
#define HOST_MEM_MIN ((uint64_t)1 << 20)
#define HOST_MEM_MAX ((uint64_t)64 << 30)

/* One port forward: 127.0.0.1:host_port on the host to the guest. */
struct host_hostfwd {
	bool udp;
	uint16_t host_port;
	uint32_t guest_addr; /* host byte order; 0: the guest's DHCP address */
	uint16_t guest_port;
};

enum host_net_kind { HOST_NET_USER, HOST_NET_TAP };

struct host_net_opt {
	enum host_net_kind kind;
	char ifname[HOST_IFNAME_MAX + 1]; /* tap */
	unsigned n_hostfwd;               /* user */
	struct host_hostfwd hostfwd[HOST_MAX_HOSTFWDS];
};

struct host_block_opt {
	const char *path; /* points into argv */
};

/* One vchan link: the peer's name as the unikernel says it, the
 * rendezvous path both sides are given, the window's size (a multiple of
 * 2 MiB, HOST_VCHAN_WINDOW_MIN..MAX). */
struct host_vchan_opt {
	char peer[HOST_VCHAN_PEER_MAX + 1];
	char path[HOST_VCHAN_PATH_MAX + 1];
	uint64_t window;
};

struct host_options {
	uint64_t mem; /* bytes, a multiple of 4 KiB */
	unsigned n_net, n_block;
	struct host_net_opt net[HOST_MAX_NETS];
	struct host_block_opt block[HOST_MAX_BLOCKS];
	unsigned n_vchan;
	struct host_vchan_opt vchan[HOST_MAX_VCHANS];
};

/* Defaults: 64 MiB, no devices. */
void host_options_init(struct host_options *o);

/*
 * Look at argv[i] (i < argc). If it is a host option, parse it (and its
 * value, argv[i + 1] unless written --opt=VALUE) into o and return how
 * many argv entries it used (1 or 2). Return 0 if argv[i] is not a host
 * option. On a mistake return -1 with a one-line message (no newline) in
 * err (errlen bytes).
 */
int host_option(struct host_options *o, int argc, char **argv, int i, char *err,
                size_t errlen);

/* Parse a size such as 512K, 64M, 1G or 1048576 (bytes). false on a
 * malformed or overflowing value. */
bool host_parse_size(const char *s, uint64_t *out);

/* Parse "--net" and "--block" values on their own (used by host_option). */
bool host_parse_net(const char *value, struct host_net_opt *net, char *err,
                    size_t errlen);
bool host_parse_block(const char *value, struct host_block_opt *blk, char *err,
                      size_t errlen);
bool host_parse_vchan(const char *value, struct host_vchan_opt *vc, char *err,
                      size_t errlen);

#endif /* KILN_HOST_HOSTOPT_H */
