# Cheapest tariff for a postcode and yearly consumption; prices formatted by the format_eur UDF.
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
