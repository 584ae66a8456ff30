/*
 * host/hostopt.c - parsing of the host options (see hostopt.h).
 *
 * Option values come from the command line, so they are read through
 * bounds-checked views like any other outside data.
 */
#include "hostopt.h"

#include <kiln/view.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void seterr(char *err, size_t errlen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void host_options_init(struct host_options *o)
{
	memset(o, 0, sizeof(*o));
	o->mem = HOST_MEM_DEFAULT;
}

/* ----------------------------------------------------------- view helpers */

static struct kiln_view view_of(const char *s)
{
	return kiln_view_make(s, strlen(s));
}

/* Split off the bytes before the next sep (or all that is left); the
 * separator itself is consumed. */
static struct kiln_view view_until(struct kiln_view *v, char sep)
{
	size_t n = 0;
	while (kiln_view_peek(v, n) >= 0 && kiln_view_peek(v, n) != sep)
		n++;
	struct kiln_view item;
	kiln_view_take(v, n, &item);
	if (kiln_view_peek(v, 0) == sep)
		kiln_view_skip(v, 1);
	return item;
}

static bool view_eq(const struct kiln_view *v, const char *s)
{
	size_t n = strlen(s);
	return !v->bad && v->len == n && memcmp(v->p, s, n) == 0;
}

static bool view_starts(const struct kiln_view *v, const char *s)
{
	size_t n = strlen(s);
	return !v->bad && v->len >= n && memcmp(v->p, s, n) == 0;
}

/* Decimal digits into *out, at most max. */
static bool view_number(struct kiln_view v, uint64_t max, uint64_t *out)
{
	if (v.len == 0 || v.len > 20)
		return false;
	uint64_t n = 0;
	uint8_t c;
	while (kiln_view_u8(&v, &c)) {
		if (c < '0' || c > '9')
			return false;
		if (n > (max - (c - '0')) / 10)
			return false;
		n = n * 10 + (c - '0');
	}
	*out = n;
	return true;
}

static bool view_port(struct kiln_view v, uint16_t *out)
{
	uint64_t n;
	if (!view_number(v, 65535, &n) || n == 0)
		return false;
	*out = (uint16_t)n;
	return true;
}

static bool view_ipv4(struct kiln_view v, uint32_t *out)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		struct kiln_view part = view_until(&v, '.');
		uint64_t n;
		if (!view_number(part, 255, &n) || part.len > 3)
			return false;
		a = a << 8 | (uint32_t)n;
	}
	if (v.len != 0 || v.bad)
		return false;
	*out = a;
	return true;
}

/* Print a view into a short quoted form for messages. */
static const char *show(const struct kiln_view *v, char *buf, size_t size)
{
	size_t n = v->len < size - 1 ? v->len : size - 1;
	for (size_t i = 0; i < n; i++) {
		char c = (char)v->p[i];
		buf[i] = (c >= 32 && c < 127) ? c : '?';
	}
	buf[n] = '\0';
	return buf;
}

/* ------------------------------------------------------------------ sizes */

bool host_parse_size(const char *s, uint64_t *out)
{
	struct kiln_view v = view_of(s);
	size_t digits = 0;
	while (kiln_view_peek(&v, digits) >= '0' &&
	       kiln_view_peek(&v, digits) <= '9')
		digits++;
	struct kiln_view num;
	kiln_view_take(&v, digits, &num);
	uint64_t n;
	if (!view_number(num, UINT64_MAX, &n))
		return false;
	unsigned shift = 0;
	if (v.len > 0) {
		int c = kiln_view_peek(&v, 0);
		if (c == 'K' || c == 'k')
			shift = 10;
		else if (c == 'M' || c == 'm')
			shift = 20;
		else if (c == 'G' || c == 'g')
			shift = 30;
		else
			return false;
		kiln_view_skip(&v, 1);
		/* Allow "64M" and "64MB"/"64MiB" alike. */
		if (view_eq(&v, "B") || view_eq(&v, "iB"))
			v.len = 0;
		if (v.len != 0)
			return false;
	}
	if (n > (UINT64_MAX >> shift))
		return false;
	*out = n << shift;
	return true;
}

/* ---------------------------------------------------------------- --net */

