/**
 * Title search over local documents. NFC on both sides, because macOS and some IMEs produce
 * decomposed Hangul (NFD jamo) that would otherwise never match what another device typed.
 */
const fold = (s: string): string => s.normalize('NFC').toLocaleLowerCase();

export function matchesTitle(title: string, query: string): boolean {
  const q = fold(query.trim());
  return q === '' || fold(title).includes(q);
}
