/*
 * lib/dns/name.c - domain names on the wire: reading (with compression
 * pointers), comparing, and formatting as text.
 */
#include <kiln/dns.h>
#include <string.h>

static uint8_t lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/*
 * Labels are copied from wherever the cursor is; a pointer moves it to an
 * earlier offset of msg. "Strictly before the label holding the pointer"
 * makes every jump go backwards, so the walk ends. The caller's cursor
 * advances only past the bytes of the name at its own position.
 */
int dns_name_read(const struct kiln_view *msg, struct kiln_view *cur,
                  struct dns_name *out)
{
	struct kiln_view v = *cur;
	bool jumped = false;
	size_t limit = msg->len; /* a pointer must go below this offset */
	out->len = 0;
	out->nlabels = 0;
	for (;;) {
		size_t at = (size_t)(v.p - msg->p);
		uint8_t c;
		if (!kiln_view_u8(&v, &c)) {
			if (!jumped)
				kiln_view_fail(cur);
			return DNS_E_TRUNC;
		}
		if ((c & 0xC0) == 0xC0) {
			uint8_t lo;
			if (!kiln_view_u8(&v, &lo)) {
				if (!jumped)
					kiln_view_fail(cur);
				return DNS_E_TRUNC;
			}
			size_t target = (size_t)(c & 0x3F) << 8 | lo;
			/* No name lies in the header: a pointer into it would
			 * make the name (and so the answer) depend on the
			 * message's id, which the answer cache leaves out. */
			if (target < DNS_HEADER_LEN || target >= at ||
			    target >= limit)
				return DNS_E_POINTER;
			if (!jumped) {
				*cur = v;
				jumped = true;
			}
			limit = target;
			if (!kiln_view_sub(msg, target, msg->len - target, &v))
				return DNS_E_POINTER;
			continue;
		}
		if (c & 0xC0)
			return DNS_E_LABEL; /* 0x40 extended, 0x80 reserved */
		if ((size_t)out->len + 1 + c > DNS_NAME_MAX)
			return DNS_E_NAMELEN;
		out->wire[out->len++] = c;
		if (c == 0)
			break;
		if (!kiln_view_copy(&v, out->wire + out->len, c)) {
			if (!jumped)
				kiln_view_fail(cur);
			return DNS_E_TRUNC;
		}
		out->len = (uint8_t)(out->len + c);
		out->nlabels++;
	}
	if (!jumped)
		*cur = v;
	return DNS_OK;
}

bool dns_name_equal(const struct dns_name *a, const struct dns_name *b)
{
	if (a->len != b->len)
		return false;
	for (unsigned i = 0; i < a->len; i++)
		if (lower(a->wire[i]) != lower(b->wire[i]))
			return false;
	return true;
}

void dns_name_strip(const struct dns_name *n, unsigned labels,
                    struct dns_name *out)
{
	unsigned off = 0;
	for (unsigned i = 0; i < labels && i < n->nlabels; i++)
		off += 1u + n->wire[off];
	out->len = (uint8_t)(n->len - off);
	out->nlabels = (uint8_t)(n->nlabels -
	                         (labels < n->nlabels ? labels : n->nlabels));
	memmove(out->wire, n->wire + off, out->len);
}

bool dns_name_is_below(const struct dns_name *name, const struct dns_name *sub)
{
	if (name->nlabels < sub->nlabels)
		return false;
	struct dns_name tail;
	dns_name_strip(name, (unsigned)(name->nlabels - sub->nlabels), &tail);
	return dns_name_equal(&tail, sub);
}

void dns_name_lower(struct dns_name *n)
{
	unsigned off = 0;
	while (off < n->len && n->wire[off]) {
		unsigned l = n->wire[off];
		for (unsigned i = 1; i <= l; i++)
			n->wire[off + i] = lower(n->wire[off + i]);
		off += 1 + l;
	}
}

size_t dns_name_format(const struct dns_name *n, char *buf, size_t cap)
{
	size_t o = 0;
#define PUT(ch)                                                                \
	do {                                                                   \
		if (o + 1 < cap)                                               \
			buf[o++] = (ch);                                       \
	} while (0)
	unsigned off = 0;
	if (n->len <= 1)
		PUT('.');
	while (off < n->len && n->wire[off]) {
		unsigned l = n->wire[off];
		for (unsigned i = 1; i <= l; i++) {
			uint8_t c = n->wire[off + i];
			if (c == '.' || c == '\\' || c == '"' || c == ';' ||
			    c == '(' || c == ')' || c == '@' || c == '$') {
				PUT('\\');
				PUT((char)c);
			} else if (c <= ' ' || c >= 0x7F) {
				PUT('\\');
				PUT((char)('0' + c / 100));
				PUT((char)('0' + c / 10 % 10));
				PUT((char)('0' + c % 10));
			} else {
				PUT((char)c);
			}
		}
		PUT('.');
		off += 1 + l;
	}
#undef PUT
	buf[o < cap ? o : cap - 1] = 0;
	return o;
}
