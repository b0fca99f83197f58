import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

function messages(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}),
    ...messages(e.children ?? [], `${prefix}${e.property}.`).map((m) => `${prefix}${m}`),
  ]);
}

/**
 * The same rules as the HTTP ValidationPipe (whitelist, no unknown fields), for socket payloads, which answer
 * through an ack instead of an HTTP status.
 */
export function validateDto<T extends object>(cls: new () => T, body: unknown): Validated<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: 'the payload must be a JSON object' };
  }
  const value = plainToInstance(cls, body);
  const errors = validateSync(value, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) return { ok: false, error: messages(errors).join('; ') };
  return { ok: true, value };
}
