/*
 * kiln-zone - check DNS zone files (RFC 1035 master format) as lib/dns
 * will read them in the image.
 *
 * usage: kiln-zone FILE|DIR...
 * A file NAME.zone holds the zone NAME (its origin); a folder stands for
 * the *.zone files in it. Prints "FILE: ORIGIN, N records" for each good
 * zone, "FILE:LINE: message" for the first mistake in a bad one, and
 * exits 1 if any was bad, 2 on a usage error.
 */
#include <dirent.h>
#include <kiln/dns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t cap = 1 << 16, len = 0;
	char *text = malloc(cap);
	size_t n;
	while (text && (n = fread(text + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			text = realloc(text, cap *= 2);
	}
	fclose(f);
	if (!text) {
		fprintf(stderr, "%s: out of memory\n", path);
		return 1;
	}
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char origin[300];
	snprintf(origin, sizeof(origin), "%s", base);
	size_t ol = strlen(origin);
	if (ol > 5 && strcmp(origin + ol - 5, ".zone") == 0)
		origin[ol - 5] = 0;
	char err[400];
	struct dns_zone *z =
	        dns_zone_parse(path, origin, text, len, err, sizeof(err));
	free(text);
	if (!z) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	char name[300];
	dns_name_format(dns_zone_apex(z), name, sizeof(name));
	printf("%s: %s, %zu records\n", path, name, dns_zone_records(z));
	dns_zone_free(z);
	return 0;
}

static int check_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return check(dir);
	struct dirent *e;
	int rc = 0, found = 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l <= 5 || strcmp(e->d_name + l - 5, ".zone") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		rc |= check(path);
		found++;
	}
	closedir(d);
	if (!found) {
		fprintf(stderr, "%s: no *.zone files\n", dir);
		return 1;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fprintf(stderr, "usage: kiln-zone FILE|DIR...\n");
		return 2;
	}
	int rc = 0;
	for (int i = 1; i < argc; i++)
		rc |= check_dir(argv[i]);
	return rc;
}
