// The baseline: the least a redirect server can do — a Map lookup and a 302, no framework, no recording.
import fs from 'node:fs';
import http from 'node:http';

const slugs = JSON.parse(fs.readFileSync(process.env.SLUGS_FILE, 'utf8'));
const destinations = new Map(slugs.map((s, i) => [s, `https://shop.example.com/products/item?aff=${i}&tp_click=${s}`]));

const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  const location = destinations.get(req.url.slice(1));
  if (!location) {
    res.statusCode = 404;
    return res.end();
  }
  res.writeHead(302, { location, 'cache-control': 'private, no-store' });
  res.end();
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
