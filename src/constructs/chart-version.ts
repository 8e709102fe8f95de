/** Where a vCluster chart version expects the `apiKey` block in vcluster.yaml. */
export enum ValuesLayout {
  /** Charts 0.21.0 up to 0.31.x: `external.platform.apiKey` and `external.platform.project`. */
  EXTERNAL_PLATFORM = 'external.platform',
  /** Charts 0.32.0 and later, its pre-releases included: top-level `platform.apiKey` and `platform.project`. */
  PLATFORM = 'platform',
}

/** A parsed vCluster chart version. */
export interface ChartVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Pre-release part without the '-', e.g. `rc.1`; empty for a release. */
  readonly prerelease: string;
  /** The version as written, without a leading `v`. */
  readonly text: string;
}

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** What a chart version must look like, for error messages. */
export const CHART_VERSION_RULE = 'a semantic version of vCluster chart 0.21.0 or later, e.g. "0.31.3" or "0.36.1"';

/** Parses a semantic version; `undefined` when it is not one. */
export function parseChartVersion(value: unknown): ChartVersion | undefined {
  if (typeof value !== 'string') return undefined;
  const m = SEMVER.exec(value);
  if (!m) return undefined;
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    patch: Number(m[3]),
    prerelease: m[4] ?? '',
    text: value.replace(/^v/, ''),
  };
}

function below(v: ChartVersion, major: number, minor: number, patch: number): boolean {
  if (v.major !== major) return v.major < major;
  if (v.minor !== minor) return v.minor < minor;
  if (v.patch !== patch) return v.patch < patch;
  // A pre-release of x.y.z comes before x.y.z itself.
  return v.prerelease !== '';
}

/** True when `v` is older than every release AND every pre-release of x.y.z (semver `< x.y.z-0`). */
function belowAllPrereleasesOf(v: ChartVersion, major: number, minor: number, patch: number): boolean {
  return below({ ...v, prerelease: '' }, major, minor, patch);
}

/**
 * The values layout a chart version expects, or `undefined` below 0.21.0 (no `apiKey` block there).
 * The switch to top-level `platform` is at 0.32.0-0: every 0.32.0 pre-release (alpha.0-2, next.0,
 * rc.1, rc.2) already reads `platform.apiKey` and rejects `external` (each tag's
 * `chart/values.schema.json`).
 */
export function valuesLayoutFor(v: ChartVersion): ValuesLayout | undefined {
  if (v.major === 0 && below(v, 0, 21, 0)) return undefined;
  return v.major === 0 && belowAllPrereleasesOf(v, 0, 32, 0) ? ValuesLayout.EXTERNAL_PLATFORM : ValuesLayout.PLATFORM;
}

/**
 * True where the chart's own cross-namespace RBAC binds the wrong subject namespace
 * (0.20.0–0.23.2 and 0.24.0–0.24.1; fixed in 0.23.3, 0.24.2 and 0.25.0), so `createRBAC` cannot work.
 */
export function hasBrokenChartRbac(v: ChartVersion): boolean {
  if (v.major !== 0) return false;
  if (!below(v, 0, 20, 0) && below(v, 0, 23, 3)) return true;
  return !below(v, 0, 24, 0) && below(v, 0, 24, 2);
}
