/**
 * How deeply a JSON (or EDN) text nests, counted without recursion, so a hostile 100,000-deep
 * document is refused before any recursive reader, validator or stack sees it. Brackets inside
 * strings do not count; in EDN, `(` `)` count too, `;` comments are skipped and `\c` character
 * literals are not brackets. Imports nothing: every reader can afford it.
 */
export interface Nesting {
  /** The deepest nesting seen (up to the point the scan stopped). */
  readonly max: number;
  /** Where the nesting first went past `limit`, or -1. */
  readonly tooDeepAt: number;
  /** Where a closing bracket had no opening one, or -1. */
  readonly unmatchedAt: number;
  /** Brackets still open at the end, and whether a string was left open. */
  readonly open: number;
  readonly openString: boolean;
}

/** Scans `text`, stopping at the first place it nests deeper than `limit` or closes a bracket never opened. */
export function scanNesting(text: string, limit: number, edn = false): Nesting {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (inString) {
      if (c === 0x5c) k++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b || (edn && c === 0x28)) {
      max = Math.max(max, ++depth);
      if (depth > limit) return { max, tooDeepAt: k, unmatchedAt: -1, open: depth, openString: false };
    } else if (c === 0x5d || c === 0x7d || (edn && c === 0x29)) {
      if (--depth < 0) return { max, tooDeepAt: -1, unmatchedAt: k, open: 0, openString: false };
    } else if (edn && c === 0x5c) k++; // a character literal such as \( or \[
    else if (edn && c === 0x3b) while (k < text.length && text.charCodeAt(k) !== 0x0a) k++;
  }
  return { max, tooDeepAt: -1, unmatchedAt: -1, open: depth, openString: inString };
}
