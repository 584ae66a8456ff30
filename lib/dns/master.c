/*
 * lib/dns/master.c - the master-file format (RFC 1035 section 5) into a
 * zone: a lexer over a view (tokens, quoted strings, parentheses,
 * comments, lines), then one entry at a time with its rdata by type.
 * Every mistake stops the parse with "FILE:LINE: message".
 */
#include "zone_data.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 4096

struct lexer {
	const char *file;
	struct kiln_view v;
	unsigned line;
	int paren;
	bool line_start; /* the next token is the first of its line */
	char *err;
	size_t errlen;
	bool failed;
};

enum tok_kind { TOK_WORD, TOK_EOL, TOK_EOF };

struct token {
	enum tok_kind kind;
	bool quoted;
	bool first, indented; /* first on its line; whitespace before it */
	unsigned line;
	size_t len;
	char text[TOKEN_MAX + 1]; /* raw: escapes kept */
};

static bool fail_at(struct lexer *lx, unsigned line, const char *fmt,
                    const char *arg)
{
	if (!lx->failed) {
		/* Quoted text is cut at 60 bytes to keep the line short. */
		char a[61], msg[200];
		size_t n = arg ? strlen(arg) : 0;
		if (n > 60)
			n = 60;
		memcpy(a, arg ? arg : "", n);
		a[n] = 0;
		snprintf(msg, sizeof(msg), fmt, a);
		snprintf(lx->err, lx->errlen, "%s:%u: %s", lx->file, line, msg);
	}
	lx->failed = true;
	return false;
}

static bool next(struct lexer *lx, struct token *t)
{
	bool ws = false;
	t->len = 0;
	t->quoted = false;
	for (;;) {
		int c = kiln_view_peek(&lx->v, 0);
		if (c < 0) {
			if (lx->paren)
				return fail_at(lx, lx->line,
				               "unbalanced parenthesis", NULL);
			t->kind = TOK_EOF;
			t->line = lx->line;
			return true;
		}
		if (c == ' ' || c == '\t' || c == '\r') {
			kiln_view_skip(&lx->v, 1);
			ws = true;
		} else if (c == ';') {
			while (kiln_view_peek(&lx->v, 0) >= 0 &&
			       kiln_view_peek(&lx->v, 0) != '\n')
				kiln_view_skip(&lx->v, 1);
		} else if (c == '\n') {
			kiln_view_skip(&lx->v, 1);
			lx->line++;
			if (!lx->paren) {
				bool was_start = lx->line_start;
				lx->line_start = true;
				if (!was_start) {
					t->kind = TOK_EOL;
					t->line = lx->line - 1;
					return true;
				}
			}
			ws = false;
		} else if (c == '(') {
			kiln_view_skip(&lx->v, 1);
			lx->paren++;
			ws = true;
		} else if (c == ')') {
			kiln_view_skip(&lx->v, 1);
			if (--lx->paren < 0)
				return fail_at(lx, lx->line,
				               "unbalanced parenthesis", NULL);
			ws = true;
		} else if (c < ' ' || c == 0x7F) {
			return fail_at(lx, lx->line, "control character", NULL);
		} else {
			break;
		}
	}
	t->kind = TOK_WORD;
	t->line = lx->line;
	t->first = lx->line_start;
	t->indented = t->first && ws;
	lx->line_start = false;
	bool quoted = kiln_view_peek(&lx->v, 0) == '"';
	if (quoted)
		kiln_view_skip(&lx->v, 1);
	t->quoted = quoted;
	for (;;) {
		int c = kiln_view_peek(&lx->v, 0);
		if (c < 0) {
			if (quoted)
				return fail_at(lx, t->line,
				               "unterminated quoted string",
				               NULL);
			break;
		}
		if (quoted ? c == '"'
		           : (c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		              c == ';' || c == '(' || c == ')' || c == '"')) {
			if (quoted)
				kiln_view_skip(&lx->v, 1);
			break;
		}
		if (c == '\n')
			return fail_at(lx, t->line,
			               "newline inside a quoted string", NULL);
		if (c < ' ' && c != '\t')
			return fail_at(lx, t->line, "control character", NULL);
		int n = 1;
		if (c == '\\') {
			int d = kiln_view_peek(&lx->v, 1);
			if (d < 0 || d == '\n')
				return fail_at(lx, t->line,
				               "backslash at the end of a line",
				               NULL);
			n = 2;
		}
		if (t->len + (size_t)n > TOKEN_MAX)
			return fail_at(lx, t->line, "token too long", NULL);
		for (int i = 0; i < n; i++) {
			t->text[t->len++] = (char)kiln_view_peek(&lx->v, 0);
			kiln_view_skip(&lx->v, 1);
		}
	}
	t->text[t->len] = 0;
	return true;
}

