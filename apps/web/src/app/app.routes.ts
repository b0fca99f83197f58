import type { Routes } from '@angular/router';
import { authGuard, guestGuard } from '@parley/web/core';

export const appRoutes: Routes = [
  {
    path: 'login',
    title: 'Log in · Parley',
    canActivate: [guestGuard],
    loadComponent: () => import('@parley/web/auth').then((m) => m.LoginPage),
  },
  {
    path: '',
    pathMatch: 'full',
    title: 'Parley',
    canActivate: [authGuard],
    loadComponent: () => import('@parley/web/chat').then((m) => m.ChatPage),
  },
  {
    path: 'sessions',
    title: 'Sessions · Parley',
    canActivate: [authGuard],
    loadComponent: () => import('@parley/web/auth').then((m) => m.SessionsPage),
  },
  {
    path: 'account',
    title: 'Account · Parley',
    canActivate: [authGuard],
    loadComponent: () => import('@parley/web/auth').then((m) => m.ChangePasswordPage),
  },
  {
    path: 'recover',
    title: 'Recover your account · Parley',
    canActivate: [guestGuard],
    loadComponent: () => import('@parley/web/auth').then((m) => m.RecoverPage),
  },
  { path: '**', redirectTo: '' },
];
