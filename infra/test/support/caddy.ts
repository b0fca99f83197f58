/**
 * Just enough of Caddyfile semantics to check infra/docker/Caddyfile without Caddy: named `path` and `path_regexp`
 * matchers, `handle` blocks tried in order, `reverse_proxy` upstreams (also through an imported snippet).
 */
export interface CaddyRoute {
  readonly matcher?: string;
  /** `host:port` upstreams, or none for a block that answers itself (file_server, respond). */
  readonly upstreams: string[];
  readonly responds?: number;
}

export function parseCaddyfile(text: string) {
  const lines = text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
  const matchers = new Map<string, (path: string) => boolean>();
  const snippets = new Map<string, string[]>();
  const routes: CaddyRoute[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const snippet = /^\((\w+)\)\s*\{$/.exec(line);
    const matcher = /^@(\w+)\s+(path|path_regexp)\s+(.+)$/.exec(line);
    const handle = /^handle(?:\s+@(\w+))?\s*\{$/.exec(line);
    if (snippet) {
      const [body, end] = blockAt(lines, i);
      snippets.set(snippet[1], upstreamsIn(body));
      i = end;
    } else if (matcher) {
      const [, name, kind, args] = matcher;
      if (kind === 'path') {
        const globs = args.split(/\s+/).map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`));
        matchers.set(name, (p) => globs.some((g) => g.test(p)));
      } else {
        const regex = new RegExp(args.trim());
        matchers.set(name, (p) => regex.test(p));
      }
    } else if (handle) {
      const [body, end] = blockAt(lines, i);
      const imported = body.map((l) => /^import\s+(\w+)$/.exec(l)?.[1]).filter((s): s is string => Boolean(s));
      const respond = body.map((l) => /^respond\s+.*\s(\d{3})$/.exec(l)?.[1]).find(Boolean);
      routes.push({
        ...(handle[1] ? { matcher: handle[1] } : {}),
        upstreams: [...upstreamsIn(body), ...imported.flatMap((s) => snippets.get(s) ?? [])],
        ...(respond ? { responds: Number(respond) } : {}),
      });
      i = end;
    }
  }

  /** The route Caddy picks for a path: the first handle whose matcher matches, a handle without matcher last. */
  const routeFor = (path: string): CaddyRoute | undefined =>
    routes.find((r) => r.matcher !== undefined && matchers.get(r.matcher)?.(path)) ?? routes.find((r) => r.matcher === undefined);

  return { routes, routeFor, matchers };
}

/** The lines inside the block opened on line `start`, and the index of its closing brace. */
function blockAt(lines: string[], start: number): [string[], number] {
  let depth = 0;
  for (let i = start; i < lines.length; i++) {
    depth += (lines[i].match(/\{/g) ?? []).length - (lines[i].match(/\}/g) ?? []).length;
    if (depth === 0) return [lines.slice(start + 1, i), i];
  }
  throw new Error(`unclosed block at "${lines[start]}"`);
}

function upstreamsIn(body: string[]): string[] {
  return body.flatMap((l) => {
    const proxy = /^reverse_proxy\s+(.+?)(\s*\{)?$/.exec(l);
    return proxy ? proxy[1].split(/\s+/) : [];
  });
}
