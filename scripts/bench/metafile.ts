// Reading esbuild's metafile: which packages fill a bundle.

export interface Contributor {
  /** npm package (`@smithy/core`) or project folder (`lambda/oauth`). */
  name: string;
  bytes: number;
}

/** The package a metafile input belongs to: the last node_modules segment, else the project folder. */
export function packageOf(input: string): string {
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at >= 0) {
    const first = parts[at + 1] ?? '?';
    return first.startsWith('@') ? `${first}/${parts[at + 2] ?? '?'}` : first;
  }
  return parts.length > 2 ? parts.slice(0, 2).join('/') : parts.slice(0, -1).join('/') || input;
}

/** Bytes each package contributes to one output, largest first. */
export function contributorsByPackage(inputs: Record<string, { bytesInOutput: number }>): Contributor[] {
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals]
    .map(([name, bytes]) => ({ name, bytes }))
    .filter((c) => c.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
}
