// Validates a meter reading against the last one kept in storage, then keeps the new one.
export default async function handler(input, ctx) {
  const key = `meter:${input.meterNumber}`;
  const last = await ctx.storage.get(key);
  if (last && input.value < last.value) {
    return { valid: false, reason: 'below the last reading', last };
  }
  const entry = { value: input.value, date: input.date ?? new Date().toISOString().slice(0, 10) };
  await ctx.storage.set(key, entry);
  ctx.log(`meter ${input.meterNumber}: ${last?.value ?? 'none'} -> ${input.value}`);
  return { valid: true, consumption: last ? input.value - last.value : null, stored: entry };
}
