import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snippet, markAll } from '../../src/search/snippet.ts';
import { highlightTerms, parseQuery } from '../../src/search/query.ts';

const h = (q: string) => highlightTerms(parseQuery(q));

test('the snippet is the window with the most distinct words, even deep in a long text', () => {
  const filler = 'The prison board met again and the warden spoke. '.repeat(120); // ~6,000 characters
  const text = `${filler}Later the zorblat inquiry found the prison ledger altered. ${filler}`;
  const s = snippet(text, h('prison zorblat'))!;
  assert.ok(s.matched);
  assert.match(s.html, /<mark>zorblat<\/mark> inquiry found the <mark>prison<\/mark>/);
  assert.match(s.html, /^… /);
  assert.match(s.html, / …$/);
  // One common word: the first window will do.
  assert.match(snippet(text, h('warden'))!.html, /^The <mark>prison<\/mark>|<mark>warden<\/mark>/);
});

test('snippets escape the text and mark phrases and prefixes', () => {
  const s = snippet('Tom & Jerry <script> said "federal court" twice; corrections officers agreed.', h('"federal court" correct*'))!;
  assert.match(s.html, /Tom &amp; Jerry &lt;script&gt;/);
  assert.match(s.html, /<mark>federal<\/mark> <mark>court<\/mark>/);
  assert.match(s.html, /<mark>corrections<\/mark>/);
  assert.equal(markAll('Court rules <b>', h('court')), '<mark>Court</mark> rules &lt;b&gt;');
  assert.equal(snippet('   ', h('x')), null);
  assert.equal(snippet('No match here at all.', h('zembla'))!.matched, false);
});