/* tcp:127.0.0.1:8080-:80 (proto and host address may be empty) */
static bool parse_hostfwd(struct kiln_view v, struct host_hostfwd *fwd,
                          char *err, size_t errlen)
{
	char b1[64];
	struct kiln_view whole = v;
	struct kiln_view proto = view_until(&v, ':');
	struct kiln_view haddr = view_until(&v, ':');
	struct kiln_view hport = view_until(&v, '-');
	struct kiln_view gaddr = view_until(&v, ':');
	struct kiln_view gport = v;

	memset(fwd, 0, sizeof(*fwd));
	if (view_eq(&proto, "udp"))
		fwd->udp = true;
	else if (!view_eq(&proto, "tcp") && proto.len != 0)
		goto bad;
	uint32_t a;
	if (haddr.len != 0 &&
	    (!view_ipv4(haddr, &a) || a != (127u << 24 | 1))) {
		seterr(err, errlen,
		       "--net user: hostfwd listens on 127.0.0.1 only, not "
		       "'%s'",
		       show(&haddr, b1, sizeof(b1)));
		return false;
	}
	if (!view_port(hport, &fwd->host_port) ||
	    !view_port(gport, &fwd->guest_port))
		goto bad;
	if (gaddr.len != 0 && !view_ipv4(gaddr, &fwd->guest_addr))
		goto bad;
	return true;
bad:
	seterr(err, errlen,
	       "--net user: bad hostfwd '%s' (expected "
	       "tcp:127.0.0.1:HOSTPORT-:GUESTPORT or udp:...)",
	       show(&whole, b1, sizeof(b1)));
	return false;
}

/* A name of 1..max bytes of A-Z a-z 0-9 . _ - (interface and peer names). */
static bool name_ok(const struct kiln_view *v, size_t max)
{
	if (v->len == 0 || v->len > max)
		return false;
	for (size_t i = 0; i < v->len; i++) {
		int c = kiln_view_peek(v, i);
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return false;
	}
	return true;
}

static bool ifname_ok(const struct kiln_view *v)
{
	return name_ok(v, HOST_IFNAME_MAX);
}

bool host_parse_net(const char *value, struct host_net_opt *net, char *err,
                    size_t errlen)
{
	char b1[64];
	struct kiln_view v = view_of(value);
	struct kiln_view kind = view_until(&v, ',');

	memset(net, 0, sizeof(*net));
	if (view_eq(&kind, "user")) {
		net->kind = HOST_NET_USER;
	} else if (view_eq(&kind, "tap")) {
		net->kind = HOST_NET_TAP;
	} else {
		seterr(err, errlen,
		       "--net: unknown kind '%s' (expected user or tap)",
		       show(&kind, b1, sizeof(b1)));
		return false;
	}
	while (v.len > 0) {
		struct kiln_view item = view_until(&v, ',');
		if (net->kind == HOST_NET_USER &&
		    view_starts(&item, "hostfwd=")) {
			kiln_view_skip(&item, 8);
			if (net->n_hostfwd == HOST_MAX_HOSTFWDS) {
				seterr(err, errlen,
				       "--net user: more than %d hostfwd",
				       HOST_MAX_HOSTFWDS);
				return false;
			}
			if (!parse_hostfwd(item,
			                   &net->hostfwd[net->n_hostfwd++], err,
			                   errlen))
				return false;
		} else if (net->kind == HOST_NET_TAP &&
		           view_starts(&item, "ifname=")) {
			kiln_view_skip(&item, 7);
			if (!ifname_ok(&item)) {
				seterr(err, errlen,
				       "--net tap: bad ifname '%s' (1 to %d "
				       "of A-Z a-z 0-9 . _ -)",
				       show(&item, b1, sizeof(b1)),
				       HOST_IFNAME_MAX);
				return false;
			}
			memcpy(net->ifname, item.p, item.len);
			net->ifname[item.len] = '\0';
		} else {
			seterr(err, errlen, "--net %s: unknown setting '%s'",
			       net->kind == HOST_NET_USER ? "user" : "tap",
			       show(&item, b1, sizeof(b1)));
			return false;
		}
	}
	if (net->kind == HOST_NET_TAP && net->ifname[0] == '\0') {
		seterr(err, errlen, "--net tap: ifname=NAME is required");
		return false;
	}
	return true;
}

/* -------------------------------------------------------------- --block */

bool host_parse_block(const char *value, struct host_block_opt *blk, char *err,
                      size_t errlen)
{
	if (strncmp(value, "file=", 5) != 0 || value[5] == '\0') {
		seterr(err, errlen, "--block: expected file=PATH, not '%.60s'",
		       value);
		return false;
	}
	blk->path = value + 5;
	return true;
}

/* -------------------------------------------------------------- --vchan */

/* A peer name: 1..HOST_VCHAN_PEER_MAX of A-Z a-z 0-9 . _ - */
static bool peer_ok(const struct kiln_view *v)
{
	return name_ok(v, HOST_VCHAN_PEER_MAX);
}

