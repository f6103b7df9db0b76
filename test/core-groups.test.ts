/**
 * Groups for the group-L1 penalty: they must partition the columns. Overlap, out-of-range
 * indices, empty groups and columns left in no group are rejected with one-line errors
 * (decision documented in problems/groups.ts: no unpenalized columns).
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contiguousGroups, readGroupsFile, validateGroups } from '../problems/groups.ts';
import { UserError } from '../problems/errors.ts';
import { makeProblem, groupLassoFamily } from '../problems/zoo.ts';
import { simulateGroupLasso } from '../problems/datasets/simulate.ts';

t.test('contiguous groups', async (t) => {
  t.same(contiguousGroups(6, 2).map((g) => Array.from(g)), [[0, 1], [2, 3], [4, 5]]);
  t.throws(() => contiguousGroups(7, 2), new UserError('--group-size 2 does not divide the 7 features; pick a divisor of 7 or pass --groups FILE'));
  t.throws(() => contiguousGroups(6, 0), /positive integer/);
});

t.test('validation: a partition of the columns, or a clear error', async (t) => {
  t.same(validateGroups([[2, 0], [1]], 3, 'g').map((g) => Array.from(g)), [[2, 0], [1]]);
  t.throws(() => validateGroups([[0, 1], [1, 2]], 3, 'g'), { message: 'g: column 1 is in group 0 and group 1; groups must not overlap' });
  t.throws(() => validateGroups([[0, 3]], 3, 'g'), { message: 'g: group 0 has index 3, out of range 0..2 for 3 features' });
  t.throws(() => validateGroups([[0, -1]], 3, 'g'), /out of range/);
  t.throws(() => validateGroups([[0], []], 3, 'g'), /group 1 must be a non-empty array/);
  t.throws(() => validateGroups([[0, 1.5]], 3, 'g'), /non-integer index 1.5/);
  t.throws(() => validateGroups([[0, 1]], 3, 'g'), { message: 'g: column(s) 2 are in no group; every column must be in exactly one group (put a column alone in its own group)' });
  t.throws(() => validateGroups({}, 3, 'g'), /non-empty JSON array/);
});

t.test('groups file: read, and its errors name the file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'l1bench-groups-'));
  const ok = join(dir, 'ok.json');
  writeFileSync(ok, '[[0,1],[2,3]]');
  t.same(readGroupsFile(ok, 4).map((g) => Array.from(g)), [[0, 1], [2, 3]]);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '[[0,1],[2,');
  t.throws(() => readGroupsFile(bad, 4), new RegExp(`groups file ${bad} is not valid JSON`));
  t.throws(() => readGroupsFile(join(dir, 'none.json'), 4), /cannot read groups file/);
  // a group lasso built from a file equals one built from the same contiguous groups
  const ds = simulateGroupLasso({ n: 30, p: 12, groupSize: 3, kGroups: 2, seed: 1 });
  const g3 = join(dir, 'g3.json');
  writeFileSync(g3, JSON.stringify([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11]]));
  const a = makeProblem(groupLassoFamily, ds, { kind: 'ratio', ratio: 0.3 }, { groupsFile: g3 });
  const b = makeProblem(groupLassoFamily, ds, { kind: 'ratio', ratio: 0.3 }, { groupSize: 3 });
  t.equal(a.instanceHash, b.instanceHash, 'same groups, same instance');
  t.equal(a.lambdaMax, b.lambdaMax);
  t.throws(() => makeProblem(groupLassoFamily, ds, { kind: 'ratio', ratio: 0.3 }, {}), /needs groups/);
});
