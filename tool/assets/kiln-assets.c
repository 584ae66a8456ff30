/*
 * kiln-assets - compile asset folders into one C file.
 *
 *   kiln-assets [--table NAME] --output FILE DIR[:PREFIX]...
 *
 * Every regular file under each DIR (recursively; names starting with '.'
 * are skipped) becomes an entry of the table `kiln_assets` (or NAME; see
 * include/kiln/assets.h) under the URL path PREFIX/RELATIVE-PATH (PREFIX
 * defaults to "/"). Each entry carries its bytes, a content type from the
 * file name's extension, a strong ETag (the first 128 bits of the SHA-256
 * of the bytes, in hex) and, when it is at least 5% smaller, a gzip variant
 * made here with zlib. An index.html is listed a second time under its folder's
 * path with a trailing slash.
 *
 * The output is reproducible: entries are sorted by path, the gzip header
 * carries no name and no time, and the one timestamp, the Last-Modified of
 * every asset, is SOURCE_DATE_EPOCH when set, else the newest input mtime.
 * FILE is only rewritten when its content changes, so that builds driven
 * by timestamps stay incremental.
 */
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Bounds that keep a mistake (a huge folder, a runaway symlink loop) from
 * turning into an enormous image. */
#define MAX_FILES 10000
#define MAX_FILE_SIZE (64u << 20)
#define MAX_DEPTH 32

struct file {
	char *url;    /* the URL path */
	char *source; /* the file on disk */
	uint8_t *data;
	size_t size;
	uint8_t *gzip; /* NULL when gzip would not be smaller */
	size_t gzip_size;
	char etag[40];
	const char *type;
};

/* One table entry: a file, or an alias of one ("/dir/" for index.html). */
struct entry {
	char *url;
	size_t file;
};

/* The table's C name (--table): kiln_assets unless told. */
static const char *table_name = "kiln_assets";

static struct file *files;
static size_t nfiles, cap_files;
static struct entry *entries;
static size_t nentries, cap_entries;
static int64_t newest_mtime;

static _Noreturn void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kiln-assets: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = xrealloc(NULL, n);
	memcpy(d, s, n);
	return d;
}

static char *join(const char *a, const char *sep, const char *b)
{
	size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char *s = xrealloc(NULL, la + ls + lb + 1);
	memcpy(s, a, la);
	memcpy(s + la, sep, ls);
	memcpy(s + la + ls, b, lb + 1);
	return s;
}

/* ------------------------------------------------------ content types */

static const struct {
	const char *ext;
	const char *type;
} types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/vnd.microsoft.icon"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"eot", "application/vnd.ms-fontobject"},
        {"txt", "text/plain; charset=utf-8"},
        {"md", "text/markdown; charset=utf-8"},
        {"wasm", "application/wasm"},
        {"xml", "application/xml"},
        {"pdf", "application/pdf"},
};

static const char *content_type(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash + 1 : name, '.');
	if (dot) {
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	}
	return "application/octet-stream";
}

/* ----------------------------------------------------------- reading */

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: cannot open: %s", path, strerror(errno));
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = xrealloc(buf, cap);
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (len > MAX_FILE_SIZE)
			die("%s: larger than %u bytes", path, MAX_FILE_SIZE);
		if (n == 0)
			break;
	}
	if (ferror(f))
		die("%s: cannot read: %s", path, strerror(errno));
	fclose(f);
	*size = len;
	return buf;
}

static void add_file(const char *source, const char *url, int64_t mtime)
{
	if (nfiles == MAX_FILES)
		die("more than %d files", MAX_FILES);
	if (nfiles == cap_files) {
		cap_files = cap_files ? cap_files * 2 : 64;
		files = xrealloc(files, cap_files * sizeof *files);
	}
	struct file *f = &files[nfiles++];
	memset(f, 0, sizeof *f);
	f->source = xstrdup(source);
	f->url = xstrdup(url);
	f->data = read_file(source, &f->size);
	f->type = content_type(url);
	if (mtime > newest_mtime)
		newest_mtime = mtime;
}

static void walk(const char *dir, const char *url, int depth)
{
	if (depth > MAX_DEPTH)
		die("%s: folders nested deeper than %d", dir, MAX_DEPTH);
	DIR *d = opendir(dir);
	if (!d)
		die("%s: cannot open folder: %s", dir, strerror(errno));
	struct dirent *de;
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char *path = join(dir, "/", de->d_name);
		char *sub = join(url, "/", de->d_name);
		struct stat st;
		if (stat(path, &st) != 0)
			die("%s: %s", path, strerror(errno));
		if (S_ISDIR(st.st_mode))
			walk(path, sub, depth + 1);
		else if (S_ISREG(st.st_mode))
			add_file(path, sub, (int64_t)st.st_mtime);
		else
			die("%s: not a regular file or folder", path);
		free(path);
		free(sub);
	}
	if (errno != 0)
		die("%s: cannot list: %s", dir, strerror(errno));
	closedir(d);
}

