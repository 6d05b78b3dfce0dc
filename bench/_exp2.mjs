import { chromium } from 'playwright-core';
import fs from 'node:fs';
const css0 = fs.readFileSync('src/web/views/styles.css','utf8').replace(/\n/g,'');
const SHORT = (c) => c.replaceAll('Charter,"Bitstream Charter","Iowan Old Style","Sitka Text",Cambria,Georgia,serif','serif').replaceAll('system-ui,-apple-system,"Segoe UI",Roboto,sans-serif','sans-serif').replaceAll('Georgia,"Times New Roman",serif','serif');
const CV = '.list>li,.toc>li,.panel,footer,.facts,.body>*{content-visibility:auto;contain-intrinsic-size:auto 6rem}';
const variants = {
  A: css0,
  cv: css0 + CV,
  noBal: css0.replace('text-wrap:balance',''),
  cvNoBal: css0.replace('text-wrap:balance','') + CV,
};
const url = process.argv[2] ?? 'http://127.0.0.1:3912/';
const N = Number(process.argv[3] ?? 10);
const html0 = await (await fetch(url)).text();
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync'] });
const res = Object.fromEntries(Object.keys(variants).map(k=>[k,[]]));
for (let i=0;i<N;i++) for (const [k,css] of Object.entries(variants)) {
  const ctx = await b.newContext({ bypassCSP: true, viewport:{width:412,height:823} });
  const page = await ctx.newPage();
  const html = html0.replace(/<style>[\s\S]*?<\/style>/, `<style>${css}</style>`);
  await page.route(url, r => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await b.startTracing(page, { categories: ['devtools.timeline','disabled-by-default-devtools.timeline','toplevel'] });
  await page.goto(url); await page.waitForTimeout(150);
  const buf = await b.stopTracing();
  const ev = JSON.parse(buf.toString()).traceEvents;
  const mainTids = new Set(ev.filter(e=>e.name==='thread_name'&&e.args.name==='CrRendererMain').map(e=>e.pid+':'+e.tid));
  let layout=0, style=0, paint=0, task=0, taskWall=0;
  for (const e of ev) { if (e.ph!=='X' || !mainTids.has(e.pid+':'+e.tid)) continue; const d=(e.tdur??e.dur)/1000;
    if (e.name==='Layout') layout+=d; else if (e.name==='UpdateLayoutTree') style+=d; else if (e.name==='Paint') paint+=d; else if (e.name==='RunTask') { task+=d; taskWall+=e.dur/1000; } }
  res[k].push([style, layout, paint, task, taskWall]);
  await ctx.close();
}
const med = (v,j)=>{const a=v.map(x=>x[j]).sort((a,b)=>a-b); return a[a.length>>1].toFixed(1)};
for (const [k,v] of Object.entries(res)) console.log(k.padEnd(10), 'style', med(v,0), 'layout', med(v,1), 'paint', med(v,2), 'taskCPU', med(v,3), 'taskWall', med(v,4));
await b.close();
