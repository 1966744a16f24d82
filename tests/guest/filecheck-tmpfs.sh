# SPDX-License-Identifier: GPL-2.0
# Page-cache data written to tmpfs reads back byte for byte through read(),
# pread() and mmap().
set -e
filecheck write /tmp/filecheck.dat 32 7
filecheck verify /tmp/filecheck.dat 32 7
# The check must be able to fail: a wrong seed must not verify.
if filecheck verify /tmp/filecheck.dat 32 8 2>/dev/null; then
	echo "FAIL: verify with the wrong seed passed"
	exit 1
fi
rm /tmp/filecheck.dat
