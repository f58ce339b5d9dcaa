// Amounts are decimal text from the gateway: added exactly (never as floats) and never across currencies.

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

function parts(amount: string): { units: bigint; scale: number } | null {
  const found = DECIMAL.exec(amount.trim());
  if (!found) return null;
  const [, minus, whole = "0", fraction = ""] = found;
  const units = BigInt(whole + fraction) * (minus ? -1n : 1n);
  return { units, scale: fraction.length };
}

/** ``a + b`` exactly, with as many decimals as the longer of the two; text that is no amount counts as 0. */
export function add(a: string, b: string): string {
  const x = parts(a) ?? { units: 0n, scale: 0 };
  const y = parts(b) ?? { units: 0n, scale: 0 };
  const scale = Math.max(x.scale, y.scale);
  const sum = x.units * 10n ** BigInt(scale - x.scale) + y.units * 10n ** BigInt(scale - y.scale);
  const negative = sum < 0n;
  const digits = (negative ? -sum : sum).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale ? `.${digits.slice(digits.length - scale)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** The amounts of ``items`` added up per currency, the currencies in alphabetical order. */
export function totalsByCurrency<T>(items: readonly T[], amount: (item: T) => string, currency: (item: T) => string): [string, string][] {
  const totals = new Map<string, string>();
  for (const item of items) totals.set(currency(item), add(totals.get(currency(item)) ?? "0", amount(item)));
  return [...totals.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** An amount as people read it: thousands grouped, the currency after it. */
export function shown(amount: string, currency: string): string {
  const [whole = "0", fraction] = amount.split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const grouped = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, " ");
  return `${sign}${grouped}${fraction ? `.${fraction}` : ""} ${currency}`;
}

/** A count as people write it: "4.000" is 4, "2.500" is 2.5. */
export function count(value: string | number): string {
  const text = String(value);
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
