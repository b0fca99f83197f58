/** Injection token of the validated CoreConfig. */
export const CORE_CONFIG = Symbol('CORE_CONFIG');
