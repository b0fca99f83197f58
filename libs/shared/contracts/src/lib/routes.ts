/** REST routes (DESIGN §4). The client uses these relative paths only. */
export const API = {
  prelogin: '/api/auth/prelogin',
  register: '/api/auth/register',
  login: '/api/auth/login',
  jwks: '/api/auth/.well-known/jwks.json',
  users: '/api/users',
  user: (userId: string) => `/api/users/${encodeURIComponent(userId)}`,
  rooms: '/api/rooms',
  room: (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}`,
  roomOps: (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}/ops`,
  roomEpochs: (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}/epochs`,
  roomMessages: (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}/messages`,
  files: '/api/files',
  fileContent: (fileId: string) => `/api/files/${encodeURIComponent(fileId)}/content`,
} as const;

/** Error body of every REST error (Nest's default shape). */
export interface ApiError {
  statusCode: number;
  error: string;
  message: string | string[];
}
