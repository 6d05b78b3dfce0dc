// The baseline: a bare Node http server that sends pre-captured bytes for each path.
import http from 'node:http';
import fs from 'node:fs';

const pages = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const bodies = Object.fromEntries(Object.entries(pages).map(([k, v]) => [k, Buffer.from(v)]));
http
  .createServer((req, res) => {
    const body = bodies[req.url] ?? bodies['/'];
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body);
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
