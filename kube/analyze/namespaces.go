package analyze

// namespaceOf is an API object's namespace.
func namespaceOf[T any, PT interface {
	*T
	GetNamespace() string
}](o *T) string {
	return PT(o).GetNamespace()
}

// inNamespace returns the items in ns, in order; see byNamespace.
func inNamespace[T any](items []T, ns string, namespace func(*T) string) []T {
	return byNamespace(items, namespace)[ns]
}

// byNamespace groups items by namespace, in order, without copying them
// when each namespace's items are contiguous, as the API server lists
// them: a group is then a subslice, capped so that an append to it cannot
// write into items.
func byNamespace[T any](items []T, namespace func(*T) string) map[string][]T {
	out := map[string][]T{}
	for i := 0; i < len(items); {
		ns, j := namespace(&items[i]), i+1
		for j < len(items) && namespace(&items[j]) == ns {
			j++
		}
		if prev, ok := out[ns]; ok { // not contiguous: copy
			out[ns] = append(append([]T(nil), prev...), items[i:j]...)
		} else {
			out[ns] = items[i:j:j]
		}
		i = j
	}
	return out
}
