import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ServiceName } from '../lib/config';
import { repoRoot } from '../lib/paths';
import { TABLES } from '../lib/tables';

/** Which service a `libs/server/<lib>` belongs to (its tables are that service's). */
const OWNER_OF_LIB: Record<string, ServiceName> = { auth: 'auth', rooms: 'rooms', messaging: 'messaging-gateway', files: 'files' };

interface CodeTable {
  name: string;
  owner: ServiceName;
  file: string;
  hashKey?: string;
  rangeKey?: string;
  indexes: { name: string; hashKey: string; rangeKey?: string }[];
  localIndexes: { name: string; rangeKey: string }[];
}

function sourcesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesOf(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/**
 * The tables the services define, read from their sources: `tables.define<…>('name', someSchema)` and the
 * `new Schema({ … })` it names (hashKey / rangeKey / global index fields). A reading, not a TypeScript parse: the
 * schemas follow one style, and a schema this cannot read fails the test loudly rather than passing quietly.
 */
function tablesInCode(): CodeTable[] {
  const root = repoRoot();
  const found: CodeTable[] = [];
  for (const [lib, owner] of Object.entries(OWNER_OF_LIB)) {
    const files = sourcesOf(join(root, 'libs/server', lib, 'src'));
    const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const file of files) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\.define<\w+>\(\s*'(\w+)'\s*,\s*(\w+)\s*\)/g)) {
        const [, name, schemaName] = match;
        const body = new RegExp(`const ${schemaName} = new Schema\\(\\{([\\s\\S]*?)\\n\\}\\)`).exec(text)?.[1] ?? '';
        const fields = [...body.matchAll(/^\s*(\w+):\s*\{(.*)\},?\s*$/gm)].map(([, field, spec]) => ({ field, spec }));
        found.push({
          name,
          owner,
          file: relative(root, file),
          hashKey: fields.find((f) => /hashKey:\s*true/.test(f.spec))?.field,
          rangeKey: fields.find((f) => /rangeKey:\s*true/.test(f.spec))?.field,
          indexes: fields.flatMap(({ field, spec }) => {
            const index = /index:\s*\{\s*type:\s*'global',\s*name:\s*'([\w-]+)'(?:,\s*rangeKey:\s*'(\w+)')?/.exec(spec);
            return index ? [{ name: index[1], hashKey: field, ...(index[2] ? { rangeKey: index[2] } : {}) }] : [];
          }),
          localIndexes: fields.flatMap(({ field, spec }) => {
            const index = /index:\s*\{\s*type:\s*'local',\s*name:\s*'([\w-]+)'/.exec(spec);
            return index ? [{ name: index[1], rangeKey: field }] : [];
          }),
        });
      }
    }
  }
  return found;
}

describe('table catalogue (lib/tables.ts) against the services\' dynamoose schemas', () => {
  const code = tablesInCode();

  it('finds the tables the services define (the reading works)', () => {
    expect(code.map((t) => t.name)).toEqual(expect.arrayContaining(['users', 'devices', 'rooms', 'members', 'roomOps', 'epochs', 'messages', 'files']));
  });

  it.each(code.map((t) => [t.name, t] as const))('deploys %s, owned by the service whose library defines it', (name, table) => {
    const spec = TABLES.find((t) => t.name === name);
    expect(spec).toBeDefined();
    expect(spec?.owner).toBe(table.owner);
  });

  it.each(code.map((t) => [t.name, t] as const))('gives %s the keys and the global and local indexes of its schema', (name, table) => {
    const spec = TABLES.find((t) => t.name === name);
    expect(table.hashKey).toBeDefined();
    expect({
      hashKey: spec?.partitionKey.name,
      rangeKey: spec?.sortKey?.name,
      indexes: spec?.globalIndexes?.map((i) => ({ name: i.name, hashKey: i.partitionKey.name, ...(i.sortKey ? { rangeKey: i.sortKey.name } : {}) })) ?? [],
      localIndexes: spec?.localIndexes?.map((i) => ({ name: i.name, rangeKey: i.sortKey.name })) ?? [],
    }).toEqual({ hashKey: table.hashKey, rangeKey: table.rangeKey, indexes: table.indexes, localIndexes: table.localIndexes });
  });
});
