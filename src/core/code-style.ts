// A rotated code should look like the one it replaces: a creator known for "MARIE10" gets "MARIE7KQX10", not a
// string of random characters, and a random code gets another random code of the same length. The old code is read
// against the member's name and handle to find which part is theirs; what follows it is kept when it looks chosen
// (a discount number, a word) and redrawn when it looks random (only characters of the generation alphabet).
import { CODE_ALPHABET, CODE_MAX, normalizeCode, type CodeSubject } from './codes.js';

const RANDOM_RE = new RegExp(`^[${CODE_ALPHABET}]+$`);
const MIN_RANDOM = 4;
const MAX_RANDOM = 8;

/** Latin letters and digits only, accents folded, as codes.ts folds names into codes. */
function fold(s: string | null | undefined): string {
  return (s ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

const rand = (n: number) => `{RAND${Math.min(MAX_RANDOM, Math.max(MIN_RANDOM, n))}}`;

/** The same pattern, with its literal part shortened so that every code it makes fits CODE_MAX. */
function fit(literalHead: string, randomLength: number, literalTail: string): string {
  const r = Math.min(MAX_RANDOM, Math.max(MIN_RANDOM, randomLength));
  const room = CODE_MAX - r - literalTail.length;
  return `${literalHead.slice(0, Math.max(0, room))}${rand(r)}${literalTail}`;
}

/**
 * A pattern for core/codes generateCode that makes codes in the style of `oldCode`; it always has a random part,
 * so it never repeats the old code once that is in the taken set.
 */
export function rotationPattern(oldCode: string, subject: CodeSubject): string {
  const code = normalizeCode(oldCode);
  const words = subject.name.trim().split(/\s+/);
  const owned = [
    fold(subject.instagram),
    fold(subject.tiktok),
    fold(words[0]),
    fold(words.length > 1 ? words[words.length - 1] : ''),
  ]
    .filter((t) => t.length >= 2)
    .sort((a, b) => b.length - a.length);
  const prefix = owned.find((t) => code.startsWith(t));
  if (prefix !== undefined) {
    const tail = code.slice(prefix.length);
    const sep = /^[-_]/.test(tail) ? tail[0]! : '';
    const rest = tail.slice(sep.length);
    if (rest === '') return fit(prefix + sep, MIN_RANDOM, '');
    if (/^\d{1,3}$/.test(rest)) return fit(prefix + sep, MIN_RANDOM, rest); // MARIE10: 10 is the discount
    if (RANDOM_RE.test(rest)) return fit(prefix + sep, rest.length, ''); // MARIE7K3Q from {NAME}{RAND4}
    return fit(prefix + tail, MIN_RANDOM, ''); // MARIE-SUMMER: keep the word, add a random part
  }
  const worded = /^([A-Z]+)([-_]?)(\d{1,3})$/.exec(code); // SUMMER20
  if (worded) return fit(worded[1]! + worded[2]!, MIN_RANDOM, worded[3]!);
  const bare = code.replace(/[-_]/g, '');
  if (RANDOM_RE.test(bare)) return `{RAND${Math.min(16, Math.max(6, bare.length))}}`;
  return fit(code.replace(/[^A-Z0-9_-]/g, ''), MIN_RANDOM, '');
}
