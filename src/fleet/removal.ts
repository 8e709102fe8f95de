import { RemovalPolicy } from '../delivery/removal-policy';
import { Fleet } from './types';

/** The delivery constructs' `RemovalPolicy` for the fleet's `onRemoval` (default: keep the vCluster running). */
export function removalPolicyOf(fleet: Fleet): RemovalPolicy {
  return fleet.onRemoval === 'uninstall' ? RemovalPolicy.UNINSTALL : RemovalPolicy.KEEP;
}
