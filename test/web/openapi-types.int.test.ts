/**
 * The web UI's typed client (web/src/api/schema.d.ts) is generated from the node's OpenAPI document; if a
 * route or schema changes without `npm run gen:api`, the UI would compile against an API that no longer exists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiTypes } from '../../scripts/openapi-types.ts';

describe('the web client types', () => {
  it('match the OpenAPI document the node serves (run `npm run gen:api` if not)', async () => {
    const committed = readFileSync(new URL('../../web/src/api/schema.d.ts', import.meta.url), 'utf8');
    expect(await generateApiTypes()).toBe(committed);
  });
});
