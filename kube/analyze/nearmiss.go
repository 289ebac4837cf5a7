package analyze

// nearMiss returns the one existing name that name is plausibly a typo of
// (edit distance ≤ 3 and at most a third of its length; one missing or extra
// last letter also for short names) or an abbreviation
// of (a shared prefix of 4+, e.g. backend-svc for backend-service), or ""
// when none is, or several are equally close — a tie is no clear near miss.
// Analyzers use it to turn "X does not exist" into a proposed fix.
func nearMiss(name string, existing []string) string {
	best, bestD, tie := "", 4, false
	for _, e := range existing {
		d := editDistance(name, e)
		// Short names: one edit is only a near miss when one name extends
		// the other (ap → app), not when it replaces a letter (db → dc).
		if 3*d > len(name) && (d > 1 || commonPrefix(name, e) < min(len(name), len(e))) {
			d = 4
		}
		if p := commonPrefix(name, e); p >= 4 && d > 3 && len(e)-p <= 8 {
			d = 3
		}
		switch {
		case d < bestD:
			best, bestD, tie = e, d, false
		case d == bestD && d < 4:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
