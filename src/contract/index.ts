/**
 * Folio's wire contract: the JSON of the HTTP API, the companion's UI-message stream, and the
 * closed set of error codes. Shared by the server (what it sends) and the web app (what it reads);
 * nothing here imports from the rest of the server, so the web bundle can import it (ADR 0023).
 */
export * from './api.js';
export * from './chat.js';
export * from './errors.js';
