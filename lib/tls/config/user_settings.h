/*
 * lib/tls/config/user_settings.h - the configuration wolfSSL is compiled
 * with in a Kiln image (WOLFSSL_USER_SETTINGS; docs/tls.md): TLS 1.2 and
 * 1.3 only, ECDHE (P-256, X25519) with AES-GCM or ChaCha20-Poly1305, ECDSA
 * and RSA certificates, ALPN, SNI, session tickets; no files, sockets,
 * threads or stdio. Memory, random bytes and time come from lib/tls
 * (tls_port.c) over lib/rt.
 */
#ifndef KILN_TLS_USER_SETTINGS_H
#define KILN_TLS_USER_SETTINGS_H

#include <stddef.h>
#include <strings.h> /* strcasecmp, which wolfSSL uses undeclared */

/* The platform: none of a hosted system's services. */
#define WOLFSSL_USER_IO
#define WOLFSSL_NO_SOCK
#define NO_FILESYSTEM
#define NO_STDIO_FILESYSTEM
#define NO_WRITEV
#define SINGLE_THREADED
#define WOLFSSL_USER_MUTEX
#define NO_ERROR_STRINGS
#define WOLFSSL_NO_ASM
/* Tables and state at their types' alignment (GCM reads them as
 * words). */
#define WOLFSSL_USE_ALIGN
#define HAVE___UINT128_T

/* Protocols and extensions. */
#define WOLFSSL_TLS13
#define NO_OLD_TLS
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_ALPN
#define HAVE_SNI
#define HAVE_SESSION_TICKET
#define HAVE_EXTENDED_MASTER
#define HAVE_ENCRYPT_THEN_MAC
#define HAVE_HKDF
#define HAVE_AEAD
/* The renegotiation_info extension (RFC 5746) that TLS 1.2 clients
 * require; renegotiation itself stays off. */
#define HAVE_SERVER_RENEGOTIATION_INFO
#define WOLFSSL_AEAD_ONLY

/* Primitives. */
#define HAVE_ECC
#define ECC_TIMING_RESISTANT
#define ECC_SHAMIR
/* An imported EC key is checked: a private key against its public
 * point (so that wolfSSL_CTX_check_private_key finds a key that is not
 * the certificate's), a peer's point for its order. */
#define WOLFSSL_VALIDATE_ECC_IMPORT
#define HAVE_CURVE25519
#define HAVE_AESGCM
#define GCM_TABLE_4BIT
#define HAVE_CHACHA
#define HAVE_POLY1305
#define WOLFSSL_SHA384
#define WOLFSSL_SHA512
#define WOLFSSL_SP_MATH_ALL
#define WC_RSA_PSS
#define WC_RSA_BLINDING
#define TFM_TIMING_RESISTANT
#define NO_DH
#define NO_DSA
#define NO_PSK
#define NO_DES3
#define NO_RC4
#define NO_MD4
#define NO_MD5
#define NO_OLD_MD5

/* Time: the wall clock for certificates, a coarse clock for sessions. */
#define USER_TIME
#define WOLFSSL_GMTIME
#define USER_TICKS
#define XTIME(t) kiln_tls_time(t)

/* Random bytes: lib/rt's CSPRNG (kiln_random), seeded from the platform. */
int kiln_tls_random_block(unsigned char *out, unsigned int len);
#define CUSTOM_RAND_GENERATE_BLOCK kiln_tls_random_block

/* Memory: lib/rt's heap, charged to the connection being worked on and
 * bounded per connection (tls_port.c). */
#define XMALLOC_OVERRIDE
void *kiln_tls_malloc(size_t n);
void kiln_tls_free(void *p);
void *kiln_tls_realloc(void *p, size_t n);
#define XMALLOC(s, h, t) ((void)(h), (void)(t), kiln_tls_malloc(s))
#define XFREE(p, h, t) ((void)(h), (void)(t), kiln_tls_free(p))
#define XREALLOC(p, n, h, t) ((void)(h), (void)(t), kiln_tls_realloc(p, n))

#endif
