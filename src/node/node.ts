/**
 * Starts one node: database (migrated), keys, trust list, HTTP server and the two workers (outbox, screening).
 */
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { buildApp } from '../api/app.ts';
import { ledgerVerifierKey, witnessVerifierKey } from '../audit/checkpoints.ts';
import { checkpointAndWitness } from '../audit/cosignatures.ts';
import { appendLedgerAlone, initLedger, loadOrCreateCaseKey } from '../audit/ledger.ts';
import { monitorPeers } from '../audit/witness.ts';
import { screenReceived } from '../cases/screen-received.ts';
import { DEFAULT_SETTINGS, type NodeCore } from '../core.ts';
import { loadOrCreateNodeKeys, type NodeKeys } from '../crypto/keys.ts';
import { loadOrCreateSecretKey, secretBox } from '../crypto/secret-box.ts';
import type { TrustList } from '../crypto/trust-list.ts';
import { loadTrustListInForce } from '../crypto/trust-list-handovers.ts';
import { shredExpired } from '../evidence/access.ts';
import { pushEvidence } from '../evidence/transfer.ts';
import { drainOutbox } from '../exchange/outbox-worker.ts';
import { purgeRefusalBodies } from '../exchange/refusals.ts';
import { checkOwnEntry, followRecordedTrustList, takeTrustListAtStart } from '../exchange/trust-install.ts';
import { parseVerifierKey } from '../ledger/note.ts';
import { type Database, MEMORY_DATABASE, openDatabase } from '../store/db.ts';
import type { NodeConfig } from './config.ts';
import { lockDataDir } from './data-lock.ts';
import { startWorkerLoop, type WorkerLoop } from './worker-loop.ts';

export interface RunningNode {
  core: NodeCore;
  app: Awaited<ReturnType<typeof buildApp>>;
  url: string;
  database: Database;
  outbox: WorkerLoop;
  screening: WorkerLoop;
  checkpoints: WorkerLoop;
  witness: WorkerLoop;
  /** Pushes sealed evidence to requesting nodes. */
  transfer: WorkerLoop;
  /** Destroys package identities, and purges bodies of refused messages, whose retention has ended. */
  retention: WorkerLoop;
  /** Drops every open connection, as a crash would (tests of interrupted transfers); then call close. */
  severConnections(): void;
  close(): Promise<void>;
}

