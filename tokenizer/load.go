package tokenizer

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// openCLIPPrefix starts the text-encoder tensor names of SD2-style (OpenCLIP) checkpoints.
const openCLIPPrefix = "cond_stage_model.model."

// LoadDir returns the tokenizer of a diffusers model: dir is the model folder (with a
// tokenizer/ subfolder) or the tokenizer folder itself. The pad token comes from
// special_tokens_map.json, else tokenizer_config.json, else "<|endoftext|>"; the
// vocabulary from vocab.json and merges.txt when both are present, else the embedded one.
func LoadDir(dir string) (*Tokenizer, error) {
	if sub := filepath.Join(dir, "tokenizer"); isDir(sub) {
		dir = sub
	}
	vocab, err := loadDirVocabulary(dir)
	if err != nil {
		return nil, err
	}
	pad, err := readPadToken(dir)
	if err != nil {
		return nil, err
	}
	padID, ok := vocab.ID(pad)
	if !ok {
		return nil, fmt.Errorf("%s: pad token %q is not in the vocabulary", dir, pad)
	}
	return New(vocab, padID)
}

func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

func loadDirVocabulary(dir string) (*Vocabulary, error) {
	vocabPath, mergesPath := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
	vf, err := os.Open(vocabPath)
	if errors.Is(err, fs.ErrNotExist) {
		return EmbeddedVocabulary()
	}
	if err != nil {
		return nil, err
	}
	defer vf.Close()
	mf, err := os.Open(mergesPath)
	if errors.Is(err, fs.ErrNotExist) {
		return EmbeddedVocabulary()
	}
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	v, err := ReadVocabulary(vf, mf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return v, nil
}

// readPadToken returns the pad token named by the tokenizer's JSON files, or the end
// token when they name none.
func readPadToken(dir string) (string, error) {
	for _, name := range []string{"special_tokens_map.json", "tokenizer_config.json"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		var cfg struct {
			PadToken json.RawMessage `json:"pad_token"`
		}
		if err := json.Unmarshal(raw, &cfg); err != nil {
			return "", fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		pad, err := tokenContent(cfg.PadToken)
		if err != nil {
			return "", fmt.Errorf("%s: pad_token: %w", filepath.Join(dir, name), err)
		}
		if pad != "" {
			return pad, nil
		}
	}
	return endToken, nil
}

// tokenContent reads a token given as a string or as an object with "content"; null or
// absent gives "".
func tokenContent(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var obj struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", fmt.Errorf("want a string or {\"content\": ...}, got %s", raw)
	}
	return obj.Content, nil
}

// PadIDForCheckpoint returns the pad id for a single-file checkpoint from its tensor
// names: OpenCLIPPadID when the text encoder is OpenCLIP (SD2: names starting
// "cond_stage_model.model."), else EndID (SD1).
func PadIDForCheckpoint(tensorNames []string) int {
	for _, n := range tensorNames {
		if strings.HasPrefix(n, openCLIPPrefix) {
			return OpenCLIPPadID
		}
	}
	return EndID
}
