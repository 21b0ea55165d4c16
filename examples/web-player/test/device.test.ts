/** This browser as a playback device: its stored id and its short name. */
import { describe, expect, it } from 'vitest';
import { deviceId, deviceName } from '../src/device.js';

const UA = {
  chromeLinux: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  headless:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36',
  edgeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
  firefoxMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  chromeAndroid:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  operaChromeOs:
    'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0',
};

function memoryStorage(initial: Record<string, string> = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (key: string) => data.get(key) ?? null,
    setItem: (key: string, value: string) => void data.set(key, value),
  };
}

describe('deviceName', () => {
  it.each([
    [UA.chromeLinux, 'Chrome on Linux'],
    [UA.headless, 'Chrome on Linux'],
    [UA.edgeWindows, 'Edge on Windows'],
    [UA.firefoxMac, 'Firefox on macOS'],
    [UA.safariIphone, 'Safari on iOS'],
    [UA.chromeAndroid, 'Chrome on Android'],
    [UA.operaChromeOs, 'Opera on ChromeOS'],
    ['curl/8.11.0', 'Browser'],
    ['', 'Browser'],
  ])('names %j "%s"', (ua, name) => {
    expect(deviceName(ua)).toBe(name);
  });

  it('stays within the API’s 80 characters whatever the user agent says', () => {
    expect(deviceName(`${'x'.repeat(5000)} Firefox/1 Windows`).length).toBeLessThanOrEqual(80);
  });
});

describe('deviceId', () => {
  it('makes one id and keeps it', () => {
    const storage = memoryStorage();
    const first = deviceId(storage);
    expect(first).toMatch(/^[A-Za-z0-9-]+$/);
    expect(deviceId(storage)).toBe(first);
    expect([...storage.data.values()]).toEqual([first]);
  });

  it('replaces a stored value the API would refuse', () => {
    const storage = memoryStorage({ 'streamctl-device-id': '../../etc/passwd' });
    const id = deviceId(storage, () => 'fresh-id');
    expect(id).toBe('fresh-id');
    expect(deviceId(storage)).toBe('fresh-id');
  });

  it('still answers, the same for the page, where storage is refused', () => {
    const refused = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    const id = deviceId(refused);
    expect(id).toMatch(/^[A-Za-z0-9-]+$/);
    expect(deviceId(refused)).toBe(id);
  });
});
