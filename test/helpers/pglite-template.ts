/**
 * A migrated, empty PGlite folder made once per set of migrations and copied into each test node's folder
 * before it starts, as PostgreSQL's `CREATE DATABASE … TEMPLATE` would. A fresh embedded database costs about
 * 4 s of CPU (initdb, then the migrations); a copy costs a tenth of a second. The node still opens the copy and
 * runs its migrations (finding none to apply), and the template itself is made the way a new node makes its
 * database, so nothing a node does at start goes untested.
 */
import { createHash } from 'node:crypto';
import { constants, cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/store/db.ts';

const migrations = fileURLToPath(new URL('../../src/store/migrations', import.meta.url));

/** Names the template after what shapes it: PGlite's version and every migration file's bytes. */
function templateKey(): string {
  const hash = createHash('sha256');
  const manifest = new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url);
  const pglite = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  hash.update(`pglite ${pglite.version}\n`);
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`);
      else hash.update(`${prefix}${entry.name}\n`).update(readFileSync(path));
    }
  };
  walk(migrations, '');
  return hash.digest('hex').slice(0, 16);
}

let template: Promise<string> | undefined;

/**
 * The template's folder, made on first use. Vitest's workers may race to make it: each builds its own under a
 * private name and renames it into place, and a worker that loses the race drops its copy and uses the winner's.
 */
function pgliteTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = join(tmpdir(), `comity-pglite-template-${templateKey()}`);
    if (existsSync(join(dir, 'PG_VERSION'))) return dir;
    const building = `${dir}.building-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      const db = await openDatabase({ dataDir: building });
      await db.close();
      renameSync(building, dir);
    } catch (e) {
      if (!existsSync(join(dir, 'PG_VERSION'))) throw e;
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
    return dir;
  })();
  return template;
}

/** Fills `target` (a node's `dataDir/db`, not yet made) with a copy of the migrated template. */
export async function copyPgliteTemplate(target: string): Promise<void> {
  cpSync(await pgliteTemplate(), target, { recursive: true, mode: constants.COPYFILE_FICLONE });
}
