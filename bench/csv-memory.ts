/**
 * Peak memory of loading and solving a large CSV (issue 15: a 1 GB CSV must solve, or be
 * refused with the size-limit message, with peak RSS ≤ 3× the dense matrix).
 *
 *   node --import tsx bench/csv-memory.ts write FILE MB P   # writes about MB megabytes: P features + y
 *   /usr/bin/time -v node bin/l1bench.js solve --problem lasso --data FILE --lambda-ratio 0.1 --solver cd --no-db
 *
 * and compare "Maximum resident set size" with 8·n·p bytes (n, p printed by solve).
 */
import { openSync, writeSync, closeSync } from 'node:fs';

function write(path: string, mb: number, p: number): void {
  const fd = openSync(path, 'w');
  let seed = 12345;
  const rnd = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  writeSync(fd, Array.from({ length: p }, (_, j) => `x${j}`).join(',') + ',y\n');
  let bytes = 0;
  let n = 0;
  while (bytes < mb * 1e6) {
    const lines: string[] = [];
    for (let r = 0; r < 10000; r++) {
      const row: string[] = [];
      let y = 0;
      for (let j = 0; j < p; j++) {
        const v = rnd() * 2 - 1;
        if (j < 5) y += (j + 1) * v;
        row.push(v.toFixed(5));
      }
      row.push((y + 0.1 * (rnd() - 0.5)).toFixed(5));
      lines.push(row.join(','));
    }
    const chunk = lines.join('\n') + '\n';
    writeSync(fd, chunk);
    bytes += chunk.length;
    n += 10000;
  }
  closeSync(fd);
  process.stdout.write(`wrote ${path}: ${n} rows × ${p} features, ${(bytes / 1e6).toFixed(0)} MB; dense X = ${((8 * n * p) / 1e6).toFixed(0)} MB\n`);
}

const [cmd, path, mb, p] = process.argv.slice(2);
if (cmd === 'write' && path && mb && p) write(path, Number(mb), Number(p));
else process.stderr.write('usage: bench/csv-memory.ts write FILE MB P\n');
