package kube

import (
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Preview is exactly what an approval covers: the compiled change, the
// resourceVersion it was dry-run against, its hash and the resulting diff.
// It is plain data so it can be stored and applied after a restart; the
// fixer (kube/fixer) makes one and is the only code that applies it.
type Preview struct {
	Fix      Fix    `json:"fix"`
	Kind     string `json:"kind"`
	Group    string `json:"group"`
	Version  string `json:"version"`
	Resource string `json:"resource"`
	// UID is the target's uid when previewed (empty for create).
	UID types.UID `json:"uid,omitempty"`
	// ResourceVersion is the target's when previewed (empty for create).
	ResourceVersion string `json:"resourceVersion"`
	// Generation is the target's metadata.generation when previewed (0
	// for kinds without one): it moves only when the spec changes, so an
	// interrupted apply can be settled on an object whose status churns.
	Generation int64 `json:"generation,omitempty"`
	// PatchType is set for patches; delete-pod and create have none.
	PatchType types.PatchType `json:"patchType,omitempty"`
	// Patch is the exact payload: the patch, delete-pod's DeleteOptions
	// (with preconditions) or the object create makes.
	Patch     []byte    `json:"patch"`
	PatchHash string    `json:"patchHash"`
	Diff      string    `json:"diff"`
	CreatedAt time.Time `json:"createdAt"`
}

// GroupKind is the target's resolved group and kind.
func (p Preview) GroupKind() schema.GroupKind { return schema.GroupKind{Group: p.Group, Kind: p.Kind} }

// GroupVersionResource is the target's resolved resource.
func (p Preview) GroupVersionResource() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: p.Group, Version: p.Version, Resource: p.Resource}
}
