/**
 * `/devices`: the devices that are this reader, signing them out, and linking another one (Devices.tsx, ADR 0041);
 * for the device in hand, a way to `/link` it to a reader it already has elsewhere. Loaded lazily (own chunk).
 */
import { Link } from 'wouter';
import { SiteHeader } from '../ui/SiteHeader';
import { Devices } from './Devices';
import './connect.css';

export default function DevicesPage() {
  return (
    <>
      <SiteHeader />
      <main className="page narrow connect" id="main">
        <h1 className="page-title">Your devices</h1>
        <p>
          Read on your phone and your laptop as one reader: your place in every series, your conversations and your assistant tokens follow you. No account, no password:
          link a device with a one-time code.
        </p>
        <p className="muted">
          Already reading on another device, and this one is new? <Link href="/link">Link this device</Link> with a code from the other one.
        </p>
        <Devices />
      </main>
    </>
  );
}
