/**
 * Evidence files over tus 1.0 (design §9, issue 5): people upload files into an open package, resumably, each
 * sealed as it completes; nodes push the sealed files of an accepted manifest to the requesting node,
 * authenticated by a node token. Registered by the evidence routes (./evidence.ts), first, in one context.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server as TusServer } from '@tus/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { NodeRequest } from 'srvx/node';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { NodeCore } from '../../core.ts';
import { verifyNodeAuthorization } from '../../crypto/node-token.ts';
import type { RequestContext } from '../../domain/actor.ts';
import { AppError, type ErrorCode, problemOf } from '../../domain/errors.ts';
import { quoteUntrusted } from '../../domain/untrusted.ts';
import { evidencePaths } from '../../evidence/packages.ts';
import {
  finishInboundFile,
  inboundFile,
  inboundFileFor,
  inboundUploadId,
  parseInboundUploadId,
} from '../../evidence/receive.ts';
import { INBOUND_UPLOADS_PATH } from '../../evidence/transfer.ts';
import { cancelUpload, finishUpload, registerUpload, uploadFor } from '../../evidence/uploads.ts';
import { ctxOf } from '../context.ts';

type FastifyZod = Parameters<FastifyPluginAsyncZod>[0];

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const USER_UPLOADS_PATH = '/api/v1/evidence/uploads';
/** The largest file one upload may bring. */
const MAX_UPLOAD_BYTES = 64 * 1024 ** 4;

/**
 * tus's FileStore starts an asynchronous mkdir from its constructor and throws its failure from a callback,
 * where nothing can catch it (a node stopped while that call is pending would crash the process). This store
 * skips that call; the folder is made synchronously before the store exists.
 */
class EvidenceFileStore extends FileStore {}
Object.defineProperty(EvidenceFileStore.prototype, 'checkOrCreateDirectory', { value: () => {} });

function fileStore(directory: string): FileStore {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  return new EvidenceFileStore({ directory });
}

/** Who is behind a raw request that tus handles: a signed-in user, or a peer node. */
const usersOf = new WeakMap<IncomingMessage, RequestContext>();
const peersOf = new WeakMap<IncomingMessage, string>();
/** The upload a request to `…/uploads/:uploadId` may act on: the one its route authorised. */
const uploadIdsOf = new WeakMap<IncomingMessage, string>();

function rawOf(req: unknown): IncomingMessage {
  const raw = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
  if (!raw) throw { status_code: 500, body: 'no request' };
  return raw;
}

/**
 * Binds a request to the upload its route authorised, for tus to act on (`getFileIdFromRequest`). Left to
 * itself, tus takes the id from the last `/` segment of the whole URL, query string included, so that
 * `PATCH …/uploads/<own>?x=/<other>` would write to another upload: a URL that is not exactly the upload's
 * path is refused.
 */
function bindUpload(req: FastifyRequest, base: string, uploadId: string): void {
  if (req.url !== `${base}/${uploadId}`)
    throw new AppError(
      'bad-request',
      `An upload's URL is ${base}/<upload id>, with nothing after the id: not ${quoteUntrusted(req.url, 200)}.`,
    );
  uploadIdsOf.set(req.raw, uploadId);
}

/** tus's `getFileIdFromRequest`: never the URL's, only the id bound by `bindUpload` (none: not found). */
const boundUploadId = (req: Request) => uploadIdsOf.get(rawOf(req));

/** tus hooks throw `{ status_code, body }`; the body is problem+json like every other error here. */
function asTusError(core: NodeCore, e: unknown): { status_code: number; body: string } {
  const err =
    e instanceof AppError
      ? e
      : new AppError('internal', 'Something went wrong on this node. The error has been logged.');
  if (!(e instanceof AppError)) core.log.error({ err: e }, 'evidence upload failed');
  return { status_code: err.status, body: JSON.stringify(problemOf(err)) };
}

/**
 * Lets @tus/server handle a request and relays its response. `beforeReply` runs once tus has
 * answered but before the client hears it, so that what the client is told is already recorded.
 */
