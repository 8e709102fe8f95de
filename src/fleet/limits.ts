// The limits of the fleet loader. Re-exported by `loader.ts`, where other code imports them from.

/** Fleet files larger than this are refused before parsing. */
export const MAX_FLEET_FILE_BYTES = 16 * 1024 * 1024;
/** Fleets with more vClusters than this are refused before validation. */
export const MAX_VCLUSTERS = 50_000;
/**
 * Limit on alias expansion (yaml's `maxAliasCount`), and on the number of aliases in one file (yaml
 * resolves each alias by walking all earlier ones). Generous enough for a fleet that refers to one
 * anchor from every entry, small enough that a "billion laughs" file is refused in milliseconds.
 */
export const MAX_ALIAS_COUNT = 10_000;
/**
 * Limit on what aliases stand for, in characters of their targets (plus one per node), summed over
 * every alias: as much as a fleet file may hold, so aliases never make more to check than the
 * largest file does. `maxAliasCount` alone lets 500 aliases of one big map through.
 */
export const MAX_ALIAS_EXPANSION = MAX_FLEET_FILE_BYTES;
/** At most this many problems are listed; the rest are counted in one closing line. */
export const MAX_REPORTED_PROBLEMS = 100;
/**
 * At most this many problems are placed and kept (the listed ones are the first by position among
 * them); beyond, problems are only counted, and schema checks stop, so that a big file wrong in
 * every entry is refused in seconds. The closing line then says "at least N more".
 */
export const MAX_COLLECTED_PROBLEMS = 10_000;
/** Certificate authority files larger than this are refused (a CA bundle is a few KiB). */
export const MAX_CA_FILE_BYTES = 1024 * 1024;
/** A vCluster release name's limit (its pods' controller-revision-hash label must fit 63). */
export { MAX_RELEASE_NAME_LENGTH } from '../constructs/names';
/**
 * Maps and lists nested deeper than this are refused before anything recursive (yaml's composer,
 * toJS, the schema check) walks them: a real fleet nests about 6 levels, while a few thousand
 * levels exhaust the stack.
 */
export const MAX_NESTING_DEPTH = 100;
