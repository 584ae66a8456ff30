# bin/kiln-assets: compiles asset folders into one C file (see
# include/kiln/assets.h). Uses zlib for the gzip variants.
KILN_ASSETS_SRCS := tool/assets/kiln-assets.c tool/assets/sha256.c
HOST_PROGRAMS += bin/kiln-assets

bin/kiln-assets: $(KILN_ASSETS_SRCS) tool/assets/sha256.h | bin
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) -o $@ $(KILN_ASSETS_SRCS) -lz
