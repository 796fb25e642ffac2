{{/* Object name prefix: the release name unless pinned. */}}
{{- define "singanseg.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "singanseg.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: singanseg
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selects both pools: the silos' peer Service and anything cluster-wide. */}}
{{- define "singanseg.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Configuration takes TimeSpans as hh:mm:ss; argument: whole seconds below a day. */}}
{{- define "singanseg.timespan" -}}
{{- $s := int . -}}
{{- if ge $s 86400 -}}
{{- fail "shutdown times must stay below 24 hours" -}}
{{- end -}}
{{- printf "%02d:%02d:%02d" (div $s 3600) (mod (div $s 60) 60) (mod $s 60) -}}
{{- end -}}

{{/* The CPU pool trains only when there is no GPU pool to do it. */}}
{{- define "singanseg.cpuAcceptsImageGrains" -}}
{{- if .Values.gpu.enabled -}}false{{- else -}}true{{- end -}}
{{- end -}}

{{- define "singanseg.requireAuth" -}}
{{- if not (or .Values.auth.apiKeys.existingSecret .Values.auth.oidc.authority) -}}
{{- fail "auth: set auth.apiKeys.existingSecret or auth.oidc.authority; the cluster refuses to start without either" -}}
{{- end -}}
{{- end -}}

{{/* The storage backend, checked: "azure" or "postgres". */}}
{{- define "singanseg.storageBackend" -}}
{{- $b := .Values.storage.backend -}}
{{- if not (or (eq $b "azure") (eq $b "postgres")) -}}
{{- fail (printf "storage.backend must be azure or postgres, not %s" $b) -}}
{{- end -}}
{{- $b -}}
{{- end -}}

{{/* The artifacts' ReadWriteMany claim (postgres backend): the given one or the chart's own. */}}
{{- define "singanseg.sharedClaim" -}}
{{- default (printf "%s-artifacts" (include "singanseg.fullname" .)) .Values.storage.shared.existingClaim -}}
{{- end -}}
