/*
 * tool/schema.c - the keys of kiln's three descriptor files (see
 * docs/building.md). Apart from the rest of kiln so that the fuzz harness
 * of the parser checks the real schemas.
 */
#include "desc.h"

#include <stddef.h>

const struct desc_key app_schema[] = {
        {"name", DESC_REQUIRED | DESC_NAME},
        {"sources", DESC_REQUIRED | DESC_NONEMPTY},
        {"libraries", 0},
        {"targets", DESC_NONEMPTY},
        {"devices", 0},
        {"forward", DESC_NONEMPTY},
        {"assets", 0},
        {"prebuild", DESC_NONEMPTY},
        {"cflags", 0},
        {NULL, 0},
};

const struct desc_key lib_schema[] = {
        {"requires", 0},
        {"sources", 0},
        {"freestanding_sources", 0},
        {"hosted_sources", 0},
        {"include", 0},
        {"freestanding_include", 0},
        {NULL, 0},
};

const struct desc_key target_schema[] = {
        {"description", DESC_REQUIRED | DESC_NONEMPTY},
        {"freestanding", DESC_REQUIRED | DESC_YESNO},
        {"cc", DESC_REQUIRED | DESC_NONEMPTY},
        {"cflags", 0},
        {"asflags", 0},
        {"ldflags", 0},
        {"ldlibs", 0},
        {"sources", 0},
        {"sanitize_cflags", 0},
        {"sanitize_ldflags", 0},
        {"strip", DESC_YESNO},
        {"launch", DESC_NONEMPTY},
        {"machines", DESC_NONEMPTY},
        {"postbuild", DESC_NONEMPTY},
        {NULL, 0},
};

const struct desc_key host_schema[] = {
        {"sources", DESC_REQUIRED | DESC_NONEMPTY},
        {"libraries", 0},
        {"cflags", 0},
        {"ldlibs", 0},
        {"sanitize", DESC_YESNO},
        {"fuzz", DESC_YESNO},
        {"cc", DESC_SINGLE},
        {"ldflags", 0},
        {"shared", DESC_YESNO},
        {"bin", DESC_YESNO},
        {"target", DESC_NAME},
        {"platform", DESC_YESNO},
        {"ldscript", DESC_SINGLE},
        {"exclude", 0},
        {NULL, 0},
};
