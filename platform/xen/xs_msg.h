/*
 * xs_msg.h - xenstore wire messages (Xen's io/xs_wire.h): requests built
 * into a buffer, and everything the daemon sends parsed on bounds-checked
 * views. Pure functions: no ring, no Xen; fuzzed by fuzz/xen_xenstore.c.
 *
 * A message is a struct xsd_sockmsg header (type, req_id, tx_id, len, in
 * the guest's byte order) followed by len <= XENSTORE_PAYLOAD_MAX bytes,
 * usually NUL-terminated strings.
 */
#ifndef XEN_XS_MSG_H
#define XEN_XS_MSG_H

#include <kiln/view.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#define XS_HDR_LEN ((size_t)sizeof(struct xsd_sockmsg))
#define XS_MSG_MAX (XS_HDR_LEN + XENSTORE_PAYLOAD_MAX)

/*
 * Results of xenstore operations: 0 is success; the daemon's errors (the
 * XS_ERROR strings of xs_wire.h) each have a code; the rest are local.
 */
enum xs_status {
	XS_OK = 0,
	/* Errors the daemon reports, by their xs_wire.h names. */
	XS_EINVAL,
	XS_EACCES,
	XS_EEXIST,
	XS_EISDIR,
	XS_ENOENT,
	XS_ENOMEM,
	XS_ENOSPC,
	XS_EIO,
	XS_ENOTEMPTY,
	XS_ENOSYS,
	XS_EROFS,
	XS_EBUSY,
	XS_EAGAIN,
	XS_EISCONN,
	XS_E2BIG,
	XS_EPERM,
	XS_EOTHER, /* an error name this client does not know */
	/* Local errors. */
	XS_ETIMEDOUT, /* no reply before the deadline */
	XS_EPROTO,    /* the daemon broke the protocol (reported once) */
	XS_ETOOLONG,  /* request or reply larger than allowed or the buffer */
	XS_ENOTCONN,  /* no xenstore ring */
	XS_STATUS_COUNT
};

/* "ENOENT", "timed out", ... for messages. */
const char *xs_strerror(int status);

/* "READ", "WRITE", ... ("type 99" style names are not produced: unknown
 * types give "?"). */
const char *xs_msg_type_name(uint32_t type);

/* One piece of a request's payload. */
struct xs_part {
	const void *p;
	size_t len;
};

/*
 * Build a request of type with the given payload parts into buf (size
 * bytes). Returns the message's length, or 0 when it does not fit in buf
 * or its payload exceeds XENSTORE_PAYLOAD_MAX.
 */
size_t xs_msg_build(uint8_t *buf, size_t size, uint32_t type, uint32_t req_id,
                    uint32_t tx_id, const struct xs_part *parts, unsigned n);

/*
 * Parse a header from the first XS_HDR_LEN bytes of v. XS_EPROTO when v
 * is shorter or the payload length exceeds XENSTORE_PAYLOAD_MAX (the
 * stream can then no longer be followed).
 */
int xs_msg_header(struct kiln_view v, struct xsd_sockmsg *h);

/*
 * Take one NUL-terminated string off the front of v: *s and *len (without
 * the NUL) describe it inside v's bytes. false (and v bad) when there is
 * no NUL before the end.
 */
bool xs_msg_string(struct kiln_view *v, const char **s, size_t *len);

/* The code of an XS_ERROR payload ("ENOENT\0"): XS_EOTHER for a name not
 * known here, XS_EPROTO for a payload that is not one string. */
int xs_msg_error(struct kiln_view payload);

/* An XS_WATCH_EVENT payload: "path\0token\0" (further strings are
 * ignored). XS_EPROTO when either string is missing or unterminated. */
int xs_msg_watch_event(struct kiln_view payload, const char **path,
                       size_t *path_len, const char **token, size_t *token_len);

/* An XS_DIRECTORY reply: names, each NUL-terminated; *count of them. An
 * empty payload is an empty directory. XS_EPROTO for an unterminated last
 * name. */
int xs_msg_directory(struct kiln_view payload, size_t *count);

/* An XS_TRANSACTION_START reply: a decimal id ("17\0"), nonzero and at
 * most UINT32_MAX. XS_EPROTO otherwise. */
int xs_msg_tx_id(struct kiln_view payload, uint32_t *tx);

/* Parse an unsigned decimal value of exactly len bytes (as XS_READ
 * returns it: no NUL, no sign, no spaces, at most max). */
bool xs_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

#endif /* XEN_XS_MSG_H */
