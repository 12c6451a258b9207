import { UsageError } from '../args.js';
export async function runCompareCommand(_argv: string[]): Promise<number> {
  throw new UsageError('compare: not available yet');
}