/* DIR or DIR:PREFIX. The prefix is a URL path starting with '/'; a
 * trailing slash is optional. */
static void add_folder(const char *arg)
{
	char *dir = xstrdup(arg);
	char *colon = strrchr(dir, ':');
	const char *prefix = "/";
	if (colon) {
		*colon = '\0';
		prefix = colon + 1;
	}
	if (dir[0] == '\0')
		die("%s: empty folder name", arg);
	if (prefix[0] != '/')
		die("%s: the prefix must start with '/'", arg);
	char *url = xstrdup(prefix);
	size_t n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	struct stat st;
	if (stat(dir, &st) != 0)
		die("%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		die("%s: not a folder", dir);
	walk(dir, url, 0);
	free(url);
	free(dir);
}

/* --------------------------------------------------------- processing */

/*
 * A gzip member (RFC 1952) around a raw deflate stream: fixed header with
 * no file name and a zero modification time, so the same bytes always
 * give the same output.
 */
static uint8_t *gzip(const uint8_t *data, size_t size, size_t *out_size)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
		die("zlib: deflateInit2 failed");
	size_t bound = deflateBound(&z, size) + 18;
	uint8_t *out = xrealloc(NULL, bound);
	static const uint8_t header[10] = {0x1f, 0x8b, 8, 0, 0,
	                                   0,    0,    0, 2, 255};
	memcpy(out, header, sizeof header);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)size;
	z.next_out = out + 10;
	z.avail_out = (uInt)(bound - 18);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("zlib: deflate failed");
	size_t n = 10 + z.total_out;
	deflateEnd(&z);
	uint32_t crc = (uint32_t)crc32(0, data, (uInt)size);
	uint32_t isize = (uint32_t)size;
	for (int i = 0; i < 4; i++)
		out[n + i] = (uint8_t)(crc >> (8 * i));
	for (int i = 0; i < 4; i++)
		out[n + 4 + i] = (uint8_t)(isize >> (8 * i));
	*out_size = n + 8;
	return out;
}

static void process(struct file *f)
{
	struct sha256 s;
	uint8_t digest[32];
	sha256_init(&s);
	sha256_update(&s, f->data, f->size);
	sha256_final(&s, digest);
	for (int i = 0; i < 16; i++)
		snprintf(f->etag + 2 * i, 3, "%02x", digest[i]);
	size_t gz_size;
	uint8_t *gz = gzip(f->data, f->size, &gz_size);
	/* A variant must earn its place in the image: at least a twentieth
	 * smaller (already-compressed fonts and images rarely are). */
	if (gz_size < f->size && f->size - gz_size >= f->size / 20) {
		f->gzip = gz;
		f->gzip_size = gz_size;
	} else {
		free(gz);
	}
}

static void add_entry(char *url, size_t file)
{
	if (nentries == cap_entries) {
		cap_entries = cap_entries ? cap_entries * 2 : 64;
		entries = xrealloc(entries, cap_entries * sizeof *entries);
	}
	entries[nentries].url = url;
	entries[nentries].file = file;
	nentries++;
}

static int by_url(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->url,
	              ((const struct entry *)b)->url);
}

static int files_by_url(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->url,
	              ((const struct file *)b)->url);
}

/* ------------------------------------------------------------ output */

struct buf {
	char *p;
	size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap) {
		while (b->len + n > b->cap)
			b->cap = b->cap ? b->cap * 2 : 1 << 20;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void putf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		die("internal: formatted line too long");
	put(b, tmp, (size_t)n);
}

/*
 * Bytes as C string literal pieces. Printable ASCII goes as is (except
 * the quote, the backslash and '?', which could start a trigraph); every
 * other byte as a three-digit octal escape, which cannot swallow the
 * character after it the way a hex escape would.
 */
static void put_literal(struct buf *b, const uint8_t *p, size_t n,
                        const char *indent)
{
	size_t col = 0;
	put(b, indent, strlen(indent));
	put(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (col >= 72) {
			put(b, "\"\n", 2);
			put(b, indent, strlen(indent));
			put(b, "\"", 1);
			col = 0;
		}
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' &&
		    c != '?') {
			char ch = (char)c;
			put(b, &ch, 1);
			col++;
		} else {
			char esc[5];
			snprintf(esc, sizeof esc, "\\%03o", c);
			put(b, esc, 4);
			col += 4;
		}
	}
	put(b, "\"", 1);
}

static void put_array(struct buf *b, const char *name, size_t i,
                      const uint8_t *p, size_t n)
{
	/* An array exactly as long as the literal: no NUL is stored. An
	 * empty file gets one zero byte so the array is not empty. */
	putf(b, "static const uint8_t %s%zu[%zu] =\n", name, i, n ? n : 1);
	put_literal(b, p, n, "        ");
	put(b, ";\n\n", 3);
}

