export * from './lib/login-page';
export * from './lib/auth-service';
export * from './lib/auth-errors';
export * from './lib/sessions-page';
export { ChangePasswordPage } from './lib/account/change-password-page';
export { RecoverPage } from './lib/account/recover-page';
