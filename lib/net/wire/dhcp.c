/*
 * lib/net/wire/dhcp.c - DHCP messages (RFC 2131, options of RFC 2132).
 */
#include "dhcp.h"
#include <string.h>

/* Offsets into the fixed BOOTP header. */
#define OFF_SNAME 44
#define SNAME_LEN 64
#define OFF_FILE 108
#define FILE_LEN 128

/* Option 52's values: which of file/sname carry options. */
#define OVERLOAD_FILE 1
#define OVERLOAD_SNAME 2

static int want_len(uint8_t len, uint8_t need)
{
	return len == need ? WIRE_OK : WIRE_MALFORMED;
}

/* Parse one area of options. *overload collects option 52 (only allowed
 * in the main area). */
static int parse_options(struct kiln_view v, struct dhcp_msg *m,
                         uint8_t *overload, bool main_area)
{
	for (;;) {
		uint8_t code, len;
		struct kiln_view val;

		if (!kiln_view_u8(&v, &code))
			/* Running off the end of an overloaded field is fine;
			 * the main area must be closed by END. */
			return main_area ? WIRE_TRUNCATED : WIRE_OK;
		if (code == DHCP_OPT_END)
			return WIRE_OK;
		if (code == DHCP_OPT_PAD)
			continue;
		if (!kiln_view_u8(&v, &len) || !kiln_view_take(&v, len, &val))
			return WIRE_TRUNCATED;

		int err = WIRE_OK;
		switch (code) {
		case DHCP_OPT_MSG_TYPE:
			if ((err = want_len(len, 1)) != WIRE_OK)
				break;
			if (m->type)
				return WIRE_MALFORMED;
			kiln_view_u8(&val, &m->type);
			if (m->type == 0)
				return WIRE_MALFORMED;
			break;
		case DHCP_OPT_SUBNET_MASK:
			if ((err = want_len(len, 4)) == WIRE_OK)
				m->has_mask = kiln_view_u32(&val, &m->mask);
			break;
		case DHCP_OPT_ROUTER:
			/* A list; the first router is the one we use. */
			if (len < 4 || len % 4)
				err = WIRE_MALFORMED;
			else
				m->has_router = kiln_view_u32(&val, &m->router);
			break;
		case DHCP_OPT_DNS:
			if (len < 4 || len % 4) {
				err = WIRE_MALFORMED;
				break;
			}
			while (val.len >= 4 && m->n_dns < DHCP_MAX_DNS)
				kiln_view_u32(&val, &m->dns[m->n_dns++]);
			break;
		case DHCP_OPT_REQUESTED_IP:
			if ((err = want_len(len, 4)) == WIRE_OK)
				m->has_requested =
				        kiln_view_u32(&val, &m->requested);
			break;
		case DHCP_OPT_SERVER_ID:
			if ((err = want_len(len, 4)) == WIRE_OK)
				m->has_server_id =
				        kiln_view_u32(&val, &m->server_id);
			break;
		case DHCP_OPT_LEASE_TIME:
			if ((err = want_len(len, 4)) == WIRE_OK)
				m->has_lease = kiln_view_u32(&val, &m->lease);
			break;
		case DHCP_OPT_T1:
			if ((err = want_len(len, 4)) == WIRE_OK)
				m->has_t1 = kiln_view_u32(&val, &m->t1);
			break;
		case DHCP_OPT_T2:
			if ((err = want_len(len, 4)) == WIRE_OK)
				m->has_t2 = kiln_view_u32(&val, &m->t2);
			break;
		case DHCP_OPT_OVERLOAD:
			if ((err = want_len(len, 1)) != WIRE_OK)
				break;
			if (!main_area)
				return WIRE_MALFORMED;
			kiln_view_u8(&val, overload);
			if (*overload < 1 || *overload > 3)
				return WIRE_MALFORMED;
			break;
		default:
			break; /* not ours: skipped */
		}
		if (err)
			return err;
	}
}

