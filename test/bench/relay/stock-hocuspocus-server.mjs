// @hocuspocus/server with no extensions (nothing stored anywhere), on 127.0.0.1 and a free port, printed.
import { Server } from '@hocuspocus/server';

const server = new Server({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: true });
await server.listen();
console.log(`stock listening on ws://127.0.0.1:${server.address.port}`);
