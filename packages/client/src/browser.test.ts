import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** `@streamctl/client` and its subpaths resolve to this package's source, as the vitest aliases do. */
const clientSource: Plugin = {
  name: 'streamctl-client-source',
  setup(b) {
    b.onResolve({ filter: /^@streamctl\/client(\/(contract|errors|regions))?$/ }, (args) => ({
      path: source(args.path === '@streamctl/client' ? './index.ts' : `./${args.path.split('/')[2]}.ts`),
    }));
  },
};

/** A browser bundle of one entry point: its inputs (paths relative to the repository root) and size. */
async function bundle(entry: string): Promise<{ inputs: string[]; size: number }> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: source('../../../'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [clientSource],
  });
  return { inputs: Object.keys(result.metafile.inputs), size: result.outputFiles[0]?.contents.byteLength ?? 0 };
}

const foreign = (inputs: string[]) =>
  inputs.filter((i) => i.includes('@aws-sdk') || i.includes('@smithy') || i.includes('zod') || i.startsWith('node:'));

describe('@streamctl/client', () => {
  it('bundles for the browser with no Node built-ins, no AWS SDK and no zod', async () => {
    const { inputs, size } = await bundle(source('./index.ts'));
    expect(foreign(inputs)).toEqual([]);
    expect(inputs.filter((i) => !i.startsWith('packages/client/src/'))).toEqual([]);
    // The contract is imported for its types only: its schemas (and zod) stay out.
    expect(inputs).not.toContain('packages/client/src/contract.ts');
    expect(size).toBeLessThan(20_000);
    console.log(`[browser] @streamctl/client: ${size} bytes, ${inputs.length} inputs`);
  });

  it('bundles as @streamctl/sdk/client the same way', async () => {
    const { inputs, size } = await bundle(source('../../sdk/src/client/index.ts'));
    expect(foreign(inputs)).toEqual([]);
    expect(inputs.filter((i) => !i.startsWith('packages/client/src/'))).toEqual(['packages/sdk/src/client/index.ts']);
    expect(size).toBeLessThan(20_000);
    console.log(`[browser] @streamctl/sdk/client: ${size} bytes, ${inputs.length} inputs`);
  });
});
