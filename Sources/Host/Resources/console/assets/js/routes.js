/** The console's pages: path, module, who may see it, and its place in the navigation. */

export const ROUTES = [
  { path: '/dashboard', load: () => import('./pages/dashboard.js'), icon: 'dashboard', title: 'nav.dashboard', roles: ['admin', 'user'] },
  { path: '/providers', load: () => import('./pages/providers.js'), icon: 'server', title: 'nav.providers', roles: ['admin'] },
  { path: '/endpoints', load: () => import('./pages/endpoints.js'), icon: 'route', title: 'nav.endpoints', roles: ['admin'] },
  { path: '/keys', load: () => import('./pages/keys.js'), icon: 'key', title: 'nav.keys', roles: ['admin', 'user'] },
  { path: '/users', load: () => import('./pages/users.js'), icon: 'users', title: 'nav.users', roles: ['admin'] },
  { path: '/tester', load: () => import('./pages/tester.js'), icon: 'terminal', title: 'nav.tester', roles: ['admin', 'user'] },
  { path: '/logs', load: () => import('./pages/logs.js'), icon: 'list', title: 'nav.logs', roles: ['admin', 'user'] },
  { path: '/adapters', load: () => import('./pages/adapters.js'), icon: 'plug', title: 'nav.adapters', roles: ['admin'] },
  { path: '/profile', load: () => import('./pages/profile.js'), icon: 'user', title: 'nav.profile', roles: ['admin', 'user'] },
];

export function routeFor(path) {
  return ROUTES.find((route) => route.path === path);
}
