#!/usr/bin/env node
// Entry point: TypeScript sources run through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../harness/cli.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
