/*
 * fuzz/dns_zone.c - any text as a master file: parsed into a zone or
 * refused with a FILE:LINE message, never more.
 */
#include <kiln/dns.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[400];
	err[0] = 0;
	struct dns_zone *z =
	        dns_zone_parse("f.zone", "example.com", (const char *)data,
	                       size, err, sizeof(err));
	if (!z && strncmp(err, "f.zone:", 7) != 0)
		abort();
	dns_zone_free(z);
	return 0;
}
