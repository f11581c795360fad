import { Migration } from './migrate';

export function typescriptProgram(_m: Migration): string {
  return '';
}
