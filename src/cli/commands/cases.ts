/** `comity cases …`: the case commands, one file each. */
import type { Command } from 'commander';
import { registerCasesCreate } from './cases-create.ts';
import { registerCasesList } from './cases-list.ts';
import { registerCasesShow } from './cases-show.ts';
import { registerCasesTransition } from './cases-transition.ts';
import { registerCasesPreflight } from './preflight.ts';

export function registerCases(program: Command): void {
  const cases = program.command('cases').description('list, show, create, move and pre-flight cases');
  registerCasesList(cases);
  registerCasesShow(cases);
  registerCasesCreate(cases);
  registerCasesTransition(cases);
  registerCasesPreflight(cases);
}
