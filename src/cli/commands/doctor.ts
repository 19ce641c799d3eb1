/** `folio doctor [--url URL] [--json]`: check this instance layer by layer, or a deployment from outside. */
import { formatReport, reportJson } from '../../doctor/format.js';
import type { CheckResult } from '../../doctor/types.js';

export async function doctorCommand(opts: { url?: string; json?: boolean }): Promise<void> {
  let results: CheckResult[];
  let title: string;
  if (opts.url) {
    const { checkRemote } = await import('../../doctor/remote.js');
    results = await checkRemote(opts.url);
    title = `Folio doctor: the deployment at ${opts.url}`;
  } else {
    const { runDoctor } = await import('../../doctor/doctor.js');
    results = await runDoctor({ env: process.env, cwd: process.cwd() });
    title = 'Folio doctor: this instance, layer by layer';
  }
  const report = reportJson(results);
  const out = opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(title, results);
  // Exit once the report is written: pools and SDK clients closed by the checks may still hold timers.
  await new Promise<void>((resolve) => process.stdout.write(out, () => resolve()));
  process.exit(report.ok ? 0 : 1);
}
