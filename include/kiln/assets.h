/*
 * kiln/assets.h - files compiled into the image.
 *
 * bin/kiln-assets turns asset folders into one generated C file that
 * defines the table `kiln_assets` (kiln does this for an app whose manifest
 * has `assets = DIR:PREFIX ...`). Each entry is one URL path with its
 * bytes, content type, strong ETag and, when it is at least 5% smaller, a gzip
 * variant made at build time. An `index.html` is also listed under its folder's
 * path with a trailing slash ("/talk/index.html" and "/talk/").
 *
 * The table is sorted by path (bytewise), so lookup is a binary search.
 */
#ifndef KILN_ASSETS_H
#define KILN_ASSETS_H

#include <stddef.h>
#include <stdint.h>

struct kiln_asset {
	const char *path; /* "/reveal/dist/reveal.js": NUL-terminated */
	size_t path_len;
	const char *content_type; /* "text/html; charset=utf-8" */
	const uint8_t *data;
	size_t size;
	/* The gzip variant (RFC 1952), only when smaller than data; else
	 * NULL and 0. */
	const uint8_t *gzip;
	size_t gzip_size;
	/* Strong entity tags, with their quotes: "\"5d41402abc4b2a76\"".
	 * etag_gzip is NULL when there is no gzip variant. */
	const char *etag;
	const char *etag_gzip;
};

struct kiln_asset_table {
	const struct kiln_asset *entries; /* sorted by path */
	size_t count;
	/* Seconds since the Unix epoch: the Last-Modified of every asset
	 * (SOURCE_DATE_EPOCH, else the newest input file's mtime). */
	int64_t build_time;
};

/* The app's table, defined by the generated file. */
extern const struct kiln_asset_table kiln_assets;

/* The asset at exactly this path (len bytes, no NUL needed), or NULL. */
const struct kiln_asset *kiln_asset_find(const struct kiln_asset_table *t,
                                         const char *path, size_t len);

/* The i-th asset in path order, or NULL past the end: for iteration. */
const struct kiln_asset *kiln_asset_at(const struct kiln_asset_table *t,
                                       size_t i);

#endif /* KILN_ASSETS_H */
