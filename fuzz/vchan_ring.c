/*
 * fuzz/vchan_ring.c - lib/vchan's rings and control page against a peer
 * whose every move comes from the input.
 *
 * The input is a script: a ring size, then operations. The peer may set
 * its index in either ring to any value at any time (as a hostile peer
 * writes the shared page); this side reads and writes lengths the input
 * chooses. The ring's bytes are allocated at exactly their size, so any
 * access outside them is caught (ASan), and a model checks what the
 * library claims: a read never hands over more than the peer's last
 * valid index covered, a write never takes more than the room the
 * peer's last valid index left, and once an index is found broken the
 * look fails without copying anything. The rest of the input, as a
 * whole control page, goes through vchan_header_parse, whose yes must
 * mean a page a client can use.
 */
#include "../lib/vchan/layout.h"
#include "../lib/vchan/ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "vchan_ring: %s\n", what);
		abort();
	}
}

struct input {
	const uint8_t *p;
	size_t n;
};

static uint32_t take(struct input *in, unsigned bytes)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < bytes && in->n; i++) {
		v |= (uint32_t)in->p[0] << (8 * i);
		in->p++;
		in->n--;
	}
	return v;
}

static void rings(struct input *in)
{
	unsigned order = VCHAN_ORDER_MIN + take(in, 1) % 7; /* 1..64 KiB */
	uint32_t size = 1u << order;
	uint8_t *rd_data = malloc(size), *wr_data = malloc(size);
	uint8_t *buf = malloc(2 * size);
	uint32_t idx[4] = {0}; /* rd prod, rd cons, wr cons, wr prod */
	uint32_t start = take(in, 4);
	struct vchan_ring rd, wr;
	memset(rd_data, 0xaa, size);
	memset(wr_data, 0x55, size);
	memset(buf, 0, 2 * size);
	check(vchan_ring_init(&rd, true, rd_data, size, &idx[0], &idx[1], start,
	                      start),
	      "reader init");
	check(vchan_ring_init(&wr, false, wr_data, size, &idx[2], &idx[3],
	                      start, start),
	      "writer init");
	/* A start more than a ring apart is refused. */
	struct vchan_ring bad;
	check(!vchan_ring_init(&bad, true, rd_data, size, &idx[0], &idx[1],
	                       start, start + size + 1),
	      "a reader starting beyond a ring is refused");
	uint32_t valid_prod = start, valid_cons = start; /* the model */
	bool rd_broken = false, wr_broken = false;
	while (in->n > 0) {
		uint8_t op = (uint8_t)take(in, 1);
		uint32_t arg = take(in, 4);
		switch (op % 6) {
		case 0: /* the peer writes its prod (maybe garbage) */
			idx[0] =
			        op & 0x80 ? arg : valid_prod + arg % (size + 1);
			break;
		case 1: /* the peer writes its cons */
			idx[2] =
			        op & 0x80 ? arg : valid_cons + arg % (size + 1);
			break;
		case 2: { /* we read */
			size_t len = arg % (2 * size + 1);
			uint32_t mine = rd.mine;
			long n = vchan_ring_read(&rd, buf, len);
			if (n < 0) {
				check(rd.mine == mine,
				      "a failed read consumed");
				rd_broken = true;
				break;
			}
			check((size_t)n <= len, "read more than asked");
			check((uint32_t)n <= idx[0] - mine,
			      "read more than the peer wrote");
			check(idx[0] - mine <= size,
			      "accepted a prod beyond a ring");
			check(idx[0] - mine >= valid_prod - mine,
			      "accepted a prod that moved back");
			check(idx[1] == rd.mine || n == 0,
			      "cons not published after a read");
			valid_prod = idx[0];
			break;
		}
		case 3: { /* we write */
			size_t len = arg % (2 * size + 1);
			uint32_t mine = wr.mine;
			long n = vchan_ring_write(&wr, buf, len);
			if (n < 0) {
				check(wr.mine == mine,
				      "a failed write produced");
				wr_broken = true;
				break;
			}
			check((size_t)n <= len, "wrote more than asked");
			check(mine - idx[2] <= size,
			      "accepted a cons past prod");
			check(idx[2] - valid_cons <= mine - valid_cons,
			      "accepted a cons that moved back");
			check((uint32_t)n <= size - (mine - idx[2]),
			      "wrote more than the room left");
			check(wr.mine - idx[2] <= size, "overran the ring");
			valid_cons = idx[2];
			break;
		}
		case 4: {
			long r = vchan_ring_ready(&rd);
			check(r < 0 || (r >= 0 && (uint32_t)r <= size),
			      "ready beyond a ring");
			if (r >= 0)
				valid_prod = idx[0];
			break;
		}
		default: {
			long s = vchan_ring_space(&wr);
			check(s < 0 || (s >= 0 && (uint32_t)s <= size),
			      "space beyond a ring");
			if (s >= 0)
				valid_cons = idx[2];
			break;
		}
		}
		if (rd_broken && wr_broken)
			break;
	}
	free(rd_data);
	free(wr_data);
	free(buf);
}

