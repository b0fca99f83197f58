import { AuthConfig } from '@parley/server/auth';
import { CoreConfig, loadConfig } from '@parley/server/core';
import { FilesConfig } from '@parley/server/files';
import { APPS, containerEnv } from '../../docker/launch.cjs';

export type AppName = keyof typeof APPS;

/** Variables only the image's launcher reads (it turns them into REDIS_URL and the HTTP keep-alive). */
export const LAUNCHER_VARIABLES = ['REDIS_HOST', 'REDIS_PORT', 'REDIS_TLS', 'REDIS_AUTH_TOKEN', 'HTTP_KEEP_ALIVE_TIMEOUT_MS'];

/** Every variable some config class of the services reads. */
export const CONFIG_VARIABLES = [
  ...Object.keys(new CoreConfig()), ...Object.keys(new AuthConfig()), ...Object.keys(new FilesConfig()),
];

export interface LoadedConfig {
  core: CoreConfig;
  auth?: AuthConfig;
  files?: FilesConfig;
  env: Record<string, string | undefined>;
}

/**
 * What a service would see and validate in its container: the launcher's rewrite of the environment, then the
 * same loadConfig calls as its main.ts (which defaults PORT and INSTANCE_ID before the environment). Throws the
 * services' own ConfigError on a bad configuration.
 */
export function loadServiceConfig(app: AppName, environment: Record<string, string | undefined>, hostname = 'task-1'): LoadedConfig {
  const env = containerEnv(app, environment, hostname);
  const core = loadConfig(CoreConfig, { PORT: String(APPS[app]), INSTANCE_ID: app, ...env });
  return {
    core,
    env,
    ...(app === 'auth' && { auth: loadConfig(AuthConfig, env) }),
    ...(app === 'files' && { files: loadConfig(FilesConfig, env) }),
  };
}
