# Kiln's top-level Makefile.
#
#   make          build the host programs into bin/ (kiln, kiln-hvt, ...)
#   make run      install what is missing, build, and run the main job
#   make test     install what is missing, build, and run the whole suite
#   make test-long  the long runs (lib/store: 40 simulated workloads
#                 of power cuts, 1,000 SIGKILLs and 1,000 power cuts per
#                 target; lib/http: a 1 GiB streamed response; TCP:
#                 16 MiB echoes through the impairment bridge; testssl.sh
#                 against HTTPS from the decks; entropy on xen; the
#                 xen launcher with Linux domUs and every fault kind on
#                 xen; each fuzzer for 30 s)
#   make install PREFIX=DIR  install kiln and its tree under DIR
#                 (DIR/bin/kiln, DIR/lib/kiln; scripts/install.sh)
#   make format   clang-format every C file in place
#   make clean    remove bin/ and every app's _build/
#
# make compiles only bin/kiln (tool/build.mk: something has to). kiln
# builds every other host program from its manifest beside its sources, a
# NAME.host with `bin = yes` (monitor/hvt/kiln-hvt.host, ...;
# docs/building.md), incrementally and in parallel, and copies it into
# bin/. `make bin/kiln-hvt` builds one of them.

HOST_CC ?= cc
HOST_CFLAGS ?= -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	-Wno-unused-parameter
HOST_CPPFLAGS = -Iinclude
HOST_MANIFESTS := $(shell grep -l '^bin *= *yes' $(sort $(wildcard \
	*/*.host */*/*.host)))

all: programs

include tool/build.mk

programs: bin/kiln
	@for m in $(HOST_MANIFESTS); do bin/kiln build -q $$m || exit 1; done

# bin/kiln-NAME (bin/kiln-NAME.so): kiln builds that one program.
KILN_ONE = @bin/kiln build -q $(filter %/$(basename $(@F)).host,$(HOST_MANIFESTS))
bin/kiln-%.so: bin/kiln FORCE
	$(KILN_ONE)
bin/kiln-%: bin/kiln FORCE
	$(KILN_ONE)

bin:
	mkdir -p bin

deps:
	scripts/deps.sh

run: deps
	$(MAKE) programs
	scripts/run-main.sh

test: deps
	$(MAKE) programs
	tests/run.sh

test-long: programs
	SEEDS=40 bash tests/store/test-sim.sh
	KILLS=1000 bash tests/store/test-crash.sh
	bash tests/tls/long-testssl.sh
	CUTS=1000 bash tests/store/test-cut.sh
	BIG_STREAM=1073741824 bash tests/http/test-big-bodies.sh
	IMPAIR_MIB=16 bash tests/tcp/long-impair.sh
	bash tests/entropy/long-xen.sh
	KILN_TEST_LONG=1 bash tests/xen/test-nested.sh
	KILN_TEST_LONG=1 bash tests/xen/test-xen.sh
	KILN_TEST_LONG=1 bash tests/site/test-site.sh
	KILN_TEST_LONG=1 bash tests/kiln/test-portable-apps.sh
	KILN_TEST_LONG=1 bash tests/vchan/test-xen.sh
	FUZZ_SECONDS=30 bash tests/fuzz/test-fuzz.sh

PREFIX ?= /usr/local
install: programs
	scripts/install.sh $(PREFIX)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf bin _build
	find apps tests -name _build -type d -prune -exec rm -rf {} +

.PHONY: all programs deps run test test-long install format clean FORCE
