/*
 * lib/tls/image.c - the credentials built into the image: kiln build
 * --tls compiles a folder holding cert.pem and key.pem into the asset
 * table kiln_tls_credentials (apart from the app's kiln_assets, so the
 * key is never served). Referenced weakly: an image with lib/tls but no
 * credentials links and has none.
 */
#include <kiln/assets.h>
#include <kiln/tls.h>

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

struct tls_config *tls_image_config(void)
{
	static struct tls_config *cfg;
	static bool tried;
	if (tried)
		return cfg;
	tried = true;
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