bool host_parse_vchan(const char *value, struct host_vchan_opt *vc, char *err,
                      size_t errlen)
{
	char b1[64];
	struct kiln_view v = view_of(value);

	memset(vc, 0, sizeof(*vc));
	vc->window = HOST_VCHAN_WINDOW_DEFAULT;
	while (v.len > 0) {
		struct kiln_view item = view_until(&v, ',');
		if (view_starts(&item, "peer=")) {
			kiln_view_skip(&item, 5);
			if (!peer_ok(&item)) {
				seterr(err, errlen,
				       "--vchan: bad peer '%s' (1 to %d of A-Z "
				       "a-z 0-9 . _ -)",
				       show(&item, b1, sizeof(b1)),
				       HOST_VCHAN_PEER_MAX);
				return false;
			}
			memcpy(vc->peer, item.p, item.len);
			vc->peer[item.len] = '\0';
		} else if (view_starts(&item, "path=")) {
			kiln_view_skip(&item, 5);
			if (item.len == 0 || item.len > HOST_VCHAN_PATH_MAX ||
			    memchr(item.p, '\0', item.len)) {
				seterr(err, errlen,
				       "--vchan: path= takes 1 to %d bytes",
				       HOST_VCHAN_PATH_MAX);
				return false;
			}
			memcpy(vc->path, item.p, item.len);
			vc->path[item.len] = '\0';
		} else if (view_starts(&item, "window=")) {
			kiln_view_skip(&item, 7);
			char num[24];
			uint64_t w;
			if (item.len >= sizeof(num))
				item.len = sizeof(num) - 1;
			memcpy(num, item.p, item.len);
			num[item.len] = '\0';
			if (!host_parse_size(num, &w) ||
			    w < HOST_VCHAN_WINDOW_MIN ||
			    w > HOST_VCHAN_WINDOW_MAX || w % (2u << 20) != 0) {
				seterr(err, errlen,
				       "--vchan: window=%s is not a multiple "
				       "of "
				       "2M from 4M to 64M",
				       show(&item, b1, sizeof(b1)));
				return false;
			}
			vc->window = w;
		} else {
			seterr(err, errlen, "--vchan: unknown setting '%s'",
			       show(&item, b1, sizeof(b1)));
			return false;
		}
	}
	if (vc->peer[0] == '\0' || vc->path[0] == '\0') {
		seterr(err, errlen,
		       "--vchan: peer=NAME and path=PATH are required");
		return false;
	}
	return true;
}

/* --------------------------------------------------------------- options */

int host_option(struct host_options *o, int argc, char **argv, int i, char *err,
                size_t errlen)
{
	static const char *const names[] = {"--mem", "--net", "--block",
	                                    "--vchan"};
	enum { NAMES = sizeof(names) / sizeof(names[0]) };
	const char *arg = argv[i];
	const char *value = NULL;
	int used = 1;
	unsigned which;

	for (which = 0; which < NAMES; which++) {
		size_t n = strlen(names[which]);
		if (strncmp(arg, names[which], n) != 0)
			continue;
		if (arg[n] == '=') {
			value = arg + n + 1;
			break;
		}
		if (arg[n] == '\0') {
			if (i + 1 >= argc || argv[i + 1] == NULL) {
				seterr(err, errlen, "%s needs a value", arg);
				return -1;
			}
			value = argv[i + 1];
			used = 2;
			break;
		}
	}
	if (which == NAMES)
		return 0;

	switch (which) {
	case 0: {
		uint64_t mem;
		if (!host_parse_size(value, &mem)) {
			seterr(err, errlen,
			       "--mem: bad size '%.40s' (e.g. 64M, 512K, 1G)",
			       value);
			return -1;
		}
		if (mem < HOST_MEM_MIN || mem > HOST_MEM_MAX) {
			seterr(err, errlen, "--mem: %.40s is outside 1M..64G",
			       value);
			return -1;
		}
		o->mem = mem & ~(uint64_t)4095;
		return used;
	}
	case 1:
		if (o->n_net == HOST_MAX_NETS) {
			seterr(err, errlen, "--net: at most %d devices",
			       HOST_MAX_NETS);
			return -1;
		}
		if (!host_parse_net(value, &o->net[o->n_net], err, errlen))
			return -1;
		o->n_net++;
		return used;
	case 3:
		if (o->n_vchan == HOST_MAX_VCHANS) {
			seterr(err, errlen, "--vchan: at most %d links",
			       HOST_MAX_VCHANS);
			return -1;
		}
		if (!host_parse_vchan(value, &o->vchan[o->n_vchan], err,
		                      errlen))
			return -1;
		for (unsigned k = 0; k < o->n_vchan; k++)
			if (strcmp(o->vchan[k].peer,
			           o->vchan[o->n_vchan].peer) == 0) {
				seterr(err, errlen,
				       "--vchan: two links to peer '%s'",
				       o->vchan[k].peer);
				return -1;
			}
		o->n_vchan++;
		return used;
	default:
		if (o->n_block == HOST_MAX_BLOCKS) {
			seterr(err, errlen, "--block: at most %d devices",
			       HOST_MAX_BLOCKS);
			return -1;
		}
		if (!host_parse_block(value, &o->block[o->n_block], err,
		                      errlen))
			return -1;
		o->n_block++;
		return used;
	}
}
