/*
 * inttypes.h - Kiln's freestanding <inttypes.h> (lib/rt/libc): the
 * printf format macros for <stdint.h>'s types. No scanf macros and no
 * functions (strtoimax and friends).
 *
 * The length prefixes follow the compiler's own stdint.h: the 64-bit
 * types are long where long has 64 bits, else long long; the 8-, 16- and
 * 32-bit types promote to int.
 */
#ifndef _KILN_INTTYPES_H
#define _KILN_INTTYPES_H

#include <stdint.h>

#if __SIZEOF_LONG__ == 8
#define __KILN_PRI64 "l"
#else
#define __KILN_PRI64 "ll"
#endif

/* The prefix for a type of the given width (fast types vary in width). */
#define __KILN_PRI_8 ""
#define __KILN_PRI_16 ""
#define __KILN_PRI_32 ""
#define __KILN_PRI_64 __KILN_PRI64
#define __KILN_PRI_W(w) __KILN_PRI_W2(w)
#define __KILN_PRI_W2(w) __KILN_PRI_##w

#define __KILN_PRI_FAST8 __KILN_PRI_W(__INT_FAST8_WIDTH__)
#define __KILN_PRI_FAST16 __KILN_PRI_W(__INT_FAST16_WIDTH__)
#define __KILN_PRI_FAST32 __KILN_PRI_W(__INT_FAST32_WIDTH__)
#define __KILN_PRI_FAST64 __KILN_PRI_W(__INT_FAST64_WIDTH__)

#if __SIZEOF_POINTER__ == __SIZEOF_LONG__
#define __KILN_PRIPTR "l"
#else
#define __KILN_PRIPTR ""
#endif

#define PRId8 "d"
#define PRId16 "d"
#define PRId32 "d"
#define PRId64 __KILN_PRI64 "d"
#define PRIi8 "i"
#define PRIi16 "i"
#define PRIi32 "i"
#define PRIi64 __KILN_PRI64 "i"
#define PRIo8 "o"
#define PRIo16 "o"
#define PRIo32 "o"
#define PRIo64 __KILN_PRI64 "o"
#define PRIu8 "u"
#define PRIu16 "u"
#define PRIu32 "u"
#define PRIu64 __KILN_PRI64 "u"
#define PRIx8 "x"
#define PRIx16 "x"
#define PRIx32 "x"
#define PRIx64 __KILN_PRI64 "x"
#define PRIX8 "X"
#define PRIX16 "X"
#define PRIX32 "X"
#define PRIX64 __KILN_PRI64 "X"

#define PRIdLEAST8 PRId8
#define PRIdLEAST16 PRId16
#define PRIdLEAST32 PRId32
#define PRIdLEAST64 PRId64
#define PRIiLEAST8 PRIi8
#define PRIiLEAST16 PRIi16
#define PRIiLEAST32 PRIi32
#define PRIiLEAST64 PRIi64
#define PRIoLEAST8 PRIo8
#define PRIoLEAST16 PRIo16
#define PRIoLEAST32 PRIo32
#define PRIoLEAST64 PRIo64
#define PRIuLEAST8 PRIu8
#define PRIuLEAST16 PRIu16
#define PRIuLEAST32 PRIu32
#define PRIuLEAST64 PRIu64
#define PRIxLEAST8 PRIx8
#define PRIxLEAST16 PRIx16
#define PRIxLEAST32 PRIx32
#define PRIxLEAST64 PRIx64
#define PRIXLEAST8 PRIX8
#define PRIXLEAST16 PRIX16
#define PRIXLEAST32 PRIX32
#define PRIXLEAST64 PRIX64

#define PRIdFAST8 __KILN_PRI_FAST8 "d"
#define PRIdFAST16 __KILN_PRI_FAST16 "d"
#define PRIdFAST32 __KILN_PRI_FAST32 "d"
#define PRIdFAST64 __KILN_PRI_FAST64 "d"
#define PRIiFAST8 __KILN_PRI_FAST8 "i"
#define PRIiFAST16 __KILN_PRI_FAST16 "i"
#define PRIiFAST32 __KILN_PRI_FAST32 "i"
#define PRIiFAST64 __KILN_PRI_FAST64 "i"
#define PRIoFAST8 __KILN_PRI_FAST8 "o"
#define PRIoFAST16 __KILN_PRI_FAST16 "o"
#define PRIoFAST32 __KILN_PRI_FAST32 "o"
#define PRIoFAST64 __KILN_PRI_FAST64 "o"
#define PRIuFAST8 __KILN_PRI_FAST8 "u"
#define PRIuFAST16 __KILN_PRI_FAST16 "u"
#define PRIuFAST32 __KILN_PRI_FAST32 "u"
#define PRIuFAST64 __KILN_PRI_FAST64 "u"
#define PRIxFAST8 __KILN_PRI_FAST8 "x"
#define PRIxFAST16 __KILN_PRI_FAST16 "x"
#define PRIxFAST32 __KILN_PRI_FAST32 "x"
#define PRIxFAST64 __KILN_PRI_FAST64 "x"
#define PRIXFAST8 __KILN_PRI_FAST8 "X"
#define PRIXFAST16 __KILN_PRI_FAST16 "X"
#define PRIXFAST32 __KILN_PRI_FAST32 "X"
#define PRIXFAST64 __KILN_PRI_FAST64 "X"

#define PRIdMAX "jd"
#define PRIiMAX "ji"
#define PRIoMAX "jo"
#define PRIuMAX "ju"
#define PRIxMAX "jx"
#define PRIXMAX "jX"

#define PRIdPTR __KILN_PRIPTR "d"
#define PRIiPTR __KILN_PRIPTR "i"
#define PRIoPTR __KILN_PRIPTR "o"
#define PRIuPTR __KILN_PRIPTR "u"
#define PRIxPTR __KILN_PRIPTR "x"
#define PRIXPTR __KILN_PRIPTR "X"

#endif /* _KILN_INTTYPES_H */
