{{/* The ConfigMap's data; also hashed into the pods' checksum/config annotation. */}}
{{- define "singanseg.configData" -}}
{{- $v := .Values -}}
{{- if eq (include "singanseg.storageBackend" .) "postgres" -}}
SinGanSeg__Storage: Postgres
SinGanSeg__ArtifactDirectory: {{ $v.storage.shared.mountPath | quote }}
SinGanSeg__Postgres__ApplySchema: {{ $v.storage.postgres.applySchema | toString | quote }}
{{- else -}}
SinGanSeg__Storage: Azure
SinGanSeg__BlobContainer: {{ $v.storage.blobContainer | quote }}
SinGanSeg__TablePrefix: {{ $v.storage.tablePrefix | quote }}
{{- end }}
SinGanSeg__ScratchDirectory: /scratch
SinGanSeg__ShutdownGrace: {{ include "singanseg.timespan" $v.shutdown.graceSeconds | quote }}
{{- with $v.retention.days }}
SinGanSeg__RetentionDays: {{ . | toString | quote }}
{{- end }}
Silo__ClusterId: {{ $v.cluster.clusterId | quote }}
Silo__ServiceId: {{ $v.cluster.serviceId | quote }}
Silo__SiloPort: {{ int $v.cluster.siloPort | quote }}
Silo__GatewayPort: {{ int $v.cluster.gatewayPort | quote }}
Silo__EnableGateway: {{ $v.cluster.enableGateway | toString | quote }}
{{- if $v.cluster.tls.existingSecret }}
Silo__Tls__CertificatePath: {{ printf "%s/tls.crt" $v.cluster.tls.mountPath | quote }}
Silo__Tls__KeyPath: {{ printf "%s/tls.key" $v.cluster.tls.mountPath | quote }}
Silo__Tls__CaPath: {{ printf "%s/ca.crt" $v.cluster.tls.mountPath | quote }}
{{- end }}
ASPNETCORE_HTTP_PORTS: "8080"
{{- if $v.ingress.enabled }}
{{- /* The ingress terminates TLS; the scheme and client address it forwards keep the sign-in cookie Secure and sign-in limits per client. */}}
Silo__TrustForwardedHeaders: "true"
{{- end }}
{{- range $i, $root := $v.inputRoots }}
SinGanSeg__InputRoots__{{ $i }}: {{ $root | quote }}
{{- end }}
Limits__MaxIterations: {{ int $v.limits.maxIterations | quote }}
Limits__MaxSize: {{ int $v.limits.maxSize | quote }}
Limits__MaxImagesPerJob: {{ int $v.limits.maxImagesPerJob | quote }}
Limits__MaxSamplesPerImage: {{ int $v.limits.maxSamplesPerImage | quote }}
Limits__MaxEventStreamsPerClient: {{ int $v.limits.maxEventStreamsPerClient | quote }}
Uploads__MaxFileBytes: {{ int $v.uploads.maxFileBytes | quote }}
Uploads__MaxRequestBytes: {{ int $v.uploads.maxRequestBytes | quote }}
{{- /* Every gate alike, by name: a new gate is a values entry, not a change here. A plain value is the older flat form (gates.copyCheck: drop, gates.copyThreshold: 0.9), which the silo still reads as Gates__<key>. */}}
{{- range $name, $gate := $v.gates }}
{{- if kindIs "map" $gate }}
{{- with $gate.policy }}
Gates__{{ $name }}__Policy: {{ . | quote }}
{{- end }}
{{- with $gate.threshold }}
Gates__{{ $name }}__Threshold: {{ . | quote }}
{{- end }}
{{- else if $gate }}
Gates__{{ $name }}: {{ $gate | quote }}
{{- end }}
{{- end }}
Telemetry__ServiceName: {{ $v.telemetry.serviceName | quote }}
Telemetry__Prometheus__Enabled: {{ $v.telemetry.prometheus.enabled | toString | quote }}
Telemetry__Prometheus__Port: {{ int $v.telemetry.prometheus.port | quote }}
{{- with $v.telemetry.otlp.endpoint }}
Telemetry__Otlp__Endpoint: {{ . | quote }}
Telemetry__Otlp__Protocol: {{ $v.telemetry.otlp.protocol | quote }}
{{- end }}
Auth__SessionLifetime: {{ $v.auth.sessionLifetime | quote }}
{{- with $v.auth.oidc.authority }}
Auth__Oidc__Authority: {{ . | quote }}
Auth__Oidc__Audience: {{ required "auth.oidc.audience is required with auth.oidc.authority" $v.auth.oidc.audience | quote }}
{{- end }}
{{- with $v.auth.oidc.requiredClaim.type }}
Auth__Oidc__RequiredClaim__Type: {{ . | quote }}
{{- range $i, $value := $v.auth.oidc.requiredClaim.values }}
Auth__Oidc__RequiredClaim__Values__{{ $i }}: {{ $value | quote }}
{{- end }}
{{- end }}
{{- if $v.auth.dataProtection.existingSecret }}
DataProtection__CertificatePath: {{ printf "%s/tls.crt" $v.auth.dataProtection.mountPath | quote }}
DataProtection__KeyPath: {{ printf "%s/tls.key" $v.auth.dataProtection.mountPath | quote }}
{{- end }}
{{- if and $v.auth.dataProtection.blobContainer (ne (include "singanseg.storageBackend" .) "postgres") }}
DataProtection__BlobContainer: {{ $v.auth.dataProtection.blobContainer | quote }}
{{- end }}
{{- if $v.weights.existingClaim }}
{{- with $v.weights.vgg16 }}
SinGanSeg__Weights__Vgg16: {{ printf "%s/%s" $v.weights.mountPath . | quote }}
{{- end }}
{{- with $v.weights.vgg19 }}
SinGanSeg__Weights__Vgg19: {{ printf "%s/%s" $v.weights.mountPath . | quote }}
{{- end }}
{{- with $v.weights.inceptionV3 }}
SinGanSeg__Weights__InceptionV3: {{ printf "%s/%s" $v.weights.mountPath . | quote }}
{{- end }}
{{- end }}
{{- range $key, $value := $v.extraConfig }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}
