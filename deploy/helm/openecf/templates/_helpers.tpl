{{/*
Names and labels (helm create, Bitnami). Selectors use openecf.selectorLabels (plus the
component) only: a label that changes between releases in a selector breaks `helm upgrade`.
*/}}

{{- define "openecf.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release-chart, unless the release name already holds the chart name. Kept to 50
characters so "<fullname>-<component>" (at most 12 more) fits the 63 of a DNS label.
*/}}
{{- define "openecf.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "openecf.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object: commonLabels, then the chart's own (which win). */}}
{{- define "openecf.labels" -}}
{{- $labels := dict }}
{{- range $key, $value := .Values.commonLabels }}
{{- $_ := set $labels $key $value }}
{{- end }}
{{- range $key, $value := include "openecf.selectorLabels" . | fromYaml }}
{{- $_ := set $labels $key $value }}
{{- end }}
{{- $_ := set $labels "helm.sh/chart" (include "openecf.chart" .) }}
{{- $_ := set $labels "app.kubernetes.io/version" .Chart.AppVersion }}
{{- $_ := set $labels "app.kubernetes.io/managed-by" .Release.Service }}
{{- $_ := set $labels "app.kubernetes.io/part-of" "openecf" }}
{{- toYaml $labels }}
{{- end }}

{{/* The labels selectors use: stable for the life of the release. */}}
{{- define "openecf.selectorLabels" -}}
app.kubernetes.io/name: {{ include "openecf.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Per component (a process, or migrate, maintenance, test). Call with
(dict "root" $ "component" "auth").
*/}}
{{- define "openecf.componentName" -}}
{{- printf "%s-%s" (include "openecf.fullname" .root) .component }}
{{- end }}

{{- define "openecf.componentLabels" -}}
{{- $labels := include "openecf.labels" .root | fromYaml }}
{{- $_ := set $labels "app.kubernetes.io/component" .component }}
{{- toYaml $labels }}
{{- end }}

{{/*
A pod's labels: podLabels (all pods, then this process's), then the component's own labels,
which win so a selector always matches. (dict "root" $ "component" "auth" "svc" $svc)
*/}}
{{- define "openecf.podLabels" -}}
{{- $labels := dict }}
{{- range $key, $value := .root.Values.podLabels }}{{ $_ := set $labels $key $value }}{{ end }}
{{- with .svc }}
{{- range $key, $value := .podLabels }}{{ $_ := set $labels $key $value }}{{ end }}
{{- end }}
{{- range $key, $value := include "openecf.componentLabels" . | fromYaml }}
{{- $_ := set $labels $key $value }}
{{- end }}
{{- toYaml $labels }}
{{- end }}

{{/*
A pod's annotations: podAnnotations (all pods, then this process's), then the given ones.
(dict "root" $ "svc" $svc "annotations" (dict ...)); empty when there are none.
*/}}
{{- define "openecf.podAnnotations" -}}
{{- $annotations := dict }}
{{- range $key, $value := .root.Values.podAnnotations }}{{ $_ := set $annotations $key $value }}{{ end }}
{{- with .svc }}
{{- range $key, $value := .podAnnotations }}{{ $_ := set $annotations $key $value }}{{ end }}
{{- end }}
{{- range $key, $value := .annotations }}{{ $_ := set $annotations $key $value }}{{ end }}
{{- if $annotations }}{{ toYaml $annotations }}{{ end }}
{{- end }}

{{- define "openecf.componentSelectorLabels" -}}
{{ include "openecf.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/*
The processes, in metrics-port order (/metrics on metricsPortBase + index), and the five gRPC
services among them.
*/}}
{{- define "openecf.processes" -}}
["auth", "filing", "docket", "notify", "access", "edge"]
{{- end }}

{{- define "openecf.grpcServices" -}}
["auth", "filing", "docket", "notify", "access"]
{{- end }}

{{/*
Who calls whom over gRPC (the NetworkPolicies follow it): service -> its callers. Every
process but auth resolves sessions through auth (services/common/auth_client.py); filing, docket
and notify call access; auth checks the health of filing, access and docket (technical-failure
proposals, services/auth/availability.py); the edge calls every service. Besides these, the helm test pod reaches
every service. Change it here when the code's calls change.
*/}}
{{- define "openecf.callers" -}}
{"auth": ["edge", "filing", "docket", "notify", "access"], "filing": ["edge", "auth"], "docket": ["edge", "auth"], "notify": ["edge"], "access": ["edge", "filing", "docket", "notify", "auth"]}
{{- end }}

{{/* The metrics port of a process: (dict "root" $ "component" "auth"). */}}
{{- define "openecf.metricsPort" -}}
{{- $index := 0 }}
{{- range $i, $name := include "openecf.processes" .root | fromJsonArray }}
{{- if eq $name $.component }}{{ $index = $i }}{{ end }}
{{- end }}
{{- add (int .root.Values.config.metricsPortBase) $index }}
{{- end }}

{{/* The image reference: a digest pins it, else the tag, else the chart's appVersion. */}}
{{- define "openecf.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The ServiceAccount of a component: (dict "root" $ "component" "auth"). */}}
{{- define "openecf.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create }}
{{- include "openecf.componentName" . }}
{{- else }}
{{- .root.Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The chart's own Secret (values given in database.url, smtp.password). */}}
{{- define "openecf.secretName" -}}
{{- include "openecf.fullname" . }}
{{- end }}

{{/* The chart's Secret data (base64), empty when every secret comes from existing Secrets. */}}
{{- define "openecf.secretData" -}}
{{- if .Values.database.url }}
databaseUrl: {{ .Values.database.url | b64enc | quote }}
{{- end }}
{{- if .Values.totpKeys.value }}
totpKeys: {{ .Values.totpKeys.value | b64enc | quote }}
{{- end }}
{{- if .Values.smtp.password }}
smtpPassword: {{ .Values.smtp.password | b64enc | quote }}
{{- end }}
{{- end }}

{{/*
Secret environment variables: (dict "root" $ "needs" (list "database" "kafka" "smtp")), plus
"process" for a process's own identity key (its `<process>.key` from serviceIdentity.existingSecret).
*/}}
{{- define "openecf.secretEnv" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $secretName := include "openecf.secretName" $root }}
{{- if has "database" .needs }}
- name: OPENECF_DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- if $v.database.url }}
      name: {{ default $secretName .databaseSecretName }}
      key: databaseUrl
      {{- else }}
      name: {{ $v.database.existingSecret.name }}
      key: {{ $v.database.existingSecret.key }}
      {{- end }}
{{- end }}
{{- if .process }}
- name: OPENECF_SERVICE_PRIVATE_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.serviceIdentity.existingSecret.name }}
      key: {{ printf "%s.key" .process }}
{{- end }}
{{- if eq (.process | default "") "auth" }}
- name: OPENECF_AUTH_TOTP_KEYS
  valueFrom:
    secretKeyRef:
      {{- if $v.totpKeys.value }}
      name: {{ $secretName }}
      key: totpKeys
      {{- else }}
      name: {{ $v.totpKeys.existingSecret.name }}
      key: {{ $v.totpKeys.existingSecret.key }}
      {{- end }}
{{- end }}
{{- if and (has "kafka" .needs) $v.kafka.security.existingSecret.name }}
- name: OPENECF_KAFKA_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.kafka.security.existingSecret.name }}
      key: {{ $v.kafka.security.existingSecret.key }}
{{- end }}
{{- if and (has "s3" .needs) $v.documents.s3.existingSecret.name }}
- name: OPENECF_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.documents.s3.existingSecret.name }}
      key: {{ $v.documents.s3.existingSecret.key }}
{{- end }}
{{- if has "smtp" .needs }}
{{- if $v.smtp.password }}
- name: OPENECF_SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: smtpPassword
{{- else if $v.smtp.existingSecret.name }}
- name: OPENECF_SMTP_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $v.smtp.existingSecret.name }}
      key: {{ $v.smtp.existingSecret.key }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The maintenance CronJobs' schedules: given, or derived from the window (day: Monday = 0; cron:
Sunday = 0). Returns {"on": "...", "off": "..."} as JSON.
*/}}
{{- define "openecf.maintenanceSchedules" -}}
{{- $m := .Values.maintenance }}
{{- $parts := splitList ":" $m.start }}
{{- $startMinutes := add (mul (index $parts 0 | atoi) 60) (index $parts 1 | atoi) }}
{{- $begin := add (mul (int $m.day) 1440) $startMinutes }}
{{- $end := add $begin (mulf $m.hours 60 | floor | int) }}
{{- $on := printf "%d %d * * %d" (mod $begin 60) (mod (div $begin 60) 24) (mod (add (div $begin 1440) 1) 7) }}
{{- $off := printf "%d %d * * %d" (mod $end 60) (mod (div $end 60) 24) (mod (add (div $end 1440) 1) 7) }}
{{- dict "on" (default $on $m.cronJobs.onSchedule) "off" (default $off $m.cronJobs.offSchedule) | toJson }}
{{- end }}