/* Decode escapes (\X, \DDD) of a token into bytes; -1 on a bad escape. */
static long unescape(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned c = (uint8_t)s[i];
		if (c == '\\') {
			if (i + 1 >= len)
				return -1;
			if (s[i + 1] >= '0' && s[i + 1] <= '9') {
				if (i + 3 >= len)
					return -1; /* needs three digits */
				unsigned v = 0;
				for (int k = 1; k <= 3; k++) {
					char d = s[i + (size_t)k];
					if (d < '0' || d > '9')
						return -1;
					v = v * 10 + (unsigned)(d - '0');
				}
				if (v > 255)
					return -1;
				c = v;
				i += 3;
			} else {
				c = (uint8_t)s[++i];
			}
		}
		if (o >= cap)
			return -2;
		out[o++] = (uint8_t)c;
	}
	return (long)o;
}

/* A name from text: "@", absolute ("a.b."), or relative to origin. */
static bool parse_name(struct lexer *lx, const struct token *t,
                       const struct dns_name *origin, struct dns_name *out)
{
	if (t->quoted)
		return fail_at(lx, t->line, "a name cannot be quoted", NULL);
	if (t->len == 1 && t->text[0] == '@') {
		if (!origin)
			return fail_at(lx, t->line, "no origin for @", NULL);
		*out = *origin;
		return true;
	}
	if (t->len == 1 && t->text[0] == '.') {
		out->len = 1;
		out->nlabels = 0;
		out->wire[0] = 0;
		return true;
	}
	size_t o = 0;
	unsigned labels = 0;
	size_t i = 0;
	bool absolute = false;
	while (i < t->len) {
		/* one label up to an unescaped dot */
		size_t j = i;
		while (j < t->len && t->text[j] != '.') {
			if (t->text[j] == '\\')
				j++;
			j++;
		}
		if (j > t->len)
			j = t->len;
		if (j == i)
			return fail_at(lx, t->line, "empty label in name '%s'",
			               t->text);
		uint8_t label[256];
		long l = unescape(t->text + i, j - i, label, sizeof(label));
		if (l == -1)
			return fail_at(lx, t->line, "bad escape in name '%s'",
			               t->text);
		if (l < 0 || l > DNS_LABEL_MAX)
			return fail_at(lx, t->line,
			               "label over 63 octets in '%s'", t->text);
		if (o + 1 + (size_t)l + 1 > DNS_NAME_MAX)
			return fail_at(lx, t->line,
			               "name over 255 octets: '%s'", t->text);
		out->wire[o++] = (uint8_t)l;
		memcpy(out->wire + o, label, (size_t)l);
		o += (size_t)l;
		labels++;
		if (j == t->len)
			break;
		i = j + 1;
		if (i == t->len)
			absolute = true;
	}
	if (!absolute) {
		if (!origin)
			return fail_at(lx, t->line,
			               "relative name '%s' without an origin",
			               t->text);
		if (o + origin->len > DNS_NAME_MAX)
			return fail_at(lx, t->line,
			               "name over 255 octets: '%s'", t->text);
		memcpy(out->wire + o, origin->wire, origin->len);
		o += origin->len;
		labels += origin->nlabels;
	} else {
		out->wire[o++] = 0;
	}
	out->len = (uint8_t)o;
	out->nlabels = (uint8_t)labels;
	return true;
}

/* A number; with units when ttl (1w2d3h4m5s, RFC 2308 style). */
static bool parse_u32(const char *s, bool ttl, uint32_t *out)
{
	uint64_t total = 0, cur = 0;
	bool digits = false, any_unit = false;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9') {
			cur = cur * 10 + (uint64_t)(*s - '0');
			digits = true;
			if (cur > 0xFFFFFFFFu)
				return false;
			continue;
		}
		if (!ttl || !digits)
			return false;
		uint64_t mul;
		switch (*s | 0x20) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		case 'w':
			mul = 604800;
			break;
		default:
			return false;
		}
		total += cur * mul;
		cur = 0;
		digits = false;
		any_unit = true;
		if (total > 0xFFFFFFFFu)
			return false;
	}
	if (any_unit && digits)
		return false; /* "1h30" */
	total += cur;
	if (total > 0xFFFFFFFFu)
		return false;
	*out = (uint32_t)total;
	return true;
}

