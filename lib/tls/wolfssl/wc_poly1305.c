/* wolfSSL's wolfcrypt/src/poly1305.c (Debian's source package, in _deps/) with
 * lib/tls's configuration (config/user_settings.h). */
#include "wolfssl_unit.h"

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-function"

#include "wolfcrypt/src/poly1305.c"
