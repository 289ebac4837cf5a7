package slacktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Slack's limits for messages and Block Kit, counted in characters.
const (
	maxMessageText  = 40000
	maxBlocks       = 50
	maxSectionText  = 3000
	maxFieldText    = 2000
	maxFields       = 10
	maxHeaderText   = 150
	maxButtonText   = 75
	maxButtonValue  = 2000
	maxURL          = 3000
	maxID           = 255
	maxActionsElems = 25
	maxContextElems = 10
	maxMarkdownText = 12000
)

// knownBlockType reports whether Slack (as slack-go v0.34 knows it) has the block type.
func knownBlockType(t string) bool {
	switch t {
	case "section", "divider", "image", "actions", "context", "context_actions", "file", "input",
		"header", "rich_text", "call", "video", "markdown", "table", "data_table", "data_visualization",
		"task_card", "plan", "alert", "auth_provider", "card", "carousel", "container", "layout":
		return true
	}
	return false
}

// validateBlocks checks a `blocks` parameter like Slack does. It returns the blocks
// as Slack stores them (see normalizeBlocks; nil for "[]", which clears them), or
// the error answer:
// invalid_blocks_format when it is not a JSON array of objects, invalid_blocks with
// Slack-style messages ("must be less than 3001 characters
// [json-pointer:/blocks/0/text/text]") otherwise.
func validateBlocks(raw string) (json.RawMessage, *apiResult) {
	var blocks []map[string]any
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber() // keep numbers exactly as posted
	if err := dec.Decode(&blocks); err != nil {
		res := fail("invalid_blocks_format")
		return nil, &res
	}
	v := blockValidator{blockIDs: map[string]bool{}, actionIDs: map[string]bool{}}
	if len(blocks) > maxBlocks {
		v.errorf("/blocks", "no more than %d items allowed", maxBlocks)
	}
	for i, b := range blocks {
		v.block(b, fmt.Sprintf("/blocks/%d", i))
	}
	if len(v.errs) > 0 {
		msgs := make([]string, len(v.errs))
		for i, e := range v.errs {
			msgs[i] = "[ERROR] " + e
		}
		res := fail("invalid_blocks")
		res.body["errors"] = v.errs
		res.body["response_metadata"] = object{"messages": msgs}
		return nil, &res
	}
	if len(blocks) == 0 {
		return nil, nil
	}
	normalizeBlocks(blocks)
	return mustJSON(blocks), nil
}

// normalizeBlocks does what Slack does to stored blocks: random ids for blocks and
// interactive elements that have none, "emoji": true on plain_text and
// "verbatim": false on mrkdwn text objects.
func normalizeBlocks(blocks []map[string]any) {
	for _, b := range blocks {
		normalizeText(b)
		if _, present := b["block_id"]; !present {
			b["block_id"] = randomHex(3)
		}
		var elems []any
		switch b["type"] {
		case "actions":
			elems, _ = b["elements"].([]any)
		case "section":
			elems = []any{b["accessory"]}
		case "input":
			elems = []any{b["element"]}
		}
		for _, e := range elems {
			el, isObj := e.(map[string]any)
			if !isObj || el["type"] == "image" {
				continue
			}
			if _, present := el["action_id"]; !present {
				el["action_id"] = randomHex(3)
			}
		}
	}
}

// normalizeText fills the defaults of every text object under v.
func normalizeText(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, isText := x["text"].(string); isText {
			if _, set := x["emoji"]; !set && x["type"] == "plain_text" {
				x["emoji"] = true
			}
			if _, set := x["verbatim"]; !set && x["type"] == "mrkdwn" {
				x["verbatim"] = false
			}
		}
		for _, child := range x {
			normalizeText(child)
		}
	case []any:
		for _, child := range x {
			normalizeText(child)
		}
	}
}

type blockValidator struct {
	errs      []string
	blockIDs  map[string]bool
	actionIDs map[string]bool
}

func (v *blockValidator) errorf(pointer, format string, args ...any) {
	v.errs = append(v.errs, fmt.Sprintf(format, args...)+" [json-pointer:"+pointer+"]")
}

