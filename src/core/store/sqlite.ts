// sql.js loading and a thin synchronous wrapper with cached prepared statements. Used only inside the
// store's worker (and by tests that build old-schema files), never on the extension host's thread.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';

export type { SqlJsStatic, SqlValue };

/** A result row, column name → value. */
export type Row = Record<string, SqlValue>;

let loading: Promise<SqlJsStatic> | undefined;

/**
 * Loads sql.js with its wasm from next to the bundle (`dist/sql-wasm.wasm`, copied by esbuild.mjs) or,
 * when running from sources, from the installed package.
 */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({ wasmBinary: readFileSync(wasmPath()) as unknown as ArrayBuffer });
  return loading;
}

function wasmPath(): string {
  const candidates = [join(__dirname, 'sql-wasm.wasm'), join(__dirname, '..', '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm')];
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return createRequire(join(__dirname, 'x.js')).resolve('sql.js/dist/sql-wasm.wasm');
  } catch {
    throw new Error(`sql-wasm.wasm not found (looked in ${candidates.join(', ')}); run the build or reinstall.`);
  }
}

/** A sql.js database with a statement cache and a transaction helper. */
export class Db {
  private readonly cache = new Map<string, Statement>();
  private inTx = false;

  constructor(readonly raw: Database) {}

  /** Whether a transaction opened by `transaction` is running (an export must never happen then). */
  get inTransaction(): boolean {
    return this.inTx;
  }

  private stmt(sql: string): Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  all(sql: string, params: SqlValue[] = []): Row[] {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      const rows: Row[] = [];
      while (s.step()) rows.push(s.getAsObject() as Row);
      return rows;
    } finally {
      s.reset();
    }
  }

  /** Rows as arrays, in column order (cheaper than objects for bulk copies). */
  values(sql: string, params: SqlValue[] = []): SqlValue[][] {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      const rows: SqlValue[][] = [];
      while (s.step()) rows.push(s.get());
      return rows;
    } finally {
      s.reset();
    }
  }

  /** Steps through rows (as arrays) until `fn` returns false. */
  each(sql: string, params: SqlValue[], fn: (row: SqlValue[]) => boolean | void): void {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      while (s.step()) if (fn(s.get()) === false) break;
    } finally {
      s.reset();
    }
  }

  get(sql: string, params: SqlValue[] = []): Row | undefined {
    return this.all(sql, params)[0];
  }

  /** The first column of the first row. */
  scalar(sql: string, params: SqlValue[] = []): SqlValue {
    const s = this.stmt(sql);
    try {
      s.bind(params);
      return s.step() ? (s.get()[0] ?? null) : null;
    } finally {
      s.reset();
    }
  }

  run(sql: string, params: SqlValue[] = []): void {
    const s = this.stmt(sql);
    try {
      s.run(params);
    } finally {
      s.reset();
    }
  }

  /** Rows changed by the last statement. */
  changes(): number {
    return this.raw.getRowsModified();
  }

  /** Runs SQL text holding several statements, without parameters. */
  exec(sql: string): void {
    this.raw.exec(sql);
  }

  transaction<T>(fn: () => T): T {
    if (this.inTx) return fn();
    this.raw.exec('BEGIN');
    this.inTx = true;
    try {
      const out = fn();
      this.raw.exec('COMMIT');
      return out;
    } catch (err) {
      this.raw.exec('ROLLBACK');
      throw err;
    } finally {
      this.inTx = false;
    }
  }

  userVersion(): number {
    return Number(this.scalar('PRAGMA user_version') ?? 0);
  }

  /** Bytes the database occupies (page count × page size). */
  sizeBytes(): number {
    return Number(this.scalar('PRAGMA page_count') ?? 0) * Number(this.scalar('PRAGMA page_size') ?? 0);
  }

  export(): Uint8Array {
    if (this.inTx) throw new Error('bug: export while a write transaction is open');
    return this.raw.export();
  }

  close(): void {
    for (const s of this.cache.values()) s.free();
    this.cache.clear();
    this.raw.close();
  }
}
