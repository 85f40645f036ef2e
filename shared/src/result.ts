/**
 * Expected failures (a record that does not decrypt, a wrong passphrase, a full disk) are values;
 * misuse (a key of the wrong length, a closed store) throws.
 */
export type Result<T, E extends string = string> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E; readonly detail?: string };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E extends string>(error: E, detail?: string): { ok: false; error: E; detail?: string } =>
  detail === undefined ? { ok: false, error } : { ok: false, error, detail };