func (v *blockValidator) block(b map[string]any, p string) {
	typ, _ := b["type"].(string)
	if typ == "" {
		v.errorf(p, "missing required field: type")
		return
	}
	if !knownBlockType(typ) {
		v.errorf(p+"/type", "unsupported type: %s", typ)
		return
	}
	if id, present := b["block_id"]; present {
		v.id(id, p+"/block_id", v.blockIDs, "block_id")
	}
	switch typ {
	case "section":
		fields, hasFields := b["fields"].([]any)
		if _, hasText := b["text"]; hasText || !hasFields {
			v.text(b["text"], p+"/text", maxSectionText, "plain_text", "mrkdwn")
		}
		if len(fields) > maxFields {
			v.errorf(p+"/fields", "no more than %d items allowed", maxFields)
		}
		for i, f := range fields {
			v.text(f, fmt.Sprintf("%s/fields/%d", p, i), maxFieldText, "plain_text", "mrkdwn")
		}
		if acc, present := b["accessory"]; present {
			v.element(acc, p+"/accessory")
		}
	case "header":
		v.text(b["text"], p+"/text", maxHeaderText, "plain_text")
	case "actions":
		v.elements(b["elements"], p+"/elements", maxActionsElems, true)
	case "context":
		v.elements(b["elements"], p+"/elements", maxContextElems, false)
	case "markdown":
		if s, _ := b["text"].(string); utf8.RuneCountInString(s) > maxMarkdownText {
			v.errorf(p+"/text", "must be less than %d characters", maxMarkdownText+1)
		}
	case "input":
		v.element(b["element"], p+"/element")
	}
}

func (v *blockValidator) elements(raw any, p string, limit int, interactive bool) {
	elems, _ := raw.([]any)
	switch {
	case len(elems) == 0:
		v.errorf(p, "must provide at least 1 item")
	case len(elems) > limit:
		v.errorf(p, "no more than %d items allowed", limit)
	}
	if !interactive {
		return
	}
	for i, e := range elems {
		v.element(e, fmt.Sprintf("%s/%d", p, i))
	}
}

// element checks an interactive element: action_id, and a button's text and value.
func (v *blockValidator) element(raw any, p string) {
	el, isObj := raw.(map[string]any)
	if !isObj {
		v.errorf(p, "must be an object")
		return
	}
	if id, present := el["action_id"]; present {
		v.id(id, p+"/action_id", v.actionIDs, "action_id")
	}
	if el["type"] != "button" {
		return
	}
	v.text(el["text"], p+"/text", maxButtonText, "plain_text")
	if s, _ := el["value"].(string); utf8.RuneCountInString(s) > maxButtonValue {
		v.errorf(p+"/value", "must be less than %d characters", maxButtonValue+1)
	}
	if s, _ := el["url"].(string); utf8.RuneCountInString(s) > maxURL {
		v.errorf(p+"/url", "must be less than %d characters", maxURL+1)
	}
}

// text checks a text object: its type and 1..limit characters of text.
func (v *blockValidator) text(raw any, p string, limit int, types ...string) {
	obj, isObj := raw.(map[string]any)
	if !isObj {
		v.errorf(p, "missing required field: text")
		return
	}
	if typ, _ := obj["type"].(string); !slices.Contains(types, typ) {
		v.errorf(p+"/type", "must be one of %v", types)
	}
	s, _ := obj["text"].(string)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		v.errorf(p+"/text", "must be more than 0 characters")
	case n > limit:
		v.errorf(p+"/text", "must be less than %d characters", limit+1)
	}
}

// id checks a block_id or action_id: a string of at most 255 characters, unique in
// the message.
func (v *blockValidator) id(raw any, p string, seen map[string]bool, what string) {
	s, isStr := raw.(string)
	switch {
	case !isStr:
		v.errorf(p, "must be a string")
	case utf8.RuneCountInString(s) > maxID:
		v.errorf(p, "must be less than %d characters", maxID+1)
	case seen[s]:
		v.errorf(p, "duplicate %s %q", what, s)
	default:
		seen[s] = true
	}
}
