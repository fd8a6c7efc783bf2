/** `npm run gen:api`: writes web/src/api/schema.d.ts from the node's OpenAPI document (openapi-types.ts). */
import { writeFileSync } from 'node:fs';
import { generateApiTypes } from './openapi-types.ts';

writeFileSync('web/src/api/schema.d.ts', await generateApiTypes());
console.log('wrote web/src/api/schema.d.ts');
