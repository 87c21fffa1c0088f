// Expected failures are values with a stable code; only bugs throw.

export interface ProblemDetail {
  /** Field path (e.g. "payoutOptions.0.value") or a column name in an import. */
  path?: string;
  /** 1-based line of a bulk import file (the header is line 1). */
  line?: number;
  code?: string;
  message: string;
}

export interface Problem {
  code: string;
  message: string;
  details?: ProblemDetail[];
}

export type Result<T> = { ok: true; value: T } | { ok: false; problem: Problem };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: string, message: string, details?: ProblemDetail[]): Result<T> {
  return { ok: false, problem: details ? { code, message, details } : { code, message } };
}
