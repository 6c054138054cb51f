// "Did you mean": the known project-file key closest to a misspelt one.

/** The closest known key to a misspelt one, when it is close enough to be the likely intent. */
export function suggestKey(typed: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(typed, key);
    if (best === undefined || distance < best.distance) best = { key, distance };
  }
  const allowed = Math.max(2, Math.floor(typed.length / 3));
  return best !== undefined && best.distance <= allowed ? best.key : undefined;
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit ("secert" → "secret"). */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distance = Math.min(distance, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = distance;
    }
  }
  return rows[a.length]![b.length]!;
}
