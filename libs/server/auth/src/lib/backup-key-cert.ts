import { BadRequestException } from '@nestjs/common';
import { type BackupKeyCert, verifyBackupKeyCert } from '@parley/shared/crypto';

/**
 * A backup key certificate must name the account and carry a valid signature of its identity key: otherwise other
 * devices would refuse it later, and a broken one is better refused now, with a reason. Returns only its fields.
 */
export async function checkBackupKeyCert(cert: BackupKeyCert, userId: string, uikPublicKey: string): Promise<BackupKeyCert> {
  if (cert.userId !== userId) throw new BadRequestException('backupKeyCert.userId must equal userId');
  const fields: BackupKeyCert = { v: cert.v, userId: cert.userId, publicKey: cert.publicKey, createdAt: cert.createdAt,
    uikSig: cert.uikSig };
  await verifyBackupKeyCert(fields, uikPublicKey).catch(() => {
    throw new BadRequestException('backupKeyCert is not signed by the identity key');
  });
  return fields;
}
