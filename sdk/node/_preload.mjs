// Script-mode preload for Node.js (--import): starts the egress forwarder when the executor has egress.
if (process.env.OUTRIGGER_EGRESS_PORT) {
  const { startEgress } = await import('./_egress.mjs');
  await startEgress();
}
