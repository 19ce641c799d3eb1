/** What the confirm dialogs share: one request at a time with its failure as a sentence, and their buttons. */
import { useState } from 'react';
import { describeError } from '../api/client';

/** Run one request at a time; `error` holds its failure, said for people, until the next run. */
export function useRequest() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (request: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await request();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}

/** A confirm dialog's error line and buttons: the (destructive) action, and Cancel, which gets the focus. */
export function ConfirmActions(props: {
  error: string | null;
  busy: boolean;
  label: string;
  busyLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId: string;
}) {
  return (
    <>
      {props.error ? (
        <p className="form-error" role="alert">
          {props.error}
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="button button--danger" disabled={props.busy} onClick={props.onConfirm} data-testid={props.testId}>
          {props.busy ? props.busyLabel : props.label}
        </button>
        {/* biome-ignore lint/a11y/noAutofocus: a modal dialog puts focus on its least destructive action when it opens (WAI-ARIA dialog pattern) */}
        <button type="button" className="button" onClick={props.onCancel} autoFocus>
          Cancel
        </button>
      </div>
    </>
  );
}