static void generate(struct buf *b, int64_t epoch)
{
	put(b, "/* Generated by kiln-assets: do not edit. */\n", 45);
	put(b, "#include <kiln/assets.h>\n\n", 26);
	for (size_t i = 0; i < nfiles; i++) {
		struct file *f = &files[i];
		/* Source names are not written out: they could hold
		 * bytes that end a comment. */
		putf(b, "/* file %zu */\n", i);
		put_array(b, "data", i, f->data, f->size);
		if (f->gzip)
			put_array(b, "gzip", i, f->gzip, f->gzip_size);
	}
	putf(b, "static const struct kiln_asset entries[%zu] = {\n",
	     nentries ? nentries : 1);
	for (size_t i = 0; i < nentries; i++) {
		struct entry *e = &entries[i];
		struct file *f = &files[e->file];
		put(b, "\t{\n", 3);
		put_literal(b, (const uint8_t *)e->url, strlen(e->url), "\t\t");
		putf(b, ",\n\t\t%zu,\n\t\t\"%s\",\n", strlen(e->url), f->type);
		putf(b, "\t\tdata%zu,\n\t\t%zu,\n", e->file, f->size);
		if (f->gzip)
			putf(b, "\t\tgzip%zu,\n\t\t%zu,\n", e->file,
			     f->gzip_size);
		else
			put(b, "\t\t0,\n\t\t0,\n", 10);
		putf(b, "\t\t\"\\\"%s\\\"\",\n", f->etag);
		if (f->gzip)
			putf(b, "\t\t\"\\\"%s-gz\\\"\",\n", f->etag);
		else
			put(b, "\t\t0,\n", 5);
		put(b, "\t},\n", 4);
	}
	put(b, "};\n\n", 4);
	putf(b,
	     "const struct kiln_asset_table %s = {entries, %zu, "
	     "%lld};\n",
	     table_name, nentries, (long long)epoch);
}

/* Write path only if its content differs; atomically (rename). */
static void write_if_changed(const char *path, const struct buf *b)
{
	FILE *f = fopen(path, "rb");
	if (f) {
		bool same = true;
		size_t off = 0;
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
			if (off + n > b->len ||
			    memcmp(chunk, b->p + off, n) != 0) {
				same = false;
				break;
			}
			off += n;
		}
		fclose(f);
		if (same && off == b->len)
			return;
	}
	/* Make the folder if needed (one level is what kiln asks for:
	 * {build}/gen). */
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			die("%s: cannot create: %s", dir, strerror(errno));
	}
	free(dir);
	char *tmp = join(path, "", ".tmp");
	FILE *out = fopen(tmp, "wb");
	if (!out)
		die("%s: cannot create: %s", tmp, strerror(errno));
	if (fwrite(b->p, 1, b->len, out) != b->len || fclose(out) != 0)
		die("%s: cannot write: %s", tmp, strerror(errno));
	if (rename(tmp, path) != 0)
		die("%s: cannot rename to %s: %s", tmp, path, strerror(errno));
	free(tmp);
}

static int64_t build_epoch(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	if (!s || !*s)
		return newest_mtime;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			die("SOURCE_DATE_EPOCH=%s: not a number of seconds", s);
		v = v * 10 + (*p - '0');
	}
	return v;
}

static bool valid_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return false;
	return true;
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: kiln-assets [--table NAME] --output FILE "
	                "DIR[:PREFIX]...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *output = NULL;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--output") == 0 && i + 1 < argc)
			output = argv[++i];
		else if (strncmp(argv[i], "--output=", 9) == 0)
			output = argv[i] + 9;
		else if (strcmp(argv[i], "--table") == 0 && i + 1 < argc &&
		         valid_identifier(argv[i + 1]))
			table_name = argv[++i];
		else if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (argv[i][0] == '-')
			usage();
		else
			break;
	}
	if (!output)
		usage();
	for (; i < argc; i++)
		add_folder(argv[i]);

	qsort(files, nfiles, sizeof *files, files_by_url);
	for (size_t f = 0; f < nfiles; f++) {
		if (f > 0 && strcmp(files[f - 1].url, files[f].url) == 0)
			die("%s and %s are both served as %s",
			    files[f - 1].source, files[f].source, files[f].url);
		process(&files[f]);
		add_entry(xstrdup(files[f].url), f);
		/* index.html is also its folder, with a trailing slash. */
		const char *slash = strrchr(files[f].url, '/');
		if (strcmp(slash + 1, "index.html") == 0) {
			size_t n = (size_t)(slash - files[f].url) + 1;
			char *alias = xrealloc(NULL, n + 1);
			memcpy(alias, files[f].url, n);
			alias[n] = '\0';
			add_entry(alias, f);
		}
	}
	qsort(entries, nentries, sizeof *entries, by_url);
	for (size_t e = 1; e < nentries; e++)
		if (strcmp(entries[e - 1].url, entries[e].url) == 0)
			die("%s is listed twice (a file named like a folder "
			    "with index.html?)",
			    entries[e].url);

	struct buf b = {0};
	generate(&b, build_epoch());
	write_if_changed(output, &b);
	return 0;
}
