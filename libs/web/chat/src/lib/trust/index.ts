export * from './room-security';
export * from './trust.service';
export * from './trust-banner';
export * from './member-trust';
export * from './safety-number-dialog';
