/**
 * This browser as a playback device: a stable id kept in localStorage (so
 * the account counts it as one device across reloads and sign-ins), a short
 * name the viewer recognises on another screen ("Chrome on Linux"), and the
 * kind `browser`. Every playback start sends it.
 */
import type { DeviceInput } from '@streamctl/client';

const STORAGE_KEY = 'streamctl-device-id';
/** What the API takes as a device id, narrowed to what `crypto.randomUUID()` makes. */
const DEVICE_ID = /^[A-Za-z0-9-]{1,128}$/;
let memoryId: string | undefined;

/**
 * The device id of this browser: the stored one, or a new UUID stored for next time. A stored
 * value the API would refuse (edited by hand, another app's) is replaced.
 *
 * @example
 * ```ts
 * deviceId(localStorage); // "3b241101-e2bb-4255-8caf-4136c566a962", the same on every call
 * ```
 */
export function deviceId(
  storage: Pick<Storage, 'getItem' | 'setItem'>,
  newId: () => string = () => crypto.randomUUID(),
): string {
  try {
    const stored = storage.getItem(STORAGE_KEY);
    if (stored && DEVICE_ID.test(stored)) return stored;
    const id = newId();
    storage.setItem(STORAGE_KEY, id);
    return id;
  } catch {
    // Storage refused (blocked by the browser's settings, or full): the page plays as a new device,
    // and keeps that id for its lifetime so its sessions stay its own.
    memoryId ??= newId();
    return memoryId;
  }
}

// Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android also says "Linux".
const BROWSERS: Array<[RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|Opera)\//, 'Opera'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\b(HeadlessChrome|Chrome|Chromium|CriOS)\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
];
const SYSTEMS: Array<[RegExp, string]> = [
  [/\b(iPhone|iPad|iPod)\b/, 'iOS'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/**
 * A short name for the browser of a user agent string, as another device will list it.
 *
 * @example
 * ```ts
 * deviceName('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36');
 * // "Chrome on Linux"
 * ```
 */
export function deviceName(userAgent: string): string {
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1] ?? 'Browser';
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  return system ? `${browser} on ${system}` : browser;
}

/**
 * This browser as the playback device the API registers.
 *
 * @example
 * ```ts
 * await client.playback(titleId, thisDevice()); // { deviceId, name: "Firefox on Windows", kind: "browser" }
 * ```
 */
export function thisDevice(): DeviceInput {
  let storage: Storage | undefined;
  try {
    storage = localStorage;
  } catch {
    // Reading `localStorage` itself throws where the browser blocks site data.
  }
  const fallback = {
    getItem: () => null,
    setItem: () => {
      throw new Error('no storage');
    },
  };
  return { deviceId: deviceId(storage ?? fallback), name: deviceName(navigator.userAgent), kind: 'browser' };
}
