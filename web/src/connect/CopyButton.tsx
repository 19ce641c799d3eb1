/**
 * Copies a text to the clipboard. Where the browser refuses (an http page
 * that is not localhost, a denied permission), it selects the text instead
 * and says to press Ctrl+C, without an error in the console.
 */
import { type RefObject, useEffect, useRef, useState } from 'react';

export function CopyButton({ text, target, label }: { text: string; target: RefObject<HTMLElement | null>; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'manual'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const copy = async () => {
    clearTimeout(timer.current);
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      const el = target.current;
      if (el) {
        const range = document.createRange();
        range.selectNodeContents(el);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
      }
      setState('manual');
    }
    timer.current = setTimeout(() => setState('idle'), 4000);
  };

  return (
    <span className="copy">
      <button type="button" className="button button--small" onClick={() => void copy()} aria-label={label}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="copy-status" role="status">
        {state === 'copied' ? 'Copied to the clipboard.' : state === 'manual' ? 'Selected: press Ctrl+C (⌘C on a Mac) to copy.' : ''}
      </span>
    </span>
  );
}
