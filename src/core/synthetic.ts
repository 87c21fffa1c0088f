// The random shapes behind `touchpoint generate` (issue #5): a seeded generator, weighted sampling, the power law
// over creators and the weekly and daily curves. A synthetic data set must be reproducible from its seed, so nothing
// here draws from Math.random() or the clock; ids and secrets are not made here (they come from the CSPRNG in ids.ts).

/** sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of state, fast, passes PractRand. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `stream` names an independent sequence of the same seed, so one phase drawing more never shifts another's. */
  constructor(seed: number, stream = '') {
    let h = splitmix32((seed >>> 0) ^ hashString(stream));
    this.a = h = splitmix32(h);
    this.b = h = splitmix32(h);
    this.c = splitmix32(h);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median and shape: order values and follower counts are skewed this way. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Draws an index with probability proportional to its weight in O(1) (Vose's alias method): the click stream draws
 * a link per click, millions of times, from a few thousand weights.
 */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${i} must be finite and >= 0: ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('at least one weight must be positive');
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i]! * n) / total;
      (scaled[i]! < 1 ? small : large).push(i);
    }
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) {
      this.prob[i] = 1;
      this.alias[i] = i;
    }
  }

  sample(rng: Rng): number {
    const u = rng.next() * this.size;
    const i = Math.floor(u);
    return u - i < this.prob[i]! ? i : this.alias[i]!;
  }
}

/** Zipf weights 1/rank^s for ranks 1..n: a few creators drive most of the traffic. */
export function zipfWeights(n: number, s: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 1 / Math.pow(i + 1, s);
  return w;
}

/**
 * Splits a whole total into whole parts proportional to the weights, summing exactly to the total (largest
 * remainder; ties to the lower index), so "--clicks N" writes N clicks, not N ± rounding.
 */
export function apportion(total: number, weights: ArrayLike<number>): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total must be a whole number >= 0: ${total}`);
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += weights[i]!;
  const parts = new Array<number>(weights.length).fill(0);
  if (total === 0 || weights.length === 0) return parts;
  if (!(sum > 0)) throw new RangeError('weights must have a positive sum');
  const rest: { i: number; r: number }[] = [];
  let given = 0;
  for (let i = 0; i < weights.length; i++) {
    const exact = (total * weights[i]!) / sum;
    parts[i] = Math.floor(exact);
    given += parts[i]!;
    rest.push({ i, r: exact - parts[i]! });
  }
  rest.sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; given < total; k++, given++) parts[rest[k % rest.length]!.i]! += 1;
  return parts;
}

/**
 * Traffic by weekday, Sunday first (Date#getUTCDay of a local date key): creators' audiences click less on
 * weekends, most on Thursday evenings when posts go up ahead of the weekend.
 */
export const WEEKDAY_FACTOR: readonly number[] = [0.74, 1.0, 1.03, 1.01, 1.06, 0.96, 0.7];

// Clicks per local hour: a trough at 3–5 am, a lunchtime bump and an evening peak on phones. Weekends start later.
const WEEKDAY_HOURS = [
  0.32, 0.2, 0.13, 0.1, 0.1, 0.16, 0.34, 0.62, 0.82, 0.9, 0.94, 1.0, 1.08, 1.0, 0.94, 0.94, 1.0, 1.1, 1.26, 1.42, 1.52,
  1.42, 1.08, 0.66,
];
const WEEKEND_HOURS = [
  0.48, 0.34, 0.22, 0.15, 0.12, 0.12, 0.18, 0.3, 0.52, 0.78, 0.98, 1.08, 1.12, 1.1, 1.06, 1.04, 1.06, 1.1, 1.2, 1.3,
  1.34, 1.24, 1.0, 0.72,
];

export function hourFactor(hour: number, weekend: boolean): number {
  return (weekend ? WEEKEND_HOURS : WEEKDAY_HOURS)[hour] ?? 0;
}

export function isWeekend(dayOfWeek: number): boolean {
  return dayOfWeek === 0 || dayOfWeek === 6;
}
