// Demo `code` executors, one per language, seeded with --demo when the sandbox can run code:
// a tariff offer calculator (Python) that formats prices through a PHP UDF, and a meter reading validator
// (Node.js) that keeps the last reading per meter in storage objects.
import type { ExecutorInput } from '../executors/definition.js';

const TARIFF_CALC_PY = `# Cheapest tariff for a postcode and yearly consumption; prices formatted by the format_eur UDF.
TARIFFS = [
    {"name": "Strom Basis", "base": 9.90, "per_kwh": 0.32},
    {"name": "Strom Öko", "base": 11.50, "per_kwh": 0.30},
    {"name": "Strom Fix24", "base": 14.00, "per_kwh": 0.28},
]

def handler(input, ctx):
    kwh = float(input.get("consumptionKwh", 2500))
    offers = []
    for t in TARIFFS:
        yearly = round(t["base"] * 12 + t["per_kwh"] * kwh, 2)
        offers.append({"tariff": t["name"], "yearlyCost": yearly})
    offers.sort(key=lambda o: o["yearlyCost"])
    cheapest = offers[0]
    cheapest["formatted"] = ctx.udf("format_eur", {"amount": cheapest["yearlyCost"]})["text"]
    ctx.log(f"{len(offers)} offers for {input['zip']}, cheapest {cheapest['tariff']}")
    return {"zip": input["zip"], "consumptionKwh": kwh, "cheapest": cheapest, "offers": offers}
`;

const METER_VALIDATOR_MJS = `// Validates a meter reading against the last one kept in storage, then keeps the new one.
export default async function handler(input, ctx) {
  const key = \`meter:\${input.meterNumber}\`;
  const last = await ctx.storage.get(key);
  if (last && input.value < last.value) {
    return { valid: false, reason: 'below the last reading', last };
  }
  const entry = { value: input.value, date: input.date ?? new Date().toISOString().slice(0, 10) };
  await ctx.storage.set(key, entry);
  ctx.log(\`meter \${input.meterNumber}: \${last?.value ?? 'none'} -> \${input.value}\`);
  return { valid: true, consumption: last ? input.value - last.value : null, stored: entry };
}
`;

const FORMAT_EUR_PHP = `<?php
// Formats an amount the German way: 1.234,56 €.
function handler(array $input, Outrigger\\Context $ctx): mixed {
    $amount = (float)($input['amount'] ?? 0);
    return ['text' => number_format($amount, 2, ',', '.') . ' €'];
}
`;

export const DEMO_CODE_EXECUTORS: ExecutorInput[] = [
  {
    name: 'format_eur', type: 'code', description: 'UDF: formats an amount in euros (PHP)',
    inputSchema: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] },
    code: { language: 'php', source: FORMAT_EUR_PHP },
  },
  {
    name: 'tariff_offer_calc', type: 'code', description: 'Cheapest tariff for a postcode and consumption (Python, calls the format_eur UDF)',
    inputSchema: { type: 'object', properties: { zip: { type: 'string', pattern: '^\\d{5}$' }, consumptionKwh: { type: 'number', exclusiveMinimum: 0 } }, required: ['zip'] },
    code: { language: 'python', source: TARIFF_CALC_PY },
  },
  {
    name: 'validate_meter_reading', type: 'code', description: 'Checks a meter reading against the last one in storage (Node.js)',
    inputSchema: { type: 'object', properties: { meterNumber: { type: 'string' }, value: { type: 'number' }, date: { type: 'string' } }, required: ['meterNumber', 'value'] },
    code: { language: 'node', source: METER_VALIDATOR_MJS },
  },
];

/** The UDF library entries of the demo. */
export const DEMO_UDFS = [{ name: 'format_eur', executor: 'format_eur', description: 'Formats an amount in euros' }];
