package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/sdgo/sdgo/model/safetensors"
	"github.com/stretchr/testify/require"
)

const fixtures = "../testdata/fixtures"

var nonFinite = regexp.MustCompile(`(:\s*)-?(Infinity|NaN)\b`)

// tokenizerCase is the part of a manifest.json case the tokenizer goldens need.
type tokenizerCase struct {
	ID     string `json:"id"`
	File   string `json:"file"`
	Inputs struct {
		Prompts []string `json:"prompts"`
		PadID   int      `json:"pad_id"`
	} `json:"inputs"`
}

func loadCase(t testing.TB, id string) tokenizerCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(fixtures, "manifest.json"))
	require.NoError(t, err)
	// manifest.json is Python's JSON: a few scheduler settings are bare -Infinity.
	raw = nonFinite.ReplaceAll(raw, []byte("${1}null"))
	var manifest struct {
		Cases []tokenizerCase `json:"cases"`
	}
	require.NoError(t, json.Unmarshal(raw, &manifest))
	for _, c := range manifest.Cases {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("manifest.json has no case %q", id)
	return tokenizerCase{}
}

func TestGoldens(t *testing.T) {
	for _, id := range []string{"tokenizer_sd1", "tokenizer_sd2"} {
		t.Run(id, func(t *testing.T) {
			c := loadCase(t, id)
			f, err := safetensors.Open(filepath.Join(fixtures, c.File))
			require.NoError(t, err)
			defer f.Close()
			want, err := f.Int64("input_ids")
			require.NoError(t, err)
			wantLen, err := f.Int64("untruncated_length")
			require.NoError(t, err)
			require.Len(t, want, len(c.Inputs.Prompts)*ContextLength)

			tok, err := NewCLIP(c.Inputs.PadID)
			require.NoError(t, err)
			for i, prompt := range c.Inputs.Prompts {
				got, n := tok.EncodeWindow(prompt)
				wantRow := make([]int, ContextLength)
				for j := range wantRow {
					wantRow[j] = int(want[i*ContextLength+j])
				}
				require.Equal(t, wantRow, got, "prompt %d %q", i, prompt)
				require.Equal(t, int(wantLen[i]), n, "untruncated length of prompt %d %q", i, prompt)
			}
		})
	}
}
