/*
 * host/pollset.c - a growable pollfd array (see usernet.h).
 */
#include "usernet.h"

#include <stdlib.h>

void host_pollset_clear(struct host_pollset *ps)
{
	ps->n = 0;
}

int host_pollset_add(struct host_pollset *ps, int fd, short events)
{
	if (ps->n == ps->cap) {
		unsigned cap = ps->cap ? ps->cap * 2 : 16;
		struct pollfd *fds = realloc(ps->fds, cap * sizeof(*fds));
		if (fds == NULL)
			return -1;
		ps->fds = fds;
		ps->cap = cap;
	}
	ps->fds[ps->n].fd = fd;
	ps->fds[ps->n].events = events;
	ps->fds[ps->n].revents = 0;
	return (int)ps->n++;
}

void host_pollset_free(struct host_pollset *ps)
{
	free(ps->fds);
	ps->fds = NULL;
	ps->n = ps->cap = 0;
}
