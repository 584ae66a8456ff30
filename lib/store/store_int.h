/*
 * lib/store/store_int.h - the store's on-disk layout and in-memory index,
 * shared by its files.
 *
 * Disk: sector 0 and sector 1 are the superblock slots (generation g in
 * slot g % 2); then half 0 and half 1, each (capacity - 2 sectors) / 2
 * rounded down to sectors. All integers little-endian.
 *
 * Superblock (first 48 bytes of its sector):
 *   0 magic "KSB1"  4 crc32c of bytes 8..47  8 generation  16 half (0/1)
 *   20 sector size  24 half bytes  32 base seq (the half's first commit)
 *   40 chain seed (the "previous checksum" of that first commit)
 *
 * Commit record, padded to whole sectors:
 *   0 magic "KCR1"  4 crc32c of bytes 8..end of payload  8 seq
 *   16 previous record's crc  20 nonce  24 payload length  28 op count
 *   32 payload: ops, each: kind (1 put, 2 delete), key length (1 byte),
 *      value length (4), value crc32c (4), key, value.
 */
#ifndef KILN_STORE_INT_H
#define KILN_STORE_INT_H

#include <kiln/store.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SB_MAGIC 0x3142534Bu  /* "KSB1" */
#define REC_MAGIC 0x3152434Bu /* "KCR1" */
#define SB_LEN 48
#define REC_HDR 32
#define OP_HDR 10
#define OP_PUT 1
#define OP_DEL 2

uint32_t store_crc32c(uint32_t crc, const void *data, size_t len);

/* An index entry: where the live value of a key is on the disk. */
struct entry {
	uint8_t *key; /* NULL: empty slot; TOMB: deleted slot */
	uint8_t klen;
	uint32_t vlen, vcrc;
	uint64_t voff; /* byte offset of the value on the device */
};

#endif /* KILN_STORE_INT_H */