{{/*
Settings every process reads (the ConfigMap's data), as a YAML map of strings. The checksum/config
annotation is the hash of exactly this.
*/}}
{{- define "openecf.configData" -}}
{{- $root := . }}
{{- $v := .Values }}
{{- $env := dict
  "OPENECF_BIND_HOST" "0.0.0.0"
  "OPENECF_KAFKA_BOOTSTRAP" $v.kafka.bootstrap
  "OPENECF_DATABASE_POOL_SIZE" (toString $v.config.databasePoolSize)
  "OPENECF_EDGE_PORT" (toString $v.services.edge.port)
  "OPENECF_METRICS_PORT_BASE" (toString $v.config.metricsPortBase)
  "OPENECF_GRPC_WORKERS" (toString $v.config.grpcWorkers)
  "OPENECF_SHUTDOWN_GRACE_SECONDS" (toString $v.config.shutdownGraceSeconds)
  "OPENECF_SMTP_HOST" $v.smtp.host
  "OPENECF_SMTP_PORT" (toString $v.smtp.port)
  "OPENECF_SMTP_STARTTLS" (toString $v.smtp.starttls)
  "OPENECF_SMTP_USERNAME" $v.smtp.username
  "OPENECF_MAIL_FROM" $v.smtp.mailFrom
  "OPENECF_COURT_NAME" $v.config.courtName
  "OPENECF_COURT_TIMEZONE" $v.config.courtTimezone
  "OPENECF_MAINTENANCE_DAY" (toString $v.maintenance.day)
  "OPENECF_MAINTENANCE_START" $v.maintenance.start
  "OPENECF_MAINTENANCE_HOURS" (toString $v.maintenance.hours)
  "OPENECF_LOG_LEVEL" $v.config.logLevel
  "OPENECF_TRUSTED_PROXIES" $v.config.trustedProxies
  "OPENECF_BAR_SEARCHES_PER_CLIENT_MINUTE" (toString $v.config.barSearchesPerClientMinute)
  "OPENECF_AVAILABILITY_PROBE_SECONDS" (toString $v.technicalFailures.probeSeconds)
  "OPENECF_TECHNICAL_FAILURE_THRESHOLD_MINUTES" (toString $v.technicalFailures.thresholdMinutes)
  "OPENECF_TECHNICAL_FAILURE_GRACE_DAYS" (toString $v.technicalFailures.graceDays)
  "OPENECF_KAFKA_SECURITY_PROTOCOL" $v.kafka.security.protocol
  "OPENECF_KAFKA_SSL_CAFILE" $v.kafka.security.caFile
  "OPENECF_KAFKA_SASL_MECHANISM" $v.kafka.security.saslMechanism
  "OPENECF_KAFKA_USERNAME" $v.kafka.security.username
  "OPENECF_DOCUMENT_STORE" $v.documents.store
  "OPENECF_S3_BUCKET" $v.documents.s3.bucket
  "OPENECF_S3_ENDPOINT_URL" $v.documents.s3.endpointUrl
  "OPENECF_S3_REGION" $v.documents.s3.region
  "OPENECF_S3_PREFIX" $v.documents.s3.prefix
  "OPENECF_S3_SSE" $v.documents.s3.sse
  "OPENECF_S3_SSE_KMS_KEY_ID" $v.documents.s3.sseKmsKeyId
  "OPENECF_S3_CA_FILE" $v.documents.s3.caFile
  "OPENECF_S3_ACCESS_KEY_ID" $v.documents.s3.accessKeyId
}}
{{- $publicKeys := list }}
{{- range $process, $key := $v.serviceIdentity.publicKeys }}
{{- $publicKeys = append $publicKeys (printf "%s=%s" $process $key) }}
{{- end }}
{{- $_ := set $env "OPENECF_SERVICE_PUBLIC_KEYS" (join "," $publicKeys) }}
{{- range $name := include "openecf.grpcServices" . | fromJsonArray }}
{{- $port := (index $v.services $name).port }}
{{- $_ := set $env (printf "OPENECF_%s_PORT" (upper $name)) (toString $port) }}
{{- /* The headless Service: every replica's address, for round-robin clients. */}}
{{- $_ := set $env (printf "OPENECF_%s_ADDR" (upper $name)) (printf "%s-pods:%d" (include "openecf.componentName" (dict "root" $root "component" $name)) (int $port)) }}
{{- end }}
{{- with include "openecf.publicBaseUrl" . }}
{{- $_ := set $env "OPENECF_PUBLIC_BASE_URL" . }}
{{- end }}
{{- range $key, $value := $v.config.extraEnv }}
{{- $_ := set $env $key $value }}
{{- end }}
{{- range $key, $value := $env }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
Where people reach the portal (the links in e-mails): config.publicBaseUrl, else the Ingress's
first host (https when a tls entry names it), else empty (the process's default, which only
suits a local stack; NOTES.txt warns).
*/}}
{{- define "openecf.publicBaseUrl" -}}
{{- if .Values.config.publicBaseUrl }}
{{- .Values.config.publicBaseUrl | trimSuffix "/" }}
{{- else if .Values.ingress.enabled }}
{{- $host := (first .Values.ingress.hosts).host | default "" }}
{{- if $host }}
{{- $tls := false }}
{{- range .Values.ingress.tls }}{{ if has $host (.hosts | default list) }}{{ $tls = true }}{{ end }}{{ end }}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Checks values the schema cannot express; a failed check stops the render with its reason.
*/}}
{{- define "openecf.validate" -}}
{{- $v := .Values }}
{{- $ports := list }}
{{- range $name := include "openecf.processes" . | fromJsonArray }}
{{- $svc := index $v.services $name }}
{{- $ports = append $ports (toString $svc.port) }}
{{- if and $svc.autoscaling.enabled (gt (int $svc.autoscaling.minReplicas) (int $svc.autoscaling.maxReplicas)) }}
{{- fail (printf "services.%s.autoscaling: minReplicas (%d) is above maxReplicas (%d)" $name (int $svc.autoscaling.minReplicas) (int $svc.autoscaling.maxReplicas)) }}
{{- end }}
{{- end }}
{{- range $i := until 6 }}
{{- $ports = append $ports (toString (add (int $v.config.metricsPortBase) $i)) }}
{{- end }}
{{- if ne (len $ports) (len (uniq $ports)) }}
{{- fail (printf "services.*.port and the metrics ports (config.metricsPortBase + 0…5) must all differ: %v" $ports) }}
{{- end }}
{{- if not (or $v.database.url $v.database.existingSecret.name) }}
{{- fail "set database.url or database.existingSecret.name (the PostgreSQL URL)" }}
{{- end }}
{{- include "openecf.requireServiceIdentity" . }}
{{- include "openecf.requireTotpKeys" . }}
{{- end }}

