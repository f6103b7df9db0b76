export async function runJob(t: { x: number }): Promise<number> {
  const { findSolver } = await import('../../harness/params.ts').then(() => ({ findSolver: 1 }));
  return t.x * 2 + findSolver;
}
