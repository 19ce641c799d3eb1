/** One fuzz run: `count` generated requests of a group through the harness's checks. */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FuzzServer, Received, Sent } from './harness.js';

/**
 * Sends `count` requests and checks each (harness.check). Both sides must be exercised: at least 5 % of
 * the requests accepted and 20 % rejected, so a generator that only ever produces (say) 401s fails here.
 */
export async function fuzz(server: FuzzServer, arb: fc.Arbitrary<Sent>, count: number, opts: { rejected?: (res: Received) => boolean } = {}): Promise<number> {
  const before = server.sent;
  const accepted0 = server.stats.get('accepted') ?? 0;
  const rejected0 = server.stats.get('rejected') ?? 0;
  const seed = process.env.FOLIO_FUZZ_SEED ? Number(process.env.FOLIO_FUZZ_SEED) : undefined;
  await fc.assert(
    fc.asyncProperty(arb, async (req) => {
      await server.check(req, opts);
    }),
    // No shrinking beyond a few steps: every step is a real request (the counterexample is printed whole anyway).
    { numRuns: count, ...(seed !== undefined ? { seed } : {}), endOnFailure: true },
  );
  const sent = server.sent - before;
  const accepted = (server.stats.get('accepted') ?? 0) - accepted0;
  const rejected = (server.stats.get('rejected') ?? 0) - rejected0;
  process.stderr.write(`fuzz: ${sent} requests, ${accepted} accepted, ${rejected} rejected\n`);
  expect(accepted, 'accepted requests').toBeGreaterThanOrEqual(Math.floor(sent * 0.05));
  expect(rejected, 'rejected requests').toBeGreaterThanOrEqual(Math.floor(sent * 0.2));
  return sent;
}
