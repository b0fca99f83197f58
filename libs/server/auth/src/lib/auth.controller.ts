import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Public } from '@parley/server/core';
import { LoginDto, PreloginDto, RegisterDto } from '@parley/shared/contracts';
import { AuthService } from './auth.service';
import { TokenIssuer } from './tokens/token-issuer';

@Public()
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
  register(@Body() body: RegisterDto) {
    return this.auth.register(body);
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto) {
    return this.auth.login(body);
  }

  @Get('.well-known/jwks.json')
  jwks() {
    return this.tokens.jwks();
  }
}
