package imageio

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Parameters are the generation parameters of an image, as A1111 writes them into the
// PNG "parameters" text ("infotext"). Zero-valued optional fields are not written.
type Parameters struct {
	Prompt         string            `json:"prompt"`
	NegativePrompt string            `json:"negative_prompt,omitempty"`
	Steps          int               `json:"steps"`
	Sampler        string            `json:"sampler,omitempty"`    // "Sampler", e.g. "Euler a"
	Scheduler      string            `json:"scheduler,omitempty"`  // "Schedule type", e.g. "Karras"
	CFGScale       float64           `json:"cfg_scale"`            // "CFG scale"
	Seed           int64             `json:"seed"`                 // "Seed"
	Width          int               `json:"width"`                // "Size: WxH"
	Height         int               `json:"height"`               // "Size: WxH"
	ModelHash      string            `json:"model_hash,omitempty"` // "Model hash"
	ModelName      string            `json:"model,omitempty"`      // "Model"
	Strength       float64           `json:"strength,omitempty"`   // "Denoising strength"
	ClipSkip       int               `json:"clip_skip,omitempty"`  // "Clip skip"
	Version        string            `json:"version,omitempty"`    // "Version"
	Extra          map[string]string `json:"extra,omitempty"`      // any other "Key: value"
}

// Format returns the A1111 infotext: the prompt, a "Negative prompt: ..." line when there
// is one, then one line of "Key: value" pairs separated by ", ". Steps, CFG scale, Seed
// and Size are always written; Extra follows the known keys in sorted order. A value is
// JSON-quoted when it holds a comma, a colon, a newline, starts with a double quote, or
// has surrounding spaces (A1111 quotes the first three).
//
// Parse(p.Format()) == p holds when the prompts' lines carry no surrounding white space
// (A1111 trims them), no prompt line begins with "Negative prompt:", and Extra keys match
// A1111's key syntax (a letter, digit or _ then letters, digits, _, space, - or /) without
// naming a known key.
func (p Parameters) Format() string {
	var sb strings.Builder
	sb.WriteString(p.Prompt)
	if p.NegativePrompt != "" {
		sb.WriteString("\nNegative prompt: " + p.NegativePrompt)
	}
	kv := [][2]string{{"Steps", strconv.Itoa(p.Steps)}}
	add := func(k, v string) {
		if v != "" {
			kv = append(kv, [2]string{k, v})
		}
	}
	add("Sampler", p.Sampler)
	add("Schedule type", p.Scheduler)
	kv = append(kv, [2]string{"CFG scale", formatFloat(p.CFGScale)},
		[2]string{"Seed", strconv.FormatInt(p.Seed, 10)},
		[2]string{"Size", fmt.Sprintf("%dx%d", p.Width, p.Height)})
	add("Model hash", p.ModelHash)
	add("Model", p.ModelName)
	if p.Strength != 0 {
		add("Denoising strength", formatFloat(p.Strength))
	}
	if p.ClipSkip != 0 {
		add("Clip skip", strconv.Itoa(p.ClipSkip))
	}
	for _, k := range slices.Sorted(maps.Keys(p.Extra)) {
		kv = append(kv, [2]string{k, p.Extra[k]})
	}
	add("Version", p.Version)
	sb.WriteString("\n")
	for i, e := range kv {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(e[0] + ": " + quote(e[1]))
	}
	return strings.TrimSpace(sb.String())
}

// formatFloat writes the shortest decimal that reads back as f.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// quote JSON-quotes v when it could not be read back unquoted (see Format).
func quote(v string) string {
	if !strings.ContainsAny(v, ",:\n") && !strings.HasPrefix(v, `"`) && strings.TrimSpace(v) == v {
		return v
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // encoding a string cannot fail
	return strings.TrimSuffix(buf.String(), "\n")
}

// unquote is A1111's: a value in double quotes is JSON-decoded when it can be.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var s string
	if json.Unmarshal([]byte(v), &s) != nil {
		return v
	}
	return s
}

// reParam is A1111's re_param (infotext_utils.py), with \w spelled out for Unicode.
var reParam = regexp.MustCompile(`\s*([\p{L}\p{N}_][\p{L}\p{N}_ \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)`)

// Parse reads an A1111 infotext the way A1111's parse_generation_parameters does: the last
// line holds the "Key: value" pairs if it has at least three of them (else it is part of
// the prompt); earlier lines are the prompt up to a line starting with "Negative prompt:",
// which starts the negative prompt. Every line is trimmed. Known keys fill the fields;
// the others, and known numeric keys whose value is not a number, go to Extra. Parse
// never fails: text that is not an infotext comes back as a prompt.
func Parse(text string) Parameters {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	last := strings.TrimRight(lines[len(lines)-1], "\r")
	lines = lines[:len(lines)-1]
	pairs := reParam.FindAllStringSubmatch(last, -1)
	if len(pairs) < 3 {
		lines = append(lines, last)
		pairs = nil
	}
	var p Parameters
	var prompt, negative []string
	inNegative := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if rest, ok := strings.CutPrefix(l, "Negative prompt:"); ok {
			inNegative = true
			l = strings.TrimSpace(rest)
		}
		if inNegative {
			negative = append(negative, l)
		} else {
			prompt = append(prompt, l)
		}
	}
	p.Prompt = strings.Join(prompt, "\n")
	p.NegativePrompt = strings.Join(negative, "\n")
	for _, m := range pairs {
		if !p.set(m[1], unquote(m[2])) {
			if p.Extra == nil {
				p.Extra = map[string]string{}
			}
			p.Extra[m[1]] = unquote(m[2])
		}
	}
	return p
}

// set stores a known key's value and reports whether k was a known key with a valid value;
// an invalid value leaves p unchanged.
func (p *Parameters) set(k, v string) bool {
	switch k {
	case "Steps":
		return parseInto(&p.Steps, v, strconv.Atoi)
	case "CFG scale":
		return parseInto(&p.CFGScale, v, parseFloat)
	case "Seed":
		return parseInto(&p.Seed, v, parseInt64)
	case "Denoising strength":
		return parseInto(&p.Strength, v, parseFloat)
	case "Clip skip":
		return parseInto(&p.ClipSkip, v, strconv.Atoi)
	case "Size":
		ws, hs, _ := strings.Cut(v, "x")
		w, err1 := strconv.Atoi(ws)
		h, err2 := strconv.Atoi(hs)
		if err1 != nil || err2 != nil {
			return false
		}
		p.Width, p.Height = w, h
		return true
	}
	dst := map[string]*string{"Sampler": &p.Sampler, "Schedule type": &p.Scheduler,
		"Model hash": &p.ModelHash, "Model": &p.ModelName, "Version": &p.Version}[k]
	if dst == nil {
		return false
	}
	*dst = v
	return true
}

// parseInto stores parse(v) in dst and reports success.
func parseInto[T any](dst *T, v string, parse func(string) (T, error)) bool {
	x, err := parse(v)
	if err != nil {
		return false
	}
	*dst = x
	return true
}

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }
func parseInt64(s string) (int64, error)   { return strconv.ParseInt(s, 10, 64) }
