/**
 * The trust list (design §1): the file naming each party's node URL and public keys. A message is accepted
 * only when signed by a key listed here, and sent only to a party listed here.
 */
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type PublicJwk, publicKeyFromJwk } from '../crypto/keys.ts';

const JwkSchema = z.object({ kty: z.literal('OKP'), crv: z.enum(['Ed25519', 'X25519']), x: z.string() });

export const TrustListSchema = z.object({
  version: z.literal(1),
  parties: z.array(
    z.object({
      code: z.string().regex(/^[A-Z]{3}$/),
      name: z.string(),
      url: z.url(),
      keys: z.array(z.object({ kid: z.string(), use: z.enum(['sig', 'enc']), jwk: JwkSchema })).min(2),
    }),
  ),
});
export type TrustListFile = z.infer<typeof TrustListSchema>;

export interface TrustedParty {
  code: string;
  name: string;
  url: string;
  encryption: { kid: string; key: KeyObject };
  signing: { kid: string; key: KeyObject };
}

export class TrustList {
  private readonly byCode = new Map<string, TrustedParty>();
  private readonly signers = new Map<string, { party: string; key: KeyObject }>();

  constructor(readonly file: TrustListFile) {
    for (const p of file.parties) {
      const sig = p.keys.filter((k) => k.use === 'sig');
      const enc = p.keys.filter((k) => k.use === 'enc');
      if (sig.length === 0 || enc.length === 0)
        throw new Error(`trust list: ${p.code} needs a signing and an encryption key`);
      for (const k of sig)
        this.signers.set(k.kid, { party: p.code, key: publicKeyFromJwk(k.jwk as PublicJwk) });
      // The last listed encryption and signing keys are the current ones.
      const currentEnc = enc.at(-1)!;
      const currentSig = sig.at(-1)!;
      this.byCode.set(p.code, {
        code: p.code,
        name: p.name,
        url: p.url.replace(/\/$/, ''),
        encryption: { kid: currentEnc.kid, key: publicKeyFromJwk(currentEnc.jwk as PublicJwk) },
        signing: { kid: currentSig.kid, key: publicKeyFromJwk(currentSig.jwk as PublicJwk) },
      });
    }
  }

  static load(path: string): TrustList {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read the trust list ${path}: ${(e as Error).message}`);
    }
    const parsed = TrustListSchema.safeParse(raw);
    if (!parsed.success)
      throw new Error(
        `invalid trust list ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    return new TrustList(parsed.data);
  }

  party(code: string): TrustedParty | undefined {
    return this.byCode.get(code);
  }

  signer(kid: string): { party: string; key: KeyObject } | undefined {
    return this.signers.get(kid);
  }

  parties(): TrustedParty[] {
    return [...this.byCode.values()];
  }
}
