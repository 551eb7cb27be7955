// Bundle sizes of the handlers as the stack builds them, with their largest contributors from the metafile.
import type { BundleReport } from './bundles';
import { print } from './report';
import { kb, markdownTable, verdict } from './stats';

export const BUNDLE_TARGET_BYTES = 450_000;

export function reportBundles(bundles: BundleReport[]): void {
  print('## Bundle sizes');
  print();
  print(
    `Minified ESM with lib/bundling.ts (esbuildOptions); target ≤ ${kb(BUNDLE_TARGET_BYTES)} (1 KB = 1000 bytes).`,
  );
  print();
  print(
    markdownTable(
      ['handler', 'bundle', 'target', 'largest contributors (bytes in output)'],
      bundles.map((b) => [
        b.handler,
        kb(b.bytes),
        verdict(b.bytes <= BUNDLE_TARGET_BYTES),
        b.contributors
          .slice(0, 6)
          .map((c) => `${c.name} ${kb(c.bytes)}`)
          .join(', '),
      ]),
    ),
  );
  print();
}
