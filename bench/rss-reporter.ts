/**
 * Preloaded into a benchmarked child with `node --require lib/bench/rss-reporter.js ...`: when
 * the process exits it writes its own peak resident set size (kilobytes, from
 * `process.resourceUsage().maxRSS`), then its user and kernel CPU time (microseconds), to the
 * file named by `BENCH_RSS_FILE`. Needs no `/usr/bin/time` and measures only the node process,
 * not a wrapper.
 */
import * as fs from 'fs';

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    fs.writeFileSync(target, `${usage.maxRSS} ${usage.userCPUTime} ${usage.systemCPUTime}\n`);
  });
}