static void header(const uint8_t *data, size_t n)
{
	uint8_t page[VCHAN_PAGE];
	uint32_t refs[VCHAN_PAGE / 4];
	struct vchan_geometry g;
	const char *why;
	memset(page, 0, sizeof(page));
	memcpy(page, data, n < sizeof(page) ? n : sizeof(page));
	if (!vchan_header_parse(kiln_view_make(page, sizeof(page)), &g, refs,
	                        VCHAN_PAGE / 4, &why))
		return;
	check(g.left_order >= VCHAN_ORDER_MIN &&
	              g.left_order <= VCHAN_ORDER_MAX &&
	              g.right_order >= VCHAN_ORDER_MIN &&
	              g.right_order <= VCHAN_ORDER_MAX,
	      "an order out of range accepted");
	check(!(g.left_order == g.right_order && g.left_order < 12),
	      "two in-page rings in one place accepted");
	size_t end =
	        VCHAN_OFF_GRANTS + 4 * (size_t)(g.left_pages + g.right_pages);
	check(end <= VCHAN_PAGE, "grants beyond the page accepted");
	if (vchan_inpage_offset(g.left_order))
		check(end <= vchan_inpage_offset(g.left_order),
		      "grants over the left ring accepted");
	if (vchan_inpage_offset(g.right_order))
		check(end <= vchan_inpage_offset(g.right_order),
		      "grants over the right ring accepted");
	/* A truncated page is refused. */
	check(!vchan_header_parse(kiln_view_make(page, 100), &g, refs,
	                          VCHAN_PAGE / 4, &why),
	      "a short page accepted");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	/* The first byte splits the input between the two parts. */
	size_t split = size ? (size_t)data[0] * size / 256 : 0;
	if (size)
		in = (struct input){data + 1, split ? split - 1 : 0};
	rings(&in);
	if (size > split)
		header(data + split, size - split);
	/* The server's own choice is always a page a client accepts. */
	if (size >= 8) {
		size_t l = (size_t)(data[1] | data[2] << 8 | data[3] << 16) %
		           (2u << 20);
		size_t r = (size_t)(data[4] | data[5] << 8 | data[6] << 16) %
		           (2u << 20);
		struct vchan_geometry g, back;
		if (vchan_geometry_choose(l, r, &g)) {
			uint8_t page[VCHAN_PAGE];
			uint32_t refs[600], got[VCHAN_PAGE / 4];
			const char *why = "";
			memset(page, 0, sizeof(page));
			for (unsigned i = 0; i < 600; i++)
				refs[i] = i * 7 + 1;
			check((1u << g.left_order) >= l &&
			              (1u << g.right_order) >= r,
			      "rings smaller than asked");
			vchan_header_init(page, &g, refs);
			check(vchan_header_parse(
			              kiln_view_make(page, sizeof(page)), &back,
			              got, VCHAN_PAGE / 4, &why),
			      why);
			check(back.left_order == g.left_order &&
			              back.right_order == g.right_order,
			      "the orders came back different");
			for (unsigned i = 0; i < g.left_pages + g.right_pages;
			     i++)
				check(got[i] == refs[i],
				      "a grant came back different");
		} else {
			check(l > (1u << 20) || r > (1u << 20),
			      "a size within 1 MiB refused");
		}
	}
	return 0;
}
