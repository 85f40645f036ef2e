/**
 * Prometheus text exposition (format 0.0.4), written by hand: a handful of counters and gauges does not
 * justify a dependency. Labels are only the protocol's fixed reject reasons and WebSocket close codes:
 * never a document id, a device id or an address, so a scrape reveals no more than the logs.
 */
import type { RelayCounters } from './relay/index';
import type { StoreStats } from './store/index';

export interface MetricsSource {
  readonly counters: Readonly<RelayCounters>;
  readonly connections: number;
  readonly openDocuments: number;
}

type Sample = readonly [labels: string, value: number];

function family(name: string, type: 'counter' | 'gauge', help: string, samples: readonly Sample[]): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  return lines.join('\n') + '\n';
}

/** Label values here are fixed protocol names or numbers; escaping keeps the output valid regardless. */
const label = (k: string, v: string | number): string =>
  `{${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"}`;

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function renderMetrics(relay: MetricsSource, store: StoreStats | undefined): string {
  const c = relay.counters;
  const out = [
    family('dure_connections', 'gauge', 'Open sync WebSocket connections.', [['', relay.connections]]),
    family('dure_documents_open', 'gauge', 'Documents with at least one subscribed connection.', [
      ['', relay.openDocuments],
    ]),
    family('dure_frames_received_total', 'counter', 'Sync frames received.', [['', c.framesIn]]),
    family('dure_frames_sent_total', 'counter', 'Sync frames sent.', [['', c.framesOut]]),
    family('dure_received_bytes_total', 'counter', 'Bytes of sync frames received.', [['', c.bytesIn]]),
    family('dure_sent_bytes_total', 'counter', 'Bytes of sync frames sent.', [['', c.bytesOut]]),
    family('dure_acks_total', 'counter', 'Updates acknowledged after a durable commit.', [['', c.acks]]),
    family(
      'dure_rejects_total',
      'counter',
      'Frames rejected, by reason.',
      [...c.rejectsByReason].sort(([a], [b]) => a.localeCompare(b)).map(([r, n]) => [label('reason', r), n] as const),
    ),
    family(
      'dure_connection_closes_total',
      'counter',
      'Sync connections closed, by WebSocket close code.',
      [...c.closesByCode].sort(([a], [b]) => a - b).map(([code, n]) => [label('code', code), n] as const),
    ),
  ];
  if (store) {
    out.push(
      family('dure_store_documents', 'gauge', 'Documents held by the store.', [['', store.documents]]),
      family('dure_store_updates', 'gauge', 'Update envelopes held (not yet compacted).', [['', store.updates]]),
      family('dure_store_snapshots', 'gauge', 'Snapshots held.', [['', store.snapshots]]),
      family('dure_store_blobs', 'gauge', 'Encrypted blobs held.', [['', store.blobs]]),
      family('dure_store_bytes', 'gauge', 'Payload bytes held (envelopes, snapshots, blobs).', [['', store.bytes]]),
    );
  }
  out.push(family('dure_store_up', 'gauge', '1 when the store answered the stats query.', [['', store ? 1 : 0]]));
  return out.join('');
}
