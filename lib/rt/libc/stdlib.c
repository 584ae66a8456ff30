/*
 * stdlib.c - abs and qsort. qsort is a heapsort: O(n log n) comparisons
 * in every case, no recursion and no memory beyond the array, which suits
 * a small fixed stack better than a quicksort's worst case.
 */
#include "rt_libc.h"

int rt_abs(int v)
{
	return v < 0 ? -v : v;
}

long rt_labs(long v)
{
	return v < 0 ? -v : v;
}

long long rt_llabs(long long v)
{
	return v < 0 ? -v : v;
}

static void swap_bytes(unsigned char *a, unsigned char *b, size_t size)
{
	while (size-- > 0) {
		unsigned char t = *a;
		*a++ = *b;
		*b++ = t;
	}
}

/* Move the element at root down until the subtree below it (of the n
 * first elements) is a max-heap again. */
static void sift_down(unsigned char *base, size_t root, size_t n, size_t size,
                      int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;
		if (child >= n)
			return;
		if (child + 1 < n &&
		    cmp(base + child * size, base + (child + 1) * size) < 0)
			child++;
		if (cmp(base + root * size, base + child * size) >= 0)
			return;
		swap_bytes(base + root * size, base + child * size, size);
		root = child;
	}
}

void rt_qsort(void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *))
{
	unsigned char *b = base;
	size_t i;

	if (n < 2 || size == 0)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(b, i, n, size, cmp);
	for (i = n - 1; i > 0; i--) {
		swap_bytes(b, b + i * size, size);
		sift_down(b, 0, i, size, cmp);
	}
}
