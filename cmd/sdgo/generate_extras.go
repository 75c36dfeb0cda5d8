package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/sdgo/sdgo/model/weights"
)

// loraTag matches A1111's <lora:name> and <lora:name:strength> prompt tags.
var loraTag = regexp.MustCompile(`<lora:([^:>]+)(?::([^>]*))?>`)

// extractLoRAs removes the LoRA tags from a prompt and returns them (name → strength).
func extractLoRAs(prompt string) (string, map[string]float32, error) {
	tags := map[string]float32{}
	var bad error
	clean := loraTag.ReplaceAllStringFunc(prompt, func(tag string) string {
		m := loraTag.FindStringSubmatch(tag)
		strength := float32(1)
		if m[2] != "" {
			v, err := strconv.ParseFloat(strings.TrimSpace(m[2]), 32)
			if err != nil && bad == nil {
				bad = fmt.Errorf("LoRA tag %s: strength %q is not a number", tag, m[2])
			}
			strength = float32(v)
		}
		tags[strings.TrimSpace(m[1])] += strength
		return ""
	})
	return strings.TrimSpace(clean), tags, bad
}

// findInDir finds name with one of the extensions in dir.
func findInDir(dir, name string, exts ...string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("%q: no directory given to look in", name)
	}
	for _, ext := range exts {
		p := filepath.Join(dir, name+ext)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s{%s} in %s", name, strings.Join(exts, ","), dir)
}

// loadLoRAs strips the prompt's LoRA tags and loads the files from loraDir.
func loadLoRAs(prompt, loraDir string) (string, []weights.LoRAWeight, error) {
	clean, tags, err := extractLoRAs(prompt)
	if err != nil || len(tags) == 0 {
		return clean, nil, err
	}
	var loras []weights.LoRAWeight
	for name, strength := range tags {
		path, err := findInDir(loraDir, name, ".safetensors", ".pt", ".ckpt")
		if err != nil {
			return "", nil, fmt.Errorf("--lora-dir: LoRA %w", err)
		}
		l, err := weights.LoadLoRA(path)
		if err != nil {
			return "", nil, err
		}
		loras = append(loras, weights.LoRAWeight{LoRA: l, Strength: strength})
	}
	return clean, loras, nil
}

// loadEmbeddings loads every textual-inversion file in dir for a text encoder of the
// given width.
func loadEmbeddings(dir string, width int) (map[string]weights.Embedding, error) {
	out := map[string]weights.Embedding{}
	if dir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--embd-dir: %w", err)
	}
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".pt", ".safetensors", ".bin":
		default:
			continue
		}
		embs, err := weights.LoadEmbeddings(filepath.Join(dir, e.Name()), width)
		if err != nil {
			return nil, err
		}
		for name, emb := range embs {
			out[name] = emb
		}
	}
	return out, nil
}
