/** Limits shared by the server (validation) and the web app (form hints). */
export const USERNAME_PATTERN = /^[a-z0-9._-]{3,32}$/;
export const USERNAME_RULE = '3 to 32 characters: lowercase letters, digits, ".", "_" or "-"';
export const DISPLAY_NAME_MAX = 64;
export const ROOM_NAME_MAX = 80;
/** Ids the clients generate: 16 random bytes, base64url (22 characters). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** base64url, no padding. */
export const B64U_PATTERN = /^[A-Za-z0-9_-]*$/;
/** Largest ciphertext a message may carry (base64url characters): 64 KiB envelope limit. */
export const MAX_CIPHERTEXT_CHARS = 64 * 1024;
export const HISTORY_PAGE_MAX = 100;
export const HISTORY_PAGE_DEFAULT = 50;
export const MAX_BLOB_BYTES = 25 * 1024 * 1024;
