import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths';
import { EDGE_OUTPUTS } from '../lib/stacks/edge-stack';

/** A PATH holding only the given commands: the real node, and stubs for the others. */
function pathWith(stubs: Record<string, string>): string {
  const bin = mkdtempSync(join(tmpdir(), 'parley-deploy-'));
  symlinkSync(process.execPath, join(bin, 'node'));
  for (const [name, script] of Object.entries(stubs)) {
    writeFileSync(join(bin, name), `#!/bin/bash\n${script}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}

function deploy(args: string[], path: string, env: Record<string, string> = {}) {
  const result = spawnSync('/bin/bash', [join(repoRoot(), 'deploy.sh'), ...args], { env: { PATH: path, ...env }, encoding: 'utf8' });
  return { code: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('deploy.sh', () => {
  it('explains its three forms', () => {
    const { code, stdout } = deploy(['--help'], pathWith({}));
    expect(code).toBe(0);
    expect(stdout).toContain('./deploy.sh [all|infrastructure|app]');
  });

  it('refuses an unknown environment before doing anything', () => {
    const { code, stderr } = deploy([], pathWith({}), { PARLEY_ENV: 'staging' });
    expect(code).toBe(1);
    expect(stderr).toContain('PARLEY_ENV must be dev or prod');
  });

  it.each([
    ['the AWS CLI', { npm: 'exit 0' }, [], /aws is missing\. Install the AWS CLI v2/],
    ['credentials', { npm: 'exit 0', aws: 'exit 255' }, ['infrastructure'], /No AWS credentials/],
    ['Docker, for the app', { npm: 'exit 0', aws: 'exit 0' }, ['app'], /docker is missing/],
    ['a running Docker', { npm: 'exit 0', aws: 'exit 0', docker: 'exit 1' }, ['app'], /Docker is installed but not running/],
    ['the CDK bootstrap', { npm: 'exit 0', aws: '[[ "$1" == cloudformation ]] && exit 254; [[ "$1 $2" == "configure get" ]] && echo eu-central-1; echo 123456789012' }, ['infrastructure'], /CDK is not bootstrapped in account 123456789012, region eu-central-1/],
  ] as const)('stops with a clear message when %s is missing', (_what, stubs, args, message) => {
    const { code, stderr } = deploy([...args], pathWith(stubs));
    expect(code).toBe(1);
    expect(stderr).toMatch(message);
  });

  it('reads the outputs the edge stack declares', () => {
    const script = readFileSync(join(repoRoot(), 'deploy.sh'), 'utf8');
    for (const output of EDGE_OUTPUTS) expect(script).toContain(`output ${output}`);
  });
});
