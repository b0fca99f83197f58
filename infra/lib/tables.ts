import type { ServiceName } from './config';

type KeyType = 'S' | 'N';
interface Key {
  readonly name: string;
  readonly type: KeyType;
}

/** One DynamoDB table as the services' dynamoose schemas define it (DESIGN §2). */
export interface TableSpec {
  /** The name the code passes to `DynamoTables.define`; the physical name is `<prefix><name>`. */
  readonly name: string;
  /** The only service allowed to read or write it. */
  readonly owner: ServiceName;
  /** CloudFormation logical id: fixed here so a refactoring can never replace a table. */
  readonly logicalId: string;
  readonly partitionKey: Key;
  readonly sortKey?: Key;
  readonly globalIndexes?: readonly { readonly name: string; readonly partitionKey: Key; readonly sortKey?: Key }[];
  /** Local indexes exist only if the table is created with them: adding one later means a new table. */
  readonly localIndexes?: readonly { readonly name: string; readonly sortKey: Key }[];
  /** Epoch-seconds attribute DynamoDB expires items by (reads never rely on it having happened). */
  readonly ttlAttribute?: string;
}

const S = (name: string): Key => ({ name, type: 'S' });
const N = (name: string): Key => ({ name, type: 'N' });

/**
 * Every table of every service. `test/tables.test.ts` checks this list against the `define('<name>')` calls in
 * `libs/server/*`, so a table added in code without one here fails the build instead of the first deployment.
 */
export const TABLES: readonly TableSpec[] = [
  {
    name: 'users', owner: 'auth', logicalId: 'UsersTable', partitionKey: S('userId'),
    // Username prefix search: the first characters of the name partition it, the name sorts it.
    globalIndexes: [{ name: 'namePrefix-index', partitionKey: S('namePrefix'), sortKey: S('username') }],
  },
  { name: 'devices', owner: 'auth', logicalId: 'DevicesTable', partitionKey: S('userId'), sortKey: S('deviceId') },
  {
    name: 'sessions', owner: 'auth', logicalId: 'SessionsTable', partitionKey: S('sessionId'),
    globalIndexes: [{ name: 'userId-index', partitionKey: S('userId') }],
    ttlAttribute: 'ttl',
  },
  {
    name: 'backups', owner: 'auth', logicalId: 'BackupsTable', partitionKey: S('userId'), sortKey: S('entryKey'),
    localIndexes: [{ name: 'storedAt-index', sortKey: N('storedAt') }],
  },
  { name: 'rooms', owner: 'rooms', logicalId: 'RoomsTable', partitionKey: S('roomId') },
  {
    name: 'members', owner: 'rooms', logicalId: 'MembersTable', partitionKey: S('roomId'), sortKey: S('userId'),
    globalIndexes: [{ name: 'userId-index', partitionKey: S('userId'), sortKey: S('roomId') }],
  },
  { name: 'roomOps', owner: 'rooms', logicalId: 'RoomOpsTable', partitionKey: S('roomId'), sortKey: N('seq') },
  { name: 'epochs', owner: 'rooms', logicalId: 'EpochsTable', partitionKey: S('roomId'), sortKey: N('epoch') },
  {
    name: 'messages', owner: 'messaging-gateway', logicalId: 'MessagesTable', partitionKey: S('roomId'), sortKey: N('seq'),
    globalIndexes: [{ name: 'messageId-index', partitionKey: S('messageId') }],
  },
  { name: 'receipts', owner: 'messaging-gateway', logicalId: 'ReceiptsTable', partitionKey: S('roomId'), sortKey: S('userId') },
  { name: 'files', owner: 'files', logicalId: 'FilesTable', partitionKey: S('fileId'), ttlAttribute: 'expiresAt' },
];

export const tablesOf = (service: ServiceName): TableSpec[] => TABLES.filter((t) => t.owner === service);
