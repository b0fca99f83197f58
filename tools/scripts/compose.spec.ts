import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ComposeService {
  image: string;
  ports?: string[];
  healthcheck?: { test: string[] | string };
}

/** No Docker engine here: the compose file is checked by parsing it. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(__dirname, '../../docker-compose.yml'), 'utf8')) as {
    services: Record<string, ComposeService>;
  };

  it.each([
    ['redis', /^redis:/, '6379'],
    ['dynamodb', /^amazon\/dynamodb-local/, '8000'],
  ])('runs %s from its official image on its usual port, with a health check', (name, image, port) => {
    const service = compose.services[name];
    expect(service.image).toMatch(image);
    expect(service.ports?.some((p) => String(p).includes(port))).toBe(true);
    expect(service.healthcheck?.test).toBeDefined();
  });
});
