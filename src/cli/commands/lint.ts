/** `folio lint <pack>`: report text in a pack that likely spoils later episodes (no database needed). */
import { formatFinding, type LintFinding, lintPack } from '../../content/lint.js';
import { openPack, type PackSource } from '../../content/pack-source.js';
import { formatProblem, readPack } from '../../content/read-pack.js';

export interface LintCommandOptions {
  json?: boolean;
}

/** Exit code: 0 clean, 1 likely spoilers found, 2 the pack is invalid or unreadable. */
export async function lintCommand(packPath: string, opts: LintCommandOptions): Promise<void> {
  let source: PackSource;
  try {
    source = await openPack(packPath);
  } catch (err) {
    // Not a pack at all (missing path, unreadable archive): the same "fix the pack first" code.
    if (opts.json) process.stdout.write(`${JSON.stringify({ pack: packPath, ok: false, error: (err as Error).message })}\n`);
    else process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const read = await readPack(source);
  if (!read.ok) {
    if (opts.json) process.stdout.write(`${JSON.stringify({ pack: packPath, ok: false, problems: read.problems })}\n`);
    else
      process.stderr.write(`${source.origin}: ${read.problems.length} problem(s); fix them first:\n${read.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}\n`);
    process.exitCode = 2;
    return;
  }
  const findings = await lintPack(read.pack);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ pack: packPath, ok: true, seriesId: read.pack.series.id, findings })}\n`);
  } else {
    for (const f of findings) process.stdout.write(`${formatFinding(f)}\n`);
    process.stdout.write(`${summary(findings)}\n`);
  }
  if (findings.length > 0) process.exitCode = 1;
}

function summary(findings: LintFinding[]): string {
  if (findings.length === 0) return 'No likely spoilers found.';
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.rule, (byRule.get(f.rule) ?? 0) + 1);
  const files = new Set(findings.map((f) => f.file)).size;
  return (
    `${findings.length} likely spoiler(s) in ${files} file(s): ${[...byRule].map(([r, n]) => `${n} ${r}`).join(', ')}.\n` +
    'Annotate the text (a later debut, a <!-- debut: E/P --> section marker, or a later description) or rewrite it. See docs/lint.md.'
  );
}
