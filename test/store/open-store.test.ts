// Opening the SQLite store: the page cache follows SQLITE_CACHE_MB, and a bad value is refused
// with a message naming the setting (nothing is opened or created).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../../src/store/db.ts';

async function withEnv<T>(value: string | undefined, f: () => Promise<T>): Promise<T> {
  const before = process.env.SQLITE_CACHE_MB;
  if (value === undefined) delete process.env.SQLITE_CACHE_MB; else process.env.SQLITE_CACHE_MB = value;
  try {
    return await f();
  } finally {
    if (before === undefined) delete process.env.SQLITE_CACHE_MB; else process.env.SQLITE_CACHE_MB = before;
  }
}

test('SQLite page cache: 256 MiB by default, SQLITE_CACHE_MB sets it, bad values are refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'masthead-store-'));
  try {
    for (const [value, kib] of [[undefined, 256 * 1024], ['64', 64 * 1024]] as const) {
      const store = await withEnv(value, () => openStore({ databaseUrl: null, dataDir: dir, migrate: false }));
      assert.equal(store.sqlite!.pragma('cache_size', { simple: true }), -kib, `SQLITE_CACHE_MB=${value}`);
      await store.close();
    }
    const other = path.join(dir, 'other');
    for (const bad of ['lots', '0', '1.5', '-3']) {
      await assert.rejects(withEnv(bad, () => openStore({ databaseUrl: null, dataDir: other, migrate: false })), /SQLITE_CACHE_MB must be a whole number/);
    }
    assert.equal(fs.existsSync(other), false, 'nothing was created');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
