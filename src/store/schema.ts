/**
 * The one Drizzle schema behind PGlite and PostgreSQL (design §11), one file of tables per area under ./tables.
 * Migrations in ./migrations are generated from it with `npm run db:generate` and run at start on either engine.
 */
export * from './tables/auth.ts';
export * from './tables/cases.ts';
export * from './tables/evidence.ts';
export * from './tables/exchange.ts';
export * from './tables/ledger.ts';
