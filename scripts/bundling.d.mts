// Types of scripts/bundling.mjs, for the benchmark (TypeScript) that builds with it.
import type { BuildOptions } from 'esbuild';

export declare const lambdaBundle: BuildOptions;
export declare const requireBanner: string;
