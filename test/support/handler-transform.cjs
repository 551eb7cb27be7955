// Jest transform of the handler entry files: ts-jest's output, then the handler's exports handed to the grant recorder.
// A transform rather than a module mock, so isolateModules, resetModules and every import style load it the same way.
// @ts-check
/* eslint-disable @typescript-eslint/no-require-imports -- jest loads a transform as CommonJS, without TypeScript */
const { basename } = require('node:path');
const tsJest = require('ts-jest').default;

/** Bumped when the appended line changes, so jest's cache does not keep the old one. */
const VERSION = 'grant-recorder-1';

/** @param {string} code @param {string} file */
function withRecorder(code, file) {
  const line = `;globalThis.__listbackupGrantRecorder?.wrapExports(${JSON.stringify(basename(file, '.ts'))}, module.exports);\n`;
  // Before the inline source map comment, which stays last.
  const at = code.lastIndexOf('\n//# sourceMappingURL=');
  return at < 0 ? code + '\n' + line : code.slice(0, at + 1) + line + code.slice(at + 1);
}

module.exports = {
  /** @param {unknown} options ts-jest's options, as for every other .ts file */
  createTransformer(options) {
    const inner = tsJest.createTransformer(/** @type {never} */ (options));
    return {
      canInstrument: false,
      /** @type {(src: string, file: string, opts: never) => string} */
      getCacheKey: (src, file, opts) => `${inner.getCacheKey(src, file, opts)}:${VERSION}`,
      /** @type {(src: string, file: string, opts: never) => { code: string; map?: unknown }} */
      process(src, file, opts) {
        const out = inner.process(src, file, opts);
        return { ...out, code: withRecorder(out.code, file) };
      },
    };
  },
};