{{/*
The TOTP keys are required: auth cannot check (or seal) a second factor without them, and a
key made up at install would be lost with the pod. One message says how to make them.
*/}}
{{- define "openecf.requireTotpKeys" -}}
{{- if not (or .Values.totpKeys.value .Values.totpKeys.existingSecret.name) }}
{{- fail (printf "totpKeys is required (the keys that seal TOTP secrets at rest). Run `kubectl create secret generic openecf-totp-keys --namespace %s --from-literal=totpKeys=\"k1:$(openssl rand -base64 32)\"` and set totpKeys.existingSecret.name=openecf-totp-keys (chart README, \"TOTP keys\")" .Release.Namespace) }}
{{- end }}
{{- end }}

{{/*
The service identities are required: without every process's public key and the Secret of
private keys, no service could call another. One message says how to make them.
*/}}
{{- define "openecf.requireServiceIdentity" -}}
{{- $identity := .Values.serviceIdentity }}
{{- $missing := list }}
{{- range $name := include "openecf.processes" . | fromJsonArray }}
{{- if not (index $identity.publicKeys $name | default "") }}{{ $missing = append $missing $name }}{{ end }}
{{- end }}
{{- if or (not $identity.existingSecret.name) $missing }}
{{- $secret := $identity.existingSecret.name | default "openecf-service-keys" }}
{{- $files := list }}
{{- range $name := include "openecf.processes" . | fromJsonArray }}
{{- $files = append $files (printf "--from-file=keys/%s.key" $name) }}
{{- end }}
{{- fail (printf "serviceIdentity is incomplete (existingSecret.name: %q; publicKeys missing for: %s). Run `openecf keys generate --dir keys`, then `kubectl create secret generic %s --namespace %s %s`, and set serviceIdentity.existingSecret.name=%s and serviceIdentity.publicKeys.<process> to the keys it prints (chart README, \"Service identities\")" $identity.existingSecret.name (join ", " $missing | default "none") $secret .Release.Namespace (join " " $files) $secret) }}
{{- end }}
{{- end }}

