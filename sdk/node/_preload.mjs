// Script-mode preload for Node.js (--import): blocking stdout/stderr, and the egress forwarder when the executor has egress.

// Node queues pipe writes in its own heap when the reader is slower; a print loop would then die of memory before
// the log cap applies. Blocking writes push back on the writer instead.
for (const stream of [process.stdout, process.stderr]) stream._handle?.setBlocking?.(true);

if (process.env.OUTRIGGER_EGRESS_PORT) {
  const { startEgress } = await import('./_egress.mjs');
  await startEgress();
}
