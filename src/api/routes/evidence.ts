/**
 * Evidence over HTTP (design §9, issue 5). For people: open a package on a case being executed, upload files
 * into it (the tus endpoints, for people and for nodes, are in ./evidence-uploads.ts), seal it, list and inspect
 * packages, download sealed files, open (decrypt) a received file, export a package for court, export package
 * keys.
 */
import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { NodeCore } from '../../core.ts';
import {
  exportPackage,
  exportPackageKeys,
  getPackage,
  listPackages,
  openEvidenceFile,
  sealedFile,
} from '../../evidence/access.ts';
import { createPackage } from '../../evidence/packages.ts';
import { sealPackage } from '../../evidence/seal-package.ts';
import { PackageViewSchema } from '../../evidence/view.ts';
import { ctxOf } from '../context.ts';
import { problemResponses } from '../schemas.ts';
import { registerEvidenceUploads } from './evidence-uploads.ts';

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const CaseId = z.object({ id: z.string().regex(ULID, 'a case id is a ULID') });
const PackageId = z.object({ pkg: z.string().regex(ULID, 'a package id is a ULID') });
const FileParams = PackageId.extend({ idx: z.coerce.number().int().min(0).max(99_999) });

export function evidenceRoutes(core: NodeCore): FastifyPluginAsyncZod {
  return async (app) => {
    await registerEvidenceUploads(app, core);

    app.post(
      '/api/v1/cases/:id/evidence',
      {
        schema: {
          tags: ['evidence'],
          summary: 'Open an evidence package on a case this node is executing',
          params: CaseId,
          response: { 201: PackageViewSchema, ...problemResponses },
        },
      },
      async (req, reply) => {
        const ctx = ctxOf(req);
        const pkg = await createPackage(core, ctx, req.params.id);
        reply.code(201).header('location', `/api/v1/evidence/${pkg.id}`);
        return getPackage(core, ctx, pkg.id);
      },
    );

    app.get(
      '/api/v1/cases/:id/evidence',
      {
        schema: {
          tags: ['evidence'],
          summary: 'The evidence packages of a case, with files and custody',
          params: CaseId,
          response: { 200: z.object({ items: z.array(PackageViewSchema) }), ...problemResponses },
        },
      },
      async (req) => ({ items: await listPackages(core, ctxOf(req), req.params.id) }),
    );

    app.post(
      '/api/v1/cases/:id/evidence/keys',
      {
        schema: {
          tags: ['evidence'],
          summary:
            'Export the package identities of a case in age format (administrators of the requesting node; logged)',
          params: CaseId,
          response: {
            200: z.object({
              caseId: z.string(),
              exportedAt: z.string(),
              exportedBy: z.string(),
              keys: z.array(z.object({ package: z.string(), recipient: z.string(), identity: z.string() })),
              unavailable: z.array(z.object({ package: z.string(), reason: z.string() })),
            }),
            ...problemResponses,
          },
        },
      },
      async (req) => exportPackageKeys(core, ctxOf(req), req.params.id),
    );

    app.get(
      '/api/v1/evidence/:pkg',
      {
        schema: {
          tags: ['evidence'],
          summary: 'One evidence package with its files and custody',
          params: PackageId,
          response: { 200: PackageViewSchema, ...problemResponses },
        },
      },
      async (req) => getPackage(core, ctxOf(req), req.params.pkg),
    );

    app.post(
      '/api/v1/evidence/:pkg/seal',
      {
        schema: {
          tags: ['evidence'],
          summary:
            'Seal a package: sign the manifest, record it in the ledger and send it to the requesting node',
          params: PackageId,
          body: z.object({ discardIncomplete: z.boolean().optional() }).strict().optional(),
          response: { 200: PackageViewSchema, ...problemResponses },
        },
      },
      async (req) => {
        const ctx = ctxOf(req);
        await sealPackage(core, ctx, req.params.pkg, {
          discardIncomplete: req.body?.discardIncomplete ?? false,
        });
        return getPackage(core, ctx, req.params.pkg);
      },
    );

    app.get(
      '/api/v1/evidence/:pkg/export',
      {
        schema: {
          tags: ['evidence'],
          summary: 'A package for court: signed manifest, trust list, ledger proofs and custody (logged)',
          params: PackageId,
        },
      },
      async (req) => exportPackage(core, ctxOf(req), req.params.pkg),
    );

    app.get(
      '/api/v1/evidence/:pkg/files/:idx/sealed',
      {
        schema: {
          tags: ['evidence'],
          summary: 'Download a sealed (age-encrypted) file',
          params: FileParams,
        },
      },
      async (req, reply) => {
        const f = await sealedFile(core, ctxOf(req), req.params.pkg, req.params.idx);
        return reply
          .type('application/octet-stream')
          .header('content-length', f.size)
          .header('content-disposition', attachment(f.name))
          .header('comity-sha256', f.sha256)
          .send(createReadStream(f.path));
      },
    );

    app.get(
      '/api/v1/evidence/:pkg/files/:idx/content',
      {
        schema: {
          tags: ['evidence'],
          summary: 'Open a received file: decrypted, checked against the manifest, logged in the ledger',
          params: FileParams,
        },
      },
      async (req, reply) => {
        const f = await openEvidenceFile(core, ctxOf(req), req.params.pkg, req.params.idx);
        reply.raw.once('close', () => void f.done());
        return reply
          .type(f.mediaType)
          .header('content-length', f.size)
          .header('content-disposition', attachment(f.name))
          .header('comity-sha256', f.sha256)
          .header('cache-control', 'no-store')
          .send(createReadStream(f.path));
      },
    );
  };
}

function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
