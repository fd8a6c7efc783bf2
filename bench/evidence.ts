/**
 * bench/evidence (issue 5): sealing throughput (MB/s) and peak resident memory for large files,
 * against `sha256sum` and `age -r` (Go, Debian) on the same file in the same run; Comity's rate is printed as a
 * ratio of the slower of the two (target: at least 0.7). Each seal runs in a child process so that its peak
 * RSS (VmHWM) is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EvidenceResult {
  sizeMB: number;
  sealMBps: number;
  peakRssMB: number;
  /** Resident memory of the child before it started sealing (Node, the TypeScript loader, the modules). */
  baseRssMB: number;
  sha256sumMBps: number | null;
  ageMBps: number | null;
  ratio: number | null;
}

function makeFile(path: string, bytes: number): void {
  const fd = openSync(path, 'w');
  const chunk = randomBytes(8 * 1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.length)
    writeSync(fd, chunk, 0, Math.min(chunk.length, bytes - written));
  closeSync(fd);
}

function timeCommand(cmd: string, args: string[]): number | null {
  const start = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'ignore'] });
  return r.status === 0 ? (performance.now() - start) / 1000 : null;
}

const CHILD = `
import { newPackageIdentity, sealFile } from '../src/evidence/seal.ts';
import { readFileSync } from 'node:fs';
const [input, output] = process.argv.slice(2);
const hwmKB = () => Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
const baseKB = hwmKB();
const { recipient } = await newPackageIdentity();
const start = performance.now();
await sealFile({ input, output, recipient });
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, peakKB: hwmKB(), baseKB, recipient }));
`;

export function benchEvidence(sizesMB: number[]): EvidenceResult[] {
  const dir = mkdtempSync(join(tmpdir(), 'comity-bench-evidence-'));
  const results: EvidenceResult[] = [];
  try {
    const script = join(process.cwd(), 'bench', '.seal-child.ts');
    execFileSync('sh', ['-c', `cat > ${script}`], { input: CHILD });
    for (const mb of sizesMB) {
      const input = join(dir, `plain-${mb}`);
      makeFile(input, mb * 1024 * 1024);
      const out = execFileSync(process.execPath, ['bin/run-ts.mjs', script, input, `${input}.age`], {
        encoding: 'utf8',
      });
      const seal = JSON.parse(out.trim().split('\n').at(-1)!) as {
        seconds: number;
        peakKB: number;
        baseKB: number;
        recipient: string;
      };
      rmSync(`${input}.age`, { force: true });
      const sha = timeCommand('sha256sum', [input]);
      const age = timeCommand('age', ['-r', seal.recipient, '-o', `${input}.go.age`, input]);
      rmSync(`${input}.go.age`, { force: true });
      const slower = Math.max(sha ?? 0, age ?? 0);
      results.push({
        sizeMB: mb,
        sealMBps: mb / seal.seconds,
        peakRssMB: seal.peakKB / 1024,
        baseRssMB: seal.baseKB / 1024,
        sha256sumMBps: sha ? mb / sha : null,
        ageMBps: age ? mb / age : null,
        ratio: slower > 0 ? mb / seal.seconds / (mb / slower) : null,
      });
      rmSync(input, { force: true });
    }
    rmSync(script, { force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
