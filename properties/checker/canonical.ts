/**
 * canonicalJson is a string that identifies a plain value up to structural equality: two values
 * get the same string exactly when they are structurally equal. It is the checker's default state
 * hash and default equality (Model.hash / Model.equal), so it must be injective on the values
 * models use: object keys are sorted, Maps and Sets are written as sorted entry lists, and
 * undefined, NaN, -0, bigint and the missing-versus-undefined distinction are all kept apart.
 * Functions and symbols cannot be part of a model state and are rejected.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case "number":
      if (Number.isNaN(value)) return "NaN";
      if (Object.is(value, -0)) return "-0";
      return Number.isFinite(value) ? String(value) : value > 0 ? "Infinity" : "-Infinity";
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "undefined";
    case "bigint":
      return `${value}n`;
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
      if (value instanceof Map) {
        const entries = [...value.entries()].map(([k, v]) => `${canonicalJson(k)}=>${canonicalJson(v)}`);
        return `Map{${entries.sort().join(",")}}`;
      }
      if (value instanceof Set) return `Set{${[...value].map(canonicalJson).sort().join(",")}}`;
      if (ArrayBuffer.isView(value)) return `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>).join(",")}]`;
      const keys = Object.keys(value).sort();
      const record = value as Record<string, unknown>;
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(",")}}`;
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} cannot be part of a model state or result`);
  }
}
