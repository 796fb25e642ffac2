{{/*
The pod template both pools share. Argument: dict with
  root (the chart's $), pool ("cpu" | "gpu"), p (that pool's values), image, accelerator,
  slots, acceptImageGrains ("true" | "false").
*/}}
{{- define "singanseg.pod" -}}
{{- $root := .root -}}
{{- $v := $root.Values -}}
{{- $fullname := include "singanseg.fullname" $root -}}
metadata:
  labels:
    {{- include "singanseg.labels" $root | nindent 4 }}
    app.kubernetes.io/component: silo-{{ .pool }}
  annotations:
    # Rolls the pods when the configuration changes.
    checksum/config: {{ include "singanseg.configData" $root | sha256sum }}
    {{- if $v.telemetry.prometheus.enabled }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ int $v.telemetry.prometheus.port | quote }}
    prometheus.io/path: /metrics
    {{- end }}
spec:
  serviceAccountName: {{ $fullname }}
  automountServiceAccountToken: false
  # Long enough for image grains to finish their scale and checkpoint after SIGTERM.
  terminationGracePeriodSeconds: {{ add $v.shutdown.graceSeconds $v.shutdown.terminationMarginSeconds }}
  {{- with $v.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $v.podSecurityContext | nindent 4 }}
  {{- with .p.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .p.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .p.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: silo
      image: {{ .image | quote }}
      imagePullPolicy: {{ $v.image.pullPolicy }}
      envFrom:
        - configMapRef:
            name: {{ $fullname }}-config
      env:
        # Orleans endpoints come from the pod itself (membership in the storage backend, no
        # Kubernetes hosting package: the cluster spans two Deployments).
        - name: POD_IP
          valueFrom:
            fieldRef:
              fieldPath: status.podIP
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: POD_NAMESPACE
          valueFrom:
            fieldRef:
              fieldPath: metadata.namespace
        - name: Silo__AdvertisedAddress
          value: $(POD_IP)
        - name: Silo__SiloName
          value: $(POD_NAME)
        - name: OTEL_RESOURCE_ATTRIBUTES
          value: k8s.pod.name=$(POD_NAME),k8s.namespace.name=$(POD_NAMESPACE),singanseg.pool={{ .pool }}
        - name: SinGanSeg__Accelerator
          value: {{ .accelerator | quote }}
        - name: SinGanSeg__Device
          value: {{ .p.device | quote }}
        - name: SinGanSeg__Slots
          value: {{ .slots | quote }}
        - name: SinGanSeg__AcceptImageGrains
          value: {{ .acceptImageGrains | quote }}
        {{- if eq (include "singanseg.storageBackend" $root) "postgres" }}
        - name: SinGanSeg__Postgres__ConnectionString
          valueFrom:
            secretKeyRef:
              name: {{ required "storage.postgres.existingSecret is required" $v.storage.postgres.existingSecret }}
              key: {{ $v.storage.postgres.secretKey }}
        {{- else }}
        - name: SinGanSeg__AzureConnectionString
          valueFrom:
            secretKeyRef:
              name: {{ required "storage.existingSecret is required" $v.storage.existingSecret }}
              key: {{ $v.storage.secretKey }}
        {{- end }}
        {{- if $v.auth.apiKeys.existingSecret }}
        - name: Auth__ApiKeys
          valueFrom:
            secretKeyRef:
              name: {{ $v.auth.apiKeys.existingSecret }}
              key: {{ $v.auth.apiKeys.key }}
        {{- end }}
      ports:
        - name: http
          containerPort: 8080
          protocol: TCP
        - name: silo
          containerPort: {{ int $v.cluster.siloPort }}
          protocol: TCP
        {{- if $v.cluster.enableGateway }}
        - name: gateway
          containerPort: {{ int $v.cluster.gatewayPort }}
          protocol: TCP
        {{- end }}
        {{- if $v.telemetry.prometheus.enabled }}
        - name: metrics
          containerPort: {{ int $v.telemetry.prometheus.port }}
          protocol: TCP
        {{- end }}
      startupProbe:
        httpGet:
          path: /health/live
          port: http
        periodSeconds: {{ int $v.probes.periodSeconds }}
        failureThreshold: {{ int $v.probes.startupFailureThreshold }}
      livenessProbe:
        httpGet:
          path: /health/live
          port: http
        periodSeconds: 20
        timeoutSeconds: 5
        failureThreshold: 3
      readinessProbe:
        httpGet:
          path: /health/ready
          port: http
        periodSeconds: {{ int $v.probes.periodSeconds }}
        timeoutSeconds: 5
        failureThreshold: 3
      resources:
        {{- if eq .pool "gpu" }}
        {{- with .p.resources.requests }}
        requests:
          {{- toYaml . | nindent 10 }}
        {{- end }}
        limits:
          nvidia.com/gpu: {{ int .p.count }}
          {{- with .p.resources.limits }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        {{- else }}
        {{- toYaml .p.resources | nindent 8 }}
        {{- end }}
      securityContext:
        {{- toYaml $v.securityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: scratch
          mountPath: /scratch
        {{- if $v.cluster.tls.existingSecret }}
        - name: silo-tls
          mountPath: {{ $v.cluster.tls.mountPath }}
          readOnly: true
        {{- end }}
        {{- if $v.auth.dataProtection.existingSecret }}
        - name: data-protection
          mountPath: {{ $v.auth.dataProtection.mountPath }}
          readOnly: true
        {{- end }}
        {{- if $v.weights.existingClaim }}
        - name: weights
          mountPath: {{ $v.weights.mountPath }}
          readOnly: true
        {{- end }}
        {{- if eq (include "singanseg.storageBackend" $root) "postgres" }}
        - name: artifacts
          mountPath: {{ $v.storage.shared.mountPath }}
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $v.tmp.sizeLimit }}
    - name: scratch
      emptyDir:
        sizeLimit: {{ $v.scratch.sizeLimit }}
    {{- if $v.cluster.tls.existingSecret }}
    - name: silo-tls
      secret:
        secretName: {{ $v.cluster.tls.existingSecret }}
        defaultMode: 288 # 0440: the pod group (fsGroup) reads, nobody writes
    {{- end }}
    {{- if $v.auth.dataProtection.existingSecret }}
    - name: data-protection
      secret:
        secretName: {{ $v.auth.dataProtection.existingSecret }}
        defaultMode: 288 # 0440: the pod group (fsGroup) reads, nobody writes
    {{- end }}
    {{- if $v.weights.existingClaim }}
    - name: weights
      persistentVolumeClaim:
        claimName: {{ $v.weights.existingClaim }}
        readOnly: true
    {{- end }}
    {{- if eq (include "singanseg.storageBackend" $root) "postgres" }}
    - name: artifacts
      persistentVolumeClaim:
        claimName: {{ include "singanseg.sharedClaim" $root }}
    {{- end }}
{{- end -}}
