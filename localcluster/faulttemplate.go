package localcluster

// The kwok templates (Go templates with sprig and kwok's functions, over
// the Pod as JSON) that render what a kubelet reports. A fault stage's
// patch and each of its event steps render prelude + the kind's fragment +
// their own output, so every step sees the same variables. Placeholders in
// capitals are replaced per rule and container slot.

// tplPrelude finds the faulty container ($c) and its current status
// ($old), and sets the defaults the fragments change.
const tplPrelude = `
{{- $now := Now }}
{{- $pod := . }}
{{- $init := SLOT_INIT }}
{{- $idx := SLOT_INDEX }}
{{- $c := index .spec.SLOT_LIST $idx }}
{{- $old := dict }}
{{- range (or .status.SLOT_STATUSES list) }}{{ if eq .name $c.name }}{{ $old = . }}{{ end }}{{ end }}
{{- $start := or .status.startTime $now }}
{{- $node := or .spec.nodeName "" }}
{{- $ip := or .status.podIP "" }}
{{- $fieldPath := printf "spec.SLOT_LIST{%s}" $c.name }}
{{- $podDesc := printf "%s_%s(%s)" .metadata.name .metadata.namespace .metadata.uid }}
{{- $restarts := int (or $old.restartCount 0) }}
{{- $phase := "Running" }}
{{- $evs := list }}
`

// tplCrashRestart: the container exited and the kubelet restarts it with
// growing back-off.
const tplCrashRestart = `
{{- $restarts = add $restarts 1 }}
{{- $backoff := "5m0s" }}
{{- if le $restarts 1 }}{{ $backoff = "10s" }}{{ else if eq $restarts 2 }}{{ $backoff = "20s" }}{{ else if eq $restarts 3 }}{{ $backoff = "40s" }}{{ else if eq $restarts 4 }}{{ $backoff = "1m20s" }}{{ else if eq $restarts 5 }}{{ $backoff = "2m40s" }}{{ end }}
{{- $entry := dict "name" $c.name "image" $c.image "ready" false "started" false "restartCount" $restarts
    "state" (dict "waiting" (dict "reason" "CrashLoopBackOff" "message" (printf "back-off %s restarting failed container=%s pod=%s" $backoff $c.name $podDesc)))
    "lastState" (dict "terminated" (dict "exitCode" FAULT_EXIT "reason" FAULT_REASON "startedAt" $now "finishedAt" $now)) }}
{{- $evs = append $evs (dict "type" "Warning" "reason" "BackOff" "message" (printf "Back-off restarting failed container %s in pod %s" $c.name $podDesc) "count" $restarts) }}
{{- if $init }}{{ $phase = "Pending" }}{{ end }}
`

// tplCrashExit: the container exited and restartPolicy Never keeps it
// terminated; a pod whose only container (or an init container) failed is
// Failed.
const tplCrashExit = `
{{- $entry := dict "name" $c.name "image" $c.image "ready" false "started" false "restartCount" $restarts
    "state" (dict "terminated" (dict "exitCode" FAULT_EXIT "reason" FAULT_REASON "startedAt" $start "finishedAt" $now)) }}
{{- if or $init (eq (len .spec.containers) 1) }}{{ $phase = "Failed" }}{{ end }}
`

// tplImagePull: the pull fails (ErrImagePull), then backs off.
const tplImagePull = `
{{- $img := $c.image }}
{{- $registry := "docker.io" }}
{{- $first := regexFind "^[^/]+" $img }}
{{- if and (contains "/" $img) (regexMatch "[.:]" $first) }}{{ $registry = $first }}{{ end }}
{{- $err := replace "{registry}" $registry (replace "{image}" $img FAULT_MESSAGE) }}
{{- $w := dict "reason" "ErrImagePull" "message" $err }}
{{- $ev1 := dict "type" "Warning" "reason" "Failed" "message" (printf "Failed to pull image %q: %s" $img $err) "count" 1 }}
{{- $ev2 := dict "type" "Warning" "reason" "Failed" "message" "Error: ErrImagePull" "count" 1 }}
{{- if has (dig "state" "waiting" "reason" "" $old) (list "ErrImagePull" "ImagePullBackOff") }}
{{- $w = dict "reason" "ImagePullBackOff" "message" (printf "Back-off pulling image %q: ErrImagePull: %s" $img $err) }}
{{- $ev1 = dict "type" "Normal" "reason" "BackOff" "message" (printf "Back-off pulling image %q" $img) "count" 1 }}
{{- $ev2 = dict "type" "Warning" "reason" "Failed" "message" "Error: ImagePullBackOff" "count" 1 }}
{{- end }}
{{- $entry := dict "name" $c.name "image" $c.image "ready" false "started" false "restartCount" $restarts "state" (dict "waiting" $w) }}
{{- with $old.lastState }}{{ $_ := set $entry "lastState" . }}{{ end }}
{{- $evs = list $ev1 $ev2 }}
{{- if ne (or .status.phase "") "Running" }}{{ $phase = "Pending" }}{{ end }}
`

