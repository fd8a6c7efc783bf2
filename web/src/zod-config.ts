/**
 * Zod compiles fast parsers with `new Function` when it may; the Content-Security-Policy forbids eval, so the
 * probe would be reported as a violation on every page. Imported first by main.tsx, before any schema.
 */
import { z } from 'zod';

z.config({ jitless: true });
