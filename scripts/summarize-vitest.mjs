#!/usr/bin/env node
// Print the one-line test summary `N passed, N failed[, N skipped]` from a
// vitest JSON report (--reporter=json --outputFile=<file>).
//
//   node scripts/summarize-vitest.mjs <report.json> [--exit-code <vitest exit code>]
//
// Counts tests (assertionResults) over all test files. A test file that failed
// without any failing test (it failed to load, or a hook/suite-level error)
// counts as 1 failed; so do run-level errors (e.g. unhandled errors), and a
// non-zero --exit-code when nothing else failed, so that the line never says
// "0 failed" for a failing run. A missing/unreadable report is `0 passed, 1 failed`.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let file;
let exitCode = 0;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--exit-code') exitCode = Number(args[++i] ?? '0') || 0;
  else file = args[i];
}

function summarize(report) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const file of report.testResults ?? []) {
    let fileFailed = 0;
    for (const t of file.assertionResults ?? []) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') fileFailed++;
      else skipped++; // skipped, pending, todo, disabled
    }
    if (file.status === 'failed' && fileFailed === 0) fileFailed = 1;
    failed += fileFailed;
  }
  if (failed === 0 && (report.success === false || exitCode !== 0)) failed = 1;
  // CI reads the last line and expects exactly `N passed, N failed`; skips go on the line before.
  return `${skipped > 0 ? `${skipped} skipped\n` : ''}${passed} passed, ${failed} failed`;
}

let line;
try {
  if (!file) throw new Error('usage: summarize-vitest.mjs <report.json> [--exit-code N]');
  line = summarize(JSON.parse(readFileSync(file, 'utf8')));
} catch (err) {
  console.error(`summarize-vitest: ${err instanceof Error ? err.message : String(err)}`);
  line = '0 passed, 1 failed';
}
console.log(line);
