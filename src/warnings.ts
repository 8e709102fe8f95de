import { IConstruct } from 'constructs';

const WARNING = 'cdk8s-vcluster-platform:warning';

/**
 * Warnings attached to constructs (plaintext keys, version fallbacks). They are kept on the
 * construct tree instead of being printed at once, so library users decide where they go and
 * the app prints each exactly once.
 */
export class Warnings {
  /** Records `message` on `scope`. */
  public static add(scope: IConstruct, message: string): void {
    scope.node.addMetadata(WARNING, message, { stackTrace: false });
  }

  /** Every warning recorded on `root` or below it, in construct-tree order. */
  public static collect(root: IConstruct): string[] {
    const out: string[] = [];
    for (const c of root.node.findAll()) {
      for (const entry of c.node.metadata) {
        if (entry.type === WARNING) out.push(String(entry.data));
      }
    }
    return out;
  }
}
