import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ParleyThrottlerGuard, Public } from '@parley/server/core';
import {
  type AuthResponse, LoginDto, PreloginDto, RecoveryFinishDto, RecoveryStartDto, RegisterDto,
} from '@parley/shared/contracts';
import { AuthService } from './auth.service';
import { LoginBackoffInterceptor } from './backoff/login-backoff.interceptor';
import { clientOf, setRefreshCookie } from './sessions/refresh-cookie';
import { TokenIssuer } from './tokens/token-issuer';

/**
 * Prelogin, login and register are rate-limited per IP and per username (see auth-throttling.ts); failed logins and
 * recoveries also back off exponentially (backoff/login-backoff.ts).
 */
@ApiTags('auth')
@Public()
@UseGuards(ParleyThrottlerGuard)
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly tokens: TokenIssuer,
  ) {}

  @Post('prelogin')
  @HttpCode(200)
  prelogin(@Body() body: PreloginDto) {
    return this.auth.prelogin(body.username);
  }

  @Post('register')
  async register(@Body() body: RegisterDto, @Req() req: Request, @Res({ passthrough: true }) res: Response):
    Promise<AuthResponse> {
    const { response, refresh } = await this.auth.register(body, clientOf(req));
    setRefreshCookie(res, refresh);
    return response;
  }

  @Post('login')
  @HttpCode(200)
  @UseInterceptors(LoginBackoffInterceptor)
  async login(@Body() body: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response):
    Promise<AuthResponse> {
    const { response, refresh } = await this.auth.login(body, clientOf(req));
    setRefreshCookie(res, refresh);
    return response;
  }

  /** Recovery with the recovery key (DESIGN §3), step 1: a challenge and the recovery-wrapped backup. */
  @Post('recovery/start')
  @HttpCode(200)
  recoveryStart(@Body() body: RecoveryStartDto) {
    return this.auth.recoveryStart(body.username);
  }

  /** Step 2: a new password, proven by the identity key's signature; every other session ends. */
  @Post('recovery/finish')
  @HttpCode(200)
  @UseInterceptors(LoginBackoffInterceptor)
  async recoveryFinish(@Body() body: RecoveryFinishDto, @Req() req: Request, @Res({ passthrough: true }) res: Response):
    Promise<AuthResponse> {
    const { response, refresh } = await this.auth.recoveryFinish(body, clientOf(req));
    setRefreshCookie(res, refresh);
    return response;
  }

  @Get('.well-known/jwks.json')
  jwks() {
    return this.tokens.jwks();
  }
}
