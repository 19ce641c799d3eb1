/**
 * A reader's devices and linking another one (ADR 0041, docs/accounts.md). Every device that holds the reader's
 * own token has a row: the first one from POST /api/readers, more by a one-time link code shown on a device that
 * already is the reader and entered on the new one. Entering a code on a device that is already another reader
 * merges that reader into the code's (queries.ts mergeReaders: the furthest position per series wins, nothing
 * else is lost). A device can sign itself or another device out, but never the reader's last one: no device
 * could ever open the reader again.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import { type Db, pgErrorCode } from '../db/client.js';
import { FolioError } from '../errors.js';
import * as q from './queries.js';
import type { ReaderCredential } from './readers.js';
import { hashReaderToken, newReaderToken } from './tokens.js';

/** How long a link code works: long enough to pick up the other device, short enough that guessing is hopeless. */
export const LINK_CODE_TTL_S = 5 * 60;

/** Crockford's base32: no I, L, O or U, so a code read aloud or off a screen is not misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 8 symbols, 40 bits: with at most one live code per reader and per-address limits, a guess hits ~never. */
const CODE_LENGTH = 8;

/** A new code, grouped for reading: `K7QF-3M2X`. */
export function newLinkCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * A code as typed: case, spaces and dashes do not matter, and the letters people confuse with digits read as
 * those digits (Crockford). Null when it cannot be a code at all.
 */
export function normalizeLinkCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return s.length === CODE_LENGTH && [...s].every((ch) => ALPHABET.includes(ch)) ? s : null;
}

const hashCode = (normalized: string): string => hashReaderToken(`link:${normalized}`);

export const linkBody = z.strictObject({ code: z.string().max(64, 'is 8 letters and digits, like K7QF-3M2X') });

/** What the device list shows for a device: its browser and system from the User-Agent, or what it is. */
export function deviceLabel(userAgent: string | undefined): string {
  const ua = userAgent ?? '';
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /OPR\/|Opera/.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Chrome\/|Chromium\/|CriOS\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua)
            ? 'Safari'
            : null;
  const system = /iPhone/.test(ua)
    ? 'iPhone'
    : /iPad/.test(ua)
      ? 'iPad'
      : /Android/.test(ua)
        ? 'Android'
        : /Windows/.test(ua)
          ? 'Windows'
          : /Mac OS X|Macintosh/.test(ua)
            ? 'Mac'
            : /CrOS/.test(ua)
              ? 'ChromeOS'
              : /Linux/.test(ua)
                ? 'Linux'
                : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? (ua ? 'An app' : 'A device');
}

/** Device management and linking need a device: an assistant token gets 403 (it could otherwise sign devices out). */
export function requireDevice(cred: ReaderCredential): { readerId: string; deviceId: string } {
  if (cred.deviceId === null) {
    throw new FolioError('forbidden:devices', "An assistant token cannot see or sign out the reader's devices, or link one. Use the web reader.");
  }
  return { readerId: cred.readerId, deviceId: cred.deviceId };
}

export interface Device extends q.DeviceRow {
  /** The device this request came from. */
  current: boolean;
}

async function listDevices(db: Db, own: { readerId: string; deviceId: string }): Promise<Device[]> {
  return (await q.listDevices(db, own.readerId)).map((d) => ({ ...d, current: d.id === own.deviceId }));
}

const LAST_DEVICE =
  "This is the reader's only device: signed out, its progress and conversations could never be opened again. Add a passkey (the reader becomes an account) or link another device first.";

/** Sign one device out (this one included); never the last. */
export async function signOutDevice(db: Db, readerId: string, deviceId: string, ways: q.SignInWays): Promise<void> {
  const r = await q.deleteDevices(db, readerId, { only: deviceId }, ways);
  if (r.lastDevice) throw new FolioError('conflict:last_device', LAST_DEVICE);
  if (r.deleted === 0) throw new FolioError('not_found:device', 'This reader has no such device (signed out already?).');
}

