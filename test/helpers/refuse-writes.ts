// A ValidatingAdmissionPolicy spec that refuses every NetworkPolicy create and update it is bound to:
// a real refusal from the API server (what a cluster policy engine or a quota might do), for tests
// of how the operator reports a write it cannot make.
export const refuseNetworkPolicyWrites = (message: string) => ({
  failurePolicy: 'Fail',
  matchConstraints: {
    resourceRules: [
      {
        apiGroups: ['networking.k8s.io'],
        apiVersions: ['v1'],
        operations: ['CREATE', 'UPDATE'],
        resources: ['networkpolicies'],
      },
    ],
  },
  validations: [{ expression: 'false', message }],
});
