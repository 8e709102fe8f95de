/** Who creates the Role and RoleBinding that let a vCluster read a key kept in another namespace. */
export enum RbacMode {
  /**
   * This library emits them (`PlatformApiKeyRbac`) and the values say `createRBAC: false`, so
   * GitOps owns them and the vCluster needs no rights to create RBAC.
   */
  STATIC = 'static',
  /** The vCluster chart renders them (`createRBAC: true`); nothing is emitted here. */
  CHART = 'chart',
}