// tplProbeOutput computes $out, the kubelet's Unhealthy message for probe
// $p of container $c (PROBE_KIND is Readiness or Liveness).
const tplProbeOutput = `
{{- $port := "" }}
{{- $perr := "" }}
{{- $sp := "" }}
{{- if $p.httpGet }}{{ $sp = $p.httpGet.port }}{{ else if $p.tcpSocket }}{{ $sp = $p.tcpSocket.port }}{{ end }}
{{- if typeIs "string" $sp }}
{{- $perr = printf "port %q not found" $sp }}
{{- range (or $c.ports list) }}{{ if eq (toString (or .name "")) $sp }}{{ $port = toString .containerPort }}{{ $perr = "" }}{{ end }}{{ end }}
{{- else }}{{ $port = toString $sp }}{{ end }}
{{- $out := "" }}
{{- if FAULT_MESSAGE }}{{ $out = printf "PROBE_KIND probe failed: %s" FAULT_MESSAGE }}
{{- else if $perr }}{{ $out = printf "PROBE_KIND probe errored and resulted in unknown state: %s" $perr }}
{{- else if $p.httpGet }}
{{- $addr := printf "%s:%s" (or $p.httpGet.host $ip) $port }}
{{- $out = printf "PROBE_KIND probe failed: Get \"%s://%s%s\": dial tcp %s: connect: connection refused" (lower (or $p.httpGet.scheme "HTTP")) $addr (or $p.httpGet.path "") $addr }}
{{- else if $p.tcpSocket }}
{{- $addr := printf "%s:%s" (or $p.tcpSocket.host $ip) $port }}
{{- $out = printf "PROBE_KIND probe failed: dial tcp %s: connect: connection refused" $addr }}
{{- else }}{{ $out = "PROBE_KIND probe failed: command terminated with exit code 1" }}{{ end }}
`

// tplReadiness: running, never ready. The Unhealthy event needs the pod's
// IP: it is recorded once the pod runs (the readiness stage of a Pending
// pod only starts the container).
const tplReadiness = `
{{- $p := $c.readinessProbe }}` + tplProbeOutput + `
{{- $entry := dict "name" $c.name "image" $c.image "ready" false "started" true "restartCount" $restarts
    "state" (dict "running" (dict "startedAt" (dig "state" "running" "startedAt" $now $old))) }}
{{- with $old.lastState }}{{ $_ := set $entry "lastState" . }}{{ end }}
{{- $evs = list (dict "type" "Warning" "reason" "Unhealthy" "message" $out "count" 1) }}
`

// tplLiveness: killed for failing its liveness probe, and restarted.
const tplLiveness = `
{{- $p := $c.livenessProbe }}` + tplProbeOutput + `
{{- $restarts = add $restarts 1 }}
{{- $entry := dict "name" $c.name "image" $c.image "ready" true "started" true "restartCount" $restarts
    "state" (dict "running" (dict "startedAt" $now))
    "lastState" (dict "terminated" (dict "exitCode" FAULT_EXIT "reason" "Error" "startedAt" (dig "state" "running" "startedAt" $start $old) "finishedAt" $now)) }}
{{- $evs = list (dict "type" "Warning" "reason" "Unhealthy" "message" $out "count" $restarts) (dict "type" "Normal" "reason" "Killing" "message" (printf "Container %s failed liveness probe, will be restarted" $c.name) "count" $restarts) }}
`

