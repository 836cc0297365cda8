// Version from package.json; revision from a REVISION file that an image build may write beside it.
import { readFileSync } from 'node:fs';

function readText(relative: string): string | undefined {
  // Works from src/support/ (tsx) and dist/support/ (built): both sit two levels below the package root.
  try {
    return readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

export interface BuildInfo {
  version: string;
  revision: string;
}

export const buildInfo: BuildInfo = {
  version: (JSON.parse(readText('package.json') ?? '{}') as { version?: string }).version ?? 'unknown',
  revision: readText('REVISION')?.trim() || 'unknown',
};
