/** The doctor's output: a table for people, JSON for scripts. */
import { type CheckResult, type CheckStatus, firstFailure } from './types.js';

const MARK: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

export function formatReport(title: string, results: readonly CheckResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.layer.length));
  const lines = [title, '', `   ${'layer'.padEnd(width)}  result`];
  for (const r of results) {
    lines.push(` ${MARK[r.status]} ${r.layer.padEnd(width)}  ${r.status === 'skip' ? `skipped: ${r.summary}` : r.summary}`);
    if (r.fix) lines.push(`   ${' '.repeat(width)}  fix: ${r.fix}`);
  }
  const first = firstFailure(results);
  const warnings = results.filter((r) => r.status === 'warn').length;
  lines.push('');
  lines.push(
    first ? `✗ The ${first.layer} layer is broken. Fix: ${first.fix}` : `✓ Every layer works${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}

export function reportJson(results: readonly CheckResult[]): { ok: boolean; firstFailure: CheckResult | null; checks: readonly CheckResult[] } {
  const first = firstFailure(results);
  return { ok: first === null, firstFailure: first, checks: results };
}
