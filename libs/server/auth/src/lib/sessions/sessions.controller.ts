import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { type AuthUser, CurrentUser, Public } from '@parley/server/core';
import { LogoutDto, type RefreshResponse, type SessionInfo } from '@parley/shared/contracts';
import { UserRepository } from '../users/user.repository';
import { TokenIssuer } from '../tokens/token-issuer';
import { clearRefreshCookie, clientOf, readRefreshCookie, setRefreshCookie } from './refresh-cookie';
import { refreshRefused, SessionsService } from './sessions.service';

@ApiTags('sessions')
@ApiBearerAuth()
@Controller('api/auth')
export class SessionsController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokenIssuer,
    private readonly users: UserRepository,
  ) {}

  /** A new access token for the refresh cookie; the cookie rotates. Any failure clears it. */
  @Public()
  @ApiCookieAuth()
  @Post('refresh')
  @HttpCode(200)
  async refresh(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<RefreshResponse> {
    try {
      const refreshed = await this.sessions.refresh(readRefreshCookie(req), clientOf(req));
      const user = await this.users.findById(refreshed.userId);
      if (!user) throw refreshRefused('invalid', 'the account no longer exists');
      const summary = { userId: user.userId, username: user.username, displayName: user.displayName };
      const { accessToken, expiresIn } = await this.tokens.issue(summary, refreshed.sessionId);
      setRefreshCookie(res, refreshed);
      return { accessToken, expiresIn, user: summary };
    } catch (err) {
      if (err instanceof UnauthorizedException) clearRefreshCookie(res);
      throw err;
    }
  }

  /** Ends this session, or every session of the account with `{ all: true }`. */
  @Post('logout')
  @HttpCode(204)
  async logout(@CurrentUser() user: AuthUser, @Body() body: LogoutDto, @Res({ passthrough: true }) res: Response):
    Promise<void> {
    if (body.all) await this.sessions.revokeAll(user.userId, 'logout-all');
    else await this.sessions.revoke(user.userId, [user.sessionId], 'logout');
    clearRefreshCookie(res);
  }

  @Get('sessions')
  list(@CurrentUser() user: AuthUser): Promise<SessionInfo[]> {
    return this.sessions.list(user.userId, user.sessionId);
  }

  @Delete('sessions/:sessionId')
  @HttpCode(204)
  async revoke(@CurrentUser() user: AuthUser, @Param('sessionId') sessionId: string): Promise<void> {
    await this.sessions.revokeOwn(user.userId, sessionId);
  }
}
