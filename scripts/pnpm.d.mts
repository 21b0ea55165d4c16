/** The version in the root package.json's `packageManager`. */
export declare function pinnedPnpmVersion(root?: string): string;
/** How to run the pinned pnpm: `command` with `args` before pnpm's own arguments. */
export declare function pinnedPnpm(options?: { root?: string; env?: NodeJS.ProcessEnv }): {
  version: string;
  via: 'npm_execpath' | 'npx';
  command: string;
  args: string[];
};
