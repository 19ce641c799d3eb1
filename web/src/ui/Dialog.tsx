/** A modal dialog on the native <dialog> element: focus is trapped and restored, Esc closes it. */
import { type ReactNode, useEffect, useRef } from 'react';

export function Dialog({
  open,
  title,
  onClose,
  children,
  labelledBy = 'dialog-title',
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  labelledBy?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={labelledBy}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={labelledBy}>{title}</h2>
      {children}
    </dialog>
  );
}
