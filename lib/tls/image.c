/*
 * lib/tls/image.c - the server's credentials: from the block device the
 * boot argument --tls-disk=DEVICE names (read once, at start: pem.c
 * splits its text), else those built into the image: kiln build --tls
 * compiles a folder holding cert.pem and key.pem into the asset table
 * kiln_tls_credentials (apart from the app's kiln_assets, so the key is
 * never served). The table is referenced weakly: an image with lib/tls
 * but no credentials links and has none.
 */
#include "tls_internal.h"

#include <kiln/assets.h>
#include <kiln/platform.h>
#include <kiln/tls.h>
#include <stdlib.h>
#include <string.h>

extern const struct kiln_asset_table kiln_tls_credentials __attribute__((weak));

/* At a clean exit: what the server's TLS did, and the most heap one
 * connection held (docs/tls.md quotes it). */
static void print_stats(void *arg)
{
	(void)arg;
	struct tls_stats st;
	tls_get_stats(&st);
	kiln_printf("tls: handshakes=%llu resumed=%llu failed=%llu "
	            "no_memory=%llu conn_heap_peak=%llu conn_heap_max=%u\n",
	            (unsigned long long)st.handshakes,
	            (unsigned long long)st.resumed,
	            (unsigned long long)st.failed,
	            (unsigned long long)st.no_memory,
	            (unsigned long long)st.heap_peak, TLS_CONN_HEAP_MAX);
}

/* Key material does not stay in freed memory. */
static void wipe(void *p, size_t n)
{
	volatile uint8_t *q = p;
	while (n--)
		*q++ = 0;
}

_Noreturn static void disk_fail(const char *dev, const char *why)
{
	kiln_printf("tls: --tls-disk=%s: %s (the device holds the PEM text "
	            "of the certificate chain and the private key: "
	            "docs/tls.md)\n",
	            dev, why);
	kiln_exit(1);
}

static const char *platform_why(enum platform_result r)
{
	switch (r) {
	case PLATFORM_ENOENT:
		return "no such block device";
	case PLATFORM_EINVAL:
		return "the block device is taken or unusable";
	case PLATFORM_EUNSUPPORTED:
		return "this target has no block devices";
	default:
		return "the block device cannot be read";
	}
}

/* The credentials of block device dev: its first TLS_DISK_MAX bytes at
 * most, up to the first NUL. Ends the image when they do not load. */
static struct tls_config *disk_config(const char *dev)
{
	platform_handle h;
	struct platform_block_info info;
	enum platform_result r = platform_block_acquire(dev, &h, &info);
	if (r != PLATFORM_OK)
		disk_fail(dev, platform_why(r));
	if (info.sector_size == 0 || info.capacity == 0)
		disk_fail(dev, "the device is empty");
	size_t n = TLS_DISK_MAX;
	if (info.capacity < n)
		n = (size_t)info.capacity;
	n -= n % info.sector_size;
	if (n == 0)
		disk_fail(dev, "the device is smaller than a sector");
	char *text = malloc(n);
	if (!text)
		disk_fail(dev, "no memory to read it");
	r = platform_block_read(h, 0, text, n);
	if (r != PLATFORM_OK)
		disk_fail(dev, platform_why(r));
	struct tls_pem_set set;
	const char *why;
	if (tls_pem_split(text, n, &set, &why) != 0)
		disk_fail(dev, why);
	/* The chain: the CERTIFICATE blocks, one after another. */
	size_t chain_len = 0;
	for (unsigned i = 0; i < set.ncerts; i++)
		chain_len += set.cert_len[i] + 1;
	char *chain = malloc(chain_len);
	if (!chain)
		disk_fail(dev, "no memory for the chain");
	size_t off = 0;
	for (unsigned i = 0; i < set.ncerts; i++) {
		memcpy(chain + off, set.cert[i], set.cert_len[i]);
		off += set.cert_len[i];
		chain[off++] = '\n';
	}
	int err;
	struct tls_config *cfg =
	        tls_server_config(chain, chain_len, set.key, set.key_len, &err);
	wipe(text, n);
	free(text);
	free(chain);
	if (!cfg)
		disk_fail(dev, err == -KILN_ENOMEM
		                       ? "no memory to load them"
		                       : "the certificate and key do not load "
		                         "(not a certificate, or not the key "
		                         "of its leaf)");
	kiln_printf("tls: certificate chain (%u certificate%s) and key from "
	            "block device %s\n",
	            set.ncerts, set.ncerts == 1 ? "" : "s", dev);
	return cfg;
}

struct tls_config *tls_image_config(void)
{
	static struct tls_config *cfg;
	static bool tried;
	if (tried)
		return cfg;
	tried = true;
	const char *dev = kiln_arg_string("--tls-disk");
	if (dev) {
		cfg = disk_config(dev);
		kiln_at_exit(print_stats, NULL);
		return cfg;
	}
	if (!&kiln_tls_credentials)
		return NULL;
	const struct kiln_asset *cert =
	        kiln_asset_find(&kiln_tls_credentials, "/cert.pem", 9);
	const struct kiln_asset *key =
	        kiln_asset_find(&kiln_tls_credentials, "/key.pem", 8);
	if (!cert || !key) {
		kiln_printf("tls: the image's credentials lack %s\n",
		            cert ? "key.pem" : "cert.pem");
		kiln_exit(1);
	}
	int err;
	cfg = tls_server_config(cert->data, cert->size, key->data, key->size,
	                        &err);
	if (!cfg) {
		kiln_printf("tls: the image's cert.pem and key.pem do not load "
		            "(%s)\n",
		            kiln_strerror(err));
		kiln_exit(1);
	}
	kiln_at_exit(print_stats, NULL);
	return cfg;
}
