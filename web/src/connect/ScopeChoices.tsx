/**
 * The grants of an assistant token as checkboxes (ADR 0028). Unticked is the default and means read-only: the
 * assistant asks and reads through MCP, and cannot move the position or see the reader's conversations.
 */
import { useId } from 'react';
import type { TokenScope } from '../../../src/contract/index.js';
import { GRANT_TEXT, GRANTS, toggleGrant } from './scopes';

export function ScopeChoices({ scopes, onChange, disabled }: { scopes: readonly TokenScope[]; onChange: (next: TokenScope[]) => void; disabled?: boolean }) {
  const id = useId();
  return (
    <fieldset className="scope-choices" data-testid="scope-choices" disabled={disabled} aria-describedby={`${id}-always`}>
      <legend>What may it do?</legend>
      <p className="muted" id={`${id}-always`}>
        Always: ask questions, search and recap through MCP, only about what you have read. Nothing else unless you tick it below.
      </p>
      {GRANTS.map((g) => (
        <label key={g} className="scope-choice">
          <input
            type="checkbox"
            checked={scopes.includes(g)}
            onChange={(e) => onChange(toggleGrant(scopes, g, e.target.checked))}
            aria-describedby={`${id}-${g}`}
            data-testid={`scope-${g}`}
          />
          <span>
            <strong>{GRANT_TEXT[g].title}</strong>
            <span className="muted" id={`${id}-${g}`}>
              {GRANT_TEXT[g].detail}
            </span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}
