import * as path from 'path';
import { ROOT } from './markdown';

/** A documentation snippet as a module that imports the package from the repository's `src/`. */
export function asModule(snippet: string): string {
  return `export {};\n${snippet.replace(/from 'cdk8s-vcluster-platform'/g, `from ${JSON.stringify(path.join(ROOT, 'src'))}`)}`;
}
