import { describe, expect, it } from 'vitest';
import { createOriginCheck, parseViewerAddress } from './viewer-address.js';

describe('parseViewerAddress', () => {
  it.each([
    ['198.51.100.10:46532', '198.51.100.10'],
    // CloudFront writes IPv6 unbracketed: the port follows the last colon.
    ['2406:2d40:728d:fa10::c4a:42838', '2406:2d40:728d:fa10::c4a'],
    ['[2001:DB8::1]:443', '2001:db8::1'],
    ['  203.0.113.7:1  ', '203.0.113.7'],
    ['::ffff:192.0.2.1:8080', '::ffff:192.0.2.1'],
  ])('%s is %s', (value, ip) => {
    expect(parseViewerAddress(value)).toBe(ip);
  });

  it.each([
    undefined,
    '',
    '198.51.100.10',
    '198.51.100.10:',
    '198.51.100.10:99999',
    '198.51.100.10:http',
    '198.51.100.999:80',
    'localhost:80',
    ':443',
    '[198.51.100.10]:80',
    '[2001:db8::1]',
    '[2001:db8::1]:',
    'fe80::1%eth0:443',
    '198.51.100.10:80, 203.0.113.7:80',
    '<script>:80',
  ])('%j is not an address and a port', (value) => {
    expect(parseViewerAddress(value)).toBeUndefined();
  });
});

describe('createOriginCheck', () => {
  it('accepts the secret only, of any length, and never asks for it when nothing is presented', async () => {
    let asked = 0;
    const check = createOriginCheck(async () => {
      asked++;
      return 'a-long-random-origin-secret';
    });
    expect(await check(undefined)).toBe(false);
    expect(await check('')).toBe(false);
    expect(asked).toBe(0);
    expect(await check('a-long-random-origin-secret')).toBe(true);
    for (const wrong of ['a-long-random-origin-secreT', 'a', 'a-long-random-origin-secret ', 'x'.repeat(4096)])
      expect(await check(wrong), wrong).toBe(false);
  });

  it('follows a secret that changes, and trusts nothing while the secret is unknown or failing', async () => {
    let current: string | undefined;
    let failing = false;
    const check = createOriginCheck(async () => {
      if (failing) throw new Error('Secrets Manager is away');
      return current;
    });
    expect(await check('old')).toBe(false);
    current = 'old';
    expect(await check('old')).toBe(true);
    current = 'new';
    expect(await check('old')).toBe(false);
    expect(await check('new')).toBe(true);
    failing = true;
    expect(await check('new')).toBe(false);
    expect(await createOriginCheck('fixed')('fixed')).toBe(true);
  });
});
