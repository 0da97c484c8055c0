export * from './auth.js';
export * from './principal.js';
export * from './route.js';
export * from './server.js';
export { incidentRoutes } from './routes/incidents.js';
export { adminRoutes } from './routes/admin.js';
export { createRateLimiter, rateLimitsFromConfig, type ApiRateLimits, type RateLimitPolicy } from './rate-limit.js';
export { createAuthGuard, type AuthGuard } from './guard.js';
export { jsonErrorHandler } from './errors.js';
