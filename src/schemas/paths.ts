/** JSON paths as users read them: `executor_config.volumes[0].source`. */

/** Appends a key or index to a dotted path. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  const safe = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : JSON.stringify(key);
  return base ? `${base}.${safe}` : safe;
}

/** Converts a JSON Pointer ("/volumes/0/source") into a dotted path under `base`. */
export function pointerToPath(pointer: string, base = ""): string {
  if (!pointer) return base;
  return pointer
    .split("/")
    .slice(1)
    .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce<string>((path, part) => joinPath(path, /^\d+$/.test(part) ? Number(part) : part), base);
}
