/*
 * fuzz/manifest.c - libFuzzer harness for kiln's descriptor parser
 * (tool/desc.c): any bytes, against each schema and none, must give either
 * a parsed descriptor or one "FILE:LINE: message", never a crash or leak.
 */
#include "../tool/desc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(const uint8_t *data, size_t size,
                  const struct desc_key *schema)
{
	struct desc d;
	char err[256];
	memset(err, 'x', sizeof(err));
	bool ok = desc_parse(&d, "fuzz.app", data, size, schema, err,
	                     sizeof(err));
	if (ok) {
		/* Every field is a known key with NUL-terminated words. */
		for (size_t i = 0; i < d.nfields; i++) {
			const struct desc_field *f = &d.fields[i];
			if (desc_get(&d, f->key) != f || f->line == 0)
				abort();
			for (size_t j = 0; j < f->nwords; j++)
				if (strlen(f->words[j]) == 0)
					abort();
		}
		(void)desc_word(&d, "name", NULL);
		(void)desc_yes(&d, "freestanding", false);
	} else {
		/* The message is terminated and names the file. */
		if (memchr(err, '\0', sizeof(err)) == NULL ||
		    strncmp(err, "fuzz.app:", 9) != 0)
			abort();
	}
	desc_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, NULL);
	check(data, size, app_schema);
	check(data, size, lib_schema);
	check(data, size, target_schema);
	return 0;
}
