import lighthouse from 'lighthouse';
import * as chromeLauncher from 'chrome-launcher';
import fs from 'node:fs';
const url = process.argv[2] ?? 'http://127.0.0.1:3912/';
const n = Number(process.argv[3] ?? 1);
const chrome = await chromeLauncher.launch({ chromePath: '/usr/bin/chromium', chromeFlags: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'], logLevel: 'silent' });
for (let i = 0; i < n; i++) {
  const r = await lighthouse(url, { port: chrome.port, logLevel: 'error', onlyCategories: ['performance'] });
  const a = r.lhr.audits;
  console.log(`perf ${Math.round(r.lhr.categories.performance.score*100)} TBT ${Math.round(a['total-blocking-time'].numericValue)} FCP ${Math.round(a['first-contentful-paint'].numericValue)} LCP ${Math.round(a['largest-contentful-paint'].numericValue)} SI ${Math.round(a['speed-index'].numericValue)} bench ${r.lhr.environment.benchmarkIndex}`);
  console.log('  ', JSON.stringify(a['mainthread-work-breakdown'].details.items.map(i=>[i.group,Math.round(i.duration)])));
  console.log('  long:', JSON.stringify(a['long-tasks'].details.items.map(i=>[i.url.slice(-12),Math.round(i.duration),Math.round(i.startTime)])));
  if (i === n - 1) fs.writeFileSync('/tmp/trace.json', JSON.stringify(r.artifacts.Trace));
}
chrome.kill();