static bool parse_ipv4(const char *s, uint8_t out[4])
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, n = 0;
		while (*s >= '0' && *s <= '9' && n < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			n++;
		}
		if (!n || n > 3 || v > 255)
			return false;
		out[i] = (uint8_t)v;
		if (i < 3 && *s++ != '.')
			return false;
	}
	return *s == 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
}

/* RFC 4291 2.2 text forms, "::" and a trailing dotted quad included. */
static bool parse_ipv6(const char *s, uint8_t out[16])
{
	uint16_t g[8];
	int n = 0, gap = -1;
	if (s[0] == ':' && s[1] == ':') {
		gap = 0;
		s += 2;
	}
	while (*s) {
		if (n >= 8)
			return false;
		const char *dot = strchr(s, '.');
		if (dot && !strchr(s, ':')) {
			uint8_t v4[4];
			if (n > 6 || !parse_ipv4(s, v4))
				return false;
			g[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
			g[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
			break;
		}
		unsigned v = 0;
		int d = 0;
		while (hexval(*s) >= 0 && d < 5) {
			v = v << 4 | (unsigned)hexval(*s++);
			d++;
		}
		if (!d || d > 4)
			return false;
		g[n++] = (uint16_t)v;
		if (*s == ':') {
			s++;
			if (*s == ':') {
				if (gap >= 0)
					return false;
				gap = n;
				s++;
			} else if (!*s) {
				return false;
			}
		} else if (*s) {
			return false;
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return false;
	int zeros = 8 - n;
	int k = 0;
	for (int i = 0; i < 8; i++) {
		uint16_t v;
		if (gap >= 0 && i >= gap && i < gap + zeros)
			v = 0;
		else
			v = g[k++];
		out[2 * i] = (uint8_t)(v >> 8);
		out[2 * i + 1] = (uint8_t)v;
	}
	return true;
}

struct type_name {
	const char *name;
	uint16_t type;
};
static const struct type_name types[] = {
        {"A", DNS_T_A},     {"NS", DNS_T_NS},     {"CNAME", DNS_T_CNAME},
        {"SOA", DNS_T_SOA}, {"PTR", DNS_T_PTR},   {"MX", DNS_T_MX},
        {"TXT", DNS_T_TXT}, {"AAAA", DNS_T_AAAA}, {"SRV", DNS_T_SRV},
        {"CAA", DNS_T_CAA},
};

static bool ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if ((*a | 0x20) != (*b | 0x20))
			return false;
	return *a == *b;
}

static int type_lookup(const char *s)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (ieq(s, types[i].name))
			return types[i].type;
	return -1;
}

struct parser {
	struct lexer lx;
	struct dns_zone *z;
	struct dns_name origin;
	bool have_origin;
	struct dns_name owner;
	bool have_owner;
	uint32_t default_ttl, last_ttl;
	bool have_default_ttl, have_last_ttl;
	struct token tok;
	uint8_t rdata[65535];
	size_t rdlen;
};

static bool rd_bytes(struct parser *p, const void *b, size_t n)
{
	if (n > sizeof(p->rdata) - p->rdlen)
		return fail_at(&p->lx, p->tok.line, "rdata over 65535 octets",
		               NULL);
	memcpy(p->rdata + p->rdlen, b, n);
	p->rdlen += n;
	return true;
}

/* The next token of the rdata, which must be there. */
static bool field(struct parser *p, const char *what)
{
	if (!next(&p->lx, &p->tok))
		return false;
	if (p->tok.kind != TOK_WORD)
		return fail_at(&p->lx, p->tok.line, "missing %s", what);
	return true;
}

static bool f_name(struct parser *p, const char *what)
{
	struct dns_name n;
	if (!field(p, what) ||
	    !parse_name(&p->lx, &p->tok, p->have_origin ? &p->origin : NULL,
	                &n))
		return false;
	return rd_bytes(p, n.wire, n.len);
}

static bool f_num(struct parser *p, const char *what, uint32_t max, bool ttl,
                  int bytes)
{
	uint32_t v;
	if (!field(p, what))
		return false;
	if (p->tok.quoted || !parse_u32(p->tok.text, ttl, &v) || v > max)
		return fail_at(&p->lx, p->tok.line, "bad %s", what);
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
	                (uint8_t)(v >> 8), (uint8_t)v};
	return rd_bytes(p, b + 4 - bytes, (size_t)bytes);
}

/* One <character-string> (RFC 1035 3.3): at most 255 octets. */
static bool f_string(struct parser *p, bool with_length)
{
	uint8_t s[TOKEN_MAX];
	long n = unescape(p->tok.text, p->tok.len, s, sizeof(s));
	if (n == -1)
		return fail_at(&p->lx, p->tok.line, "bad escape", NULL);
	if (n < 0 || (with_length && n > 255))
		return fail_at(&p->lx, p->tok.line, "string over 255 octets",
		               NULL);
	if (with_length) {
		uint8_t l = (uint8_t)n;
		if (!rd_bytes(p, &l, 1))
			return false;
	}
	return rd_bytes(p, s, (size_t)n);
}

static bool end_of_rdata(struct parser *p)
{
	if (!next(&p->lx, &p->tok))
		return false;
	if (p->tok.kind == TOK_WORD)
		return fail_at(&p->lx, p->tok.line, "unexpected '%s'",
		               p->tok.text);
	return true;
}

static bool parse_rdata(struct parser *p, uint16_t type)
{
	p->rdlen = 0;
	switch (type) {
	case DNS_T_A: {
		uint8_t a[4];
		if (!field(p, "address"))
			return false;
		if (!parse_ipv4(p->tok.text, a))
			return fail_at(&p->lx, p->tok.line,
			               "bad IPv4 address '%s'", p->tok.text);
		return rd_bytes(p, a, 4) && end_of_rdata(p);
	}
	case DNS_T_AAAA: {
		uint8_t a[16];
		if (!field(p, "address"))
			return false;
		if (!parse_ipv6(p->tok.text, a))
			return fail_at(&p->lx, p->tok.line,
			               "bad IPv6 address '%s'", p->tok.text);
		return rd_bytes(p, a, 16) && end_of_rdata(p);
	}
	case DNS_T_NS:
	case DNS_T_CNAME:
	case DNS_T_PTR:
		return f_name(p, "name") && end_of_rdata(p);
	case DNS_T_MX:
		return f_num(p, "preference", 65535, false, 2) &&
		       f_name(p, "exchange") && end_of_rdata(p);
	case DNS_T_SRV:
		return f_num(p, "priority", 65535, false, 2) &&
		       f_num(p, "weight", 65535, false, 2) &&
		       f_num(p, "port", 65535, false, 2) &&
		       f_name(p, "target") && end_of_rdata(p);
	case DNS_T_SOA:
		return f_name(p, "primary name server") &&
		       f_name(p, "mailbox") &&
		       f_num(p, "serial", 0xFFFFFFFFu, false, 4) &&
		       f_num(p, "refresh", 0xFFFFFFFFu, true, 4) &&
		       f_num(p, "retry", 0xFFFFFFFFu, true, 4) &&
		       f_num(p, "expire", 0xFFFFFFFFu, true, 4) &&
		       f_num(p, "minimum", 0xFFFFFFFFu, true, 4) &&
		       end_of_rdata(p);
	case DNS_T_TXT: {
		if (!field(p, "text"))
			return false;
		for (;;) {
			if (!f_string(p, true))
				return false;
			if (!next(&p->lx, &p->tok))
				return false;
			if (p->tok.kind != TOK_WORD)
				return true;
		}
	}
	case DNS_T_CAA: {
		if (!f_num(p, "flags", 255, false, 1) || !field(p, "tag"))
			return false;
		if (p->tok.quoted || p->tok.len == 0 || p->tok.len > 15)
			return fail_at(&p->lx, p->tok.line, "bad CAA tag",
			               NULL);
		for (size_t i = 0; i < p->tok.len; i++) {
			char c = p->tok.text[i];
			if (!((c >= '0' && c <= '9') ||
			      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
				return fail_at(&p->lx, p->tok.line,
				               "bad CAA tag '%s'", p->tok.text);
		}
		uint8_t tl = (uint8_t)p->tok.len;
		if (!rd_bytes(p, &tl, 1) ||
		    !rd_bytes(p, p->tok.text, p->tok.len) ||
		    !field(p, "value") || !f_string(p, false))
			return false;
		return end_of_rdata(p);
	}
	}
	return fail_at(&p->lx, p->tok.line, "unsupported type", NULL);
}

static bool directive(struct parser *p)
{
	struct token *t = &p->tok;
	unsigned line = t->line;
	if (ieq(t->text, "$ORIGIN")) {
		struct dns_name n;
		if (!field(p, "origin") ||
		    !parse_name(&p->lx, t, p->have_origin ? &p->origin : NULL,
		                &n))
			return false;
		p->origin = n;
		p->have_origin = true;
	} else if (ieq(t->text, "$TTL")) {
		if (!field(p, "TTL"))
			return false;
		if (t->quoted || !parse_u32(t->text, true, &p->default_ttl) ||
		    p->default_ttl > 0x7FFFFFFF)
			return fail_at(&p->lx, line, "bad TTL '%s'", t->text);
		p->have_default_ttl = true;
	} else if (ieq(t->text, "$INCLUDE")) {
		return fail_at(&p->lx, line,
		               "$INCLUDE is not supported (one file per zone)",
		               NULL);
	} else {
		return fail_at(&p->lx, line, "unknown directive %s", t->text);
	}
	return end_of_rdata(p);
}

/* Checks that need the whole zone, reported at the line given. */
static bool check_zone(struct parser *p)
{
	struct dns_zone *z = p->z;
	unsigned line = p->lx.line;
	struct dns_node *apex = dns_zone_find(z, &z->apex);
	unsigned nsoa = 0;
	if (apex)
		for (unsigned i = 0; i < apex->nrr; i++)
			nsoa += apex->rrs[i].type == DNS_T_SOA;
	if (nsoa != 1)
		return fail_at(&p->lx, line,
		               nsoa ? "more than one SOA record at the apex"
		                    : "no SOA record at the apex",
		               NULL);
	if (!dns_node_has(apex, DNS_T_NS))
		return fail_at(&p->lx, line, "no NS records at the apex", NULL);
	z->apex_node = apex;
	return true;
}

/* Where each owner's first CNAME or other record was seen, for the
 * "CNAME and other data" check at the line that broke it. */
static bool add_record(struct parser *p, const struct dns_name *owner,
                       uint16_t type, uint32_t ttl, unsigned line)
{
	struct dns_zone *z = p->z;
	if (!dns_name_is_below(owner, &z->apex)) {
		char buf[300];
		dns_name_format(owner, buf, sizeof(buf));
		return fail_at(&p->lx, line, "%s is outside the zone", buf);
	}
	if (type == DNS_T_SOA && !dns_name_equal(owner, &z->apex))
		return fail_at(&p->lx, line, "SOA record not at the apex",
		               NULL);
	struct dns_node *nd = dns_zone_node(z, owner);
	if (!nd)
		return fail_at(&p->lx, line, "out of memory", NULL);
	for (unsigned i = 0; i < nd->nrr; i++) {
		uint16_t t = nd->rrs[i].type;
		if ((t == DNS_T_CNAME) != (type == DNS_T_CNAME))
			return fail_at(&p->lx, line,
			               "CNAME and other data at the same name",
			               NULL);
		if (t == DNS_T_CNAME && type == DNS_T_CNAME &&
		    (nd->rrs[i].rdlen != p->rdlen ||
		     memcmp(nd->rrs[i].rdata, p->rdata, p->rdlen)))
			return fail_at(&p->lx, line,
			               "more than one CNAME at the same name",
			               NULL);
	}
	if (type == DNS_T_CNAME && dns_name_equal(owner, &z->apex))
		return fail_at(&p->lx, line, "CNAME at the apex", NULL);
	if (!dns_zone_add_rr(z, nd, type, ttl, p->rdata, (uint16_t)p->rdlen))
		return fail_at(&p->lx, line, "out of memory", NULL);
	return true;
}

static bool entry(struct parser *p)
{
	struct token *t = &p->tok;
	unsigned line = t->line;
	if (!t->indented) {
		if (!parse_name(&p->lx, t, p->have_origin ? &p->origin : NULL,
		                &p->owner))
			return false;
		p->have_owner = true;
		if (!field(p, "type"))
			return false;
	} else if (!p->have_owner) {
		return fail_at(&p->lx, line, "no previous owner name", NULL);
	}
	struct dns_name owner = p->owner;
	/* [TTL] [class] type, TTL and class in either order */
	bool have_ttl = false, have_class = false;
	uint32_t ttl = 0;
	int type = -1;
	for (int i = 0; i < 3 && type < 0; i++) {
		if (i > 0 && !field(p, "type"))
			return false;
		if (t->quoted)
			return fail_at(&p->lx, t->line, "unexpected string",
			               NULL);
		if (t->text[0] >= '0' && t->text[0] <= '9' && !have_ttl) {
			if (!parse_u32(t->text, true, &ttl) || ttl > 0x7FFFFFFF)
				return fail_at(&p->lx, t->line, "bad TTL '%s'",
				               t->text);
			have_ttl = true;
		} else if (ieq(t->text, "IN") && !have_class) {
			have_class = true;
		} else if ((ieq(t->text, "CH") || ieq(t->text, "HS") ||
		            ieq(t->text, "CS")) &&
		           !have_class) {
			return fail_at(&p->lx, t->line,
			               "class %s: only IN is served", t->text);
		} else {
			type = type_lookup(t->text);
			if (type < 0)
				return fail_at(
				        &p->lx, t->line,
				        "unknown or unsupported type '%s'",
				        t->text);
		}
	}
	if (type < 0)
		return fail_at(&p->lx, line, "missing type", NULL);
	if (!have_ttl) {
		if (p->have_default_ttl)
			ttl = p->default_ttl;
		else if (p->have_last_ttl)
			ttl = p->last_ttl;
		else if (type == DNS_T_SOA)
			ttl = 0; /* set from the minimum below */
		else
			return fail_at(&p->lx, line,
			               "no TTL (give one or set $TTL)", NULL);
	}
	if (!parse_rdata(p, (uint16_t)type))
		return false;
	if (type == DNS_T_SOA && !have_ttl && !p->have_default_ttl &&
	    !p->have_last_ttl)
		ttl = (uint32_t)p->rdata[p->rdlen - 4] << 24 |
		      (uint32_t)p->rdata[p->rdlen - 3] << 16 |
		      (uint32_t)p->rdata[p->rdlen - 2] << 8 |
		      p->rdata[p->rdlen - 1];
	p->last_ttl = ttl;
	p->have_last_ttl = true;
	return add_record(p, &owner, (uint16_t)type, ttl, line);
}

struct dns_zone *dns_zone_parse(const char *file, const char *origin,
                                const char *text, size_t len, char *err,
                                size_t errlen)
{
	struct parser *p = calloc(1, sizeof(*p));
	struct dns_zone *z = calloc(1, sizeof(*z));
	if (!p || !z) {
		snprintf(err, errlen, "%s: out of memory", file);
		free(p);
		free(z);
		return NULL;
	}
	p->lx.file = file;
	p->lx.v = kiln_view_make(text, len);
	p->lx.line = 1;
	p->lx.line_start = true;
	p->lx.err = err;
	p->lx.errlen = errlen;
	p->z = z;
	/* The origin given, made absolute. */
	struct token *t = &p->tok;
	size_t ol = strlen(origin);
	if (ol == 0 || ol > TOKEN_MAX - 1) {
		fail_at(&p->lx, 1, "bad zone origin", NULL);
		goto out;
	}
	memcpy(t->text, origin, ol);
	if (t->text[ol - 1] != '.')
		t->text[ol++] = '.';
	t->text[ol] = 0;
	t->len = ol;
	t->quoted = false;
	t->line = 1;
	if (!parse_name(&p->lx, t, NULL, &z->apex))
		goto out;
	dns_name_lower(&z->apex);
	p->origin = z->apex;
	p->have_origin = true;

	while (next(&p->lx, t)) {
		if (t->kind == TOK_EOF)
			break;
		if (t->kind == TOK_EOL)
			continue;
		if (!t->indented && !t->quoted && t->text[0] == '$') {
			if (!directive(p))
				break;
		} else if (!entry(p)) {
			break;
		}
		if (t->kind == TOK_EOF)
			break;
	}
	if (!p->lx.failed)
		check_zone(p);
out:
	if (p->lx.failed) {
		dns_zone_free(z);
		z = NULL;
	}
	free(p);
	return z;
}
