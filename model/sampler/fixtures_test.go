package sampler

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/sdgo/sdgo/model/safetensors"
)

const fixtureDir = "../../testdata/fixtures"

// fixtureCase is one case of the fixture manifest.
type fixtureCase struct {
	ID     string          `json:"id"`
	Kind   string          `json:"kind"`
	File   string          `json:"file"`
	Inputs json.RawMessage `json:"inputs"`
}

func loadManifest(t *testing.T) []fixtureCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Cases []fixtureCase `json:"cases"`
	}
	if err := json.Unmarshal(replaceNonFinite(b), &m); err != nil {
		t.Fatal(err)
	}
	return m.Cases
}

func openGolden(t *testing.T, c fixtureCase) *safetensors.File {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(fixtureDir, c.File))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func mustF32(t *testing.T, f *safetensors.File, name string) []float32 {
	t.Helper()
	v, err := f.Float32(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func mustF64(t *testing.T, f *safetensors.File, name string) []float64 {
	t.Helper()
	v, err := f.Float64(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func casesOfKind(t *testing.T, kind string) []fixtureCase {
	var out []fixtureCase
	for _, c := range loadManifest(t) {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s cases in the manifest", kind)
	}
	return out
}
