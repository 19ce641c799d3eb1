/**
 * Named prepared statements for the embedded database. PGlite's `query()`
 * sends every statement as an unnamed Parse, so PostgreSQL parses, analyses,
 * rewrites and plans it again on every call: for a chat turn's one statement
 * (~6 KB of SQL, the boundary in every subquery) that is ~4 of its ~4.7 ms of
 * CPU, and the reader routes pay the same tax on every page turn. Here each
 * distinct read or write statement is parsed once per process as a named
 * statement and then only bound and executed, the way node-postgres, pgx and
 * postgres.js cache statements; PostgreSQL re-plans it by itself when a table it
 * reads changes, and chooses between custom and generic plans as usual.
 *
 * Only PGlite: one session in this process, so a named statement cannot end up
 * on a pooled connection that never saw it (PgBouncer in transaction mode).
 */
import { type PGlite, parse, protocol, type QueryOptions, type Results } from '@electric-sql/pglite';

/** Statements kept prepared; the least recently used is closed past this. */
const MAX_STATEMENTS = 256;
/** Plain reads and writes: DDL and session commands are not worth a slot (and are run once). */
const CACHEABLE = /^\s*(select|with|insert|update|delete)\b/i;
/** Errors after which the statement is prepared afresh (a table it reads was re-created with other columns; it is gone). */
const STALE = new Set(['0A000', '26000']);

type Query = PGlite['query'];

interface Statement {
  name: string;
  /** Parameter type OIDs, as PostgreSQL inferred them at Parse (for serialising values). */
  types: number[];
}

/**
 * Route `client.query` through named statements (in place: PGlite's other methods use private fields and must
 * keep their own `this`). Transactions (`client.transaction`) use their own path and are left alone.
 */
export function cacheStatements(client: PGlite, max = MAX_STATEMENTS): { statements: () => number } {
  const unnamed: Query = client.query.bind(client);
  const cache = new Map<string, Statement>();
  let next = 0;
  const send = (message: Uint8Array) => client.execProtocolStream(message, { syncToFs: false });
  const { serialize } = protocol;

  async function prepare(text: string, options: QueryOptions | undefined): Promise<Statement> {
    const oldest = cache.size >= max ? cache.keys().next().value : undefined;
    if (oldest !== undefined) {
      const gone = cache.get(oldest)!;
      cache.delete(oldest);
      await send(serialize.close({ type: 'S', name: gone.name }));
    }
    const name = `folio_s${++next}`;
    await send(serialize.parse({ name, text, types: options?.paramTypes }));
    const types = parse.parseDescribeStatementResults(await send(serialize.describe({ type: 'S', name })));
    const statement = { name, types };
    cache.set(text, statement);
    return statement;
  }

  /**
   * Exclusive as PGlite's own `query()` is: never inside another caller's open transaction (`client.transaction`
   * holds the transaction lock from BEGIN to COMMIT; a statement slipped in between would run in it, and a
   * REPEATABLE READ one would refuse its SET TRANSACTION).
   */
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => client._runExclusiveTransaction(() => client._runExclusiveQuery(fn));

  // parseResults copies the client's parsers (hundreds of types) and the caller's into a new object on every call
  // when given both, and drizzle builds new parsers for every statement it runs: that copy was a sixth of a cached
  // read's CPU. An object with the caller's own parsers in front of the client's (its prototype) reads the same.
  const parsersFor = (options: QueryOptions | undefined): typeof client.parsers =>
    options?.parsers ? Object.assign(Object.create(client.parsers) as typeof client.parsers, options.parsers) : client.parsers;

  async function run<T>(text: string, params: unknown[], options: QueryOptions | undefined): Promise<Results<T>> {
    return exclusive(async () => {
      const messages = [];
      try {
        let statement = cache.get(text);
        if (statement) {
          // Most recently used last: Map keeps insertion order.
          cache.delete(text);
          cache.set(text, statement);
        } else statement = await prepare(text, options);
        const values = params.map((value, i) => {
          if (value === null || value === undefined) return null;
          const type = statement.types[i]!;
          const serializer = options?.serializers?.[type] ?? client.serializers[type];
          return serializer ? serializer(value) : String(value);
        });
        messages.push(
          ...(await send(serialize.bind({ statement: statement.name, values }))),
          ...(await send(serialize.describe({ type: 'P' }))),
          ...(await send(serialize.execute({}))),
        );
      } finally {
        messages.push(...(await send(serialize.sync())));
      }
      await client.syncToFs();
      return parse.parseResults(messages, parsersFor(options), options?.parsers ? { ...options, parsers: undefined } : options)[0] as Results<T>;
    });
  }

  const cached = (async (text: string, params: unknown[] = [], options?: QueryOptions) => {
    // Blobs (COPY … TO/FROM '/dev/blob') need PGlite's own bookkeeping around the statement.
    if (options?.blob || !CACHEABLE.test(text)) return unnamed(text, params, options);
    try {
      return await run(text, params, options);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const stale = cache.get(text);
      if (code === undefined || !STALE.has(code) || !stale) throw err;
      cache.delete(text);
      await exclusive(async () => {
        await send(serialize.close({ type: 'S', name: stale.name }));
        await send(serialize.sync());
      });
      return run(text, params, options);
    }
  }) as Query;
  client.query = cached;
  return { statements: () => cache.size };
}
