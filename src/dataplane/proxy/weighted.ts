/** Picks items at random in proportion to their weight (items with weight 0 are never picked). */
export class WeightedPicker<T extends { readonly weight: number }> {
  private readonly cumulative: number[] = [];
  private readonly total: number;

  constructor(public readonly items: readonly T[]) {
    let sum = 0;
    for (const item of items) {
      sum += item.weight;
      this.cumulative.push(sum);
    }
    this.total = sum;
  }

  /** A weighted random item; undefined when there is none. */
  public pick(): T | undefined {
    const items = this.items;
    const n = items.length;
    if (n <= 1) return items[0];
    const r = Math.random() * this.total;
    const c = this.cumulative;
    for (let i = 0; i < n; i++) if (r < c[i]) return items[i];
    return items[n - 1];
  }
}
