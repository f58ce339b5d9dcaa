import { count, shown } from "../../crm/money";
import type { DealLine } from "../../crm/types";

/** The deal's products: what, how many, at what price, and each line's total. */
export function DealLines({ lines, currency }: { lines: readonly DealLine[]; currency: string }) {
  if (lines.length === 0) return <p class="muted">No products.</p>;
  return (
    <table class="lines">
      <thead>
        <tr>
          <th>Product</th>
          <th>Qty</th>
          <th>Price</th>
          <th>Total</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.line_id}>
            <td>{line.name}</td>
            <td>{count(line.quantity)}</td>
            <td>{shown(line.price, currency)}</td>
            <td>{shown(line.total, currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
