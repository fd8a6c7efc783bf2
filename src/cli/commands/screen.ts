/**
 * `comity screen FILE`: runs the safeguards screen locally, without a node, on a screening bundle
 * (`{ request, context, expect?, policy? }`, test/fixtures/corpus) or on a plain interchange request screened
 * against the registry's profiles. The exit code says whether the file could be screened, never the verdict.
 */
import type { Command } from 'commander';
import { parseScreeningInput } from '../../domain/safeguards/bundle.ts';
import { screen } from '../../domain/safeguards/index.ts';
import { CliError } from '../errors.ts';
import { fileFields, readJsonFile } from '../files.ts';
import { emit } from '../output.ts';
import { expectationLines, screeningLines } from './render-screening.ts';

function screenFile(file: string): void {
  const parsed = parseScreeningInput(readJsonFile(file));
  if (!parsed.ok)
    throw new CliError(`${file} is not a valid screening bundle or request`, {
      fields: fileFields(parsed.issues),
    });
  const { verdict, findings } = screen(parsed.request, parsed.context);
  const expected = parsed.bundle?.expect;
  emit({ verdict, findings }, () => [
    ...screeningLines({ verdict, findings }),
    ...(expected ? expectationLines({ verdict, findings }, expected) : []),
  ]);
}

export function registerScreen(program: Command): void {
  program
    .command('screen')
    .description(
      'screen a request locally, without a node: a screening bundle ({ request, context, expect?, policy? }) ' +
        "or a plain request (then with the registry's profiles and the default policy)",
    )
    .argument('<file>', 'JSON file')
    .option('--json', 'print JSON instead of text')
    .action(screenFile);
}
