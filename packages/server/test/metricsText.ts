/** A Prometheus text exposition, parsed: each sample's value keyed `name{labels}`, and each metric's type. */
export interface ParsedMetrics {
  samples: Map<string, number>;
  types: Map<string, string>;
}

/**
 * Parses prom-client's text format (version 0.0.4) strictly: a line that is
 * not a `# HELP`, a `# TYPE` or a sample throws, and so does a sample whose
 * metric has no `# TYPE` before it.
 */
export function parseMetrics(text: string): ParsedMetrics {
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ")) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1] as string, type[2] as string);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a line of the Prometheus text format: ${JSON.stringify(line)}`);
    const [, name, labels = "", value] = sample as unknown as [string, string, string | undefined, string];
    const typed = [...types.keys()].some((family) => name === family || (name.startsWith(family) && /^_(bucket|sum|count)$/.test(name.slice(family.length))));
    if (!typed) throw new Error(`${name} has no # TYPE line before it`);
    samples.set(`${name}${labels}`, Number(value));
  }
  return { samples, types };
}
