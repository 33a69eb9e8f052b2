#!/usr/bin/env bash
# Fuzzing tier: schemathesis against the platform's own OpenAPI document, as a user would
# run it, with a connected account (platform and sandbox on loopback, offline). Fails on any
# 5xx, any status the document does not list, any response outside its schema. Bounded in
# time: FUZZ_SECONDS (default 120) of generation, plus about 10 s of setup.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m tests.fuzz.fuzz_api --max-time "${FUZZ_SECONDS:-120}" --max-examples 40 \
  2> >(grep -v -E ' (INFO|DEBUG) |"level": "(INFO|DEBUG)"' >&2)
