import { execFileSync } from 'node:child_process';

/** Whether the reference `age` command is installed (Debian package `age`; .ci/run installs it). */
export const hasAge = (() => {
  try {
    execFileSync('age', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
