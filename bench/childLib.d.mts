/** Rounds to `digits` decimals (keeps JSON short). */
export declare const round: (n: number, digits?: number) => number;
export declare const sleep: (ms: number) => Promise<void>;
/** The child's side of `runChild`: its arguments. */
export declare function childArgs<T>(): T;
/** The child's side of `runChild`: prints the result and exits. */
export declare function childDone(result: unknown): never;
/** CPU time (user + system) in ms since `since`. */
export declare function cpuMs(since: NodeJS.CpuUsage): number;
export declare const rssMb: () => number;
/** The heap still in use after a full collection (when `--expose-gc` is on), in MB. */
export declare function retainedHeapMb(): number;
/** Imports `specifier` and says how long it took (ms, `performance.now()` around it). */
export declare function timedImport<T = Record<string, unknown>>(
  specifier: string,
): Promise<{ readonly module: T; readonly ms: number }>;
/** A namespace of one no-op DAG and `count` poll triggers `${prefix}0…` on `schedule`. */
export declare function noopNamespace<N>(
  tickflow: Record<string, any>,
  options: { readonly count: number; readonly prefix: string; readonly schedule: string },
): N;
