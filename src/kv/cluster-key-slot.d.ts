/** The package ships no types; this is the one function the key-slot check uses. */
declare module 'cluster-key-slot' {
  /** The slot all keys share, or -1 when they do not share one. */
  export function generateMulti(keys: string[]): number;
}
