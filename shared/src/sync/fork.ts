import { equalBytes } from '../bytes';
import type { PeerHead } from '../protocol/index';

/**
 * E2EE 4.8 #7: a relay that shows two devices different snapshot chains. An honest relay accepts exactly
 * one snapshot per parent (PROTOCOL.md, relay rules), so two heads for one relay cannot both be true when
 * they are the same snapshot with another proof, two different snapshots with the same parent (or both
 * with none), or one names the other as parent with another proof. Anything else may simply be one device
 * being behind, and is not reported. Heads come from peers' hellos unsigned: a peer can cause a false
 * report (a warning; nothing is thrown away), never hide a real one from the other side.
 */
export function headsFork(mine: PeerHead, theirs: PeerHead): boolean {
  if (mine.snapId === theirs.snapId) return !equalBytes(mine.proof, theirs.proof);
  if (mine.parent === null && theirs.parent === null) return true;
  if (mine.parent && theirs.parent && mine.parent.snapId === theirs.parent.snapId) return true;
  if (theirs.parent?.snapId === mine.snapId) return !equalBytes(theirs.parent.proof, mine.proof);
  if (mine.parent?.snapId === theirs.snapId) return !equalBytes(mine.parent.proof, theirs.proof);
  return false;
}
