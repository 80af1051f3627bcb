// Pins kind's NetworkPolicy enforcer for the dataplane test tier; build.sh builds it from this
// module's verified copy with our patches (see patches/). Never imported by the operator.
module apptrust.dev/testenforcer

go 1.23.0

require sigs.k8s.io/kube-network-policies v0.8.0