{{/* The Kafka broker ports: those in kafka.bootstrap, plus networkPolicy.kafka.ports. */}}
{{- define "openecf.kafkaPorts" -}}
{{- $ports := list }}
{{- range $server := splitList "," .Values.kafka.bootstrap }}
{{- $ports = append $ports (regexFind "[0-9]+$" (trim $server) | atoi) }}
{{- end }}
{{- range $port := .Values.networkPolicy.kafka.ports }}
{{- $ports = append $ports (int $port) }}
{{- end }}
{{- $ports | uniq | toJson }}
{{- end }}

{{/*
Egress rules every pod that talks to the outside needs: (dict "root" $ "needs" (list "dns"
"database" "kafka" "smtp")). Empty "to" lists mean any destination on those ports.
*/}}
{{- define "openecf.networkPolicy.egress" -}}
{{- $np := .root.Values.networkPolicy }}
{{- if has "dns" .needs }}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  {{- with $np.dns.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- if has "database" .needs }}
- ports:
    {{- range $np.database.ports }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  {{- with $np.database.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- if has "kafka" .needs }}
- ports:
    {{- range include "openecf.kafkaPorts" .root | fromJsonArray }}
    - port: {{ . }}
      protocol: TCP
    {{- end }}
  {{- with $np.kafka.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- if has "smtp" .needs }}
- ports:
    - port: {{ .root.Values.smtp.port }}
      protocol: TCP
  {{- with $np.smtp.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end }}
{{- end }}

{{/* A NetworkPolicy peer from namespace/pod selectors; empty when both are empty (any). */}}
{{- define "openecf.networkPolicy.peer" -}}
{{- $peer := dict }}
{{- with .namespaceSelector }}{{ $_ := set $peer "namespaceSelector" . }}{{ end }}
{{- with .podSelector }}{{ $_ := set $peer "podSelector" . }}{{ end }}
{{- if $peer }}{{ list $peer | toYaml }}{{ end }}
{{- end }}

{{/* The pod-level scheduling and security fields shared by every pod. */}}
{{- define "openecf.podCommon" -}}
{{- $root := .root }}
{{- $svc := default (dict) .svc }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
{{- /*
No Docker-link variables: a release named "openecf" would otherwise get OPENECF_AUTH_PORT=tcp://…
from the Service openecf-auth, which the processes read as a setting.
*/}}
enableServiceLinks: false
securityContext:
  {{- toYaml $root.Values.podSecurityContext | nindent 2 }}
{{- with $root.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with (default $root.Values.nodeSelector $svc.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $root.Values.tolerations $svc.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $root.Values.affinity $svc.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The /tmp emptyDir: the only writable path (the root filesystem is read-only). */}}
{{- define "openecf.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end }}

{{- define "openecf.tmpVolumeMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/*
Every pod's volumes and every container's mounts: /tmp, then extraVolumes(Mounts) for all
pods, then the process's own (a CA file for PostgreSQL or the SMTP relay, say).
(dict "root" $ "svc" $svc); svc is optional (jobs have none).
*/}}
{{- define "openecf.volumes" -}}
{{- $svc := default (dict) .svc }}
{{- include "openecf.tmpVolume" .root }}
{{- with concat .root.Values.extraVolumes (default (list) $svc.extraVolumes) }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "openecf.volumeMounts" -}}
{{- $svc := default (dict) .svc }}
{{- include "openecf.tmpVolumeMount" .root }}
{{- with concat .root.Values.extraVolumeMounts (default (list) $svc.extraVolumeMounts) }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* extraEnvFrom for all pods, then the process's own: envFrom items after the chart's. */}}
{{- define "openecf.extraEnvFrom" -}}
{{- $svc := default (dict) .svc }}
{{- with concat .root.Values.extraEnvFrom (default (list) $svc.extraEnvFrom) }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
Everything a monitoring.coreos.com object needs to render: enabled, and the CRDs reported by
the cluster (or the check skipped on purpose). (dict "root" $ "enabled" bool)
*/}}
{{- define "openecf.monitoringRenders" -}}
{{- if and .enabled (or .root.Values.metrics.skipCapabilityCheck (.root.Capabilities.APIVersions.Has "monitoring.coreos.com/v1")) }}true{{ end }}
{{- end }}

{{/* The PromQL label matcher for this release's processes. */}}
{{- define "openecf.promSelector" -}}
namespace="{{ .Release.Namespace }}", job=~"{{ include "openecf.fullname" . }}-(auth|filing|docket|notify|access|edge)"
{{- end }}

{{/*
The default spread of a process's replicas (spread.*), used when neither the process nor the
chart sets topologySpreadConstraints: over zones and over nodes, soft (ScheduleAnyway), so a
one-zone or small cluster still schedules every pod. matchLabelKeys keeps a rollout's new
ReplicaSet from counting the old one's pods. (dict "root" $ "component" "auth")
*/}}
{{- define "openecf.defaultSpread" -}}
{{- $s := .root.Values.spread }}
{{- range $key := list $s.zoneTopologyKey $s.nodeTopologyKey }}
- maxSkew: {{ $s.maxSkew }}
  topologyKey: {{ $key }}
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "openecf.componentSelectorLabels" $ | nindent 6 }}
  matchLabelKeys:
    - pod-template-hash
{{- end }}
{{- end }}

