/*
 * entropy - prints where platform_entropy() draws from ("entropy: source
 * NAME", platform_entropy_source) and what it gives: "entropy: ok HEX" with
 * 32 bytes, or "entropy: unsupported" / "entropy: failed (N)"; also that
 * a request above PLATFORM_ENTROPY_MAX is refused; then "random: strong"
 * when lib/rt's CSPRNG was seeded from that source. Without a source, or
 * with one that fails, the image ends through kiln_random_require, as a
 * TLS image does.
 */
#include <kiln/platform.h>
#include <kiln/rt.h>

int kiln_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	kiln_args_check();
	static uint8_t big[PLATFORM_ENTROPY_MAX + 1];
	if (platform_entropy(big, sizeof(big)) != PLATFORM_EINVAL) {
		kiln_puts("entropy: an oversized request was not refused");
		return 1;
	}
	kiln_printf("entropy: source %s\n", platform_entropy_source());
	uint8_t b[32];
	enum platform_result r = platform_entropy(b, sizeof(b));
	if (r == PLATFORM_EUNSUPPORTED) {
		kiln_puts("entropy: unsupported");
		/* What a TLS image does without a source: end, saying so. */
		kiln_random_require("entropy");
		return 0;
	}
	if (r != PLATFORM_OK) {
		kiln_printf("entropy: failed (%d)\n", r);
		kiln_random_require("entropy");
		return 1;
	}
	char hex[2 * sizeof(b) + 1];
	for (unsigned i = 0; i < sizeof(b); i++) {
		hex[2 * i] = "0123456789abcdef"[b[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
	}
	hex[2 * sizeof(b)] = 0;
	kiln_printf("entropy: ok %s\n", hex);
	/* lib/rt's CSPRNG was seeded from that source, and TLS may start. */
	kiln_random_require("entropy");
	uint8_t x[16], y[16];
	kiln_random(x, sizeof(x));
	kiln_random(y, sizeof(y));
	for (unsigned i = 0; i < sizeof(x); i++)
		if (x[i] != y[i]) {
			kiln_puts("random: strong");
			return 0;
		}
	kiln_puts("random: two draws alike");
	return 1;
}
