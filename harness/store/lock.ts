/**
 * One writer per results database, enforced across processes.
 *
 * The lock is a small SQLite file next to the database, `<db>.lock`, opened in
 * `locking_mode = EXCLUSIVE` and written once: SQLite then holds an exclusive POSIX lock on it
 * until the connection closes — or the process dies, when the operating system drops the lock
 * itself, so a crashed or killed writer never leaves a stale lock to clean up: the next writer
 * simply takes it. The holder writes its pid into the lock file's header (`PRAGMA user_version`,
 * bytes 60–63, big-endian), which a waiting process reads with a plain file read (SQLite's locks
 * are on bytes past 1 GiB, not on the header), to name the holder in its message.
 *
 * A second writer retries until `waitSeconds` have passed, then fails with a UserError
 * (exit 2) naming the holder's pid. The lock file is left in place (as SQLite leaves -wal/-shm).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import sqlite3 from 'sqlite3';
import { UserError } from '../../problems/errors.ts';

/** A held writer lock. */
export interface WriterLock {
  readonly path: string;
  release(): Promise<void>;
}

/** How long a writer waits for another process's lock by default (seconds). */
export const DEFAULT_LOCK_WAIT_SECONDS = 10;

/** Path of the lock file of a database. */
export function lockPath(dbPath: string): string {
  return `${dbPath}.lock`;
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));
}

function close(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve) => db.close(() => resolve()));
}

/** The pid recorded in a lock file's header, or null if unreadable. */
export function lockHolderPid(path: string): number | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = Buffer.alloc(4);
    if (readSync(fd, b, 0, 4, 60) !== 4) return null;
    const pid = b.readUInt32BE(0);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Whether a process with this pid exists on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the writer lock of `dbPath` (see the module comment), waiting up to `waitSeconds`.
 * Throws a UserError if another process holds it, or if the lock file cannot be created.
 */
export async function acquireWriterLock(dbPath: string, waitSeconds = DEFAULT_LOCK_WAIT_SECONDS): Promise<WriterLock> {
  const path = lockPath(dbPath);
  const deadline = Date.now() + Math.max(0, waitSeconds) * 1000;
  for (let attempt = 0; ; attempt++) {
    let db: sqlite3.Database;
    try {
      db = await new Promise<sqlite3.Database>((resolve, reject) => {
        const d: sqlite3.Database = new sqlite3.Database(path, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (err) => (err ? reject(err) : resolve(d)));
      });
    } catch (e) {
      const reason = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
      throw new UserError(`cannot open results database ${dbPath}: ${reason}; pass --db with a writable path`);
    }
    try {
      // the write takes the EXCLUSIVE lock; locking_mode = exclusive keeps it until close
      await exec(db, `pragma locking_mode = exclusive; pragma busy_timeout = 0; begin exclusive; pragma user_version = ${process.pid}; commit;`);
      let released = false;
      return {
        path,
        async release() {
          if (released) return;
          released = true;
          await close(db);
        },
      };
    } catch (e) {
      // a failed attempt closes its connection, so that no lock it took lingers while it waits
      await close(db);
      const busy = /SQLITE_BUSY|SQLITE_LOCKED/.test(String(e));
      if (!busy) {
        const reason = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ');
        throw new UserError(`cannot lock results database ${dbPath} (lock file ${path}: ${reason}); pass --db with a writable path`);
      }
      if (Date.now() >= deadline) {
        // a holder that is still between BEGIN and COMMIT has not written its pid yet (the header
        // shows none, or the previous holder's): look again briefly
        let pid = lockHolderPid(path);
        for (let i = 0; (pid === null || !alive(pid)) && i < 20; i++) {
          await new Promise((r) => setTimeout(r, 10));
          pid = lockHolderPid(path);
        }
        const who = pid === null ? 'another process' : alive(pid) ? `process ${pid}` : `process ${pid} (on another machine)`;
        const waited = waitSeconds > 0 ? ` (waited ${waitSeconds} s)` : '';
        throw new UserError(
          `results database ${dbPath} is being written by ${who}${waited}; wait for it to finish, pass --lock-wait SECONDS, or use another --db`,
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 500)));
    }
  }
}
