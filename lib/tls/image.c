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
	return cfg;
}