// tplStatus renders the pod status: the faulty container's $entry, every
// other container's current status (or, if it has none yet, what the
// kubelet would show), and the conditions and phase that follow from them.
// Timestamps are kept when nothing changes, so a settled fault stops
// patching.
const tplStatus = `
{{- $unready := list }}
{{- $incomplete := list }}
{{- $transient := list "ContainerCreating" "PodInitializing" }}
initContainerStatuses:
{{- range $i, $s := (or .spec.initContainers list) }}
{{- $e := dict }}
{{- $prev := dict }}{{ range (or $pod.status.initContainerStatuses list) }}{{ if eq .name $s.name }}{{ $prev = . }}{{ end }}{{ end }}
{{- if and $init (eq $i $idx) }}{{ $e = $entry }}
{{- else if and $prev.name (not (has (dig "state" "waiting" "reason" "" $prev) $transient)) }}{{ $e = $prev }}
{{- else if and $init (gt $i $idx) }}{{ $e = dict "name" $s.name "image" $s.image "ready" false "started" false "restartCount" 0 "state" (dict "waiting" (dict "reason" "PodInitializing")) }}
{{- else if eq (or $s.restartPolicy "") "Always" }}{{ $e = dict "name" $s.name "image" $s.image "ready" true "started" true "restartCount" 0 "state" (dict "running" (dict "startedAt" $now)) }}
{{- else }}{{ $e = dict "name" $s.name "image" $s.image "ready" true "started" false "restartCount" 0 "state" (dict "terminated" (dict "exitCode" 0 "reason" "Completed" "startedAt" $start "finishedAt" $now)) }}
{{- end }}
{{- if not (or (eq (toString (dig "state" "terminated" "exitCode" "x" $e)) "0") (and (eq (or $s.restartPolicy "") "Always") (dig "started" false $e))) }}{{ $incomplete = append $incomplete $s.name }}{{ end }}
- {{ toJson $e }}
{{- end }}
containerStatuses:
{{- range $i, $s := .spec.containers }}
{{- $e := dict }}
{{- $prev := dict }}{{ range (or $pod.status.containerStatuses list) }}{{ if eq .name $s.name }}{{ $prev = . }}{{ end }}{{ end }}
{{- if and (not $init) (eq $i $idx) }}{{ $e = $entry }}
{{- else if and $prev.name (not (has (dig "state" "waiting" "reason" "" $prev) $transient)) }}{{ $e = $prev }}
{{- else if $init }}{{ $e = dict "name" $s.name "image" $s.image "ready" false "started" false "restartCount" 0 "state" (dict "waiting" (dict "reason" "PodInitializing")) }}
{{- else }}{{ $e = dict "name" $s.name "image" $s.image "ready" true "started" true "restartCount" 0 "state" (dict "running" (dict "startedAt" $now)) }}
{{- end }}
{{- if not $e.ready }}{{ $unready = append $unready $s.name }}{{ end }}
- {{ toJson $e }}
{{- end }}
{{- $was := dict }}{{ range (or .status.conditions list) }}{{ $_ := set $was .type .status }}{{ end }}
{{- $initialized := ternary "True" "False" (empty $incomplete) }}
{{- $ready := ternary "True" "False" (empty $unready) }}
conditions:
- type: Initialized
  status: {{ $initialized | Quote }}
  {{- if ne (get $was "Initialized") $initialized }}
  lastTransitionTime: {{ $now | Quote }}
  {{- end }}
  {{- if eq $initialized "True" }}
  reason: null
  message: null
  {{- else }}
  reason: ContainersNotInitialized
  message: {{ printf "containers with incomplete status: [%s]" (join " " $incomplete) | Quote }}
  {{- end }}
{{- range list "Ready" "ContainersReady" }}
- type: {{ . }}
  status: {{ $ready | Quote }}
  {{- if ne (get $was .) $ready }}
  lastTransitionTime: {{ $now | Quote }}
  {{- end }}
  {{- if eq $ready "True" }}
  reason: null
  message: null
  {{- else }}
  reason: ContainersNotReady
  message: {{ printf "containers with unready status: [%s]" (join " " $unready) | Quote }}
  {{- end }}
{{- end }}
{{- if not .status.hostIP }}{{ with NodeIPWith .spec.nodeName }}
hostIP: {{ . | Quote }}
hostIPs: [{ip: {{ . | Quote }}}]
{{- end }}{{ end }}
{{- if not .status.podIP }}{{ with PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ . | Quote }}
podIPs: [{ip: {{ . | Quote }}}]
{{- end }}{{ end }}
phase: {{ $phase | Quote }}
startTime: {{ $start | Quote }}
`

// tplEvent renders event number EVENT_INDEX of $evs as the kubelet's
// Event object. Its name is stable per pod, container, reason and message,
// so a repeated event updates its count instead of piling up.
const tplEvent = `
{{- $e := index $evs EVENT_INDEX }}
apiVersion: v1
kind: Event
metadata:
  name: {{ printf "%s.%s" $pod.metadata.name (trunc 16 (sha256sum (printf "%s/%s/%s" $e.reason $fieldPath $e.message))) | Quote }}
  namespace: {{ $pod.metadata.namespace | Quote }}
involvedObject:
  apiVersion: v1
  kind: Pod
  name: {{ $pod.metadata.name | Quote }}
  namespace: {{ $pod.metadata.namespace | Quote }}
  uid: {{ $pod.metadata.uid | Quote }}
  fieldPath: {{ $fieldPath | Quote }}
type: {{ $e.type | Quote }}
reason: {{ $e.reason | Quote }}
message: {{ $e.message | Quote }}
source:
  component: kubelet
  host: {{ $node | Quote }}
reportingComponent: kubelet
reportingInstance: {{ $node | Quote }}
firstTimestamp: {{ $start | Quote }}
lastTimestamp: {{ $now | Quote }}
count: {{ $e.count }}
`

// tplHold is the status of a pod whose ConfigMap and Secret references
// the config check has not resolved yet: its containers are being
// created, as a kubelet shows them meanwhile. Once a status exists it
// changes nothing.
const tplHold = `
{{- if or .status.containerStatuses .status.initContainerStatuses }}{}
{{- else }}
{{- $now := Now }}
initContainerStatuses:
{{- range (or .spec.initContainers list) }}
- {{ toJson (dict "name" .name "image" .image "ready" false "started" false "restartCount" 0 "state" (dict "waiting" (dict "reason" "PodInitializing"))) }}
{{- end }}
containerStatuses:
{{- range .spec.containers }}
- {{ toJson (dict "name" .name "image" .image "ready" false "started" false "restartCount" 0 "state" (dict "waiting" (dict "reason" "ContainerCreating"))) }}
{{- end }}
conditions:
- {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
- {type: ContainersReady, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
phase: Pending
startTime: {{ $now | Quote }}
{{- end }}
`
