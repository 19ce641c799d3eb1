import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';

export function SiteHeader({ children }: { children?: ReactNode }) {
  const [location] = useLocation();
  return (
    <header className="site-header">
      <Link href="/" className="brand" aria-label="Folio library">
        <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
          <rect width="32" height="32" rx="6" fill="currentColor" />
          <path d="M9 7h9a5 5 0 0 1 5 5v13H14a5 5 0 0 0-5-5z" fill="#f3c969" />
        </svg>
        <span>Folio</span>
      </Link>
      {children}
      <nav className="site-nav" aria-label="Site">
        <Link href="/devices" aria-current={location === '/devices' ? 'page' : undefined} data-testid="devices-link">
          Devices
        </Link>
        <Link href="/connect" aria-current={location === '/connect' ? 'page' : undefined} data-testid="connect-link">
          Connect an assistant
        </Link>
      </nav>
    </header>
  );
}
