{{/* Object names: the release name unless overridden (release "apptrust-operator" matches config/default). */}}
{{- define "apptrust-operator.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The labels config/default puts on every object, plus Helm's own. */}}
{{- define "apptrust-operator.labels" -}}
app.kubernetes.io/name: apptrust-operator
app.kubernetes.io/part-of: apptrust
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
