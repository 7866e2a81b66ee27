// In-sandbox egress for Node.js: a forwarder 127.0.0.1:<port> -> the host's filtering CONNECT proxy (Unix socket),
// and undici's EnvHttpProxyAgent as global dispatcher, because Node 20's fetch ignores HTTP(S)_PROXY on its own.
import net from 'node:net';

export async function startEgress() {
  const port = Number(process.env.OUTRIGGER_EGRESS_PORT);
  const sock = process.env.OUTRIGGER_EGRESS_SOCK || '/run/outrigger/egress.sock';
  const server = net.createServer((conn) => {
    const up = net.connect(sock);
    conn.pipe(up).pipe(conn);
    const close = () => {
      conn.destroy();
      up.destroy();
    };
    conn.on('error', close);
    up.on('error', close);
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  server.unref();
  try {
    const undici = await import(process.env.OUTRIGGER_UNDICI || '/opt/outrigger/undici/index.js');
    undici.setGlobalDispatcher(new undici.EnvHttpProxyAgent());
  } catch (e) {
    process.stderr.write(`outrigger: fetch proxy not available: ${e.message}\n`);
  }
}
