/** Where page images and their variants live. One implementation per backend. */
export interface StoredObject {
  body: NodeJS.ReadableStream;
  size: number;
  contentType: string;
}

export interface Storage {
  readonly kind: 'local' | 's3';
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  exists(key: string): Promise<boolean>;
  /** null when the key does not exist. */
  get(key: string): Promise<StoredObject | null>;
  /** The URL a browser loads the object from. */
  url(key: string): string;
  /** Remove an object; a missing one is not an error. */
  delete(key: string): Promise<void>;
}

/**
 * Content-addressed keys: `<prefix>/<2 hex>/<64 hex>.<ext>`; nothing else is ever a key.
 * `doctor/` holds only the short-lived probe object of `folio doctor` (written, read through the
 * public URL, deleted), kept apart from the content prefixes.
 */
const KEY_PATTERN = /^(pages|covers|avatars|doctor)\/[0-9a-f]{2}\/[0-9a-f]{64}\.(webp|jpg|png)$/;

export function isValidKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function contentKey(prefix: 'pages' | 'covers' | 'avatars' | 'doctor', sha256Hex: string, ext: 'webp' | 'jpg' | 'png'): string {
  return `${prefix}/${sha256Hex.slice(0, 2)}/${sha256Hex}.${ext}`;
}

/** The hash part of a key, used as a strong ETag. */
export function keyHash(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name.slice(0, name.indexOf('.'));
}

export const CONTENT_TYPES: Record<string, string> = {
  webp: 'image/webp',
  jpg: 'image/jpeg',
  png: 'image/png',
};

export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
}