async function serveTus(
  tus: TusServer,
  req: FastifyRequest,
  reply: FastifyReply,
  beforeReply?: (status: number) => Promise<void>,
) {
  const response = await tus.handleWeb(
    new NodeRequest({ req: req.raw, res: reply.raw }) as unknown as Request,
  );
  await beforeReply?.(response.status);
  const body = Buffer.from(await response.arrayBuffer());
  if (response.status >= 400 && body[0] !== 0x7b) {
    // tus's own refusals are plain text, and an extension it does not implement is a 501: to the client both
    // are a request this node cannot take, said as problem+json like every other error.
    const code = TUS_ERRORS[response.status] ?? 'bad-request';
    const detail = body.toString('utf8').trim() || `The upload request was refused (${response.status}).`;
    const problem = problemOf(new AppError(code, detail), req.url.split('?')[0]);
    reply.code(problem.status);
    for (const name of ['tus-resumable', 'upload-offset', 'upload-length'])
      if (response.headers.has(name)) reply.header(name, response.headers.get(name)!);
    return reply.type('application/problem+json').send(req.method === 'HEAD' ? undefined : problem);
  }
  reply.code(response.status);
  response.headers.forEach((value, key) => {
    reply.header(key, value);
  });
  if (response.status >= 400) reply.type('application/problem+json');
  return reply.send(body.length ? body : undefined);
}

/** tus statuses and the problem each becomes (anything else: a bad request). */
const TUS_ERRORS: Record<number, ErrorCode> = {
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  410: 'gone',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
};

/** Removes what FileStore keeps of an upload besides the data (its `.json` record). */
function forgetUpload(path: string): void {
  rmSync(`${path}.json`, { force: true });
}

