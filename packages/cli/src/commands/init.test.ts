import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../test/run-cli.js';
import type { CliIO } from '../io.js';
import { main } from '../main.js';

/**
 * The terminal side of the prompts: each prompt takes the next typed
 * answers in turn, through the prompt's own `validate`, as @inquirer/prompts
 * does (a refused answer shows the message and the prompt stays).
 */
const typed: string[] = [];
const shown: string[] = [];
vi.mock('@inquirer/prompts', () => ({
  input: async (prompt: { message: string; default?: string; validate?: (v: string) => string | true }) => {
    for (;;) {
      const answer = typed.shift();
      if (answer === undefined) throw new Error(`nothing typed for "${prompt.message}"`);
      const value = answer === '' ? (prompt.default ?? '') : answer;
      const verdict = prompt.validate ? prompt.validate(value) : true;
      if (verdict === true) return value;
      shown.push(`${prompt.message}: ${verdict}`);
    }
  },
}));

const onTerminal = (cwd: string) => {
  const tty = Object.assign(new PassThrough(), { isTTY: true });
  const out = Object.assign(new PassThrough(), { isTTY: true });
  let stdout = '';
  out.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const io: CliIO = {
    stdin: tty,
    stdout: out,
    stderr: new PassThrough(),
    env: {},
    cwd,
    waitForShutdown: () => new Promise(() => {}),
  };
  return main(['init'], io).then((code) => ({ code, stdout }));
};

describe('streamctl init on a terminal', () => {
  beforeEach(() => {
    typed.length = 0;
    shown.length = 0;
  });

  it('asks again for a bad endpoint URL at its prompt, keeping every earlier answer', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamctl-init-'));
    typed.push('prod', 'eu-west-1', 'streaming', 'localhost:4566', 'http://localhost:4566');
    const run = await onTerminal(cwd);
    expect(run.code).toBe(0);
    expect(shown).toEqual([
      'Endpoint URL (empty for AWS; e.g. http://localhost:4566 for LocalStack): expected an http:// or https:// URL',
    ]);
    expect(JSON.parse(readFileSync(join(cwd, 'streamctl.config.json'), 'utf8'))).toEqual({
      stage: 'prod',
      region: 'eu-west-1',
      profile: 'streaming',
      endpointUrl: 'http://localhost:4566',
    });
  });

  it('checks the stage and the Region with the messages the flags get', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamctl-init-'));
    typed.push('Prod!', 'local', 'moon-1', '');
    const run = await onTerminal(cwd);
    expect(run.code).toBe(0);
    expect(shown).toEqual([
      'Default stage: a stage is 1–20 lowercase letters, digits or dashes, starting with a letter',
      'AWS Region: expected an AWS Region such as us-east-1 or eu-west-1',
    ]);
    expect(JSON.parse(readFileSync(join(cwd, 'streamctl.config.json'), 'utf8'))).toEqual({
      stage: 'local',
      region: 'us-east-1',
    });
  });
});

describe('streamctl init without a terminal', () => {
  it('names the flag that carried a bad value', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamctl-init-'));
    const run = await runCli(['init', '--stage', 'prod', '--endpoint-url', 'localhost:4566'], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatchInlineSnapshot(`
      "error: Invalid configuration: endpointUrl: expected an http:// or https:// URL; fix --endpoint-url
      "
    `);
  });
});
