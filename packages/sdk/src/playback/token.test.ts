import { describe, expect, it } from 'vitest';
import { mintPlaybackToken, verifyPlaybackToken } from './token.js';

const secret = 'a-shared-secret-of-at-least-32-bytes!!';

describe('playback tokens', () => {
  it('round-trip the viewer, title and country', async () => {
    const token = await mintPlaybackToken(secret, { userId: 'alice', titleId: 't1', country: 'GB' }, 120);
    await expect(verifyPlaybackToken(secret, token, 't1')).resolves.toEqual({
      userId: 'alice',
      titleId: 't1',
      country: 'GB',
    });
  });

  it('refuses another title, another secret and garbage with FORBIDDEN', async () => {
    const token = await mintPlaybackToken(secret, { userId: 'alice', titleId: 't1', country: 'GB' });
    const attempts = [
      () => verifyPlaybackToken(secret, token, 't2'),
      () => verifyPlaybackToken('another-secret-that-is-long-enough-too', token),
      () => verifyPlaybackToken(secret, 'garbage'),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
  });

  it('refuses lifetimes over 15 minutes and short secrets', async () => {
    await expect(mintPlaybackToken(secret, { userId: 'a', titleId: 't', country: 'US' }, 3600)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(mintPlaybackToken('short', { userId: 'a', titleId: 't', country: 'US' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
