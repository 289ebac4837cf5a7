package agent

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed runbooks/*.md
var builtinRunbooks embed.FS

// Runbook is a plain-English troubleshooting script the model follows
// (a "cognitive script"): a name, a description used to pick it, and steps.
type Runbook struct {
	Name        string
	Description string
	Steps       string
}

// Runbooks is the set the agent picks from.
type Runbooks struct {
	list []Runbook
}

// LoadRunbooks returns the built-in runbooks plus every *.md file in dir
// (when dir is not empty); a user's runbook replaces a built-in one of the
// same name. Each file starts with front matter:
//
//	---
//	name: disk-full
//	description: nodes or volumes running out of disk space
//	---
//	1. …
func LoadRunbooks(dir string) (*Runbooks, error) {
	byName := map[string]Runbook{}
	if err := addRunbooks(builtinRunbooks, "runbooks", byName); err != nil {
		return nil, fmt.Errorf("built-in runbooks: %w", err)
	}
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() {
			return nil, fmt.Errorf("KUBERTNETES_RUNBOOKS=%q is not a readable directory of .md runbooks", dir)
		}
		if err := addRunbooks(os.DirFS(dir), ".", byName); err != nil {
			return nil, fmt.Errorf("runbooks in %s: %w", dir, err)
		}
	}
	rb := &Runbooks{}
	for _, r := range byName {
		rb.list = append(rb.list, r)
	}
	sort.Slice(rb.list, func(i, j int) bool { return rb.list[i].Name < rb.list[j].Name })
	return rb, nil
}

func addRunbooks(fsys fs.FS, dir string, into map[string]Runbook) error {
	files, err := fs.Glob(fsys, filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return err
		}
		r, err := parseRunbook(string(b))
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		into[r.Name] = r
	}
	return nil
}

func parseRunbook(text string) (Runbook, error) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	rest, ok := strings.CutPrefix(text, "---\n")
	if !ok {
		return Runbook{}, fmt.Errorf("no front matter: start with ---, name: and description: lines, then ---")
	}
	head, body, ok := strings.Cut(rest, "\n---\n")
	if !ok {
		return Runbook{}, fmt.Errorf("front matter is not closed with ---")
	}
	var r Runbook
	for _, line := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch strings.TrimSpace(k) {
		case "name":
			r.Name = strings.TrimSpace(v)
		case "description":
			r.Description = strings.TrimSpace(v)
		}
	}
	r.Steps = strings.TrimSpace(body)
	if r.Name == "" || r.Description == "" || r.Steps == "" {
		return Runbook{}, fmt.Errorf("a runbook needs a name, a description and steps")
	}
	return r, nil
}

// Names lists the runbooks' names.
func (rb *Runbooks) Names() []string {
	out := make([]string, 0, len(rb.list))
	for _, r := range rb.list {
		out = append(out, r.Name)
	}
	return out
}

// Pick chooses the runbook for a question: the one it names ("runbook
// cluster-health", "use the app-not-working runbook"), else the one whose
// description shares the most words with it; ok is false when none fits.
func (rb *Runbooks) Pick(question string) (Runbook, bool) {
	q := strings.ToLower(question)
	for _, r := range rb.list {
		if strings.Contains(q, strings.ToLower(r.Name)) {
			return r, true
		}
	}
	words := wordSet(q)
	best, bestScore := Runbook{}, 0
	for _, r := range rb.list {
		score := 0
		for w := range wordSet(strings.ToLower(r.Description)) {
			if len(w) > 3 && words[w] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	return best, bestScore > 0
}

func wordSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		out[strings.TrimSuffix(w, "s")] = true
	}
	return out
}