/** The tus endpoints, for people and for nodes, registered on the evidence routes' Fastify instance. */
export async function registerEvidenceUploads(app: FastifyZod, core: NodeCore): Promise<void> {
  const paths = evidencePaths(core);

  const userUploads = new TusServer({
    path: USER_UPLOADS_PATH,
    datastore: fileStore(paths.uploads),
    relativeLocation: true,
    maxSize: MAX_UPLOAD_BYTES,
    getFileIdFromRequest: boundUploadId,
    namingFunction: () => ulid(),
    async onUploadCreate(req, upload) {
      try {
        const ctx = usersOf.get(rawOf(req));
        if (!ctx) throw new AppError('unauthenticated', 'Sign in first.');
        await registerUpload(core, ctx, upload.id, upload.size, upload.metadata);
        return {};
      } catch (e) {
        throw asTusError(core, e);
      }
    },
    async onUploadFinish(req, upload) {
      const path = upload.storage?.path ?? `${paths.uploads}/${upload.id}`;
      try {
        const ctx = usersOf.get(rawOf(req));
        if (!ctx) throw new AppError('unauthenticated', 'Sign in first.');
        await finishUpload(core, ctx, upload.id, path);
        return {};
      } catch (e) {
        throw asTusError(core, e);
      } finally {
        forgetUpload(path);
      }
    },
  });

  const inbound = new TusServer({
    path: INBOUND_UPLOADS_PATH,
    datastore: fileStore(paths.inbound),
    relativeLocation: true,
    maxSize: MAX_UPLOAD_BYTES,
    getFileIdFromRequest: boundUploadId,
    namingFunction: (_req, metadata) => {
      const idx = Number(metadata?.file);
      const id = inboundUploadId(String(metadata?.package ?? ''), idx);
      if (!parseInboundUploadId(id))
        throw {
          status_code: 400,
          body: JSON.stringify(
            problemOf(new AppError('bad-request', 'Name the package and file in the upload metadata.')),
          ),
        };
      return id;
    },
    async onUploadCreate(req, upload) {
      try {
        const from = peersOf.get(rawOf(req))!;
        const { packageId, idx } = parseInboundUploadId(upload.id)!;
        const { cipherSize } = await inboundFileFor(core, from, packageId, idx);
        if (upload.size !== cipherSize)
          throw new AppError(
            'bad-request',
            `File ${idx} of package ${packageId} has ${cipherSize} bytes in the manifest, not ${upload.size ?? 'an unknown number'}.`,
          );
        return {};
      } catch (e) {
        throw asTusError(core, e);
      }
    },
    async onUploadFinish(req, upload) {
      const path = upload.storage?.path ?? `${paths.inbound}/${upload.id}`;
      try {
        const from = peersOf.get(rawOf(req))!;
        const { packageId, idx } = parseInboundUploadId(upload.id)!;
        await finishInboundFile(core, from, packageId, idx, path);
        return {};
      } catch (e) {
        throw asTusError(core, e);
      } finally {
        forgetUpload(path);
      }
    },
  });

  // tus bodies stream straight to disk: Fastify must not read them.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));

  const uploadDoc = {
    tags: ['evidence'],
    description:
      'tus 1.0 resumable upload (https://tus.io). Create with POST and Upload-Metadata: package, filename, sha256 (of the file as collected), mediaType, collectedBy, collectedAt; then PATCH from the offset HEAD reports. A file whose bytes do not match the declared SHA-256 is refused (422).',
  };
  app.route({
    method: ['POST', 'OPTIONS'],
    url: USER_UPLOADS_PATH,
    schema: { ...uploadDoc, summary: 'Start a resumable upload of a file into an open evidence package' },
    handler: async (req, reply) => {
      usersOf.set(req.raw, ctxOf(req));
      return serveTus(userUploads, req, reply);
    },
  });
  app.route({
    method: ['HEAD', 'PATCH', 'DELETE'],
    url: `${USER_UPLOADS_PATH}/:uploadId`,
    schema: {
      ...uploadDoc,
      summary: 'Resume (PATCH), ask the offset of (HEAD) or cancel (DELETE) an upload',
      params: z.object({ uploadId: z.string().regex(ULID, 'an upload id') }),
    },
    handler: async (req, reply) => {
      const ctx = ctxOf(req);
      const uploadId = (req.params as { uploadId: string }).uploadId;
      bindUpload(req, USER_UPLOADS_PATH, uploadId);
      const file = await uploadFor(core, ctx, uploadId);
      if (file.status !== 'uploading')
        throw new AppError('conflict', `This upload is finished: the file is ${file.status}.`);
      usersOf.set(req.raw, ctx);
      return serveTus(userUploads, req, reply, async (status) => {
        if (req.method === 'DELETE' && status === 204) await cancelUpload(core, ctx, uploadId);
      });
    },
  });

  const peerOf = async (req: FastifyRequest) =>
    (
      await verifyNodeAuthorization(req.headers.authorization, {
        self: core.party,
        trust: core.trust,
        now: core.now(),
        skewSeconds: core.settings.clockSkewSeconds,
      }).catch((e: Error) => {
        throw new AppError('unauthenticated', e.message);
      })
    ).iss;
  const inboundDoc = {
    tags: ['exchange'],
    security: [],
    description:
      'tus 1.0 endpoint where the producing node pushes the sealed files of a package whose signed manifest this node has accepted. Authorization: Comity-Node <JWS signed with a key in the trust list>.',
  };
  app.route({
    method: 'POST',
    url: INBOUND_UPLOADS_PATH,
    config: { public: true },
    schema: { ...inboundDoc, summary: 'Start receiving a sealed evidence file from the producing node' },
    handler: async (req, reply) => {
      peersOf.set(req.raw, await peerOf(req));
      return serveTus(inbound, req, reply);
    },
  });
  app.route({
    method: ['HEAD', 'PATCH'],
    url: `${INBOUND_UPLOADS_PATH}/:uploadId`,
    config: { public: true },
    schema: {
      ...inboundDoc,
      summary: 'Resume receiving a sealed evidence file',
      params: z.object({ uploadId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}\.\d{1,5}$/) }),
    },
    handler: async (req, reply) => {
      const from = await peerOf(req);
      const uploadId = (req.params as { uploadId: string }).uploadId;
      bindUpload(req, INBOUND_UPLOADS_PATH, uploadId);
      const { packageId, idx } = parseInboundUploadId(uploadId)!;
      const { file } = await inboundFile(core, from, packageId, idx);
      if (file.status === 'received')
        // Already received (the answer to the last byte was lost): say so in tus terms, so the sender stops.
        return reply
          .code(req.method === 'HEAD' ? 200 : 204)
          .header('tus-resumable', '1.0.0')
          .header('upload-offset', String(file.cipherSize))
          .header('upload-length', String(file.cipherSize))
          .header('cache-control', 'no-store')
          .send();
      peersOf.set(req.raw, from);
      return serveTus(inbound, req, reply);
    },
  });
}
