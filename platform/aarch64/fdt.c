/*
 * fdt.c - the device-tree reader of the aarch64 targets (see fdt.h).
 *
 * One pass over the structure block. Properties of a node come before its
 * children (devicetree specification 5.4.1), so each nesting level keeps
 * the views of the properties it may need; a node is looked at when it
 * ends, with its parent's #address-cells and #size-cells for its reg.
 * Runs at EL1 before the MMU is on, hence EL1_CODE (no unaligned access).
 */
#include "el1.h"
EL1_CODE

#include "fdt.h"
#include <kiln/view.h>

#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9
#define HEADER_SIZE 40
#define MAX_DEPTH 16

struct node {
	struct kiln_view name;
	uint32_t addr_cells, size_cells; /* for its children */
	struct kiln_view compatible, device_type, reg, interrupts, method;
	struct kiln_view bootargs, status;
};

struct walk {
	struct fdt_info *info;
	struct kiln_view strings;
	char *err;
	size_t err_size;
};

/* Byte by byte: no call to the C library's memset (see el1.h). */
static void clear(void *p, size_t n)
{
	volatile uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		b[i] = 0;
}

static int fail(struct walk *w, const char *why)
{
	size_t i = 0;
	if (w->err_size == 0)
		return -1;
	for (; why[i] && i + 1 < w->err_size; i++)
		w->err[i] = why[i];
	w->err[i] = 0;
	return -1;
}

