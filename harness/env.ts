/**
 * Provenance recorded with every run: git commit (and whether the tree was dirty), machine,
 * Node version and the versions of the packages that do the numerics.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';

export interface Provenance {
  readonly gitCommit: string | null;
  readonly gitDirty: boolean;
  readonly machine: string;
  readonly nodeVersion: string;
  readonly versions: Record<string, string>;
}

let cached: Provenance | null = null;

const TRACKED = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'webgpu', 'piscina', 'sqlite3', 'kysely', 'ml-matrix'];

export function provenance(): Provenance {
  if (cached) return cached;
  let gitCommit: string | null = null;
  let gitDirty = false;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || null;
    gitDirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== '';
  } catch {
    gitCommit = null;
  }
  const require = createRequire(import.meta.url);
  const versions: Record<string, string> = {};
  let own = '0.0.0';
  try {
    own = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    /* keep default */
  }
  versions['l1bench'] = own;
  for (const name of TRACKED) {
    try {
      const pkgPath = require.resolve(`${name}/package.json`);
      versions[name] = (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
    } catch {
      /* not installed */
    }
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  cached = {
    gitCommit,
    gitDirty,
    machine: `${os.hostname()} (${os.platform()}-${os.arch()}, ${os.cpus().length}× ${cpu.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB)`,
    nodeVersion: process.version,
    versions,
  };
  return cached;
}