export function createLogger(config: Pick<NodeConfig, 'logLevel' | 'logFile' | 'party'>): Logger {
  const destination = config.logFile
    ? pino.destination({ dest: config.logFile, mkdir: true, sync: false })
    : undefined;
  return pino(
    {
      level: config.logLevel,
      base: { party: config.party },
      // Defence in depth: credentials never reach a log line even if someone logs a whole request.
      redact: {
        paths: [
          'req.headers.authorization',
          'password',
          '*.password',
          'token',
          '*.token',
          'headers.authorization',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/** Loads the keys of a node's data folder (creating them at first start). */
export function nodeKeys(dataDir: string, party: string): NodeKeys {
  return loadOrCreateNodeKeys(join(dataDir, 'keys'), party);
}

/** The ledger origin the trust list fixes for this node; a config that names another one is a mistake. */
function ownOrigin(config: NodeConfig, trust: TrustList): string {
  const origin = trust.party(config.party)!.ledger.origin;
  if (config.ledgerOrigin !== undefined && config.ledgerOrigin !== origin)
    throw new Error(
      `ledgerOrigin ${JSON.stringify(config.ledgerOrigin)} in the config is not the origin the trust list gives ${config.party} (${JSON.stringify(origin)}): set "origin" in its trust-list entry, or drop ledgerOrigin`,
    );
  return origin;
}

export async function startNode(config: NodeConfig, opts: { log?: Logger } = {}): Promise<RunningNode> {
  const log = opts.log ?? createLogger(config);
  if (!config.trustListSigner)
    throw new Error(
      'trustListSigner is required in the config: the public key of the administrator who signs the trust list (`comity trust keygen` makes one); without it any administrator account could install an unsigned list',
    );
  const keys = nodeKeys(config.dataDir, config.party);
  const { trust, signer: trustListSigner } = loadTrustListInForce(config.trustList, config.trustListSigner);
  checkOwnEntry(trust, keys, config.trustList);
  const origin = ownOrigin(config, trust);
  const inMemory = config.databaseUrl === MEMORY_DATABASE;
  if (inMemory)
    log.warn(
      'the database is kept in memory only (memory://): cases, accounts and the ledger are lost at stop',
    );
  const unlock = config.databaseUrl && !inMemory ? () => {} : lockDataDir(config.dataDir);
  let database: Database;
  try {
    database = await openDatabase(
      inMemory
        ? { memory: true }
        : config.databaseUrl
          ? { url: config.databaseUrl }
          : { dataDir: join(config.dataDir, 'db') },
      (e) =>
        log.warn({ err: e.message }, 'a database connection broke while idle; the next query opens another'),
    );
  } catch (e) {
    unlock();
    throw e;
  }
  const settings = { ...DEFAULT_SETTINGS, ...config.settings };
  const loops: {
    outbox?: WorkerLoop;
    screening?: WorkerLoop;
    checkpoints?: WorkerLoop;
    witness?: WorkerLoop;
    transfer?: WorkerLoop;
    retention?: WorkerLoop;
    trust?: WorkerLoop;
  } = {};
  // Stopping the node aborts a transfer in flight; the next start resumes it from the receiver's offset.
  const transfers = new AbortController();
  const core: NodeCore = {
    party: config.party,
    db: database.db,
    keys,
    secrets: secretBox(loadOrCreateSecretKey(join(config.dataDir, 'keys'))),
    trust,
    trustSource: {
      path: config.trustList,
      ...(trustListSigner ? { signer: trustListSigner } : {}),
    },
    log,
    settings,
    ledger: { origin, caseKey: loadOrCreateCaseKey(join(config.dataDir, 'keys')) },
    witnessing: {
      quorum: config.witnesses?.quorum ?? 1,
      external: (config.witnesses?.external ?? []).map((w) => {
        const key = parseVerifierKey(w.key);
        return { name: key.name, url: w.url, publicKey: key.publicKey };
      }),
    },
    now: () => new Date(),
    wakeOutbox: () => loops.outbox?.wake(),
    wakeScreening: () => loops.screening?.wake(),
    wakeTransfer: () => loops.transfer?.wake(),
    evidenceDir: join(config.dataDir, 'evidence'),
  };
  await initLedger(core.db);
  // The trust list in force is a ledger record; a changed one at start is recorded with what changed, and a file
  // behind the ledger catches up from the lists the database keeps.
  await takeTrustListAtStart(core).catch(async (e) => {
    await database.close();
    unlock();
    throw e;
  });
  // Key changes are ledger events: every start records the keys the node signs and decrypts with.
  await appendLedgerAlone(core, {
    type: 'node-started',
    party: core.party,
    record: {
      signingKey: keys.signing.kid,
      encryptionKey: keys.encryption.kid,
      ledgerKey: ledgerVerifierKey(core),
      witnessKey: witnessVerifierKey(core),
      engine: database.engine,
    },
  });
  const app = await buildApp(core, config.trustProxy ? { trustProxy: config.trustProxy } : {});
  try {
    await app.listen({ host: config.listen.host, port: config.listen.port });
  } catch (e) {
    await app.close();
    await database.close();
    unlock();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.listen.port;
  const url = `http://${config.listen.host}:${port}`;
  loops.outbox = startWorkerLoop('outbox', () => drainOutbox(core), settings.pollIntervalMs, log);
  loops.screening = startWorkerLoop('screening', () => screenReceived(core), settings.pollIntervalMs, log);
  loops.checkpoints = startWorkerLoop(
    'checkpoints',
    () => checkpointAndWitness(core),
    settings.checkpointIntervalMs,
    log,
  );
  loops.witness = startWorkerLoop('witness', () => monitorPeers(core), settings.witnessIntervalMs, log);
  loops.transfer = startWorkerLoop(
    'transfer',
    () => pushEvidence(core, transfers.signal),
    settings.pollIntervalMs,
    log,
  );
  loops.retention = startWorkerLoop(
    'retention',
    async () => {
      await shredExpired(core);
      await purgeRefusalBodies(core);
    },
    settings.retentionIntervalMs,
    log,
  );
  // Another process of this node (one PostgreSQL database) may install a trust list: follow the ledger.
  // Every fifth poll: a list installed elsewhere is in force here within seconds, at a fifth of the queries.
  loops.trust = startWorkerLoop(
    'trust',
    () => followRecordedTrustList(core),
    settings.pollIntervalMs * 5,
    log,
  );
  loops.outbox.wake();
  loops.transfer.wake();
  loops.retention.wake();
  loops.screening.wake();
  loops.checkpoints.wake();
  log.info({ url, engine: database.engine }, 'node started');
  const {
    outbox,
    screening,
    checkpoints,
    witness,
    transfer,
    retention,
    trust: trustLoop,
  } = loops as Required<typeof loops>;
  return {
    core,
    app,
    url,
    database,
    outbox,
    screening,
    checkpoints,
    witness,
    transfer,
    retention,
    severConnections() {
      transfers.abort();
      app.server.closeAllConnections();
    },
    async close() {
      transfers.abort();
      await transfer.stop();
      await retention.stop();
      await witness.stop();
      await outbox.stop();
      await screening.stop();
      await checkpoints.stop();
      await trustLoop.stop();
      await app.close();
      await database.close();
      unlock();
      log.flush?.();
    },
  };
}
