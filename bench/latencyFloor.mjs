// The latency floor of bench/cliRun.bench.ts on this machine: the least any Node program can take to make
// the same calls. Plain node:http with keep-alive sockets, N chat-completion requests like the CLI's, C at
// a time, each answer read and parsed as JSON — no bank, no SDK, no assertions, no history.
//   node bench/latencyFloor.mjs BASE_URL N C
// Exits 0 when every call answered 200; the caller times it from spawn to exit, as it times the CLI.
import http from 'node:http';

const [base, n, c] = process.argv.slice(2);
const url = new URL(`${base}/chat/completions`);
const agent = new http.Agent({ keepAlive: true });
const total = Number(n);
let next = 0;
let failed = 0;

function call(i) {
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You route tickets. Answer with one word: billing, bug or other.' },
      { role: 'user', content: `Ticket ${i}: I was charged twice this month (${i})` },
    ],
    temperature: 0,
    max_tokens: 20,
  });
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer floor' } }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        if (res.statusCode !== 200) failed++;
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        resolve();
      });
    });
    req.on('error', () => {
      failed++;
      resolve();
    });
    req.end(body);
  });
}

async function lane() {
  while (next < total) await call(next++);
}

await Promise.all(Array.from({ length: Number(c) }, lane));
agent.destroy();
process.exitCode = failed === 0 ? 0 : 1;
