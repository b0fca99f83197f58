import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { type AuthUser, CurrentUser } from '@parley/server/core';
import { AddDeviceDto, UserSearchQueryDto } from '@parley/shared/contracts';
import { UsersService } from './users.service';

@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  search(@Query() query: UserSearchQueryDto) {
    return this.users.search(query.search);
  }

  @Post('me/devices')
  addDevice(@CurrentUser() user: AuthUser, @Body() body: AddDeviceDto) {
    return this.users.addDevice(user.userId, { ...body.deviceCert });
  }

  @Get(':userId')
  profile(@Param('userId') userId: string) {
    return this.users.profile(userId);
  }
}
