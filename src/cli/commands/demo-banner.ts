/** The text `comity demo` prints once the federation is up. */
import { join } from 'node:path';

export interface DemoInfo {
  nodes: { party: string; name: string; url: string; docs: string }[];
  /** Arcadia's accounts; the other nodes have the same ones under their own domain. */
  users: { email: string; title: string; roles: string[] }[];
  password: string;
  dir: string;
  /** Whether the demo cases were created at this start, at an earlier one, or not at all (--no-seed). */
  seeded: 'now' | 'earlier' | 'off';
}

const SEEDED = {
  now: 'created now: cases waiting for review, being executed, refused after consultation, and a draft',
  earlier: 'kept from an earlier start (delete the data folder for a fresh demo)',
  off: 'none created (--no-seed)',
};

export function bannerLines(d: DemoInfo): string[] {
  const arc = d.nodes[0]!;
  const width = Math.max(...d.users.map((u) => u.email.length));
  return [
    'Comity demo federation is running.',
    '',
    ...d.nodes.map((n) => `  ${n.party}  ${n.name.padEnd(9)} ${n.url}   API docs: ${n.docs}`),
    '',
    `Demo users (password ${JSON.stringify(d.password)}), on every node: @arc.example, @bor.example, @cal.example`,
    ...d.users.map((u) => `  ${u.email.padEnd(width)}  ${u.title}`),
    '',
    `Data:   ${join(d.dir, '<PARTY>')}/ (database and keys of ARC, BOR, CAL)`,
    `Logs:   ${join(d.dir, 'logs')}/ (ARC.log, BOR.log, CAL.log)`,
    `Cases:  ${SEEDED[d.seeded]}`,
    '',
    'Quick start:',
    `  npx comity login --url ${arc.url} --email ${d.users[0]!.email} --password ${JSON.stringify(d.password)}`,
    `  npx comity cases list --url ${arc.url}`,
    `  curl -s ${arc.url}/api/v1/health`,
    '',
    'These are demo accounts with a known password: never use them, or this federation, for real cases.',
    'Press Ctrl-C to stop.',
  ];
}
