import { describe, expect, it } from 'vitest';
import { SessionIdSchema } from '../contract/index.js';
import { newSessionId, sessionOwner } from './store.js';

describe('session ids', () => {
  it('carry 16 random characters and their owner, and never repeat across pool refills', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => newSessionId(i % 2 ? 'alice' : 'user_42'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, id] of ids.entries()) {
      expect(SessionIdSchema.safeParse(id).success).toBe(true);
      expect(id).toMatch(/^[A-Za-z0-9_-]{16}\./);
      expect(sessionOwner(id)).toBe(i % 2 ? 'alice' : 'user_42');
    }
    // The random parts alone are unique too: no slice of the pool is handed out twice.
    const randoms = new Set(ids.map((id) => id.slice(0, 16)));
    expect(randoms.size).toBe(ids.length);
  });

  it('never start with "-", which a command line reads as an option (one random id in 64 would)', () => {
    const ids = Array.from({ length: 20_000 }, () => newSessionId('alice'));
    expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
    // The first character still varies over the rest of the alphabet, '_' included.
    expect(new Set(ids.map((id) => id[0])).size).toBe(63);
  });
});
