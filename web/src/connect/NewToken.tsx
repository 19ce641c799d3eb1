/**
 * The token just created, shown this once with ready-to-paste configuration.
 * It lives only in the parent's React state: never in storage, the URL or
 * the console; "Done" (or leaving the page) forgets it.
 */
import { type ReactNode, useEffect, useRef } from 'react';
import type { CreatedToken } from '../../../src/contract/index.js';
import { CopyButton } from './CopyButton';
import { authorizationHeader, claudeDesktopConfig, streamableHttpConfig } from './config';
import { scopeSummary } from './scopes';

function Snippet({ id, title, text, children }: { id: string; title: string; text: string; children?: ReactNode }) {
  const ref = useRef<HTMLPreElement>(null);
  return (
    <section className="snippet" aria-labelledby={`${id}-title`}>
      <div className="snippet-head">
        <h3 id={`${id}-title`}>{title}</h3>
        <CopyButton text={text} target={ref} label={`Copy the ${title} configuration`} />
      </div>
      {children}
      {/* Focusable so keyboard users can scroll a long line; a named region so a screen reader says what it is. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard to be scrolled without a mouse */}
      {/* biome-ignore lint/a11y/useSemanticElements: the <pre> keeps the configuration's whitespace; role region names the focusable scroll box */}
      <pre ref={ref} role="region" tabIndex={0} aria-label={`${title} configuration`} data-testid={`${id}-config`}>
        <code>{text}</code>
      </pre>
    </section>
  );
}

export function NewToken({ created, mcpUrl, onDone }: { created: CreatedToken; mcpUrl: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const tokenRef = useRef<HTMLElement>(null);
  // Screen readers and keyboards land on the one-time secret, not back on the form.
  useEffect(() => heading.current?.focus(), [created.id]);
  return (
    <section className="new-token" aria-labelledby="new-token-title" data-testid="new-token-panel">
      <h2 id="new-token-title" ref={heading} tabIndex={-1}>
        Your token for “{created.label}”
      </h2>
      <p className="new-token-warning">
        <strong>Copy it now: it is shown only this once.</strong> Anyone with it can ask about what you have read, as you. Keep it in your assistant’s settings and
        nowhere else; if it leaks, revoke it below.
      </p>
      <p data-testid="new-token-scopes">
        It may: <strong>{scopeSummary(created.scopes)}</strong>. You can change this below at any time.
      </p>
      <div className="token-box">
        <code ref={tokenRef} data-testid="new-token">
          {created.token}
        </code>
        <CopyButton text={created.token} target={tokenRef} label="Copy the token" />
      </div>

      <Snippet id="claude-desktop" title="Claude Desktop" text={claudeDesktopConfig(mcpUrl, created.token)}>
        <p className="muted">
          In Claude Desktop open Settings → Developer → Edit Config, put this in <code>claude_desktop_config.json</code> (merge it into an existing{' '}
          <code>mcpServers</code>) and restart Claude Desktop. It needs Node.js for <code>npx</code>.
        </p>
      </Snippet>

      <Snippet id="streamable-http" title="Other MCP clients" text={streamableHttpConfig(mcpUrl, created.token)}>
        <p className="muted">Any client that speaks Streamable HTTP: give it this URL and header.</p>
        <dl className="connect-facts">
          <dt>URL</dt>
          <dd>
            <code data-testid="mcp-url">{mcpUrl}</code>
          </dd>
          <dt>Header</dt>
          <dd>
            <code>{authorizationHeader(created.token)}</code>
          </dd>
        </dl>
        <p className="muted">
          Clients that take a configuration file (for example Claude Code’s <code>.mcp.json</code>):
        </p>
      </Snippet>

      <div className="dialog-actions">
        <button type="button" className="button button--primary" onClick={onDone} data-testid="new-token-done">
          I have copied it
        </button>
      </div>
    </section>
  );
}
