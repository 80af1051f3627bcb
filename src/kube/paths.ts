// REST paths of the resources the operator touches.
import { GROUP, PLURAL, VERSION } from '../api/v1alpha1/index.js';

export const networkPolicies = (namespace?: string) =>
  namespace
    ? `/apis/networking.k8s.io/v1/namespaces/${namespace}/networkpolicies`
    : '/apis/networking.k8s.io/v1/networkpolicies';
export const networkPolicy = (namespace: string, name: string) => `${networkPolicies(namespace)}/${name}`;
export const profiles = (namespace?: string) =>
  namespace
    ? `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`
    : `/apis/${GROUP}/${VERSION}/${PLURAL}`;
export const profile = (namespace: string, name: string) => `${profiles(namespace)}/${name}`;
export const profileStatus = (namespace: string, name: string) => `${profile(namespace, name)}/status`;
export const namespaces = () => '/api/v1/namespaces';
export const namespace = (name: string) => `/api/v1/namespaces/${name}`;
export const baselineRecords = (namespace: string) =>
  `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/baselinerecords`;
export const baselineRecord = (namespace: string, name: string) => `${baselineRecords(namespace)}/${name}`;
export const events = (namespace: string) => `/apis/events.k8s.io/v1/namespaces/${namespace}/events`;
export const leases = (namespace: string) => `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases`;
export const lease = (namespace: string, name: string) => `${leases(namespace)}/${name}`;
export const crd = (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
export const pods = (namespace?: string) =>
  namespace ? `/api/v1/namespaces/${namespace}/pods` : '/api/v1/pods';
export const services = (namespace?: string) =>
  namespace ? `/api/v1/namespaces/${namespace}/services` : '/api/v1/services';
