import { readFileSync } from 'node:fs';

/** The `request` of a corpus bundle in test/fixtures/corpus. */
export function corpusRequest(name: string): Record<string, any> {
  const bundle = JSON.parse(readFileSync(new URL(`../fixtures/corpus/${name}`, import.meta.url), 'utf8'));
  return structuredClone(bundle.request);
}
