/** A progress bar on a terminal, one line per step otherwise (logs, CI, pipes). */
import cliProgress from 'cli-progress';
import type { ImportProgress } from '../content/importer.js';

const LABELS: Record<ImportProgress['phase'], string> = {
  validate: 'Validating pack',
  images: 'Image variants',
  transcripts: 'Transcribing',
  descriptions: 'Page descriptions',
  draft: 'Drafting world',
  publish: 'Publishing',
};

export function importReporter(opts: { tty: boolean; out: NodeJS.WritableStream; quiet?: boolean }) {
  let bar: cliProgress.SingleBar | null = null;
  let phase: ImportProgress['phase'] | null = null;
  let lastLinePct = -1;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    onProgress(p: ImportProgress) {
      if (opts.quiet) return;
      if (p.phase !== phase) {
        stop();
        phase = p.phase;
        lastLinePct = -1;
        if (opts.tty && p.total > 1) {
          bar = new cliProgress.SingleBar(
            {
              format: `${LABELS[p.phase].padEnd(15)} [{bar}] {value}/{total} {percentage}% eta {eta_formatted}`,
              stream: opts.out as NodeJS.WriteStream,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(p.total, p.done);
          return;
        }
      }
      if (bar) {
        bar.update(p.done);
        return;
      }
      const pct = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 10) * 10;
      if (pct !== lastLinePct && (p.done === p.total || pct > lastLinePct)) {
        lastLinePct = pct;
        opts.out.write(`${LABELS[p.phase]}: ${p.done}/${p.total}\n`);
      }
    },
    stop,
  };
}
