import { Body, Controller, HttpCode, Post, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type AuthUser, CurrentUser, ParleyThrottlerGuard } from '@parley/server/core';
import { ChangePasswordDto } from '@parley/shared/contracts';
import { AuthService } from './auth.service';
import { LoginBackoffInterceptor } from './backoff/login-backoff.interceptor';

@ApiTags('auth')
@ApiBearerAuth()
@UseGuards(ParleyThrottlerGuard)
@Controller('api/auth')
export class PasswordController {
  constructor(private readonly auth: AuthService) {}

  /** Changes the password (DESIGN §3: only the ABK is re-wrapped); ends every other session. */
  @Post('password')
  @HttpCode(200)
  @UseInterceptors(LoginBackoffInterceptor)
  changePassword(@CurrentUser() user: AuthUser, @Body() body: ChangePasswordDto) {
    return this.auth.changePassword(user.userId, user.sessionId, body);
  }
}
