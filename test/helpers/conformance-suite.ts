import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './gateway-process.js';

/**
 * The suite's versions, pinned (scenarios and check details change between versions): 0.1.16 checks the
 * 2025-11-25 revision, 0.2.0-alpha.12 the 2026-07-28 one (`--requirements 2026-07-28`).
 */
export const CONFORMANCE_2025 = '0.1.16';
export const CONFORMANCE_2026 = '0.2.0-alpha.12';

/**
 * Installs a version of the conformance suite into a cache folder of its own, not as a devDependency: it
 * pins an MCP SDK of its own, which must not take the place of the gateway's. Returns the path of its CLI.
 */
export function ensureConformanceSuite(version: string): string {
  const SUITE = `@modelcontextprotocol/conformance@${version}`;
  const PREFIX = join(ROOT, `node_modules/.cache/toolgate-conformance-${version}`);
  const cli = join(PREFIX, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
  if (!existsSync(cli)) {
    mkdirSync(PREFIX, { recursive: true });
    writeFileSync(join(PREFIX, 'package.json'), '{ "private": true }\n');
    try {
      execFileSync('npm', ['install', '--prefix', PREFIX, '--no-audit', '--no-fund', '--no-package-lock', SUITE], {
        stdio: 'pipe',
        timeout: 170_000,
      });
    } catch (error) {
      throw new Error(`could not install ${SUITE} from the npm registry into ${PREFIX}`, {
        cause: error,
      });
    }
  }
  return cli;
}
