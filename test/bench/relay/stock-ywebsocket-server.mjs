// The y-websocket reference server (@y/websocket-server 0.1.1) as its own bin does it (server.js), but on
// 127.0.0.1 and a free port, which it prints. No YPERSISTENCE: it keeps every document in memory only.
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from '@y/websocket-server/utils';

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', setupWSConnection);
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('okay');
});
server.on('upgrade', (req, socket, head) => {
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  console.log(`stock listening on ws://127.0.0.1:${a.port}`);
});
process.on('SIGTERM', () => process.exit(0));
