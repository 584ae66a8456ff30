/*
 * lib/net/wire/wire.c - shared helpers of the wire parsers.
 */
#include "wire.h"

const char *wire_strerror(int status)
{
	switch (status) {
	case WIRE_OK:
		return "ok";
	case WIRE_TRUNCATED:
		return "truncated";
	case WIRE_MALFORMED:
		return "malformed";
	case WIRE_CHECKSUM:
		return "bad checksum";
	case WIRE_UNSUPPORTED:
		return "unsupported";
	}
	return "unknown wire status";
}
