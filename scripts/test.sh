#!/usr/bin/env bash
# The repo's test command (`npm test`): make sure the native test services are
# installed, run vitest (extra args are passed through, e.g. a path filter or
# `--project unit`), and finish with the one-line summary `N passed, N failed`.
# Exits with vitest's exit code (non-zero if anything failed).
#
#   FOLIO_SKIP_ENSURE=1   skip scripts/ensure-test-services.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NPM_CONFIG_UPDATE_NOTIFIER=false

if [ "${FOLIO_SKIP_ENSURE:-}" != "1" ]; then
  if ! bash scripts/ensure-test-services.sh; then
    echo "test.sh: scripts/ensure-test-services.sh failed; not running tests" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

report_dir="$(mktemp -d "${TMPDIR:-/tmp}/folio-vitest.XXXXXX")"
trap 'rm -rf "$report_dir"' EXIT
report="$report_dir/report.json"

code=0
npx --no-install vitest run --reporter=default --reporter=json --outputFile="$report" "$@" || code=$?

if [ -s "$report" ]; then
  node scripts/summarize-vitest.mjs "$report" --exit-code "$code" || echo "0 passed, 1 failed"
else
  echo "test.sh: vitest wrote no JSON report ($report)" >&2
  echo "0 passed, 1 failed"
  [ "$code" -ne 0 ] || code=1
fi
exit "$code"
