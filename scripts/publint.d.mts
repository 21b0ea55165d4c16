/** The publishable packages' folders (packages/<dir>, not private). */
export declare function workspacePackages(root?: string): string[];
/** Packs every package with the pinned pnpm and lints each tarball with `publint --strict`. */
export declare function publintWorkspace(options?: { root?: string; env?: NodeJS.ProcessEnv }): Promise<{
  pnpm: { version: string; via: 'npm_execpath' | 'npx' };
  packages: { name: string; messages: { type: 'error' | 'warning' | 'suggestion'; text: string }[] }[];
}>;
