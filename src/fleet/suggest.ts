/**
 * Edit distance between `a` and `b` (optimal string alignment: insertions, deletions,
 * substitutions and swaps of two neighbouring characters each cost 1), so the common typo
 * `namespcae` is one edit from `namespace`, not two. Stops early and returns `limit + 1` once the
 * distance is known to exceed `limit`, which keeps suggestions cheap for long hostile input.
 */
export function editDistance(a: string, b: string, limit = Number.MAX_SAFE_INTEGER): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  const n = b.length;
  let prevPrev = new Array<number>(n + 1).fill(0);
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  let cur = new Array<number>(n + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prevPrev[j - 2] + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    [prevPrev, prev, cur] = [prev, cur, prevPrev];
  }
  return prev[n];
}

/**
 * The candidate closest to `word`, or `undefined` when none is close enough to be a plausible
 * typo: a case-insensitive match always qualifies; otherwise at most 1 edit for words of up to
 * 4 characters, 2 up to 8, and 3 beyond; a word of 3+ characters that begins exactly one
 * candidate qualifies too (`argo` for `argocd`). Ties go to the earlier candidate, so results are stable.
 */
export function closestMatch(word: string, candidates: Iterable<string>): string | undefined {
  // Words much longer than any field name are not typos; skip the work.
  if (word.length > 100) return undefined;
  const lower = word.toLowerCase();
  const list = [...candidates];
  // A truncated word ("argo" for "argocd") is far in edits but plainly meant.
  if (lower.length >= 3) {
    const prefixed = list.filter((c) => c !== word && c.toLowerCase().startsWith(lower));
    if (prefixed.length === 1) return prefixed[0];
  }
  const limit = word.length <= 4 ? 1 : word.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of list) {
    if (candidate === word) continue;
    if (candidate.toLowerCase() === lower) return candidate;
    const d = editDistance(lower, candidate.toLowerCase(), limit);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** `"; did you mean 'x'?"` when a candidate is close to `word`, else the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closestMatch(word, candidates);
  return match === undefined ? '' : `; did you mean '${match}'?`;
}
