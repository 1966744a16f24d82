# SPDX-License-Identifier: GPL-2.0
# Build, boot and test harness.  `make help` lists the targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.NOTPARALLEL:

# Options this Makefile understands on its command line.
OPTIONS := ONLY QUICK SECONDS
ONLY ?=
QUICK ?=
SECONDS ?=

# Refuse options we do not know rather than silently ignoring them.
cmdline_vars := $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v)))
unknown_vars := $(filter-out $(OPTIONS),$(cmdline_vars))
ifneq ($(unknown_vars),)
$(error unknown option(s): $(unknown_vars); known options: $(OPTIONS) (see `make help`))
endif

TARGETS := help deps source kernel-test kernel-bench kernel-noasi kernel-kasan fio initramfs test soak bench profile series series-check kunit-modules clean distclean

.PHONY: $(TARGETS)

help:
	@echo 'Targets:'
	@echo '  test          build the test kernel and run every KUnit suite and guest test'
	@echo '                (ONLY=NAME runs one boot of tests/plan, or ONLY=harness)'
	@echo '  soak          the soak (tests/guest/soak.sh) with asi=on on the test and the'
	@echo '                KASAN kernels, 600 s each (SECONDS=N to change)'
	@echo '  bench         build the bench kernels and run the benchmarks (bench/);'
	@echo '                QUICK=1: the anchor row once, for development'
	@echo '  profile       instructions per function of the allocator fast path, of an'
	@echo '                ephmap map+unmap and of a 4 KiB read(), per configuration'
	@echo '                (bench/profile; QEMU plugin bench/icount)'
	@echo '  series        export the change as a numbered patch series with a cover'
	@echo '                letter (build/series/)'
	@echo '  series-check  apply the series one patch at a time, checkpatch and build'
	@echo '                each step, boot the last with KUnit (hours; not in make test)'
	@echo '  kunit-modules build the test kernel with modules and load the KUnit suites'
	@echo '                as modules in a guest (asi=on); not in make test'
	@echo '  deps          install what the harness needs (apt-get)'
	@echo '  source        lay the overlay and patches/series over the pinned kernel source'
	@echo '  kernel-test   build the test kernel (build/obj-test)'
	@echo '  kernel-bench  build the bench kernel (build/obj-bench)'
	@echo '  kernel-noasi  build the bench kernel without ASI (build/obj-noasi)'
	@echo '  kernel-kasan  build the test kernel with KASAN (build/obj-kasan)'
	@echo '  fio           build the static fio for the guest'
	@echo '  initramfs     assemble the guest initramfs'
	@echo '  clean         remove kernel objects, guest images and logs (keeps the sources)'
	@echo '  distclean     remove build/ entirely'
	@echo 'To run a script in a guest: scripts/vm-run --help'

deps:
	@scripts/deps

source: deps
	@scripts/prepare-source

kernel-test: source
	@scripts/build-kernel test

kernel-bench: source
	@scripts/build-kernel bench

kernel-noasi: source
	@scripts/build-kernel noasi

kernel-kasan: source
	@scripts/build-kernel kasan

fio: deps
	@scripts/build-fio

initramfs: fio
	@scripts/build-initramfs

test: kernel-test initramfs
	@scripts/run-tests $(if $(ONLY),--only $(ONLY))

soak: kernel-test kernel-kasan initramfs
	@scripts/soak $(SECONDS)

bench: kernel-bench kernel-noasi initramfs
	@bench/run $(if $(QUICK),--quick)

profile: kernel-bench kernel-noasi initramfs
	@bench/profile
	@bench/profile --ephmap
	@bench/profile --read

series: source
	@scripts/export-series

series-check: source initramfs
	@scripts/series-check

kunit-modules: source initramfs
	@scripts/kunit-modules

clean:
	rm -rf build/obj-test build/obj-bench build/obj-noasi build/obj-kasan build/obj-modules build/obj-series build/obj-series-noasi build/guest build/logs build/series build/series-check

distclean:
	rm -rf build

# Anything else is a mistake: say so and list what exists.
.DEFAULT:
	@echo "error: unknown target '$@'; targets: $(TARGETS)" >&2
	@exit 2
