package weights

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDiffusersConfigWithInfinity loads a diffusers folder whose scheduler config has
// the -Infinity Python writes for DPM-Solver schedulers (lambda_min_clipped).
func TestDiffusersConfigWithInfinity(t *testing.T) {
	src := "../../testdata/fixtures/models/tiny-sd1"
	dst := t.TempDir()
	require.NoError(t, filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rel == filepath.Join("scheduler", "scheduler_config.json") {
			s := strings.Replace(string(data), "{", `{"lambda_min_clipped": -Infinity, "note": "NaN stays a string",`, 1)
			data = []byte(s)
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
	m, err := Load(dst, Options{})
	require.NoError(t, err)
	defer m.Close()
	require.Equal(t, Epsilon, m.Config.Prediction)
}
