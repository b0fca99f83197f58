import { Body, Controller, Delete, Get, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, ParleyThrottlerGuard } from '@parley/server/core';
import {
  AddDeviceDto, BackupKeysQueryDto, PostBackupKeysDto, PutBackupDto, RevokeDeviceDto, UpdateProfileDto, UserSearchQueryDto,
} from '@parley/shared/contracts';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(ParleyThrottlerGuard)
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Rate-limited per user and per IP (see auth-throttling.ts). */
  @Get()
  search(@Query() query: UserSearchQueryDto) {
    return this.users.search(query.search, query.after, query.limit);
  }

  @Get('profile')
  ownProfile(@CurrentUser() user: AuthUser) {
    return this.users.ownProfile(user.userId);
  }

  @Put('profile')
  updateProfile(@CurrentUser() user: AuthUser, @Body() body: UpdateProfileDto) {
    return this.users.updateProfile(user.userId, body);
  }

  @Get('me/devices')
  devices(@CurrentUser() user: AuthUser) {
    return this.users.devices(user.userId);
  }

  @Post('me/devices')
  addDevice(@CurrentUser() user: AuthUser, @Body() body: AddDeviceDto) {
    return this.users.addDevice(user.userId, { ...body.deviceCert });
  }

  /** The body carries the UIK-signed revocation certificate: only the account's identity key can revoke. */
  @Delete('me/devices/:deviceId')
  revokeDevice(@CurrentUser() user: AuthUser, @Param('deviceId') deviceId: string, @Body() body: RevokeDeviceDto) {
    return this.users.revokeDevice(user.userId, deviceId, { ...body.deviceCert });
  }

  @Get('me/backup')
  backup(@CurrentUser() user: AuthUser) {
    return this.users.backup(user.userId);
  }

  @Put('me/backup')
  putBackup(@CurrentUser() user: AuthUser, @Body() body: PutBackupDto) {
    return this.users.putBackup(user.userId, body);
  }

  @Get('me/backup/keys')
  backupKeys(@CurrentUser() user: AuthUser, @Query() query: BackupKeysQueryDto) {
    return this.users.backupKeysSince(user.userId, query.since);
  }

  @Post('me/backup/keys')
  addBackupKeys(@CurrentUser() user: AuthUser, @Body() body: PostBackupKeysDto) {
    return this.users.addBackupKeys(user.userId, body.entries.map((e) => ({ ...e })));
  }

  @Get(':userId')
  profile(@Param('userId') userId: string) {
    return this.users.profile(userId);
  }
}
