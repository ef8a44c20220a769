// The outside view's cost: how many targets a second one collector isolate (wrangler dev runs
// one) checks from outside, asked as the app asks (batches of 20, 6 at a time: OUTSIDE_PARALLEL in src/runner.rs), for a list
// seen for the first time and then again (a second visitor with the same list: answers and
// known images from the caches); and the share of known images served from the cache. The
// bench's collector keeps Workers Free's 50 subrequests a request (CONTROL_SUBREQUESTS).
// Run with the scan lab (--scan N --web-ports --rtt-ms 50) and the bench's collector.
// Writes target/bench/control.json (collector.mjs adds it to collector.json as "control").
import { writeFileSync, mkdirSync } from 'node:fs';

const COLLECTOR = process.env.AJAR_COLLECTOR || 'http://127.0.0.1:8787';
const N = Number(process.env.AJAR_CONTROL_TARGETS || 200);
const urls = Array.from({ length: N }, (_, i) => `https://scan-${String(i).padStart(4, '0')}.test/`);
const BATCH = 20;
const LANES = 6;

async function pass() {
  const batches = [];
  for (let i = 0; i < urls.length; i += BATCH) batches.push(urls.slice(i, i + BATCH));
  const views = {};
  let failed = 0;
  let requests = 0;
  const t0 = performance.now();
  // As the app does: targets answered {"retry": true} (the request's subrequests spent) are
  // asked again in a batch of their own.
  await Promise.all(Array.from({ length: LANES }, async () => {
    while (batches.length > 0) {
      const batch = batches.shift();
      requests++;
      const res = await fetch(`${COLLECTOR}/v1/control`, { method: 'POST', body: JSON.stringify({ urls: batch, list: 'custom' }),
        headers: { 'content-type': 'application/json', 'cf-connecting-ip': '192.0.2.150' } });
      if (res.status !== 200) { failed++; continue; }
      const answer = await res.json();
      const later = batch.filter((u) => answer[u]?.retry === true);
      for (const u of batch) if (!later.includes(u)) views[u] = answer[u];
      if (later.length > 0 && later.length < batch.length) batches.push(later);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  const answered = Object.values(views).filter((v) => v && !v.error && !v.retry);
  const images = answered.filter((v) => v.image_cache === 'hit' || v.image_cache === 'miss');
  const hits = images.filter((v) => v.image_cache === 'hit').length;
  return { targets: urls.length, requests, answered: answered.length, failed_batches: failed, seconds: Math.round(seconds * 100) / 100,
    targets_per_second: Math.round(answered.length / seconds * 10) / 10, reachable: answered.filter((v) => v.reachable).length,
    images: images.length, image_cache_hit_rate: images.length ? Math.round(hits / images.length * 1000) / 1000 : null };
}

const first = await pass();
const again = await pass();
const out = { isolates: 1, batch: BATCH, lanes: LANES, subrequests_per_request: 50, first_visit: first, second_visit: again };
mkdirSync('target/bench', { recursive: true });
writeFileSync('target/bench/control.json', JSON.stringify(out));
console.log(JSON.stringify(out));
