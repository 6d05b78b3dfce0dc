import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrl } from '../../src/web/app.ts';

test('secrets in URLs never reach the logs', () => {
  const cases: [string, string][] = [
    ['/login/link/abcDEF123_-x?next=/articles', '/login/link/[redacted]?next=/articles'],
    ['/reset/tok', '/reset/[redacted]'],
    ['/account/email/tok', '/account/email/[redacted]'],
    ['/feeds/private/12.34.sigsigsig.xml', '/feeds/private/[redacted]'],
    ['/articles/x', '/articles/x'],
    ['/login?next=/reset/x', '/login?next=/reset/x'],
  ];
  for (const [input, expected] of cases) assert.equal(redactUrl(input), expected, input);
});
