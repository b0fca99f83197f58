import { Template } from 'aws-cdk-lib/assertions';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { environmentNamed, type ParleyEnvironment } from '../../lib/config';
import { stackName } from '../../lib/parley-app';
import { SYNTH_DIR_VARIABLE, VARIANTS, type VariantName } from './variants';

type Part = 'Network' | 'Data' | 'Edge' | 'Services' | 'Observability';

export interface Synthesized {
  readonly parley: ParleyEnvironment;
  /** The cloud assembly folder (templates, asset manifests, manifest.json). */
  readonly directory: string;
  readonly network: Template;
  readonly data: Template;
  readonly edge: Template;
  readonly services: Template;
  readonly observability: Template;
  stackName(part: Part): string;
  /** A stack's properties from the assembly manifest (terminationProtection, …). */
  stackProperties(part: Part): Record<string, unknown>;
  /** Every error and warning annotation left after acknowledgements (cdk-nag's included). */
  readonly findings: { readonly path: string; readonly level: string; readonly text: string }[];
}

/** The templates global-setup.ts synthesized for one variant (dev, prod, prod-https). */
export function synthesized(variant: VariantName): Synthesized {
  const root = process.env[SYNTH_DIR_VARIABLE];
  if (!root) throw new Error(`${SYNTH_DIR_VARIABLE} is not set: run the infra tests through infra/jest.config.ts (its globalSetup synthesizes)`);
  const directory = join(root, variant);
  if (!existsSync(directory)) throw new Error(`no synthesized variant ${variant} in ${root}`);
  const parley = environmentNamed(VARIANTS[variant].env);
  const name = (part: Part) => stackName(parley, part);
  const template = (part: Part) => Template.fromJSON(JSON.parse(readFileSync(join(directory, `${name(part)}.template.json`), 'utf8')));
  const manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { properties?: Record<string, unknown> }>;
  };
  return {
    parley,
    directory,
    network: template('Network'),
    data: template('Data'),
    edge: template('Edge'),
    services: template('Services'),
    observability: template('Observability'),
    stackName: name,
    stackProperties: (part) => manifest.artifacts[name(part)]?.properties ?? {},
    findings: JSON.parse(readFileSync(join(directory, 'findings.json'), 'utf8')),
  };
}

/** The resources of one type in a template, by logical id. */
export function resourcesOf(template: Template, type: string): [string, { Properties: Record<string, unknown> }][] {
  return Object.entries(template.findResources(type)) as [string, { Properties: Record<string, unknown> }][];
}
