// ml-isolation-forest 0.1.0 ships no typings; only the bench imports it (for the comparison).
declare module 'ml-isolation-forest' {
  export class IsolationForest {
    constructor(options?: { nEstimators?: number });
    train(rows: number[][]): void;
    predict(rows: number[][]): number[];
  }
}
