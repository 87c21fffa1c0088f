// Promo codes: normalization, validation and generation from a pattern such as "{NAME}{RAND4}".
import { randomFrom } from './ids.js';

/** No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud on a video must be typed right. */
export const CODE_ALPHABET = '34679ACDEFGHJKMNPQRTUVWXY';

export const CODE_MIN = 3;
export const CODE_MAX = 32;
const CODE_RE = /^[A-Z0-9][A-Z0-9_-]*$/;

/** Codes compare case-insensitively: "marie10" and "MARIE10" are one code. */
export function normalizeCode(input: string): string {
  return input.trim().toUpperCase();
}

export type CodeProblem = 'code_too_short' | 'code_too_long' | 'code_invalid_characters';

export function checkCode(code: string): CodeProblem | null {
  const c = normalizeCode(code);
  if (c.length < CODE_MIN) return 'code_too_short';
  if (c.length > CODE_MAX) return 'code_too_long';
  if (!CODE_RE.test(c)) return 'code_invalid_characters';
  return null;
}

export interface CodeSubject {
  name: string;
  instagram?: string | null;
  tiktok?: string | null;
}

const TOKEN_RE = /\{(NAME|FIRSTNAME|LASTNAME|HANDLE|RAND(\d{1,2}))\}/g;

export type PatternProblem =
  'pattern_empty' | 'pattern_unknown_token' | 'pattern_invalid_characters' | 'pattern_too_long';

export function checkPattern(pattern: string): PatternProblem | null {
  if (!pattern.trim()) return 'pattern_empty';
  const literal = pattern.replace(TOKEN_RE, '');
  if (/[{}]/.test(literal)) return 'pattern_unknown_token';
  if (!/^[A-Za-z0-9_-]*$/.test(literal)) return 'pattern_invalid_characters';
  let rand = 0;
  for (const m of pattern.matchAll(TOKEN_RE)) {
    // {RAND0} adds nothing random yet turns off the MARIE2, MARIE3… counter, so a collision could never resolve.
    if (m[2] && Number(m[2]) === 0) return 'pattern_unknown_token';
    rand += m[2] ? Number(m[2]) : 0;
  }
  if (rand > 16 || literal.length > CODE_MAX) return 'pattern_too_long';
  return null;
}

/** Latin letters and digits only, accents folded: "Zoë-Ann" -> "ZOEANN". */
function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, '');
}

function expand(pattern: string, subject: CodeSubject): string {
  const words = subject.name.trim().split(/\s+/);
  return pattern
    .replace(TOKEN_RE, (_all, token: string, n?: string) => {
      if (n) return randomFrom(CODE_ALPHABET, Number(n));
      if (token === 'NAME' || token === 'FIRSTNAME') return fold(words[0] ?? '').slice(0, 12);
      if (token === 'LASTNAME') return fold(words.length > 1 ? words[words.length - 1]! : '').slice(0, 12);
      return fold(subject.instagram || subject.tiktok || words[0] || '').slice(0, 16);
    })
    .toUpperCase();
}

/**
 * Expands the pattern for one member, avoiding every code in `taken` (normalized).
 * Random parts are redrawn on a collision; a pattern without one gets a counter (MARIE, MARIE2, MARIE3…).
 * Returns null when no valid, free code could be made (e.g. a name with no letters and no random part).
 */
export function generateCode(pattern: string, subject: CodeSubject, taken: ReadonlySet<string>): string | null {
  const random = /\{RAND\d{1,2}\}/.test(pattern);
  for (let attempt = 0; attempt < 50; attempt++) {
    let code = expand(pattern, subject).slice(0, CODE_MAX);
    if (!random && attempt > 0) code = code.slice(0, CODE_MAX - String(attempt + 1).length) + String(attempt + 1);
    if (checkCode(code) === null && !taken.has(code)) return code;
    if (!random && checkCode(code) !== null && code.length >= CODE_MIN) return null;
  }
  return null;
}
