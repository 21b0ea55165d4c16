import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineCacheDir, requireJava, startDynamoDBLocal } from './aws-engines.js';

describe('aws-local engines', () => {
  it('are cached in $STREAMCTL_ENGINES_CACHE, else the user cache dir', () => {
    expect(engineCacheDir({ STREAMCTL_ENGINES_CACHE: '/srv/engines', XDG_CACHE_HOME: '/x' })).toBe('/srv/engines');
    expect(engineCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'streamctl', 'engines'));
    expect(engineCacheDir({ HOME: '/home/me' })).toBe(join('/home/me', '.cache', 'streamctl', 'engines'));
  });

  it('name the fix in one line when there is no Java, before fetching anything', async () => {
    const env = { JAVA_HOME: '/nonexistent/java' };
    await expect(requireJava(env)).rejects.toMatchObject({
      code: 'LOCAL_START_FAILED',
      message: 'The aws-local engines need Java for DynamoDB Local, and no `java` runs here',
      hint: expect.stringMatching(/install a Java runtime .*--engines embedded/),
    });
    // The cache dir is never touched: nothing is fetched for an engine that cannot run.
    await expect(
      startDynamoDBLocal({ path: '/nonexistent/data', host: '127.0.0.1', cacheDir: '/nonexistent/cache', env }),
    ).rejects.toMatchObject({ code: 'LOCAL_START_FAILED' });
  });
});
