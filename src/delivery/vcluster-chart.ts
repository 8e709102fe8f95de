// Where every delivery engine (Argo CD, Flux) installs the vCluster chart from.

/** The Helm repository of the vCluster chart. */
export const VCLUSTER_CHART_REPOSITORY = 'https://charts.loft.sh';

/** The name of the vCluster chart in that repository. */
export const VCLUSTER_CHART = 'vcluster';
