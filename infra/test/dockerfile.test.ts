import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APPS } from '../docker/launch.cjs';
import { repoRoot } from '../lib/paths';

interface Stage {
  from: string;
  name: string;
  lines: string[];
}

/** The Dockerfile as stages of instructions (continuation lines joined). No Docker engine here to build it. */
function stages(): { args: Record<string, string>; stages: Stage[] } {
  const text = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const args: Record<string, string> = {};
  const result: Stage[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      result.push({ from: from[1].replace(/\$\{(\w+)\}/g, (_m, n: string) => args[n] ?? ''), name: from[2] ?? '', lines: [] });
      continue;
    }
    const arg = /^ARG\s+(\w+)=(\S+)/.exec(line);
    if (arg && result.length === 0) args[arg[1]] = arg[2];
    result.at(-1)?.lines.push(line);
  }
  return { args, stages: result };
}

describe('Dockerfile', () => {
  const { stages: all } = stages();
  const stage = (name: string) => all.find((s) => s.name === name) as Stage;

  it('builds in several stages, and ends with the service image (the default target)', () => {
    expect(all.map((s) => s.name)).toEqual(expect.arrayContaining(['build', 'prod-deps', 'web', 'app']));
    expect(all.at(-1)?.name).toBe('app');
  });

  it('runs the services on Node 24 slim', () => {
    for (const name of ['base', 'app']) expect(stage(name).from).toMatch(/^node:24(\.\d+)*-[a-z]+-slim$|^node:24-slim$/);
  });

  it('installs production dependencies only, with npm ci, for the image', () => {
    expect(stage('prod-deps').lines).toContainEqual(expect.stringMatching(/^RUN npm ci --omit=dev\b/));
    expect(stage('prod-deps').lines).toContainEqual(expect.stringMatching(/npm rebuild argon2 classic-level/));
    expect(stage('app').lines).toContainEqual('COPY --from=prod-deps /app/node_modules ./node_modules');
  });

  it('runs as the unprivileged node user', () => {
    const users = stage('app').lines.filter((l) => l.startsWith('USER '));
    expect(users.at(-1)).toBe('USER node');
  });

  it('holds every service\'s build and starts them through the launcher', () => {
    for (const app of Object.keys(APPS)) {
      expect(stage('app').lines).toContainEqual(`COPY --from=build /app/dist/apps/${app} ./dist/apps/${app}`);
    }
    expect(stage('build').lines).toContainEqual(expect.stringMatching(new RegExp(`-p ${Object.keys(APPS).join(' ')} web`)));
    expect(stage('app').lines).toContainEqual('ENTRYPOINT ["node", "/app/launch.cjs"]');
  });

  it('declares a health check in both images', () => {
    expect(stage('app').lines).toContainEqual(expect.stringMatching(/^HEALTHCHECK .*CMD \["node", "\/app\/launch.cjs", "--health"\]$/));
    expect(stage('web').lines).toContainEqual(expect.stringMatching(/^HEALTHCHECK /));
  });

  it('serves the web build with the proxy config from infra/docker', () => {
    expect(stage('web').lines).toEqual(expect.arrayContaining([
      'COPY infra/docker/Caddyfile /etc/caddy/Caddyfile',
      'COPY --from=build /app/dist/apps/web/browser /srv',
    ]));
  });

  it('keeps dependencies, build output, git and CDK output out of the build context (and the asset hash)', () => {
    const ignored = readFileSync(join(repoRoot(), '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', 'dist', '.git', 'infra/cdk.out', '.nx', '.data']));
  });
});
