import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('@streamctl/sdk/client', () => {
  it('bundles for the browser with no Node built-ins and no AWS SDK', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes('@aws-sdk') || i.startsWith('node:'))).toBe(false);
    expect(inputs.filter((i) => !i.includes('packages/sdk/src/'))).toEqual([]);
    const size = result.outputFiles[0]?.contents.byteLength ?? 0;
    expect(size).toBeLessThan(20_000);
  });
});
