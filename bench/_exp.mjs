import { chromium } from 'playwright-core';
import fs from 'node:fs';
const css0 = fs.readFileSync('src/web/views/styles.css','utf8').replace(/\n/g,'');
const variants = {
  A: css0,
  cv: css0 + 'main .list>li,.toc>li,.panel,footer,.facts{content-visibility:auto;contain-intrinsic-size:auto 6rem}',
  none: '',
};
const url = process.argv[2] ?? 'http://127.0.0.1:3912/';
const html0 = await (await fetch(url)).text();
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const res = Object.fromEntries(Object.keys(variants).map(k=>[k,[]]));
for (let i=0;i<30;i++) for (const [k,css] of Object.entries(variants)) {
  const ctx = await b.newContext({ bypassCSP: true, viewport:{width:412,height:823} });
  const page = await ctx.newPage();
  const html = html0.replace(/<style>[\s\S]*?<\/style>/, `<style>${css}</style>`);
  await page.route(url, r => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  const s = await ctx.newCDPSession(page); await s.send('Performance.enable');
  await page.goto(url); await page.waitForTimeout(100);
  const m = Object.fromEntries((await s.send('Performance.getMetrics')).metrics.map(x=>[x.name,x.value]));
  res[k].push([m.RecalcStyleDuration*1000, m.LayoutDuration*1000, m.TaskDuration*1000, m.Nodes]);
  await ctx.close();
}
for (const [k,v] of Object.entries(res)) { const med = (j)=>{const a=v.map(x=>x[j]).sort((a,b)=>a-b); return a[a.length>>1].toFixed(1)}; console.log(k.padEnd(12), 'style', med(0), 'layout', med(1), 'task', med(2)); }
await b.close();