/** Sign out every device but this one, or (an account only: its passkey opens it again) every one; how many went. */
export async function signOutDevices(db: Db, own: { readerId: string; deviceId: string }, includingThis: boolean, ways: q.SignInWays): Promise<number> {
  const r = await q.deleteDevices(db, own.readerId, includingThis ? { all: true } : { allBut: own.deviceId }, ways);
  if (r.lastDevice) throw new FolioError('conflict:last_device', LAST_DEVICE);
  return r.deleted;
}

/** The device list, and whether the reader is an account (then its last device may go too). */
export async function deviceList(db: Db, own: { readerId: string; deviceId: string }, ways: q.SignInWays): Promise<{ devices: Device[]; account: boolean }> {
  const [devices, account] = await Promise.all([listDevices(db, own), q.hasAccount(db, own.readerId, ways)]);
  return { devices, account };
}

/** A code another device can enter to become this reader, replacing any earlier code of the reader. */
export async function createLinkCode(db: Db, readerId: string): Promise<{ code: string; expiresAt: string }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const code = newLinkCode();
    const expiresAt = await q.putLinkCode(db, readerId, hashCode(normalizeLinkCode(code)!), LINK_CODE_TTL_S);
    if (expiresAt) return { code, expiresAt };
  }
  throw new Error('no free link code after 5 attempts');
}

export interface Linked {
  readerId: string;
  deviceId: string;
  /** The new device token: the browser's cookie, or the app's bearer token. */
  token: string;
  /** What came over from the reader this device was before, if it was one. */
  merged: q.MergeCounts | null;
}

const UNKNOWN_CODE = 'This code is unknown, used or expired. Show a new one on the device that is already your reader (Devices → Link a device).';

/**
 * Make this device the code's reader. `current` is the reader this device already is (its own token), if any:
 * that reader is merged into the code's, and this device's old token stops working. The code is spent either way.
 */
export async function redeemLinkCode(db: Db, input: string, label: string, current: { readerId: string; deviceId: string } | null): Promise<Linked> {
  const normalized = normalizeLinkCode(input);
  if (normalized === null) throw new FolioError('bad_request:link_code', 'A link code is 8 letters and digits, like K7QF-3M2X.');
  const readerId = await q.takeLinkCode(db, hashCode(normalized));
  if (readerId === null) throw new FolioError('not_found:link_code', UNKNOWN_CODE);
  if (current?.readerId === readerId) throw new FolioError('conflict:link_code', 'This device is already that reader.');
  return becomeReader(db, readerId, label, current, 'Enter a new code.');
}

/**
 * Make this device reader `readerId` (a link code was entered, or a passkey signed in to it): a new device if this
 * device was nobody, else its reader `current` is merged into `readerId` and the device gets a new token (a fresh
 * credential at every sign-in; the old one stops working). Null-safe against the reader vanishing meanwhile.
 */
export async function becomeReader(db: Db, readerId: string, label: string, current: { readerId: string; deviceId: string } | null, retry: string): Promise<Linked> {
  const token = newReaderToken();
  if (!current) {
    const device = await q.insertDevice(db, readerId, hashReaderToken(token), label).catch((err: unknown) => {
      // 23503: the reader was deleted (retention, its last device signed out) between the check and here.
      if (pgErrorCode(err) === '23503') return null;
      throw err;
    });
    if (!device) throw new FolioError('not_found:reader', `That reader no longer exists. ${retry}`);
    return { readerId, deviceId: device.id, token, merged: null };
  }
  if (current.readerId === readerId) {
    const device = await q.rotateDevice(db, current.deviceId, hashReaderToken(token), label);
    if (!device) throw new FolioError('not_found:device', `This device was signed out meanwhile. ${retry}`);
    return { readerId, deviceId: device.id, token, merged: null };
  }
  const merged = await q.mergeReaders(db, current.readerId, readerId);
  if (merged === null) throw new FolioError('not_found:reader', `That reader no longer exists. ${retry}`);
  const device = await q.rotateDevice(db, current.deviceId, hashReaderToken(token), label);
  if (!device) throw new FolioError('not_found:device', `This device was signed out while it was being linked. ${retry}`);
  return { readerId, deviceId: device.id, token, merged };
}
