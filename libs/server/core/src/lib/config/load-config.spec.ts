import { ConfigError, loadConfig } from './load-config';
import { CoreConfig } from './core.config';

describe('loadConfig', () => {
  it('uses the defaults when the environment is empty', () => {
    const config = loadConfig(CoreConfig, {});
    expect(config.PORT).toBe(3000);
    expect(config.DYNAMODB_CREATE_TABLES).toBe(false);
    expect(config.REDIS_URL).toBeUndefined();
  });

  it('converts numbers and booleans from strings', () => {
    const config = loadConfig(CoreConfig, { PORT: '8081', DYNAMODB_CREATE_TABLES: 'true' });
    expect(config.PORT).toBe(8081);
    expect(config.DYNAMODB_CREATE_TABLES).toBe(true);
  });

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('reads the boolean %s as %s', (raw, expected) => {
    expect(loadConfig(CoreConfig, { DYNAMODB_CREATE_TABLES: raw }).DYNAMODB_CREATE_TABLES).toBe(expected);
  });

  it('names every bad variable and never prints its value', () => {
    let error: unknown;
    try {
      loadConfig(CoreConfig, { PORT: 'seventy', REDIS_URL: 'secret-password@host', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT');
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('LOG_LEVEL');
    expect(message).not.toContain('secret-password');
  });
});
