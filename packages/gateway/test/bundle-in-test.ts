import { build, type Plugin } from 'esbuild';

/**
 * Bundles `entry` (CommonJS source resolved from `dir`) as scripts/bundle.js does, with only the `plugins`
 * a test looks at; returns the bundle's text (the build's errors reject).
 */
export async function bundleText(entry: string, dir: string, plugins: Plugin[]): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: dir, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'silent',
    plugins,
  });
  return result.outputFiles[0]!.text;
}

/** Evaluates a bundle's text as a CommonJS module in this process; returns its exports. */
export function evaluateBundle(text: string): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  new Function('module', 'exports', 'require', text)(module, module.exports, require);
  return module.exports;
}
