/*
 * lib/tls/config/wolfssl_unit.h - included first by every file of lib/tls
 * that compiles or uses wolfSSL: its configuration is user_settings.h,
 * and its sources are not written for Kiln's warning flags.
 */
#ifndef KILN_TLS_WOLFSSL_UNIT_H
#define KILN_TLS_WOLFSSL_UNIT_H

#ifndef WOLFSSL_USER_SETTINGS
#define WOLFSSL_USER_SETTINGS
#endif

#endif
