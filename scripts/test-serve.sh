#!/usr/bin/env bash
# End-to-end test of `unmask serve` with the real `openai` Python client: makes .venv (python3
# -m venv; pip install openai) unless it has the client already, builds the CLI, and runs
# python/test_server.py, which starts the server on 127.0.0.1 with a free port and kills it
# at the end. The whole run is bounded (10 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import openai" 2>/dev/null; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet openai
fi
swift build --product unmask
UNMASK_BIN="$(swift build --show-bin-path)/unmask" timeout 600 .venv/bin/python python/test_server.py
