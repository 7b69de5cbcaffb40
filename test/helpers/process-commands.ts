import { readFileSync } from 'node:fs';
import { processTree } from '../../src/shared/mcp/process-tree.js';

/** A process's command line (Linux /proc); '' once it is gone. */
export function commandLineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The processes under `pid` (itself included) whose command line matches. */
export function descendantsRunning(pid: number, matches: (command: string) => boolean): number[] {
  return processTree(pid).filter((each) => matches(commandLineOf(each)));
}
