/**
 * Opens the node's database: embedded PGlite in a folder by default, PostgreSQL when a URL is given
 * (design §11). The same migrations run at start on either engine.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import * as schema from './schema.ts';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Database {
  db: Db;
  engine: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export type DatabaseOptions = { dataDir: string } | { url: string } | { memory: true };

/** The `databaseUrl` of an embedded database kept in memory only (nothing survives a stop). */
export const MEMORY_DATABASE = 'memory://';

/**
 * Opens and migrates the database. `onIdleError` hears of a pooled PostgreSQL connection that broke while idle
 * (the server restarted, an administrator ended it): the pool drops it and opens another at the next query,
 * and without a listener the error would end the process.
 */
export async function openDatabase(
  options: DatabaseOptions,
  onIdleError: (e: Error) => void = (e) =>
    process.emitWarning(`database connection lost while idle: ${e.message}`),
): Promise<Database> {
  if ('url' in options) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    pool.on('error', onIdleError);
    const db = drizzlePg(pool, { schema });
    await migratePg(db, { migrationsFolder });
    return { db: db as unknown as Db, engine: 'postgres', close: () => pool.end() };
  }
  let client: PGlite;
  if ('dataDir' in options) {
    mkdirSync(options.dataDir, { recursive: true });
    client = new PGlite(options.dataDir);
  } else {
    client = new PGlite();
  }
  const db = drizzlePglite(client, { schema });
  await migratePglite(db, { migrationsFolder });
  return { db: db as unknown as Db, engine: 'pglite', close: () => client.close() };
}
