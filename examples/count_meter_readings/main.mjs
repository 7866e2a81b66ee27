// Event hook: counts the meter readings submitted per meter (storage key meter-count:<meter>).
export default async function handler(event, ctx) {
  const key = `meter-count:${event.data.meterNumber}`;
  const count = ((await ctx.storage.get(key)) ?? 0) + 1;
  await ctx.storage.set(key, count);
  ctx.log(`${event.type ?? 'event'} for ${event.data.meterNumber}: reading number ${count}`);
  return { meterNumber: event.data.meterNumber, count };
}
