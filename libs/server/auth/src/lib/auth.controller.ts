import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ParleyThrottlerGuard, Public } from '@parley/server/core';
import { type AuthResponse, LoginDto, PreloginDto, RegisterDto } from '@parley/shared/contracts';
import { AuthService } from './auth.service';
import { clientOf, setRefreshCookie } from './sessions/refresh-cookie';
import { TokenIssuer } from './tokens/token-issuer';

/** Prelogin, login and register are rate-limited per IP and per username (see auth-throttling.ts). */
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
  async login(@Body() body: LoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response):
    Promise<AuthResponse> {
    const { response, refresh } = await this.auth.login(body, clientOf(req));
    setRefreshCookie(res, refresh);
    return response;
  }

  @Get('.well-known/jwks.json')
  jwks() {
    return this.tokens.jwks();
  }
}
