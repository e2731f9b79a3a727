#!/usr/bin/env bash
# Installs the C libraries Unmask links against (Debian/Ubuntu): OpenBLAS, zstd, libpng; the
# pngcheck and zstd tools some tests use; and NumPy and zstandard for the system python3, so the
# test of python/umk.py runs; chromium, which the trace viewer's browser tests run headless; and
# python3-venv for the `unmask serve` test's virtual environment. Needs root or sudo; does
# nothing when all are present.
set -euo pipefail
packages=(libopenblas-dev libzstd-dev libpng-dev pkg-config pngcheck zstd python3-numpy python3-zstandard chromium python3-venv)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
run() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive
run apt-get update -qq
run apt-get install -y -qq --no-install-recommends "${missing[@]}"
