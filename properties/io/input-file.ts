import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

/**
 * Reading an input file (a report, a history) without letting it hang or exhaust the reader: the
 * file is opened without blocking (a FIFO with no writer cannot hang), anything but a regular file
 * is refused, and at most `maxBytes` are read, even if the file grows meanwhile. A UTF-8
 * byte-order mark is dropped. Imports nothing heavy: every reader can afford it. Each reader words
 * the problems its own way, from `InputFileError.problem`.
 */
export type InputProblem =
  | { readonly kind: "missing" }
  | { readonly kind: "directory" }
  | { readonly kind: "not-regular" }
  | { readonly kind: "too-large"; readonly size: number }
  | { readonly kind: "grew" }
  | { readonly kind: "unreadable"; readonly code: string | undefined };

export class InputFileError extends Error {
  override readonly name = "InputFileError";
  constructor(readonly problem: InputProblem) {
    super(problem.kind);
  }
}

export function readBoundedText(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputFileError(code === "ENOENT" ? { kind: "missing" } : code === "EISDIR" ? { kind: "directory" } : { kind: "unreadable", code });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputFileError({ kind: "directory" });
    if (!st.isFile()) throw new InputFileError({ kind: "not-regular" });
    if (st.size > maxBytes) throw new InputFileError({ kind: "too-large", size: st.size });
    // Read at most maxBytes + 1, so a file that grows while being read is still bounded.
    const buffer = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buffer, length, buffer.length - length, null);
      } catch (e) {
        throw new InputFileError({ kind: "unreadable", code: (e as NodeJS.ErrnoException).code });
      }
      if (n === 0) break;
      length += n;
      if (length === buffer.length) throw new InputFileError({ kind: "grew" });
    }
    const text = buffer.toString("utf8", 0, length);
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } finally {
    closeSync(fd);
  }
}
