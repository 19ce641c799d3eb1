/**
 * `/devices`: the devices that are this reader, signing them out, and linking another one (Devices.tsx, ADR 0041);
 * for the device in hand, a way to `/link` it to a reader it already has elsewhere; the account (Account.tsx, ADR 0042). Loaded lazily (own chunk).
 */
import { useState } from 'react';
import { Link } from 'wouter';
import { SiteHeader } from '../ui/SiteHeader';
import { Account } from './Account';
import { Devices } from './Devices';
import './connect.css';

export default function DevicesPage() {
  const [stamp, setStamp] = useState(0);
  return (
    <>
      <SiteHeader />
      <main className="page narrow connect" id="main">
        <h1 className="page-title">Your devices</h1>
        <p>
          Read on your phone and your laptop as one reader: your place in every series, your conversations and your assistant tokens follow you. No password: link a
          device with a one-time code, or make this reader an account with a passkey.
        </p>
        <p className="muted">
          Already reading on another device, and this one is new? <Link href="/link">Sign in on this device</Link> with your passkey or a code from the other one.
        </p>
        <Account onChange={() => setStamp((s) => s + 1)} />
        <h2 className="section-title">Devices</h2>
        <Devices stamp={stamp} />
      </main>
    </>
  );
}
