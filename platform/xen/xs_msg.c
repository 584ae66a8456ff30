/*
 * xs_msg.c - xenstore wire messages: building requests, parsing replies,
 * errors and watch events (see xs_msg.h).
 */
#include "xs_msg.h"

#include <string.h>

/* The daemon's error names, in enum xs_status order from XS_EINVAL. */
static const char *const error_names[] = {
        "EINVAL", "EACCES",  "EEXIST",    "EISDIR", "ENOENT", "ENOMEM",
        "ENOSPC", "EIO",     "ENOTEMPTY", "ENOSYS", "EROFS",  "EBUSY",
        "EAGAIN", "EISCONN", "E2BIG",     "EPERM",
};

_Static_assert(sizeof(error_names) / sizeof(error_names[0]) ==
                       XS_EOTHER - XS_EINVAL,
               "one name per daemon error");

const char *xs_strerror(int status)
{
	if (status == XS_OK)
		return "OK";
	if (status >= XS_EINVAL && status < XS_EOTHER)
		return error_names[status - XS_EINVAL];
	switch (status) {
	case XS_EOTHER:
		return "an unknown error";
	case XS_ETIMEDOUT:
		return "timed out";
	case XS_EPROTO:
		return "protocol error";
	case XS_ETOOLONG:
		return "too long";
	case XS_ENOTCONN:
		return "no xenstore";
	}
	return "?";
}

const char *xs_msg_type_name(uint32_t type)
{
	static const char *const names[] = {
	        [XS_CONTROL] = "CONTROL",
	        [XS_DIRECTORY] = "DIRECTORY",
	        [XS_READ] = "READ",
	        [XS_GET_PERMS] = "GET_PERMS",
	        [XS_WATCH] = "WATCH",
	        [XS_UNWATCH] = "UNWATCH",
	        [XS_TRANSACTION_START] = "TRANSACTION_START",
	        [XS_TRANSACTION_END] = "TRANSACTION_END",
	        [XS_INTRODUCE] = "INTRODUCE",
	        [XS_RELEASE] = "RELEASE",
	        [XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	        [XS_WRITE] = "WRITE",
	        [XS_MKDIR] = "MKDIR",
	        [XS_RM] = "RM",
	        [XS_SET_PERMS] = "SET_PERMS",
	        [XS_WATCH_EVENT] = "WATCH_EVENT",
	        [XS_ERROR] = "ERROR",
	        [XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	        [XS_RESUME] = "RESUME",
	        [XS_SET_TARGET] = "SET_TARGET",
	        [XS_RESET_WATCHES] = "RESET_WATCHES",
	        [XS_DIRECTORY_PART] = "DIRECTORY_PART",
	};
	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "?";
}

static void put32(uint8_t *p, uint32_t v)
{
	/* The ring carries headers in the guest's order: x86, little. */
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

size_t xs_msg_build(uint8_t *buf, size_t size, uint32_t type, uint32_t req_id,
                    uint32_t tx_id, const struct xs_part *parts, unsigned n)
{
	size_t len = 0;
	for (unsigned i = 0; i < n; i++) {
		if (parts[i].len > XENSTORE_PAYLOAD_MAX - len)
			return 0;
		len += parts[i].len;
	}
	if (size < XS_HDR_LEN || len > size - XS_HDR_LEN)
		return 0;
	put32(buf, type);
	put32(buf + 4, req_id);
	put32(buf + 8, tx_id);
	put32(buf + 12, (uint32_t)len);
	size_t at = XS_HDR_LEN;
	for (unsigned i = 0; i < n; i++) {
		if (parts[i].len)
			memcpy(buf + at, parts[i].p, parts[i].len);
		at += parts[i].len;
	}
	return at;
}

int xs_msg_header(struct kiln_view v, struct xsd_sockmsg *h)
{
	if (!kiln_view_u32_le(&v, &h->type) ||
	    !kiln_view_u32_le(&v, &h->req_id) ||
	    !kiln_view_u32_le(&v, &h->tx_id) || !kiln_view_u32_le(&v, &h->len))
		return XS_EPROTO;
	if (h->len > XENSTORE_PAYLOAD_MAX)
		return XS_EPROTO;
	return XS_OK;
}

bool xs_msg_string(struct kiln_view *v, const char **s, size_t *len)
{
	size_t n = 0;
	int c;
	while ((c = kiln_view_peek(v, n)) > 0)
		n++;
	if (c < 0) /* ran off the end without a NUL */
		return kiln_view_fail(v);
	struct kiln_view str;
	if (!kiln_view_take(v, n + 1, &str))
		return false;
	*s = (const char *)str.p;
	*len = n;
	return true;
}

int xs_msg_error(struct kiln_view payload)
{
	const char *s;
	size_t len;
	if (!xs_msg_string(&payload, &s, &len))
		return XS_EPROTO;
	for (unsigned i = 0; i < sizeof(error_names) / sizeof(error_names[0]);
	     i++) {
		if (strlen(error_names[i]) == len &&
		    memcmp(error_names[i], s, len) == 0)
			return XS_EINVAL + (int)i;
	}
	return XS_EOTHER;
}

int xs_msg_watch_event(struct kiln_view payload, const char **path,
                       size_t *path_len, const char **token, size_t *token_len)
{
	if (!xs_msg_string(&payload, path, path_len) ||
	    !xs_msg_string(&payload, token, token_len))
		return XS_EPROTO;
	return XS_OK;
}

int xs_msg_directory(struct kiln_view payload, size_t *count)
{
	*count = 0;
	while (payload.len > 0) {
		const char *s;
		size_t len;
		if (!xs_msg_string(&payload, &s, &len))
			return XS_EPROTO;
		(*count)++;
	}
	return XS_OK;
}

bool xs_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (d > max || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int xs_msg_tx_id(struct kiln_view payload, uint32_t *tx)
{
	const char *s;
	size_t len;
	uint64_t v;
	if (!xs_msg_string(&payload, &s, &len) ||
	    !xs_parse_uint(s, len, UINT32_MAX, &v) || v == 0)
		return XS_EPROTO;
	*tx = (uint32_t)v;
	return XS_OK;
}
