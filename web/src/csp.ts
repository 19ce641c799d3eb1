/**
 * Runs before any other module of the app. The AI SDK validates stream parts
 * with zod 4, which probes `new Function` to compile fast parsers; our CSP
 * (script-src 'self', no 'unsafe-eval') blocks that and reports a violation.
 * zod reads this global config when it loads: parse without code generation.
 */
const g = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
g.__zod_globalConfig ??= {};
g.__zod_globalConfig.jitless = true;

export {};
