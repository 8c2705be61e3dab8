// Test upstream for QEMU boot tests: runs INSIDE the test's network namespace, bound to the
// upstream address the images are configured with. Answers every path with a small page that
// says which upstream served it; `/okome-upstream-requests` returns how many it served.
import { createServer } from 'node:http';

const [host = '192.168.86.10', port = '8080', name = 'upstream'] = process.argv.slice(2);
let served = 0;
createServer((req, res) => {
  if (req.url === '/okome-upstream-requests') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${served}\n`);
    return;
  }
  served++;
  const maxAge = /[?&]max-age=(\d+)/.exec(req.url ?? '')?.[1] ?? '600';
  res.writeHead(200, { 'content-type': 'text/html', 'cache-control': `public, max-age=${maxAge}`, 'x-served-by': name });
  res.end(`<html><body>${name} ${req.url} request-id=${req.headers['x-request-id'] ?? ''}</body></html>\n`);
}).listen(Number(port), host, () => process.stdout.write(`listening ${host}:${port}\n`));