int dhcp_parse(struct kiln_view v, struct dhcp_msg *m)
{
	struct kiln_view all = v;
	uint8_t htype, hlen, hops;
	uint32_t magic;

	memset(m, 0, sizeof(*m));
	if (!kiln_view_u8(&v, &m->op) || !kiln_view_u8(&v, &htype) ||
	    !kiln_view_u8(&v, &hlen) || !kiln_view_u8(&v, &hops) ||
	    !kiln_view_u32(&v, &m->xid) || !kiln_view_u16(&v, &m->secs) ||
	    !kiln_view_u16(&v, &m->flags) || !kiln_view_u32(&v, &m->ciaddr) ||
	    !kiln_view_u32(&v, &m->yiaddr) || !kiln_view_u32(&v, &m->siaddr) ||
	    !kiln_view_u32(&v, &m->giaddr) ||
	    !kiln_view_copy(&v, m->chaddr, sizeof(m->chaddr)) ||
	    !kiln_view_skip(&v, SNAME_LEN + FILE_LEN) ||
	    !kiln_view_u32(&v, &magic))
		return WIRE_TRUNCATED;
	if (m->op != DHCP_OP_REQUEST && m->op != DHCP_OP_REPLY)
		return WIRE_MALFORMED;
	if (htype != 1 || hlen != 6)
		return WIRE_UNSUPPORTED;
	if (magic != DHCP_MAGIC)
		return WIRE_MALFORMED;

	uint8_t overload = 0;
	int err = parse_options(v, m, &overload, true);
	if (err)
		return err;
	/* RFC 2131 4.1: file first, then sname. */
	struct kiln_view area;
	if (overload & OVERLOAD_FILE) {
		kiln_view_sub(&all, OFF_FILE, FILE_LEN, &area);
		if ((err = parse_options(area, m, &overload, false)) != 0)
			return err;
	}
	if (overload & OVERLOAD_SNAME) {
		kiln_view_sub(&all, OFF_SNAME, SNAME_LEN, &area);
		if ((err = parse_options(area, m, &overload, false)) != 0)
			return err;
	}
	if (m->type == 0 || m->type > DHCP_INFORM)
		return WIRE_MALFORMED;
	return WIRE_OK;
}

/* Append option code with len bytes of val; false if it does not fit. */
static bool put_opt(uint8_t *buf, size_t size, size_t *pos, uint8_t code,
                    const uint8_t *val, uint8_t len)
{
	if (size - *pos < (size_t)len + 2)
		return false;
	buf[(*pos)++] = code;
	buf[(*pos)++] = len;
	memcpy(buf + *pos, val, len);
	*pos += len;
	return true;
}

static bool put_opt32(uint8_t *buf, size_t size, size_t *pos, uint8_t code,
                      uint32_t val)
{
	uint8_t b[4];
	wire_put32(b, val);
	return put_opt(buf, size, pos, code, b, 4);
}

size_t dhcp_emit(uint8_t *buf, size_t size, const struct dhcp_msg *m)
{
	if (size < DHCP_MIN_LEN)
		return 0;
	memset(buf, 0, DHCP_MIN_LEN);
	buf[0] = DHCP_OP_REQUEST;
	buf[1] = 1; /* Ethernet */
	buf[2] = 6;
	wire_put32(buf + 4, m->xid);
	wire_put16(buf + 8, m->secs);
	wire_put16(buf + 10, m->flags);
	wire_put32(buf + 12, m->ciaddr);
	wire_put32(buf + 16, m->yiaddr);
	wire_put32(buf + 20, m->siaddr);
	wire_put32(buf + 24, m->giaddr);
	memcpy(buf + 28, m->chaddr, sizeof(m->chaddr));
	wire_put32(buf + DHCP_FIXED_LEN, DHCP_MAGIC);

	size_t pos = DHCP_FIXED_LEN + 4;
	uint8_t type = m->type;
	uint8_t client_id[7] = {1};
	memcpy(client_id + 1, m->chaddr, 6);
	static const uint8_t params[] = {
	        DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_DNS,
	        DHCP_OPT_LEASE_TIME,  DHCP_OPT_T1,     DHCP_OPT_T2};
	uint8_t max_size[2];
	wire_put16(max_size, 1500 - 28);

	bool ok = put_opt(buf, size, &pos, DHCP_OPT_MSG_TYPE, &type, 1) &&
	          put_opt(buf, size, &pos, DHCP_OPT_CLIENT_ID, client_id,
	                  sizeof(client_id));
	if (ok && m->has_requested)
		ok = put_opt32(buf, size, &pos, DHCP_OPT_REQUESTED_IP,
		               m->requested);
	if (ok && m->has_server_id)
		ok = put_opt32(buf, size, &pos, DHCP_OPT_SERVER_ID,
		               m->server_id);
	if (ok)
		ok = put_opt(buf, size, &pos, DHCP_OPT_MAX_SIZE, max_size, 2) &&
		     put_opt(buf, size, &pos, DHCP_OPT_PARAM_LIST, params,
		             sizeof(params));
	if (!ok || pos >= size)
		return 0;
	buf[pos++] = DHCP_OPT_END;
	return pos < DHCP_MIN_LEN ? DHCP_MIN_LEN : pos;
}
