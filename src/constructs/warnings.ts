import { IConstruct, IValidation } from 'constructs';

const WARNING = 'cdk8s-vcluster-platform:warning';

/** Set to `1` to never print warnings (a program that collects them with `Warnings.collect`). */
const QUIET_WARNINGS_ENV = 'VCLUSTER_PLATFORM_QUIET_WARNINGS';

/** Construct-tree roots that already carry the printing validation. */
const printerRoots = new WeakSet<IConstruct>();
/** Roots whose owner collects the warnings itself (`Warnings.silence`). */
const silencedRoots = new WeakSet<IConstruct>();
/** Metadata entries already printed: each warning is printed once, however often the app validates. */
const printed = new WeakSet<object>();

/**
 * Prints the tree's warnings to stderr. cdk8s validates every construct on `app.synth()`,
 * `app.synthYaml()` and `chart.toJson()`, so a plain cdk8s app prints its warnings on synth
 * without any code of its own; a validation that reports no error changes nothing else.
 */
class WarningPrinter implements IValidation {
  constructor(private readonly root: IConstruct) {}

  public validate(): string[] {
    if (silencedRoots.has(this.root) || process.env[QUIET_WARNINGS_ENV] === '1') return [];
    for (const c of this.root.node.findAll()) {
      for (const entry of c.node.metadata) {
        if (entry.type !== WARNING || printed.has(entry)) continue;
        printed.add(entry);
        process.stderr.write(`warning: ${String(entry.data)}\n`);
      }
    }
    return [];
  }
}

/**
 * Warnings attached to constructs (plaintext keys, version fallbacks). They are kept on the
 * construct tree and printed to stderr once each, as `warning: ...`, when the app synthesizes.
 * A program that prints them itself calls `Warnings.silence(app)` and then `Warnings.collect(app)`
 * (the fleet CLI does); `VCLUSTER_PLATFORM_QUIET_WARNINGS=1` turns printing off for the process.
 */
export class Warnings {
  /** Records `message` on `scope`; it is printed when the app synthesizes. */
  public static add(scope: IConstruct, message: string): void {
    scope.node.addMetadata(WARNING, message, { stackTrace: false });
    const root = scope.node.root;
    if (!printerRoots.has(root)) {
      printerRoots.add(root);
      root.node.addValidation(new WarningPrinter(root));
    }
  }

  /** Stops printing the warnings of `scope`'s construct tree: the caller collects and shows them. */
  public static silence(scope: IConstruct): void {
    silencedRoots.add(scope.node.root);
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