/* Does view a hold exactly the string s (with or without its NUL)? */
static bool view_is(struct kiln_view a, const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	if (a.len != n && !(a.len == n + 1 && a.p[n] == 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if (a.p[i] != (uint8_t)s[i])
			return false;
	return true;
}

/* Is s one of the NUL-separated strings of a string list? */
static bool list_has(struct kiln_view list, const char *s)
{
	while (list.len > 0) {
		size_t n = 0;
		while (n < list.len && list.p[n])
			n++;
		if (view_is(kiln_view_make(list.p, n), s))
			return true;
		if (!kiln_view_skip(&list, n < list.len ? n + 1 : n))
			break;
	}
	return false;
}

/* A number of cells (1 or 2: the targets' buses) from v. */
static bool read_cells(struct kiln_view *v, uint32_t cells, uint64_t *out)
{
	uint32_t hi = 0, lo;
	if (cells == 2 && !kiln_view_u32(v, &hi))
		return false;
	if (!kiln_view_u32(v, &lo))
		return false;
	*out = (uint64_t)hi << 32 | lo;
	return true;
}

/* Entry index of a reg property under parent's cell sizes. */
static bool reg_at(const struct node *parent, struct kiln_view reg,
                   unsigned index, struct fdt_reg *out)
{
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;
	size_t entry = 4u * (ac + sc);
	if (ac < 1 || ac > 2 || sc > 2 || reg.len % entry != 0 ||
	    reg.len / entry <= index)
		return false;
	kiln_view_skip(&reg, entry * index);
	out->size = 0;
	return read_cells(&reg, ac, &out->base) &&
	       (sc == 0 || read_cells(&reg, sc, &out->size));
}

/* Entry index of an interrupts property of three cells per interrupt
 * (the GIC binding: type, number, flags), as an INTID; 0 if there is no
 * such entry or it is not in that form. */
static uint32_t intid_at(struct kiln_view irqs, unsigned index)
{
	uint32_t type, number, flags;
	if (irqs.len % 12 != 0 || irqs.len / 12 <= index)
		return 0;
	kiln_view_skip(&irqs, 12u * index);
	if (!kiln_view_u32(&irqs, &type) || !kiln_view_u32(&irqs, &number) ||
	    !kiln_view_u32(&irqs, &flags))
		return 0;
	if (type == 0 && number < 988)
		return 32 + number; /* SPI */
	if (type == 1 && number < 16)
		return 16 + number; /* PPI */
	return 0;
}

static bool enabled(const struct node *n)
{
	return n->status.p == NULL || view_is(n->status, "okay") ||
	       view_is(n->status, "ok");
}

/* A node has ended: take what the targets need from it. */
static int node_done(struct walk *w, const struct node *n,
                     const struct node *parent, unsigned depth)
{
	struct fdt_info *info = w->info;
	struct fdt_reg r;
	if (depth == 1 && view_is(n->name, "chosen") && n->bootargs.p) {
		struct kiln_view b = n->bootargs;
		size_t i = 0;
		while (i < b.len && b.p[i] && i + 1 < sizeof(info->bootargs)) {
			info->bootargs[i] = (char)b.p[i];
			i++;
		}
		info->bootargs[i] = 0;
		info->bootargs_truncated = i < b.len && b.p[i] != 0;
		return 0;
	}
	if (!enabled(n) || depth == 0)
		return 0;
	if (n->device_type.p && view_is(n->device_type, "memory")) {
		for (unsigned i = 0; info->memory_count < FDT_MEMORY_MAX &&
		                     reg_at(parent, n->reg, i, &r);
		     i++)
			if (r.size)
				info->memory[info->memory_count++] = r;
		return 0;
	}
	if (!n->compatible.p)
		return 0;
	if (list_has(n->compatible, "arm,pl011")) {
		if (info->uart.size == 0 && reg_at(parent, n->reg, 0, &r) &&
		    r.size)
			info->uart = r;
	} else if (list_has(n->compatible, "arm,gic-v3")) {
		if (!reg_at(parent, n->reg, 0, &info->gic_dist) ||
		    !reg_at(parent, n->reg, 1, &info->gic_redist))
			return fail(w, "GICv3 node without distributor and "
			               "redistributor registers");
		info->gic_version = 3;
	} else if (list_has(n->compatible, "arm,cortex-a15-gic") ||
	           list_has(n->compatible, "arm,gic-400")) {
		if (!reg_at(parent, n->reg, 0, &info->gic_dist) ||
		    !reg_at(parent, n->reg, 1, &info->gic_cpu))
			return fail(w, "GICv2 node without distributor and "
			               "CPU interface registers");
		info->gic_version = 2;
	} else if (list_has(n->compatible, "arm,armv8-timer")) {
		/* Secure, non-secure physical, virtual, hypervisor. */
		info->timer_virt_intid = intid_at(n->interrupts, 2);
	} else if (list_has(n->compatible, "arm,psci-1.0") ||
	           list_has(n->compatible, "arm,psci-0.2") ||
	           list_has(n->compatible, "arm,psci")) {
		if (view_is(n->method, "hvc"))
			info->psci = FDT_PSCI_HVC;
		else if (view_is(n->method, "smc"))
			info->psci = FDT_PSCI_SMC;
	} else if (list_has(n->compatible, "arm,pl031")) {
		if (reg_at(parent, n->reg, 0, &r) && r.size)
			info->rtc = r;
	} else if (list_has(n->compatible, "virtio,mmio")) {
		if (info->virtio_count < FDT_VIRTIO_MAX &&
		    reg_at(parent, n->reg, 0, &r) && r.size) {
			unsigned i = info->virtio_count++;
			info->virtio[i].base = r.base;
			info->virtio[i].size = r.size;
			info->virtio[i].intid = intid_at(n->interrupts, 0);
		}
	}
	return 0;
}

/* The name of a property: a NUL-terminated string in the strings block. */
static bool prop_name(struct walk *w, uint32_t off, struct kiln_view *out)
{
	struct kiln_view s;
	if (!kiln_view_sub(&w->strings, off, w->strings.len - off, &s))
		return false;
	size_t n = 0;
	while (n < s.len && s.p[n])
		n++;
	if (n == s.len)
		return false;
	*out = kiln_view_make(s.p, n);
	return true;
}

/* Skip to the next 4-byte boundary of the structure block. */
static bool align4(struct kiln_view *v, size_t consumed)
{
	return kiln_view_skip(v, (4 - consumed % 4) % 4);
}

static void set_prop(struct node *n, struct kiln_view name,
                     struct kiln_view value)
{
	uint32_t cells;
	struct kiln_view c = value;
	if (view_is(name, "compatible"))
		n->compatible = value;
	else if (view_is(name, "device_type"))
		n->device_type = value;
	else if (view_is(name, "reg"))
		n->reg = value;
	else if (view_is(name, "interrupts"))
		n->interrupts = value;
	else if (view_is(name, "method"))
		n->method = value;
	else if (view_is(name, "bootargs"))
		n->bootargs = value;
	else if (view_is(name, "status"))
		n->status = value;
	else if (view_is(name, "#address-cells") && value.len == 4 &&
	         kiln_view_u32(&c, &cells))
		n->addr_cells = cells;
	else if (view_is(name, "#size-cells") && value.len == 4 &&
	         kiln_view_u32(&c, &cells))
		n->size_cells = cells;
}

size_t fdt_total_size(const void *blob)
{
	struct kiln_view h = kiln_view_make(blob, HEADER_SIZE);
	uint32_t magic, total;
	if (!kiln_view_u32(&h, &magic) || magic != FDT_MAGIC ||
	    !kiln_view_u32(&h, &total))
		return 0;
	return total;
}

int fdt_parse(const void *blob, size_t max, struct fdt_info *info, char *err,
              size_t err_size)
{
	struct walk w = {info, kiln_view_make(NULL, 0), err, err_size};
	clear(info, sizeof(*info));

	struct kiln_view all = kiln_view_make(blob, max), h = all;
	uint32_t magic, total, off_struct, off_strings, off_rsv, version;
	uint32_t last_comp, boot_cpu, size_strings, size_struct;
	if (!kiln_view_u32(&h, &magic) || !kiln_view_u32(&h, &total) ||
	    !kiln_view_u32(&h, &off_struct) ||
	    !kiln_view_u32(&h, &off_strings) || !kiln_view_u32(&h, &off_rsv) ||
	    !kiln_view_u32(&h, &version) || !kiln_view_u32(&h, &last_comp) ||
	    !kiln_view_u32(&h, &boot_cpu) ||
	    !kiln_view_u32(&h, &size_strings) ||
	    !kiln_view_u32(&h, &size_struct))
		return fail(&w, "device tree shorter than its header");
	if (magic != FDT_MAGIC)
		return fail(&w, "no device tree (bad magic)");
	if (last_comp > 17 || version < 17)
		return fail(&w, "device tree version not supported (need 17)");
	if (total < HEADER_SIZE || total > max)
		return fail(&w, "device tree size out of range");
	all.len = total;
	struct kiln_view s;
	if (!kiln_view_sub(&all, off_struct, size_struct, &s) ||
	    !kiln_view_sub(&all, off_strings, size_strings, &w.strings))
		return fail(&w, "device tree blocks outside the blob");

	struct node stack[MAX_DEPTH];
	unsigned depth = 0; /* nodes open */
	for (;;) {
		uint32_t token;
		if (!kiln_view_u32(&s, &token))
			return fail(&w, "device tree structure block ends "
			                "without FDT_END");
		if (token == FDT_BEGIN_NODE) {
			if (depth == MAX_DEPTH)
				return fail(&w,
				            "device tree nested too deeply");
			struct node *n = &stack[depth];
			const uint8_t *start = s.p;
			size_t len = 0;
			while (len < s.len && s.p[len])
				len++;
			if (len == s.len)
				return fail(&w, "device tree node name not "
				                "terminated");
			clear(n, sizeof(*n));
			n->name = kiln_view_make(start, len);
			/* Without #address-cells / #size-cells a node's
			 * children use 2 and 1 (specification 2.3.5). */
			n->addr_cells = 2;
			n->size_cells = 1;
			kiln_view_skip(&s, len + 1);
			if (!align4(&s, len + 1))
				return fail(&w, "device tree truncated");
			depth++;
		} else if (token == FDT_END_NODE) {
			if (depth == 0)
				return fail(&w, "device tree ends a node it "
				                "never began");
			depth--;
			if (node_done(&w, &stack[depth],
			              depth ? &stack[depth - 1] : &stack[0],
			              depth) != 0)
				return -1;
		} else if (token == FDT_PROP) {
			uint32_t len, nameoff;
			struct kiln_view value, name;
			if (!kiln_view_u32(&s, &len) ||
			    !kiln_view_u32(&s, &nameoff) ||
			    !kiln_view_take(&s, len, &value) ||
			    !align4(&s, len))
				return fail(&w, "device tree property "
				                "truncated");
			if (depth == 0)
				return fail(&w, "device tree property outside "
				                "any node");
			if (!prop_name(&w, nameoff, &name))
				return fail(&w, "device tree property name "
				                "outside the strings block");
			set_prop(&stack[depth - 1], name, value);
		} else if (token == FDT_NOP) {
			continue;
		} else if (token == FDT_END) {
			if (depth != 0)
				return fail(&w,
				            "device tree ends inside a node");
			return 0;
		} else {
			return fail(&w, "device tree has an unknown token");
		}
	}
}
