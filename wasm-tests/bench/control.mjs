// The outside view's cost: how many targets a second one collector isolate (wrangler dev runs
// one) checks from outside, asked as the app asks (batches of 20, 4 at a time), for a list
// seen for the first time and then again (a second visitor with the same list: answers and
// known images from the caches); and the share of known images served from the cache.
// Run with the scan lab (--scan N --web-ports --rtt-ms 50) and the bench's collector.
// Writes target/bench/control.json (collector.mjs adds it to collector.json as "control").
import { writeFileSync, mkdirSync } from 'node:fs';

const COLLECTOR = process.env.AJAR_COLLECTOR || 'http://127.0.0.1:8787';
const N = Number(process.env.AJAR_CONTROL_TARGETS || 200);
const urls = Array.from({ length: N }, (_, i) => `https://scan-${String(i).padStart(4, '0')}.test/`);
const BATCH = 20;
const LANES = 4;

async function pass() {
  const batches = [];
  for (let i = 0; i < urls.length; i += BATCH) batches.push(urls.slice(i, i + BATCH));
  const views = {};
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: LANES }, async () => {
    while (next < batches.length) {
      const batch = batches[next++];
      const res = await fetch(`${COLLECTOR}/v1/control`, { method: 'POST', body: JSON.stringify({ urls: batch, list: 'custom' }),
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.150' } });
      if (res.status !== 200) { failed++; continue; }
      Object.assign(views, await res.json());
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const answered = Object.values(views).filter((v) => v && !v.error);
  const images = answered.filter((v) => v.image_cache === 'hit' || v.image_cache === 'miss');
  const hits = images.filter((v) => v.image_cache === 'hit').length;
  return { targets: urls.length, answered: answered.length, failed_batches: failed, seconds: Math.round(seconds * 100) / 100,
    targets_per_second: Math.round(answered.length / seconds * 10) / 10, reachable: answered.filter((v) => v.reachable).length,
    images: images.length, image_cache_hit_rate: images.length ? Math.round(hits / images.length * 1000) / 1000 : null };
}

const first = await pass();
const again = await pass();
const out = { isolates: 1, batch: BATCH, lanes: LANES, first_visit: first, second_visit: again };
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/control.json', JSON.stringify(out));
console.log(JSON.stringify(out));