{{/* The default soft anti-affinity: replicas of one process prefer different nodes. */}}
{{- define "openecf.defaultAffinity" -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: {{ .root.Values.spread.antiAffinityWeight }}
      podAffinityTerm:
        topologyKey: {{ .root.Values.spread.nodeTopologyKey }}
        labelSelector:
          matchLabels:
            {{- include "openecf.componentSelectorLabels" . | nindent 12 }}
{{- end }}

{{/*
Partitions of each topic the migrate hook creates: kafka.topicPartitions, or (0) the most
replicas any consuming service can run (its HPA maximum when autoscaling, else replicaCount),
at least 3: a consumer group uses at most one consumer per partition, so fewer partitions
would leave the extra replicas idle.
*/}}
{{- define "openecf.topicPartitions" -}}
{{- $partitions := int .Values.kafka.topicPartitions }}
{{- if eq $partitions 0 }}
{{- $partitions = 3 }}
{{- range $name := include "openecf.grpcServices" . | fromJsonArray }}
{{- $svc := index $.Values.services $name }}
{{- $most := int (ternary $svc.autoscaling.maxReplicas $svc.replicaCount $svc.autoscaling.enabled) }}
{{- if gt $most $partitions }}{{ $partitions = $most }}{{ end }}
{{- end }}
{{- end }}
{{- $partitions }}
{{- end }}

{{/* A number of minutes as the alerts say it: "5 hours 15 minutes", "5 hours", "45 minutes". */}}
{{- define "openecf.spokenMinutes" -}}
{{- $hours := div . 60 }}
{{- $minutes := mod . 60 }}
{{- $parts := list }}
{{- if $hours }}{{ $parts = append $parts (printf "%d hour%s" $hours (ternary "" "s" (eq $hours 1))) }}{{ end }}
{{- if or $minutes (not $hours) }}{{ $parts = append $parts (printf "%d minute%s" $minutes (ternary "" "s" (eq $minutes 1))) }}{{ end }}
{{- join " " $parts }}
{{- end }}
